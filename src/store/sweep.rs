//! The sweeps, and when each is due: sessions unused for `--session-expiry` end, and the retention
//! removes old messages and client ids (`retention.rs`).
//!
//! Nothing here polls. The `store` thread keeps the moment each sweep is next due
//! ([`Deadlines`]) and sleeps until the earliest, unless a request wakes it first. A moment kept
//! is never later than the truth, and each sweep reads the true one again:
//!
//! - **sessions**: the oldest use of a session left, plus the expiry, found while the sweep scans
//!   the sessions for expired ones. Between sweeps a session is only used (so it expires later),
//!   opened (now: it expires after every other) or ended, and none of these brings the earliest
//!   expiry forward, except that a first session sets it.
//! - **retention**: read again in the transaction of every group that held the hub's changes
//!   (`retention::next_due`, three lookups), since a message appended or a room removed moves it.
//!
//! So an idle server's `store` thread wakes for a session that really expires, a message (or its
//! client id) that really ages out, and nothing else. Moments are milliseconds since the epoch,
//! the clock of `ts` and `last_used`, waited for on the monotonic clock: a change of the wall
//! clock moves a sweep, and a session past its expiry is refused all the same when it is next
//! presented (`auth/mod.rs`). A sweep that fails is tried again [`RETRY_FAILED`] later.

use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use redb::Database;

use super::accounts;
use super::disk::Disk;
use super::retention::{self, Retention};
use super::tables::Tables;
use crate::auth::token::SessionId;
use crate::end::SignOut;
use crate::event::Event;
use crate::log::now_ms;

/// How long a sweep that failed waits before it is tried again (the failure is logged each time).
const RETRY_FAILED: Duration = Duration::from_secs(1);

/// What the sweeps remove.
#[derive(Debug, Clone, Copy)]
pub struct Sweeps {
    /// A session unused this long ends.
    pub session_expiry: Duration,
    pub retention: Retention,
}

/// When something is next due, in milliseconds since the epoch; `Never` sorts after every moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    At(u64),
    Never,
}

impl Due {
    /// Whether it is due by `now_ms`.
    fn by(self, now_ms: u64) -> bool {
        self <= Due::At(now_ms)
    }

    /// The same moment on the monotonic clock, to wait for; `None` for never (or too far off to
    /// say).
    pub fn instant(self) -> Option<Instant> {
        let Due::At(at) = self else { return None };
        Instant::now().checked_add(Duration::from_millis(at.saturating_sub(now_ms())))
    }
}

/// The first millisecond at which something stamped `at_ms` is older than `age`.
pub fn past(at_ms: u64, age: Duration) -> u64 {
    let age_ms = u64::try_from(age.as_millis()).unwrap_or(u64::MAX);
    at_ms.saturating_add(age_ms).saturating_add(1)
}

/// When each sweep is next due (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    sessions: Due,
    retention: Due,
}

impl Deadlines {
    /// Both due at once: the first sweep, at start-up, reads when each is really due.
    pub fn at_start() -> Deadlines {
        Deadlines {
            sessions: Due::At(0),
            retention: Due::At(0),
        }
    }

    /// The earliest of them.
    pub fn next(&self) -> Due {
        self.sessions.min(self.retention)
    }

    /// A commit opened a session at `now_ms`: it expires `expiry` later, unless another does first.
    pub fn session_opened(&mut self, now_ms: u64, expiry: Duration) {
        self.sessions = self.sessions.min(Due::At(past(now_ms, expiry)));
    }

    /// A commit's transaction read when the retention is next due.
    pub fn retention_read(&mut self, due: Due) {
        self.retention = due;
    }
}

/// Runs the sweeps due by now, if any, and notes when each is next due. While a disk error keeps
/// the store closed, this is also where it is opened again, once that is due (see `disk.rs`).
pub fn if_due(disk: &mut Disk, sweeps: &Sweeps, deadlines: &mut Deadlines, to_hub: &Sender<Event>) {
    let Ok(db) = disk.db() else { return };
    let now = now_ms();
    if !deadlines.next().by(now) {
        return;
    }
    match sweep(&db, sweeps, *deadlines, now) {
        Ok((next, ended)) => {
            *deadlines = next;
            if !ended.is_empty() {
                let ended = ended.into_iter().map(|id| (id, SignOut::Expired)).collect();
                let _ = to_hub.send(Event::SessionsEnded(ended));
            }
        }
        Err(e) => {
            disk.failed("sweeping", &e);
            let later = Due::At(now.saturating_add(RETRY_FAILED.as_millis() as u64));
            for due in [&mut deadlines.sessions, &mut deadlines.retention] {
                if due.by(now) {
                    *due = later;
                }
            }
        }
    }
}

/// The sweeps of `due` that are due by `now`, in one write transaction committed only if they
/// removed something; returns when each is next due, and the sessions that ended.
fn sweep(
    db: &Database,
    sweeps: &Sweeps,
    mut due: Deadlines,
    now: u64,
) -> Result<(Deadlines, Vec<SessionId>), redb::Error> {
    let txn = db.begin_write()?;
    let mut t = Tables::open(&txn)?;
    let mut ended = Vec::new();
    let mut removed = false;
    if due.sessions.by(now) {
        let cutoff = now.saturating_sub(sweeps.session_expiry.as_millis() as u64);
        let (expired, oldest_use) = accounts::end_expired(&mut t, cutoff)?;
        ended = expired;
        due.sessions = oldest_use.map_or(Due::Never, |used| {
            Due::At(past(used, sweeps.session_expiry))
        });
    }
    if due.retention.by(now) {
        removed = retention::sweep(&mut t, &sweeps.retention, now)?;
        due.retention = retention::next_due(&t, &sweeps.retention, now)?;
    }
    drop(t);
    if removed || !ended.is_empty() {
        txn.commit()?;
    }
    Ok((due, ended))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_comes_after_every_moment() {
        assert!(Due::At(u64::MAX) < Due::Never);
        assert_eq!(Due::At(3).min(Due::Never), Due::At(3));
        assert!(Due::At(3).by(3) && !Due::At(4).by(3) && !Due::Never.by(u64::MAX));
        assert_eq!(Due::Never.instant(), None);
    }

    #[test]
    fn a_session_opened_never_brings_the_next_expiry_forward() {
        let day = Duration::from_secs(24 * 3600);
        let mut deadlines = Deadlines {
            sessions: Due::Never,
            retention: Due::Never,
        };
        deadlines.session_opened(1_000, day);
        assert_eq!(deadlines.next(), Due::At(past(1_000, day)));
        deadlines.session_opened(5_000, day);
        assert_eq!(deadlines.next(), Due::At(1_000 + 24 * 3600 * 1000 + 1));
    }
}
