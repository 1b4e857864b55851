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

use std::time::Instant;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use redb::Database;

use super::apply::{Aftermath, Posts, apply};
use super::disk::Disk;
use super::messages::Stored;
use super::retention::{self, Retention};
use super::sweep::{self, Deadlines, Sweeps};
use super::tables::Tables;
use super::{Change, Request, StoreError};
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
        Change::Moderate(moderate) => Some(Stored::Failed {
            conn: moderate.conn,
            id: moderate.id.clone(),
        }),
        Change::Room(_) | Change::Read(_) | Change::Profile(_) => None,
        Change::DeleteAllBy(_) => None,
    });
    Some(posts.collect())
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
