//! Maps a raw request path to a file inside `www/`, and never to anything outside it.
//!
//! tiny_http hands over the request target raw: query included, not percent-decoded. Following
//! rouille's `match_assets`: decode, refuse `..`, join onto the canonical root, canonicalize the
//! result (resolving symlinks) and check that it is still inside the root and a regular file.

use std::path::{Path, PathBuf};

use crate::percent;

/// Why a path was not served.
#[derive(Debug, PartialEq, Eq)]
pub enum FileRefusal {
    /// Malformed: a bad escape, a NUL byte. 400.
    BadRequest,
    /// No such file inside the root (or an attempt to leave it). 404.
    NotFound,
}

/// The file to serve for `raw_target` (`/app.js?v=2`), inside the canonical `root`.
pub fn resolve(root: &Path, raw_target: &str) -> Result<PathBuf, FileRefusal> {
    let raw_path = raw_target.split(['?', '#']).next().unwrap_or("/");
    let path = percent::decode(raw_path).ok_or(FileRefusal::BadRequest)?;
    if path.contains('\0') {
        return Err(FileRefusal::BadRequest);
    }
    let mut relative = PathBuf::new();
    for segment in path.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => return Err(FileRefusal::NotFound),
            name => relative.push(name),
        }
    }
    if path.ends_with('/') || relative.as_os_str().is_empty() {
        relative.push("index.html");
    }
    let candidate = root
        .join(relative)
        .canonicalize()
        .map_err(|_| FileRefusal::NotFound)?;
    if candidate.starts_with(root) && candidate.is_file() {
        Ok(candidate)
    } else {
        Err(FileRefusal::NotFound)
    }
}

/// The Content-Type for a file, by its extension.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn root() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("threadchat-files-{}", std::process::id()));
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("index.html"), "home").unwrap();
        fs::write(dir.join("sub/a b.js"), "js").unwrap();
        dir.canonicalize().unwrap()
    }

    #[test]
    fn serves_files_inside_the_root() {
        let root = root();
        assert_eq!(resolve(&root, "/").unwrap(), root.join("index.html"));
        assert_eq!(
            resolve(&root, "/index.html?x=1").unwrap(),
            root.join("index.html")
        );
        assert_eq!(
            resolve(&root, "/sub/a%20b.js").unwrap(),
            root.join("sub/a b.js")
        );
        assert_eq!(
            resolve(&root, "//sub//a%20b.js").unwrap(),
            root.join("sub/a b.js")
        );
    }

    #[test]
    fn never_leaves_the_root() {
        let root = root();
        for target in [
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/sub/..%2f..%2fetc",
            "/..\\..\\etc\\passwd",
            "//etc/passwd",
            "/etc/passwd",
            "/sub",
        ] {
            assert_eq!(
                resolve(&root, target),
                Err(FileRefusal::NotFound),
                "{target}"
            );
        }
        assert_eq!(resolve(&root, "/%zz"), Err(FileRefusal::BadRequest));
        assert_eq!(resolve(&root, "/a%00b"), Err(FileRefusal::BadRequest));
    }

    #[test]
    fn names_content_types() {
        assert_eq!(
            content_type(Path::new("a.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("noext")), "application/octet-stream");
    }
}
