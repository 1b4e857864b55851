//! The chat's people and rooms as the hub keeps them: who is a member of what, and which of
//! everyone's connections are open.
//!
//! Membership is kept on both sides (a user's rooms, a room's members), and each room also keeps
//! the open connections of its members (`live`), so that a message to a room walks only the
//! sockets that must get it. The functions here are the only ones that change these collections,
//! so the sides never drift apart.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use crate::hub::clients::Slot;
use crate::hub::pace::Pace;
use crate::identity::name_key;
use crate::store::{RoomRules, Standing};
use crate::wire::GENERAL;

/// A user the hub knows: registered, or a guest seen since start-up.
#[derive(Debug)]
pub struct User {
    /// The name as its owner spelled it.
    pub name: String,
    /// Open connections (tabs, devices).
    pub conns: Vec<Slot>,
    /// Rooms this user is a member of, by key.
    pub rooms: BTreeSet<String>,
    /// Users this one has a private conversation with, by key.
    pub dms: BTreeSet<String>,
    /// The name others see, if they set one (`wire::display_name`).
    pub display: Option<String>,
    pub pace: Pace,
    /// Their last connection closed, and their contacts hear of it at this instant unless they
    /// come back first (see `presence.rs`).
    pub leaving: Option<Instant>,
    /// Their role, mute and suspension (`moderation.rs`); changed only by
    /// [`Directory::set_standing`], which keeps the staff's list.
    pub standing: Standing,
}

impl User {
    /// Whether others see this user online: connected, or gone for less than the grace.
    pub fn shown_online(&self) -> bool {
        !self.conns.is_empty() || self.leaving.is_some()
    }
}

/// A room.
#[derive(Debug)]
pub struct Room {
    /// The name as its creator spelled it.
    pub name: String,
    /// Members, by key, each with where the user is kept (so that walking a room's members, as
    /// a page of `members` does, looks nothing up).
    pub members: BTreeMap<String, UserId>,
    /// The open connections of its members.
    pub live: Vec<Slot>,
    /// Read-only, slow mode (`moderation.rs`).
    pub rules: RoomRules,
    /// Under slow mode, when each member last posted here, by key.
    pub last_post: HashMap<String, Instant>,
}

/// Where a user is kept in the directory. Users are never forgotten while the hub runs, so an
/// id stays valid.
pub type UserId = usize;

#[derive(Debug, Default)]
pub struct Directory {
    /// Every user, by key.
    ids: HashMap<String, UserId>,
    users: Vec<User>,
    rooms: HashMap<String, Room>,
    /// The owners and moderators, by key: a welcome names them, and moderation frames go to
    /// them, without a walk over every user.
    staff: BTreeSet<String>,
}

impl Directory {
    pub fn user(&self, key: &str) -> Option<&User> {
        self.ids.get(key).map(|&id| &self.users[id])
    }

    pub fn user_mut(&mut self, key: &str) -> Option<&mut User> {
        self.ids.get(key).map(|&id| &mut self.users[id])
    }

    /// A user by id, as a room's members name them.
    pub fn user_by_id(&self, id: UserId) -> &User {
        &self.users[id]
    }

    pub fn room(&self, key: &str) -> Option<&Room> {
        self.rooms.get(key)
    }

    pub fn room_mut(&mut self, key: &str) -> Option<&mut Room> {
        self.rooms.get_mut(key)
    }

    /// Whether the user `user_key` is a member of the room `room_key`.
    pub fn is_member(&self, room_key: &str, user_key: &str) -> bool {
        self.room(room_key)
            .is_some_and(|room| room.members.contains_key(user_key))
    }

    /// Every user the hub knows.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.iter()
    }

    /// The owners and moderators.
    pub fn staff(&self) -> impl Iterator<Item = &User> {
        self.staff.iter().filter_map(|key| self.user(key))
    }

    /// A user's new standing (role, mute, suspension).
    pub fn set_standing(&mut self, key: &str, standing: Standing) {
        let Some(user) = self.user_mut(key) else {
            return;
        };
        user.standing = standing;
        match standing.role.moderates() {
            true => self.staff.insert(key.to_owned()),
            false => self.staff.remove(key),
        };
    }

    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.rooms.values()
    }

    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Whether the user has a connection open.
    pub fn is_online(&self, key: &str) -> bool {
        self.user(key).is_some_and(|u| !u.conns.is_empty())
    }

    /// Adds a user the hub did not know yet; `false` if it did.
    pub fn add_user(&mut self, name: &str, pace: Pace) -> bool {
        let key = name_key(name);
        if self.ids.contains_key(&key) {
            return false;
        }
        let user = User {
            name: name.to_owned(),
            conns: Vec::new(),
            rooms: BTreeSet::new(),
            dms: BTreeSet::new(),
            display: None,
            pace,
            leaving: None,
            standing: Standing::default(),
        };
        self.ids.insert(key, self.users.len());
        self.users.push(user);
        true
    }

    /// Changes how a user's name is spelled (a guest name taken anew).
    pub fn respell(&mut self, key: &str, name: &str) {
        if let Some(user) = self.user_mut(key) {
            user.name = name.to_owned();
        }
    }

    /// Adds a room; `false` if one of that name (ignoring case) exists.
    pub fn add_room(&mut self, name: &str) -> bool {
        let key = name_key(name);
        if self.rooms.contains_key(&key) {
            return false;
        }
        let room = Room {
            name: name.to_owned(),
            members: BTreeMap::new(),
            live: Vec::new(),
            rules: RoomRules::default(),
            last_post: HashMap::new(),
        };
        self.rooms.insert(key, room);
        true
    }

    /// Removes a room that has no members; `false` if it has some, or does not exist.
    pub fn remove_room_if_empty(&mut self, key: &str) -> bool {
        let empty = self.rooms.get(key).is_some_and(|r| r.members.is_empty());
        if empty {
            self.rooms.remove(key);
        }
        empty
    }

    /// Makes the user a member of the room, with their open connections; `false` if either is
    /// unknown or they already were.
    pub fn add_member(&mut self, room_key: &str, user_key: &str) -> bool {
        let (Some(room), Some(&id)) = (self.rooms.get_mut(room_key), self.ids.get(user_key)) else {
            return false;
        };
        let user = &mut self.users[id];
        if room.members.insert(user_key.to_owned(), id).is_some() {
            return false;
        }
        user.rooms.insert(room_key.to_owned());
        room.live.extend_from_slice(&user.conns);
        true
    }

    /// Ends a membership; `false` if there was none.
    pub fn remove_member(&mut self, room_key: &str, user_key: &str) -> bool {
        let (Some(room), Some(&id)) = (self.rooms.get_mut(room_key), self.ids.get(user_key)) else {
            return false;
        };
        let user = &mut self.users[id];
        if room.members.remove(user_key).is_none() {
            return false;
        }
        user.rooms.remove(room_key);
        room.live.retain(|slot| !user.conns.contains(slot));
        true
    }

    /// Notes a private conversation between two users (each sees the other in `dms`); `true` if
    /// it is new.
    pub fn add_conversation(&mut self, a: &str, b: &str) -> bool {
        let mut new = false;
        for (one, other) in [(a, b), (b, a)] {
            if let Some(user) = self.user_mut(one) {
                new |= user.dms.insert(other.to_owned());
            }
        }
        new
    }

    /// A connection of the user opened; `true` if it is their first (they came online).
    pub fn connect(&mut self, user_key: &str, slot: Slot) -> bool {
        let Some(&id) = self.ids.get(user_key) else {
            return false;
        };
        let user = &mut self.users[id];
        user.conns.push(slot);
        for room_key in &user.rooms {
            if let Some(room) = self.rooms.get_mut(room_key) {
                room.live.push(slot);
            }
        }
        user.conns.len() == 1
    }

    /// A connection of the user closed; `true` if it was their last (they went offline).
    pub fn disconnect(&mut self, user_key: &str, slot: Slot) -> bool {
        let Some(&id) = self.ids.get(user_key) else {
            return false;
        };
        let user = &mut self.users[id];
        user.conns.retain(|&s| s != slot);
        for room_key in &user.rooms {
            if let Some(room) = self.rooms.get_mut(room_key) {
                room.live.retain(|&s| s != slot);
            }
        }
        user.conns.is_empty()
    }

    /// The rooms `user_key` is a member of.
    pub fn rooms_of<'a>(&'a self, user_key: &str) -> impl Iterator<Item = &'a Room> + 'a {
        let keys = self.user(user_key).map(|u| &u.rooms);
        keys.into_iter()
            .flatten()
            .filter_map(|key| self.rooms.get(key))
    }

    /// The room every user is in unless they leave it.
    pub fn general_key() -> String {
        name_key(GENERAL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directory() -> Directory {
        let mut dir = Directory::default();
        for name in ["Alice", "bob"] {
            dir.add_user(name, Pace::default());
        }
        dir.add_room("general");
        dir.add_room("Math");
        dir
    }

    #[test]
    fn a_room_reaches_the_open_connections_of_its_members_only() {
        let mut dir = directory();
        dir.add_member("math", "alice");
        assert!(dir.connect("alice", 1), "first connection");
        assert!(!dir.connect("alice", 2), "second tab");
        dir.connect("bob", 3);
        assert_eq!(dir.room("math").unwrap().live, [1, 2]);
        dir.add_member("math", "bob");
        assert_eq!(dir.room("math").unwrap().live, [1, 2, 3]);
        dir.remove_member("math", "alice");
        assert_eq!(dir.room("math").unwrap().live, [3]);
        assert!(!dir.disconnect("alice", 1));
        assert!(dir.disconnect("alice", 2), "last tab");
        assert!(!dir.is_online("alice"));
    }

    #[test]
    fn membership_is_kept_on_both_sides() {
        let mut dir = directory();
        assert!(dir.add_member("math", "bob"));
        assert!(!dir.add_member("math", "bob"), "already a member");
        assert!(!dir.add_member("nowhere", "bob"));
        assert!(dir.user("bob").unwrap().rooms.contains("math"));
        assert!(dir.room("math").unwrap().members.contains_key("bob"));
        assert!(dir.remove_member("math", "bob"));
        assert!(!dir.remove_member("math", "bob"));
        assert!(dir.user("bob").unwrap().rooms.is_empty());
        assert!(!dir.add_room("MATH"), "names are unique ignoring case");
    }
}
