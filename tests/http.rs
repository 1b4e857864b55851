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
    assert_eq!(info["protocol"], 2);
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
