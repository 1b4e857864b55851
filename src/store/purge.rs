//! A suspension with `"delete_messages":true`: everything one user sent, deleted, each message as
//! a deletion event of its own (`changes.rs`), so catch-up and history show it like any other.

use redb::ReadableTable;

use super::changes::{Revise, revise};
use super::messages::Stored;
use super::tables::Tables;
use crate::event::ConnId;
use crate::roles::Role;

/// A suspension's `"delete_messages":true`: every message of one user, deleted.
#[derive(Debug)]
pub struct DeleteAllBy {
    /// The moderator's connection, and who they are.
    pub conn: ConnId,
    pub by: String,
    pub by_key: String,
    /// Whose messages go.
    pub user_key: String,
    pub ts: u64,
}

/// Deletes every message `purge.user_key` sent that is still there, each as a deletion event
/// (logged with its text, as any moderator's deletion). Walks every kept message: a rare action,
/// bounded by retention.
pub fn delete_all_by(t: &mut Tables, purge: DeleteAllBy) -> Result<Vec<Stored>, redb::Error> {
    let mut theirs = Vec::new();
    for row in t.messages.iter()? {
        let (seq, value) = row?;
        if value.value().2 == purge.user_key {
            theirs.push(seq.value());
        }
    }
    let mut stored = Vec::new();
    for target in theirs {
        let request = Revise {
            conn: purge.conn,
            by: purge.by.clone(),
            by_key: purge.by_key.clone(),
            by_role: Role::Moderator,
            target,
            text: None,
            id: None,
            ts: purge.ts,
            rooms: Vec::new(),
            sees_all: true,
            window_ms: 0,
        };
        // One already deleted has nothing to say.
        if let changed @ Stored::Changed { .. } = revise(t, request)? {
            stored.push(changed);
        }
    }
    Ok(stored)
}
