//! Rooms and memberships in the store, and the snapshot the hub starts from.
//!
//! The hub keeps rooms and memberships in memory and changes them there at once; each change also
//! comes here, in order with the messages around it, to be committed with the next group (see
//! `thread.rs`). At start-up the hub is given everything it keeps, read once.

use redb::{ReadableMultimapTable, ReadableTable};

use super::messages::room_conversation;
use super::schema::{DM_PARTNERS, MEMBERS, META, ROOMS, USERS};
use super::tables::Tables;
use super::{Reader, StoreError, retention};
use crate::log;

/// A change to rooms, from the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    Create {
        key: String,
        name: String,
    },
    Join {
        room_key: String,
        user_key: String,
    },
    Leave {
        room_key: String,
        user_key: String,
    },
    /// The room has no members left (their `Leave`s came first): it goes, with its messages.
    Remove {
        key: String,
    },
}

/// What the hub knows at start-up.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every account's name as spelled.
    pub users: Vec<String>,
    /// Every room's name as spelled.
    pub rooms: Vec<String>,
    /// (user key, room key) for every membership.
    pub members: Vec<(String, String)>,
    /// (user key, user key) for every private conversation, once each way.
    pub conversations: Vec<(String, String)>,
    /// The last `seq` given out.
    pub last_seq: u64,
    /// Read positions, and each conversation's newest messages (`reads.rs`).
    pub reads: super::reads::ReadSnapshot,
    /// (user key, display name) for every account that set one (`profiles.rs`).
    pub display_names: Vec<(String, String)>,
    /// Each account's standing that is not a plain member's, by name_key.
    pub standings: Vec<(String, super::Standing)>,
    /// Each room's rules that has some, by room key.
    pub room_rules: Vec<(String, super::RoomRules)>,
}

/// Applies one room change.
pub fn apply(t: &mut Tables, change: &RoomChange, now_ms: u64) -> Result<(), redb::Error> {
    match change {
        RoomChange::Create { key, name } => {
            t.rooms.insert(key.as_str(), (name.as_str(), now_ms))?;
        }
        RoomChange::Join { room_key, user_key } => {
            t.members.insert(user_key.as_str(), room_key.as_str())?;
        }
        RoomChange::Leave { room_key, user_key } => {
            t.members.remove(user_key.as_str(), room_key.as_str())?;
        }
        // Its memberships are gone already: the hub removes a room only after its last member's
        // `Leave`, handed over before this (and guests' memberships are never stored).
        RoomChange::Remove { key } => {
            t.rooms.remove(key.as_str())?;
            let removed = retention::forget_conversation(t, &room_conversation(key))?;
            super::reads::forget_conversation(t, &room_conversation(key))?;
            log!("store: room {key:?} has no members left: removing it and its {removed} messages");
        }
    }
    Ok(())
}

impl Reader {
    /// Everything the hub keeps, in one read transaction. Reads only what is small (users, rooms,
    /// memberships): never the messages, so start-up does not grow with history.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let context = "reading the store at start-up";
        let fail = |e: redb::Error| StoreError::new(context, e);
        let read = self.begin(context)?;
        let users = read.open_table(USERS).map_err(|e| fail(e.into()))?;
        let rooms = read.open_table(ROOMS).map_err(|e| fail(e.into()))?;
        let members = read
            .open_multimap_table(MEMBERS)
            .map_err(|e| fail(e.into()))?;
        let partners = read
            .open_multimap_table(DM_PARTNERS)
            .map_err(|e| fail(e.into()))?;
        let meta = read.open_table(META).map_err(|e| fail(e.into()))?;
        let mut snapshot = Snapshot {
            last_seq: meta
                .get("last_seq")
                .map_err(|e| fail(e.into()))?
                .map_or(0, |v| v.value()),
            ..Snapshot::default()
        };
        for row in users.iter().map_err(|e| fail(e.into()))? {
            let (_, value) = row.map_err(|e| fail(e.into()))?;
            snapshot.users.push(value.value().0.to_owned());
        }
        for row in rooms.iter().map_err(|e| fail(e.into()))? {
            let (_, value) = row.map_err(|e| fail(e.into()))?;
            snapshot.rooms.push(value.value().0.to_owned());
        }
        snapshot.members = pairs(&members).map_err(fail)?;
        snapshot.conversations = pairs(&partners).map_err(fail)?;
        snapshot.reads = super::reads::snapshot(&read).map_err(fail)?;
        snapshot.display_names = super::profiles::snapshot(&read).map_err(fail)?;
        (snapshot.standings, snapshot.room_rules) =
            super::moderation::snapshot(&read).map_err(fail)?;
        Ok(snapshot)
    }
}

/// Every (key, value) of a multimap of names.
fn pairs(
    table: &impl ReadableMultimapTable<&'static str, &'static str>,
) -> Result<Vec<(String, String)>, redb::Error> {
    let mut pairs = Vec::new();
    for entry in table.iter()? {
        let (key, values) = entry?;
        for value in values {
            pairs.push((key.value().to_owned(), value?.value().to_owned()));
        }
    }
    Ok(pairs)
}
