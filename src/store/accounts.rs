//! Accounts and sessions in the store: what the `store` thread writes, and what any thread reads.
//!
//! Writes happen inside the `store` thread's transaction (see `thread.rs`); reads use a redb read
//! transaction of their own, a snapshot that never waits for the writer.

use redb::{ReadableMultimapTable, ReadableTable, WriteTransaction};

use super::schema::{MEMBERS, NAME_SKELETONS, SESSIONS, USER_SESSIONS, USERS};
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
    txn: &WriteTransaction,
    name: &str,
    phc: &str,
    session: &SessionId,
    now_ms: u64,
) -> Result<bool, redb::Error> {
    let (key, skeleton) = (name_key(name), name_skeleton(name));
    let mut users = txn.open_table(USERS)?;
    let mut skeletons = txn.open_table(NAME_SKELETONS)?;
    if users.get(key.as_str())?.is_some() || skeletons.get(skeleton.as_str())?.is_some() {
        return Ok(false);
    }
    users.insert(key.as_str(), (name, phc, now_ms))?;
    skeletons.insert(skeleton.as_str(), key.as_str())?;
    drop((users, skeletons));
    // Everyone starts in the room everyone is in.
    txn.open_multimap_table(MEMBERS)?
        .insert(key.as_str(), name_key(GENERAL).as_str())?;
    open_session(txn, &key, session, now_ms)?;
    Ok(true)
}

/// Notes the skeleton of every user's name that has none yet (the users of a store written
/// before skeletons were kept). Two such names that look alike both stay; the first holds it.
pub fn index_skeletons(txn: &WriteTransaction) -> Result<(), redb::Error> {
    let users = txn.open_table(USERS)?;
    let mut skeletons = txn.open_table(NAME_SKELETONS)?;
    for row in users.iter()? {
        let (key, value) = row?;
        let skeleton = name_skeleton(value.value().0);
        if skeletons.get(skeleton.as_str())?.is_none() {
            skeletons.insert(skeleton.as_str(), key.value())?;
        }
    }
    Ok(())
}

/// Adds a session for an existing user.
pub fn open_session(
    txn: &WriteTransaction,
    user_key: &str,
    session: &SessionId,
    now_ms: u64,
) -> Result<(), redb::Error> {
    txn.open_table(SESSIONS)?
        .insert(&session.0, (user_key, now_ms, now_ms))?;
    txn.open_multimap_table(USER_SESSIONS)?
        .insert(user_key, &session.0)?;
    Ok(())
}

/// Removes sessions; returns those that existed.
pub fn end_sessions(
    txn: &WriteTransaction,
    ids: impl IntoIterator<Item = SessionId>,
) -> Result<Vec<SessionId>, redb::Error> {
    let mut sessions = txn.open_table(SESSIONS)?;
    let mut by_user = txn.open_multimap_table(USER_SESSIONS)?;
    let mut ended = Vec::new();
    for id in ids {
        if let Some(row) = sessions.remove(&id.0)? {
            let (user_key, _, _) = row.value();
            by_user.remove(user_key, &id.0)?;
            ended.push(id);
        }
    }
    Ok(ended)
}

/// Ends `session`, or with `everywhere` every session of its owner; returns those ended.
pub fn sign_out(
    txn: &WriteTransaction,
    session: SessionId,
    everywhere: bool,
) -> Result<Vec<SessionId>, redb::Error> {
    let owner = match everywhere {
        true => txn
            .open_table(SESSIONS)?
            .get(&session.0)?
            .map(|row| row.value().0.to_owned()),
        false => None,
    };
    match owner {
        Some(user_key) => end_sessions(txn, sessions_of(txn, &user_key)?),
        None => end_sessions(txn, [session]),
    }
}

/// Every session of the user `user_key`.
fn sessions_of(txn: &WriteTransaction, user_key: &str) -> Result<Vec<SessionId>, redb::Error> {
    txn.open_multimap_table(USER_SESSIONS)?
        .get(user_key)?
        .map(|id| id.map(|id| SessionId(*id.value())))
        .collect::<Result<_, _>>()
        .map_err(redb::Error::from)
}

/// Sets a user's password hash and ends every session of theirs but `keep`; returns those ended.
pub fn set_password(
    txn: &WriteTransaction,
    user_key: &str,
    phc: &str,
    keep: &SessionId,
) -> Result<Vec<SessionId>, redb::Error> {
    let mut users = txn.open_table(USERS)?;
    let Some(row) = users.get(user_key)? else {
        return Ok(Vec::new());
    };
    let (name, _, created) = row.value();
    let (name, created) = (name.to_owned(), created);
    drop(row);
    users.insert(user_key, (name.as_str(), phc, created))?;
    drop(users);
    let others = sessions_of(txn, user_key)?;
    end_sessions(txn, others.into_iter().filter(|id| id != keep))
}

/// Notes that a session was used now.
pub fn touch(txn: &WriteTransaction, id: &SessionId, now_ms: u64) -> Result<(), redb::Error> {
    let mut sessions = txn.open_table(SESSIONS)?;
    let Some(row) = sessions.get(&id.0)? else {
        return Ok(());
    };
    let (user_key, created, last_used) = row.value();
    let user_key = user_key.to_owned();
    drop(row);
    if now_ms > last_used {
        sessions.insert(&id.0, (user_key.as_str(), created, now_ms))?;
    }
    Ok(())
}

/// Ends every session unused since `cutoff_ms`; returns them.
pub fn end_expired(txn: &WriteTransaction, cutoff_ms: u64) -> Result<Vec<SessionId>, redb::Error> {
    let expired: Vec<SessionId> = txn
        .open_table(SESSIONS)?
        .iter()?
        .filter_map(|row| match row {
            Ok((id, value)) => (value.value().2 < cutoff_ms).then(|| Ok(SessionId(*id.value()))),
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    end_sessions(txn, expired)
}
