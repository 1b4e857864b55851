//! The `threadchat` binary as a user runs it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::TempDir;

/// Flags that start the `threadchat` binary on ephemeral loopback ports, serving this repo's page.
const BINARY_ARGS: [&str; 6] = [
    "--http",
    "127.0.0.1:0",
    "--ws",
    "127.0.0.1:0",
    "--www",
    concat!(env!("CARGO_MANIFEST_DIR"), "/www"),
];

/// The `threadchat` binary as a user runs it, on a data directory of its own; killed and reaped
/// when dropped.
pub struct Binary {
    pub child: Child,
    /// `127.0.0.1:PORT` of the page, and of the WebSocket port.
    pub http: String,
    pub ws: String,
    pub data: TempDir,
}

impl Binary {
    /// The binary in guest mode (`?name=` joins), with `extra` flags and its stderr to `stderr`.
    pub fn guests(extra: &[&str], stderr: impl Into<Stdio>) -> Binary {
        Binary::launch(
            &[],
            TempDir::new(),
            &[&["--guests"], extra].concat(),
            stderr,
        )
    }

    /// The binary with accounts, on the data directory `data` (new, or one left by a crash).
    pub fn accounts(data: TempDir, extra: &[&str], stderr: impl Into<Stdio>) -> Binary {
        Binary::launch(&[], data, extra, stderr)
    }

    /// Runs `wrapper` (such as `prlimit --nofile=48:48`, or nothing) with the binary and its
    /// flags, and reads the two URLs it prints.
    pub fn launch(
        wrapper: &[&str],
        data: TempDir,
        extra: &[&str],
        stderr: impl Into<Stdio>,
    ) -> Binary {
        let bin = env!("CARGO_BIN_EXE_threadchat");
        let mut command = match wrapper {
            [] => Command::new(bin),
            [program, args @ ..] => {
                let mut command = Command::new(program);
                command.args(args).arg(bin);
                command
            }
        };
        let mut child = command
            .args(BINARY_ARGS)
            .arg("--data")
            .arg(data.path())
            .args(extra)
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
            data,
        }
    }

    /// Kills the process at once (SIGKILL), as a crash or a power cut would, and hands back its
    /// data directory for a restart.
    pub fn crash(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::mem::replace(&mut self.data, TempDir::placeholder())
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

    /// The voluntary context switches so far of the server's threads named `thread` (their
    /// /proc `comm`), all together: each is a time one of them slept and was woken.
    pub fn voluntary_switches(&self, thread: &str) -> u64 {
        let tasks = format!("/proc/{}/task", self.child.id());
        let tasks = std::fs::read_dir(tasks).expect("the server is running");
        let named = |task: &std::path::Path| {
            std::fs::read_to_string(task.join("comm")).is_ok_and(|comm| comm.trim() == thread)
        };
        let switches = |task: &std::path::Path| {
            let status = std::fs::read_to_string(task.join("status")).unwrap_or_default();
            let field = status
                .lines()
                .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"));
            field.and_then(|n| n.trim().parse::<u64>().ok())
        };
        let paths = tasks.filter_map(|task| Some(task.ok()?.path()));
        let counts: Vec<u64> = paths
            .filter(|p| named(p))
            .filter_map(|p| switches(&p))
            .collect();
        assert!(!counts.is_empty(), "no thread named {thread:?}");
        counts.iter().sum()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
