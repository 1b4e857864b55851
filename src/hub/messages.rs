//! Messages and typing notices: who may send them, and whom they reach.
//!
//! A message is never seen before it is durable. The hub checks it (membership, the sender's
//! pace), stamps its time and author, and hands it to the store with the next flush; the store
//! gives it its `seq`, commits, and sends it back (`Event::Stored`). Only then does the hub send it
//! to its audience: the room's members, or the two sides of a private conversation, on all their
//! connections. The frame is encoded once for the audience; the sending connection gets its own
//! copy, which carries its `id` and is its acknowledgement.
//!
//! Typing notices are not stored: they go out at once, to the others in the conversation.

use std::time::Instant;

use crate::event::ConnId;
use crate::hub::chat::{Author, Chat, refuse_conn};
use crate::hub::clients::Slot;
use crate::hub::outbox::Outbox;
use crate::hub::pace::{Rate, in_words, too_fast};
use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::{Change, Destination, Message, Post, Stored};
use crate::wire::{ErrorCode, ServerFrame, Target, WireError};
use crate::ws::frame;

/// What a message costs on disk besides its text (its row's other fields, its place in the
/// conversation index and its client id, give or take), counted against `--daily-message-bytes`
/// so that a stream of one-letter messages cannot write far more than the budget says.
const STORED_OVERHEAD: usize = 128;

/// Posts waiting for the store in the hub at most; past this the store is far behind (a stalled
/// disk), and new messages are refused with `unavailable` rather than held without bound.
const MAX_WAITING_CHANGES: usize = 100_000;

impl Chat {
    /// `send`: a message to a room the author is a member of.
    pub(super) fn send(
        &mut self,
        from: &Author,
        room: &str,
        text: String,
        id: Option<String>,
    ) -> Result<(), WireError> {
        let refuse = |error: WireError| error.for_id(id.clone());
        let key = self.existing_room(room).map_err(refuse)?;
        let Some(room) = self.dir.room(&key) else {
            return Ok(());
        };
        if !room.members.contains_key(&from.key) {
            let why = format!("join {:?} before writing to it", room.name);
            return Err(refuse(WireError::new(ErrorCode::NotAMember, why)));
        }
        let name = room.name.clone();
        // (Only a slow room needs its key after the post: no copy on the usual path.)
        let slow = (room.rules.slow_seconds > 0).then(|| key.clone());
        self.may_speak(from, &id)?;
        self.room_allows(from, &key).map_err(refuse)?;
        self.post(from, Destination::Room { key, name }, text, id)?;
        if let Some(key) = slow {
            self.posted_in(from, &key);
        }
        Ok(())
    }

    /// `dm`: a private message to a user, connected or not.
    pub(super) fn dm(
        &mut self,
        from: &Author,
        to: &str,
        text: String,
        id: Option<String>,
    ) -> Result<(), WireError> {
        self.may_speak(from, &id)?;
        let key = name_key(to);
        let Some(user) = self.dir.user(&key) else {
            let why = format!("there is no user {to:?}");
            return Err(WireError::new(ErrorCode::NoSuchUser, why).for_id(id));
        };
        let to = Destination::User {
            key,
            name: user.name.clone(),
        };
        self.post(from, to, text, id)
    }

    /// Checks the author's pace and daily budget of bytes, and queues the message for the store.
    fn post(
        &mut self,
        from: &Author,
        to: Destination,
        text: String,
        id: Option<String>,
    ) -> Result<(), WireError> {
        let Some(name) = self.admit(from, text.len(), &id)? else {
            return Ok(());
        };
        let message = Message {
            seq: 0,
            ts: now_ms(),
            from: name,
            from_key: from.key.clone(),
            to,
            text,
            id,
            edited: None,
            deleted: false,
        };
        self.changes.push(Change::Post(Post {
            conn: from.conn,
            message,
        }));
        Ok(())
    }

    /// Whether the author may write `bytes` of text now (a message, an edit; a deletion writes
    /// none): within their pace and daily budget, and the store not far behind. Their name if so
    /// (`None`: they are gone); a refusal naming `id` if not.
    pub(super) fn admit(
        &mut self,
        from: &Author,
        bytes: usize,
        id: &Option<String>,
    ) -> Result<Option<String>, WireError> {
        let rate = Rate::per_second(self.limits.send_rate, self.limits.send_burst);
        let daily_bytes = self.limits.daily_message_bytes;
        let Some(author) = self.dir.user_mut(&from.key) else {
            return Ok(None);
        };
        let now = Instant::now();
        if let Err(wait) = author.pace.message(rate, now) {
            return Err(too_fast(wait).for_id(id.clone()));
        }
        let cost = bytes + STORED_OVERHEAD;
        if let Err(wait) = author.pace.message_bytes(daily_bytes, cost, now) {
            let why = format!(
                "you have written your {daily_bytes} bytes of messages for today; \
                 this one fits again in {}",
                in_words(wait)
            );
            return Err(WireError::new(ErrorCode::DailyLimit, why).for_id(id.clone()));
        }
        if self.changes.len() >= MAX_WAITING_CHANGES {
            let why = "the server is busy storing messages; try again in a moment";
            return Err(WireError::new(ErrorCode::Unavailable, why).for_id(id.clone()));
        }
        Ok(Some(author.name.clone()))
    }

    /// What the store has made durable (or could not), in `seq` order: the answer to the changes
    /// the hub handed over, so the store is free for the next ones.
    pub(super) fn stored(&mut self, out: &mut Outbox, stored: Vec<Stored>) {
        self.freeing.committed();
        for outcome in stored {
            match outcome {
                Stored::New { conn, message } => {
                    // Replays that ended before this message are live from here on.
                    self.end_replays_up_to(out, message.seq - 1);
                    let conversation = message.conversation();
                    self.reads
                        .note(&conversation, message.seq, &message.from_key);
                    self.fan_out(out, conn, &message);
                    self.delivered_seq = message.seq;
                }
                // A retry of a message stored before: its sender gets it again, nobody else.
                Stored::Again { conn, message } => self.again(out, conn, &message),
                Stored::Changed { conn, event } => {
                    self.end_replays_up_to(out, event.seq - 1);
                    self.spread_change(out, conn, &event);
                    self.delivered_seq = event.seq;
                }
                Stored::ChangedAgain { conn, event } => {
                    if let Some(slot) = out.slot(conn) {
                        let json = event.frame(true).to_json();
                        out.own(slot, |bytes| frame::text(bytes, &json));
                    }
                }
                Stored::Failed { conn, id } => {
                    let why = "the message could not be stored; send it again";
                    let error = WireError::new(ErrorCode::Unavailable, why).for_id(id);
                    refuse_conn(out, conn, &error);
                }
                Stored::Refused { conn, error } => refuse_conn(out, conn, &error),
                Stored::Moderated { conn, reply, .. } => {
                    if let Some(slot) = out.slot(conn) {
                        out.own(slot, |bytes| frame::text(bytes, &reply));
                    }
                }
            }
        }
        self.end_replays_up_to(out, self.delivered_seq);
    }

    /// Sends a durable message to its audience; the sending connection gets its own copy.
    fn fan_out(&mut self, out: &mut Outbox, conn: ConnId, message: &Message) {
        // The sending connection gets the copy with its id instead of the shared one.
        let sender = out.slot(conn).filter(|_| message.id.is_some());
        let json = message.frame(false).to_json();
        // The first message of a conversation: replays were asked for without it.
        let opens = match &message.to {
            Destination::User { key, .. } => self.dir.add_conversation(&message.from_key, key),
            Destination::Room { .. } => false,
        };
        let (seq, to, from_key) = (message.seq, &message.to, message.from_key.as_str());
        self.spread(out, sender, (seq, to, from_key), &json, opens);
        if let Destination::User { key, .. } = &message.to
            && opens
            && key != &message.from_key
        {
            self.introduce(out, &message.from_key, key);
        }
        self.ack(out, conn, message, opens);
    }

    /// Queues the frame `json` of event `seq` (a message from `from_key`, or a change to one)
    /// for its audience `to`, but for `sender`, who gets a copy of its own: the room's open
    /// connections, or every connection of the two people. Connections still replaying get it
    /// in their replay instead. `opens`: the first message of a private conversation.
    pub(super) fn spread(
        &mut self,
        out: &mut Outbox,
        sender: Option<Slot>,
        (seq, to, from_key): (u64, &Destination, &str),
        json: &str,
        opens: bool,
    ) {
        let piece = out.shared(|bytes| frame::text(bytes, json));
        match to {
            // The hot path: one walk over the room's open connections.
            Destination::Room { key, .. } => {
                let live = self.dir.room(key).map(|room| &room.live);
                for &slot in live.into_iter().flatten() {
                    if Some(slot) != sender && !self.replays.skips_live(slot) {
                        out.queue(slot, piece);
                    }
                }
            }
            Destination::User { key, .. } => {
                let slots: Vec<_> = [from_key, key.as_str()]
                    .into_iter()
                    .filter_map(|user_key| self.dir.user(user_key))
                    .flat_map(|user| user.conns.iter().copied())
                    .collect();
                out.new_audience();
                for slot in slots {
                    if Some(slot) != sender && !self.replay_brings(slot, seq, opens) {
                        out.queue_once(slot, piece);
                    }
                }
            }
        }
    }

    /// The sending connection's own copy of a message, with its `id` (unless it is replaying
    /// and the replay brings the message, with its `id`).
    fn ack(&mut self, out: &mut Outbox, conn: ConnId, message: &Message, opens: bool) {
        let Some(slot) = out.slot(conn) else {
            return;
        };
        if self.replay_brings(slot, message.seq, opens) {
            return;
        }
        if message.id.is_some() {
            let json = message.frame(true).to_json();
            out.own(slot, |bytes| frame::text(bytes, &json));
        }
    }

    /// The answer to a retried message: the message as stored then, to the retrying connection.
    fn again(&mut self, out: &mut Outbox, conn: ConnId, message: &Message) {
        if let Some(slot) = out.slot(conn) {
            let json = message.frame(true).to_json();
            out.own(slot, |bytes| frame::text(bytes, &json));
        }
    }

    /// `typing`: "the author is typing" to the others in the conversation, at most every
    /// `TYPING_EVERY` per conversation and within the author's typing budget over all of them
    /// (see `pace.rs`; more is dropped without a word: it is only a hint).
    pub(super) fn typing(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        target: &Target,
    ) -> Result<(), WireError> {
        self.may_speak(from, &None)?;
        let (conversation, frame_json, slots) = match target {
            Target::Room(name) => {
                let (key, room) = self.member_room(name, &from.key)?;
                let user = self.name_of(&from.key);
                let json = ServerFrame::Typing {
                    room: Some(&room.name),
                    to: None,
                    user: &user,
                }
                .to_json();
                (format!("r/{key}"), json, room.live.clone())
            }
            Target::User(name) => {
                let key = name_key(name);
                let Some(to) = self.dir.user(&key) else {
                    let why = format!("there is no user {name:?}");
                    return Err(WireError::new(ErrorCode::NoSuchUser, why));
                };
                let user = self.name_of(&from.key);
                let json = ServerFrame::Typing {
                    room: None,
                    to: Some(&to.name),
                    user: &user,
                }
                .to_json();
                (format!("d/{key}"), json, to.conns.clone())
            }
        };
        let Some(author) = self.dir.user_mut(&from.key) else {
            return Ok(());
        };
        if !author.pace.typing(&conversation, Instant::now()) {
            return Ok(());
        }
        let own = author.conns.clone();
        let piece = out.shared(|bytes| frame::text(bytes, &frame_json));
        for slot in slots.into_iter().filter(|s| !own.contains(s)) {
            out.queue(slot, piece);
        }
        Ok(())
    }
}
