//! Rooms: creating, joining and leaving them (the list of them is in `lists.rs`).
//!
//! A change is made in the hub's memory at once, announced to the room's members (`joined`,
//! `left`: the member's own connections included), and handed to the store with the next flush,
//! in order with the messages around it. A guest's memberships are not stored: guests are
//! forgotten on restart.

use crate::hub::chat::{Author, Hub};
use crate::hub::frame;
use crate::identity::name_key;
use crate::log::now_ms;
use crate::store::{Change, RoomChange};
use crate::wire::{ErrorCode, ServerFrame, WireError};

impl Hub {
    /// `create`: a new room, with its creator as its first member.
    pub(super) fn create(&mut self, from: &Author, name: &str) -> Result<(), WireError> {
        let key = name_key(name);
        if self.dir.room(&key).is_some() {
            let why = format!("a room called {name:?} exists; join it instead");
            return Err(WireError::new(ErrorCode::RoomExists, why));
        }
        if self.dir.room_count() >= self.limits.max_rooms {
            let why = format!("the server has {} rooms, its most", self.limits.max_rooms);
            return Err(WireError::new(ErrorCode::TooManyRooms, why));
        }
        self.check_room_count(from)?;
        self.dir.add_room(name);
        self.changes.push(Change::Room(RoomChange::Create {
            key: key.clone(),
            name: name.to_owned(),
        }));
        self.become_member(from, &key);
        Ok(())
    }

    /// `join`: membership of an existing room. Joining a room one is in confirms it to this
    /// connection alone.
    pub(super) fn join_room(&mut self, from: &Author, name: &str) -> Result<(), WireError> {
        let key = self.existing_room(name)?;
        let member = self
            .dir
            .room(&key)
            .is_some_and(|r| r.members.contains_key(&from.key));
        if member {
            let json = self.membership_frame(&key, &from.key, true);
            self.batch.own(from.slot, |out| frame::text(out, &json));
            return Ok(());
        }
        self.check_room_count(from)?;
        self.become_member(from, &key);
        Ok(())
    }

    /// `leave`: the end of a membership, `general`'s included (it can be joined again).
    pub(super) fn leave_room(&mut self, from: &Author, name: &str) -> Result<(), WireError> {
        let key = self.existing_room(name)?;
        if !self
            .dir
            .room(&key)
            .is_some_and(|r| r.members.contains_key(&from.key))
        {
            let why = format!("you are not in {name:?}");
            return Err(WireError::new(ErrorCode::NotAMember, why));
        }
        // Announced before the member goes, so that their own connections hear it too.
        self.announce(&key, &from.key, false);
        self.dir.remove_member(&key, &from.key);
        self.conversations_changed(&from.key);
        if !from.guest {
            self.changes.push(Change::Room(RoomChange::Leave {
                room_key: key,
                user_key: from.key.clone(),
            }));
        }
        Ok(())
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
    fn become_member(&mut self, from: &Author, room_key: &str) {
        self.dir.add_member(room_key, &from.key);
        self.conversations_changed(&from.key);
        self.announce(room_key, &from.key, true);
        if !from.guest {
            self.changes.push(Change::Room(RoomChange::Join {
                room_key: room_key.to_owned(),
                user_key: from.key.clone(),
            }));
        }
    }

    /// Sends `joined` or `left` to the room's members' open connections.
    pub(super) fn announce(&mut self, room_key: &str, user_key: &str, joined: bool) {
        let json = self.membership_frame(room_key, user_key, joined);
        let piece = self.batch.shared(|out| frame::text(out, &json));
        if let Some(room) = self.dir.room(room_key) {
            for &slot in &room.live {
                self.batch.queue(slot, piece);
            }
        }
    }

    fn membership_frame(&self, room_key: &str, user_key: &str, joined: bool) -> String {
        let room = self
            .dir
            .room(room_key)
            .map_or(room_key, |r| r.name.as_str());
        let user = self
            .dir
            .user(user_key)
            .map_or(user_key, |u| u.name.as_str());
        let ts = now_ms();
        match joined {
            true => ServerFrame::Joined { room, user, ts }.to_json(),
            false => ServerFrame::Left { room, user, ts }.to_json(),
        }
    }
}
