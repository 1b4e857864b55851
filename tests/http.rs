//! The HTTP side: the page, `/api/info`, and paths that try to leave `www/`.

mod common;

use common::{http_raw, start};

// The page and its scripts are served with the right Content-Type and security headers.
#[test]
fn serves_the_page() {
    let server = start(|_| {});
    let (status, head, body) = http_raw(&server, "GET", "/");
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(head.contains("X-Content-Type-Options: nosniff"), "{head}");
    assert!(body.contains("<html") || body.contains("<!doctype") || body.contains("<!DOCTYPE"));
    let (status, head, _) = http_raw(&server, "GET", "/app.js?v=1");
    assert_eq!(status, 200);
    assert!(head.contains("text/javascript"), "{head}");
}

// /api/info tells the page where the WebSocket is, with the real bound port.
#[test]
fn api_info_names_the_websocket_port() {
    let server = start(|_| {});
    let (status, head, body) = http_raw(&server, "GET", "/api/info");
    assert_eq!(status, 200);
    assert!(head.contains("application/json"), "{head}");
    let info: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["ws_port"], server.ws_addr().port());
    assert_eq!(info["protocol"], 4);
    assert_eq!(info["edit_window"], 600);
    assert_eq!(info["max_text_bytes"], 4096);
}

// No spelling of a path escapes www/: dot segments, escapes, backslashes, absolute paths.
#[test]
fn path_traversal_never_leaves_www() {
    let server = start(|_| {});
    let attempts = [
        "/../Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E%2FCargo.toml",
        "/..\\Cargo.toml",
        "/..%5cCargo.toml",
        "//etc/passwd",
        "/etc/passwd",
        "/../../../../etc/passwd",
        "/./../src/main.rs",
        "http://x/../Cargo.toml",
    ];
    for target in attempts {
        let (status, _, body) = http_raw(&server, "GET", target);
        assert!(status == 404 || status == 400, "{target} answered {status}");
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{target} leaked a file"
        );
    }
    assert_eq!(http_raw(&server, "GET", "/%zz").0, 400);
}

// Missing files are 404 and other methods 405.
#[test]
fn missing_files_and_other_methods() {
    let server = start(|_| {});
    assert_eq!(http_raw(&server, "GET", "/nope.js").0, 404);
    assert_eq!(http_raw(&server, "POST", "/").0, 405);
    assert_eq!(http_raw(&server, "DELETE", "/api/info").0, 405);
}

// A file the browser already has is answered 304 with no body (its ETag named in If-None-Match),
// on a kept-alive connection whose next request is answered whole: reloads cost a few bytes.
#[test]
fn a_file_the_browser_has_is_not_sent_again() {
    use std::io::{Read, Write};
    let server = start(|_| {});
    let (status, head, body) = http_raw(&server, "GET", "/app.js");
    assert_eq!(status, 200);
    let etag = head
        .lines()
        .find_map(|line| line.strip_prefix("ETag: "))
        .expect("an ETag on a file")
        .to_owned();
    let mut stream = std::net::TcpStream::connect(server.http_addr()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /app.js HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n\
         GET /app.js HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"another\"\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut both = String::new();
    stream.read_to_string(&mut both).expect("both answers");
    let (unchanged, rest) = both.split_once("\r\n\r\n").expect("a first answer");
    assert!(unchanged.starts_with("HTTP/1.1 304"), "{unchanged}");
    assert!(unchanged.contains(&format!("ETag: {etag}")), "{unchanged}");
    assert!(unchanged.contains("Content-Security-Policy"), "{unchanged}");
    assert!(
        rest.starts_with("HTTP/1.1 200"),
        "no body after the 304: {rest:.200}"
    );
    assert!(rest.ends_with(&body), "the second answer is the whole file");
}
