//! One request to the JSON API and its reply, over a fresh connection (docs/PROTOCOL.md §2).
//!
//! The client makes two requests in its life (`/api/info`, `/api/login`), so it writes HTTP/1.1 by
//! hand with `Connection: close` and reads the reply to the end: no keep-alive, no client library.
//! The API's replies carry a `Content-Length`, which is read when present. Every read and write has
//! a deadline, so a server that accepts and then says nothing cannot hang the client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use super::url::Page;

/// How long a request may take, each read and write alike: the server answers at once, or within
/// its own request timeout (10 s by default) for the API; a password check takes well under that.
const DEADLINE: Duration = Duration::from_secs(15);

/// The most bytes of a reply read: the API's are small JSON objects (the request limit is 16 KiB
/// and replies are smaller still); more is a wrong server.
const MAX_REPLY: u64 = 64 * 1024;

/// A reply of the API: an HTTP response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when empty or not JSON).
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }
}

/// `method path` on the page's server, with `body` as JSON if given.
pub fn call(page: &Page, method: &str, path: &str, body: Option<&Value>) -> Result<Reply, String> {
    let authority = page.authority();
    let cannot = |e: std::io::Error| format!("cannot reach http://{authority}{path}: {e}");
    let mut stream = TcpStream::connect(&authority).map_err(cannot)?;
    stream.set_read_timeout(Some(DEADLINE)).map_err(cannot)?;
    stream.set_write_timeout(Some(DEADLINE)).map_err(cannot)?;
    let request = request(&authority, method, path, body);
    // Blocks until the kernel takes the request (at most DEADLINE).
    stream.write_all(request.as_bytes()).map_err(cannot)?;
    let mut bytes = Vec::new();
    // Blocks until the server has answered and closed (each read at most DEADLINE).
    (&mut stream)
        .take(MAX_REPLY)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    parse_reply(&bytes).ok_or_else(|| format!("http://{authority}{path} gave no HTTP answer"))
}

/// The request's bytes: `Host`, `Connection: close`, and the body as `application/json` (the API
/// refuses any other type, §2).
fn request(authority: &str, method: &str, path: &str, body: Option<&Value>) -> String {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\n");
    request.push_str("Connection: close\r\nAccept: application/json\r\n");
    let body = body.map(Value::to_string).unwrap_or_default();
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    request
}

/// The status, headers and JSON body of a whole reply; `None` if it is not HTTP.
fn parse_reply(bytes: &[u8]) -> Option<Reply> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    if !status_line.starts_with("HTTP/1.") {
        return None;
    }
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length = headers.iter().find(|(name, _)| name == "content-length");
    let body = match length.and_then(|(_, value)| value.parse::<usize>().ok()) {
        Some(length) => body.get(..length).unwrap_or(body),
        None => body,
    };
    Some(Reply {
        status,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
        headers,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_request_names_its_host_length_and_type() {
        let body = json!({"name": "alice"});
        let text = request("127.0.0.1:8080", "POST", "/api/login", Some(&body));
        assert!(text.starts_with("POST /api/login HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"));
        assert!(text.contains("Content-Type: application/json\r\n"));
        assert!(text.ends_with("Content-Length: 16\r\n\r\n{\"name\":\"alice\"}"));
        let get = request("h:1", "GET", "/api/info", None);
        assert!(get.ends_with("Content-Length: 0\r\n\r\n") && !get.contains("Content-Type"));
    }

    #[test]
    fn reads_status_headers_and_body() {
        let raw =
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 12\r\nContent-Length: 20\r\n\r\n\
                    {\"error\":\"x\",\"y\":1}\n";
        let reply = parse_reply(raw).expect("a reply");
        assert_eq!(reply.status, 429);
        assert_eq!(reply.header("retry-after"), Some("12"));
        assert_eq!(reply.body["error"], "x");
        let empty = parse_reply(b"HTTP/1.1 204 No Content\r\n\r\n").expect("a reply");
        assert_eq!((empty.status, empty.body), (204, Value::Null));
    }

    #[test]
    fn refuses_what_is_not_http() {
        assert!(parse_reply(b"SSH-2.0-OpenSSH\r\n\r\n").is_none());
        assert!(parse_reply(b"HTTP/1.1 200 OK\r\n").is_none(), "cut short");
        assert!(parse_reply(b"").is_none());
    }
}
