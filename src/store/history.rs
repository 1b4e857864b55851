//! The `history` thread: reads of past messages, for history pages and for clients catching up.
//!
//! Blocks on its query channel. Woken by the hub, which has checked that the asker may see what
//! it asks for. Each query is one redb read transaction, a snapshot that never waits for the
//! store's writer and never runs on the hub; the answer, already encoded as WebSocket frames, goes
//! back to the hub (`Event::History`, `Event::Replay`), which sends it to the asking connection.
//! Messages are read as they are now (edited, or a deleted stub), and a catch-up brings the
//! change events too (`changes.rs`).
//! The asker's own messages carry the `id` it gave them, as its own copy of a live message does:
//! a page reloaded with messages still pending learns from them which went through.
//! It ends when the hub, the channel's only sender, has stopped.

use std::panic::{self, AssertUnwindSafe};

use crossbeam_channel::{Receiver, Sender};
use redb::ReadTransaction;

use super::changes::{Kind, as_it_is, load_change};
use super::messages::{self, Message};
use super::schema::{
    CHANGES, CONVERSATION_CHANGES, CONVERSATIONS, MESSAGES, META, REVISED, TRIMMED,
};
use super::{Reader, StoreError};
use crate::event::{ConnId, Event};
use crate::log;
use crate::wire::{ServerFrame, fit};
use crate::ws::frame;

/// Queries waiting for the `history` thread. When full, the hub answers the asker `unavailable`
/// at once instead of waiting.
pub const HISTORY_QUEUE: usize = 1024;

/// Messages in one page of a catch-up at most.
pub const REPLAY_PAGE: usize = 200;

/// What the hub asks.
#[derive(Debug)]
pub enum Query {
    /// A page of one conversation, before `before` (the newest when `None`).
    History {
        conn: ConnId,
        /// The asker's name_key: its own messages carry their `id`.
        me: String,
        conversation: String,
        /// How the answer names the conversation: a room, or the other user.
        room: Option<String>,
        with: Option<String>,
        before: Option<u64>,
        limit: usize,
        /// About how many bytes the page's frame may hold: the newest messages that fit.
        max_bytes: usize,
    },
    /// The next page of what a reconnecting client missed: messages after `after` in any of its
    /// conversations, at most [`REPLAY_PAGE`] of them and about `max_bytes` of frames.
    CatchUp {
        conn: ConnId,
        /// The asker's name_key: its own messages carry their `id`.
        me: String,
        conversations: Vec<String>,
        after: u64,
        max_bytes: usize,
    },
    /// A page of the moderation log, entries before `before` (the newest when `None`); the
    /// deleted texts only `with_text` (an owner asks).
    Audit {
        conn: ConnId,
        before: Option<u64>,
        limit: usize,
        with_text: bool,
        /// The asking frame's `id`, named in the answer.
        id: Option<String>,
        max_bytes: usize,
    },
}

/// A page of a catch-up.
#[derive(Debug)]
pub struct Page {
    /// The messages, each an encoded WebSocket text frame, back to back.
    pub frames: Vec<u8>,
    /// The `seq` of the last message in the page, if any.
    pub last: Option<u64>,
    /// The last `seq` of the whole store when the page was read.
    pub upto: u64,
    /// More messages follow this page.
    pub more: bool,
    /// Some messages after `after` were removed by retention before they could be sent.
    pub truncated: bool,
}

/// The `history` thread (see the module doc).
pub fn run(reader: Reader, queries: Receiver<Query>, to_hub: Sender<Event>) {
    // Blocks until the hub asks; ends when the hub has stopped.
    for query in queries {
        let conn = query.conn();
        // redb panics on some damage to a file (changed under it since the start-up check): that
        // query fails, not the thread and with it the server.
        let event = match panic::catch_unwind(AssertUnwindSafe(|| answer(&reader, query))) {
            Ok(Ok(event)) => event,
            Ok(Err(e)) => {
                log!("history: {e}");
                Event::HistoryFailed { conn }
            }
            Err(_) => {
                log!("history: redb panicked reading the store: is the file damaged?");
                Event::HistoryFailed { conn }
            }
        };
        if to_hub.send(event).is_err() {
            return;
        }
    }
}

impl Query {
    fn conn(&self) -> ConnId {
        match self {
            Query::History { conn, .. }
            | Query::CatchUp { conn, .. }
            | Query::Audit { conn, .. } => *conn,
        }
    }
}

fn answer(reader: &Reader, query: Query) -> Result<Event, StoreError> {
    match query {
        Query::History {
            conn,
            me,
            conversation,
            room,
            with,
            before,
            limit,
            max_bytes,
        } => {
            let read = reader.begin("reading history")?;
            let page = history(&read, &conversation, before, limit);
            let (messages, more, truncated) = page.map_err(fail)?;
            // Cut newest first, so that a page cut short still ends with the newest messages and
            // `before` its first one asks for the rest.
            let frames = messages.iter().rev().map(|m| m.frame(m.from_key == me));
            let (mut frames, cut) = fit(frames, max_bytes);
            frames.reverse();
            let json = ServerFrame::History {
                room: room.as_deref(),
                with: with.as_deref(),
                messages: frames,
                more: more || cut,
                truncated: truncated && !cut,
            }
            .to_json();
            Ok(Event::History { conn, json })
        }
        Query::CatchUp {
            conn,
            me,
            conversations,
            after,
            max_bytes,
        } => {
            let read = reader.begin("catching up")?;
            let page = catch_up(&read, &me, &conversations, after, max_bytes);
            Ok(Event::Replay {
                conn,
                page: page.map_err(fail)?,
            })
        }
        Query::Audit {
            conn,
            before,
            limit,
            with_text,
            id,
            max_bytes,
        } => {
            let (entries, more) = reader.audit_page(before, limit, with_text, max_bytes)?;
            let mut answer = serde_json::json!({"type": "audit", "entries": entries, "more": more});
            if let Some(id) = id {
                answer["id"] = id.into();
            }
            Ok(Event::History {
                conn,
                json: answer.to_string(),
            })
        }
    }
}

fn fail(e: redb::Error) -> StoreError {
    StoreError::new("reading messages", e)
}

/// Up to `limit` messages of a conversation before `before`, oldest first; whether there are
/// older ones, and whether older ones may have been removed.
fn history(
    read: &ReadTransaction,
    conversation: &str,
    before: Option<u64>,
    limit: usize,
) -> Result<(Vec<Message>, bool, bool), redb::Error> {
    let index = read.open_table(CONVERSATIONS)?;
    let upper = before.unwrap_or(u64::MAX);
    let mut seqs = Vec::with_capacity(limit + 1);
    for entry in index
        .range((conversation, 0)..(conversation, upper))?
        .rev()
        .take(limit + 1)
    {
        seqs.push(entry?.0.value().1);
    }
    let more = seqs.len() > limit;
    seqs.truncate(limit);
    seqs.reverse();
    let messages = load_all(read, &seqs)?;
    let truncated = !more && trimmed(read, conversation)? > 0;
    Ok((messages, more, truncated))
}

/// The next page of what came after `after` in any of `conversations`, in `seq` order: each
/// message as it is now, and the changes to messages (which follow the message, if it is in the
/// page too, so that applying them changes nothing). An edit of a message deleted since is left
/// out: its deletion comes later in the same stream, and it has no text left to carry.
fn catch_up(
    read: &ReadTransaction,
    me: &str,
    conversations: &[String],
    after: u64,
    max_bytes: usize,
) -> Result<Page, redb::Error> {
    let mut seqs = Vec::new();
    for table in [CONVERSATIONS, CONVERSATION_CHANGES] {
        let index = read.open_table(table)?;
        for conversation in conversations {
            let from = (conversation.as_str(), after.saturating_add(1));
            let range = index.range(from..=(conversation.as_str(), u64::MAX))?;
            for entry in range.take(REPLAY_PAGE + 1) {
                seqs.push(entry?.0.value().1);
            }
        }
    }
    seqs.sort_unstable();
    let mut more = seqs.len() > REPLAY_PAGE;
    seqs.truncate(REPLAY_PAGE);
    let (table, changes, revised) = (
        read.open_table(MESSAGES)?,
        read.open_table(CHANGES)?,
        read.open_table(REVISED)?,
    );
    let mut frames = Vec::new();
    let mut last = None;
    for seq in seqs {
        if frames.len() >= max_bytes {
            more = true;
            break;
        }
        let json = match messages::load_from(&table, seq)? {
            Some(message) => {
                let message = as_it_is(&revised, message)?;
                Some(message.frame(message.from_key == me).to_json())
            }
            None => load_change(&changes, &table, &revised, seq)?
                .filter(|event| {
                    let gone = revised.get(event.target).ok().flatten();
                    let deleted = gone.is_some_and(|v| v.value().1 != 0);
                    !(deleted && matches!(event.kind, Kind::Edited(_)))
                })
                .map(|event| event.frame(event.by_key == me).to_json()),
        };
        if let Some(json) = json {
            frame::text(&mut frames, &json);
        }
        last = Some(seq);
    }
    let meta = read.open_table(META)?;
    let upto = meta.get("last_seq")?.map_or(0, |v| v.value());
    let mut truncated = false;
    for conversation in conversations {
        truncated |= trimmed(read, conversation)? > after;
    }
    Ok(Page {
        frames,
        last,
        upto,
        more,
        truncated,
    })
}

/// The messages with these `seq`s, in the same order (any that retention removed meanwhile are
/// left out).
fn load_all(read: &ReadTransaction, seqs: &[u64]) -> Result<Vec<Message>, redb::Error> {
    let (table, revised) = (read.open_table(MESSAGES)?, read.open_table(REVISED)?);
    let mut messages = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        if let Some(message) = messages::load_from(&table, seq)? {
            messages.push(as_it_is(&revised, message)?);
        }
    }
    Ok(messages)
}

/// The newest `seq` retention removed from a conversation (0 when none ever was).
fn trimmed(read: &ReadTransaction, conversation: &str) -> Result<u64, redb::Error> {
    Ok(read
        .open_table(TRIMMED)?
        .get(conversation)?
        .map_or(0, |v| v.value()))
}
