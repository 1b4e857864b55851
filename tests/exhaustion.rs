//! Running out of file descriptors ("Too many open files"): both accept loops back off, log once,
//! and serve again as soon as descriptors are free. The server binary runs under `prlimit` with a
//! tiny open-files limit, and the test holds idle connections until `accept()` fails for real.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{Binary, DEADLINE, TempDir, http_get, wait_until, wait_up_to};

/// Descriptors the server may hold: a handful for itself, a few dozen for connections.
const FILE_LIMIT: &str = "--nofile=48:48";

/// Connections that outnumber the limit, so that `accept()` fails with EMFILE.
const FLOOD: usize = 80;

/// The binary under `prlimit`, with its stderr collected by a thread as it is written.
struct Limited {
    server: Binary,
    log: Arc<Mutex<String>>,
}

fn start_limited() -> Limited {
    let wrapper = ["prlimit", FILE_LIMIT];
    let mut server = Binary::launch(&wrapper, TempDir::new(), &["--guests"], Stdio::piped());
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    let stderr = server.child.stderr.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    // tiny_http's accept thread dies if it first calls accept() while the table is already full
    // (the kernel takes a descriptor before it waits), and its rebuild then frees one for the
    // flood: a page served first means that thread is up and waiting.
    assert!(http_get(&server.http, "/").is_some_and(|r| r.starts_with("HTTP/1.1 200")));
    Limited { server, log }
}

/// How long recovery may take once descriptors are free: each restart attempt waits up to 1 s
/// (the backoff's cap), and a rebuilt server can die again while the flood's sockets drain.
const RECOVERY: Duration = Duration::from_secs(15);

/// How long the file table is kept full: several backoff retries (the first ones come after
/// 10-50 ms and double), so that logging on every retry would show. Not a wait for a condition:
/// the failure is held on purpose for this long.
const HOLD: Duration = Duration::from_millis(500);

fn logged(server: &Limited, text: &str) -> usize {
    server.log.lock().unwrap().matches(text).count()
}

/// Fills the server's file table with idle connections to `addr` until it logs `complaint`,
/// keeps it full for [`HOLD`], checks that the complaint was logged exactly once, then lets go.
fn exhaust(server: &Limited, addr: &str, complaint: &str) {
    let flood: Vec<TcpStream> = (0..FLOOD)
        .filter_map(|_| TcpStream::connect(addr).ok())
        .collect();
    wait_until(complaint, || logged(server, complaint) > 0);
    thread::sleep(HOLD);
    assert_eq!(
        logged(server, complaint),
        1,
        "logged once, not once per retry"
    );
    drop(flood);
}

// The HTTP acceptor backs off on EMFILE instead of spinning, logs it once, and the page is served
// again once descriptors are free.
#[test]
fn the_page_comes_back_after_the_file_table_was_full() {
    let server = start_limited();
    exhaust(&server, &server.server.http, "http-accept: accept failed");
    wait_up_to(RECOVERY, "the page is served again", || {
        http_get(&server.server.http, "/").is_some_and(|r| r.starts_with("HTTP/1.1 200"))
    });
}

// The WebSocket acceptor backs off on EMFILE instead of spinning, logs it once, and accepts
// again once descriptors are free.
#[test]
fn websockets_come_back_after_the_file_table_was_full() {
    let server = start_limited();
    exhaust(&server, &server.server.ws, "ws-accept: accept failed");
    wait_up_to(RECOVERY, "a chat client gets in again", || {
        let Ok(stream) = TcpStream::connect(&server.server.ws) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        let url = format!("ws://{}/?name=back", server.server.ws);
        tungstenite::client(url, stream).is_ok_and(|(mut ws, _)| ws.read().is_ok())
    });
}
