//! The guard in front of tiny_http: requests over a cap or past a deadline are refused with the
//! status that says why, and honest clients (slow ones included) are served.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{DEADLINE, start};
use threadchat::Server;

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.http_addr()).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream
}

/// Reads one response: its status, head and body (by `Content-Length`).
fn read_response(reader: &mut BufReader<&TcpStream>) -> (u16, String, Vec<u8>) {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).expect("a response");
        assert!(n > 0, "the connection closed before a response: {head:?}");
        if line == "\r\n" {
            break;
        }
        head.push_str(&line);
    }
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, head, body)
}

/// Sends `request` on a new connection and reads the one response.
fn exchange(server: &Server, request: &[u8]) -> (u16, String, Vec<u8>) {
    let stream = connect(server);
    (&stream).write_all(request).unwrap();
    read_response(&mut BufReader::new(&stream))
}

/// Whether the server closes `stream` (EOF or reset) before the test's deadline.
fn closed_by_server(stream: &TcpStream) -> bool {
    let mut rest = Vec::new();
    match (&*stream).read_to_end(&mut rest) {
        Ok(_) => true,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

// A body over --max-body is refused with 413 before it is read.
#[test]
fn an_oversized_body_gets_413() {
    let server = start(|c| c.http.max_body = 1000);
    let head = b"POST /api/info HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n";
    assert_eq!(exchange(&server, head).0, 413);
    let head = b"POST /api/info HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(
        exchange(&server, head).0,
        411,
        "a chunked body has no length"
    );
}

// A body within the cap reaches tiny_http (which answers 405: nothing takes a POST there), also
// after `Expect: 100-continue`.
#[test]
fn a_body_within_the_cap_is_passed_on() {
    let server = start(|c| c.http.max_body = 1000);
    let body = "x".repeat(1000);
    let request = format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{body}");
    assert_eq!(exchange(&server, request.as_bytes()).0, 405);
    let stream = connect(&server);
    let head = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
    (&stream).write_all(head).unwrap();
    let mut reader = BufReader::new(&stream);
    assert_eq!(read_response(&mut reader).0, 100);
    (&stream).write_all(b"abc").unwrap();
    assert_eq!(read_response(&mut reader).0, 405);
}

// Too many header lines, or one too long, get 431.
#[test]
fn oversized_heads_get_431() {
    let server = start(|_| {});
    let many = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(101));
    assert_eq!(exchange(&server, many.as_bytes()).0, 431);
    let long = format!("GET /?{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    assert_eq!(exchange(&server, long.as_bytes()).0, 431);
    let hundred = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: b\r\n".repeat(100));
    assert_eq!(
        exchange(&server, hundred.as_bytes()).0,
        200,
        "100 is allowed"
    );
}

// A head that stops half way is answered 408 and closed at the request deadline (before the
// guard, tiny_http kept it open for as long as the client liked).
#[test]
fn a_half_sent_head_is_closed_at_the_deadline() {
    let server = start(|c| c.http.request_timeout = Duration::from_millis(500));
    let stream = connect(&server);
    (&stream).write_all(b"GET / HTTP/1.1\r\nHost:").unwrap();
    let started = Instant::now();
    let (status, _, _) = read_response(&mut BufReader::new(&stream));
    assert_eq!(status, 408);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(closed_by_server(&stream));
}

// A slow but honest client, trickling its head in under the deadline, is served.
#[test]
fn a_slow_honest_client_is_served() {
    let server = start(|_| {});
    let stream = connect(&server);
    for byte in b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n" {
        (&stream).write_all(&[*byte]).unwrap();
        // The trickle itself is what is tested: about 1.5 s for the whole head.
        thread::sleep(Duration::from_millis(40));
    }
    let (status, _, body) = read_response(&mut BufReader::new(&stream));
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("<html"));
}

// One connection carries several requests (keep-alive, pipelined ones too), and an idle one is
// closed after --keep-alive.
#[test]
fn keep_alive_serves_several_requests_then_closes_when_idle() {
    let server = start(|c| c.http.keep_alive = Duration::from_millis(300));
    let stream = connect(&server);
    let mut reader = BufReader::new(&stream);
    (&stream)
        .write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).0, 200);
    let two = b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n";
    (&stream).write_all(two).unwrap();
    let (status, head, _) = read_response(&mut reader);
    assert_eq!(status, 200);
    assert!(head.contains("text/javascript"), "{head}");
    assert_eq!(read_response(&mut reader).0, 404);
    let idle = Instant::now();
    assert!(closed_by_server(&stream));
    assert!(idle.elapsed() < DEADLINE);
}

// The client cannot pose as another address: its copy of the guard's peer header is dropped, and
// the request is served like any other (so is one with the secret header of earlier versions).
#[test]
fn forged_guard_headers_are_dropped() {
    let server = start(|_| {});
    let request = b"GET /api/info HTTP/1.1\r\nHost: x\r\nX-Threadchat-Guard: guess\r\nX-Threadchat-Peer: 6.6.6.6:6\r\n\r\n";
    assert_eq!(exchange(&server, request).0, 200);
}
