//! Rooms: creating, joining and leaving them (the list of them is in `lists.rs`).
//!
//! A change is made in the hub's memory at once, announced to the room's members (`joined`,
//! `left`: the member's own connections included), and handed to the store with the next flush,
//! in order with the messages around it. A guest's memberships are not stored: guests are
//! forgotten on restart.
//!
//! A room whose last member leaves is removed, with its messages (`general` never is): its name
//! is free again, and nobody holds names by creating rooms and leaving them. What one user may do
//! here is paced (see `pace.rs`): `create`, `join` and `leave` together, and the rooms they create
//! a day (`--max-rooms-per-day`), so that a loop of them neither floods the members of a room nor
//! fills `--max-rooms`.

use std::time::Instant;

use crate::hub::chat::{Author, Chat};
use crate::hub::directory::{Directory, Room};
use crate::hub::outbox::Outbox;
use crate::hub::pace::{Rate, in_words, too_fast};
use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::{Change, RoomChange, room_conversation};
use crate::wire::{ErrorCode, ServerFrame, WireError};
use crate::ws::frame;

impl Chat {
    /// `create`: a new room, with its creator as its first member.
    pub(super) fn create(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        name: &str,
    ) -> Result<(), WireError> {
        self.pace_room_change(from)?;
        let key = name_key(name);
        if self.dir.room(&key).is_some() {
            let why = format!("a room called {name:?} exists; join it instead");
            return Err(WireError::new(ErrorCode::RoomExists, why));
        }
        if self.freeing.contains(&key) {
            let why = format!("a room called {name:?} is being removed; try again in a moment");
            return Err(WireError::new(ErrorCode::Unavailable, why));
        }
        if self.dir.room_count() >= self.limits.max_rooms {
            let why = format!("the server has {} rooms, its most", self.limits.max_rooms);
            return Err(WireError::new(ErrorCode::TooManyRooms, why));
        }
        self.check_room_count(from)?;
        self.count_room_created(from)?;
        self.dir.add_room(name);
        self.changes.push(Change::Room(RoomChange::Create {
            key: key.clone(),
            name: name.to_owned(),
        }));
        self.become_member(out, from, &key);
        Ok(())
    }

    /// `join`: membership of an existing room. Joining a room one is in confirms it to this
    /// connection alone.
    pub(super) fn join_room(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        name: &str,
    ) -> Result<(), WireError> {
        self.pace_room_change(from)?;
        let key = self.existing_room(name)?;
        if self.dir.is_member(&key, &from.key) {
            let json = self.membership_frame(&key, &from.key, true);
            out.own(from.slot, |bytes| frame::text(bytes, &json));
            return Ok(());
        }
        self.check_room_count(from)?;
        self.become_member(out, from, &key);
        Ok(())
    }

    /// `leave`: the end of a membership, `general`'s included (it can be joined again). The last
    /// member out of any other room removes it.
    pub(super) fn leave_room(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        name: &str,
    ) -> Result<(), WireError> {
        self.pace_room_change(from)?;
        let key = self.existing_room(name)?;
        if !self.dir.is_member(&key, &from.key) {
            let why = format!("you are not in {name:?}");
            return Err(WireError::new(ErrorCode::NotAMember, why));
        }
        // Announced before the member goes, so that their own connections hear it too.
        self.announce(out, &key, &from.key, false);
        self.dir.remove_member(&key, &from.key);
        self.conversations_changed(&from.key);
        if !from.guest {
            self.changes.push(Change::Room(RoomChange::Leave {
                room_key: key.clone(),
                user_key: from.key.clone(),
            }));
        }
        self.remove_if_empty(&key);
        Ok(())
    }

    /// Removes a room nobody is a member of any more (but `general`), here and in the store.
    pub(super) fn remove_if_empty(&mut self, key: &str) {
        if key == Directory::general_key() || !self.dir.remove_room_if_empty(key) {
            return;
        }
        // After the leave, in the same order: the store removes the room and its messages.
        self.freeing.removed(key);
        self.reads.forget(&room_conversation(key));
        let key = key.to_owned();
        self.changes.push(Change::Room(RoomChange::Remove { key }));
    }

    /// At start-up: rooms without members are removed as if their last member had just left.
    /// They are those emptied by an older threadchat, which kept them, and, with `--guests`,
    /// every room but `general` (guests' memberships are not stored).
    pub(super) fn remove_abandoned_rooms(&mut self) {
        let empty: Vec<String> = (self.dir.rooms())
            .filter(|room| room.members.is_empty())
            .map(|room| name_key(&room.name))
            .collect();
        for key in empty {
            self.remove_if_empty(&key);
        }
    }

    /// The key of the room called `name`, or `no_such_room`.
    pub(super) fn existing_room(&self, name: &str) -> Result<String, WireError> {
        let key = name_key(name);
        match self.dir.room(&key) {
            Some(_) => Ok(key),
            None => Err(WireError::new(
                ErrorCode::NoSuchRoom,
                format!("there is no room {name:?}"),
            )),
        }
    }

    /// The room `name` (its key and itself) if `user_key` is a member: else `no_such_room`, or
    /// `not_a_member` (the frames about a room's conversation: typing, read).
    pub(super) fn member_room(
        &self,
        name: &str,
        user_key: &str,
    ) -> Result<(String, &Room), WireError> {
        let key = self.existing_room(name)?;
        let room = self.dir.room(&key).expect("existing_room found it");
        if !room.members.contains_key(user_key) {
            let why = format!("you are not in {name:?}");
            return Err(WireError::new(ErrorCode::NotAMember, why));
        }
        Ok((key, room))
    }

    /// Takes one of the author's room changes (`create`, `join`, `leave`), or `rate_limited`.
    pub(super) fn pace_room_change(&mut self, from: &Author) -> Result<(), WireError> {
        let rate = Rate {
            every: self.limits.room_change_every,
            burst: self.limits.room_change_burst,
        };
        let Some(user) = self.dir.user_mut(&from.key) else {
            return Ok(());
        };
        user.pace
            .room_change(rate, Instant::now())
            .map_err(too_fast)
    }

    /// Counts a room the author creates, or refuses it past `--max-rooms-per-day`.
    fn count_room_created(&mut self, from: &Author) -> Result<(), WireError> {
        let per_day = self.limits.max_rooms_per_day;
        let Some(user) = self.dir.user_mut(&from.key) else {
            return Ok(());
        };
        let refuse = |wait| {
            let when = in_words(wait);
            let why =
                format!("you created {per_day} rooms today, the most one may; next in {when}");
            WireError::new(ErrorCode::TooManyRooms, why)
        };
        user.pace
            .room_created(per_day, Instant::now())
            .map_err(refuse)
    }

    /// Refuses a membership past `--max-rooms-per-user`.
    fn check_room_count(&self, from: &Author) -> Result<(), WireError> {
        let count = self.dir.user(&from.key).map_or(0, |u| u.rooms.len());
        match count < self.limits.max_rooms_per_user {
            true => Ok(()),
            false => Err(WireError::new(
                ErrorCode::TooManyRooms,
                format!("you are in {count} rooms, the most one may be in; leave one first"),
            )),
        }
    }

    /// Makes the author a member, announces it, and hands it to the store.
    fn become_member(&mut self, out: &mut Outbox, from: &Author, room_key: &str) {
        self.dir.add_member(room_key, &from.key);
        // A newcomer has read what came before: it is not news to them.
        let conversation = room_conversation(room_key);
        self.reads
            .advance(&conversation, &from.key, u64::MAX, !from.guest);
        self.conversations_changed(&from.key);
        self.announce(out, room_key, &from.key, true);
        if !from.guest {
            self.changes.push(Change::Room(RoomChange::Join {
                room_key: room_key.to_owned(),
                user_key: from.key.clone(),
            }));
        }
    }

    /// Sends `joined` or `left` to the room's members' open connections.
    pub(super) fn announce(
        &mut self,
        out: &mut Outbox,
        room_key: &str,
        user_key: &str,
        joined: bool,
    ) {
        let json = self.membership_frame(room_key, user_key, joined);
        let piece = out.shared(|bytes| frame::text(bytes, &json));
        if let Some(room) = self.dir.room(room_key) {
            for &slot in &room.live {
                out.queue(slot, piece);
            }
        }
    }

    fn membership_frame(&self, room_key: &str, user_key: &str, joined: bool) -> String {
        let room = self
            .dir
            .room(room_key)
            .map_or(room_key, |r| r.name.as_str());
        let about = self.dir.user(user_key);
        let user = about.map_or(user_key, |u| u.name.as_str());
        let display_name = about.and_then(|u| u.display.as_deref());
        let ts = now_ms();
        match joined {
            true => ServerFrame::Joined {
                room,
                user,
                display_name,
                ts,
            }
            .to_json(),
            false => ServerFrame::Left { room, user, ts }.to_json(),
        }
    }
}

/// Rooms removed whose removal the store has not committed yet. Their names cannot be taken again
/// until it has: until then the old room's messages are still on disk, and a history page or a
/// replay of a new room of that name would find them (as would a message to the old room in the
/// same commit, delivered after it).
#[derive(Debug, Default)]
pub struct Freeing {
    /// Removed, in the changes not yet handed to the store.
    waiting: Vec<String>,
    /// In the commit the store is making.
    committing: Vec<String>,
}

impl Freeing {
    pub fn contains(&self, key: &str) -> bool {
        self.waiting
            .iter()
            .chain(&self.committing)
            .any(|k| k == key)
    }

    /// A room was removed: its `Remove` is among the hub's changes.
    pub fn removed(&mut self, key: &str) {
        self.waiting.push(key.to_owned());
    }

    /// The hub's changes went to the store.
    pub fn handed_over(&mut self) {
        self.committing.append(&mut self.waiting);
    }

    /// The store answered for them: committed (or failed: a room left behind has no members,
    /// and the next start-up removes it).
    pub fn committed(&mut self) {
        self.committing.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_free_once_its_removal_is_committed() {
        let mut freeing = Freeing::default();
        freeing.removed("art");
        assert!(freeing.contains("art"));
        freeing.committed();
        assert!(
            freeing.contains("art"),
            "not handed over yet: another commit answered"
        );
        freeing.handed_over();
        freeing.removed("math");
        assert!(freeing.contains("art") && freeing.contains("math"));
        freeing.committed();
        assert!(!freeing.contains("art"), "committed");
        assert!(
            freeing.contains("math"),
            "still waiting for the next commit"
        );
    }
}
