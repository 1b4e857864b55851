//! Edits and deletions, as the hub sees them: checked for pace and text like a message, then
//! handed to the store, which looks at the message itself (is it there, may the asker see and
//! change it: `store/changes.rs`) and gives the change its own `seq`. Once that is durable, the
//! event goes to exactly the audience of the message it changes, like a message: the room's
//! members or the two people, on all their connections, the asking one with its `id`.

use crate::event::ConnId;
use crate::hub::chat::{Author, Chat};
use crate::hub::outbox::Outbox;
use crate::log::now_ms;
use crate::store::{Change, ChangeEvent, Revise};
use crate::wire::WireError;
use crate::ws::frame;

impl Chat {
    /// `edit` (`text`) or `delete` (`None`) of message `seq`.
    pub(super) fn revise(
        &mut self,
        from: &Author,
        seq: u64,
        text: Option<String>,
        id: Option<String>,
    ) -> Result<(), WireError> {
        if text.is_some() {
            self.may_speak(from, &id)?;
        }
        let bytes = text.as_ref().map_or(0, String::len);
        let Some(by) = self.admit(from, bytes, &id)? else {
            return Ok(());
        };
        let rooms = self
            .dir
            .user(&from.key)
            .map(|user| user.rooms.iter().cloned().collect())
            .unwrap_or_default();
        self.changes.push(Change::Revise(Revise {
            conn: from.conn,
            by,
            by_key: from.key.clone(),
            by_role: self.role_of(from),
            target: seq,
            text,
            id,
            ts: now_ms(),
            rooms,
            sees_all: false,
            window_ms: self.limits.edit_window.as_millis() as u64,
        }));
        Ok(())
    }

    /// A durable change, to the audience of the message it changes; the asking connection gets
    /// the copy with its `id` (unless its replay brings the event, with its `id`).
    pub(super) fn spread_change(&mut self, out: &mut Outbox, conn: ConnId, event: &ChangeEvent) {
        let sender = out.slot(conn).filter(|_| event.id.is_some());
        let json = event.frame(false).to_json();
        let audience = (event.seq, &event.to, event.from_key.as_str());
        self.spread(out, sender, audience, &json, false);
        if let Some(slot) = sender.filter(|&slot| !self.replay_brings(slot, event.seq, false)) {
            let json = event.frame(true).to_json();
            out.own(slot, |bytes| frame::text(bytes, &json));
        }
    }
}
