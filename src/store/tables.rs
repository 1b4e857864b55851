//! The tables of one write transaction, each opened once.
//!
//! Opening a redb table looks it up in the file's table of tables, and closing it writes its new
//! root back. The `store` thread's write transaction for a group of requests (see `thread.rs`),
//! and each of its sweeps (`sweep.rs`), opens every table once, in [`Tables::open`], and each
//! request then writes through these handles: a group of a hundred messages opens twenty-three tables,
//! not six hundred. redb allows one open handle per table in a transaction, so every function that
//! writes takes `&mut Tables`, never the transaction itself.

use redb::{MultimapTable, ReadableTable, Table, WriteTransaction};

use super::schema::{
    AUDIT, CHANGES, CHANGES_OF, CLIENT_IDS, CONVERSATION_CHANGES, CONVERSATIONS, ChangeRow,
    DISPLAY_NAMES, DM_PARTNERS, MEMBERS, MESSAGES, META, MessageRow, NAME_SKELETONS,
    READ_POSITIONS, RESET_CODES, REVISED, ROOM_RULES, ROOMS, SESSIONS, SETTINGS, STANDING, TRIMMED,
    USER_SESSIONS, USERS,
};

/// Every table of the store, open in one write transaction (see `schema.rs` for what each
/// holds). Dropped before the transaction commits.
pub struct Tables<'txn> {
    pub users: Table<'txn, &'static str, (&'static str, &'static str, u64)>,
    pub skeletons: Table<'txn, &'static str, &'static str>,
    pub sessions: Table<'txn, &'static [u8; 32], (&'static str, u64, u64)>,
    pub user_sessions: MultimapTable<'txn, &'static str, &'static [u8; 32]>,
    pub rooms: Table<'txn, &'static str, (&'static str, u64)>,
    pub members: MultimapTable<'txn, &'static str, &'static str>,
    pub dm_partners: MultimapTable<'txn, &'static str, &'static str>,
    pub messages: Table<'txn, u64, MessageRow<'static>>,
    pub conversations: Table<'txn, (&'static str, u64), ()>,
    pub client_ids: Table<'txn, (&'static str, &'static str), u64>,
    pub changes: Table<'txn, u64, ChangeRow<'static>>,
    pub conversation_changes: Table<'txn, (&'static str, u64), ()>,
    pub changes_of: Table<'txn, (u64, u64), ()>,
    pub revised: Table<'txn, u64, (u64, u64)>,
    pub trimmed: Table<'txn, &'static str, u64>,
    pub read_positions: Table<'txn, (&'static str, &'static str), u64>,
    pub display_names: Table<'txn, &'static str, &'static str>,
    pub meta: Table<'txn, &'static str, u64>,
    pub standing: Table<'txn, &'static str, (u8, u64, bool)>,
    pub reset_codes: Table<'txn, &'static str, (&'static [u8; 32], u64)>,
    pub room_rules: Table<'txn, &'static str, (bool, u32)>,
    pub audit: Table<'txn, u64, (u64, &'static str)>,
    pub settings: Table<'txn, &'static str, &'static str>,
}

impl<'txn> Tables<'txn> {
    /// Opens every table in `txn` (creating those that do not exist yet).
    pub fn open(txn: &'txn WriteTransaction) -> Result<Tables<'txn>, redb::Error> {
        Ok(Tables {
            users: txn.open_table(USERS)?,
            skeletons: txn.open_table(NAME_SKELETONS)?,
            sessions: txn.open_table(SESSIONS)?,
            user_sessions: txn.open_multimap_table(USER_SESSIONS)?,
            rooms: txn.open_table(ROOMS)?,
            members: txn.open_multimap_table(MEMBERS)?,
            dm_partners: txn.open_multimap_table(DM_PARTNERS)?,
            messages: txn.open_table(MESSAGES)?,
            conversations: txn.open_table(CONVERSATIONS)?,
            client_ids: txn.open_table(CLIENT_IDS)?,
            changes: txn.open_table(CHANGES)?,
            conversation_changes: txn.open_table(CONVERSATION_CHANGES)?,
            changes_of: txn.open_table(CHANGES_OF)?,
            revised: txn.open_table(REVISED)?,
            trimmed: txn.open_table(TRIMMED)?,
            read_positions: txn.open_table(READ_POSITIONS)?,
            display_names: txn.open_table(DISPLAY_NAMES)?,
            meta: txn.open_table(META)?,
            standing: txn.open_table(STANDING)?,
            reset_codes: txn.open_table(RESET_CODES)?,
            room_rules: txn.open_table(ROOM_RULES)?,
            audit: txn.open_table(AUDIT)?,
            settings: txn.open_table(SETTINGS)?,
        })
    }

    /// A number from [`META`] (such as `last_seq`), or `default` if it was never written.
    pub fn meta(&self, key: &str, default: u64) -> Result<u64, redb::Error> {
        Ok(self.meta.get(key)?.map_or(default, |v| v.value()))
    }
}
