//! The `store` thread: the only writer of the database, one group commit at a time.
//!
//! Blocks on its channel until a request arrives, or until the next sweep (expired sessions,
//! retention, see `retention.rs`) is due. Woken by the `auth` threads (registrations, sign-ins,
//! sign-outs, password changes), the hub (room changes and messages, as `Changes`), and any
//! thread that saw a session in use (`Touch`). It takes everything waiting (up to [`MAX_GROUP`]
//! requests) into one write transaction and commits it durably once, then answers each request
//! and tells the hub what is now durable: messages (`Event::Stored`), new users, ended sessions.
//! Before the commit nobody hears anything, so no message or account a client is told of can be
//! undone by a crash (room changes the hub announces at once, see `hub/rooms.rs`). If the group
//! cannot be committed, every request in it still gets its answer: a failure. It ends on `Stop`,
//! after answering what came before, and closes the database.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use redb::{Database, WriteTransaction};

use super::disk::Disk;
use super::messages::{self, Stored};
use super::retention::{self, Retention};
use super::{Change, Reply, Request, StoreError, accounts, rooms};
use crate::auth::token::SessionId;
use crate::end::SignOut;
use crate::event::Event;
use crate::log;
use crate::log::now_ms;

/// Requests committed together at most: enough to absorb a burst, few enough that the first of
/// them is not kept waiting long.
const MAX_GROUP: usize = 256;

/// What the sweeps remove.
#[derive(Debug, Clone, Copy)]
pub struct Sweeps {
    /// A session unused this long ends.
    pub session_expiry: Duration,
    pub retention: Retention,
}

/// The `store` thread (see the module doc).
pub fn run(mut disk: Disk, inbox: Receiver<Request>, to_hub: Sender<Event>, sweeps: Sweeps) {
    // Often enough that an expired session closes within a quarter of the expiry, at most a
    // second late.
    let sweep_every =
        (sweeps.session_expiry / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    let mut next_sweep = Instant::now() + sweep_every;
    let mut tally = Tally::default();
    loop {
        // Checked here, not only on a timeout, so that a steady stream of requests (a busy chat)
        // cannot put the sweeps off for ever.
        if Instant::now() >= next_sweep {
            sweep(&mut disk, &sweeps, &to_hub);
            next_sweep = Instant::now() + sweep_every;
        }
        // Blocks until a request arrives or the next sweep is due.
        let first = match inbox.recv_deadline(next_sweep) {
            Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => continue,
        };
        let (group, stop) = gather(first, &inbox);
        tally.messages += commit_group(&mut disk, group, &to_hub);
        tally.commits += 1;
        if stop {
            break;
        }
    }
    log!(
        "store: {} group commits, {} messages appended ({:.1} a commit)",
        tally.commits,
        tally.messages,
        tally.messages as f64 / tally.commits.max(1) as f64
    );
}

/// What the `store` thread did, for its last log line (the benchmark reads it).
#[derive(Debug, Default)]
struct Tally {
    commits: u64,
    messages: u64,
}

/// `first` and whatever else is waiting, up to [`MAX_GROUP`]; `true` if a `Stop` came among them
/// (it takes effect once they are committed).
fn gather(first: Request, inbox: &Receiver<Request>) -> (Vec<Request>, bool) {
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match inbox.try_recv() {
            Ok(Request::Stop) => return (group, true),
            Ok(request) => group.push(request),
            Err(_) => break,
        }
    }
    (group, false)
}

/// An answer to an `auth` thread, to send once the group's outcome is known.
type Answer = Box<dyn FnOnce(Result<(), &StoreError>)>;

/// What a group's commit leads to, once it is durable (or has failed).
#[derive(Default)]
struct Aftermath {
    answers: Vec<Answer>,
    signed_out: Vec<(SessionId, SignOut)>,
    registered: Vec<String>,
    stored: Vec<Stored>,
    /// The group held changes from the hub, which waits for their answer (even an empty one).
    from_hub: bool,
}

/// Applies a group of requests in one transaction, commits it, then tells everyone concerned;
/// returns how many messages it appended. Short of disk space, its messages are refused and the
/// rest is committed; with the store closed by a disk error, all of it is refused.
fn commit_group(disk: &mut Disk, group: Vec<Request>, to_hub: &Sender<Event>) -> u64 {
    // Known before anything is applied: if the transaction fails part way, the hub must still
    // hear about every post of the group (or it would wait for its answer for ever).
    let if_lost = refused_posts(&group);
    let mut after = Aftermath::default();
    let posts = match disk.room_for_messages() {
        true => Posts::Append,
        false => Posts::Refuse,
    };
    let outcome = disk.db().and_then(|db| {
        write(&db, group, posts, &mut after).map_err(|e| {
            disk.failed("committing", &e);
            StoreError::new("committing to the store", e)
        })
    });
    if let (Err(_), Some(refused)) = (&outcome, if_lost) {
        after.from_hub = true;
        after.stored = refused;
    }
    let appended = match outcome {
        Ok(()) => after
            .stored
            .iter()
            .filter(|s| matches!(s, Stored::New { .. }))
            .count() as u64,
        Err(_) => 0,
    };
    after.deliver(outcome.as_ref().copied(), to_hub);
    appended
}

/// If the group holds the hub's changes, each of its posts as refused: what the hub is told when
/// the group cannot be committed.
fn refused_posts(group: &[Request]) -> Option<Vec<Stored>> {
    let mut changes = group
        .iter()
        .filter_map(|request| match request {
            Request::Changes(changes) => Some(changes),
            _ => None,
        })
        .peekable();
    changes.peek()?;
    let posts = changes.flatten().filter_map(|change| match change {
        Change::Post(post) => Some(Stored::Failed {
            conn: post.conn,
            id: post.message.id.clone(),
        }),
        Change::Room(_) => None,
    });
    Some(posts.collect())
}

/// What becomes of the messages in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Posts {
    Append,
    /// The disk is short of space (see `disk.rs`): answered as failed, without writing.
    Refuse,
}

/// Applies `group` in one write transaction and commits it.
fn write(
    db: &Database,
    group: Vec<Request>,
    posts: Posts,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    for request in group {
        apply(&txn, request, posts, after)?;
    }
    txn.commit()?;
    Ok(())
}

/// Applies one request inside `txn`, noting what to do after the commit.
fn apply(
    txn: &WriteTransaction,
    request: Request,
    posts: Posts,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    let now = now_ms();
    match request {
        Request::Register {
            name,
            phc,
            session,
            reply,
        } => {
            let created = accounts::register(txn, &name, &phc, &session, now)?;
            if created {
                after.registered.push(name);
            }
            after.answers.push(answer(reply, created));
        }
        Request::OpenSession {
            user_key,
            session,
            reply,
        } => {
            accounts::open_session(txn, &user_key, &session, now)?;
            after.answers.push(answer(reply, ()));
        }
        Request::EndSession {
            session,
            everywhere,
            reply,
        } => {
            let ended = accounts::sign_out(txn, session, everywhere)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::SignedOut)));
            after.answers.push(answer(reply, ()));
        }
        Request::SetPassword {
            user_key,
            phc,
            keep,
            reply,
        } => {
            let ended = accounts::set_password(txn, &user_key, &phc, &keep)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::PasswordChanged)));
            after.answers.push(answer(reply, ()));
        }
        Request::Touch { session } => accounts::touch(txn, &session, now)?,
        Request::Changes(changes) => {
            after.from_hub = true;
            for change in changes {
                match change {
                    Change::Room(change) => rooms::apply(txn, &change, now)?,
                    Change::Post(post) if posts == Posts::Refuse => {
                        after.stored.push(Stored::Failed {
                            conn: post.conn,
                            id: post.message.id,
                        })
                    }
                    Change::Post(post) => after.stored.push(messages::append(txn, post)?),
                }
            }
        }
        // `run` takes Stop off the channel itself.
        Request::Stop => {}
    }
    Ok(())
}

impl Aftermath {
    /// Answers every request and tells the hub: what is durable, or, if the commit failed, which
    /// messages to report as failed to their senders.
    fn deliver(self, outcome: Result<(), &StoreError>, to_hub: &Sender<Event>) {
        let stored = match outcome {
            Ok(()) => self.stored,
            Err(_) => self.stored.into_iter().map(failed).collect(),
        };
        // The hub hears first: a client told "registered" may connect at once, and its
        // handshake's event must find the hub already knowing the new user. These sends block
        // while the hub's inbox is full; the hub never waits for the store, so this cannot
        // deadlock.
        if outcome.is_ok() {
            if !self.signed_out.is_empty() {
                let _ = to_hub.send(Event::SessionsEnded(self.signed_out));
            }
            for name in self.registered {
                let _ = to_hub.send(Event::UserAdded { name });
            }
        }
        if self.from_hub {
            let _ = to_hub.send(Event::Stored(stored));
        }
        for answer in self.answers {
            answer(outcome);
        }
    }
}

/// A message that was not stored after all.
fn failed(stored: Stored) -> Stored {
    match stored {
        Stored::New { conn, message } | Stored::Again { conn, message } => Stored::Failed {
            conn,
            id: message.id,
        },
        failed => failed,
    }
}

/// Sends `value` on `reply` once the commit's outcome is known.
fn answer<T: Send + 'static>(reply: Reply<T>, value: T) -> Answer {
    Box::new(move |outcome| {
        let result = match outcome {
            Ok(()) => Ok(value),
            Err(e) => Err(StoreError::new("the store", e)),
        };
        // The asker may have given up; nothing to do then.
        let _ = reply.send(result);
    })
}

/// Ends the sessions unused for their expiry (and tells the hub), and removes what the retention
/// no longer keeps. Committed only if something was removed.
fn sweep(disk: &mut Disk, sweeps: &Sweeps, to_hub: &Sender<Event>) {
    let now = now_ms();
    let cutoff = now.saturating_sub(sweeps.session_expiry.as_millis() as u64);
    // While a disk error keeps the store closed, this is also where it is opened again.
    let Ok(db) = disk.db() else { return };
    let swept = db.begin_write().map_err(redb::Error::from).and_then(|txn| {
        let ended = accounts::end_expired(&txn, cutoff)?;
        let removed = retention::sweep(&txn, &sweeps.retention, now)?;
        if removed || !ended.is_empty() {
            txn.commit()?;
        }
        Ok(ended)
    });
    match swept {
        Ok(ended) if !ended.is_empty() => {
            let ended = ended.into_iter().map(|id| (id, SignOut::Expired)).collect();
            let _ = to_hub.send(Event::SessionsEnded(ended));
        }
        Ok(_) => {}
        Err(e) => disk.failed("sweeping", &e),
    }
}
