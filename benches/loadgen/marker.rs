//! The generator's own messages and how it recognises frames without parsing JSON.
//!
//! Every text the generator sends is `~B<sender> <k> <send_us>~`: which sender, that sender's
//! message number, and when it was written, in µs on the generator's clock. A receiver finds it
//! in the server's `message` frame with a byte search, and tells the other frame types apart by
//! their `"type":"` value alone: at 1.5 million deliveries a second, parsing each frame's JSON
//! would make the generator the bottleneck.

use crate::ws::find;

/// What the generator embeds in every message text it sends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Marker {
    /// Which sender (0..10) sent it.
    pub sender: u32,
    /// That sender's message number, from 0.
    pub k: u32,
    /// When it was written to the socket, in µs on the generator's clock.
    pub send_us: u64,
}

/// The `send` frame's JSON for `m`, to `general`. Digits and spaces need no JSON escaping.
pub fn send_json(m: Marker) -> String {
    format!(
        r#"{{"type":"send","text":"~B{} {} {}~"}}"#,
        m.sender, m.k, m.send_us
    )
}

/// The `send` frame's JSON for `m`, to the room `room` (letters and digits only).
pub fn send_to_room_json(m: Marker, room: &str) -> String {
    format!(
        r#"{{"type":"send","room":"{room}","text":"~B{} {} {}~"}}"#,
        m.sender, m.k, m.send_us
    )
}

/// The kinds of server frame the generator tells apart.
#[derive(Debug, PartialEq)]
pub enum Kind {
    Bench(Marker),
    Welcome,
    /// A user came online (`presence`, `online: true`).
    Joined,
    /// A user went offline.
    Left,
    /// A user became a member of a room (`joined`).
    Member,
    /// A replay after `?since=` is over.
    CaughtUp,
    Error,
    Other,
}

/// Classifies a text frame's payload by its `"type":"` value, without parsing the JSON.
pub fn classify(payload: &[u8]) -> Kind {
    const TYPE: &[u8] = br#""type":""#;
    let Some(at) = find(payload, TYPE) else {
        return Kind::Other;
    };
    let rest = &payload[at + TYPE.len()..];
    let is = |name: &[u8]| rest.starts_with(name) && rest.get(name.len()) == Some(&b'"');
    if is(b"message") {
        find_marker(payload).map_or(Kind::Other, Kind::Bench)
    } else if is(b"presence") {
        // Someone arriving (or going) is a presence frame; `joined` is room membership.
        match find(payload, br#""online":true"#) {
            Some(_) => Kind::Joined,
            None => Kind::Left,
        }
    } else if is(b"joined") {
        Kind::Member
    } else if is(b"caught_up") {
        Kind::CaughtUp
    } else if is(b"welcome") {
        Kind::Welcome
    } else if is(b"error") {
        Kind::Error
    } else {
        Kind::Other
    }
}

/// Finds and reads the `~B<sender> <k> <send_us>~` marker in a message payload.
pub fn find_marker(payload: &[u8]) -> Option<Marker> {
    let start = find(payload, b"~B")? + 2;
    let mut fields = payload[start..].split(|&b| b == b' ' || b == b'~');
    let mut next = || -> Option<u64> {
        let digits = fields.next()?;
        if digits.is_empty() || digits.len() > 19 {
            return None;
        }
        digits.iter().try_fold(0u64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
        })
    };
    Some(Marker {
        sender: u32::try_from(next()?).ok()?,
        k: u32::try_from(next()?).ok()?,
        send_us: next()?,
    })
}

#[cfg(test)]
// Cargo also builds the harness-less `loadgen` bench with cfg(test), but without #[test]
// functions: there this module's helpers and imports are unused. `loadgen_units` runs the tests.
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    // The marker the generator sends comes back out of the server's message frame.
    #[test]
    fn finds_the_marker_in_a_message() {
        let m = Marker {
            sender: 7,
            k: 4_000_000_000,
            send_us: 123_456_789_012,
        };
        let json = send_json(m);
        let text_at = find(json.as_bytes(), b"~B").unwrap();
        let text = &json[text_at..json.len() - 2];
        let frame = format!(r#"{{"type":"message","seq":9,"from":"u7","text":"{text}","ts":1}}"#);
        assert_eq!(classify(frame.as_bytes()), Kind::Bench(m));
        let other = r#"{"type":"message","seq":9,"from":"x","text":"hello","ts":1}"#;
        assert_eq!(classify(other.as_bytes()), Kind::Other);
        assert_eq!(find_marker(b"~B1 2 x~"), None);
    }

    // The other frame types are told apart by their type value alone.
    #[test]
    fn classifies_other_types() {
        assert_eq!(
            classify(br#"{"type":"welcome","you":"a","users":["a"]}"#),
            Kind::Welcome
        );
        assert_eq!(
            classify(br#"{"type":"presence","user":"b","online":true,"ts":1}"#),
            Kind::Joined
        );
        assert_eq!(
            classify(br#"{"type":"presence","user":"b","online":false,"ts":1}"#),
            Kind::Left
        );
        assert_eq!(
            classify(br#"{"type":"joined","room":"r","user":"b","ts":1}"#),
            Kind::Member
        );
        assert_eq!(classify(br#"{"type":"caught_up","seq":3}"#), Kind::CaughtUp);
        assert_eq!(
            classify(br#"{"type":"error","code":"name_taken"}"#),
            Kind::Error
        );
        assert_eq!(classify(br#"{"type":"joinedx"}"#), Kind::Other);
    }
}
