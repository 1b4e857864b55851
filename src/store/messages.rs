//! Messages in the store: how one is kept, appended with its `seq`, and found again.
//!
//! `seq` is assigned here, in the `store` thread's transaction, and nowhere else: one server-wide
//! sequence that a commit makes permanent, so no client ever sees a `seq` that a crash could take
//! back, and `seq` never repeats or skips across restarts. Each message is also indexed under its
//! conversation (`r/ROOM` or `d/ALICE/BOB`) for history pages, and under its sender's client `id`
//! so that a retried message is recognised (see `append`).

use redb::ReadableTable;

use super::changes::{self, ChangeEvent};
use super::schema::MessageRow;
use super::tables::Tables;
use crate::event::ConnId;
use crate::wire::{ServerFrame, WireError};

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Room { key: String, name: String },
    User { key: String, name: String },
}

/// A chat message as stored and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// 0 until the store assigns it.
    pub seq: u64,
    pub ts: u64,
    /// The sender, as spelled and as a key.
    pub from: String,
    pub from_key: String,
    pub to: Destination,
    pub text: String,
    /// The sender's client id, if it gave one.
    pub id: Option<String>,
    /// When it was last edited, if it was.
    pub edited: Option<u64>,
    /// Deleted: a stub whose text is gone.
    pub deleted: bool,
}

/// A message for the store to append, from a connection.
#[derive(Debug)]
pub struct Post {
    pub conn: ConnId,
    pub message: Message,
}

/// What became of a post.
#[derive(Debug)]
pub enum Stored {
    /// Appended: its `seq` is durable.
    New { conn: ConnId, message: Message },
    /// Its sender had already used this client id: this is the message stored then.
    Again { conn: ConnId, message: Message },
    /// The store could not append it (or apply the change); the sender should try again.
    Failed { conn: ConnId, id: Option<String> },
    /// A change (edit, deletion) applied: its event's `seq` is durable.
    Changed { conn: ConnId, event: ChangeEvent },
    /// Its author had already used this client id for a change: the event stored then.
    ChangedAgain { conn: ConnId, event: ChangeEvent },
    /// A change refused after a look at the message (`no_such_message`, `not_allowed`).
    Refused { conn: ConnId, error: WireError },
    /// A moderation action kept and logged: its asker's answer, an encoded frame.
    Moderated {
        conn: ConnId,
        id: Option<String>,
        reply: String,
    },
}

impl Message {
    /// The `message` frame; `with_id` for the sending connection's copy.
    pub fn frame(&self, with_id: bool) -> ServerFrame<'_> {
        let (room, to) = match &self.to {
            Destination::Room { name, .. } => (Some(name.as_str()), None),
            Destination::User { name, .. } => (None, Some(name.as_str())),
        };
        ServerFrame::Message {
            seq: self.seq,
            from: &self.from,
            room,
            to,
            text: (!self.deleted).then_some(self.text.as_str()),
            ts: self.ts,
            edited: self.edited.filter(|_| !self.deleted),
            deleted: self.deleted,
            id: self.id.as_deref().filter(|_| with_id),
        }
    }

    /// The key of its conversation in the store's index.
    pub fn conversation(&self) -> String {
        match &self.to {
            Destination::Room { key, .. } => room_conversation(key),
            Destination::User { key, .. } => private_conversation(&self.from_key, key),
        }
    }
}

/// The conversation key of a room.
pub fn room_conversation(room_key: &str) -> String {
    format!("r/{room_key}")
}

/// The conversation key of two users' private conversation: the same whoever writes.
pub fn private_conversation(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("d/{first}/{second}")
}

/// Appends a post: gives it the next `seq`, unless its sender already used its client id, in
/// which case the message stored then is returned instead and nothing is written.
pub fn append(t: &mut Tables, post: Post) -> Result<Stored, redb::Error> {
    let Post { conn, mut message } = post;
    if let Some(id) = message.id.as_deref()
        && let Some(earlier) = changes::earlier(t, &message.from_key, id)?
    {
        return Ok(earlier.again(conn));
    }
    let seq = t.meta("last_seq", 0)? + 1;
    t.meta.insert("last_seq", seq)?;
    message.seq = seq;
    t.messages.insert(seq, row(&message))?;
    t.conversations
        .insert((message.conversation().as_str(), seq), ())?;
    if let Some(id) = message.id.as_deref() {
        t.client_ids.insert((message.from_key.as_str(), id), seq)?;
    }
    if let Destination::User { key, .. } = &message.to {
        t.dm_partners
            .insert(message.from_key.as_str(), key.as_str())?;
        t.dm_partners
            .insert(key.as_str(), message.from_key.as_str())?;
    }
    Ok(Stored::New { conn, message })
}

/// The row of a message (see `schema::MESSAGES`).
pub(super) fn row(message: &Message) -> MessageRow<'_> {
    let (room, to, to_key) = match &message.to {
        Destination::Room { name, .. } => (name.as_str(), "", ""),
        Destination::User { key, name } => ("", name.as_str(), key.as_str()),
    };
    (
        message.ts,
        &message.from,
        &message.from_key,
        room,
        to,
        to_key,
        &message.text,
        message.id.as_deref().unwrap_or(""),
    )
}

/// The message with this `seq`, from a table of messages (in a read or a write transaction), as
/// first stored: with its current text, but not marked edited or deleted (see
/// [`changes::as_it_is`]).
pub fn load_from(
    messages: &impl ReadableTable<u64, MessageRow<'static>>,
    seq: u64,
) -> Result<Option<Message>, redb::Error> {
    let Some(found) = messages.get(seq)? else {
        return Ok(None);
    };
    let (ts, from, from_key, room, to, to_key, text, id) = found.value();
    let to = match room.is_empty() {
        false => Destination::Room {
            key: crate::identity::name_key(room),
            name: room.to_owned(),
        },
        true => Destination::User {
            key: to_key.to_owned(),
            name: to.to_owned(),
        },
    };
    Ok(Some(Message {
        seq,
        ts,
        from: from.to_owned(),
        from_key: from_key.to_owned(),
        to,
        text: text.to_owned(),
        id: (!id.is_empty()).then(|| id.to_owned()),
        edited: None,
        deleted: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_conversation_has_one_key_whoever_writes() {
        assert_eq!(private_conversation("bob", "alice"), "d/alice/bob");
        assert_eq!(private_conversation("alice", "bob"), "d/alice/bob");
        assert_eq!(room_conversation("math"), "r/math");
    }

    #[test]
    fn the_senders_copy_alone_carries_the_id() {
        let message = Message {
            seq: 4,
            ts: 9,
            from: "Alice".into(),
            from_key: "alice".into(),
            to: Destination::User {
                key: "bob".into(),
                name: "Bob".into(),
            },
            text: "psst".into(),
            id: Some("c1".into()),
            edited: None,
            deleted: false,
        };
        assert_eq!(
            message.frame(false).to_json(),
            r#"{"type":"message","seq":4,"from":"Alice","to":"Bob","text":"psst","ts":9}"#
        );
        assert!(message.frame(true).to_json().contains(r#""id":"c1""#));
    }
}
