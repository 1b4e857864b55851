//! Forgetting, on purpose and in the background: messages past the retention (with the changes
//! to them: `--history-messages` counts messages, not changes), and client ids past the retry
//! window (expired sessions are `accounts::end_expired`'s); and, when the hub
//! removes a room, that room's messages ([`forget_conversation`]).
//!
//! The `store` thread sweeps when [`next_due`] says something is due (see `sweep.rs`), in a write
//! transaction of its own that is committed only if it removed something. Each sweep removes at
//! most [`MAX_SWEPT`] messages, so a large backlog of old history is worked off over several
//! sweeps, with the requests that arrive meanwhile committed between them, without ever holding
//! the writer for long. Messages go from the oldest: the ones kept are always within
//! `first_seq..=last_seq` (with the seqs of changes, and of removed rooms, between them), redb
//! keeps their number, and the next to go is the first.

use std::collections::HashMap;
use std::time::Duration;

use redb::{ReadableTable, ReadableTableMetadata};

use super::changes::forget_changes_of;
use super::messages::load_from;
use super::schema::MessageRow;
use super::sweep::{Due, past};
use super::tables::Tables;

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
pub fn sweep(t: &mut Tables, retention: &Retention, now_ms: u64) -> Result<bool, redb::Error> {
    let removed = remove_old_messages(t, retention, now_ms)?;
    let forgotten = forget_old_ids(t, retention.retry_window, now_ms)?;
    Ok(removed || forgotten)
}

/// When the retention next has something to remove: at once while more messages are kept than
/// `--history-messages` allows (a sweep removes at most [`MAX_SWEPT`]), else when the oldest kept
/// message passes `--history-days`, or the oldest remembered client id the retry window; never
/// while no message is kept. Three lookups, cheap enough to read after every commit of messages.
pub fn next_due(t: &Tables, retention: &Retention, now_ms: u64) -> Result<Due, redb::Error> {
    let first = t.meta("first_seq", 1)?;
    // Changes are not messages: `--history-messages` counts only these (redb keeps the count).
    let kept = t.messages.len()?;
    if retention.max_messages.is_some_and(|max| kept > max) {
        return Ok(Due::At(now_ms));
    }
    let oldest = oldest_from(&t.messages, first)?.map(|ts| past(ts, retention.max_age));
    let ids_from = t.meta("ids_from", 1)?.max(first);
    let oldest_id = oldest_from(&t.messages, ids_from)?.map(|ts| past(ts, retention.retry_window));
    Ok(oldest
        .into_iter()
        .chain(oldest_id)
        .map(Due::At)
        .min()
        .unwrap_or(Due::Never))
}

/// The `ts` of the first message at or after `seq`, if there is one.
fn oldest_from(
    messages: &impl ReadableTable<u64, MessageRow<'static>>,
    seq: u64,
) -> Result<Option<u64>, redb::Error> {
    let first = messages.range(seq..)?.next().transpose()?;
    Ok(first.map(|(_, row)| row.value().0))
}

/// Removes the oldest messages while there are too many or they are too old.
fn remove_old_messages(
    t: &mut Tables,
    retention: &Retention,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let last = t.meta("last_seq", 0)?;
    let first = t.meta("first_seq", 1)?;
    let cutoff = now_ms.saturating_sub(retention.max_age.as_millis() as u64);
    // Per conversation, the newest seq removed from it in this sweep.
    let mut trimmed = HashMap::new();
    let mut seq = first;
    while seq <= last && seq - first < MAX_SWEPT {
        let kept = t.messages.len()?;
        let too_many = retention.max_messages.is_some_and(|max| kept > max);
        let Some(message) = load_from(&t.messages, seq)? else {
            seq += 1;
            continue;
        };
        if !too_many && message.ts >= cutoff {
            break;
        }
        t.messages.remove(seq)?;
        let conversation = message.conversation();
        t.conversations.remove((conversation.as_str(), seq))?;
        forget_changes_of(t, seq, &conversation)?;
        trimmed.insert(conversation, seq);
        if let Some(id) = message.id.as_deref() {
            t.client_ids.remove((message.from_key.as_str(), id))?;
        }
        seq += 1;
    }
    if seq == first {
        return Ok(false);
    }
    for (conversation, seq) in trimmed {
        t.trimmed.insert(conversation.as_str(), seq)?;
    }
    t.meta.insert("first_seq", seq)?;
    Ok(true)
}

/// Forgets the client ids of messages older than the retry window: a retry after that long is a
/// new message.
fn forget_old_ids(t: &mut Tables, window: Duration, now_ms: u64) -> Result<bool, redb::Error> {
    let last = t.meta("last_seq", 0)?;
    let from = t.meta("ids_from", 1)?.max(t.meta("first_seq", 1)?);
    let cutoff = now_ms.saturating_sub(window.as_millis() as u64);
    let mut seq = from;
    while seq <= last && seq - from < MAX_SWEPT {
        match load_from(&t.messages, seq)? {
            Some(message) if message.ts >= cutoff => break,
            Some(message) => {
                if let Some(id) = message.id.as_deref() {
                    t.client_ids.remove((message.from_key.as_str(), id))?;
                }
            }
            // A change's id, remembered as long as a message's.
            None => {
                let change = t.changes.get(seq)?.map(|row| {
                    let (_, ts, _, by_key, _, id) = row.value();
                    (ts, by_key.to_owned(), id.to_owned())
                });
                match change {
                    Some((ts, _, _)) if ts >= cutoff => break,
                    Some((_, by_key, id)) if !id.is_empty() => {
                        t.client_ids.remove((by_key.as_str(), id.as_str()))?;
                    }
                    _ => {}
                }
            }
        }
        seq += 1;
    }
    if seq == from {
        return Ok(false);
    }
    t.meta.insert("ids_from", seq)?;
    Ok(true)
}

/// Removes every message of `conversation` (a room being removed), with its place in the index
/// and its client id, and forgets that retention trimmed it: a new room of that name starts
/// empty. Returns how many went. Unlike a sweep, this is not sliced: it takes as long as the
/// room's history is (bounded by its members' daily budgets over the retention), in the commit of
/// the change that removes the room: about 50 ms per 1,000 messages in a debug build. The
/// retention sweep then steps over the gaps.
pub fn forget_conversation(t: &mut Tables, conversation: &str) -> Result<u64, redb::Error> {
    let range = (conversation, 0)..=(conversation, u64::MAX);
    let mut seqs = Vec::new();
    for entry in t.conversations.range(range.clone())? {
        seqs.push(entry?.0.value().1);
    }
    t.conversations.retain_in(range, |_, _| false)?;
    for &seq in &seqs {
        let Some(row) = t.messages.remove(seq)? else {
            continue;
        };
        let (_, _, from_key, _, _, _, _, id) = row.value();
        if !id.is_empty() {
            t.client_ids.remove((from_key, id))?;
        }
        drop(row);
        forget_changes_of(t, seq, conversation)?;
    }
    t.trimmed.remove(conversation)?;
    Ok(seqs.len() as u64)
}

#[cfg(test)]
mod tests {
    use redb::{ReadableDatabase, ReadableTableMetadata};

    use super::*;
    use crate::store::messages::{Destination, Message, Post, append};
    use crate::store::schema::{CLIENT_IDS, CONVERSATIONS, MESSAGES, TRIMMED};

    const DAY_MS: u64 = 24 * 3600 * 1000;

    /// A day's history, client ids remembered for an hour.
    const RETENTION: Retention = Retention {
        max_age: Duration::from_secs(24 * 3600),
        max_messages: None,
        retry_window: Duration::from_secs(3600),
    };

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
            edited: None,
            deleted: false,
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
        let mut t = Tables::open(&txn).unwrap();
        for n in 0..10 {
            append(&mut t, post(if n % 2 == 0 { "art" } else { "math" }, n)).unwrap();
        }
        t.trimmed.insert("r/art", 1).unwrap();
        assert_eq!(forget_conversation(&mut t, "r/art").unwrap(), 5);
        drop(t);
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

    #[test]
    fn the_next_sweep_is_due_when_the_oldest_message_or_its_id_is_too_old() {
        let db = crate::store::schema::in_memory().unwrap();
        let txn = db.begin_write().unwrap();
        let mut t = Tables::open(&txn).unwrap();
        assert_eq!(
            next_due(&t, &RETENTION, 5).unwrap(),
            Due::Never,
            "nothing kept"
        );
        append(&mut t, post("art", 1)).unwrap();
        // Stamped at 1 ms: its id is forgotten past the hour, the message past the day.
        assert_eq!(
            next_due(&t, &RETENTION, 5).unwrap(),
            Due::At(3600 * 1000 + 2)
        );
        assert!(forget_old_ids(&mut t, RETENTION.retry_window, 3600 * 1000 + 2).unwrap());
        assert_eq!(next_due(&t, &RETENTION, 5).unwrap(), Due::At(DAY_MS + 2));
        let one = Retention {
            max_messages: Some(1),
            ..RETENTION
        };
        assert_eq!(next_due(&t, &one, 5).unwrap(), Due::At(DAY_MS + 2));
        append(&mut t, post("art", 2)).unwrap();
        assert_eq!(
            next_due(&t, &one, 5).unwrap(),
            Due::At(5),
            "too many: at once"
        );
        assert!(sweep(&mut t, &RETENTION, DAY_MS + 2).unwrap());
        assert_eq!(
            next_due(&t, &RETENTION, 5).unwrap(),
            Due::Never,
            "both were too old"
        );
    }
}
