//! Running out of file descriptors ("Too many open files"): both accept loops back off, log once,
//! and serve again as soon as descriptors are free. The server binary runs under `prlimit` with a
//! tiny open-files limit, and the test holds idle connections until `accept()` fails for real.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::{BINARY_ARGS, DEADLINE, printed_urls, wait_until, wait_up_to};

/// Descriptors the server may hold: a handful for itself, a few dozen for connections.
const FILE_LIMIT: &str = "--nofile=48:48";

/// Connections that outnumber the limit, so that `accept()` fails with EMFILE.
const FLOOD: usize = 80;

struct Limited {
    child: Child,
    http: String,
    ws: String,
    log: Arc<Mutex<String>>,
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary under `prlimit`, with its stderr collected by a thread as it is written.
fn start_limited() -> Limited {
    let mut child = Command::new("prlimit")
        .args([FILE_LIMIT, env!("CARGO_BIN_EXE_threadchat")])
        .args(BINARY_ARGS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the server");
    let (page, ws) = printed_urls(&mut child);
    let http = page
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let ws = ws
        .trim_start_matches("ws://")
        .trim_end_matches('/')
        .to_owned();
    let log = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&log);
    let stderr = child.stderr.take().unwrap();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    Limited {
        child,
        http,
        ws,
        log,
    }
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

fn get_page(addr: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).ok()?;
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
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

// tiny_http's accept thread dies on EMFILE (tiny-http #283); the http thread logs it once,
// restarts it, and the page is served again once descriptors are free.
#[test]
fn the_page_comes_back_after_the_file_table_was_full() {
    let server = start_limited();
    exhaust(&server, &server.http, "accept loop died");
    wait_up_to(RECOVERY, "the page is served again", || {
        get_page(&server.http).is_some_and(|r| r.starts_with("HTTP/1.1 200"))
    });
}

// The WebSocket acceptor backs off on EMFILE instead of spinning, logs it once, and accepts
// again once descriptors are free.
#[test]
fn websockets_come_back_after_the_file_table_was_full() {
    let server = start_limited();
    exhaust(&server, &server.ws, "accept failed");
    wait_up_to(RECOVERY, "a chat client gets in again", || {
        let Ok(stream) = TcpStream::connect(&server.ws) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        let url = format!("ws://{}/?name=back", server.ws);
        tungstenite::client(url, stream).is_ok_and(|(mut ws, _)| ws.read().is_ok())
    });
}
