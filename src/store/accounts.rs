//! Accounts and sessions in the store: what the `store` thread writes, and what any thread reads.
//!
//! Writes happen inside the `store` thread's transaction, through the tables it opened for the
//! group (`tables.rs`); reads use a redb read transaction of their own, a snapshot that never
//! waits for the writer.

use redb::{ReadableMultimapTable, ReadableTable};

use super::schema::{NAME_SKELETONS, SESSIONS, USERS};
use super::tables::Tables;
use super::{Reader, StoreError};
use crate::auth::token::SessionId;
use crate::identity::{name_key, name_skeleton};
use crate::wire::GENERAL;

/// A user, as the store keeps them.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The name as its owner spelled it.
    pub name: String,
    /// The PHC string of the password's Argon2id hash.
    pub phc: String,
}

/// A session, as the store keeps it.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The owner's name_key.
    pub user_key: String,
    pub last_used_ms: u64,
}

impl Reader {
    /// The user with this name_key, if there is one.
    pub fn user(&self, name_key: &str) -> Result<Option<UserRecord>, StoreError> {
        let context = "reading a user";
        let read = self.begin(context)?;
        let users = read
            .open_table(USERS)
            .map_err(|e| StoreError::new(context, e))?;
        let found = users
            .get(name_key)
            .map_err(|e| StoreError::new(context, e))?;
        Ok(found.map(|row| {
            let (name, phc, _) = row.value();
            UserRecord {
                name: name.to_owned(),
                phc: phc.to_owned(),
            }
        }))
    }

    /// Whether an account has this name, or one that looks like it (the same `name_skeleton`).
    pub fn name_taken(&self, name: &str) -> Result<bool, StoreError> {
        let context = "reading names";
        let read = self.begin(context)?;
        let taken = || -> Result<bool, redb::Error> {
            let exact = read.open_table(USERS)?.get(name_key(name).as_str())?;
            let alike = read
                .open_table(NAME_SKELETONS)?
                .get(name_skeleton(name).as_str())?;
            Ok(exact.is_some() || alike.is_some())
        };
        taken().map_err(|e| StoreError::new(context, e))
    }

    /// The session with this id and its owner, if both exist.
    pub fn session(
        &self,
        id: &SessionId,
    ) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
        let context = "reading a session";
        let read = self.begin(context)?;
        let sessions = read
            .open_table(SESSIONS)
            .map_err(|e| StoreError::new(context, e))?;
        let Some(row) = sessions
            .get(&id.0)
            .map_err(|e| StoreError::new(context, e))?
        else {
            return Ok(None);
        };
        let (user_key, _, last_used_ms) = row.value();
        let session = SessionRecord {
            user_key: user_key.to_owned(),
            last_used_ms,
        };
        Ok(self.user(user_key)?.map(|user| (session, user)))
    }
}

/// Adds a user and their first session; false (and nothing written) if the name is taken.
pub fn register(
    t: &mut Tables,
    name: &str,
    phc: &str,
    session: &SessionId,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let (key, skeleton) = (name_key(name), name_skeleton(name));
    if t.users.get(key.as_str())?.is_some() || t.skeletons.get(skeleton.as_str())?.is_some() {
        return Ok(false);
    }
    t.users.insert(key.as_str(), (name, phc, now_ms))?;
    t.skeletons.insert(skeleton.as_str(), key.as_str())?;
    // Everyone starts in the room everyone is in.
    t.members.insert(key.as_str(), name_key(GENERAL).as_str())?;
    open_session(t, &key, session, now_ms)?;
    Ok(true)
}

/// Notes the skeleton of every user's name that has none yet (the users of a store written
/// before skeletons were kept). Two such names that look alike both stay; the first holds it.
pub fn index_skeletons(t: &mut Tables) -> Result<(), redb::Error> {
    for row in t.users.iter()? {
        let (key, value) = row?;
        let skeleton = name_skeleton(value.value().0);
        if t.skeletons.get(skeleton.as_str())?.is_none() {
            t.skeletons.insert(skeleton.as_str(), key.value())?;
        }
    }
    Ok(())
}

/// Adds a session for an existing user.
pub fn open_session(
    t: &mut Tables,
    user_key: &str,
    session: &SessionId,
    now_ms: u64,
) -> Result<(), redb::Error> {
    t.sessions.insert(&session.0, (user_key, now_ms, now_ms))?;
    t.user_sessions.insert(user_key, &session.0)?;
    Ok(())
}

/// Removes sessions; returns those that existed.
pub fn end_sessions(
    t: &mut Tables,
    ids: impl IntoIterator<Item = SessionId>,
) -> Result<Vec<SessionId>, redb::Error> {
    let mut ended = Vec::new();
    for id in ids {
        if let Some(row) = t.sessions.remove(&id.0)? {
            let (user_key, _, _) = row.value();
            t.user_sessions.remove(user_key, &id.0)?;
            ended.push(id);
        }
    }
    Ok(ended)
}

/// Ends `session`, or with `everywhere` every session of its owner; returns those ended.
pub fn sign_out(
    t: &mut Tables,
    session: SessionId,
    everywhere: bool,
) -> Result<Vec<SessionId>, redb::Error> {
    let owner = match everywhere {
        true => t
            .sessions
            .get(&session.0)?
            .map(|row| row.value().0.to_owned()),
        false => None,
    };
    match owner {
        Some(user_key) => end_all_sessions(t, &user_key),
        None => end_sessions(t, [session]),
    }
}

/// Ends every session of `user_key` (a suspension); returns those ended.
pub fn end_all_sessions(t: &mut Tables, user_key: &str) -> Result<Vec<SessionId>, redb::Error> {
    let all = sessions_of(t, user_key)?;
    end_sessions(t, all)
}

/// Every session of the user `user_key`.
fn sessions_of(t: &Tables, user_key: &str) -> Result<Vec<SessionId>, redb::Error> {
    t.user_sessions
        .get(user_key)?
        .map(|id| id.map(|id| SessionId(*id.value())))
        .collect::<Result<_, _>>()
        .map_err(redb::Error::from)
}

/// Sets a user's password hash and ends every session of theirs but `keep`; returns those ended.
pub fn set_password(
    t: &mut Tables,
    user_key: &str,
    phc: &str,
    keep: &SessionId,
) -> Result<Vec<SessionId>, redb::Error> {
    let Some(row) = t.users.get(user_key)? else {
        return Ok(Vec::new());
    };
    let (name, _, created) = row.value();
    let (name, created) = (name.to_owned(), created);
    drop(row);
    t.users.insert(user_key, (name.as_str(), phc, created))?;
    let others = sessions_of(t, user_key)?;
    end_sessions(t, others.into_iter().filter(|id| id != keep))
}

/// Notes that a session was used now.
pub fn touch(t: &mut Tables, id: &SessionId, now_ms: u64) -> Result<(), redb::Error> {
    let Some(row) = t.sessions.get(&id.0)? else {
        return Ok(());
    };
    let (user_key, created, last_used) = row.value();
    let user_key = user_key.to_owned();
    drop(row);
    if now_ms > last_used {
        t.sessions
            .insert(&id.0, (user_key.as_str(), created, now_ms))?;
    }
    Ok(())
}

/// Ends every session unused since `cutoff_ms`. Returns them, and when the oldest use of those
/// left was (`None` if none is left): the next sweep is due at its expiry.
pub fn end_expired(
    t: &mut Tables,
    cutoff_ms: u64,
) -> Result<(Vec<SessionId>, Option<u64>), redb::Error> {
    let mut expired = Vec::new();
    let mut oldest_use = None::<u64>;
    for row in t.sessions.iter()? {
        let (id, value) = row?;
        match value.value().2 {
            last_used if last_used < cutoff_ms => expired.push(SessionId(*id.value())),
            last_used => oldest_use = Some(oldest_use.map_or(last_used, |o| o.min(last_used))),
        }
    }
    Ok((end_sessions(t, expired)?, oldest_use))
}

/// Sets a new password with a reset code: if `user_key`'s code is `code_hash` and unexpired, it is
/// spent, the password hash replaced, every session ended and `session` opened. Returns the
/// sessions ended, or `None` (nothing written) for a wrong, spent or expired code.
pub fn reset_password(
    t: &mut Tables,
    user_key: &str,
    code_hash: &[u8; 32],
    phc: &str,
    session: &SessionId,
    now_ms: u64,
) -> Result<Option<Vec<SessionId>>, redb::Error> {
    if !super::moderation::spend_reset_code(t, user_key, code_hash, now_ms)? {
        return Ok(None);
    }
    let ended = set_password(t, user_key, phc, session)?;
    open_session(t, user_key, session, now_ms)?;
    Ok(Some(ended))
}
