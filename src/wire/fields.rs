//! One field of a client frame at a time: present, of the right JSON type, within its limits.
//! Each check names the error code a client gets when it fails (docs/PROTOCOL.md §5), so that
//! `client.rs` reads as the list of frames and what each is made of.

use serde_json::{Map, Value};

use super::client::{MAX_ID_CHARS, Target};
use super::{ErrorCode, WireError};
use crate::identity::{MAX_NAME_CHARS, is_valid_name};

/// The message text: not empty or only white space, at most `max_text` bytes of UTF-8, and no
/// control character but tab and newline.
pub(super) fn parse_text(
    fields: &Map<String, Value>,
    max_text: usize,
) -> Result<String, WireError> {
    let text = required_str(fields, "text")?;
    if text.trim().is_empty() {
        let why = "text must not be empty or only white space";
        return Err(WireError::new(ErrorCode::TextEmpty, why));
    }
    if text.len() > max_text {
        let why = format!("text is {} bytes; the limit is {max_text}", text.len());
        return Err(WireError::new(ErrorCode::TextTooLong, why));
    }
    // A control character shows as nothing, and JSON spells most of them in six bytes (`\u0001`):
    // 4,096 of them made a 24 KiB frame for every member, a burst of them evicted a whole room.
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && c != '\t' && c != '\n')
    {
        let why = format!(
            "text must not hold control characters (U+{:04X}); tab and newline are fine",
            u32::from(c)
        );
        return Err(WireError::new(ErrorCode::TextInvalid, why));
    }
    Ok(text.to_owned())
}

/// A room name under `field`: the rules of user names, so that rooms are easy to type and tell
/// apart.
pub(super) fn room(fields: &Map<String, Value>, field: &str) -> Result<String, WireError> {
    let name = required_str(fields, field)?;
    match is_valid_name(name) {
        true => Ok(name.to_owned()),
        false => Err(WireError::new(
            ErrorCode::RoomNameInvalid,
            format!("a room name is 1 to {MAX_NAME_CHARS} letters, digits, _ or -"),
        )),
    }
}

/// A user name under `field`; a malformed one names nobody.
pub(super) fn user(fields: &Map<String, Value>, field: &str) -> Result<String, WireError> {
    let name = required_str(fields, field)?;
    match is_valid_name(name) {
        true => Ok(name.to_owned()),
        false => Err(WireError::new(
            ErrorCode::NoSuchUser,
            format!("there is no user {:?}", truncate(name, 40)),
        )),
    }
}

/// Where a page of names starts: after the optional `after`, a name (of a room or a user).
pub(super) fn after(fields: &Map<String, Value>) -> Result<Option<String>, WireError> {
    match fields.get("after") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) if is_valid_name(name) => Ok(Some(name.clone())),
        Some(_) => Err(WireError::new(
            ErrorCode::BadJson,
            "after must be a name, as the last page's next gave it",
        )),
    }
}

/// A conversation: `room`, or a user under `user_field` (`to` or `with`); exactly one of them.
pub(super) fn target(fields: &Map<String, Value>, user_field: &str) -> Result<Target, WireError> {
    match (fields.contains_key("room"), fields.contains_key(user_field)) {
        (true, false) => room(fields, "room").map(Target::Room),
        (false, true) => user(fields, user_field).map(Target::User),
        (false, false) => Err(WireError::new(
            ErrorCode::MissingField,
            format!("name a room (\"room\") or a user ({user_field:?})"),
        )),
        (true, true) => Err(WireError::new(
            ErrorCode::BadJson,
            format!("name a room or a user ({user_field:?}), not both"),
        )),
    }
}

/// The optional client id: a string of at most [`MAX_ID_CHARS`] characters. An empty one is the
/// same as none (it would otherwise make every message after the first a retry of it).
pub(super) fn parse_id(fields: &Map<String, Value>) -> Result<Option<String>, WireError> {
    match fields.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id.is_empty() => Ok(None),
        Some(Value::String(id)) if id.chars().count() > MAX_ID_CHARS => Err(WireError::new(
            ErrorCode::IdTooLong,
            format!("id is longer than {MAX_ID_CHARS} characters"),
        )),
        Some(Value::String(id)) => Ok(Some(id.clone())),
        Some(_) => Err(WireError::new(ErrorCode::BadJson, "id must be a string")),
    }
}

pub(super) fn required_str<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a str, WireError> {
    match fields.get(name) {
        Some(Value::String(s)) => Ok(s),
        None => Err(WireError::new(
            ErrorCode::MissingField,
            format!("missing field {name:?}"),
        )),
        Some(_) => Err(WireError::new(
            ErrorCode::BadJson,
            format!("{name} must be a string"),
        )),
    }
}

/// At most `max` characters of `s`, for quoting client input in an error message.
pub(super) fn truncate(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}
