//! The owners' and moderators' own business: roles (who is staff, announced to everyone so that
//! the people lists mark it), who is connected, and the moderation log (read by the `history`
//! thread, like a history page).

use crate::hub::chat::{Author, Chat};
use crate::hub::clients::Slot;
use crate::hub::moderation::{Asked, announced};
use crate::hub::outbox::Outbox;
use crate::identity::name_key;
use crate::log::now_ms;
use crate::roles::Role;
use crate::store::{Query, Standing};
use crate::wire::{ConnectionInfo, ErrorCode, ModerationFrame, WireError, fit};
use crate::ws::frame;

impl Chat {
    /// `role`: an owner makes an account a member, moderator or owner; everyone online hears,
    /// so that the people lists mark it.
    pub(super) fn set_role(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        asked: &Asked,
        user: &str,
        role: Role,
    ) -> Result<(), WireError> {
        let key = name_key(user);
        let Some(found) = self.dir.user(&key) else {
            let why = format!("there is no user {user:?}");
            return Err(WireError::new(ErrorCode::NoSuchUser, why));
        };
        let owners = (self.dir.staff())
            .filter(|u| u.standing.role == Role::Owner)
            .count();
        if found.standing.role == Role::Owner && role != Role::Owner && owners == 1 {
            let why = "the last owner cannot step down: make someone else an owner first";
            return Err(WireError::new(ErrorCode::LastOwner, why));
        }
        let (name, standing) = self.standing_of(&key);
        let mut entry = asked.entry("role", Some(&name));
        entry.insert("role".into(), role.name().into());
        let by = (asked.by.as_str(), asked.ts);
        let own = announce_role(out, Some((from.slot, asked.id)), &name, role, by);
        self.set_standing(asked, (&key, Standing { role, ..standing }), entry, own);
        Ok(())
    }

    /// An account became an owner through the setup link or `--owner` (from the store).
    pub(super) fn role_set(&mut self, out: &mut Outbox, key: &str, role: Role) {
        let Some(user) = self.dir.user(key) else {
            return;
        };
        let (name, standing) = (
            user.name.clone(),
            Standing {
                role,
                ..user.standing
            },
        );
        self.dir.set_standing(key, standing);
        announce_role(out, None, &name, role, (&name, now_ms()));
    }

    /// `connections`: who is connected, how many tabs and from where, to the asker, cut to fit
    /// the asker's share of a reply.
    pub(super) fn connections(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        asked: &Asked,
    ) -> Result<(), WireError> {
        let now = asked.ts;
        let mut online: Vec<_> = self.dir.users().filter(|u| !u.conns.is_empty()).collect();
        online.sort_by(|a, b| a.name.cmp(&b.name));
        let infos = online.into_iter().map(|user| {
            let mut addresses: Vec<String> = user
                .conns
                .iter()
                .filter_map(|&slot| out.client(slot).map(|c| c.peer.ip().to_string()))
                .collect();
            addresses.sort();
            addresses.dedup();
            let muted = user.standing.muted_at(now);
            ConnectionInfo {
                user: &user.name,
                role: user.standing.role.name(),
                tabs: user.conns.len(),
                addresses,
                muted_until: muted.flatten(),
                muted: muted.is_some(),
            }
        });
        let (users, more) = fit(infos, self.limits.reply_bytes());
        let json = ModerationFrame::Connections {
            users,
            more,
            id: asked.id,
        }
        .to_json();
        out.own(from.slot, |bytes| frame::text(bytes, &json));
        Ok(())
    }

    /// `audit`: a page of the moderation log, read by the `history` thread; deleted texts only
    /// for owners.
    pub(super) fn audit(
        &mut self,
        from: &Author,
        asked: &Asked,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(), WireError> {
        let query = Query::Audit {
            conn: from.conn,
            before,
            limit,
            with_text: asked.role == Role::Owner,
            id: asked.id.map(str::to_owned),
            max_bytes: self.limits.reply_bytes(),
        };
        self.to_history.try_send(query).map_err(|_| {
            let why = "too many requests at once; try again in a moment";
            WireError::new(ErrorCode::Unavailable, why)
        })
    }
}

/// The `role` frame (`by` whom, when) to every connection but the asker's (its slot and `id`),
/// whose copy is returned, to be sent once the store has the change.
fn announce_role(
    out: &mut Outbox,
    asker: Option<(Slot, Option<&str>)>,
    name: &str,
    role: Role,
    (by, ts): (&str, u64),
) -> String {
    let frame = |id| ModerationFrame::Role {
        user: name,
        role: role.name(),
        by,
        ts,
        id,
    };
    let (everyone, own) = announced(frame, asker.and_then(|(_, id)| id));
    let asker = asker.map(|(slot, _)| slot);
    let piece = out.shared(|bytes| frame::text(bytes, &everyone));
    let slots: Vec<_> = out.clients().map(|(slot, _)| slot).collect();
    for slot in slots.into_iter().filter(|&slot| Some(slot) != asker) {
        out.queue(slot, piece);
    }
    own
}
