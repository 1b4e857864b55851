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
    /// A new text for message `seq`, or (`text: None`) its deletion.
    Revise {
        seq: u64,
        text: Option<String>,
        id: Option<String>,
    },
    /// What an owner or moderator asks for (`moderation.rs`).
    Moderate {
        action: super::Action,
        id: Option<String>,
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
        "edit" => parse_revise(&fields, Some(max_text)),
        "delete" => parse_revise(&fields, None),
        "profile" => Ok(ClientFrame::Profile {
            display_name: display_name::parse(required_str(&fields, "display_name")?)?,
        }),
        "read" => Ok(ClientFrame::Read {
            target: target(&fields, "with")?,
            seq: seq(&fields)?,
        }),
        other => match super::moderation::parse(other, &fields) {
            Some(parsed) => parsed.map(|(action, id)| ClientFrame::Moderate { action, id }),
            None => Err(WireError::new(
                ErrorCode::UnknownType,
                format!("unknown frame type {:?}", truncate(other, 40)),
            )),
        },
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

/// The `seq` a frame names: a message's.
fn seq(fields: &Map<String, Value>) -> Result<u64, WireError> {
    fields.get("seq").and_then(Value::as_u64).ok_or_else(|| {
        let why = "seq must be a whole number (a message's seq)";
        WireError::new(ErrorCode::BadJson, why)
    })
}

/// `edit` (with the text rules of `send`, `max_text` given) or `delete` (`None`).
fn parse_revise(
    fields: &Map<String, Value>,
    max_text: Option<usize>,
) -> Result<ClientFrame, WireError> {
    let id = parse_id(fields)?;
    let seq = seq(fields).map_err(|e| e.for_id(id.clone()))?;
    let text = max_text
        .map(|max| parse_text(fields, max))
        .transpose()
        .map_err(|e| e.for_id(id.clone()))?;
    Ok(ClientFrame::Revise { seq, text, id })
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
#[path = "client_tests.rs"]
mod tests;
