//! The wire protocol: the JSON frames in both directions (docs/PROTOCOL.md is the human-readable
//! copy of this module; change both together).
//!
//! - `client`: what a client may send, parsed and validated here, purely, so that every rule is
//!   unit-tested and the hub receives only well-formed [`ClientFrame`]s; `fields`: the checks of
//!   one field each that the parsers are made of;
//! - `server`: what the server sends, as serde types tagged by `type`; `pages`: how a page of a
//!   list is cut to a byte budget;
//! - this file: the refusals, [`WireError`] with its [`ErrorCode`].
//!
//! The server stamps, the client proposes: `seq`, `ts` and `from` exist only on server frames and
//! are set by the server; a client's `send` or `dm` carries just where it goes, its text and an
//! optional id.

mod client;
pub(crate) mod display_name;
mod fields;
mod moderation;
mod moderation_frames;
mod pages;
mod server;

use std::fmt;

use serde::Serialize;
use serde_json::Value;

pub use client::{ClientFrame, GENERAL, MAX_ID_CHARS, Target, parse_client_frame};
pub use moderation::{Action, Registration};
pub use moderation_frames::{ConnectionInfo, ModerationFrame};
pub use pages::fit;
pub use server::{DisplayInfo, MemberInfo, ReadInfo, RoomInfo, ServerFrame, StaffInfo};

/// Why the server refused something, as the `code` of an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadJson,
    UnknownType,
    MissingField,
    TextEmpty,
    TextTooLong,
    TextInvalid,
    IdTooLong,
    BinaryFrame,
    NameMissing,
    NameInvalid,
    NameTaken,
    Unauthenticated,
    Unavailable,
    NoSuchRoom,
    NoSuchUser,
    NotAMember,
    RoomExists,
    RoomNameInvalid,
    TooManyRooms,
    RateLimited,
    DailyLimit,
    BadDisplayName,
    DisplayNameTaken,
    /// An `edit` or `delete` named a message that does not exist, is deleted, is not a message
    /// (a change's seq) or is not visible to the asker: one answer for all four.
    NoSuchMessage,
    /// An `edit` or `delete` of a message that is not yours, or whose edit window has passed.
    NotAllowed,
    /// A moderation frame from someone whose role does not allow it (or under `--guests`).
    Forbidden,
    /// The sender is muted (the error carries `until`).
    Muted,
    /// The account is suspended: its connections close.
    Suspended,
    /// Only owners and moderators post in this room.
    ReadOnly,
    /// The room's slow mode: the error carries `retry_after`.
    SlowMode,
    /// The last owner cannot stop being one.
    LastOwner,
}

impl fmt::Display for ErrorCode {
    /// The wire name (`name_taken`), taken from the serde attribute above: one spelling.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match serde_json::to_value(self) {
            Ok(Value::String(name)) => f.write_str(&name),
            _ => write!(f, "{self:?}"),
        }
    }
}

/// A refusal: the code a program branches on and a sentence a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
    /// The client's `id` for the frame refused, so that it knows which pending message failed.
    pub id: Option<String>,
    /// `muted`: when the mute ends (`Some(None)`: when lifted).
    pub until: Option<Option<u64>>,
    /// `slow_mode`: how long until the next message may be sent, in ms.
    pub retry_after: Option<u64>,
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError {
            code,
            message: message.into(),
            id: None,
            until: None,
            retry_after: None,
        }
    }

    /// The same refusal, naming the client's `id` for the frame it refuses.
    pub fn for_id(mut self, id: Option<String>) -> Self {
        self.id = id;
        self
    }

    /// The `error` frame that tells the client about this refusal.
    pub fn to_json(&self) -> String {
        ServerFrame::Error {
            code: self.code,
            message: &self.message,
            id: self.id.as_deref(),
            until: self.until,
            retry_after: self.retry_after,
        }
        .to_json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_display_as_on_the_wire() {
        assert_eq!(ErrorCode::NameTaken.to_string(), "name_taken");
        assert_eq!(ErrorCode::NotAMember.to_string(), "not_a_member");
        assert_eq!(ErrorCode::RoomNameInvalid.to_string(), "room_name_invalid");
    }

    #[test]
    fn an_error_frame_names_the_refused_id() {
        let error = WireError::new(ErrorCode::TextTooLong, "too long").for_id(Some("c9".into()));
        assert_eq!(
            error.to_json(),
            r#"{"type":"error","code":"text_too_long","message":"too long","id":"c9"}"#
        );
    }
}
