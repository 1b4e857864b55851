//! What owners and moderators may do, as the hub decides it: who may act on whom (the rule is
//! `roles.rs`), what changes in the chat at once (a mute, a suspension's closed connections, a
//! room's rules), who hears of it, and what the store keeps (the action and its log entry, handed
//! over with the next flush: `store/moderation.rs`). The log itself is read by the `history`
//! thread, like a history page.
//!
//! Here: the dispatch and the checks every action shares. The actions are beside it:
//! `sanctions.rs` (mute, suspend, reset code), `room_rules.rs` (read-only and slow mode, and
//! the checks on the send path), `staff.rs` (roles, connections, the log). A suspended
//! account's arrival is refused in `connections.rs`.

use serde_json::{Map, Value};

use crate::event::ConnId;
use crate::hub::chat::{Author, Chat};
use crate::hub::outbox::Outbox;
use crate::identity::name_key;
use crate::log::now_ms;
use crate::log_limited;
use crate::roles::{Role, may_act_on};
use crate::store::{Change, Moderate, Moderation, Standing};
use crate::wire::{Action, ErrorCode, ModerationFrame, WireError};
use crate::ws::frame;

impl Chat {
    /// A moderation frame from `from`: checked against their role, then carried out.
    pub(super) fn moderate(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        action: Action,
        id: Option<String>,
    ) -> Result<(), WireError> {
        let refuse = |error: WireError| error.for_id(id.clone());
        let by = self.role_of(from);
        if by < action.needs() {
            let why = match action.needs() {
                Role::Owner => format!("only owners may use {}", action.name()),
                _ => format!("only owners and moderators may use {}", action.name()),
            };
            return Err(refuse(WireError::new(ErrorCode::Forbidden, why)));
        }
        self.pace_ask(from).map_err(refuse)?;
        let by_name = self.name_of(&from.key);
        let asked = Asked {
            by: by_name,
            role: by,
            conn: from.conn,
            id: id.as_deref(),
            ts: now_ms(),
        };
        let logged = !matches!(action, Action::Connections | Action::Audit { .. });
        let (kind, by_name) = (action.name(), asked.by.clone());
        let peer = out.client(from.slot).map(|client| client.peer.ip());
        let done = match action {
            Action::Connections => self.connections(out, from, &asked),
            Action::Audit { before, limit } => self.audit(from, &asked, before, limit),
            Action::Registration(registration) => {
                let frame = |id| ModerationFrame::Registration {
                    mode: registration.mode(),
                    join_code: registration.join_code(),
                    by: &asked.by,
                    ts: asked.ts,
                    id,
                };
                let (everyone, own) = announced(frame, asked.id);
                self.tell_staff(out, from, &everyone);
                let mut entry = asked.entry("registration", None);
                entry.insert("mode".into(), registration.mode().into());
                self.keep(&asked, Moderation::Registration(registration), entry, own);
                Ok(())
            }
            Action::RoomSettings {
                room,
                read_only,
                slow_seconds,
            } => self.room_settings(out, from, &asked, &room, read_only, slow_seconds),
            Action::Role { user, role } => self.set_role(out, from, &asked, &user, role),
            Action::Mute { user, minutes } => {
                let until = match minutes {
                    0 => Standing::FOR_NOW,
                    _ => {
                        let minute = self.limits.mute_minute.as_millis() as u64;
                        asked.ts.saturating_add(minutes.saturating_mul(minute))
                    }
                };
                self.mute(out, from, &asked, &user, Some(until), minutes)
            }
            Action::Unmute { user } => self.mute(out, from, &asked, &user, None, 0),
            Action::Suspend {
                user,
                delete_messages,
            } => self.suspend(out, from, &asked, &user, Some(delete_messages)),
            Action::Unsuspend { user } => self.suspend(out, from, &asked, &user, None),
            Action::ResetCode { user } => self.reset_code(&asked, &user),
        };
        // What the staff did, for whoever runs the server (never a message's text, nor a code).
        if let Some(ip) = peer.filter(|_| logged && done.is_ok()) {
            log_limited!("moderation", ip, "moderation: {by_name} used {kind}");
        }
        done.map_err(refuse)
    }

    /// The role of the frame's sender: a guest has none (the least).
    pub(super) fn role_of(&self, from: &Author) -> Role {
        match from.guest {
            true => Role::Member,
            false => self
                .dir
                .user(&from.key)
                .map_or(Role::Member, |u| u.standing.role),
        }
    }

    /// A user's name as they spelled it (`key` itself for one the hub does not know).
    pub(super) fn name_of(&self, key: &str) -> String {
        self.dir
            .user(key)
            .map_or_else(|| key.to_owned(), |u| u.name.clone())
    }

    /// The account named `user` that `asked` may act on (mute, suspend, reset): its key.
    pub(super) fn subject(&self, asked: &Asked, user: &str) -> Result<String, WireError> {
        let key = name_key(user);
        let Some(found) = self.dir.user(&key) else {
            let why = format!("there is no user {user:?}");
            return Err(WireError::new(ErrorCode::NoSuchUser, why));
        };
        if !may_act_on(asked.role, found.standing.role) {
            let why = match asked.role {
                Role::Owner => "owners cannot be muted, suspended or reset",
                _ => "moderators act on members only",
            };
            return Err(WireError::new(ErrorCode::Forbidden, why));
        }
        Ok(key)
    }

    /// Hands an accepted action and its log entry to the store with the next flush; `reply`
    /// goes to the asker once they are durable (`Stored::Moderated`).
    pub(super) fn keep(
        &mut self,
        asked: &Asked,
        action: Moderation,
        entry: Map<String, Value>,
        reply: String,
    ) {
        self.changes.push(Change::Moderate(Moderate {
            action,
            entry,
            conn: asked.conn,
            id: asked.id.map(str::to_owned),
            reply,
        }));
    }

    /// A new standing for `key`, at once here, kept and logged by the store.
    pub(super) fn set_standing(
        &mut self,
        asked: &Asked,
        (key, standing): (&str, Standing),
        entry: Map<String, Value>,
        reply: String,
    ) {
        self.dir.set_standing(key, standing);
        let user_key = key.to_owned();
        self.keep(
            asked,
            Moderation::Standing { user_key, standing },
            entry,
            reply,
        );
    }

    /// A user's name as spelled and standing.
    pub(super) fn standing_of(&self, key: &str) -> (String, Standing) {
        self.dir.user(key).map_or_else(
            || (key.to_owned(), Standing::default()),
            |u| (u.name.clone(), u.standing),
        )
    }

    /// Sends `everyone` to every online owner and moderator but the asker (whose answer waits
    /// for the store: [`Chat::keep`]).
    pub(super) fn tell_staff(&mut self, out: &mut Outbox, from: &Author, everyone: &str) {
        self.tell_staff_and(out, from, "", everyone);
    }

    /// The same, and to every connection of the user `also` (the one muted).
    pub(super) fn tell_staff_and(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        also: &str,
        everyone: &str,
    ) {
        let also = self.dir.user(also).filter(|u| !u.standing.role.moderates());
        let slots: Vec<_> = (self.dir.staff())
            .chain(also)
            .flat_map(|u| u.conns.iter().copied())
            .filter(|&slot| slot != from.slot)
            .collect();
        let piece = out.shared(|bytes| frame::text(bytes, everyone));
        for slot in slots {
            out.queue(slot, piece);
        }
    }
}

/// Who asked, with the frame's `id` and the moment.
pub(super) struct Asked<'a> {
    pub by: String,
    pub role: Role,
    pub conn: ConnId,
    pub id: Option<&'a str>,
    pub ts: u64,
}

impl Asked<'_> {
    /// A log entry for `action` on `user`.
    pub(super) fn entry(&self, action: &str, user: Option<&str>) -> Map<String, Value> {
        let mut entry = Map::new();
        entry.insert("ts".into(), self.ts.into());
        entry.insert("by".into(), self.by.clone().into());
        entry.insert("action".into(), action.into());
        if let Some(user) = user {
            entry.insert("user".into(), user.into());
        }
        entry
    }
}

/// A frame as everyone gets it, and as the asker does (with its `id`): `frame` makes it with
/// the `id` it is given.
pub(super) fn announced<'a>(
    frame: impl Fn(Option<&'a str>) -> ModerationFrame<'a>,
    id: Option<&'a str>,
) -> (String, String) {
    let everyone = frame(None).to_json();
    let own = match id {
        None => everyone.clone(),
        Some(_) => frame(id).to_json(),
    };
    (everyone, own)
}
