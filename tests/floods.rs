//! What a flood from one client costs the server: bounded memory and threads on both ports, and
//! the page and the chat still served to everyone else. The binary runs as a user runs it, so its
//! RSS and thread count can be read from /proc.

mod common;

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{Binary, DEADLINE, http_get, wait_until};

/// Threads the server runs when idle (main, signals, log, hub, http, http-accept, ws-accept,
/// tiny_http's accept thread and pool) are well under this.
const FIXED_THREADS: u64 = 24;

/// `--max-http-connections` in these tests.
const HTTP_CONNECTIONS: u64 = 64;

/// A flood's threads: each place at a gate, four times over. A connection evicted to make room
/// has its socket shut down at once, but its thread ends only when next scheduled, so during a
/// flood some are still on their way out while their successors start; on two busy cores, up to
/// three rounds of them have been seen at once (223 threads for 64 places). Still a bound: without
/// the gate, every connection of the flood kept a thread (1,996 for 2,000).
fn flood_threads(places: u64) -> u64 {
    4 * places + FIXED_THREADS
}

/// Connections in a flood: far more than any cap (fewer if the test may not open that many).
fn flood_size() -> usize {
    let limit = rlimit::increase_nofile_limit(6000).unwrap_or(1024);
    (limit as usize).saturating_sub(200).min(2500)
}

/// One flood at a time: floods run side by side on two cores would measure each other (the page
/// load time above all), not the server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A server for one flood, and the lock that keeps the other floods waiting meanwhile.
fn server() -> (MutexGuard<'static, ()>, Binary) {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    (turn, start())
}

fn start() -> Binary {
    let cap = HTTP_CONNECTIONS.to_string();
    Binary::guests(&["--max-http-connections", &cap], Stdio::null())
}

fn page_loads(server: &Binary) -> bool {
    http_get(&server.http, "/").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
}

// One endless header line: the guard cuts it off at 8 KiB, so the server's memory stays where it
// was (tiny_http alone grew by the size of the line: 295 MB for 512 MiB sent), and the page loads.
#[test]
fn an_endless_header_line_costs_no_memory() {
    let (_turn, server) = server();
    assert!(page_loads(&server));
    let rss_before = server.status("VmRSS");
    let mut hostile = TcpStream::connect(&server.http).unwrap();
    hostile.set_write_timeout(Some(DEADLINE)).unwrap();
    hostile
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Endless: ")
        .unwrap();
    let chunk = [b'a'; 64 * 1024];
    let mut sent = 0;
    // Bounded: 64 MiB at most, or until the server closes the connection.
    while sent < 64 << 20 && hostile.write_all(&chunk).is_ok() {
        sent += chunk.len();
    }
    // What was sent before the connection failed is what the guard read (8 KiB) plus what the
    // kernel buffers hold until its reset arrives: the client's send buffer (up to
    // net.ipv4.tcp_wmem's maximum, 4 MiB here) and the server's receive buffer. Well under the 64
    // MiB offered means the server stopped reading; RSS below says it kept nothing.
    assert!(
        sent < 16 << 20,
        "the server kept reading one header line: {sent} bytes went in"
    );
    let grown = server.status("VmRSS").saturating_sub(rss_before);
    assert!(grown < 4 * 1024, "RSS grew by {grown} KiB");
    assert!(page_loads(&server));
}

// Thousands of half-sent requests: the threads stay bounded by --max-http-connections (before,
// one per connection: 1,996 for 2,000), and the page still loads within a second, because the
// longest-waiting connection makes room for each newcomer.
#[test]
fn half_sent_requests_leave_threads_bounded_and_the_page_served() {
    let (_turn, server) = server();
    assert!(page_loads(&server));
    let bound = server.status("Threads") + flood_threads(HTTP_CONNECTIONS);
    let mut flood = Vec::new();
    let mut most = 0;
    for _ in 0..flood_size() {
        let Ok(mut stream) = TcpStream::connect(&server.http) else {
            break;
        };
        let _ = stream.write_all(b"GET /index.html HT");
        flood.push(stream);
        most = most.max(server.status("Threads"));
    }
    assert!(
        flood.len() as u64 >= 2 * bound,
        "only {} connections opened: too few to tell a bound of {bound} threads from none",
        flood.len()
    );
    let started = Instant::now();
    assert!(page_loads(&server), "the page is still served");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(1), "the page took {took:?}");
    most = most.max(server.status("Threads"));
    assert!(
        most <= bound,
        "{most} threads for {} connections",
        flood.len()
    );
}

// Thousands of sockets that connect to the WebSocket port and say nothing: handshake threads stay
// bounded (before, 2,300 for 3,000), and a new client still joins the chat.
#[test]
fn silent_sockets_leave_handshake_threads_bounded() {
    const MAX_HANDSHAKES: u64 = 256; // ws/accept.rs
    let (_turn, server) = server();
    let bound = server.status("Threads") + flood_threads(MAX_HANDSHAKES);
    let mut silent = Vec::new();
    let mut most = 0;
    for _ in 0..flood_size() {
        match TcpStream::connect(&server.ws) {
            Ok(stream) => silent.push(stream),
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => break,
            Err(_) => break,
        }
        most = most.max(server.status("Threads"));
    }
    assert!(
        silent.len() as u64 >= 2 * bound,
        "only {} sockets opened: too few to tell a bound of {bound} threads from none",
        silent.len()
    );
    let url = format!("ws://{}/?name=latecomer", server.ws);
    let mut welcomed = false;
    wait_until("a new client is welcomed", || {
        let Ok(stream) = TcpStream::connect(&server.ws) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        welcomed = tungstenite::client(url.as_str(), stream)
            .is_ok_and(|(mut ws, _)| ws.read().is_ok_and(|m| m.is_text()));
        welcomed
    });
    most = most.max(server.status("Threads"));
    assert!(most <= bound, "{most} threads for {} sockets", silent.len());
}
