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

use common::{DEADLINE, wait_until};

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
        .args([
            FILE_LIMIT,
            env!("CARGO_BIN_EXE_threadchat"),
            "--http",
            "127.0.0.1:0",
            "--ws",
            "127.0.0.1:0",
        ])
        .args(["--www", concat!(env!("CARGO_MANIFEST_DIR"), "/www")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("prlimit (util-linux) runs the server");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = |prefix: &str| {
        let line = lines.next().expect("a line").expect("UTF-8");
        line.strip_prefix(prefix)
            .expect("the documented prefix")
            .trim_end_matches('/')
            .to_owned()
    };
    let http = next("page: http://");
    let ws = next("websocket: ws://");
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

// tiny_http's accept thread dies on EMFILE (tiny-http #283); the http thread logs it once,
// restarts it, and the page is served again once descriptors are free.
#[test]
fn the_page_comes_back_after_the_file_table_was_full() {
    let server = start_limited();
    let flood: Vec<TcpStream> = (0..FLOOD)
        .filter_map(|_| TcpStream::connect(&server.http).ok())
        .collect();
    wait_until("the http thread notices", || {
        logged(&server, "accept loop died") > 0
    });
    thread::sleep(HOLD);
    assert_eq!(
        logged(&server, "accept loop died"),
        1,
        "logged once, not once per retry"
    );
    drop(flood);
    wait_until("the page is served again", || {
        get_page(&server.http).is_some_and(|r| r.starts_with("HTTP/1.1 200"))
    });
}

// The WebSocket acceptor backs off on EMFILE instead of spinning, logs it once, and accepts
// again once descriptors are free.
#[test]
fn websockets_come_back_after_the_file_table_was_full() {
    let server = start_limited();
    let flood: Vec<TcpStream> = (0..FLOOD)
        .filter_map(|_| TcpStream::connect(&server.ws).ok())
        .collect();
    wait_until("ws-accept notices", || logged(&server, "accept failed") > 0);
    thread::sleep(HOLD);
    assert_eq!(
        logged(&server, "accept failed"),
        1,
        "logged once, not once per retry"
    );
    drop(flood);
    wait_until("a chat client gets in again", || {
        let Ok(stream) = TcpStream::connect(&server.ws) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(DEADLINE));
        let url = format!("ws://{}/?name=back", server.ws);
        tungstenite::client(url, stream).is_ok_and(|(mut ws, _)| ws.read().is_ok())
    });
}
