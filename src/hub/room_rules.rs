//! A room's rules (read-only, slow mode) and a muted user's silence: set by owners and
//! moderators here, and checked on the paths they guard: [`Chat::may_speak`] on `send`, `dm`,
//! `edit` and `typing`, [`Chat::room_allows`] on `send`.

use std::time::{Duration, Instant};

use crate::hub::chat::{Author, Chat};
use crate::hub::moderation::{Asked, announced};
use crate::hub::outbox::Outbox;
use crate::log::now_ms;
use crate::store::{Moderation, RoomRules};
use crate::wire::{ErrorCode, ModerationFrame, WireError};
use crate::ws::frame;

impl Chat {
    /// `room_settings`: read-only and slow mode, to the room's members.
    pub(super) fn room_settings(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        asked: &Asked,
        room: &str,
        read_only: Option<bool>,
        slow_seconds: Option<u32>,
    ) -> Result<(), WireError> {
        let key = self.existing_room(room)?;
        let Some(room) = self.dir.room_mut(&key) else {
            return Ok(());
        };
        let rules = RoomRules {
            read_only: read_only.unwrap_or(room.rules.read_only),
            slow_seconds: slow_seconds.unwrap_or(room.rules.slow_seconds),
        };
        room.rules = rules;
        room.last_post.clear();
        let (name, live) = (room.name.clone(), room.live.clone());
        let frame = |id| ModerationFrame::RoomSettings {
            room: &name,
            read_only: rules.read_only,
            slow_seconds: rules.slow_seconds,
            by: &asked.by,
            ts: asked.ts,
            id,
        };
        let (everyone, own) = announced(frame, asked.id);
        let piece = out.shared(|bytes| frame::text(bytes, &everyone));
        for slot in live.into_iter().filter(|&slot| slot != from.slot) {
            out.queue(slot, piece);
        }
        let mut entry = asked.entry("room_settings", None);
        entry.insert("room".into(), name.into());
        entry.insert("read_only".into(), rules.read_only.into());
        entry.insert("slow_seconds".into(), rules.slow_seconds.into());
        let room_key = key;
        self.keep(asked, Moderation::RoomRules { room_key, rules }, entry, own);
        Ok(())
    }

    /// Whether `from` may write now (`send`, `dm`, `edit`, `typing`): not while muted.
    pub(super) fn may_speak(&self, from: &Author, id: &Option<String>) -> Result<(), WireError> {
        let Some(user) = self.dir.user(&from.key) else {
            return Ok(());
        };
        match user.standing.muted_at(now_ms()) {
            None => Ok(()),
            Some(until) => {
                let why = match until {
                    None => "you are muted until a moderator lifts it".to_owned(),
                    Some(_) => "you are muted for a while; you can still read".to_owned(),
                };
                let mut error = WireError::new(ErrorCode::Muted, why).for_id(id.clone());
                error.until = Some(until);
                Err(error)
            }
        }
    }

    /// Whether room `key`'s rules let `from` post now: read-only rooms are the staff's; under
    /// slow mode a member posts once per so many seconds ([`Chat::posted_in`] notes each post).
    pub(super) fn room_allows(&self, from: &Author, key: &str) -> Result<(), WireError> {
        let Some(room) = self.dir.room(key) else {
            return Ok(());
        };
        if self.role_of(from).moderates() {
            return Ok(());
        }
        if room.rules.read_only {
            let why = format!("only owners and moderators post in {:?}", room.name);
            return Err(WireError::new(ErrorCode::ReadOnly, why));
        }
        if room.rules.slow_seconds == 0 {
            return Ok(());
        }
        let every = Duration::from_secs(room.rules.slow_seconds.into());
        if let Some(last) = room.last_post.get(&from.key)
            && let Some(wait) = (*last + every).checked_duration_since(Instant::now())
            && !wait.is_zero()
        {
            let why = format!(
                "slow mode: one message every {} seconds in {:?}",
                room.rules.slow_seconds, room.name
            );
            let mut error = WireError::new(ErrorCode::SlowMode, why);
            error.retry_after = Some(wait.as_millis().max(1) as u64);
            return Err(error);
        }
        Ok(())
    }

    /// `from` posted in the slow room `key` (past every other check): the clock starts again.
    pub(super) fn posted_in(&mut self, from: &Author, key: &str) {
        if let Some(room) = self.dir.room_mut(key) {
            room.last_post.insert(from.key.clone(), Instant::now());
        }
    }
}
