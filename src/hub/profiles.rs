//! Display names: setting one (`profile`), and who hears of it.
//!
//! The rules of a name are the wire module's (`wire::display_name`); here, that nobody's name
//! looks like anyone else's: the hub keeps the look-alike key of every account name and every
//! display name in memory (one per account, or two), so the check never waits on the disk. A
//! display name may look like its own account name ("Alice" for `alice`). A change is paced like
//! a room change, announced at once to the user's connections and contacts (everyone who shares a
//! room or a private conversation with them), and handed to the store with the next flush (a
//! crash just before loses it, and the old name is back); a guest's lives in memory only.

use std::collections::HashMap;

use crate::hub::batch::Piece;
use crate::hub::chat::{Author, Chat};
use crate::hub::outbox::Outbox;
use crate::store::{Change, ProfileChange};
use crate::wire::display_name::look_alike_key;
use crate::wire::{ErrorCode, ServerFrame, WireError};
use crate::ws::frame;

/// look-alike key → the key of the user whose account name or display name has it.
#[derive(Default)]
pub struct LookAlikes(HashMap<String, String>);

impl LookAlikes {
    /// Notes that `user_key` owns the name `name` (an account's, or a display name).
    pub fn claim(&mut self, name: &str, user_key: &str) {
        self.0.insert(look_alike_key(name), user_key.to_owned());
    }

    /// Whether `name` looks like a name of someone other than `user_key`.
    fn taken_by_another(&self, name: &str, user_key: &str) -> bool {
        self.0
            .get(&look_alike_key(name))
            .is_some_and(|owner| owner != user_key)
    }

    /// Gives `name` up, unless it also stands for `keep` (the account's own name).
    fn release(&mut self, name: &str, keep: &str) {
        let key = look_alike_key(name);
        if key != look_alike_key(keep) {
            self.0.remove(&key);
        }
    }
}

impl Chat {
    /// `profile`: the author's display name, set or (`None`) cleared.
    pub(super) fn profile(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        display: Option<String>,
    ) -> Result<(), WireError> {
        let Some(user) = self.dir.user(&from.key) else {
            return Ok(());
        };
        let (account, old) = (user.name.clone(), user.display.clone());
        if old == display {
            // Nothing changes; the asker still hears where it stands.
            let json = profile_json(&account, display.as_deref());
            out.own(from.slot, |bytes| frame::text(bytes, &json));
            return Ok(());
        }
        if let Some(name) = &display
            && self.look_alikes.taken_by_another(name, &from.key)
        {
            let why = format!("{name:?} looks like someone else's name; choose another");
            return Err(WireError::new(ErrorCode::DisplayNameTaken, why));
        }
        self.pace_room_change(from)?;
        if let Some(old) = old {
            self.look_alikes.release(&old, &account);
        }
        if let Some(name) = &display {
            self.look_alikes.claim(name, &from.key);
        }
        if let Some(user) = self.dir.user_mut(&from.key) {
            user.display = display.clone();
        }
        if !from.guest {
            self.changes.push(Change::Profile(ProfileChange {
                user_key: from.key.clone(),
                display_name: display.clone(),
            }));
        }
        let json = profile_json(&account, display.as_deref());
        let piece = out.shared(|bytes| frame::text(bytes, &json));
        self.to_contacts_and_self(out, &from.key, piece);
        Ok(())
    }
}

fn profile_json(user: &str, display_name: Option<&str>) -> String {
    ServerFrame::Profile { user, display_name }.to_json()
}

impl Chat {
    /// Queues `piece` once for every connection of `key`'s contacts and of `key` itself.
    fn to_contacts_and_self(&self, out: &mut Outbox, key: &str, piece: Piece) {
        let Some(user) = self.dir.user(key) else {
            return;
        };
        out.new_audience();
        let partners = user.dms.iter().filter_map(|k| self.dir.user(k));
        let partner_conns = partners.flat_map(|partner| partner.conns.iter());
        let room_conns = self.dir.rooms_of(key).flat_map(|room| room.live.iter());
        for &slot in user.conns.iter().chain(room_conns).chain(partner_conns) {
            out.queue_once(slot, piece);
        }
    }
}
