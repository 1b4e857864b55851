//! Read positions: how far each user has read each of their conversations, and so how many
//! messages in it are unread for them, the same on every tab and device and after a restart.
//!
//! The hub keeps, per conversation, its newest [`RECENT`] messages' seqs and senders (loaded at
//! start-up, then noted as each message is stored), and per (conversation, user) the position.
//! A `read` frame only ever moves a position forward, and never past the conversation's newest
//! message, so a script sending it a thousand times moves it at most once per message: each
//! move is told to the user's connections (`read`, with the count left) and kept for the store,
//! coalesced, so the store writes the latest position of a flush once, however many came.
//! Joining a room reads it up to its newest message: a newcomer is not shown the past as news.
//! A guest's positions live here only (nothing of a guest is stored).

use std::collections::{HashMap, VecDeque};

use crate::hub::chat::{Author, Chat};
use crate::hub::outbox::Outbox;
use crate::identity::name_key;
use crate::store::{
    Change, RECENT, ReadChange, ReadSnapshot, private_conversation, room_conversation,
};
use crate::wire::{ErrorCode, ServerFrame, Target, WireError};
use crate::ws::frame;

#[derive(Default)]
pub struct Reads {
    /// conversation → its newest messages, (seq, sender's key), oldest first; at most RECENT.
    recent: HashMap<String, VecDeque<(u64, String)>>,
    /// (conversation, user key) → read up to this seq.
    positions: HashMap<(String, String), u64>,
    /// Positions moved since the last hand-over to the store: the latest of each.
    moved: HashMap<(String, String), u64>,
}

impl Reads {
    /// What the store kept: every position, and each conversation's newest messages.
    pub fn load(snapshot: &ReadSnapshot) -> Self {
        let mut reads = Reads::default();
        for (conversation, seq, from_key) in &snapshot.recent {
            reads.note(conversation, *seq, from_key);
        }
        for (conversation, user, seq) in &snapshot.positions {
            reads
                .positions
                .insert((conversation.clone(), user.clone()), *seq);
        }
        reads
    }

    /// A message is stored in `conversation`.
    pub fn note(&mut self, conversation: &str, seq: u64, from_key: &str) {
        let recent = self.recent.entry(conversation.to_owned()).or_default();
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back((seq, from_key.to_owned()));
    }

    /// The newest message's seq in `conversation` (0: none kept).
    pub fn newest(&self, conversation: &str) -> u64 {
        self.recent
            .get(conversation)
            .and_then(|recent| recent.back())
            .map_or(0, |&(seq, _)| seq)
    }

    /// Where `user` has read `conversation` up to, if anywhere.
    pub fn position(&self, conversation: &str, user: &str) -> Option<u64> {
        let key = (conversation.to_owned(), user.to_owned());
        self.positions.get(&key).copied()
    }

    /// Messages from others in `conversation` after `seq` (at most RECENT: "at least").
    pub fn unread_after(&self, conversation: &str, user: &str, seq: u64) -> usize {
        self.recent.get(conversation).map_or(0, |recent| {
            recent
                .iter()
                .filter(|(s, from)| *s > seq && from != user)
                .count()
        })
    }

    /// Moves `user`'s position in `conversation` to `seq`, clamped to its newest message; the
    /// position reached if it moved, `None` if it did not. `keep`: also for the store.
    pub fn advance(&mut self, conversation: &str, user: &str, seq: u64, keep: bool) -> Option<u64> {
        let seq = seq.min(self.newest(conversation));
        let key = (conversation.to_owned(), user.to_owned());
        // A first position is one even at 0 (a room joined before anyone wrote in it).
        if self.positions.get(&key).is_some_and(|&known| seq <= known) {
            return None;
        }
        self.positions.insert(key.clone(), seq);
        if keep {
            self.moved.insert(key, seq);
        }
        Some(seq)
    }

    /// A room went: its messages and positions go too.
    pub fn forget(&mut self, conversation: &str) {
        self.recent.remove(conversation);
        self.positions.retain(|(c, _), _| c != conversation);
        self.moved.retain(|(c, _), _| c != conversation);
    }

    /// The positions moved since the last call, for the store.
    pub fn take_moved(&mut self) -> impl Iterator<Item = Change> + '_ {
        self.moved.drain().map(|((conversation, user_key), seq)| {
            Change::Read(ReadChange {
                conversation,
                user_key,
                seq,
            })
        })
    }
}

impl Chat {
    /// `read`: the author has read a conversation of theirs up to `seq`. Every connection of
    /// theirs hears of it if the position moved; nothing happens if it did not.
    pub(super) fn read(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        target: &Target,
        seq: u64,
    ) -> Result<(), WireError> {
        let (conversation, room, with) = match target {
            Target::Room(name) => {
                let (key, room) = self.member_room(name, &from.key)?;
                (room_conversation(&key), Some(room.name.clone()), None)
            }
            Target::User(name) => {
                let key = name_key(name);
                let partner = self
                    .dir
                    .user(&from.key)
                    .filter(|me| me.dms.contains(&key) || key == from.key);
                let Some(other) = partner.and(self.dir.user(&key)) else {
                    let why = format!("you have no private conversation with {name:?}");
                    return Err(WireError::new(ErrorCode::NoSuchUser, why));
                };
                (
                    private_conversation(&from.key, &key),
                    None,
                    Some(other.name.clone()),
                )
            }
        };
        let Some(seq) = self
            .reads
            .advance(&conversation, &from.key, seq, !from.guest)
        else {
            return Ok(());
        };
        let unread = self.reads.unread_after(&conversation, &from.key, seq);
        let json = ServerFrame::Read {
            room: room.as_deref(),
            with: with.as_deref(),
            seq,
            unread,
            newest: self.reads.newest(&conversation),
        }
        .to_json();
        let piece = out.shared(|bytes| frame::text(bytes, &json));
        for &slot in self
            .dir
            .user(&from.key)
            .map(|u| u.conns.as_slice())
            .unwrap_or_default()
        {
            out.queue(slot, piece);
        }
        Ok(())
    }
}
