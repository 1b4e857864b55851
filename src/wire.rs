//! Wire protocol v1: the JSON frames in both directions, and the validation of what clients send.
//!
//! The server stamps, the client proposes: `seq`, `ts` and `from` exist only on server frames and
//! are set by the hub; a client's `send` carries just its text and an optional id. Validation here
//! is pure, so every rule is unit-tested below. docs/PROTOCOL.md is the human-readable copy of
//! this file; change both together.

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

/// The longest client-chosen `id`, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// A frame a client may send, once validated.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Send { text: String, id: Option<String> },
}

/// A frame the server sends. Serialized with `"type"` naming the variant.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    Welcome {
        you: &'a str,
        users: Vec<&'a str>,
    },
    Message {
        seq: u64,
        from: &'a str,
        text: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    Joined {
        user: &'a str,
        ts: u64,
    },
    Left {
        user: &'a str,
        ts: u64,
    },
    Error {
        code: ErrorCode,
        message: &'a str,
        /// The `id` of the refused `send`, when it had a readable one.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
}

impl ServerFrame<'_> {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server frames hold only strings and integers")
    }
}

/// Why the server refused something, as the `code` of an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadJson,
    UnknownType,
    MissingField,
    TextEmpty,
    TextTooLong,
    IdTooLong,
    BinaryFrame,
    NameMissing,
    NameInvalid,
    NameTaken,
    Unauthenticated,
    Unavailable,
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
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WireError {
            code,
            message: message.into(),
            id: None,
        }
    }

    /// The same refusal, naming the client's `id` for the frame it refuses.
    pub fn for_id(mut self, id: Option<String>) -> Self {
        self.id = id;
        self
    }

    /// The `error` frame that tells the client about this refusal.
    pub fn to_json(&self) -> String {
        let id = self.id.as_deref();
        ServerFrame::Error {
            code: self.code,
            message: &self.message,
            id,
        }
        .to_json()
    }
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
    match required_str(&fields, "type")? {
        "send" => parse_send(&fields, max_text),
        other => Err(WireError::new(
            ErrorCode::UnknownType,
            format!("unknown frame type {:?}", truncate(other, 40)),
        )),
    }
}

fn parse_send(fields: &Map<String, Value>, max_text: usize) -> Result<ClientFrame, WireError> {
    // The id first, so that a refusal of the text can name the message it refuses.
    let id = parse_id(fields)?;
    let text = required_str(fields, "text").map_err(|e| e.for_id(id.clone()))?;
    if text.trim().is_empty() {
        let error = WireError::new(
            ErrorCode::TextEmpty,
            "text must not be empty or only white space",
        );
        return Err(error.for_id(id));
    }
    if text.len() > max_text {
        let why = format!("text is {} bytes; the limit is {max_text}", text.len());
        return Err(WireError::new(ErrorCode::TextTooLong, why).for_id(id));
    }
    Ok(ClientFrame::Send {
        text: text.to_owned(),
        id,
    })
}

/// The optional client id: a string of at most [`MAX_ID_CHARS`] characters.
fn parse_id(fields: &Map<String, Value>) -> Result<Option<String>, WireError> {
    match fields.get("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id.chars().count() > MAX_ID_CHARS => Err(WireError::new(
            ErrorCode::IdTooLong,
            format!("id is longer than {MAX_ID_CHARS} characters"),
        )),
        Some(Value::String(id)) => Ok(Some(id.clone())),
        Some(_) => Err(WireError::new(ErrorCode::BadJson, "id must be a string")),
    }
}

fn required_str<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, WireError> {
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
fn truncate(s: &str, max: usize) -> &str {
    s.char_indices().nth(max).map_or(s, |(i, _)| &s[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> ErrorCode {
        parse_client_frame(text, 10).unwrap_err().code
    }

    #[test]
    fn accepts_a_send_with_and_without_id() {
        assert_eq!(
            parse_client_frame(r#"{"type":"send","text":"hi","id":"c1"}"#, 10),
            Ok(ClientFrame::Send {
                text: "hi".into(),
                id: Some("c1".into())
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"send","text":" hi ","extra":[1]}"#, 10),
            Ok(ClientFrame::Send {
                text: " hi ".into(),
                id: None
            })
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
    }

    #[test]
    fn refusals_of_a_send_name_its_id() {
        let error = parse_client_frame(r#"{"type":"send","text":" ","id":"c9"}"#, 10).unwrap_err();
        assert_eq!(error.id.as_deref(), Some("c9"));
        assert_eq!(
            error.to_json(),
            r#"{"type":"error","code":"text_empty","message":"text must not be empty or only white space","id":"c9"}"#
        );
        assert_eq!(
            code(r#"{"type":"send","id":"c9"}"#),
            ErrorCode::MissingField
        );
    }

    #[test]
    fn text_limit_counts_bytes_not_characters() {
        // Four 3-byte characters: 12 bytes, over a 10-byte limit.
        assert_eq!(
            code(r#"{"type":"send","text":"€€€€"}"#),
            ErrorCode::TextTooLong
        );
        assert!(parse_client_frame(r#"{"type":"send","text":"€€€"}"#, 10).is_ok());
    }

    #[test]
    fn id_limit_counts_characters() {
        let ok = format!(r#"{{"type":"send","text":"x","id":"{}"}}"#, "é".repeat(64));
        let long = format!(r#"{{"type":"send","text":"x","id":"{}"}}"#, "a".repeat(65));
        assert!(parse_client_frame(&ok, 10).is_ok());
        assert_eq!(
            parse_client_frame(&long, 10).unwrap_err().code,
            ErrorCode::IdTooLong
        );
    }

    #[test]
    fn server_frames_have_the_documented_shape() {
        let message = ServerFrame::Message {
            seq: 17,
            from: "alice",
            text: "hello",
            ts: 5,
            id: None,
        };
        assert_eq!(
            message.to_json(),
            r#"{"type":"message","seq":17,"from":"alice","text":"hello","ts":5}"#
        );
        let welcome = ServerFrame::Welcome {
            you: "bob",
            users: vec!["alice", "bob"],
        };
        assert_eq!(
            welcome.to_json(),
            r#"{"type":"welcome","you":"bob","users":["alice","bob"]}"#
        );
        let error = WireError::new(ErrorCode::TextTooLong, "too long");
        assert_eq!(
            error.to_json(),
            r#"{"type":"error","code":"text_too_long","message":"too long"}"#
        );
    }

    #[test]
    fn error_codes_display_as_on_the_wire() {
        assert_eq!(ErrorCode::NameTaken.to_string(), "name_taken");
        assert_eq!(ErrorCode::BadJson.to_string(), "bad_json");
    }

    #[test]
    fn truncates_on_character_boundaries() {
        assert_eq!(truncate("ééé", 2), "éé");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
