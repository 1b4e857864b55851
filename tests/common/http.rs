//! HTTP for tests: raw requests (so a target reaches the server byte for byte), and the JSON API.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::{Value, json};
use threadchat::Server;

use super::DEADLINE;

/// Sends a raw HTTP/1.1 request and returns the status code and body: no client library, so
/// the request target reaches the server byte for byte (`/../`, `%2e`...).
pub fn http_raw(server: &Server, method: &str, target: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(server.http_addr()).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .expect("a complete response");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

/// GET `path` from the page server at `addr` on a new connection; the whole response.
pub fn http_get(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// An answer of the JSON API.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when empty).
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `error` code of an error answer.
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }
}

/// A request to the JSON API at `addr`; a body is sent as `application/json`.
pub fn api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Reply {
    try_api(addr, method, path, body, headers).expect("an answer from the server")
}

/// [`api`], or `None` if the server could not be reached or did not answer.
pub fn try_api(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Option<Reply> {
    exchange(
        TcpStream::connect(addr).ok()?,
        addr,
        method,
        path,
        body,
        headers,
    )
}

/// [`try_api`] on a connection already made to `addr`.
pub fn exchange(
    mut stream: TcpStream,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Option<Reply> {
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if status == 0 {
        return None; // The connection closed before an answer.
    }
    let body = serde_json::from_str(body).unwrap_or(Value::Null);
    Some(Reply {
        status,
        headers,
        body,
    })
}

/// Registers `name`; returns the session token. Fails the test unless the answer is 201.
pub fn register(server: &Server, name: &str, password: &str) -> String {
    let reply = try_register(server, name, password);
    assert_eq!(reply.status, 201, "registering {name}: {reply:?}");
    reply.body["token"].as_str().expect("a token").to_owned()
}

/// Asks to register `name`; the answer, whatever it is.
pub fn try_register(server: &Server, name: &str, password: &str) -> Reply {
    let body = json!({"name": name, "password": password});
    let path = "/api/register";
    api(server.http_addr(), "POST", path, Some(&body), &[])
}

/// Signs `name` in; returns the session token. Fails the test unless the answer is 200.
pub fn login(server: &Server, name: &str, password: &str) -> String {
    let body = json!({"name": name, "password": password});
    let reply = api(server.http_addr(), "POST", "/api/login", Some(&body), &[]);
    assert_eq!(reply.status, 200, "signing in {name}: {reply:?}");
    reply.body["token"].as_str().expect("a token").to_owned()
}

/// The header that presents `token`.
pub fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

/// Signs the session of `token` out; returns the answer's status.
pub fn sign_out(server: &Server, token: &str) -> u16 {
    sign_out_with(server, token, json!({}))
}

/// Signs the session of `token` out with this body (`{"everywhere":true}`); the answer's status.
pub fn sign_out_with(server: &Server, token: &str, body: Value) -> u16 {
    let (name, value) = bearer(token);
    api(
        server.http_addr(),
        "POST",
        "/api/logout",
        Some(&body),
        &[(name, &value)],
    )
    .status
}

/// `GET /api/me` with the session of `token`.
pub fn me(server: &Server, token: &str) -> Reply {
    let (name, value) = bearer(token);
    api(
        server.http_addr(),
        "GET",
        "/api/me",
        None,
        &[(name, &value)],
    )
}
