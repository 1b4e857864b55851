//! Maps a raw request path to a file inside `www/`, and never to anything outside it; and names
//! a file's version (its entity tag) so that a browser that has it already gets a 304.
//!
//! tiny_http hands over the request target raw: query included, not percent-decoded. Following
//! rouille's `match_assets`: decode, refuse `..`, join onto the canonical root, canonicalize the
//! result (resolving symlinks) and check that it is still inside the root and a regular file.

use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

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

/// A file's entity tag: its size and modification time, which change whenever the file does (a
/// weak validator is enough: the page asks for whole files, never ranges).
pub fn etag(metadata: &Metadata) -> String {
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |since| since.as_nanos());
    format!("W/\"{:x}-{:x}\"", metadata.len(), modified)
}

/// Whether an `If-None-Match` header's value names `etag` (RFC 9110 §13.1.2: a list, `*`, and a
/// weak comparison, so `W/` on either side does not matter).
pub fn matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(etag);
    if_none_match
        .split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == wanted)
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
    fn an_etag_changes_with_the_file_and_matches_as_browsers_send_it() {
        let root = root();
        let path = root.join("sub/version.txt");
        fs::write(&path, "one").unwrap();
        let first = etag(&fs::metadata(&path).unwrap());
        fs::write(&path, "three").unwrap();
        let second = etag(&fs::metadata(&path).unwrap());
        assert_ne!(first, second, "a new size is a new version");
        assert!(matches(&second, &second));
        assert!(matches(&format!("\"x\", {second}"), &second));
        assert!(matches(second.trim_start_matches("W/"), &second));
        assert!(matches("*", &second));
        assert!(!matches(&first, &second));
        assert!(!matches("", &second));
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
