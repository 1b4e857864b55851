//! Forgetting, on purpose and in the background: messages past the retention, and client ids
//! past the retry window (expired sessions are `accounts::end_expired`'s); and, when the hub
//! removes a room, that room's messages ([`forget_conversation`]).
//!
//! The `store` thread sweeps at least once a second (more often for a short session expiry), in a
//! write transaction of its own that is committed only if it removed something. Each sweep removes
//! at most [`MAX_SWEPT`] messages, so a large backlog of old history is worked off over several
//! sweeps without ever holding the writer for long. Messages go from the oldest: the ones kept are
//! always `first_seq..=last_seq`, so their number needs no counting.

use std::collections::HashMap;
use std::time::Duration;

use redb::{ReadableTable, WriteTransaction};

use super::messages::load_from;
use super::schema::{CLIENT_IDS, CONVERSATIONS, MESSAGES, META, TRIMMED};

/// Messages removed by one sweep at most.
const MAX_SWEPT: u64 = 10_000;

/// How much history is kept, and for how long a client id is remembered.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Messages older than this are removed.
    pub max_age: Duration,
    /// At most this many messages are kept, if set.
    pub max_messages: Option<u64>,
    /// A client id (for recognising retries) is remembered this long.
    pub retry_window: Duration,
}

/// Removes what the retention and the retry window no longer keep; `true` if anything went.
pub fn sweep(
    txn: &WriteTransaction,
    retention: &Retention,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let removed = remove_old_messages(txn, retention, now_ms)?;
    let forgotten = forget_old_ids(txn, retention.retry_window, now_ms)?;
    Ok(removed || forgotten)
}

fn meta(txn: &WriteTransaction, key: &str, default: u64) -> Result<u64, redb::Error> {
    Ok(txn
        .open_table(META)?
        .get(key)?
        .map_or(default, |v| v.value()))
}

/// Removes the oldest messages while there are too many or they are too old.
fn remove_old_messages(
    txn: &WriteTransaction,
    retention: &Retention,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let last = meta(txn, "last_seq", 0)?;
    let first = meta(txn, "first_seq", 1)?;
    let cutoff = now_ms.saturating_sub(retention.max_age.as_millis() as u64);
    let mut messages = txn.open_table(MESSAGES)?;
    let mut index = txn.open_table(CONVERSATIONS)?;
    let mut ids = txn.open_table(CLIENT_IDS)?;
    // Per conversation, the newest seq removed from it in this sweep.
    let mut trimmed = HashMap::new();
    let mut seq = first;
    while seq <= last && seq - first < MAX_SWEPT {
        let kept = last - seq + 1;
        let too_many = retention.max_messages.is_some_and(|max| kept > max);
        let Some(message) = load_from(&messages, seq)? else {
            seq += 1;
            continue;
        };
        if !too_many && message.ts >= cutoff {
            break;
        }
        messages.remove(seq)?;
        let conversation = message.conversation();
        index.remove((conversation.as_str(), seq))?;
        trimmed.insert(conversation, seq);
        if let Some(id) = message.id.as_deref() {
            ids.remove((message.from_key.as_str(), id))?;
        }
        seq += 1;
    }
    drop((messages, index, ids));
    if seq == first {
        return Ok(false);
    }
    let mut table = txn.open_table(TRIMMED)?;
    for (conversation, seq) in trimmed {
        table.insert(conversation.as_str(), seq)?;
    }
    drop(table);
    txn.open_table(META)?.insert("first_seq", seq)?;
    Ok(true)
}

/// Forgets the client ids of messages older than the retry window: a retry after that long is a
/// new message.
fn forget_old_ids(
    txn: &WriteTransaction,
    window: Duration,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let last = meta(txn, "last_seq", 0)?;
    let from = meta(txn, "ids_from", 1)?.max(meta(txn, "first_seq", 1)?);
    let cutoff = now_ms.saturating_sub(window.as_millis() as u64);
    let messages = txn.open_table(MESSAGES)?;
    let mut ids = txn.open_table(CLIENT_IDS)?;
    let mut seq = from;
    while seq <= last && seq - from < MAX_SWEPT {
        match load_from(&messages, seq)? {
            Some(message) if message.ts >= cutoff => break,
            Some(message) => {
                if let Some(id) = message.id.as_deref() {
                    ids.remove((message.from_key.as_str(), id))?;
                }
            }
            None => {}
        }
        seq += 1;
    }
    drop((messages, ids));
    if seq == from {
        return Ok(false);
    }
    txn.open_table(META)?.insert("ids_from", seq)?;
    Ok(true)
}

/// Removes every message of `conversation` (a room being removed), with its place in the index
/// and its client id, and forgets that retention trimmed it: a new room of that name starts
/// empty. Returns how many went. Unlike a sweep, this is not sliced: it takes as long as the
/// room's history is (bounded by its members' daily budgets over the retention), in the commit of
/// the change that removes the room: about 50 ms per 1,000 messages in a debug build. The
/// retention sweep then steps over the gaps.
pub fn forget_conversation(txn: &WriteTransaction, conversation: &str) -> Result<u64, redb::Error> {
    let mut index = txn.open_table(CONVERSATIONS)?;
    let mut seqs = Vec::new();
    for entry in index.range((conversation, 0)..=(conversation, u64::MAX))? {
        seqs.push(entry?.0.value().1);
    }
    index.retain_in((conversation, 0)..=(conversation, u64::MAX), |_, _| false)?;
    let mut messages = txn.open_table(MESSAGES)?;
    let mut ids = txn.open_table(CLIENT_IDS)?;
    for &seq in &seqs {
        let Some(row) = messages.remove(seq)? else {
            continue;
        };
        let (_, _, from_key, _, _, _, _, id) = row.value();
        if !id.is_empty() {
            ids.remove((from_key, id))?;
        }
    }
    txn.open_table(TRIMMED)?.remove(conversation)?;
    Ok(seqs.len() as u64)
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, ReadableTableMetadata};

    use super::*;
    use crate::store::messages::{Destination, Message, Post, append};

    fn post(room: &str, n: u64) -> Post {
        let message = Message {
            seq: 0,
            ts: 1,
            from: "alice".into(),
            from_key: "alice".into(),
            to: Destination::Room {
                key: room.into(),
                name: room.into(),
            },
            text: "hello".into(),
            id: Some(format!("c{n}")),
        };
        Post {
            conn: Default::default(),
            message,
        }
    }

    #[test]
    fn forgetting_a_rooms_conversation_leaves_the_others_whole() {
        let db = crate::store::schema::in_memory().unwrap();
        let txn = db.begin_write().unwrap();
        for n in 0..10 {
            append(&txn, post(if n % 2 == 0 { "art" } else { "math" }, n)).unwrap();
        }
        txn.open_table(TRIMMED).unwrap().insert("r/art", 1).unwrap();
        assert_eq!(forget_conversation(&txn, "r/art").unwrap(), 5);
        txn.commit().unwrap();
        let read = db.begin_read().unwrap();
        assert_eq!(read.open_table(MESSAGES).unwrap().len().unwrap(), 5);
        assert_eq!(read.open_table(CONVERSATIONS).unwrap().len().unwrap(), 5);
        assert_eq!(read.open_table(CLIENT_IDS).unwrap().len().unwrap(), 5);
        assert!(
            read.open_table(TRIMMED)
                .unwrap()
                .get("r/art")
                .unwrap()
                .is_none()
        );
        let messages = read.open_table(MESSAGES).unwrap();
        for entry in messages.iter().unwrap() {
            let (_, row) = entry.unwrap();
            assert_eq!(row.value().3, "math");
        }
    }
}
