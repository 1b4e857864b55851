//! What the server sends about moderation: each accepted action announced (to the asker, with
//! its `id`, and to those it concerns), and the answers only owners and moderators get.

use serde::Serialize;

/// A moderation frame the server sends, tagged by `type` like [`super::ServerFrame`].
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ModerationFrame<'a> {
    /// `user` is muted until `until` ms (`null`: until lifted; `0`: the mute is lifted).
    Muted {
        user: &'a str,
        until: Option<u64>,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    Suspend {
        user: &'a str,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        delete_messages: bool,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    Unsuspend {
        user: &'a str,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// A one-time password reset code for `user`, to the asker only.
    ResetCode {
        user: &'a str,
        code: &'a str,
        expires: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    Registration {
        mode: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        join_code: Option<&'a str>,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    Role {
        user: &'a str,
        role: &'a str,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    RoomSettings {
        room: &'a str,
        read_only: bool,
        slow_seconds: u32,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// Who is connected, by name; `more`: the list was cut to fit.
    Connections {
        users: Vec<ConnectionInfo<'a>>,
        more: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
}

/// One connected user in a `connections` frame.
#[derive(Debug, Serialize)]
pub struct ConnectionInfo<'a> {
    pub user: &'a str,
    pub role: &'a str,
    /// Open connections.
    pub tabs: usize,
    /// The addresses they come from, each once.
    pub addresses: Vec<String>,
    /// When their mute ends (`null`: not muted, or until lifted: see `muted`).
    pub muted_until: Option<u64>,
    /// Muted until lifted.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub muted: bool,
}

impl ModerationFrame<'_> {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("moderation frames hold only strings and integers")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moderation_frames_have_the_documented_shape() {
        let muted = ModerationFrame::Muted {
            user: "bob",
            until: None,
            by: "teacher",
            ts: 5,
            id: None,
        };
        assert_eq!(
            muted.to_json(),
            r#"{"type":"muted","user":"bob","until":null,"by":"teacher","ts":5}"#
        );
        let settings = ModerationFrame::RoomSettings {
            room: "announcements",
            read_only: true,
            slow_seconds: 30,
            by: "teacher",
            ts: 6,
            id: Some("r1"),
        };
        assert_eq!(
            settings.to_json(),
            r#"{"type":"room_settings","room":"announcements","read_only":true,"slow_seconds":30,"by":"teacher","ts":6,"id":"r1"}"#
        );
    }
}
