//! Moderation in the store: each account's standing (role, mute, suspension), the password reset
//! codes, the rules of rooms, the registration setting, and the moderation log.
//!
//! The hub decides (who may do what, `hub/moderation.rs`) and hands each accepted action over as
//! a [`Moderate`] with the next group of changes, with the log entry that records it; both are
//! written in that group's transaction. Like room changes, the hub announces an action at once:
//! a crash before the commit can undo a mute the room saw, never a message.
//!
//! The log (`AUDIT`) numbers its entries `n` in order and keeps each [`AUDIT_DAYS`]; entries
//! older than that are removed as new ones are written (and at start-up).

use redb::{ReadTransaction, ReadableTable};
use serde_json::{Map, Value, json};

use super::messages::Stored;
use super::schema::{AUDIT, AUDIT_DAYS, FOR_NOW, RESET_CODES, ROOM_RULES, SETTINGS, STANDING};
use super::tables::Tables;
use super::{Reader, StoreError};
use crate::auth::token::SessionId;
use crate::event::ConnId;
use crate::roles::Role;
use crate::wire::Registration;

/// An account's standing, as the hub keeps it and the store writes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    /// Muted until this ms ([`Standing::FOR_NOW`]: until lifted), if muted.
    pub muted_until: Option<u64>,
    /// Suspended: no session, no sign-in.
    pub suspended: bool,
}

impl Standing {
    /// A `muted_until` that means "until lifted".
    pub const FOR_NOW: u64 = FOR_NOW;

    /// When the mute in force at `now` ends (`Some(None)`: when lifted); `None` if not muted.
    pub fn muted_at(&self, now: u64) -> Option<Option<u64>> {
        match self.muted_until {
            Some(FOR_NOW) => Some(None),
            Some(until) if until > now => Some(Some(until)),
            _ => None,
        }
    }
}

/// A room's rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoomRules {
    /// Only owners and moderators post.
    pub read_only: bool,
    /// A member posts at most once per this many seconds (0: no slow mode).
    pub slow_seconds: u32,
}

/// Every standing but a plain member's, by name_key, and every room's rules, by room key.
pub type ModerationSnapshot = (Vec<(String, Standing)>, Vec<(String, RoomRules)>);

/// Every standing and room's rules, for the hub at start-up, in the snapshot's transaction
/// (`rooms.rs`).
pub fn snapshot(read: &ReadTransaction) -> Result<ModerationSnapshot, redb::Error> {
    let mut standings = Vec::new();
    for row in read.open_table(STANDING)?.iter()? {
        let (key, value) = row?;
        standings.push((key.value().to_owned(), standing_from(value.value())));
    }
    let mut rules = Vec::new();
    for row in read.open_table(ROOM_RULES)?.iter()? {
        let (key, value) = row?;
        let (read_only, slow_seconds) = value.value();
        let room = RoomRules {
            read_only,
            slow_seconds,
        };
        rules.push((key.value().to_owned(), room));
    }
    Ok((standings, rules))
}

/// What a moderation action changes in the store.
#[derive(Debug)]
pub enum Moderation {
    /// A new standing for an account; a suspension ends all its sessions too.
    Standing {
        user_key: String,
        standing: Standing,
    },
    /// A new reset code for an account, replacing its old one.
    ResetCode {
        user_key: String,
        hash: [u8; 32],
        expires: u64,
    },
    Registration(Registration),
    RoomRules {
        room_key: String,
        rules: RoomRules,
    },
}

/// An accepted action, with its entry for the moderation log (`n` is added here), and the
/// answer its asker gets once it is durable.
#[derive(Debug)]
pub struct Moderate {
    pub action: Moderation,
    pub entry: Map<String, Value>,
    /// The asking connection, its frame's `id`, and the answer (an encoded frame).
    pub conn: ConnId,
    pub id: Option<String>,
    pub reply: String,
}

/// Applies an action and logs it at `now`; returns the asker's answer, and the sessions a
/// suspension ended.
pub fn apply(
    t: &mut Tables,
    moderate: Moderate,
    now: u64,
) -> Result<(Stored, Vec<SessionId>), redb::Error> {
    let mut ended = Vec::new();
    match moderate.action {
        Moderation::Standing { user_key, standing } => {
            set_standing(t, &user_key, standing)?;
            if standing.suspended {
                ended = super::accounts::end_all_sessions(t, &user_key)?;
                t.reset_codes.remove(user_key.as_str())?;
            }
        }
        Moderation::ResetCode {
            user_key,
            hash,
            expires,
        } => {
            t.reset_codes.insert(user_key.as_str(), (&hash, expires))?;
        }
        Moderation::Registration(registration) => write_registration(t, &registration)?,
        Moderation::RoomRules { room_key, rules } => match rules == RoomRules::default() {
            true => drop(t.room_rules.remove(room_key.as_str())?),
            false => drop(
                t.room_rules
                    .insert(room_key.as_str(), (rules.read_only, rules.slow_seconds))?,
            ),
        },
    }
    record(t, moderate.entry, now)?;
    let answer = Stored::Moderated {
        conn: moderate.conn,
        id: moderate.id,
        reply: moderate.reply,
    };
    Ok((answer, ended))
}

/// Writes an account's standing (none for a member in good standing).
pub fn set_standing(t: &mut Tables, user_key: &str, standing: Standing) -> Result<(), redb::Error> {
    if standing == Standing::default() {
        t.standing.remove(user_key)?;
    } else {
        let muted = standing.muted_until.unwrap_or(0);
        t.standing
            .insert(user_key, (standing.role.code(), muted, standing.suspended))?;
    }
    Ok(())
}

/// An account's standing, read in the store's transaction.
pub fn standing_of(t: &Tables, user_key: &str) -> Result<Standing, redb::Error> {
    Ok(t.standing
        .get(user_key)?
        .map_or_else(Standing::default, |row| standing_from(row.value())))
}

fn standing_from((role, muted, suspended): (u8, u64, bool)) -> Standing {
    Standing {
        role: Role::from_code(role),
        muted_until: (muted != 0).then_some(muted),
        suspended,
    }
}

/// Appends `entry` to the moderation log as its next `n`, stamped `now` unless it has a `ts`,
/// and removes the entries older than [`AUDIT_DAYS`].
pub fn record(t: &mut Tables, mut entry: Map<String, Value>, now: u64) -> Result<(), redb::Error> {
    let n = t.meta("audit_n", 0)? + 1;
    t.meta.insert("audit_n", n)?;
    let ts = entry.get("ts").and_then(Value::as_u64).unwrap_or(now);
    entry.insert("n".into(), json!(n));
    entry.insert("ts".into(), json!(ts));
    let text = Value::Object(entry).to_string();
    t.audit.insert(n, (ts, text.as_str()))?;
    trim_audit(t, now)
}

/// Removes the log's entries older than [`AUDIT_DAYS`] before `now`.
pub fn trim_audit(t: &mut Tables, now: u64) -> Result<(), redb::Error> {
    let cutoff = now.saturating_sub(AUDIT_DAYS * 24 * 3600 * 1000);
    loop {
        let first = t.audit.first()?.map(|(n, row)| (n.value(), row.value().0));
        match first {
            Some((n, ts)) if ts < cutoff => drop(t.audit.remove(n)?),
            _ => return Ok(()),
        }
    }
}

/// Writes who may register.
fn write_registration(t: &mut Tables, registration: &Registration) -> Result<(), redb::Error> {
    t.settings.insert("registration", registration.mode())?;
    match registration {
        Registration::Code(code) => drop(t.settings.insert("join_code", code.as_str())?),
        _ => drop(t.settings.remove("join_code")?),
    }
    Ok(())
}

/// Who may register, as stored (`None`: never set).
fn registration_in(
    settings: &impl ReadableTable<&'static str, &'static str>,
) -> Result<Option<Registration>, redb::Error> {
    let Some(mode) = settings.get("registration")? else {
        return Ok(None);
    };
    let registration = match mode.value() {
        "closed" => Registration::Closed,
        "code" => match settings.get("join_code")? {
            Some(code) => Registration::Code(code.value().to_owned()),
            None => Registration::Closed,
        },
        _ => Registration::Open,
    };
    Ok(Some(registration))
}

/// The registration in force: the stored one, or (a new store) `initial`, which is then stored.
pub fn settle_registration(
    t: &mut Tables,
    initial: Registration,
) -> Result<Registration, redb::Error> {
    if let Some(stored) = registration_in(&t.settings)? {
        return Ok(stored);
    }
    write_registration(t, &initial)?;
    Ok(initial)
}

/// Spends `user_key`'s reset code if it is `hash` and unexpired at `now`; whether it was.
pub fn spend_reset_code(
    t: &mut Tables,
    user_key: &str,
    hash: &[u8; 32],
    now: u64,
) -> Result<bool, redb::Error> {
    let matches = t.reset_codes.get(user_key)?.is_some_and(|row| {
        let (stored, expires) = row.value();
        // A hash of 60 random bits: comparing hashes leaks nothing of the code.
        stored == hash && expires > now
    });
    if matches {
        t.reset_codes.remove(user_key)?;
    }
    Ok(matches)
}

impl Reader {
    /// Who may register now.
    pub fn registration(&self) -> Result<Registration, StoreError> {
        let context = "reading the registration setting";
        let read = self.begin(context)?;
        let found = read
            .open_table(SETTINGS)
            .map_err(redb::Error::from)
            .and_then(|settings| registration_in(&settings));
        found
            .map(|r| r.unwrap_or(Registration::Open))
            .map_err(|e| StoreError::new(context, e))
    }

    /// An account's standing.
    pub fn standing(&self, user_key: &str) -> Result<Standing, StoreError> {
        let context = "reading an account's standing";
        let read = self.begin(context)?;
        let found = || -> Result<Standing, redb::Error> {
            let table = read.open_table(STANDING)?;
            Ok(table
                .get(user_key)?
                .map_or_else(Standing::default, |row| standing_from(row.value())))
        };
        found().map_err(|e| StoreError::new(context, e))
    }

    /// Whether `user_key`'s reset code is `hash` and unexpired at `now` (checked again as it is
    /// spent).
    pub fn reset_code_is(
        &self,
        user_key: &str,
        hash: &[u8; 32],
        now: u64,
    ) -> Result<bool, StoreError> {
        let context = "reading a reset code";
        let read = self.begin(context)?;
        let found = || -> Result<bool, redb::Error> {
            let table = read.open_table(RESET_CODES)?;
            Ok(table.get(user_key)?.is_some_and(|row| {
                let (stored, expires) = row.value();
                stored == hash && expires > now
            }))
        };
        found().map_err(|e| StoreError::new(context, e))
    }

    /// Whether any account is an owner (if not, the server prints a setup link at start).
    pub fn has_owner(&self) -> Result<bool, StoreError> {
        let context = "reading the roles";
        let read = self.begin(context)?;
        let found = || -> Result<bool, redb::Error> {
            for row in read.open_table(STANDING)?.iter()? {
                if Role::from_code(row?.1.value().0) == Role::Owner {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        found().map_err(|e| StoreError::new(context, e))
    }

    /// The moderation log's entries before `before` (the newest when `None`), newest last, at
    /// most `limit` of them and about `max_bytes` of JSON; deleted texts only `with_text`. Says
    /// too whether older ones exist.
    pub fn audit_page(
        &self,
        before: Option<u64>,
        limit: usize,
        with_text: bool,
        max_bytes: usize,
    ) -> Result<(Vec<Value>, bool), StoreError> {
        let context = "reading the moderation log";
        let read = self.begin(context)?;
        let found = || -> Result<_, redb::Error> {
            let table = read.open_table(AUDIT)?;
            let mut entries = Vec::new();
            let mut used = 0;
            let mut more = false;
            for row in table.range(..before.unwrap_or(u64::MAX))?.rev() {
                let (_, value) = row?;
                let mut entry: Value = serde_json::from_str(value.value().1)
                    .map_err(|e| redb::Error::Corrupted(format!("a log entry: {e}")))?;
                if !with_text && let Some(fields) = entry.as_object_mut() {
                    fields.remove("text");
                }
                let size = entry.to_string().len() + 1;
                if entries.len() == limit || (!entries.is_empty() && used + size > max_bytes) {
                    more = true;
                    break;
                }
                used += size;
                entries.push(entry);
            }
            entries.reverse();
            Ok((entries, more))
        };
        found().map_err(|e| StoreError::new(context, e))
    }
}
