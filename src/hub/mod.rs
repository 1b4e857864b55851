//! The `hub` thread: the one owner of chat state, and the only writer of every socket.
//!
//! Two halves, and this loop between them: `chat.rs` decides (who is here, in which rooms, what
//! each event calls for, what the store must be told) and `outbox.rs` writes (the sockets, the
//! batch of frames decided, the backlogs of clients behind, the heartbeat). Neither sees the
//! inbox or the store's channel: this file is the one place where they all meet, as "write, read
//! the inbox, repeat".
//!
//! Blocks on its inbox until an event arrives, or until a timer is due: the next heartbeat check,
//! a retry for clients that are behind (or for changes the store's full channel refused), or an
//! offline notice whose grace has passed (`presence.rs`). Woken by any connection thread (see
//! `event.rs`), by the `store` thread (messages now durable, new users, ended sessions), by the
//! `history` thread (pages), or by `Server::stop` sending `Event::Shutdown`. It applies every
//! event waiting (up to [`MAX_BATCH`]), hands the chat's changes to the store, and then has the
//! outbox write the resulting frames to each socket at once, without ever blocking on one; what
//! arrives while it writes is applied as it goes, into the next batch ([`Hub::flush`]). When
//! frames are ready while the store is committing, it first waits on the inbox, at most
//! [`COALESCE`], for that commit ([`Hub::coalesce`]). It never waits for the disk itself. It
//! ends on `Shutdown`: it hands the store the changes still waiting and waits for their commit,
//! at most [`LAST_COMMIT`] ([`Hub::hand_over_last_changes`]), then closes every connection with
//! 1001.

mod backlogs;
mod batch;
mod changes;
mod chat;
mod client;
mod clients;
mod connections;
mod directory;
mod lists;
mod messages;
mod moderation;
mod outbox;
mod pace;
mod presence;
mod profiles;
mod reads;
mod replay;
mod room_rules;
mod rooms;
mod sanctions;
mod staff;

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::config::Limits;
use crate::event::Event;
use crate::log;
use crate::store::{Query, Snapshot, Store};
use chat::Chat;
use outbox::Outbox;

/// Events applied before the hub stops to write. Large enough that one `sendmsg` per client
/// carries many messages under load; small enough that the first of them is not kept waiting.
pub const MAX_BATCH: usize = 256;

/// How long frames ready to go out may wait for messages the store is committing (see
/// [`Hub::coalesce`]): a few commits' time, so that a slow disk delays a fan-out by no more than
/// this.
const COALESCE: Duration = Duration::from_millis(2);

/// How long a stopping hub waits for its last changes to be committed.
const LAST_COMMIT: Duration = Duration::from_secs(5);

/// How soon the hub tries again to write to clients whose socket was full, or to hand the store
/// changes its full channel refused.
const BACKLOG_RETRY: Duration = Duration::from_millis(5);

/// What the hub is started with, besides its inbox.
pub struct HubSetup {
    pub limits: Limits,
    pub store: Store,
    pub session_expiry: Duration,
    pub snapshot: Snapshot,
    pub to_history: Sender<Query>,
}

pub fn run(inbox: Receiver<Event>, setup: HubSetup) {
    let mut hub = Hub::new(setup, inbox);
    while !hub.stopping {
        // Blocks until an event arrives (from a connection, the store or the `history` thread)
        // or the hub's next timer is due.
        let first = match wait(&hub.inbox, hub.next_timer()) {
            Wake::Event(Event::Shutdown) | Wake::Closed => break,
            Wake::Event(event) => event,
            Wake::Timer => {
                hub.on_timer(Instant::now());
                hub.flush();
                continue;
            }
        };
        if !hub.apply_batch(first) || !hub.coalesce() {
            break;
        }
        // Due even when the inbox never goes quiet long enough for the timer to fire.
        hub.chat.on_timer(&mut hub.outbox, Instant::now());
        hub.flush();
    }
    hub.hand_over_last_changes();
    let count = hub.close_all();
    log!("hub: closed {count} connections; stopping");
}

/// The two halves, and what only the loop touches: the inbox and the store's channel.
struct Hub {
    chat: Chat,
    outbox: Outbox,
    /// The hub's own inbox, also read in the middle of a write ([`Hub::flush`]).
    inbox: Receiver<Event>,
    to_store: ToStore,
    /// `Shutdown` was taken off the inbox in the middle of a write: the loop stops after it.
    stopping: bool,
}

impl Hub {
    fn new(setup: HubSetup, inbox: Receiver<Event>) -> Self {
        let HubSetup {
            limits,
            store,
            session_expiry,
            snapshot,
            to_history,
        } = setup;
        Hub {
            chat: Chat::new(limits, session_expiry, &snapshot, to_history),
            outbox: Outbox::new(&limits),
            inbox,
            to_store: ToStore {
                store,
                committing: false,
            },
            stopping: false,
        }
    }

    fn apply(&mut self, event: Event) {
        apply(&mut self.chat, &mut self.outbox, &mut self.to_store, event);
    }

    /// Applies `first` and whatever else is already waiting; `false` when told to shut down.
    fn apply_batch(&mut self, first: Event) -> bool {
        self.apply(first);
        for _ in 1..MAX_BATCH {
            match self.inbox.try_recv() {
                Ok(Event::Shutdown) => return false,
                Ok(event) => self.apply(event),
                Err(_) => break,
            }
        }
        true
    }

    /// Frames ready to go out while the store is committing more messages: waits briefly for
    /// those (on the inbox, applying whatever else comes meanwhile), so that they all go out in
    /// the same sends. Under a steady stream of messages this halves the sends per message; when
    /// the store is idle, nothing waits. `false` when told to shut down.
    fn coalesce(&mut self) -> bool {
        self.offer_changes();
        if !self.outbox.has_frames() {
            return true;
        }
        let deadline = Instant::now() + COALESCE;
        while self.to_store.committing {
            // Blocks until an event arrives (the store's answer, most likely) or the deadline.
            match self.inbox.recv_deadline(deadline) {
                Ok(Event::Shutdown) => return false,
                Ok(event) => self.apply(event),
                Err(_) => break,
            }
        }
        true
    }

    /// Hands the store the chat's changes, has the outbox write the batch, then has the chat
    /// remove the clients the outbox could not write to, and go on with the replays whose last
    /// page is out.
    ///
    /// The events that arrive during a long write are applied as it goes ([`arrivals`]), into
    /// the next batch, and the messages among them handed to the store at once. What they add
    /// (and what removing a client adds: presence) goes out with the next flush, which the loop
    /// runs straight away (see [`Hub::next_timer`]).
    fn flush(&mut self) {
        self.offer_changes();
        let (chat, to_store) = (&mut self.chat, &mut self.to_store);
        let (inbox, stopping) = (&self.inbox, &mut self.stopping);
        let failed = self.outbox.write(|outbox| {
            if arrivals(chat, outbox, to_store, inbox, stopping) {
                to_store.offer(chat);
            }
        });
        for (conn, end) in failed {
            self.chat.remove(&mut self.outbox, conn, end);
        }
        self.outbox.finish_closing();
        self.chat.advance_replays(&mut self.outbox);
    }

    fn offer_changes(&mut self) {
        self.to_store.offer(&mut self.chat);
    }

    /// The next instant the hub must wake without an event, if any.
    ///
    /// The retry is re-armed from now on every wake, so under a steady stream of events it never
    /// fires; it need not, because every flush retries lagging clients and offers waiting changes
    /// anyway. It matters only when the chat goes quiet.
    fn next_timer(&self) -> Option<Instant> {
        if self.outbox.has_frames() {
            // Frames applied during the last flush wait for the next one: now.
            return Some(Instant::now());
        }
        let (chat, outbox) = (&self.chat, &self.outbox);
        let behind = outbox.lagging() || chat.changes_waiting() || chat.replays_waiting();
        let retry = behind.then(|| Instant::now() + BACKLOG_RETRY);
        [retry, outbox.next_heartbeat(), chat.next_timer()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Retries lagging clients, has the chat do what fell due (offline notices), and pings
    /// connections that have been silent.
    fn on_timer(&mut self, now: Instant) {
        for (conn, end) in self.outbox.retry() {
            self.chat.remove(&mut self.outbox, conn, end);
        }
        self.chat.on_timer(&mut self.outbox, now);
        self.outbox.heartbeat(now);
    }

    /// On the way out: hands the store what still waits in the chat (a room change is announced
    /// before it is committed, so a graceful stop must not drop it) and waits on the inbox for
    /// the answer, at most [`LAST_COMMIT`]. Other events are no longer applied: their clients are
    /// about to be closed, and what they sent without an answer they send again.
    fn hand_over_last_changes(&mut self) {
        let deadline = Instant::now() + LAST_COMMIT;
        loop {
            self.offer_changes();
            if !self.to_store.committing && !self.chat.changes_waiting() {
                return;
            }
            // Blocks until the store answers (or anything else arrives), or the deadline;
            // changes the store's full channel refused are offered again a moment later.
            let until = match self.to_store.committing {
                true => deadline,
                false => deadline.min(Instant::now() + BACKLOG_RETRY),
            };
            match self.inbox.recv_deadline(until) {
                Ok(event @ Event::Stored(_)) => self.apply(event),
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(_) => return,
            }
        }
    }

    /// Closes every connection with 1001 ("going away": pages reconnect at once), once what is
    /// batched (and what removing a client on the way adds) is written.
    fn close_all(&mut self) -> usize {
        self.stopping = true;
        while self.outbox.has_frames() {
            self.flush();
        }
        self.outbox.close_all()
    }
}

/// Applies what arrived on the inbox while a batch is being written (at most [`MAX_BATCH`]
/// events); what it decides joins the next batch. `true` if anything was applied. A `Shutdown`
/// sets `stopping`: the loop stops after this flush.
fn arrivals(
    chat: &mut Chat,
    outbox: &mut Outbox,
    to_store: &mut ToStore,
    inbox: &Receiver<Event>,
    stopping: &mut bool,
) -> bool {
    if *stopping || inbox.is_empty() {
        return false;
    }
    for _ in 0..MAX_BATCH {
        match inbox.try_recv() {
            Ok(Event::Shutdown) => {
                *stopping = true;
                break;
            }
            Ok(event) => apply(chat, outbox, to_store, event),
            Err(_) => break,
        }
    }
    true
}

/// Has the chat decide what `event` calls for; the store's answer also frees the store for the
/// next changes.
fn apply(chat: &mut Chat, outbox: &mut Outbox, to_store: &mut ToStore, event: Event) {
    if matches!(event, Event::Stored(_)) {
        to_store.committing = false;
    }
    chat.apply(outbox, event);
}

/// The store's channel, which only this loop holds.
struct ToStore {
    store: Store,
    /// Changes have been handed over and the store has not answered yet (`Event::Stored`).
    committing: bool,
}

impl ToStore {
    /// Offers the chat's waiting changes to the store, unless it is still committing the last
    /// ones: changes that come meanwhile wait and go together in the next group (one commit, and
    /// one fan-out of the messages it makes durable, for many). Also notes the sessions in use.
    fn offer(&mut self, chat: &mut Chat) {
        for session in chat.take_touches() {
            self.store.touch(session);
        }
        if !self.committing {
            self.committing = chat.hand_over(|changes| self.store.offer(changes));
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
