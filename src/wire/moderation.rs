//! The frames of owners and moderators, parsed and validated, purely (who may send them is the
//! hub's question: `hub/moderation.rs`).

use serde_json::{Map, Value};

use super::fields::{parse_id, required_str, room, user};
use super::{ErrorCode, WireError};
use crate::roles::Role;

/// The longest mute, in minutes: a year (`0` mutes until lifted).
pub const MAX_MUTE_MINUTES: u64 = 525_600;
/// The longest slow mode, in seconds: a day.
pub const MAX_SLOW_SECONDS: u64 = 86_400;
/// The longest join code, in characters.
pub const MAX_JOIN_CODE_CHARS: usize = 64;
/// Entries in an `audit` answer when the client asks for no number, and at most.
pub const DEFAULT_AUDIT: usize = 50;
pub const MAX_AUDIT: usize = 200;

/// Who may register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registration {
    Open,
    /// With this join code.
    Code(String),
    Closed,
}

impl Registration {
    /// The name on the wire: `open`, `code`, `closed`.
    pub fn mode(&self) -> &'static str {
        match self {
            Registration::Open => "open",
            Registration::Code(_) => "code",
            Registration::Closed => "closed",
        }
    }

    /// The join code, under `code`.
    pub fn join_code(&self) -> Option<&str> {
        match self {
            Registration::Code(code) => Some(code),
            _ => None,
        }
    }
}

/// What an owner or moderator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// For `minutes` (`0`: until unmuted).
    Mute {
        user: String,
        minutes: u64,
    },
    Unmute {
        user: String,
    },
    Suspend {
        user: String,
        delete_messages: bool,
    },
    Unsuspend {
        user: String,
    },
    ResetCode {
        user: String,
    },
    Registration(Registration),
    Role {
        user: String,
        role: Role,
    },
    /// Either left out: unchanged.
    RoomSettings {
        room: String,
        read_only: Option<bool>,
        slow_seconds: Option<u32>,
    },
    Connections,
    Audit {
        before: Option<u64>,
        limit: usize,
    },
}

impl Action {
    /// The frame's type, as the moderation log names the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Mute { .. } => "mute",
            Action::Unmute { .. } => "unmute",
            Action::Suspend { .. } => "suspend",
            Action::Unsuspend { .. } => "unsuspend",
            Action::ResetCode { .. } => "reset_code",
            Action::Registration(_) => "registration",
            Action::Role { .. } => "role",
            Action::RoomSettings { .. } => "room_settings",
            Action::Connections => "connections",
            Action::Audit { .. } => "audit",
        }
    }

    /// The least role that may ask for it: roles and registration are the owners'.
    pub fn needs(&self) -> Role {
        match self {
            Action::Role { .. } | Action::Registration(_) => Role::Owner,
            _ => Role::Moderator,
        }
    }
}

/// Parses the moderation frame of type `kind`, if it is one; its `id` is named in any refusal.
pub fn parse(
    kind: &str,
    fields: &Map<String, Value>,
) -> Option<Result<(Action, Option<String>), WireError>> {
    let id = match parse_id(fields) {
        Ok(id) => id,
        Err(error) => return Some(Err(error)),
    };
    let user = || user(fields, "user");
    let action = match kind {
        "mute" => user().and_then(|user| {
            let minutes = whole(fields, "minutes", MAX_MUTE_MINUTES)?
                .ok_or_else(|| missing("minutes", "a number of minutes (0: until unmuted)"))?;
            Ok(Action::Mute { user, minutes })
        }),
        "unmute" => user().map(|user| Action::Unmute { user }),
        "suspend" => user().and_then(|user| {
            let delete_messages = match fields.get("delete_messages") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad("delete_messages must be true or false")),
            };
            Ok(Action::Suspend {
                user,
                delete_messages,
            })
        }),
        "unsuspend" => user().map(|user| Action::Unsuspend { user }),
        "reset_code" => user().map(|user| Action::ResetCode { user }),
        "registration" => registration(fields),
        "role" => user().and_then(|user| {
            let role = Role::parse(required_str(fields, "role")?)
                .ok_or_else(|| bad("role must be \"member\", \"moderator\" or \"owner\""))?;
            Ok(Action::Role { user, role })
        }),
        "room_settings" => room(fields, "room").and_then(|room| {
            let read_only = match fields.get("read_only") {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => return Err(bad("read_only must be true or false")),
            };
            let slow_seconds = whole(fields, "slow_seconds", MAX_SLOW_SECONDS)?;
            Ok(Action::RoomSettings {
                room,
                read_only,
                slow_seconds: slow_seconds.map(|s| s as u32),
            })
        }),
        "connections" => Ok(Action::Connections),
        "audit" => {
            let limit = whole(fields, "limit", u64::MAX).map(|limit| match limit {
                None => DEFAULT_AUDIT,
                Some(n) => (n as usize).clamp(1, MAX_AUDIT),
            });
            limit.and_then(|limit| {
                let before = whole(fields, "before", u64::MAX)?;
                Ok(Action::Audit { before, limit })
            })
        }
        _ => return None,
    };
    Some(
        action
            .map(|action| (action, id.clone()))
            .map_err(|e| e.for_id(id)),
    )
}

/// `registration`: `open`, `closed`, or `code` with a `join_code`.
fn registration(fields: &Map<String, Value>) -> Result<Action, WireError> {
    match required_str(fields, "mode")? {
        "open" => Ok(Action::Registration(Registration::Open)),
        "closed" => Ok(Action::Registration(Registration::Closed)),
        "code" => {
            let code = required_str(fields, "join_code")?;
            let fits = (1..=MAX_JOIN_CODE_CHARS).contains(&code.chars().count());
            if !fits || code.chars().any(|c| c.is_control() || c.is_whitespace()) {
                let why =
                    format!("a join code is 1 to {MAX_JOIN_CODE_CHARS} characters, without spaces");
                return Err(bad(&why));
            }
            Ok(Action::Registration(Registration::Code(code.to_owned())))
        }
        _ => Err(bad("mode must be \"open\", \"code\" or \"closed\"")),
    }
}

/// An optional whole number of at most `max`.
fn whole(fields: &Map<String, Value>, name: &str, max: u64) -> Result<Option<u64>, WireError> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_u64() {
            Some(n) if n <= max => Ok(Some(n)),
            _ => Err(bad(&format!(
                "{name} must be a whole number of at most {max}"
            ))),
        },
    }
}

fn bad(why: &str) -> WireError {
    WireError::new(ErrorCode::BadJson, why)
}

fn missing(name: &str, what: &str) -> WireError {
    WireError::new(
        ErrorCode::MissingField,
        format!("{name} is missing: {what}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Result<(Action, Option<String>), WireError> {
        let Value::Object(fields) = serde_json::from_str(json).expect("a test's JSON") else {
            panic!("an object");
        };
        let kind = fields["type"].as_str().expect("a type").to_owned();
        parse(&kind, &fields).expect("a moderation frame")
    }

    #[test]
    fn every_action_parses_with_its_id() {
        let (action, id) =
            parsed(r#"{"type":"mute","user":"bob","minutes":10,"id":"m1"}"#).expect("valid");
        assert_eq!(
            action,
            Action::Mute {
                user: "bob".into(),
                minutes: 10
            }
        );
        assert_eq!(id.as_deref(), Some("m1"));
        let (action, _) = parsed(r#"{"type":"registration","mode":"code","join_code":"maths-7b"}"#)
            .expect("valid");
        assert_eq!(
            action,
            Action::Registration(Registration::Code("maths-7b".into()))
        );
        let (action, _) =
            parsed(r#"{"type":"room_settings","room":"math","slow_seconds":30}"#).expect("valid");
        assert_eq!(
            action,
            Action::RoomSettings {
                room: "math".into(),
                read_only: None,
                slow_seconds: Some(30)
            }
        );
        let (action, _) = parsed(r#"{"type":"audit","limit":5000}"#).expect("valid");
        assert_eq!(
            action,
            Action::Audit {
                before: None,
                limit: MAX_AUDIT
            }
        );
        assert_eq!(action.needs(), Role::Moderator);
        let (action, _) = parsed(r#"{"type":"role","user":"bob","role":"owner"}"#).expect("valid");
        assert_eq!(action.needs(), Role::Owner);
    }

    #[test]
    fn bad_fields_are_refused_naming_the_id() {
        for json in [
            r#"{"type":"mute","user":"bob","id":"x"}"#,
            r#"{"type":"mute","user":"bob","minutes":-1,"id":"x"}"#,
            r#"{"type":"mute","user":"bob","minutes":999999999,"id":"x"}"#,
            r#"{"type":"role","user":"bob","role":"admin","id":"x"}"#,
            r#"{"type":"registration","mode":"code","join_code":"has space","id":"x"}"#,
            r#"{"type":"registration","mode":"ajar","id":"x"}"#,
            r#"{"type":"room_settings","room":"math","read_only":"yes","id":"x"}"#,
            r#"{"type":"suspend","user":"bob","delete_messages":1,"id":"x"}"#,
        ] {
            let error = parsed(json).expect_err(json);
            assert_eq!(error.id.as_deref(), Some("x"), "{json}");
        }
    }
}
