//! The answers that list things: the rooms, and a room's members, each in pages.
//!
//! A page stops at the reply budget (`Limits::reply_bytes`), measured as it will be encoded, and
//! names its last entry as `next`; the client asks for the page after it with `after`. Both lists
//! are in key order, so a page starts where the last one ended even if entries came or went in
//! between. This is what keeps a class of thousands from making an answer too big to write.

use std::ops::Bound;
use std::time::Instant;

use crate::hub::chat::{Author, Chat};
use crate::hub::directory::Room;
use crate::hub::outbox::Outbox;
use crate::hub::pace::too_fast;
use crate::identity::name_key;
use crate::wire::{ErrorCode, MemberInfo, RoomInfo, ServerFrame, WireError, fit};
use crate::ws::frame;

impl Chat {
    /// Counts a page the author asks for (`rooms`, `members`, `history`) against their
    /// [`ASKS`](crate::hub::pace::ASKS) budget, or refuses it `rate_limited`.
    pub(super) fn pace_ask(&mut self, from: &Author) -> Result<(), WireError> {
        let Some(user) = self.dir.user_mut(&from.key) else {
            return Ok(());
        };
        user.pace.ask(Instant::now()).map_err(too_fast)
    }

    /// `rooms`: a page of every room after `after`, each with its number of members and of
    /// those online, by name.
    pub(super) fn list_rooms(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        after: Option<&str>,
    ) -> Result<(), WireError> {
        let dir = &self.dir;
        let start = after.map(name_key);
        let mut keyed: Vec<(String, &Room)> = dir
            .rooms()
            .map(|room| (name_key(&room.name), room))
            .filter(|(key, _)| start.as_ref().is_none_or(|start| key > start))
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Counted only for the rooms the page holds: `fit` stops looking past its budget.
        let infos = keyed.into_iter().map(|(_, room)| RoomInfo {
            room: &room.name,
            members: room.members.len(),
            online: (room.members.values())
                .filter(|&&id| dir.user_by_id(id).shown_online())
                .count(),
            read_only: room.rules.read_only,
            slow_seconds: room.rules.slow_seconds,
        });
        let (rooms, more) = fit(infos, self.limits.reply_bytes());
        let next = more.then(|| rooms.last().map(|info| info.room)).flatten();
        let json = ServerFrame::Rooms { rooms, next }.to_json();
        out.own(from.slot, |bytes| frame::text(bytes, &json));
        Ok(())
    }

    /// `members`: a page of the members of a room the author is in, after `after`, by name,
    /// each with whether they are online.
    pub(super) fn list_members(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        room: &str,
        after: Option<&str>,
    ) -> Result<(), WireError> {
        let key = self.existing_room(room)?;
        let room = self.dir.room(&key).expect("existing_room found it");
        if !room.members.contains_key(&from.key) {
            let why = format!("join {:?} to see who is in it", room.name);
            return Err(WireError::new(ErrorCode::NotAMember, why));
        }
        let start = after.map_or(Bound::Unbounded, |name| Bound::Excluded(name_key(name)));
        let members = room
            .members
            .range((start, Bound::Unbounded))
            .map(|(_, &id)| {
                let user = self.dir.user_by_id(id);
                MemberInfo {
                    user: &user.name,
                    role: (user.standing.role.moderates()).then(|| user.standing.role.name()),
                    display_name: user.display.as_deref(),
                    online: user.shown_online(),
                }
            });
        let (members, more) = fit(members, self.limits.reply_bytes());
        let next = more.then(|| members.last().map(|m| m.user)).flatten();
        let json = ServerFrame::Members {
            room: &room.name,
            members,
            next,
        }
        .to_json();
        out.own(from.slot, |bytes| frame::text(bytes, &json));
        Ok(())
    }
}
