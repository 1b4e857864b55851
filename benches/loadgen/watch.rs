//! The thread `stuck-watch`: notes when the server lets go of each stuck client.
//!
//! It reads the kernel's TCP table (/proc/net/tcp) every [`PERIOD`] and marks a stuck client
//! closed the first time the server's side of its connection has left ESTABLISHED, lost its
//! owning process (inode 0), or disappeared. Reading that table costs milliseconds (tens of them
//! when earlier runs left thousands of TIME_WAIT sockets), which is why it is not done in the
//! generator's loop: there it would stall every receiver and show up as latency. The thread runs
//! under SCHED_IDLE (`chrt --idle`), so on the generator's core it only takes time the loop
//! does not want. It blocks on a channel with a timeout; the scenario ends it by dropping the
//! sender, and gets the times (seconds since `since`) back from `join`.

use crate::procfs;
use std::process::Command;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How often the table is read: the resolution of the eviction times.
const PERIOD: Duration = Duration::from_millis(250);
/// Backstop: no scenario runs anywhere near this long (10 minutes).
const MAX_CHECKS: usize = 2400;

type Times = Vec<Option<f64>>;

/// A running watch over some stuck clients.
pub struct Watch {
    /// Dropping it tells the thread to do a last check and end.
    stop: mpsc::Sender<()>,
    thread: JoinHandle<Result<Times, String>>,
}

impl Watch {
    /// Watches the server-side sockets on `ws_port` whose peers are `ports`.
    pub fn start(ws_port: u16, ports: Vec<u16>, since: Instant) -> Result<Watch, String> {
        let (stop, stopped) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("stuck-watch".into())
            .spawn(move || run(ws_port, &ports, since, &stopped))
            .map_err(|e| format!("spawning stuck-watch: {e}"))?;
        Ok(Watch { stop, thread })
    }

    /// Ends the watch: when each client was let go of, in seconds since `since` (None: never).
    pub fn finish(self) -> Result<Times, String> {
        drop(self.stop);
        // Blocks until the thread's last check, at most one table read away.
        self.thread
            .join()
            .map_err(|_| "stuck-watch panicked".to_string())?
    }
}

fn run(
    ws_port: u16,
    ports: &[u16],
    since: Instant,
    stopped: &mpsc::Receiver<()>,
) -> Result<Times, String> {
    run_when_idle();
    let mut closed: Times = vec![None; ports.len()];
    for _ in 0..MAX_CHECKS {
        check(ws_port, ports, since, &mut closed)?;
        // Blocks until the period passes or the scenario drops its sender.
        match stopped.recv_timeout(PERIOD) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    check(ws_port, ports, since, &mut closed)?;
    Ok(closed)
}

fn check(ws_port: u16, ports: &[u16], since: Instant, closed: &mut Times) -> Result<(), String> {
    let table = procfs::tcp_by_peer(ws_port)?;
    let t = since.elapsed().as_secs_f64();
    for (port, when) in ports
        .iter()
        .zip(closed.iter_mut())
        .filter(|(_, w)| w.is_none())
    {
        // 1 is ESTABLISHED; a missing row means the connection is gone altogether.
        if table
            .get(port)
            .is_none_or(|side| side.state != 1 || side.inode == 0)
        {
            *when = Some(t);
        }
    }
    Ok(())
}

/// Puts the calling thread under SCHED_IDLE, if `chrt` is there; otherwise it just runs.
fn run_when_idle() {
    // /proc/thread-self links to `PID/task/TID`: std has no gettid.
    let tid = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse::<u32>().ok());
    if let Some(tid) = tid {
        let _ = Command::new("chrt")
            .args(["--idle", "-p", "0", &tid.to_string()])
            .output();
    }
}
