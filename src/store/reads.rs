//! Read positions in the store: how far each user has read each conversation, and, for the hub
//! at start-up, the newest messages of each conversation with their senders (what an unread
//! count is counted from).
//!
//! The hub keeps both in memory and moves positions there at once; a moved position comes here
//! coalesced (the latest per user and conversation of each flush, see `hub/reads.rs`) and is
//! committed with the next group, in the same transaction as the messages around it. Losing the
//! last one in a crash costs a reader a few messages shown unread again, never a message.

use redb::ReadableTable;

use super::schema::{CONVERSATIONS, DM_PARTNERS, MESSAGES, READ_POSITIONS, ROOMS};
use super::tables::Tables;
use super::{private_conversation, room_conversation};

/// The newest messages of each conversation the hub is given at start-up: as many as an unread
/// count counts (a count past it is "at least this many").
pub const RECENT: usize = 100;

/// A read position, from the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadChange {
    /// The store's conversation key (`room_conversation`, `private_conversation`).
    pub conversation: String,
    pub user_key: String,
    pub seq: u64,
}

/// Stores a position: only ever forward, whatever order the hub's flushes commit in.
pub fn apply(t: &mut Tables, change: &ReadChange) -> Result<(), redb::Error> {
    let key = (change.conversation.as_str(), change.user_key.as_str());
    let stored = t.read_positions.get(key)?.map_or(0, |v| v.value());
    if change.seq > stored {
        t.read_positions.insert(key, change.seq)?;
    }
    Ok(())
}

/// A room goes: so do the positions in it.
pub fn forget_conversation(t: &mut Tables, conversation: &str) -> Result<(), redb::Error> {
    let users: Vec<String> = t
        .read_positions
        .range((conversation, "")..)?
        .map_while(|row| {
            let (key, _) = row.ok()?;
            let (conv, user) = key.value();
            (conv == conversation).then(|| user.to_owned())
        })
        .collect();
    for user in users {
        t.read_positions.remove((conversation, user.as_str()))?;
    }
    Ok(())
}

/// What the hub starts from: every position, and each conversation's newest [`RECENT`] messages.
#[derive(Debug, Default)]
pub struct ReadSnapshot {
    /// (conversation, user key, seq).
    pub positions: Vec<(String, String, u64)>,
    /// (conversation, seq, sender's key), each conversation's oldest first.
    pub recent: Vec<(String, u64, String)>,
}

/// Reads the positions and the recent messages of every room and private conversation.
pub fn snapshot(read: &redb::ReadTransaction) -> Result<ReadSnapshot, redb::Error> {
    let positions_table = read.open_table(READ_POSITIONS)?;
    let mut snapshot = ReadSnapshot::default();
    for row in positions_table.iter()? {
        let (key, seq) = row?;
        let (conversation, user) = key.value();
        snapshot
            .positions
            .push((conversation.to_owned(), user.to_owned(), seq.value()));
    }
    let mut conversations = Vec::new();
    for row in read.open_table(ROOMS)?.iter()? {
        conversations.push(room_conversation(row?.0.value()));
    }
    let partners = read.open_multimap_table(DM_PARTNERS)?;
    for row in redb::ReadableMultimapTable::iter(&partners)? {
        let (a, others) = row?;
        for b in others {
            let (a, b) = (a.value(), b?.value().to_owned());
            if a < b.as_str() {
                conversations.push(private_conversation(a, &b)); // once per pair
            }
        }
    }
    let index = read.open_table(CONVERSATIONS)?;
    let messages = read.open_table(MESSAGES)?;
    for conversation in conversations {
        let range = index.range((conversation.as_str(), 0)..=(conversation.as_str(), u64::MAX))?;
        let mut newest = Vec::new();
        for row in range.rev().take(RECENT) {
            let seq = row?.0.value().1;
            if let Some(message) = messages.get(seq)? {
                newest.push((conversation.clone(), seq, message.value().2.to_owned()));
            }
        }
        snapshot.recent.extend(newest.into_iter().rev());
    }
    Ok(snapshot)
}
