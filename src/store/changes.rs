//! Edits and deletions: a change is an event, with its own `seq` in the one sequence, pointing
//! at the message it changes (`target`), as Matrix models it. So catch-up, durability and
//! exactly-once cover changes with no new mechanism: a change is applied in the store's
//! transaction, gets the next `seq`, is durable before anyone hears of it, and its client `id`
//! is kept beside the messages' ids, so a retry is answered with the event stored then.
//!
//! Only the message's row holds text, and always its current text: an edit replaces it and keeps
//! no earlier version; a deletion empties it. So once a deletion is committed, no version of the
//! text is in any row; the pages redb's copy-on-write left behind are then overwritten or cut
//! off by a compaction (`Disk::scrub`, run before anyone is told).
//!
//! Who may change what is [`may_change`]: one rule, where a role is one more line.

use redb::ReadableTable;

use super::messages::{Destination, Message, Stored, load_from, row};
use super::schema::{ChangeRow, DELETE, EDIT};
use super::tables::Tables;
use crate::event::ConnId;
use crate::roles::Role;
use crate::wire::{ErrorCode, ServerFrame, WireError};

/// A change the hub asks for, checked there for pace and text, here against the message.
#[derive(Debug)]
pub struct Revise {
    pub conn: ConnId,
    /// Who asks, as spelled and as a key, and their role.
    pub by: String,
    pub by_key: String,
    pub by_role: Role,
    /// The message's seq.
    pub target: u64,
    /// The new text; `None` deletes.
    pub text: Option<String>,
    pub id: Option<String>,
    pub ts: u64,
    /// The keys of the asker's rooms: a message elsewhere is not visible to them.
    pub rooms: Vec<String>,
    /// A suspension's deletion of everything its user sent: every message is in reach.
    pub sees_all: bool,
    /// How long after sending its author may change a message (`--edit-window`).
    pub window_ms: u64,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// The message's text is now this.
    Edited(String),
    Deleted,
}

/// A change event as stored and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    pub seq: u64,
    pub target: u64,
    pub ts: u64,
    /// Who changed it, as spelled and as a key.
    pub by: String,
    pub by_key: String,
    /// The message's author and audience.
    pub from: String,
    pub from_key: String,
    pub to: Destination,
    pub kind: Kind,
    /// The asker's client id, if it gave one.
    pub id: Option<String>,
}

impl ChangeEvent {
    /// The `edited` or `deleted` frame; `with_id` for the asking connection's copy.
    pub fn frame(&self, with_id: bool) -> ServerFrame<'_> {
        let (room, to) = match &self.to {
            Destination::Room { name, .. } => (Some(name.as_str()), None),
            Destination::User { name, .. } => (None, Some(name.as_str())),
        };
        let id = self.id.as_deref().filter(|_| with_id);
        let (seq, target, from, by, ts) = (self.seq, self.target, &self.from, &self.by, self.ts);
        match &self.kind {
            Kind::Edited(text) => ServerFrame::Edited {
                seq,
                target,
                room,
                to,
                from,
                by,
                text,
                ts,
                id,
            },
            Kind::Deleted => ServerFrame::Deleted {
                seq,
                target,
                room,
                to,
                from,
                by,
                ts,
                id,
            },
        }
    }
}

/// Who may change `message`: its author, within the window; and any owner or moderator may
/// delete it, at any time.
fn may_change(revise: &Revise, message: &Message) -> Result<(), WireError> {
    let verb = if revise.text.is_some() {
        "edit"
    } else {
        "delete"
    };
    if revise.text.is_none() && revise.by_role.moderates() {
        return Ok(());
    }
    if message.from_key != revise.by_key {
        let why = format!("you can only {verb} your own messages");
        return Err(WireError::new(ErrorCode::NotAllowed, why));
    }
    if revise.ts.saturating_sub(message.ts) > revise.window_ms {
        let minutes = revise.window_ms / 60_000;
        let why = format!(
            "a message can be changed for {minutes} minutes after it is sent; this one is older"
        );
        return Err(WireError::new(ErrorCode::NotAllowed, why));
    }
    Ok(())
}

/// Whether the asker may see `message`: a member of its room, or one of its two people.
fn visible(revise: &Revise, message: &Message) -> bool {
    if revise.sees_all {
        return true;
    }
    match &message.to {
        Destination::Room { key, .. } => revise.rooms.contains(key),
        Destination::User { key, .. } => [key, &message.from_key].contains(&&revise.by_key),
    }
}

/// Applies a change: the message's row takes the new text (or is emptied), and the event is
/// appended with the next `seq`. A retried client id gets the event (or message) stored then; a
/// message that is missing, deleted, not a message or not visible gets one answer.
pub fn revise(t: &mut Tables, revise: Revise) -> Result<Stored, redb::Error> {
    let conn = revise.conn;
    if let Some(id) = revise.id.as_deref()
        && let Some(earlier) = earlier(t, &revise.by_key, id)?
    {
        return Ok(earlier.again(conn));
    }
    let refuse = |error: WireError| Stored::Refused {
        conn,
        error: error.for_id(revise.id.clone()),
    };
    let found = load_from(&t.messages, revise.target)?;
    let (edited_ts, deleted_ts) = revision(t, revise.target)?;
    let Some(mut message) = found.filter(|m| deleted_ts == 0 && visible(&revise, m)) else {
        let why = format!("there is no message {}", revise.target);
        return Ok(refuse(WireError::new(ErrorCode::NoSuchMessage, why)));
    };
    if let Err(error) = may_change(&revise, &message) {
        return Ok(refuse(error));
    }
    let seq = t.meta("last_seq", 0)? + 1;
    t.meta.insert("last_seq", seq)?;
    let (kind, code, revised) = match revise.text {
        Some(text) => {
            message.text = text.clone();
            (Kind::Edited(text), EDIT, (revise.ts, 0))
        }
        None => {
            if message.from_key != revise.by_key {
                log_deletion(t, &revise, &message)?;
            }
            message.text.clear();
            (Kind::Deleted, DELETE, (edited_ts, revise.ts))
        }
    };
    t.messages.insert(revise.target, row(&message))?;
    t.revised.insert(revise.target, revised)?;
    let id = revise.id.as_deref().unwrap_or("");
    let change: ChangeRow = (
        revise.target,
        revise.ts,
        &revise.by,
        &revise.by_key,
        code,
        id,
    );
    t.changes.insert(seq, change)?;
    let conversation = message.conversation();
    t.conversation_changes
        .insert((conversation.as_str(), seq), ())?;
    t.changes_of.insert((revise.target, seq), ())?;
    if let Some(id) = revise.id.as_deref() {
        t.client_ids.insert((revise.by_key.as_str(), id), seq)?;
    }
    let event = ChangeEvent {
        seq,
        target: revise.target,
        ts: revise.ts,
        by: revise.by,
        by_key: revise.by_key,
        from: message.from,
        from_key: message.from_key,
        to: message.to,
        kind,
        id: revise.id,
    };
    Ok(Stored::Changed { conn, event })
}

/// A moderator's deletion, in the moderation log with the text it removes from the chat: the
/// evidence a teacher keeps (only owners read it there).
fn log_deletion(t: &mut Tables, revise: &Revise, message: &Message) -> Result<(), redb::Error> {
    let mut entry = serde_json::Map::new();
    entry.insert("ts".into(), revise.ts.into());
    entry.insert("by".into(), revise.by.clone().into());
    entry.insert("action".into(), "delete".into());
    entry.insert("user".into(), message.from.clone().into());
    entry.insert("target".into(), message.seq.into());
    match &message.to {
        Destination::Room { name, .. } => entry.insert("room".into(), name.clone().into()),
        Destination::User { name, .. } => entry.insert("to".into(), name.clone().into()),
    };
    entry.insert("text".into(), message.text.clone().into());
    super::moderation::record(t, entry, revise.ts)
}

/// A message's (last edit's ts, deletion's ts), 0 for what did not happen.
fn revision(t: &Tables, seq: u64) -> Result<(u64, u64), redb::Error> {
    Ok(t.revised.get(seq)?.map_or((0, 0), |v| v.value()))
}

/// What a client id was used for before.
pub enum Earlier {
    Message(Message),
    Change(ChangeEvent),
}

impl Earlier {
    /// The answer to the retry: what was stored then, to the retrying connection only.
    pub fn again(self, conn: ConnId) -> Stored {
        match self {
            Earlier::Message(message) => Stored::Again { conn, message },
            Earlier::Change(event) => Stored::ChangedAgain { conn, event },
        }
    }
}

/// What `user_key` stored under client `id`, if anything still is: a message as it is now, or a
/// change event. (An edit whose message was deleted since is answered with the deletion, under
/// the retried id: that is where its message is now.)
pub fn earlier(t: &Tables, user_key: &str, id: &str) -> Result<Option<Earlier>, redb::Error> {
    let Some(seq) = t.client_ids.get((user_key, id))?.map(|v| v.value()) else {
        return Ok(None);
    };
    if let Some(message) = load_from(&t.messages, seq)? {
        let message = as_it_is(&t.revised, message)?;
        return Ok(Some(Earlier::Message(message)));
    }
    let Some(mut event) = load_change(&t.changes, &t.messages, &t.revised, seq)? else {
        return Ok(None);
    };
    if matches!(event.kind, Kind::Edited(_)) && revision(t, event.target)?.1 != 0 {
        let last = t
            .changes_of
            .range((event.target, 0)..=(event.target, u64::MAX))?
            .next_back()
            .transpose()?
            .map(|(key, _)| key.value().1);
        let deletion = last
            .map(|seq| load_change(&t.changes, &t.messages, &t.revised, seq))
            .transpose()?
            .flatten();
        if let Some(deletion) = deletion {
            event = ChangeEvent {
                id: event.id,
                ..deletion
            };
        }
    }
    Ok(Some(Earlier::Change(event)))
}

/// `message` marked as it is now: edited (when), or deleted.
pub fn as_it_is(
    revised: &impl ReadableTable<u64, (u64, u64)>,
    mut message: Message,
) -> Result<Message, redb::Error> {
    if let Some((edited, deleted)) = revised.get(message.seq)?.map(|v| v.value()) {
        message.edited = (edited != 0).then_some(edited);
        message.deleted = deleted != 0;
    }
    Ok(message)
}

/// The change event with this `seq`, if it is one whose message is still kept. An edit carries
/// the message's current text (so that replaying it after the message changes nothing).
pub fn load_change(
    changes: &impl ReadableTable<u64, ChangeRow<'static>>,
    messages: &impl ReadableTable<u64, super::schema::MessageRow<'static>>,
    revised: &impl ReadableTable<u64, (u64, u64)>,
    seq: u64,
) -> Result<Option<ChangeEvent>, redb::Error> {
    let Some(found) = changes.get(seq)? else {
        return Ok(None);
    };
    let (target, ts, by, by_key, code, id) = found.value();
    let Some(message) = load_from(messages, target)? else {
        return Ok(None);
    };
    let message = as_it_is(revised, message)?;
    let kind = match code {
        DELETE => Kind::Deleted,
        _ => Kind::Edited(message.text),
    };
    Ok(Some(ChangeEvent {
        seq,
        target,
        ts,
        by: by.to_owned(),
        by_key: by_key.to_owned(),
        from: message.from,
        from_key: message.from_key,
        to: message.to,
        kind,
        id: (!id.is_empty()).then(|| id.to_owned()),
    }))
}

/// Removes every change event of message `target` (which is being removed), with its place in
/// the indexes and its client id; returns how many went.
pub fn forget_changes_of(
    t: &mut Tables,
    target: u64,
    conversation: &str,
) -> Result<u64, redb::Error> {
    let range = (target, 0)..=(target, u64::MAX);
    let mut seqs = Vec::new();
    for entry in t.changes_of.range(range.clone())? {
        seqs.push(entry?.0.value().1);
    }
    t.revised.remove(target)?;
    if seqs.is_empty() {
        return Ok(0);
    }
    t.changes_of.retain_in(range, |_, _| false)?;
    for &seq in &seqs {
        t.conversation_changes.remove((conversation, seq))?;
        if let Some(row) = t.changes.remove(seq)? {
            let (_, _, _, by_key, _, id) = row.value();
            if !id.is_empty() {
                t.client_ids.remove((by_key, id))?;
            }
        }
    }
    Ok(seqs.len() as u64)
}
