//! The shared test harness: a real server on 127.0.0.1 ephemeral ports, real WebSocket clients,
//! and a deadline on every blocking read, so a broken server fails a test instead of hanging it.

#![allow(dead_code)] // Each test binary uses its own part of the harness.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use threadchat::Server;
use threadchat::config::Config;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, WebSocket};

/// How long a test waits for something that should happen at once.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// A server on ephemeral loopback ports, with `adjust` applied to the default config.
pub fn start(adjust: impl FnOnce(&mut Config)) -> Server {
    let mut config = Config {
        http_addr: "127.0.0.1:0".parse().unwrap(),
        ws_addr: "127.0.0.1:0".parse().unwrap(),
        www: concat!(env!("CARGO_MANIFEST_DIR"), "/www").into(),
        ..Config::default()
    };
    adjust(&mut config);
    Server::start(config).expect("server starts")
}

/// A WebSocket client for tests.
pub struct Client {
    pub ws: WebSocket<TcpStream>,
}

/// Opens a WebSocket to `path` (e.g. `/?name=alice`) with extra request headers.
pub fn open(
    server: &Server,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<Client, tungstenite::Error> {
    let stream = TcpStream::connect(server.ws_addr()).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut request = tungstenite::ClientRequestBuilder::new(
        format!("ws://{}{path}", server.ws_addr()).parse().unwrap(),
    );
    for (name, value) in headers {
        request = request.with_header(*name, *value);
    }
    match tungstenite::client(request, stream) {
        Ok((ws, _)) => Ok(Client { ws }),
        Err(tungstenite::HandshakeError::Failure(e)) => Err(e),
        Err(e) => panic!("handshake did not finish: {e}"),
    }
}

impl Client {
    /// Joins the chat as `name` and returns the client with its welcome frame.
    pub fn join(server: &Server, name: &str) -> (Client, Value) {
        let mut client = open(server, &format!("/?name={name}"), &[]).expect("handshake");
        let welcome = client.recv();
        assert_eq!(
            welcome["type"], "welcome",
            "first frame for {name}: {welcome}"
        );
        (client, welcome)
    }

    pub fn send_json(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .expect("send");
    }

    pub fn say(&mut self, text: &str, id: &str) {
        self.send_json(json!({"type": "send", "text": text, "id": id}));
    }

    /// The next message, whatever it is; pings are answered and skipped on the way.
    pub fn next(&mut self) -> Message {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(Instant::now() < deadline, "no message within {DEADLINE:?}");
            match self.ws.read() {
                Ok(Message::Ping(_) | Message::Pong(_)) => continue,
                Ok(message) => return message,
                Err(e) => panic!("read failed: {e}"),
            }
        }
    }

    /// The next text frame, parsed.
    pub fn recv(&mut self) -> Value {
        match self.next() {
            Message::Text(text) => serde_json::from_str(&text).expect("frames are JSON"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    /// Skips frames until one of type `kind` arrives (presence frames from other tests' clients).
    pub fn recv_type(&mut self, kind: &str) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(
                Instant::now() < deadline,
                "no {kind} frame within {DEADLINE:?}"
            );
            let frame = self.recv();
            if frame["type"] == kind {
                return frame;
            }
        }
    }

    /// Reads until the server closes; returns its Close frame (`None` for a bare TCP close).
    pub fn closed(&mut self) -> Option<CloseFrame> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            assert!(Instant::now() < deadline, "not closed within {DEADLINE:?}");
            match self.ws.read() {
                Ok(Message::Close(frame)) => return frame,
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

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

/// Waits until `condition` holds, checking again after each short pause, or fails at the deadline.
pub fn wait_until(what: &str, condition: impl FnMut() -> bool) {
    wait_up_to(DEADLINE, what, condition);
}

/// [`wait_until`] with a deadline of `limit` instead of [`DEADLINE`].
pub fn wait_up_to(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Flags that start the `threadchat` binary on ephemeral loopback ports, serving this repo's page.
pub const BINARY_ARGS: [&str; 6] = [
    "--http",
    "127.0.0.1:0",
    "--ws",
    "127.0.0.1:0",
    "--www",
    concat!(env!("CARGO_MANIFEST_DIR"), "/www"),
];

/// The `threadchat` binary as a user runs it; killed and reaped when dropped.
pub struct Binary {
    pub child: Child,
    /// `127.0.0.1:PORT` of the page, and of the WebSocket port.
    pub http: String,
    pub ws: String,
}

impl Binary {
    /// The command that runs the binary on ephemeral ports with `extra` flags.
    pub fn command(extra: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threadchat"));
        command.args(BINARY_ARGS).args(extra);
        command
    }

    /// Starts `command` (from [`Binary::command`], perhaps wrapped) with its stderr going to
    /// `stderr`, and reads the two URLs it prints.
    pub fn launch(mut command: Command, stderr: impl Into<Stdio>) -> Binary {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the binary starts");
        let (page, ws) = printed_urls(&mut child);
        let host = |url: &str, scheme: &str| {
            url.trim_start_matches(scheme)
                .trim_end_matches('/')
                .to_owned()
        };
        Binary {
            http: host(&page, "http://"),
            ws: host(&ws, "ws://"),
            child,
        }
    }

    /// A number from the process's /proc status, such as `Threads` or `VmRSS` (in KiB).
    pub fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server is running");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

/// The page and WebSocket URLs a started binary prints first on stdout (`page: …`,
/// `websocket: …`), as documented in docs/PROTOCOL.md §1. A thread reads them, so that a server
/// that hangs before printing fails the test at a deadline instead of hanging it.
fn printed_urls(child: &mut Child) -> (String, String) {
    let stdout = child.stdout.take().expect("stdout is piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = |prefix: &str| {
        let line = rx
            .recv_timeout(STARTUP)
            .unwrap_or_else(|_| panic!("no {prefix:?} line within {STARTUP:?}"));
        let url = line.strip_prefix(prefix);
        url.unwrap_or_else(|| panic!("{line:?} lacks {prefix:?}"))
            .to_owned()
    };
    (url("page: "), url("websocket: "))
}

/// How long a started binary may take to print its URLs.
const STARTUP: Duration = Duration::from_secs(10);
