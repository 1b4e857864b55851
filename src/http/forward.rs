//! Handing a checked request to tiny_http, and its answer back to the client.
//!
//! tiny_http listens on a Unix socket in a directory only this server's user can enter
//! (`private.rs`), so every request it reads came through the guard. For each request the guard
//! opens a connection to it and writes the request as received, minus the headers that describe
//! the client's connection (hop-by-hop, RFC 9110 §7.6.1), plus two of its own:
//!
//! - [`PEER_HEADER`]: the client's address, since tiny_http only sees the guard's connection (a
//!   copy sent by the client is dropped first, so it cannot be forged);
//! - `Connection: close`: tiny_http closes the connection once it has answered.
//!
//! The answer is then copied to the client until tiny_http closes. It carries its own length
//! (tiny_http frames it with `Content-Length` or chunks), so the client's connection can stay
//! open for its next request.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crate::http::head::Head;
use crate::log_limited;

/// The header that tells tiny_http's side who the client is.
const PEER_HEADER: &str = "X-Threadchat-Peer";

/// Headers about the client's connection, not the request, and our own; never passed on.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    PEER_HEADER,
];

/// How long tiny_http may take to answer. Answers are small files and JSON, made at once
/// (slow work such as password hashing runs elsewhere); this only bounds a stuck `http` thread.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Where tiny_http listens: its private socket.
#[derive(Debug, Clone)]
pub struct Upstream {
    socket: PathBuf,
}

/// The client's address, from the headers (name, value) of a request that came through the
/// guard; `None` if none is named (nothing but the guard can connect to tiny_http's socket, so
/// that would be a bug).
pub fn client_of<'a>(mut headers: impl Iterator<Item = (&'a str, &'a str)>) -> Option<SocketAddr> {
    headers
        .find(|(name, _)| name.eq_ignore_ascii_case(PEER_HEADER))
        .and_then(|(_, value)| value.parse().ok())
}

impl Upstream {
    pub fn new(socket: PathBuf) -> Upstream {
        Upstream { socket }
    }

    /// Wakes a tiny_http accept thread that may still wait on the socket (see `private.rs`).
    pub fn wake(&self) {
        crate::http::private::wake(&self.socket);
    }

    /// Passes one request to tiny_http and relays the answer to `client`. False when the client's
    /// connection cannot go on (it went away, or tiny_http did not answer).
    pub fn forward(&self, head: &Head, body: &[u8], peer: SocketAddr, client: &TcpStream) -> bool {
        let upstream = match UnixStream::connect(&self.socket) {
            Ok(upstream) => upstream,
            Err(e) => {
                // Its listener is shut down (the server is stopping) or no descriptor is left for
                // the connection: the client's connection is closed unanswered, as by a server
                // that has gone, and a browser tries again. (While tiny_http is merely being
                // rebuilt, its listener stays open and the connection waits in its backlog; when
                // that is full, `connect` waits too: no more than the gate's places can.)
                log_limited!(
                    "unserved HTTP requests",
                    peer.ip(),
                    "http: cannot reach the page server: {e}"
                );
                return false;
            }
        };
        let request = request_bytes(head, body, peer);
        relay(upstream, &request, client).is_ok()
    }
}

/// Writes the request to tiny_http and copies its answer to the client.
fn relay(mut upstream: UnixStream, request: &[u8], client: &TcpStream) -> io::Result<()> {
    upstream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    upstream.write_all(request)?;
    // Blocks on tiny_http's answer and on the client taking it (its socket's write timeout).
    io::copy(&mut upstream, &mut &*client)?;
    Ok(())
}

/// The request as tiny_http gets it (see the module doc).
fn request_bytes(head: &Head, body: &[u8], peer: SocketAddr) -> Vec<u8> {
    let mut out = Vec::with_capacity(512 + body.len());
    let line = format!(
        "{} {} HTTP/1.{}\r\n",
        head.method, head.target, head.minor_version
    );
    out.extend_from_slice(line.as_bytes());
    let kept = head
        .headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h)));
    for (name, value) in kept {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    let ours = format!("{PEER_HEADER}: {peer}\r\nConnection: close\r\n\r\n");
    out.extend_from_slice(ours.as_bytes());
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_request_on_without_connection_headers() {
        let head = Head::parse(
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nX-Threadchat-Peer: 6.6.6.6:1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n",
        )
        .unwrap();
        let peer: SocketAddr = "10.0.0.7:5555".parse().unwrap();
        let bytes = request_bytes(&head, b"{}", peer);
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\
             X-Threadchat-Peer: 10.0.0.7:5555\r\nConnection: close\r\n\r\n{}"
        );
    }

    #[test]
    fn the_guard_names_the_client() {
        let peer = ("x-threadchat-peer", "10.0.0.7:5555");
        let named = [("Host", "x"), peer];
        assert_eq!(
            client_of(named.into_iter()),
            Some("10.0.0.7:5555".parse().unwrap())
        );
        assert_eq!(client_of([("Host", "x")].into_iter()), None);
    }
}
