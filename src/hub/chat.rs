//! The hub's deciding half: the chat's state, and which handler each event goes to.
//!
//! Plain collections owned by one thread, so no locks: the people and rooms (`directory.rs`,
//! each user with their pace: `pace.rs`), the replays under way (`replay.rs`), the offline
//! notices waiting for their grace (`presence.rs`), how far each user has read (`reads.rs`),
//! and the changes the store has not been handed
//! yet. The handlers live beside this file, one concern each: `connections.rs` (arrivals,
//! departures, presence, sign-outs), `rooms.rs` (create, join, leave), `lists.rs` (the pages of
//! rooms and of members), `messages.rs` (messages, typing, what the store made durable),
//! `replay.rs` (history pages and catching up), `moderation.rs` (what owners and
//! moderators do). Handlers only decide: each takes this state and
//! the [`Outbox`], says there what goes to whom and who must go, and never sees a socket, a
//! timer or the store's channel. What the store must be told waits here ([`Chat::hand_over`],
//! [`Chat::take_touches`]) until the hub's loop (`mod.rs`) hands it over.

use std::time::{Duration, Instant};

use crate::auth::token::SessionId;
use crate::config::Limits;
use crate::event::{ConnId, Event};
use crate::hub::clients::Slot;
use crate::hub::directory::Directory;
use crate::hub::outbox::Outbox;
use crate::hub::pace::Pace;
use crate::hub::presence::Departures;
use crate::hub::profiles::LookAlikes;
use crate::hub::reads::Reads;
use crate::hub::replay::Replays;
use crate::hub::rooms::Freeing;
use crate::store::{Change, Query, Snapshot};
use crate::wire::{ClientFrame, WireError};
use crate::ws::frame;

pub struct Chat {
    pub(super) dir: Directory,
    pub(super) limits: Limits,
    /// Changes for the store, handed over by the hub's loop ([`Chat::hand_over`]).
    pub(super) changes: Vec<Change>,
    /// Sessions in use, to note in the store ([`Chat::take_touches`]).
    touches: Vec<SessionId>,
    /// A session's use is noted at most this often per connection.
    touch_every: Duration,
    /// Queries for the `history` thread; never waited on (`try_send`).
    pub(super) to_history: crossbeam_channel::Sender<Query>,
    /// Connections catching up after a reconnect (see `replay.rs`).
    pub(super) replays: Replays,
    /// The last `seq` the hub has delivered: every message up to it is queued for its audience.
    pub(super) delivered_seq: u64,
    /// Offline notices waiting for their grace to pass (see `presence.rs`).
    pub(super) departures: Departures,
    /// Rooms removed, until the store has committed it (see `rooms.rs`).
    pub(super) freeing: Freeing,
    /// How far each user has read each conversation (see `reads.rs`).
    pub(super) reads: Reads,
    /// Who owns each name's look-alike key, display names and account names (`profiles.rs`).
    pub(super) look_alikes: LookAlikes,
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

impl Chat {
    /// The chat as the store knew it at start-up.
    pub fn new(
        limits: Limits,
        session_expiry: Duration,
        snapshot: &Snapshot,
        to_history: crossbeam_channel::Sender<Query>,
    ) -> Self {
        let mut dir = Directory::default();
        let mut look_alikes = LookAlikes::default();
        for name in &snapshot.users {
            dir.add_user(name, Pace::default());
            look_alikes.claim(name, &crate::identity::name_key(name));
        }
        for (key, display) in &snapshot.display_names {
            if let Some(user) = dir.user_mut(key) {
                user.display = Some(display.clone());
                look_alikes.claim(display, key);
            }
        }
        for name in &snapshot.rooms {
            dir.add_room(name);
        }
        for (key, standing) in &snapshot.standings {
            dir.set_standing(key, *standing);
        }
        for (key, rules) in &snapshot.room_rules {
            if let Some(room) = dir.room_mut(key) {
                room.rules = *rules;
            }
        }
        for (user_key, room_key) in &snapshot.members {
            dir.add_member(room_key, user_key);
        }
        for (a, b) in &snapshot.conversations {
            dir.add_conversation(a, b);
        }
        let mut chat = Chat {
            dir,
            limits,
            changes: Vec::new(),
            touches: Vec::new(),
            touch_every: session_expiry / 100,
            to_history,
            replays: Replays::default(),
            delivered_seq: snapshot.last_seq,
            departures: Departures::default(),
            freeing: Freeing::default(),
            reads: Reads::load(&snapshot.reads),
            look_alikes,
        };
        chat.remove_abandoned_rooms();
        chat
    }

    /// Decides what an event calls for, into `out`.
    pub fn apply(&mut self, out: &mut Outbox, event: Event) {
        match event {
            Event::Join {
                conn,
                peer,
                socket,
                arrival,
            } => self.arrive(out, conn, peer, socket, arrival),
            Event::Frame { conn, frame } => self.frame(out, conn, frame),
            Event::Echo {
                conn,
                payload,
                binary,
            } => heard(out, conn, |out, slot| {
                out.own(slot, |bytes| frame::data(bytes, &payload, binary))
            }),
            Event::Reject { conn, error } => heard(out, conn, |out, slot| {
                out.own(slot, |bytes| frame::text(bytes, &error.to_json()))
            }),
            Event::Ping { conn, payload } => heard(out, conn, |out, slot| {
                out.own(slot, |bytes| frame::pong(bytes, &payload))
            }),
            Event::Gone { conn, end } => self.remove(out, conn, end),
            Event::SessionsEnded(ended) => self.end_sessions(out, &ended),
            Event::UserAdded { name } => self.user_added(out, &name),
            Event::RoleSet { user_key, role } => self.role_set(out, &user_key, role),
            Event::Stored(stored) => self.stored(out, stored),
            Event::History { conn, json } => self.history_page(out, conn, &json),
            Event::Replay { conn, page } => self.replay_page(out, conn, page),
            Event::HistoryFailed { conn } => self.history_failed(out, conn),
            // Never applied: each place that takes events off the inbox (the loop in mod.rs)
            // stops on Shutdown instead.
            Event::Shutdown => {}
        }
    }

    /// A chat frame: routed to its handler; a refusal is sent back to the connection alone.
    fn frame(&mut self, out: &mut Outbox, conn: ConnId, frame: ClientFrame) {
        let Some((slot, client)) = out.heard(conn) else {
            return;
        };
        // Chatting is using the session: it expires that much later.
        if let Some(session) = client.session_to_touch(self.touch_every) {
            self.touches.push(session);
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
            ClientFrame::Create { room } => self.create(out, &from, &room),
            ClientFrame::Join { room } => self.join_room(out, &from, &room),
            ClientFrame::Leave { room } => self.leave_room(out, &from, &room),
            ClientFrame::Rooms { after } => self
                .pace_ask(&from)
                .and_then(|()| self.list_rooms(out, &from, after.as_deref())),
            ClientFrame::Members { room, after } => self
                .pace_ask(&from)
                .and_then(|()| self.list_members(out, &from, &room, after.as_deref())),
            ClientFrame::Typing { target } => self.typing(out, &from, &target),
            ClientFrame::Read { target, seq } => self.read(out, &from, &target, seq),
            ClientFrame::Profile { display_name } => self.profile(out, &from, display_name),
            ClientFrame::Revise { seq, text, id } => self.revise(&from, seq, text, id),
            ClientFrame::Moderate { action, id } => self.moderate(out, &from, action, id),
            ClientFrame::History {
                target,
                before,
                limit,
            } => self
                .pace_ask(&from)
                .and_then(|()| self.history(&from, &target, before, limit)),
        };
        if let Err(error) = result {
            refuse_frame(out, slot, &error);
        }
    }

    /// Hands the changes waiting to `offer` (the store's channel, which only the hub's loop
    /// holds); `true` if it took them. Refused (the channel is full), they wait for the next try.
    pub fn hand_over(
        &mut self,
        offer: impl FnOnce(Vec<Change>) -> Result<(), Vec<Change>>,
    ) -> bool {
        // Read positions go with the rest, coalesced to the latest of each since the last time.
        // (Two fields of the chat: no collecting in between, no allocation on a flush with none.)
        self.changes.extend(self.reads.take_moved());
        if self.changes.is_empty() {
            return false;
        }
        match offer(std::mem::take(&mut self.changes)) {
            Ok(()) => {
                self.freeing.handed_over();
                true
            }
            Err(returned) => {
                self.changes = returned;
                false
            }
        }
    }

    /// Whether changes wait for the store (the retry timer is armed while they do).
    pub fn changes_waiting(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The sessions to note as in use since the last call.
    pub fn take_touches(&mut self) -> std::vec::Drain<'_, SessionId> {
        self.touches.drain(..)
    }

    /// When the chat must next be woken without an event ([`Chat::on_timer`]), if ever.
    pub fn next_timer(&self) -> Option<Instant> {
        self.departures.next_due()
    }

    /// What falls due by `now` without an event: the offline notices whose grace has passed.
    pub fn on_timer(&mut self, out: &mut Outbox, now: Instant) {
        self.announce_departures(out, now);
    }
}

/// Runs `queue` for a client that just sent something, if it is still here.
fn heard(out: &mut Outbox, conn: ConnId, queue: impl FnOnce(&mut Outbox, Slot)) {
    if let Some((slot, _)) = out.heard(conn) {
        queue(out, slot);
    }
}

/// Sends `error` back to one connection.
pub(super) fn refuse_frame(out: &mut Outbox, slot: Slot, error: &WireError) {
    out.own(slot, |bytes| frame::text(bytes, &error.to_json()));
}

/// The same, to a connection that may have gone meanwhile (an answer from the store).
pub(super) fn refuse_conn(out: &mut Outbox, conn: ConnId, error: &WireError) {
    if let Some(slot) = out.slot(conn) {
        refuse_frame(out, slot, error);
    }
}
