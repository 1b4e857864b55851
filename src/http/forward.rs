//! Handing a checked request to tiny_http, and its answer back to the client.
//!
//! tiny_http listens on a private port of its own on 127.0.0.1 (ephemeral, never announced). For
//! each request the guard opens a connection to it and writes the request as received, minus the
//! headers that describe the client's connection (hop-by-hop, RFC 9110 §7.6.1), plus three of
//! its own:
//!
//! - [`GUARD_HEADER`]: a secret made at start-up, so that the `http` thread answers only what came
//!   through the guard, not a local process that found the private port;
//! - [`PEER_HEADER`]: the client's address, since tiny_http only sees the guard's connection (any
//!   copy of either header sent by the client is dropped first, so neither can be forged);
//! - `Connection: close`: tiny_http closes the connection once it has answered.
//!
//! The answer is then copied to the client until tiny_http closes. It carries its own length
//! (tiny_http frames it with `Content-Length` or chunks), so the client's connection can stay
//! open for its next request.
//!
//! (Why not a Unix socket: tiny_http 0.12 unwraps the path of its Unix listener when a server is
//! dropped, and removes the file, which would break rebuilding it on the same listener.)

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use crate::http::head::Head;
use crate::log_limited;

/// The header that proves a request came through the guard.
const GUARD_HEADER: &str = "X-Threadchat-Guard";
/// The header that tells tiny_http's side who the client is.
const PEER_HEADER: &str = "X-Threadchat-Peer";

/// Headers about the client's connection, not the request, and our own; never passed on.
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    GUARD_HEADER,
    PEER_HEADER,
];

/// How long tiny_http may take to answer. Answers are small files and JSON, made at once
/// (slow work such as password hashing runs elsewhere); this only bounds a stuck `http` thread.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Where tiny_http listens, and the secret that proves a request came from the guard.
#[derive(Debug, Clone)]
pub struct Upstream {
    addr: SocketAddr,
    secret: String,
}

impl Upstream {
    /// A private listener for tiny_http, and the way to reach it.
    pub fn bind() -> io::Result<(Upstream, TcpListener)> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let mut secret = [0; 16];
        getrandom::fill(&mut secret).map_err(io::Error::other)?;
        let secret = secret.iter().map(|b| format!("{b:02x}")).collect();
        let addr = listener.local_addr()?;
        Ok((Upstream { addr, secret }, listener))
    }

    /// The client's address if `headers` (name, value) are those of a request that came through
    /// the guard; `None` for anything else.
    pub fn client_of<'a>(
        &self,
        mut headers: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Option<SocketAddr> {
        let (mut genuine, mut peer) = (false, None);
        for (name, value) in &mut headers {
            if name.eq_ignore_ascii_case(GUARD_HEADER) {
                genuine = value == self.secret;
            } else if name.eq_ignore_ascii_case(PEER_HEADER) {
                peer = value.parse().ok();
            }
        }
        peer.filter(|_| genuine)
    }

    /// Passes one request to tiny_http and relays the answer to `client`. False when the client's
    /// connection cannot go on (it went away, or tiny_http did not answer).
    pub fn forward(&self, head: &Head, body: &[u8], peer: SocketAddr, client: &TcpStream) -> bool {
        let upstream = match TcpStream::connect(self.addr) {
            Ok(upstream) => upstream,
            Err(e) => {
                // Its listener is shut down (the server is stopping) or no descriptor is left for
                // the connection: the client's connection is closed unanswered, as by a server
                // that has gone, and a browser tries again (while tiny_http is merely being
                // rebuilt, its listener stays open and the connection waits in its backlog).
                log_limited!(
                    "unserved HTTP requests",
                    peer.ip(),
                    "http: cannot reach the page server: {e}"
                );
                return false;
            }
        };
        let request = request_bytes(head, body, peer, &self.secret);
        relay(upstream, &request, client).is_ok()
    }
}

/// Writes the request to tiny_http and copies its answer to the client.
fn relay(mut upstream: TcpStream, request: &[u8], client: &TcpStream) -> io::Result<()> {
    upstream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    upstream.write_all(request)?;
    // Blocks on tiny_http's answer and on the client taking it (its socket's write timeout).
    io::copy(&mut upstream, &mut &*client)?;
    Ok(())
}

/// The request as tiny_http gets it (see the module doc).
fn request_bytes(head: &Head, body: &[u8], peer: SocketAddr, secret: &str) -> Vec<u8> {
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
    let ours =
        format!("{GUARD_HEADER}: {secret}\r\n{PEER_HEADER}: {peer}\r\nConnection: close\r\n\r\n");
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
        let bytes = request_bytes(&head, b"{}", peer, "s3cr3t");
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\
             X-Threadchat-Guard: s3cr3t\r\nX-Threadchat-Peer: 10.0.0.7:5555\r\n\
             Connection: close\r\n\r\n{}"
        );
    }

    #[test]
    fn only_the_guard_names_a_client() {
        let (upstream, _listener) = Upstream::bind().unwrap();
        let secret = upstream.secret.clone();
        let peer = ("X-Threadchat-Peer", "10.0.0.7:5555");
        let genuine = [("x-threadchat-guard", secret.as_str()), peer];
        assert_eq!(
            upstream.client_of(genuine.into_iter()),
            Some("10.0.0.7:5555".parse().unwrap())
        );
        let forged = [("X-Threadchat-Guard", "guess"), peer];
        assert_eq!(upstream.client_of(forged.into_iter()), None);
        assert_eq!(upstream.client_of([peer].into_iter()), None);
    }
}
