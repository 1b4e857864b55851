//! The hub's state, and which handler each event goes to.
//!
//! Plain collections owned by one thread, so no locks: the connections (`clients.rs`), the people
//! and rooms (`directory.rs`), the frames of the current batch (`batch.rs`), and the changes the
//! store has not been handed yet. The handlers live beside this file, one concern each:
//! `connections.rs` (arrivals, departures, presence, sign-outs), `rooms.rs` (create, join,
//! leave), `lists.rs` (the pages of rooms and of members), `messages.rs` (messages, typing, what the store made durable). Handlers only decide:
//! everything they send goes into the batch, and a client that must go is put on the `closing`
//! list; the writing is `deliver.rs`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;

use crate::config::Limits;
use crate::end::End;
use crate::event::{ConnId, Event};
use crate::hub::backlogs::Backlogs;
use crate::hub::batch::Batch;
use crate::hub::client::Client;
use crate::hub::clients::{Clients, Slot};
use crate::hub::directory::Directory;
use crate::hub::frame;
use crate::hub::pace::Pace;
use crate::hub::presence::Departures;
use crate::hub::replay::Replay;
use crate::hub::rooms::Freeing;
use crate::store::{Change, Query, Snapshot, Store};
use crate::wire::{ClientFrame, WireError};

pub struct Hub {
    pub(super) clients: Clients,
    pub(super) dir: Directory,
    /// Clients with a backlog, and how much: the only ones the retry timer needs to visit.
    pub(super) backlogs: Backlogs,
    pub(super) batch: Batch,
    /// The other batch, empty: the one being written while `batch` takes what arrives meanwhile
    /// (see `deliver.rs`); swapped at each flush, so both keep their buffers.
    pub(super) spare: Batch,
    /// The hub's own inbox, also read in the middle of a flush (see `deliver.rs`).
    pub(super) inbox: Receiver<Event>,
    /// `Shutdown` was taken off the inbox in the middle of a flush: the loop stops after it.
    pub(super) stopping: bool,
    /// Clients removed or refused in this batch, waiting for their Close frame.
    pub(super) closing: Vec<(Client, End)>,
    /// Changes for the store, handed over at the next flush (`deliver.rs`).
    pub(super) changes: Vec<Change>,
    /// Changes have been handed over and the store has not answered yet (`Event::Stored`).
    pub(super) committing: bool,
    /// When to look for silent connections to ping; `None` while nobody is connected.
    pub(super) next_heartbeat: Option<Instant>,
    pub(super) limits: Limits,
    pub(super) store: Store,
    /// A session's use is noted at most this often per connection.
    pub(super) touch_every: Duration,
    /// Queries for the `history` thread; never waited on (`try_send`).
    pub(super) to_history: crossbeam_channel::Sender<Query>,
    /// Connections catching up after a reconnect (see `replay.rs`).
    pub(super) replays: HashMap<Slot, Replay>,
    /// The last `seq` the hub has delivered (every message up to it is out).
    pub(super) durable_seq: u64,
    /// Offline notices waiting for their grace to pass (see `presence.rs`).
    pub(super) departures: Departures,
    /// Rooms removed, until the store has committed it (see `rooms.rs`).
    pub(super) freeing: Freeing,
}

/// What the hub is started with, besides its inbox.
pub struct HubSetup {
    pub limits: Limits,
    pub store: Store,
    pub session_expiry: Duration,
    pub snapshot: Snapshot,
    pub to_history: crossbeam_channel::Sender<Query>,
}

/// Who sent a frame: the connection, and its user.
#[derive(Debug, Clone)]
pub(super) struct Author {
    pub slot: Slot,
    pub conn: ConnId,
    /// The user's name_key.
    pub key: String,
    /// A guest, whose memberships are not stored.
    pub guest: bool,
}

impl Hub {
    /// A hub that knows what the store knew at start-up, reading `inbox`.
    pub fn new(setup: HubSetup, inbox: Receiver<Event>) -> Self {
        let HubSetup {
            limits,
            store,
            session_expiry,
            snapshot,
            to_history,
        } = setup;
        let mut dir = Directory::default();
        for name in &snapshot.users {
            dir.add_user(name, Pace::default());
        }
        for name in &snapshot.rooms {
            dir.add_room(name);
        }
        for (user_key, room_key) in &snapshot.members {
            dir.add_member(room_key, user_key);
        }
        for (a, b) in &snapshot.conversations {
            dir.add_conversation(a, b);
        }
        let mut hub = Hub {
            clients: Clients::default(),
            dir,
            backlogs: Backlogs::default(),
            batch: Batch::default(),
            spare: Batch::default(),
            inbox,
            stopping: false,
            closing: Vec::new(),
            changes: Vec::new(),
            committing: false,
            next_heartbeat: None,
            limits,
            store,
            touch_every: session_expiry / 100,
            to_history,
            replays: HashMap::new(),
            durable_seq: snapshot.last_seq,
            departures: Departures::default(),
            freeing: Freeing::default(),
        };
        hub.remove_abandoned_rooms();
        hub
    }

    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Join {
                conn,
                peer,
                socket,
                arrival,
            } => self.arrive(conn, peer, socket, arrival),
            Event::Frame { conn, frame } => self.frame(conn, frame),
            Event::Echo {
                conn,
                payload,
                binary,
            } => self.heard(conn, |batch, slot| {
                batch.own(slot, |out| frame::data(out, &payload, binary))
            }),
            Event::Reject { conn, error } => self.heard(conn, |batch, slot| {
                batch.own(slot, |out| frame::text(out, &error.to_json()))
            }),
            Event::Ping { conn, payload } => self.heard(conn, |batch, slot| {
                batch.own(slot, |out| frame::pong(out, &payload))
            }),
            Event::Gone { conn, end } => self.remove(conn, end),
            Event::SessionsEnded(ended) => self.end_sessions(&ended),
            Event::UserAdded { name } => self.user_added(&name),
            Event::Stored(stored) => self.stored(stored),
            Event::History { conn, json } => self.history_page(conn, &json),
            Event::Replay { conn, page } => self.replay_page(conn, page),
            Event::HistoryFailed { conn } => self.history_failed(conn),
            // Never applied: each place that takes events off the inbox (the loop in mod.rs,
            // `coalesce`, `take_arrivals`) stops on Shutdown instead.
            Event::Shutdown => {}
        }
    }

    /// Runs `queue` for a client that just sent something, if it is still here.
    fn heard(&mut self, conn: ConnId, queue: impl FnOnce(&mut Batch, Slot)) {
        if let Some((slot, client)) = self.clients.by_conn(conn) {
            client.last_active = Instant::now();
            queue(&mut self.batch, slot);
        }
    }

    /// A chat frame: routed to its handler; a refusal is sent back to the connection alone.
    fn frame(&mut self, conn: ConnId, frame: ClientFrame) {
        let Some((slot, client)) = self.clients.by_conn(conn) else {
            return;
        };
        client.last_active = Instant::now();
        // Chatting is using the session: it expires that much later.
        if let Some(session) = client.session_to_touch(self.touch_every) {
            self.store.touch(session);
        }
        let Some((key, guest)) = client.user_key() else {
            return;
        };
        let from = Author {
            slot,
            conn,
            key,
            guest,
        };
        let result = match frame {
            ClientFrame::Send { room, text, id } => self.send(&from, &room, text, id),
            ClientFrame::Dm { to, text, id } => self.dm(&from, &to, text, id),
            ClientFrame::Create { room } => self.create(&from, &room),
            ClientFrame::Join { room } => self.join_room(&from, &room),
            ClientFrame::Leave { room } => self.leave_room(&from, &room),
            ClientFrame::Rooms { after } => self.list_rooms(&from, after.as_deref()),
            ClientFrame::Members { room, after } => {
                self.list_members(&from, &room, after.as_deref())
            }
            ClientFrame::Typing { target } => self.typing(&from, &target),
            ClientFrame::History {
                target,
                before,
                limit,
            } => self.history(&from, &target, before, limit),
        };
        if let Err(error) = result {
            self.refuse_frame(slot, &error);
        }
    }

    /// Sends `error` back to one connection.
    pub(super) fn refuse_frame(&mut self, slot: Slot, error: &WireError) {
        self.batch
            .own(slot, |out| frame::text(out, &error.to_json()));
    }
}
