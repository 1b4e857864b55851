//! The guard's own answers: the refusals it sends without troubling tiny_http.
//!
//! Closing a socket that still has unread bytes from the client makes the kernel send a reset,
//! which can destroy an answer the client has not read yet. So after a refusal the guard stops
//! writing and reads a little more before it closes (a bounded "lingering close").

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::http::head::ReadRefusal;

/// The interim answer to `Expect: 100-continue`, sent before reading a body within the cap.
pub const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// How much a refused client may still send, and for how long, before the socket is closed.
const LINGER_BYTES: usize = 64 * 1024;
const LINGER_TIME: Duration = Duration::from_secs(1);

/// The status that answers a refusal.
pub fn status_for(refusal: ReadRefusal) -> u16 {
    match refusal {
        ReadRefusal::TimedOut => 408,
        ReadRefusal::HeadTooLarge => 431,
        ReadRefusal::BodyTooLarge => 413,
        ReadRefusal::LengthRequired => 411,
        ReadRefusal::Malformed | ReadRefusal::Gone => 400,
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Content Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// The `error` code of the API's JSON answer for a status (docs/PROTOCOL.md §2). Only refusals
/// made once the request line is known can be JSON: 400, 408, 411 and 413.
fn api_code(status: u16) -> &'static str {
    match status {
        408 => "timed_out",
        413 => "too_large",
        _ => "bad_request",
    }
}

/// The whole answer: plain text, or for the API its JSON error.
fn response(status: u16, api: bool) -> String {
    let text = reason(status);
    let (kind, body) = match api {
        true => {
            let body = serde_json::json!({ "error": api_code(status), "message": text });
            ("application/json", body.to_string())
        }
        false => ("text/plain; charset=utf-8", format!("{text}\n")),
    };
    format!(
        "HTTP/1.1 {status} {text}\r\nContent-Type: {kind}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Writes `bytes`, waiting at most the socket's write timeout; a client that has gone is ignored.
pub fn send(socket: &TcpStream, bytes: &[u8]) {
    let _ = (&*socket).write_all(bytes);
}

/// Answers with `status` (as the API's JSON error if `api`), then closes after a bounded linger
/// (see the module doc).
pub fn error_and_close(socket: &TcpStream, status: u16, api: bool) {
    send(socket, response(status, api).as_bytes());
    let _ = socket.shutdown(Shutdown::Write);
    let until = Instant::now() + LINGER_TIME;
    let mut sink = [0; 4096];
    let mut left = LINGER_BYTES;
    while left > 0 {
        let time_left = until.saturating_duration_since(Instant::now());
        if time_left.is_zero() || socket.set_read_timeout(Some(time_left)).is_err() {
            break;
        }
        // Blocks until the client sends more, closes, or the linger time runs out.
        match (&*socket).read(&mut sink) {
            Ok(n @ 1..) => left = left.saturating_sub(n),
            _ => break,
        }
    }
}

/// Refuses a connection the gate has no room for: `status` (503, or 429 for a client address at
/// its cap) in plain text if the socket takes it at once, then the socket is closed. Never waits:
/// the accept loop calls this.
pub fn refuse_at_once(socket: &TcpStream, status: u16) {
    let flags = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;
    let _ = SockRef::from(socket).send_with_flags(response(status, false).as_bytes(), flags);
    let _ = socket.shutdown(Shutdown::Both);
}
