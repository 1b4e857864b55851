//! The store's file and the disk under it, as the `store` thread sees them: the free-space guard,
//! and reopening the file after a disk error.
//!
//! A full disk must not take the chat down for longer than it stays full. Two things see to it:
//!
//! - **The guard.** Before a group of changes is committed, the free space of the store's
//!   filesystem is read (`statvfs`); under `--min-free-space`, new messages are refused
//!   (`unavailable`, the answer of a failed commit) while sign-ins, sessions and room changes,
//!   which are small, go on. That is logged once when it starts and once when it ends.
//! - **Reopening.** After an I/O error (the disk filled anyway, or failed), redb refuses every
//!   later transaction ("previous I/O error") until the database is closed. So the first such
//!   error closes it: it is taken off the [`Shelf`], where readers find it, and dropped (redb
//!   closes the file even if a read is in progress; that read fails). From then on every request
//!   is refused at once, and about once a second, when there is room again, the file is opened
//!   anew (redb repairs a commit that was cut short). Both moments are logged, once each. Only
//!   while the store is closed does the `store` thread wake once a second for this
//!   ([`Disk::reopen_at`]); an open store sets no timer here.

use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use redb::Database;

use super::{StoreError, schema};
use crate::log;

/// How often a closed store tries to open its file again.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

const MIB: u64 = 1024 * 1024;

/// How long a scrub waits for reads under way to end before it gives up (see [`Disk::scrub`]).
const SCRUB_WAIT: Duration = Duration::from_millis(500);

/// Compacts `db` (redb moves pages until there is nothing left to move, in one call).
fn compact(db: &mut Database) -> Result<(), redb::CompactionError> {
    db.compact().map(|_| ())
}

/// Where readers find the open database: the `store` thread puts it here and takes it away while
/// a disk error keeps it closed. Readers hold it weakly (see `Reader`), and the lock is held only
/// to copy or replace that weak handle, never across I/O but for a scrub (see [`Disk::scrub`]).
#[derive(Clone, Default)]
pub struct Shelf(Arc<RwLock<Weak<Database>>>);

impl Shelf {
    /// The open database, if there is one.
    pub fn get(&self) -> Option<Arc<Database>> {
        let weak = self.0.read().unwrap_or_else(PoisonError::into_inner);
        weak.upgrade()
    }

    fn put(&self, db: Weak<Database>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = db;
    }
}

/// The database the `store` thread writes, and the state of the disk under it.
pub struct Disk {
    /// The open database; `None` while a disk error keeps it closed.
    db: Option<Arc<Database>>,
    shelf: Shelf,
    /// The data directory; `None` for a store in memory, which has no disk to fill.
    dir: Option<PathBuf>,
    /// `--min-free-space`, in bytes (0: no guard).
    min_free: u64,
    /// The guard's last verdict, to log only its changes.
    space: Space,
    /// Set while a disk error keeps the database closed.
    closed: Option<Closed>,
}

/// A database closed by a disk error, waiting to be opened again.
struct Closed {
    /// When to try next.
    retry_at: Instant,
    /// Whether a failed try was logged (the first is; the rest are the same story).
    told: bool,
}

/// What the guard found on the store's filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Space {
    Enough,
    /// Under `--min-free-space`.
    Low,
    /// `statvfs` failed; messages are taken (redb will tell if the disk is really gone).
    Unknown,
}

impl Disk {
    /// The `store` thread's view of `db`, opened in `dir` (or in memory).
    pub fn new(db: Database, dir: Option<PathBuf>, min_free_mib: u64) -> (Disk, Shelf) {
        let db = Arc::new(db);
        let shelf = Shelf::default();
        shelf.put(Arc::downgrade(&db));
        let disk = Disk {
            db: Some(db),
            shelf: shelf.clone(),
            dir,
            min_free: min_free_mib.saturating_mul(MIB),
            space: Space::Enough,
            closed: None,
        };
        (disk, shelf)
    }

    /// The database to write to, opened again first if a disk error closed it and it is time to
    /// try; an error while it stays closed.
    pub fn db(&mut self) -> Result<Arc<Database>, StoreError> {
        if self
            .closed
            .as_ref()
            .is_some_and(|closed| Instant::now() >= closed.retry_at)
        {
            self.reopen();
        }
        self.db.clone().ok_or_else(|| {
            StoreError::new(
                "the store",
                "is closed after a disk error until there is room",
            )
        })
    }

    /// While a disk error keeps the database closed, when to try opening it again.
    pub fn reopen_at(&self) -> Option<Instant> {
        self.closed.as_ref().map(|closed| closed.retry_at)
    }

    /// Whether new messages may be stored: the store's filesystem has `--min-free-space` free.
    /// Logs when that changes.
    pub fn room_for_messages(&mut self) -> bool {
        let (space, free) = self.space();
        if space != self.space {
            self.log_change(space, free);
            self.space = space;
        }
        space != Space::Low
    }

    /// A transaction failed with `error` while `doing` something, which is logged. If the disk
    /// is to blame, the database is closed, to be opened again when there is room.
    pub fn failed(&mut self, doing: &str, error: &redb::Error) {
        let disk = matches!(error, redb::Error::Io(_) | redb::Error::PreviousIo);
        let Some(dir) = self.dir.as_ref().filter(|_| disk) else {
            return log!("store: {doing}: {error}");
        };
        log!(
            "store: a disk error while {doing} in {} ({error}): the store is closed and refuses \
             every change (messages, sign-ins) until it can be opened again, tried every second",
            dir.display()
        );
        self.shelf.put(Weak::new());
        self.db = None;
        self.closed = Some(Closed {
            retry_at: Instant::now() + REOPEN_EVERY,
            told: false,
        });
    }

    /// After a commit that deleted a message's text: redb writes copy-on-write, so the pages
    /// that held the text (and its earlier versions) are free but not yet overwritten. A
    /// compaction moves live pages down into every free one and cuts the rest off the file, so
    /// no byte of the text is left in it; this runs before anyone is told of the deletion. The
    /// shelf stays locked meanwhile: readers (history, sign-ins) wait, for about the time of a
    /// few commits, and the compaction waits for reads already under way, up to
    /// [`SCRUB_WAIT`]. A store in memory has nothing on disk to scrub.
    pub fn scrub(&mut self) {
        let (Some(db), Some(_)) = (self.db.as_mut(), self.dir.as_ref()) else {
            return;
        };
        let mut shelf = self.shelf.0.write().unwrap_or_else(PoisonError::into_inner);
        // No handle but this one: `Arc::get_mut` needs even the weak one gone.
        *shelf = Weak::new();
        let give_up = Instant::now() + SCRUB_WAIT;
        let outcome = loop {
            let busy = match Arc::get_mut(db).map(compact) {
                Some(Ok(())) => break Ok(()),
                None | Some(Err(redb::CompactionError::TransactionInProgress)) => true,
                Some(Err(e)) => break Err(e.to_string()),
            };
            if busy && Instant::now() >= give_up {
                break Err("reads were still under way".to_owned());
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        *shelf = Arc::downgrade(db);
        drop(shelf);
        if let Err(e) = outcome {
            log!("store: could not scrub the pages of a deleted message ({e}); the next will");
        }
    }

    /// Opens the file again, if there is room for it; logs success, and the first failure.
    fn reopen(&mut self) {
        let low = self.space().0 == Space::Low;
        let (Some(dir), Some(closed)) = (&self.dir, &mut self.closed) else {
            return;
        };
        closed.retry_at = Instant::now() + REOPEN_EVERY;
        if low {
            return;
        }
        match schema::reopen(dir) {
            Ok(db) => {
                let db = Arc::new(db);
                self.shelf.put(Arc::downgrade(&db));
                self.db = Some(db);
                self.closed = None;
                log!(
                    "store: opened again in {}: storing works again",
                    dir.display()
                );
            }
            // Typically the disk still full (a repair needs room too), or a read of the old
            // database still under way: tried again in a second.
            Err(e) if !closed.told => {
                closed.told = true;
                log!("store: cannot open the store again yet ({e}); trying every second");
            }
            Err(_) => {}
        }
    }

    /// Reads the free space of the store's filesystem: what it means, and how many bytes.
    fn space(&self) -> (Space, u64) {
        let Some(dir) = self.dir.as_ref().filter(|_| self.min_free > 0) else {
            return (Space::Enough, u64::MAX);
        };
        match rustix::fs::statvfs(dir) {
            Ok(fs) => match fs.f_bavail.saturating_mul(fs.f_frsize) {
                free if free < self.min_free => (Space::Low, free),
                free => (Space::Enough, free),
            },
            Err(_) => (Space::Unknown, 0),
        }
    }

    /// Says that the guard's verdict changed from `self.space` to `space`, `free` bytes free.
    fn log_change(&self, space: Space, free: u64) {
        let dir = self
            .dir
            .as_ref()
            .map_or("memory".into(), |d| d.display().to_string());
        let min = self.min_free / MIB;
        match (self.space, space) {
            (_, Space::Low) => log!(
                "store: {} MiB free on the disk of {dir}, under --min-free-space {min} MiB: \
                 new messages are refused until there is room",
                free / MIB
            ),
            (_, Space::Unknown) => log!(
                "store: cannot read the free space of {dir}; messages are stored without the \
                 --min-free-space guard"
            ),
            (Space::Low, Space::Enough) => {
                log!("store: room again on the disk of {dir}: messages are stored")
            }
            (_, Space::Enough) => log!("store: the free space of {dir} can be read again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A disk in memory that believes its folder is `dir`.
    fn disk(dir: PathBuf, min_free_mib: u64) -> Disk {
        let db = schema::in_memory().expect("a store in memory");
        Disk::new(db, Some(dir), min_free_mib).0
    }

    #[test]
    fn messages_are_refused_under_the_minimum_only() {
        let tmp = std::env::temp_dir();
        // No filesystem has this much free; and 0 is no guard at all.
        assert!(!disk(tmp.clone(), u64::MAX / MIB).room_for_messages());
        assert!(disk(tmp.clone(), 0).room_for_messages());
        assert!(
            disk(tmp, 1).room_for_messages(),
            "the test machine has 1 MiB free"
        );
    }

    #[test]
    fn a_disk_error_closes_the_store_and_empties_the_shelf() {
        // A folder that does not exist: opening again (a second later) can only fail.
        let mut disk = disk(std::env::temp_dir().join("threadchat-no-such-folder"), 0);
        let shelf = disk.shelf.clone();
        assert!(shelf.get().is_some());
        disk.failed("committing", &redb::Error::PreviousIo);
        assert!(shelf.get().is_none(), "readers no longer find it");
        assert!(disk.db().is_err(), "refused until it is opened again");
    }

    #[test]
    fn other_errors_leave_the_store_open() {
        let mut disk = disk(std::env::temp_dir(), 0);
        disk.failed("committing", &redb::Error::Corrupted("a test".into()));
        assert!(disk.db().is_ok());
    }
}
