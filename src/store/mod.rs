//! The store: one redb database in the data directory, written by the `store` thread alone.
//!
//! The `store` thread (`thread.rs`, where its loop is described) takes everything waiting on its
//! channel, from the `auth` threads and the hub, into one write transaction and commits it
//! durably once, a group commit; only then does anyone hear "done". That transaction opens each
//! table once for the whole group (`tables.rs`). Between requests the thread sleeps until a sweep
//! is due (`sweep.rs`: a session expiring, a message ageing out). The `history` thread
//! (`history.rs`) reads past messages in read transactions of its own.
//!
//! Reads never queue behind a commit: any thread may open a redb read transaction on the shared
//! [`Reader`], a snapshot of the last commit.

mod accounts;
mod apply;
mod changes;
mod disk;
mod history;
mod messages;
mod moderation;
mod private;
mod profiles;
mod purge;
mod reads;
mod retention;
mod rooms;
mod schema;
mod sweep;
mod tables;
mod thread;

use crossbeam_channel::{Receiver, Sender};
use redb::{ReadTransaction, ReadableDatabase};
use std::fmt;
use std::path::Path;

pub use changes::{ChangeEvent, Revise};
pub use disk::Disk;
use disk::Shelf;
pub use history::run as run_history;
pub use history::{HISTORY_QUEUE, Page, Query};
pub use messages::{Destination, Message, Post, Stored, private_conversation, room_conversation};
pub use moderation::{Moderate, Moderation, RoomRules, Standing};
pub use profiles::ProfileChange;
pub use purge::DeleteAllBy;
pub use reads::{RECENT, ReadChange, ReadSnapshot};
pub use retention::Retention;
pub use rooms::{RoomChange, Snapshot};
pub use sweep::Sweeps;
pub use thread::run;

use crate::auth::token::SessionId;
use crate::wire::Registration;

/// Requests waiting for the `store` thread. A full channel makes a sender wait (an `auth` thread)
/// or drop its request (a `Touch`, see [`Store::touch`]).
pub const STORE_CAPACITY: usize = 1024;

/// A failure of the store, with what was being done.
#[derive(Debug)]
pub struct StoreError {
    context: String,
    detail: String,
}

impl StoreError {
    pub fn new(context: impl Into<String>, detail: impl fmt::Display) -> StoreError {
        StoreError {
            context: context.into(),
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.detail)
    }
}

impl std::error::Error for StoreError {}

/// Reads from any thread, each in a read transaction of its own. Finds the database on the
/// `store` thread's [`Shelf`], which holds it weakly: that thread owns it, and when the thread
/// ends (or a disk error closes the store, see `disk.rs`) the database is closed cleanly.
#[derive(Clone)]
pub struct Reader {
    shelf: Shelf,
}

impl Reader {
    /// A snapshot of the last commit.
    fn begin(&self, context: &str) -> Result<ReadTransaction, StoreError> {
        let db = self
            .shelf
            .get()
            .ok_or_else(|| StoreError::new(context, "the store is not open"))?;
        db.begin_read().map_err(|e| StoreError::new(context, e))
    }
}

/// Where the store sends the result of one request, after the commit: the sending end of a
/// channel of one, whose other end the caller waits on in [`Store::call`].
pub type ToCaller<T> = Sender<Result<T, StoreError>>;

/// What the `store` thread can be asked to do.
pub enum Request {
    /// Add a user with a first session; `false` if the name is taken. `owner`: through the
    /// setup link, as the first owner.
    Register {
        name: String,
        phc: String,
        session: SessionId,
        owner: bool,
        to_caller: ToCaller<bool>,
    },
    /// Make an existing account an owner (the setup link, `--owner`); `false` if there is none.
    MakeOwner {
        user_key: String,
        /// How, for the log: `setup_link` or `--owner`.
        via: &'static str,
        to_caller: ToCaller<bool>,
    },
    /// Set a new password with a reset code, ending every session and opening `session`;
    /// `false` for a wrong, spent or expired code.
    ResetPassword {
        user_key: String,
        code_hash: [u8; 32],
        phc: String,
        session: SessionId,
        to_caller: ToCaller<bool>,
    },
    /// Who may register: the stored setting, or for a new store `initial`, stored then.
    SettleRegistration {
        initial: Registration,
        to_caller: ToCaller<Registration>,
    },
    /// Add a session for an existing user (a sign-in).
    OpenSession {
        user_key: String,
        session: SessionId,
        to_caller: ToCaller<()>,
    },
    /// End one session (a sign-out), or with `everywhere` every session of its owner.
    EndSession {
        session: SessionId,
        everywhere: bool,
        to_caller: ToCaller<()>,
    },
    /// Change a password and end every other session of that user.
    SetPassword {
        user_key: String,
        phc: String,
        keep: SessionId,
        to_caller: ToCaller<()>,
    },
    /// A session was used: it expires that much later.
    Touch { session: SessionId },
    /// Changes from the hub, in the order it made them: rooms, and messages to append. The
    /// outcome goes back to the hub as `Event::Stored`.
    Changes(Vec<Change>),
    /// Stop, once everything sent before is committed and answered.
    Stop,
}

/// One change from the hub.
#[derive(Debug)]
pub enum Change {
    Room(RoomChange),
    Post(Post),
    /// A read position moved (coalesced: the latest of a flush per user and conversation).
    Read(ReadChange),
    /// A display name set or cleared.
    Profile(ProfileChange),
    /// An edit or a deletion of a message (`changes.rs`).
    Revise(Revise),
    /// A moderation action, with its entry in the log (`moderation.rs`).
    Moderate(Moderate),
    /// Every message of a suspended user, deleted (`changes.rs`).
    DeleteAllBy(DeleteAllBy),
}

/// The handle that other threads use to reach the store.
#[derive(Clone)]
pub struct Store {
    pub reader: Reader,
    to_store: Sender<Request>,
}

/// Opens the store in `dir` (or in memory only), for the `store` thread to serve with [`run`];
/// under `min_free_mib` MiB free on its disk, new messages are refused (see `disk.rs`).
pub fn open(
    dir: &Path,
    in_memory: bool,
    min_free_mib: u64,
) -> Result<(Store, Receiver<Request>, Disk), StoreError> {
    let (disk, shelf) = match in_memory {
        true => Disk::new(schema::in_memory()?, None, 0),
        false => Disk::new(schema::open(dir)?, Some(dir.to_owned()), min_free_mib),
    };
    let (to_store, requests) = crossbeam_channel::bounded(STORE_CAPACITY);
    let reader = Reader { shelf };
    Ok((Store { reader, to_store }, requests, disk))
}

impl Store {
    /// Sends a request and waits for its answer, which comes after the commit. Blocks while the
    /// store's channel is full, then until the commit.
    pub fn call<T>(&self, make: impl FnOnce(ToCaller<T>) -> Request) -> Result<T, StoreError> {
        let (to_caller, from_store) = crossbeam_channel::bounded(1);
        self.to_store
            .send(make(to_caller))
            .map_err(|_| StoreError::new("the store", "has stopped"))?;
        from_store
            .recv()
            .map_err(|_| StoreError::new("the store", "stopped before answering"))?
    }

    /// Notes that a session was used now, without waiting: dropped if the store is busy, as a
    /// later use will note it again.
    pub fn touch(&self, session: SessionId) {
        let _ = self.to_store.try_send(Request::Touch { session });
    }

    /// Offers the hub's changes without waiting; gives them back if the store is busy.
    pub fn offer(&self, changes: Vec<Change>) -> Result<(), Vec<Change>> {
        self.to_store
            .try_send(Request::Changes(changes))
            .map_err(|e| match e.into_inner() {
                Request::Changes(changes) => changes,
                _ => unreachable!("what was sent comes back"),
            })
    }

    /// Asks the `store` thread to stop once it has answered everything sent before.
    pub fn stop(&self) {
        let _ = self.to_store.send(Request::Stop);
    }
}
