//! The `store` thread: the only writer of the database, one group commit at a time.
//!
//! Blocks on its channel until a request arrives, or until the next sweep (expired sessions,
//! retention) is due: the moment a session really expires or a message really ages out, never a
//! clock tick (see `sweep.rs`); while a disk error keeps the store closed, until it is time to
//! open it again (once a second, see `disk.rs`). Woken by the `auth` threads (registrations, sign-ins,
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
use redb::Database;

use super::disk::Disk;
use super::messages::{self, Stored};
use super::retention::{self, Retention};
use super::sweep::{self, Deadlines, Due, Sweeps};
use super::tables::Tables;
use super::{Change, Request, StoreError, ToCaller, accounts, changes, profiles, reads, rooms};
use crate::auth::token::SessionId;
use crate::end::SignOut;
use crate::event::Event;
use crate::log;
use crate::log::now_ms;

/// Requests committed together at most: enough to absorb a burst, few enough that the first of
/// them is not kept waiting long.
const MAX_GROUP: usize = 256;

/// The `store` thread (see the module doc).
pub fn run(mut disk: Disk, requests: Receiver<Request>, to_hub: Sender<Event>, sweeps: Sweeps) {
    let mut deadlines = Deadlines::at_start();
    let mut tally = Tally::default();
    loop {
        // Checked here, not only on a timeout, so that a steady stream of requests (a busy chat)
        // cannot put the sweeps off for ever.
        sweep::if_due(&mut disk, &sweeps, &mut deadlines, &to_hub);
        // Blocks until a request arrives, a sweep is due, or it is time to open a closed store.
        let first = match recv_until(&requests, wake_at(&disk, &deadlines)) {
            Ok(Request::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => continue,
        };
        let (group, stop) = gather(first, &requests);
        tally.messages += commit_group(&mut disk, group, &sweeps, &mut deadlines, &to_hub);
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

/// When the thread must wake without a request: while a disk error keeps the store closed, to
/// open it again (nothing can be swept meanwhile); else for the next sweep, if any is due ever.
fn wake_at(disk: &Disk, deadlines: &Deadlines) -> Option<Instant> {
    disk.reopen_at().or_else(|| deadlines.next().instant())
}

/// The next request, waiting until `deadline` if there is one.
fn recv_until(
    requests: &Receiver<Request>,
    deadline: Option<Instant>,
) -> Result<Request, RecvTimeoutError> {
    match deadline {
        Some(at) => requests.recv_deadline(at),
        None => requests.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

/// What the `store` thread did, for its last log line (the benchmark reads it).
#[derive(Debug, Default)]
struct Tally {
    commits: u64,
    messages: u64,
}

/// `first` and whatever else is waiting, up to [`MAX_GROUP`]; `true` if a `Stop` came among them
/// (it takes effect once they are committed).
fn gather(first: Request, requests: &Receiver<Request>) -> (Vec<Request>, bool) {
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match requests.try_recv() {
            Ok(Request::Stop) => return (group, true),
            Ok(request) => group.push(request),
            Err(_) => break,
        }
    }
    (group, false)
}

/// What to do for one request once the group's outcome is known: send its caller (an `auth`
/// thread) the result.
type OnCommit = Box<dyn FnOnce(Result<(), &StoreError>)>;

/// What a group's commit leads to, once it is durable (or has failed).
#[derive(Default)]
struct Aftermath {
    on_commit: Vec<OnCommit>,
    signed_out: Vec<(SessionId, SignOut)>,
    registered: Vec<String>,
    stored: Vec<Stored>,
    /// The group held changes from the hub, which waits for their answer (even an empty one).
    from_hub: bool,
    /// The group opened a session (a registration or a sign-in).
    opened_session: bool,
    /// When the retention is next due, read in the transaction of a group with the hub's changes.
    retention: Option<Due>,
    /// The group deleted a message's text: the pages that held it are scrubbed before anyone
    /// is told (`Disk::scrub`).
    scrub: bool,
}

/// Applies a group of requests in one transaction, commits it, then tells everyone concerned;
/// returns how many messages it appended. Short of disk space, its messages are refused and the
/// rest is committed; with the store closed by a disk error, all of it is refused.
fn commit_group(
    disk: &mut Disk,
    group: Vec<Request>,
    sweeps: &Sweeps,
    deadlines: &mut Deadlines,
    to_hub: &Sender<Event>,
) -> u64 {
    // Known before anything is applied: if the transaction fails part way, the hub must still
    // hear about every post of the group (or it would wait for its answer for ever).
    let if_lost = refused_posts(&group);
    let mut after = Aftermath::default();
    let posts = match disk.room_for_messages() {
        true => Posts::Append,
        false => Posts::Refuse,
    };
    // One moment for the whole group: the sessions it opens and uses are stamped with it.
    let now = now_ms();
    let outcome = disk.db().and_then(|db| {
        write(&db, group, posts, now, &sweeps.retention, &mut after).map_err(|e| {
            disk.failed("committing", &e);
            StoreError::new("committing to the store", e)
        })
    });
    if let (Err(_), Some(refused)) = (&outcome, if_lost) {
        after.from_hub = true;
        after.stored = refused;
    }
    let appended = match outcome {
        Ok(()) => {
            if after.scrub {
                disk.scrub();
            }
            after.move_deadlines(deadlines, now, sweeps.session_expiry);
            after.appended()
        }
        Err(_) => 0,
    };
    after.tell_everyone(outcome.as_ref().copied(), to_hub);
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
        Change::Revise(revise) => Some(Stored::Failed {
            conn: revise.conn,
            id: revise.id.clone(),
        }),
        Change::Room(_) | Change::Read(_) | Change::Profile(_) => None,
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

/// Applies `group` in one write transaction, its tables opened once for all of it, and commits
/// it; `now` is the group's moment.
fn write(
    db: &Database,
    group: Vec<Request>,
    posts: Posts,
    now: u64,
    retention: &Retention,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    let mut tables = Tables::open(&txn)?;
    for request in group {
        apply(&mut tables, request, posts, now, after)?;
    }
    if after.from_hub {
        after.retention = Some(retention::next_due(&tables, retention, now)?);
    }
    drop(tables);
    txn.commit()?;
    Ok(())
}

/// Applies one request through the group's `t`ables, noting what to do after the commit.
fn apply(
    t: &mut Tables,
    request: Request,
    posts: Posts,
    now: u64,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    match request {
        Request::Register {
            name,
            phc,
            session,
            to_caller,
        } => {
            let created = accounts::register(t, &name, &phc, &session, now)?;
            if created {
                after.registered.push(name);
                after.opened_session = true;
            }
            after.on_commit.push(send_after_commit(to_caller, created));
        }
        Request::OpenSession {
            user_key,
            session,
            to_caller,
        } => {
            accounts::open_session(t, &user_key, &session, now)?;
            after.opened_session = true;
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::EndSession {
            session,
            everywhere,
            to_caller,
        } => {
            let ended = accounts::sign_out(t, session, everywhere)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::SignedOut)));
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::SetPassword {
            user_key,
            phc,
            keep,
            to_caller,
        } => {
            let ended = accounts::set_password(t, &user_key, &phc, &keep)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::PasswordChanged)));
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::Touch { session } => accounts::touch(t, &session, now)?,
        Request::Changes(changes) => {
            after.from_hub = true;
            for change in changes {
                match change {
                    Change::Room(change) => rooms::apply(t, &change, now)?,
                    Change::Read(change) => reads::apply(t, &change)?,
                    Change::Profile(change) => profiles::apply(t, &change)?,
                    Change::Post(post) if posts == Posts::Refuse => {
                        after.stored.push(Stored::Failed {
                            conn: post.conn,
                            id: post.message.id,
                        })
                    }
                    Change::Post(post) => after.stored.push(messages::append(t, post)?),
                    Change::Revise(revise) if posts == Posts::Refuse => {
                        after.stored.push(Stored::Failed {
                            conn: revise.conn,
                            id: revise.id,
                        })
                    }
                    Change::Revise(revise) => {
                        let stored = changes::revise(t, revise)?;
                        after.scrub |= matches!(
                            &stored,
                            Stored::Changed { event, .. } if event.kind == changes::Kind::Deleted
                        );
                        after.stored.push(stored);
                    }
                }
            }
        }
        // `run` takes Stop off the channel itself.
        Request::Stop => {}
    }
    Ok(())
}

impl Aftermath {
    /// How many messages the group appended.
    fn appended(&self) -> u64 {
        let new = self
            .stored
            .iter()
            .filter(|s| matches!(s, Stored::New { .. }));
        new.count() as u64
    }

    /// Once the group is committed at `now`, what it changed in when the sweeps are due.
    fn move_deadlines(&self, deadlines: &mut Deadlines, now: u64, session_expiry: Duration) {
        if self.opened_session {
            deadlines.session_opened(now, session_expiry);
        }
        if let Some(due) = self.retention {
            deadlines.retention_read(due);
        }
    }

    /// Answers every request and tells the hub: what is durable, or, if the commit failed, which
    /// messages to report as failed to their senders.
    fn tell_everyone(self, outcome: Result<(), &StoreError>, to_hub: &Sender<Event>) {
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
        for send in self.on_commit {
            send(outcome);
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
        Stored::Changed { conn, event } | Stored::ChangedAgain { conn, event } => {
            Stored::Failed { conn, id: event.id }
        }
        failed => failed,
    }
}

/// Sends `value` on `to_caller` once the commit's outcome is known.
fn send_after_commit<T: Send + 'static>(to_caller: ToCaller<T>, value: T) -> OnCommit {
    Box::new(move |outcome| {
        let result = match outcome {
            Ok(()) => Ok(value),
            Err(e) => Err(StoreError::new("the store", e)),
        };
        // The asker may have given up; nothing to do then.
        let _ = to_caller.send(result);
    })
}
