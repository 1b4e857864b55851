//! What each request does inside a group's write transaction ([`apply`]), and what follows once
//! the group is committed ([`Aftermath`]): the callers' answers, and what the hub must hear.

use std::time::Duration;

use crossbeam_channel::Sender;
use redb::ReadableTable;

use super::messages::{self, Stored};
use super::sweep::{Deadlines, Due};
use super::tables::Tables;
use super::{
    Change, Request, StoreError, ToCaller, accounts, changes, moderation, profiles, purge, reads,
    rooms,
};
use crate::auth::token::SessionId;
use crate::end::SignOut;
use crate::event::Event;
use crate::roles::Role;

/// What to do for one request once the group's outcome is known: send its caller (an `auth`
/// thread) the result.
type OnCommit = Box<dyn FnOnce(Result<(), &StoreError>)>;

/// What a group's commit leads to, once it is durable (or has failed).
#[derive(Default)]
pub(super) struct Aftermath {
    pub(super) on_commit: Vec<OnCommit>,
    pub(super) signed_out: Vec<(SessionId, SignOut)>,
    pub(super) registered: Vec<String>,
    /// Accounts made owners (the setup link, `--owner`), as name_keys.
    pub(super) owners: Vec<String>,
    pub(super) stored: Vec<Stored>,
    /// The group held changes from the hub, which waits for their answer (even an empty one).
    pub(super) from_hub: bool,
    /// The group opened a session (a registration or a sign-in).
    pub(super) opened_session: bool,
    /// When the retention is next due, read in the transaction of a group with the hub's changes.
    pub(super) retention: Option<Due>,
    /// The group deleted a message's text: the pages that held it are scrubbed before anyone
    /// is told (`Disk::scrub`).
    pub(super) scrub: bool,
}

/// What becomes of the messages in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Posts {
    Append,
    /// The disk is short of space (see `disk.rs`): answered as failed, without writing.
    Refuse,
}

/// Applies one request through the group's `t`ables, noting what to do after the commit.
pub(super) fn apply(
    t: &mut Tables,
    request: Request,
    posts: Posts,
    now: u64,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    match request {
        Request::Register {
            name,
            phc,
            session,
            owner,
            to_caller,
        } => {
            let created = accounts::register(t, &name, &phc, &session, now)?;
            if created {
                if owner {
                    let key = crate::identity::name_key(&name);
                    make_owner(t, &key, "setup_link", now, after)?;
                }
                after.registered.push(name);
                after.opened_session = true;
            }
            after.on_commit.push(send_after_commit(to_caller, created));
        }
        Request::MakeOwner {
            user_key,
            via,
            to_caller,
        } => {
            let exists = t.users.get(user_key.as_str())?.is_some();
            if exists {
                make_owner(t, &user_key, via, now, after)?;
            }
            after.on_commit.push(send_after_commit(to_caller, exists));
        }
        Request::ResetPassword {
            user_key,
            code_hash,
            phc,
            session,
            to_caller,
        } => {
            let reset = accounts::reset_password(t, &user_key, &code_hash, &phc, &session, now)?;
            if let Some(ended) = &reset {
                after
                    .signed_out
                    .extend(ended.iter().map(|&id| (id, SignOut::PasswordChanged)));
                after.opened_session = true;
            }
            after
                .on_commit
                .push(send_after_commit(to_caller, reset.is_some()));
        }
        Request::SettleRegistration { initial, to_caller } => {
            let settled = moderation::settle_registration(t, initial)?;
            moderation::trim_audit(t, now)?;
            after.on_commit.push(send_after_commit(to_caller, settled));
        }
        Request::OpenSession {
            user_key,
            session,
            to_caller,
        } => {
            accounts::open_session(t, &user_key, &session, now)?;
            after.opened_session = true;
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::EndSession {
            session,
            everywhere,
            to_caller,
        } => {
            let ended = accounts::sign_out(t, session, everywhere)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::SignedOut)));
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::SetPassword {
            user_key,
            phc,
            keep,
            to_caller,
        } => {
            let ended = accounts::set_password(t, &user_key, &phc, &keep)?;
            after
                .signed_out
                .extend(ended.into_iter().map(|id| (id, SignOut::PasswordChanged)));
            after.on_commit.push(send_after_commit(to_caller, ()));
        }
        Request::Touch { session } => accounts::touch(t, &session, now)?,
        Request::Changes(changes) => {
            after.from_hub = true;
            for change in changes {
                match change {
                    Change::Room(change) => rooms::apply(t, &change, now)?,
                    Change::Read(change) => reads::apply(t, &change)?,
                    Change::Profile(change) => profiles::apply(t, &change)?,
                    Change::Moderate(moderate) => {
                        let (answer, ended) = moderation::apply(t, moderate, now)?;
                        after.stored.push(answer);
                        after
                            .signed_out
                            .extend(ended.into_iter().map(|id| (id, SignOut::Suspended)));
                    }
                    Change::Post(post) if posts == Posts::Refuse => {
                        after.stored.push(Stored::Failed {
                            conn: post.conn,
                            id: post.message.id,
                        })
                    }
                    Change::Post(post) => after.stored.push(messages::append(t, post)?),
                    Change::DeleteAllBy(purge) => {
                        let deleted = purge::delete_all_by(t, purge)?;
                        after.scrub |= !deleted.is_empty();
                        after.stored.extend(deleted);
                    }
                    Change::Revise(revise) if posts == Posts::Refuse => {
                        after.stored.push(Stored::Failed {
                            conn: revise.conn,
                            id: revise.id,
                        })
                    }
                    Change::Revise(revise) => {
                        let stored = changes::revise(t, revise)?;
                        after.scrub |= matches!(
                            &stored,
                            Stored::Changed { event, .. } if event.kind == changes::Kind::Deleted
                        );
                        after.stored.push(stored);
                    }
                }
            }
        }
        // `run` takes Stop off the channel itself.
        Request::Stop => {}
    }
    Ok(())
}

impl Aftermath {
    /// How many messages the group appended.
    pub(super) fn appended(&self) -> u64 {
        let new = self
            .stored
            .iter()
            .filter(|s| matches!(s, Stored::New { .. }));
        new.count() as u64
    }

    /// Once the group is committed at `now`, what it changed in when the sweeps are due.
    pub(super) fn move_deadlines(
        &self,
        deadlines: &mut Deadlines,
        now: u64,
        session_expiry: Duration,
    ) {
        if self.opened_session {
            deadlines.session_opened(now, session_expiry);
        }
        if let Some(due) = self.retention {
            deadlines.retention_read(due);
        }
    }

    /// Answers every request and tells the hub: what is durable, or, if the commit failed, which
    /// messages to report as failed to their senders.
    pub(super) fn tell_everyone(self, outcome: Result<(), &StoreError>, to_hub: &Sender<Event>) {
        let stored = match outcome {
            Ok(()) => self.stored,
            Err(_) => self.stored.into_iter().map(failed).collect(),
        };
        // The hub hears first: a client told "registered" may connect at once, and its
        // handshake's event must find the hub already knowing the new user. These sends block
        // while the hub's inbox is full; the hub never waits for the store, so this cannot
        // deadlock.
        if outcome.is_ok() {
            if !self.signed_out.is_empty() {
                let _ = to_hub.send(Event::SessionsEnded(self.signed_out));
            }
            for name in self.registered {
                let _ = to_hub.send(Event::UserAdded { name });
            }
            for user_key in self.owners {
                let role = Role::Owner;
                let _ = to_hub.send(Event::RoleSet { user_key, role });
            }
        }
        if self.from_hub {
            let _ = to_hub.send(Event::Stored(stored));
        }
        for send in self.on_commit {
            send(outcome);
        }
    }
}

/// Makes `user_key` an owner `via` the setup link or `--owner`, logged as by themselves, for the
/// hub to hear once the group is committed.
fn make_owner(
    t: &mut Tables,
    user_key: &str,
    via: &str,
    now: u64,
    after: &mut Aftermath,
) -> Result<(), redb::Error> {
    let standing = moderation::Standing {
        role: Role::Owner,
        ..moderation::standing_of(t, user_key)?
    };
    moderation::set_standing(t, user_key, standing)?;
    let name = t.users.get(user_key)?.map(|row| row.value().0.to_owned());
    let name = name.unwrap_or_else(|| user_key.to_owned());
    let mut entry = serde_json::Map::new();
    for (field, value) in [("action", "role"), ("user", &name), ("role", "owner")] {
        entry.insert(field.into(), value.into());
    }
    entry.insert("by".into(), name.clone().into());
    entry.insert("via".into(), via.into());
    moderation::record(t, entry, now)?;
    after.owners.push(user_key.to_owned());
    Ok(())
}

/// A message that was not stored after all.
fn failed(stored: Stored) -> Stored {
    match stored {
        Stored::New { conn, message } | Stored::Again { conn, message } => Stored::Failed {
            conn,
            id: message.id,
        },
        Stored::Changed { conn, event } | Stored::ChangedAgain { conn, event } => {
            Stored::Failed { conn, id: event.id }
        }
        Stored::Moderated { conn, id, .. } => Stored::Failed { conn, id },
        failed => failed,
    }
}

/// Sends `value` on `to_caller` once the commit's outcome is known.
fn send_after_commit<T: Send + 'static>(to_caller: ToCaller<T>, value: T) -> OnCommit {
    Box::new(move |outcome| {
        let result = match outcome {
            Ok(()) => Ok(value),
            Err(e) => Err(StoreError::new("the store", e)),
        };
        // The asker may have given up; nothing to do then.
        let _ = to_caller.send(result);
    })
}
