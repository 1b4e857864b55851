//! The shared test harness: a real server on 127.0.0.1 ephemeral ports with its own temporary data
//! directory, real WebSocket and HTTP clients, and a deadline on every blocking read, so a broken
//! server fails a test instead of hanging it.
//!
//! - this file: [`start`] (guests, as chat mechanics need no accounts) and [`start_accounts`];
//! - `ws`: the WebSocket client; `http`: raw HTTP and the JSON API; `binary`: the `threadchat`
//!   binary run as a user runs it, and `binary_chat` accounts and chat on it; `stderr`: its log,
//!   collected as it is written; `tmpfs`: a small filesystem to fill; `bound`: clients from
//!   another loopback address; `changes`: edits and deletions; `class`: a teacher, a moderator
//!   and a student, for moderation.

// Each test binary uses its own part of the harness.
#![allow(dead_code, unused_imports)]

mod binary;
mod binary_chat;
mod bound;
mod changes;
mod class;
mod http;
mod marker;
mod stderr;
mod tmpfs;
mod ws;

use std::ops::Deref;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use binary::Binary;
pub use binary_chat::PASSWORD;
pub use bound::*;
pub use changes::*;
pub use class::*;
pub use http::*;
pub use marker::*;
pub use stderr::Stderr;
pub use tmpfs::Tmpfs;
pub use ws::*;

use threadchat::Server;
use threadchat::config::Config;

/// How long a test waits for something that should happen at once.
pub const DEADLINE: Duration = Duration::from_secs(5);

/// A server for one test, with the data directory it owns; stopped, and its directory removed,
/// when dropped.
pub struct TestServer {
    server: Option<Server>,
    pub data: TempDir,
}

impl Deref for TestServer {
    type Target = Server;
    fn deref(&self) -> &Server {
        self.server.as_ref().expect("the server is running")
    }
}

impl TestServer {
    /// Stops the server in order (as `Server::stop`) and keeps its data directory.
    pub fn stop(mut self) -> TempDir {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        std::mem::replace(&mut self.data, TempDir::placeholder())
    }
}

/// A server in guest mode (`?name=` joins, no accounts) on ephemeral loopback ports, with
/// `adjust` applied to the default config.
pub fn start(adjust: impl FnOnce(&mut Config)) -> TestServer {
    start_in(TempDir::new(), |config| {
        config.accounts.guests = true;
        adjust(config);
    })
}

/// Lifts the per-user message and room-change rate limits, for tests that send floods on purpose.
pub fn unpaced(config: &mut Config) {
    config.limits.send_rate = 1_000_000;
    config.limits.send_burst = 1_000_000;
    config.limits.room_change_burst = 1_000_000;
    config.limits.daily_message_bytes = u32::MAX;
}

/// A server with accounts (the default), with `adjust` applied.
pub fn start_accounts(adjust: impl FnOnce(&mut Config)) -> TestServer {
    start_in(TempDir::new(), adjust)
}

/// A server on the data directory `data` (a restart), with `adjust` applied.
pub fn start_in(data: TempDir, adjust: impl FnOnce(&mut Config)) -> TestServer {
    let mut config = Config {
        http_addr: "127.0.0.1:0".parse().unwrap(),
        ws_addr: "127.0.0.1:0".parse().unwrap(),
        www: concat!(env!("CARGO_MANIFEST_DIR"), "/www").into(),
        data: data.path().to_owned(),
        ..Config::default()
    };
    // Departures are announced at once unless a test asks for the real grace.
    config.limits.presence_grace = Duration::from_millis(1);
    adjust(&mut config);
    let server = Server::start(config).expect("server starts");
    TestServer {
        server: Some(server),
        data,
    }
}

/// A directory under the system's temporary folder, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "threadchat-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        let _ = std::fs::remove_dir_all(&path);
        // Private, as the server wants its data directory (it refuses one others may write).
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&path)
            .expect("a temporary directory");
        TempDir(path)
    }

    /// Owns nothing; for moving a real one out of a value being dropped.
    pub(crate) fn placeholder() -> TempDir {
        TempDir(PathBuf::new())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
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
