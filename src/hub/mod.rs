//! The `hub` thread: the one owner of chat state, and the only writer of every socket.
//!
//! Blocks on its inbox until an event arrives, or until a timer it set is due: the next heartbeat
//! check, a retry for clients that are behind, or an offline notice whose grace has passed
//! (`presence.rs`). Woken by any connection thread (see
//! `event.rs`), by the `store` thread (messages now durable, new users, ended sessions), by the
//! `history` thread (pages), or by `Server::stop` sending `Event::Shutdown`. It applies every
//! event waiting (up to [`MAX_BATCH`]), hands new messages to the store, and then writes the
//! resulting frames to each socket at once, without ever blocking on one (see `client.rs`); what
//! arrives while it writes is applied as it goes, into the next batch (`deliver.rs`). When frames
//! are ready while the store is committing, it first waits on the inbox, at most [`COALESCE`], for
//! that commit (see [`coalesce`]). It never waits for the disk itself. It ends on `Shutdown`:
//! it hands the store the changes still waiting in it and waits for their commit, at most
//! [`LAST_COMMIT`] (see [`hand_over_last_changes`]), then closes every connection with 1001.

mod backlogs;
mod batch;
mod chat;
mod client;
mod clients;
mod connections;
mod deliver;
mod directory;
pub(crate) mod frame;
mod lists;
mod messages;
mod pace;
mod presence;
mod replay;
mod rooms;

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::event::Event;
use crate::log;

pub use chat::{Hub, HubSetup};

/// Events applied before the hub stops to write. Large enough that one `sendmsg` per client
/// carries many messages under load; small enough that the first of them is not kept waiting.
pub const MAX_BATCH: usize = 256;

/// How long frames ready to go out may wait for messages the store is committing (see
/// [`coalesce`]): a few commits' time, so that a slow disk delays a fan-out by no more than this.
const COALESCE: Duration = Duration::from_millis(2);

/// How long a stopping hub waits for its last changes to be committed.
const LAST_COMMIT: Duration = Duration::from_secs(5);

/// How soon the hub tries again to write to clients whose socket was full.
const BACKLOG_RETRY: Duration = Duration::from_millis(5);

pub fn run(inbox: Receiver<Event>, setup: HubSetup) {
    let mut hub = Hub::new(setup, inbox.clone());
    while !hub.stopping {
        // Blocks until an event arrives (from a connection, the store or the `history` thread)
        // or the hub's next timer is due.
        let first = match wait(&inbox, hub.next_timer()) {
            Wake::Event(Event::Shutdown) | Wake::Closed => break,
            Wake::Event(event) => event,
            Wake::Timer => {
                hub.on_timer(Instant::now());
                hub.flush();
                continue;
            }
        };
        if !apply_batch(&mut hub, first, &inbox) || !coalesce(&mut hub, &inbox) {
            break;
        }
        // Due even when the inbox never goes quiet long enough for the timer to fire.
        hub.announce_departures(Instant::now());
        hub.flush();
    }
    hand_over_last_changes(&mut hub, &inbox);
    let count = hub.close_all();
    log!("hub: closed {count} connections; stopping");
}

/// Applies `first` and whatever else is already waiting; `false` when told to shut down.
fn apply_batch(hub: &mut Hub, first: Event, inbox: &Receiver<Event>) -> bool {
    hub.apply(first);
    for event in inbox.try_iter().take(MAX_BATCH - 1) {
        if matches!(event, Event::Shutdown) {
            return false;
        }
        hub.apply(event);
    }
    true
}

/// Frames ready to go out while the store is committing more messages: waits briefly for those
/// (on the inbox, applying whatever else comes meanwhile), so that they all go out in the same
/// sends. Under a steady stream of messages this halves the sends per message; when the store
/// is idle, nothing waits. `false` when told to shut down.
fn coalesce(hub: &mut Hub, inbox: &Receiver<Event>) -> bool {
    hub.offer_changes();
    if hub.batch.is_empty() {
        return true;
    }
    let deadline = Instant::now() + COALESCE;
    while hub.committing {
        // Blocks until an event arrives (the store's answer, most likely) or the deadline.
        match inbox.recv_deadline(deadline) {
            Ok(Event::Shutdown) => return false,
            Ok(event) => hub.apply(event),
            Err(_) => break,
        }
    }
    true
}

/// On the way out: hands the store what still waits in the hub (a room change is announced
/// before it is committed, so a graceful stop must not drop it) and waits on the inbox for the
/// answer, at most [`LAST_COMMIT`]. Other events are no longer applied: their clients are about
/// to be closed, and what they sent without an answer they send again.
fn hand_over_last_changes(hub: &mut Hub, inbox: &Receiver<Event>) {
    let deadline = Instant::now() + LAST_COMMIT;
    loop {
        hub.offer_changes();
        if !hub.committing && hub.changes.is_empty() {
            return;
        }
        // Blocks until the store answers (or anything else arrives), or the deadline; changes
        // the store's full channel refused are offered again a moment later.
        let until = match hub.committing {
            true => deadline,
            false => deadline.min(Instant::now() + BACKLOG_RETRY),
        };
        match inbox.recv_deadline(until) {
            Ok(Event::Stored(stored)) => hub.stored(stored),
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
            Err(_) => return,
        }
    }
}

enum Wake {
    Event(Event),
    Timer,
    Closed,
}

fn wait(inbox: &Receiver<Event>, timer: Option<Instant>) -> Wake {
    let received = match timer {
        None => inbox.recv().map_err(|_| RecvTimeoutError::Disconnected),
        Some(at) => inbox.recv_deadline(at),
    };
    match received {
        Ok(event) => Wake::Event(event),
        Err(RecvTimeoutError::Timeout) => Wake::Timer,
        Err(RecvTimeoutError::Disconnected) => Wake::Closed,
    }
}
