//! Building tiny_http replies: the headers every reply carries, plain text, and JSON.

use std::io::{Cursor, Read};

use tiny_http::{Header, Response};

/// A reply (an HTTP response) whose body is in memory.
pub type Reply = Response<Cursor<Vec<u8>>>;

/// A header from two strings known to be valid ASCII.
pub fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("header names and values here are plain ASCII")
}

/// Headers on every reply: no sniffing, no framing by other sites, scripts only from here, no
/// stale copies while a page is being developed, and WebSockets only to `websocket` (see
/// [`websocket_source`]), or none.
pub fn with_headers<R: Read>(response: Response<R>, websocket: Option<&str>) -> Response<R> {
    const HEADERS: [(&str, &str); 3] = [
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-cache"),
        ("Referrer-Policy", "no-referrer"),
    ];
    let connect = websocket
        .map(|source| format!(" {source}"))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; connect-src 'self'{connect}; img-src 'self' data:; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    );
    HEADERS
        .iter()
        .fold(response, |response, (name, value)| {
            response.with_header(header(name, value))
        })
        .with_header(header("Content-Security-Policy", &policy))
}

/// The WebSocket URL of a page reached at `host` (a name the page is served at: see
/// `OriginPolicy::page_host`), as a CSP source: `ws://HOST:PORT`, which also allows `wss://` to
/// the same place. CSP's host syntax has no IPv6 literal, so for one it names the port only.
pub fn websocket_source(host: &str, ws_port: u16) -> String {
    match host.starts_with('[') {
        true => format!("ws://*:{ws_port}"),
        false => format!("ws://{host}:{ws_port}"),
    }
}

/// A plain-text reply.
pub fn plain(status: u16, text: &str) -> Reply {
    with_headers(Response::from_string(text).with_status_code(status), None)
}

/// A JSON reply. API replies are never stored by caches: some carry a session token.
pub fn json(status: u16, body: &serde_json::Value) -> Reply {
    Response::from_string(body.to_string())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
        .with_header(header("Referrer-Policy", "no-referrer"))
}

/// The API's error reply: `{"error":"CODE","message":"…"}` with its status.
pub fn error(status: u16, code: &str, message: &str) -> Reply {
    json(
        status,
        &serde_json::json!({ "error": code, "message": message }),
    )
}

/// A reply with no body (204).
pub fn empty(status: u16) -> Reply {
    Response::from_data(Vec::new())
        .with_status_code(status)
        .with_header(header("Cache-Control", "no-store"))
}
