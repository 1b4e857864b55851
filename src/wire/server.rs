//! What the server sends: serde types, tagged by `type`, encoded once and sent as they are.

use serde::Serialize;

use super::ErrorCode;

/// A frame the server sends. Serialized with `"type"` naming the variant; optional fields are
/// left out when empty.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame<'a> {
    /// Who you are and what is yours; bounded in size whatever the number of users (a room's
    /// members come on demand, in `members` pages).
    Welcome {
        you: &'a str,
        /// Your role (accounts only): `member`, `moderator` or `owner`.
        #[serde(skip_serializing_if = "Option::is_none")]
        role: Option<&'a str>,
        /// While you are muted: until when, in ms (`null`: until lifted).
        #[serde(skip_serializing_if = "Option::is_none")]
        muted_until: Option<Option<u64>>,
        /// Your display name, if you set one.
        #[serde(skip_serializing_if = "Option::is_none")]
        display_name: Option<&'a str>,
        /// You and your private partners who are online.
        users: Vec<&'a str>,
        /// Your private partners who are not online.
        offline: Vec<&'a str>,
        /// Your rooms.
        rooms: Vec<&'a str>,
        /// The users you have a private conversation with.
        dms: Vec<&'a str>,
        /// How far you have read each of your conversations, and how many are unread.
        read: Vec<ReadInfo<'a>>,
        /// The display names of those in `users` and `offline` who set one.
        display_names: Vec<DisplayInfo<'a>>,
        /// The owners and moderators, with their roles (accounts only).
        #[serde(skip_serializing_if = "Option::is_none")]
        staff: Option<Vec<StaffInfo<'a>>>,
    },
    /// Someone you share a room or a private conversation with (or you) set a display name, or
    /// cleared it (`null`).
    Profile {
        user: &'a str,
        display_name: Option<&'a str>,
    },
    /// How far you have read a conversation (to all your connections, when it moves).
    Read {
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        with: Option<&'a str>,
        seq: u64,
        unread: usize,
        /// The newest message `unread` counts: a later one is unread on top of it.
        newest: u64,
    },
    Message {
        seq: u64,
        from: &'a str,
        /// The room, for a room message.
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        /// The recipient, for a private message.
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<&'a str>,
        /// Absent from a deleted message's stub.
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<&'a str>,
        ts: u64,
        /// When it was last edited, if it was (history pages and replays: messages as they are).
        #[serde(skip_serializing_if = "Option::is_none")]
        edited: Option<u64>,
        /// A deleted message's stub, which keeps its place in history.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        deleted: bool,
        /// The sender's id, on the sending connection's copy only.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// Message `target` has a new text: a change event, with its own `seq`.
    Edited {
        seq: u64,
        target: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<&'a str>,
        /// The message's author.
        from: &'a str,
        /// Who changed it.
        by: &'a str,
        text: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// Message `target` was deleted: a change event, with its own `seq`.
    Deleted {
        seq: u64,
        target: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<&'a str>,
        from: &'a str,
        by: &'a str,
        ts: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// A user became a member of a room.
    Joined {
        room: &'a str,
        user: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        display_name: Option<&'a str>,
        ts: u64,
    },
    /// A user stopped being a member of a room.
    Left {
        room: &'a str,
        user: &'a str,
        ts: u64,
    },
    /// A user's first connection opened, or their last one closed.
    Presence {
        user: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        display_name: Option<&'a str>,
        online: bool,
        ts: u64,
    },
    Typing {
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<&'a str>,
        user: &'a str,
    },
    /// A page of the list of rooms, by name.
    Rooms {
        rooms: Vec<RoomInfo<'a>>,
        /// The last room of this page, to ask for the next (`after`); `null` on the last page.
        next: Option<&'a str>,
    },
    /// A page of a room's members, by name.
    Members {
        room: &'a str,
        members: Vec<MemberInfo<'a>>,
        /// The last member of this page, to ask for the next (`after`); `null` on the last page.
        next: Option<&'a str>,
    },
    /// A page of a conversation's history, oldest first.
    History {
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        with: Option<&'a str>,
        messages: Vec<ServerFrame<'a>>,
        /// Older messages exist.
        more: bool,
        /// Older messages existed but were removed (retention).
        #[serde(skip_serializing_if = "is_false")]
        truncated: bool,
    },
    /// Every message after a reconnect's `since` has been sent; live traffic follows.
    CaughtUp {
        seq: u64,
        /// Some of what was missed had been removed (retention): reload recent history.
        #[serde(skip_serializing_if = "is_false")]
        truncated: bool,
    },
    Error {
        code: ErrorCode,
        message: &'a str,
        /// The `id` of the refused message, when it had a readable one.
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        /// `muted`: when the mute ends, in ms (`null`: when lifted).
        #[serde(skip_serializing_if = "Option::is_none")]
        until: Option<Option<u64>>,
        /// `slow_mode`: in how many ms the next message may be sent.
        #[serde(skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
}

/// One room in a `rooms` frame.
#[derive(Debug, Serialize)]
pub struct RoomInfo<'a> {
    pub room: &'a str,
    pub members: usize,
    pub online: usize,
    /// Only owners and moderators post.
    pub read_only: bool,
    /// A member posts at most once per this many seconds (0: no slow mode).
    pub slow_seconds: u32,
}

/// One conversation's read position in a `welcome`: a room's or a private conversation's.
#[derive(Debug, Serialize)]
pub struct ReadInfo<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub with: Option<&'a str>,
    /// Read up to here (0: nothing read yet).
    pub seq: u64,
    /// Messages from others after `seq`, counted up to the hub's [`crate::store::RECENT`]: that
    /// many means at least that many.
    pub unread: usize,
    /// The conversation's newest message when counted: messages after it are not in `unread`
    /// (a replay may still bring some that are).
    pub newest: u64,
}

/// One member in a `members` frame.
#[derive(Debug, Serialize)]
pub struct MemberInfo<'a> {
    pub user: &'a str,
    /// `owner` or `moderator`; absent for a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<&'a str>,
    pub online: bool,
}

/// An owner or moderator, in a `welcome`.
#[derive(Debug, Serialize)]
pub struct StaffInfo<'a> {
    pub user: &'a str,
    pub role: &'a str,
}

/// A user's display name, in a `welcome`.
#[derive(Debug, Serialize)]
pub struct DisplayInfo<'a> {
    pub user: &'a str,
    pub display_name: &'a str,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl ServerFrame<'_> {
    /// The frame as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server frames hold only strings and integers")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_frames_have_the_documented_shape() {
        let message = ServerFrame::Message {
            seq: 17,
            from: "alice",
            room: Some("general"),
            to: None,
            text: Some("hello"),
            edited: None,
            deleted: false,
            ts: 5,
            id: None,
        };
        assert_eq!(
            message.to_json(),
            r#"{"type":"message","seq":17,"from":"alice","room":"general","text":"hello","ts":5}"#
        );
        let dm = ServerFrame::Message {
            seq: 18,
            from: "alice",
            room: None,
            to: Some("bob"),
            text: Some("psst"),
            edited: None,
            deleted: false,
            ts: 6,
            id: Some("c2"),
        };
        assert_eq!(
            dm.to_json(),
            r#"{"type":"message","seq":18,"from":"alice","to":"bob","text":"psst","ts":6,"id":"c2"}"#
        );
        let welcome = ServerFrame::Welcome {
            you: "bob",
            role: None,
            muted_until: None,
            staff: Some(vec![]),
            display_name: None,
            users: vec!["alice", "bob"],
            offline: vec!["carol"],
            rooms: vec!["general"],
            dms: vec![],
            read: vec![ReadInfo {
                room: Some("general"),
                with: None,
                seq: 40,
                unread: 2,
                newest: 42,
            }],
            display_names: vec![],
        };
        assert_eq!(
            welcome.to_json(),
            r#"{"type":"welcome","you":"bob","users":["alice","bob"],"offline":["carol"],"rooms":["general"],"dms":[],"read":[{"room":"general","seq":40,"unread":2,"newest":42}],"display_names":[],"staff":[]}"#
        );
        let typing = ServerFrame::Typing {
            room: None,
            to: Some("bob"),
            user: "alice",
        };
        assert_eq!(
            typing.to_json(),
            r#"{"type":"typing","to":"bob","user":"alice"}"#
        );
        let rooms = ServerFrame::Rooms {
            rooms: vec![RoomInfo {
                room: "general",
                members: 12,
                online: 9,
                read_only: false,
                slow_seconds: 0,
            }],
            next: None,
        };
        assert_eq!(
            rooms.to_json(),
            r#"{"type":"rooms","rooms":[{"room":"general","members":12,"online":9,"read_only":false,"slow_seconds":0}],"next":null}"#
        );
        let members = ServerFrame::Members {
            room: "general",
            members: vec![MemberInfo {
                user: "bob",
                role: None,
                display_name: None,
                online: true,
            }],
            next: Some("bob"),
        };
        assert_eq!(
            members.to_json(),
            r#"{"type":"members","room":"general","members":[{"user":"bob","online":true}],"next":"bob"}"#
        );
    }
}
