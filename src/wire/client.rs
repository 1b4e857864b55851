//! What a client may send: each frame type parsed and validated, purely.
//!
//! Adding a client frame means a variant of [`ClientFrame`], its parser here, and its handler in
//! the hub; nothing in between changes (the reader passes every parsed frame on as it is).

use serde_json::{Map, Value};

use super::fields::{after, parse_id, parse_text, required_str, room, target, truncate, user};
use super::{ErrorCode, WireError, display_name};

/// The longest client-chosen `id`, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// Messages in a `history` answer when the client asks for no number, and at most.
pub const DEFAULT_HISTORY: usize = 50;
pub const MAX_HISTORY: usize = 200;

/// The room a `send` without `room` goes to, so that a client of protocol version 1 still works.
pub const GENERAL: &str = "general";

/// A conversation: a room, or the private one with a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Room(String),
    User(String),
}

/// A frame a client may send, once validated.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    /// A message to a room.
    Send {
        room: String,
        text: String,
        id: Option<String>,
    },
    /// A private message to a user.
    Dm {
        to: String,
        text: String,
        id: Option<String>,
    },
    Create {
        room: String,
    },
    Join {
        room: String,
    },
    Leave {
        room: String,
    },
    /// Asks for a page of the list of rooms, those after `after` (by name).
    Rooms {
        after: Option<String>,
    },
    /// Asks for a page of a room's members, those after `after` (by name).
    Members {
        room: String,
        after: Option<String>,
    },
    /// "I am typing" in a conversation.
    Typing {
        target: Target,
    },
    /// Sets (or, `None`, clears) the sender's display name, already in its one spelling.
    Profile {
        display_name: Option<String>,
    },
    /// "I have read this conversation up to `seq`."
    Read {
        target: Target,
        seq: u64,
    },
    /// Asks for the messages of a conversation before `before` (the newest when `None`).
    History {
        target: Target,
        before: Option<u64>,
        limit: usize,
    },
}

/// Parses and validates one text message from a chat client.
pub fn parse_client_frame(text: &str, max_text: usize) -> Result<ClientFrame, WireError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| WireError::new(ErrorCode::BadJson, format!("not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(WireError::new(
            ErrorCode::BadJson,
            "a frame must be a JSON object",
        ));
    };
    let room = || room(&fields, "room");
    match required_str(&fields, "type")? {
        "send" => parse_send(&fields, max_text),
        "dm" => parse_dm(&fields, max_text),
        "create" => Ok(ClientFrame::Create { room: room()? }),
        "join" => Ok(ClientFrame::Join { room: room()? }),
        "leave" => Ok(ClientFrame::Leave { room: room()? }),
        "rooms" => Ok(ClientFrame::Rooms {
            after: after(&fields)?,
        }),
        "members" => Ok(ClientFrame::Members {
            room: room()?,
            after: after(&fields)?,
        }),
        "typing" => Ok(ClientFrame::Typing {
            target: target(&fields, "to")?,
        }),
        "history" => parse_history(&fields),
        "profile" => Ok(ClientFrame::Profile {
            display_name: display_name::parse(required_str(&fields, "display_name")?)?,
        }),
        "read" => Ok(ClientFrame::Read {
            target: target(&fields, "with")?,
            seq: fields.get("seq").and_then(Value::as_u64).ok_or_else(|| {
                WireError::new(
                    ErrorCode::BadJson,
                    "seq must be a whole number (a message's seq)",
                )
            })?,
        }),
        other => Err(WireError::new(
            ErrorCode::UnknownType,
            format!("unknown frame type {:?}", truncate(other, 40)),
        )),
    }
}

fn parse_send(fields: &Map<String, Value>, max_text: usize) -> Result<ClientFrame, WireError> {
    // The id first, so that a refusal of the rest can name the message it refuses.
    let id = parse_id(fields)?;
    let room = match fields.get("room") {
        None | Some(Value::Null) => GENERAL.to_owned(),
        Some(_) => room(fields, "room").map_err(|e| e.for_id(id.clone()))?,
    };
    let text = parse_text(fields, max_text).map_err(|e| e.for_id(id.clone()))?;
    Ok(ClientFrame::Send { room, text, id })
}

fn parse_dm(fields: &Map<String, Value>, max_text: usize) -> Result<ClientFrame, WireError> {
    let id = parse_id(fields)?;
    let to = user(fields, "to").map_err(|e| e.for_id(id.clone()))?;
    let text = parse_text(fields, max_text).map_err(|e| e.for_id(id.clone()))?;
    Ok(ClientFrame::Dm { to, text, id })
}

fn parse_history(fields: &Map<String, Value>) -> Result<ClientFrame, WireError> {
    let target = target(fields, "with")?;
    let before = match fields.get("before") {
        None | Some(Value::Null) => None,
        Some(value) => Some(value.as_u64().ok_or_else(|| {
            WireError::new(ErrorCode::BadJson, "before must be a whole number (a seq)")
        })?),
    };
    let limit = match fields.get("limit") {
        None | Some(Value::Null) => DEFAULT_HISTORY,
        Some(value) => match value.as_u64() {
            Some(n) if n >= 1 => (n as usize).min(MAX_HISTORY),
            _ => {
                let why = "limit must be a whole number of at least 1";
                return Err(WireError::new(ErrorCode::BadJson, why));
            }
        },
    };
    Ok(ClientFrame::History {
        target,
        before,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientFrame, WireError> {
        parse_client_frame(text, 10)
    }

    fn code(text: &str) -> ErrorCode {
        parse(text).unwrap_err().code
    }

    #[test]
    fn a_send_goes_to_general_unless_it_names_a_room() {
        assert_eq!(
            parse(r#"{"type":"send","text":"hi","id":"c1"}"#),
            Ok(ClientFrame::Send {
                room: "general".into(),
                text: "hi".into(),
                id: Some("c1".into())
            })
        );
        assert_eq!(
            parse(r#"{"type":"send","room":"math","text":" hi ","extra":[1]}"#),
            Ok(ClientFrame::Send {
                room: "math".into(),
                text: " hi ".into(),
                id: None
            })
        );
    }

    #[test]
    fn a_read_names_a_conversation_and_a_seq() {
        assert_eq!(
            parse(r#"{"type":"read","room":"math","seq":123}"#),
            Ok(ClientFrame::Read {
                target: Target::Room("math".into()),
                seq: 123
            })
        );
        assert_eq!(
            parse(r#"{"type":"read","with":"bob","seq":7}"#),
            Ok(ClientFrame::Read {
                target: Target::User("bob".into()),
                seq: 7
            })
        );
        assert_eq!(code(r#"{"type":"read","room":"math"}"#), ErrorCode::BadJson);
        assert_eq!(
            code(r#"{"type":"read","room":"math","seq":-1}"#),
            ErrorCode::BadJson
        );
        assert_eq!(code(r#"{"type":"read","seq":1}"#), ErrorCode::MissingField);
    }

    #[test]
    fn parses_every_frame_type() {
        assert_eq!(
            parse(r#"{"type":"dm","to":"bob","text":"psst","id":"c2"}"#),
            Ok(ClientFrame::Dm {
                to: "bob".into(),
                text: "psst".into(),
                id: Some("c2".into())
            })
        );
        let room = || "math".to_string();
        assert_eq!(
            parse(r#"{"type":"create","room":"math"}"#),
            Ok(ClientFrame::Create { room: room() })
        );
        assert_eq!(
            parse(r#"{"type":"join","room":"math"}"#),
            Ok(ClientFrame::Join { room: room() })
        );
        assert_eq!(
            parse(r#"{"type":"leave","room":"math"}"#),
            Ok(ClientFrame::Leave { room: room() })
        );
        assert_eq!(
            parse(r#"{"type":"rooms"}"#),
            Ok(ClientFrame::Rooms { after: None })
        );
        assert_eq!(
            parse(r#"{"type":"members","room":"math","after":"Bob"}"#),
            Ok(ClientFrame::Members {
                room: room(),
                after: Some("Bob".into())
            })
        );
        assert_eq!(
            code(r#"{"type":"members","room":"math","after":7}"#),
            ErrorCode::BadJson
        );
        assert_eq!(code(r#"{"type":"members"}"#), ErrorCode::MissingField);
        assert_eq!(
            parse(r#"{"type":"typing","to":"bob"}"#),
            Ok(ClientFrame::Typing {
                target: Target::User("bob".into())
            })
        );
        assert_eq!(
            parse(r#"{"type":"typing","room":"math"}"#),
            Ok(ClientFrame::Typing {
                target: Target::Room(room())
            })
        );
    }

    #[test]
    fn history_has_a_default_and_a_cap() {
        assert_eq!(
            parse(r#"{"type":"history","room":"general"}"#),
            Ok(ClientFrame::History {
                target: Target::Room("general".into()),
                before: None,
                limit: DEFAULT_HISTORY
            })
        );
        assert_eq!(
            parse(r#"{"type":"history","with":"bob","before":77,"limit":5000}"#),
            Ok(ClientFrame::History {
                target: Target::User("bob".into()),
                before: Some(77),
                limit: MAX_HISTORY
            })
        );
        assert_eq!(
            code(r#"{"type":"history","room":"g","limit":0}"#),
            ErrorCode::BadJson
        );
        assert_eq!(
            code(r#"{"type":"history","room":"g","before":-1}"#),
            ErrorCode::BadJson
        );
    }

    #[test]
    fn names_each_refusal() {
        assert_eq!(code("nope"), ErrorCode::BadJson);
        assert_eq!(code("[1,2]"), ErrorCode::BadJson);
        assert_eq!(code(r#"{"text":"hi"}"#), ErrorCode::MissingField);
        assert_eq!(code(r#"{"type":7}"#), ErrorCode::BadJson);
        assert_eq!(code(r#"{"type":"shout"}"#), ErrorCode::UnknownType);
        assert_eq!(code(r#"{"type":"send"}"#), ErrorCode::MissingField);
        assert_eq!(code(r#"{"type":"send","text":5}"#), ErrorCode::BadJson);
        assert_eq!(
            code(r#"{"type":"send","text":" \n\t"}"#),
            ErrorCode::TextEmpty
        );
        assert_eq!(
            code(r#"{"type":"send","text":"01234567890"}"#),
            ErrorCode::TextTooLong
        );
        assert_eq!(
            code(r#"{"type":"send","text":"hi","id":3}"#),
            ErrorCode::BadJson
        );
        assert_eq!(
            code(r#"{"type":"send","room":"a b","text":"hi"}"#),
            ErrorCode::RoomNameInvalid
        );
        assert_eq!(
            code(r#"{"type":"create","room":""}"#),
            ErrorCode::RoomNameInvalid
        );
        assert_eq!(code(r#"{"type":"join"}"#), ErrorCode::MissingField);
        assert_eq!(
            code(r#"{"type":"dm","to":"no body","text":"x"}"#),
            ErrorCode::NoSuchUser
        );
        assert_eq!(code(r#"{"type":"typing"}"#), ErrorCode::MissingField);
        assert_eq!(
            code(r#"{"type":"typing","room":"a","to":"b"}"#),
            ErrorCode::BadJson
        );
    }

    #[test]
    fn refusals_of_a_message_name_its_id() {
        let error = parse(r#"{"type":"send","text":" ","id":"c9"}"#).unwrap_err();
        assert_eq!(error.id.as_deref(), Some("c9"));
        let error = parse(r#"{"type":"dm","to":"x y","text":"hi","id":"c8"}"#).unwrap_err();
        assert_eq!(
            (error.code, error.id.as_deref()),
            (ErrorCode::NoSuchUser, Some("c8"))
        );
        let error = parse(r#"{"type":"send","room":"","text":"hi","id":"c7"}"#).unwrap_err();
        assert_eq!(error.id.as_deref(), Some("c7"));
    }

    #[test]
    fn text_refuses_control_characters_but_tab_and_newline() {
        assert!(parse(r#"{"type":"send","text":"a\tb\nc"}"#).is_ok());
        for bad in [r"\u0001", r"\r", r"\u0000", r"\u007f", r"\u0085", r"\u009f"] {
            let frame = format!(r#"{{"type":"send","text":"a{bad}b"}}"#);
            assert_eq!(code(&frame), ErrorCode::TextInvalid, "{bad}");
        }
        let dm = r#"{"type":"dm","to":"bob","text":"\u001b[2J","id":"c1"}"#;
        let error = parse(dm).unwrap_err();
        assert_eq!(
            (error.code, error.id.as_deref()),
            (ErrorCode::TextInvalid, Some("c1"))
        );
    }

    #[test]
    fn text_limit_counts_bytes_not_characters() {
        // Four 3-byte characters: 12 bytes, over a 10-byte limit.
        assert_eq!(
            code(r#"{"type":"send","text":"€€€€"}"#),
            ErrorCode::TextTooLong
        );
        assert!(parse(r#"{"type":"send","text":"€€€"}"#).is_ok());
    }

    #[test]
    fn id_limit_counts_characters() {
        let ok = format!(r#"{{"type":"send","text":"x","id":"{}"}}"#, "é".repeat(64));
        let long = format!(r#"{{"type":"send","text":"x","id":"{}"}}"#, "a".repeat(65));
        assert!(parse(&ok).is_ok());
        assert_eq!(parse(&long).unwrap_err().code, ErrorCode::IdTooLong);
    }

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate("ééé", 2), "éé");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
