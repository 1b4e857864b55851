//! One freshly started release server per scenario run, and its end.
//!
//! The server is started as `taskset -c 0 BIN --http 127.0.0.1:0 --ws 127.0.0.1:0 ...` (without
//! `taskset` when there are not two cores), so `taskset` execs it and the child's pid is the
//! server's. Its stdout is read by a thread named `server-stdout` until the `page:` and
//! `websocket:` lines arrive (with a deadline), then drained until the server exits so that it
//! never blocks on a full pipe. Its stderr goes to a thread named `server-stderr` that keeps the
//! last lines for an error report. Dropping a [`Server`] kills and reaps it, so an error or a
//! panic in a scenario never leaves a server behind, and removes its data directory.
//!
//! Every server runs in guest mode (`?name=` joins: no accounts to create for 10,000 clients)
//! with the per-user message rate limit lifted (the generator floods on purpose), and stores its
//! messages in a fresh data directory of its own, unless the scenario passes `--in-memory`.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long the server may take to print its two addresses.
const STARTUP_DEADLINE: Duration = Duration::from_secs(10);

/// How many of the server's last stderr lines are kept for an error report.
const STDERR_TAIL: usize = 20;

/// A running server; killed when dropped.
pub struct Server {
    child: Child,
    /// The data directory, removed when the server is dropped.
    data: Option<PathBuf>,
    pub pid: u32,
    pub ws: SocketAddr,
    /// From start to both addresses printed.
    pub startup: Duration,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

/// Where the server binary is and how it is started.
pub struct Launch {
    pub bin: String,
    /// Run it through `taskset -c 0`.
    pub pin: bool,
}

impl Server {
    /// Starts the server with the standard flags plus `extra`, and waits for its addresses.
    pub fn start(launch: &Launch, extra: &[&str]) -> Result<Server, String> {
        Server::start_on(launch, extra, fresh_data_dir()?)
    }

    /// Starts the server on the data directory `data` (kept from an earlier run, or new).
    pub fn start_on(launch: &Launch, extra: &[&str], data: PathBuf) -> Result<Server, String> {
        let mut cmd = match launch.pin {
            true => {
                let mut c = Command::new("taskset");
                c.args(["-c", "0", &launch.bin]);
                c
            }
            false => Command::new(&launch.bin),
        };
        cmd.args(["--http", "127.0.0.1:0", "--ws", "127.0.0.1:0"])
            .args(["--max-connections", "20000", "--guests"])
            // Every simulated client comes from 127.0.0.1: one address to the server.
            .args(["--max-connections-per-address", "20000"])
            .args(["--send-rate", "1000000", "--send-burst", "1000000"])
            // The most a day allows (4 GiB): a benchmark's senders write far more than a student.
            .args(["--daily-message-bytes", "4294967295"])
            .arg("--data")
            .arg(&data)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let began = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("starting {}: {e}", launch.bin))?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        let mut server = Server {
            pid: child.id(),
            data: Some(data),
            child,
            ws: SocketAddr::from(([127, 0, 0, 1], 0)),
            startup: Duration::ZERO,
            stderr_tail: Arc::clone(&stderr_tail),
        };
        if let Some(err) = stderr {
            spawn_named("server-stderr", move || keep_tail(err, &stderr_tail))?;
        }
        let out = stdout.ok_or("no stdout pipe")?;
        let (tx, rx) = mpsc::channel();
        spawn_named("server-stdout", move || read_addresses(out, tx))?;
        // Blocks until the stdout thread finds the websocket line, the server exits, or the deadline.
        match rx.recv_timeout(STARTUP_DEADLINE) {
            Ok(ws) if ws.ip().is_loopback() => server.ws = ws,
            Ok(ws) => return Err(server.failure(&format!("listens on {ws}, not on 127.0.0.1"))),
            Err(_) => return Err(server.failure("did not print its websocket address in 10 s")),
        }
        server.startup = began.elapsed();
        Ok(server)
    }

    /// An error message with the server's last stderr lines.
    pub fn failure(&self, what: &str) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect::<Vec<_>>());
        format!(
            "server {}: {what}; its last stderr lines: {:?}",
            self.pid,
            tail.unwrap_or_default()
        )
    }

    /// Whether the server is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops the server with SIGTERM and waits (up to a deadline) until it has exited: its last
    /// log lines, such as the store's tally, are then in [`Server::stderr_lines`].
    pub fn stop_gracefully(&mut self) -> Result<(), String> {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .map_err(|e| format!("kill -TERM: {e}"))?;
        if !status.success() {
            return Err("kill -TERM failed".into());
        }
        let deadline = Instant::now() + STOP_DEADLINE;
        // Bounded by the deadline; each pass waits 20 ms.
        while self.alive() {
            if Instant::now() > deadline {
                return Err(self.failure("did not exit within 30 s of SIGTERM"));
            }
            thread::sleep(Duration::from_millis(20));
        }
        // The stderr thread may still be reading the last lines: give it the same deadline.
        while Instant::now() < deadline && !self.stderr_lines().iter().any(|l| l.contains("store:"))
        {
            thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// The last lines the server wrote to stderr.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr_tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Hands over the data directory (the server keeps running, or has stopped): it is no longer
    /// removed when this server is dropped.
    pub fn keep_data(&mut self) -> Option<PathBuf> {
        self.data.take()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGKILL: the bench measures nothing at shutdown, and a clean shutdown of thousands of
        // connections would send as many presence frames to clients that are going anyway.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(data) = self.data.take() {
            let _ = std::fs::remove_dir_all(data);
        }
    }
}

/// How long a SIGTERM may take to end the server.
const STOP_DEADLINE: Duration = Duration::from_secs(30);

/// A new, empty directory for a server's store.
pub fn fresh_data_dir() -> Result<PathBuf, String> {
    use std::os::unix::fs::DirBuilderExt;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "threadchat-bench-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    // Private, as the server wants its data directory (it refuses one others may write).
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))?;
    Ok(dir)
}

fn spawn_named(name: &str, f: impl FnOnce() + Send + 'static) -> Result<(), String> {
    thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map(drop)
        .map_err(|e| format!("spawning {name}: {e}"))
}

/// Sends the address of the `websocket:` line, then drains stdout until the server exits.
fn read_addresses(out: impl Read, tx: mpsc::Sender<SocketAddr>) {
    let mut lines = BufReader::new(out).lines();
    // Blocks until the server prints a line or exits (EOF ends the loop).
    for line in lines.by_ref().map_while(Result::ok) {
        if let Some(addr) = line.strip_prefix("websocket: ws://").and_then(parse_addr) {
            let _ = tx.send(addr);
            break;
        }
    }
    for _ in lines.map_while(Result::ok) {}
}

/// `127.0.0.1:8081/` -> the socket address.
fn parse_addr(rest: &str) -> Option<SocketAddr> {
    rest.trim_end_matches('/').parse().ok()
}

/// Keeps the last [`STDERR_TAIL`] lines of the server's stderr until it exits.
fn keep_tail(err: impl Read, tail: &Mutex<VecDeque<String>>) {
    // Blocks until the server writes a line or exits.
    for line in BufReader::new(err).lines().map_while(Result::ok) {
        if let Ok(mut t) = tail.lock() {
            if t.len() == STDERR_TAIL {
                t.pop_front();
            }
            t.push_back(line);
        }
    }
}
