//! The store: one redb database in the data directory, written by the `store` thread alone.
//!
//! The `store` thread blocks on its channel until a request arrives, or until the next sweep for
//! expired sessions is due. Woken by the `auth` threads (registrations, sign-ins, sign-outs,
//! password changes) and by any thread that saw a session in use (`Touch`). It takes everything
//! waiting (up to [`MAX_GROUP`]) into one write transaction and commits it durably once, a group
//! commit, then answers each request on its own reply channel. Only after the commit does anyone
//! hear "done", so a confirmed registration survives any crash. Sessions it ends (sign-out,
//! password change, expiry) are reported to the hub, which closes their connections. It ends
//! on [`Request::Stop`] (from `Server::stop`, once everything else has stopped), after answering
//! what came before, and closes the database cleanly.
//!
//! Reads never queue behind a commit: any thread may open a redb read transaction on the shared
//! [`Reader`], a snapshot of the last commit.

mod accounts;
mod schema;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use redb::{Database, ReadTransaction, ReadableDatabase, WriteTransaction};

use crate::auth::token::SessionId;
use crate::end::SignOut;
use crate::event::Event;
use crate::log;
use crate::log::now_ms;

/// Requests waiting for the `store` thread. A full channel makes a sender wait (an `auth` thread)
/// or drop its request (a `Touch`, see [`Store::touch`]).
pub const STORE_CAPACITY: usize = 1024;

/// Requests committed together at most: enough to absorb a burst, few enough that the first of
/// them is not kept waiting long.
const MAX_GROUP: usize = 256;

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

/// Reads from any thread, each in a read transaction of its own. Holds the database weakly: the
/// `store` thread owns it, and when that thread ends the database is closed cleanly (a read
/// in progress keeps it open only until it is done).
#[derive(Clone)]
pub struct Reader {
    db: Weak<Database>,
}

impl Reader {
    /// A snapshot of the last commit.
    fn begin(&self, context: &str) -> Result<ReadTransaction, StoreError> {
        let db = self
            .db
            .upgrade()
            .ok_or_else(|| StoreError::new(context, "the store has stopped"))?;
        db.begin_read().map_err(|e| StoreError::new(context, e))
    }
}

/// The answer to one request, sent after the commit.
type Reply<T> = Sender<Result<T, StoreError>>;

/// What the `store` thread can be asked to do.
pub enum Request {
    /// Add a user with a first session; `false` if the name is taken.
    Register {
        name: String,
        phc: String,
        session: SessionId,
        reply: Reply<bool>,
    },
    /// Add a session for an existing user (a sign-in).
    OpenSession {
        user_key: String,
        session: SessionId,
        reply: Reply<()>,
    },
    /// End one session (a sign-out).
    EndSession {
        session: SessionId,
        reply: Reply<()>,
    },
    /// Change a password and end every other session of that user.
    SetPassword {
        user_key: String,
        phc: String,
        keep: SessionId,
        reply: Reply<()>,
    },
    /// A session was used: it expires that much later.
    Touch { session: SessionId },
    /// Stop, once everything sent before is committed and answered.
    Stop,
}

/// The handle that other threads use to reach the store.
#[derive(Clone)]
pub struct Store {
    pub reader: Reader,
    to_store: Sender<Request>,
}

/// Opens the store in `dir`, for the `store` thread to serve with [`run`].
pub fn open(dir: &Path) -> Result<(Store, Receiver<Request>, Arc<Database>), StoreError> {
    let db = Arc::new(schema::open(dir)?);
    let (to_store, inbox) = crossbeam_channel::bounded(STORE_CAPACITY);
    let reader = Reader {
        db: Arc::downgrade(&db),
    };
    Ok((Store { reader, to_store }, inbox, db))
}

impl Store {
    /// Sends a request and waits for its answer, which comes after the commit. Blocks while the
    /// store's channel is full, then until the commit.
    pub fn call<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, StoreError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.to_store
            .send(make(reply))
            .map_err(|_| StoreError::new("the store", "has stopped"))?;
        answer
            .recv()
            .map_err(|_| StoreError::new("the store", "stopped before answering"))?
    }

    /// Notes that a session was used now, without waiting: dropped if the store is busy, as a
    /// later use will note it again.
    pub fn touch(&self, session: SessionId) {
        let _ = self.to_store.try_send(Request::Touch { session });
    }

    /// Asks the `store` thread to stop once it has answered everything sent before.
    pub fn stop(&self) {
        let _ = self.to_store.send(Request::Stop);
    }
}

/// The `store` thread (see the module doc).
pub fn run(db: Arc<Database>, inbox: Receiver<Request>, to_hub: Sender<Event>, expiry: Duration) {
    let sweep_every = (expiry / 4).clamp(Duration::from_millis(50), Duration::from_secs(60));
    let mut next_sweep = Instant::now() + sweep_every;
    loop {
        // Blocks until a request arrives or the next sweep is due.
        match inbox.recv_deadline(next_sweep) {
            Ok(Request::Stop) => return,
            Ok(first) => {
                let mut group = vec![first];
                // Stop waits for the next round, after this group is answered.
                while group.len() < MAX_GROUP {
                    match inbox.try_recv() {
                        Ok(Request::Stop) => {
                            commit_group(&db, group, &to_hub);
                            return;
                        }
                        Ok(request) => group.push(request),
                        Err(_) => break,
                    }
                }
                commit_group(&db, group, &to_hub);
            }
            Err(RecvTimeoutError::Timeout) => {
                sweep(&db, expiry, &to_hub);
                next_sweep = Instant::now() + sweep_every;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// An answer to send once the group is durable.
type Answer = Box<dyn FnOnce(Result<(), &StoreError>)>;

/// Applies a group of requests in one transaction, commits it, then answers each request and
/// tells the hub about ended sessions.
fn commit_group(db: &Database, group: Vec<Request>, to_hub: &Sender<Event>) {
    let mut answers: Vec<Answer> = Vec::with_capacity(group.len());
    let mut signed_out = Vec::new();
    let outcome = db
        .begin_write()
        .map_err(redb::Error::from)
        .and_then(|txn| {
            for request in group {
                answers.push(apply(&txn, request, &mut signed_out)?);
            }
            txn.commit()?;
            Ok(())
        })
        .map_err(|e| StoreError::new("committing to the store", e));
    if let Err(e) = &outcome {
        log!("store: {e}");
    }
    for answer in answers {
        answer(outcome.as_ref().copied());
    }
    if outcome.is_ok() {
        tell_hub(to_hub, signed_out);
    }
}

/// Applies one request inside `txn`; returns how to answer it after the commit.
fn apply(
    txn: &WriteTransaction,
    request: Request,
    signed_out: &mut Vec<(SessionId, SignOut)>,
) -> Result<Answer, redb::Error> {
    let now = now_ms();
    Ok(match request {
        Request::Register {
            name,
            phc,
            session,
            reply,
        } => {
            let created = accounts::register(txn, &name, &phc, &session, now)?;
            answer(reply, created)
        }
        Request::OpenSession {
            user_key,
            session,
            reply,
        } => {
            accounts::open_session(txn, &user_key, &session, now)?;
            answer(reply, ())
        }
        Request::EndSession { session, reply } => {
            let ended = accounts::end_sessions(txn, [session])?;
            signed_out.extend(ended.into_iter().map(|id| (id, SignOut::SignedOut)));
            answer(reply, ())
        }
        Request::SetPassword {
            user_key,
            phc,
            keep,
            reply,
        } => {
            let ended = accounts::set_password(txn, &user_key, &phc, &keep)?;
            signed_out.extend(ended.into_iter().map(|id| (id, SignOut::PasswordChanged)));
            answer(reply, ())
        }
        Request::Touch { session } => {
            accounts::touch(txn, &session, now)?;
            Box::new(|_| {})
        }
        // `run` takes Stop off the channel itself.
        Request::Stop => Box::new(|_| {}),
    })
}

/// Sends `value` on `reply` once the commit's outcome is known.
fn answer<T: Send + 'static>(reply: Reply<T>, value: T) -> Answer {
    Box::new(move |outcome| {
        let result = match outcome {
            Ok(()) => Ok(value),
            Err(e) => Err(StoreError::new(e.context.clone(), &e.detail)),
        };
        // The asker may have given up; nothing to do then.
        let _ = reply.send(result);
    })
}

/// Ends the sessions unused for `expiry` and tells the hub.
fn sweep(db: &Database, expiry: Duration, to_hub: &Sender<Event>) {
    let cutoff = now_ms().saturating_sub(expiry.as_millis() as u64);
    let swept = db.begin_write().map_err(redb::Error::from).and_then(|txn| {
        let ended = accounts::end_expired(&txn, cutoff)?;
        txn.commit()?;
        Ok(ended)
    });
    match swept {
        Ok(ended) => tell_hub(
            to_hub,
            ended.into_iter().map(|id| (id, SignOut::Expired)).collect(),
        ),
        Err(e) => log!("store: sweeping expired sessions: {e}"),
    }
}

/// Asks the hub to close the connections of ended sessions. Blocks while the hub's inbox is full;
/// the hub never waits for the store, so this cannot deadlock.
fn tell_hub(to_hub: &Sender<Event>, ended: Vec<(SessionId, SignOut)>) {
    if !ended.is_empty() {
        let _ = to_hub.send(Event::SessionsEnded(ended));
    }
}
