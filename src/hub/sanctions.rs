//! What owners and moderators do to a person: mute (and unmute), suspend (and unsuspend), and
//! a password reset code. Who may act on whom is `moderation.rs`'s [`Chat::subject`].

use crate::auth::reset::ResetCode;
use crate::end::{End, SignOut};
use crate::hub::chat::{Author, Chat};
use crate::hub::moderation::{Asked, announced};
use crate::hub::outbox::Outbox;
use crate::store::{Change, DeleteAllBy, Moderation, Standing};
use crate::wire::{ErrorCode, ModerationFrame, WireError};

impl Chat {
    /// `mute` until `until` (ms, or [`Standing::FOR_NOW`]), or with `None` `unmute`.
    pub(super) fn mute(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        asked: &Asked,
        user: &str,
        until: Option<u64>,
        minutes: u64,
    ) -> Result<(), WireError> {
        let key = self.subject(asked, user)?;
        let (name, standing) = self.standing_of(&key);
        let standing = Standing {
            muted_until: until,
            ..standing
        };
        let shown = match until {
            Some(Standing::FOR_NOW) => None,
            Some(until) => Some(until),
            None => Some(0),
        };
        let frame = |id| ModerationFrame::Muted {
            user: &name,
            until: shown,
            by: &asked.by,
            ts: asked.ts,
            id,
        };
        let (everyone, own) = announced(frame, asked.id);
        self.tell_staff_and(out, from, &key, &everyone);
        let action = if until.is_some() { "mute" } else { "unmute" };
        let mut entry = asked.entry(action, Some(&name));
        if until.is_some() {
            entry.insert("minutes".into(), minutes.into());
        }
        self.set_standing(asked, (&key, standing), entry, own);
        Ok(())
    }

    /// `suspend` (with whether to delete everything they sent), or with `None` `unsuspend`.
    pub(super) fn suspend(
        &mut self,
        out: &mut Outbox,
        from: &Author,
        asked: &Asked,
        user: &str,
        delete_messages: Option<bool>,
    ) -> Result<(), WireError> {
        let key = self.subject(asked, user)?;
        let (name, standing) = self.standing_of(&key);
        let suspended = delete_messages.is_some();
        let standing = Standing {
            suspended,
            ..standing
        };
        let frame = |id| match delete_messages {
            Some(delete_messages) => ModerationFrame::Suspend {
                user: &name,
                delete_messages,
                by: &asked.by,
                ts: asked.ts,
                id,
            },
            None => ModerationFrame::Unsuspend {
                user: &name,
                by: &asked.by,
                ts: asked.ts,
                id,
            },
        };
        let (everyone, own) = announced(frame, asked.id);
        self.tell_staff(out, from, &everyone);
        let action = if suspended { "suspend" } else { "unsuspend" };
        let mut entry = asked.entry(action, Some(&name));
        if delete_messages == Some(true) {
            entry.insert("delete_messages".into(), true.into());
        }
        self.set_standing(asked, (&key, standing), entry, own);
        if suspended {
            // Closed now, each told why; the store ends the sessions with the next commit.
            let conns = self.dir.user(&key).map(|u| u.conns.clone());
            for slot in conns.into_iter().flatten() {
                if let Some(conn) = out.client(slot).map(|client| client.conn) {
                    self.remove(out, conn, End::SignedOut(SignOut::Suspended));
                }
            }
        }
        if delete_messages == Some(true) {
            self.changes.push(Change::DeleteAllBy(DeleteAllBy {
                conn: from.conn,
                by: asked.by.clone(),
                by_key: from.key.clone(),
                user_key: key,
                ts: asked.ts,
            }));
        }
        Ok(())
    }

    /// `reset_code`: a fresh one-time code for `user`, to the asker alone.
    pub(super) fn reset_code(&mut self, asked: &Asked, user: &str) -> Result<(), WireError> {
        let key = self.subject(asked, user)?;
        let Some(code) = ResetCode::generate() else {
            let why = "the server could not make a code; try again";
            return Err(WireError::new(ErrorCode::Unavailable, why));
        };
        let (name, _) = self.standing_of(&key);
        let expires = asked.ts + self.limits.reset_code_valid.as_millis() as u64;
        let json = ModerationFrame::ResetCode {
            user: &name,
            code: code.as_str(),
            expires,
            id: asked.id,
        }
        .to_json();
        let action = Moderation::ResetCode {
            user_key: key,
            hash: code.hash(),
            expires,
        };
        self.keep(asked, action, asked.entry("reset_code", Some(&name)), json);
        Ok(())
    }
}
