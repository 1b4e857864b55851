//! Logging: one line per event on stderr, written by the `log` thread so that no other thread
//! ever waits for stderr.
//!
//! stderr may be a pipe that nobody drains (a stalled `| tee`, a service manager) or one whose
//! reader has gone (`threadchat 2>&1 | head`). A thread that wrote to it itself would block in
//! `write` in the first case and get EPIPE in the second; for the hub, that would stop the chat.
//! So `log!` only formats the line and offers it to the `log` thread (`writer.rs`) through a
//! bounded channel, without waiting: when the channel is full the line is dropped and counted,
//! and the count is written as soon as there is room again.
//!
//! `log_limited!` is for what one client can trigger over and over (refused frames, refused
//! handshakes): the `log` thread writes at most a few such lines per client and kind per minute
//! and sums up the rest (`limit.rs`).
//!
//! The server logs start-up, joins, leaves with their reason, refusals and evictions, never the
//! text of a message, a password or a token.

mod limit;
mod time;
mod writer;

use std::net::IpAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crossbeam_channel::Sender;

pub use time::now_ms;

/// Lines waiting for the `log` thread: a burst of several hundred joins or refusals fits. When it
/// is full, new lines are dropped and counted (see [`DROPPED`]); nobody waits.
const LOG_CAPACITY: usize = 1024;

/// Lines dropped because the channel was full, since the `log` thread last reported them.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Writes one line: `2026-11-24T23:23:36.123Z <message>`. Never blocks.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::emit($crate::log::Line::new(None, format!($($arg)*)))
    };
}

/// Writes one line about something `client` (an `IpAddr`) can cause over and over, of this
/// `kind` (a plural noun: "refused frames"). At most a few such lines per client and kind are
/// written per minute; the rest are counted and summed up in one line. Never blocks.
#[macro_export]
macro_rules! log_limited {
    ($kind:expr, $client:expr, $($arg:tt)*) => {
        $crate::log::emit($crate::log::Line::new(Some(($kind, $client)), format!($($arg)*)))
    };
}

/// One line for the `log` thread, stamped with the time it was made.
#[doc(hidden)]
pub struct Line {
    at_ms: u64,
    text: String,
    /// For `log_limited!`: the kind of event and the client it came from.
    limit: Option<(&'static str, IpAddr)>,
}

impl Line {
    #[doc(hidden)]
    pub fn new(limit: Option<(&'static str, IpAddr)>, text: String) -> Line {
        Line {
            at_ms: now_ms(),
            text,
            limit,
        }
    }
}

/// What travels to the `log` thread.
enum Entry {
    Line(Line),
    /// Answer on this channel once every line sent before it has been written.
    Flush(Sender<()>),
}

/// Offers a line to the `log` thread; drops and counts it when the channel is full.
#[doc(hidden)]
pub fn emit(line: Line) {
    let offered = channel().is_some_and(|log| log.try_send(Entry::Line(line)).is_ok());
    if !offered {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Waits up to `limit` for the lines logged so far to be written: for `main`, before it exits.
/// A stderr that nobody reads can hold them forever, hence the limit.
pub fn flush(limit: Duration) {
    let Some(log) = channel() else { return };
    let (done, written) = crossbeam_channel::bounded(1);
    if log.send_timeout(Entry::Flush(done), limit).is_ok() {
        // Blocks until the log thread has written everything before the flush, or the limit.
        let _ = written.recv_timeout(limit);
    }
}

/// The channel to the `log` thread, started on first use. `None` if it could not be started;
/// then lines are only counted as dropped.
fn channel() -> Option<&'static Sender<Entry>> {
    static LOG: OnceLock<Option<Sender<Entry>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let (to_log, entries) = crossbeam_channel::bounded(LOG_CAPACITY);
        writer::start(entries).ok().map(|()| to_log)
    })
    .as_ref()
}

/// Takes the count of dropped lines, for the `log` thread to report.
fn take_dropped() -> u64 {
    DROPPED.swap(0, Ordering::Relaxed)
}
