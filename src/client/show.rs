//! Each frame from the server as plain lines, and the one place that prints to stdout.
//!
//! Nothing from another user reaches the terminal raw. The server already refuses control
//! characters in a message's text (`text_invalid`) and keeps names and rooms to letters, digits,
//! `_` and `-`, but a terminal obeys escape sequences, so this client does not rely on that: every
//! control character and every bidirectional override is shown escaped (`\u{1b}`), except a tab in
//! a message, and a message's line breaks start indented lines. Pure but for [`print`]; tested
//! below. Times are UTC (std knows no time zones).

use std::io::{self, Write};

use serde_json::Value;

/// Writes `lines` to stdout together: both threads print, and one frame's lines stay in one
/// piece. A closed stdout is not worth failing for: the lines are dropped.
pub fn print(lines: impl IntoIterator<Item = String>) {
    let mut stdout = io::stdout().lock();
    for line in lines {
        if writeln!(stdout, "{line}").is_err() {
            return;
        }
    }
}

/// `text` with every control and bidirectional formatting character escaped.
pub fn clean(text: &str) -> String {
    escape(text, |_| false)
}

/// The lines to print for one frame; none for frames this client does not show (`typing`,
/// `caught_up`, `history`, and types it does not know, as §4 asks of clients).
pub fn frame(frame: &Value, me: &str) -> Vec<String> {
    let field = |key: &str| clean(frame[key].as_str().unwrap_or("?"));
    let time = clock(frame["ts"].as_u64());
    match frame["type"].as_str().unwrap_or_default() {
        "welcome" => vec![welcome(frame)],
        "message" => message(frame, me),
        // A change to a message: shown as a line of its own, since what was printed stays.
        "edited" => {
            let mut lines = message(frame, me);
            if let Some(first) = lines.first_mut() {
                *first = format!("{first} (edited)");
            }
            lines
        }
        "deleted" => vec![format!(
            "{time} {} {} deleted a message of {}",
            place(frame, me),
            field("by"),
            field("from")
        )],
        "joined" => vec![format!(
            "{time} #{} {} joined",
            field("room"),
            field("user")
        )],
        "left" => vec![format!("{time} #{} {} left", field("room"), field("user"))],
        "presence" => {
            let state = if frame["online"] == true {
                "online"
            } else {
                "offline"
            };
            vec![format!("{time} {} is {state}", field("user"))]
        }
        "rooms" => vec![list("rooms:", &frame["rooms"], room_entry)],
        "members" => {
            let title = format!("#{}:", field("room"));
            vec![list(&title, &frame["members"], member_entry)]
        }
        "error" => vec![format!("error: {} ({})", field("message"), field("code"))],
        _ => Vec::new(),
    }
}

/// `welcome, alice. rooms: #general #math. online: alice bob. offline: carol.`
fn welcome(frame: &Value) -> String {
    let names = |key: &str, prefix: &str| {
        let items = frame[key].as_array().map(Vec::as_slice).unwrap_or_default();
        let names: Vec<String> = items
            .iter()
            .map(|name| format!("{prefix}{}", clean(name.as_str().unwrap_or("?"))))
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(" ")
        }
    };
    format!(
        "welcome, {}. rooms: {}. online: {}. offline: {}. private: {}. /help lists the commands.",
        clean(frame["you"].as_str().unwrap_or("?")),
        names("rooms", "#"),
        names("users", ""),
        names("offline", ""),
        names("dms", "@"),
    )
}

/// `12:03:04 #math alice: hello`, or `@bob` for a private conversation (named by the other
/// side); further lines of the text indented below.
fn message(frame: &Value, me: &str) -> Vec<String> {
    let from = frame["from"].as_str().unwrap_or("?");
    let place = place(frame, me);
    let time = clock(frame["ts"].as_u64());
    let text = match frame["deleted"] == true {
        true => "(message deleted)",
        false => frame["text"].as_str().unwrap_or_default(),
    };
    let mut lines = text.split('\n').map(|line| escape(line, |c| c == '\t'));
    let first = lines.next().unwrap_or_default();
    let mut out = vec![format!("{time} {place} {}: {first}", clean(from))];
    out.extend(lines.map(|line| format!("    {line}")));
    out
}

/// Where a message (or a change to one) is: `#room`, or `@other` for a private conversation.
fn place(frame: &Value, me: &str) -> String {
    let from = frame["from"].as_str().unwrap_or("?");
    match (frame["room"].as_str(), frame["to"].as_str()) {
        (Some(room), _) => format!("#{}", clean(room)),
        (None, Some(to)) if from == me => format!("@{}", clean(to)),
        (None, _) => format!("@{}", clean(from)),
    }
}

/// `title a, b, c`, each entry made by `entry`; `(none)` for an empty page.
fn list(title: &str, items: &Value, entry: fn(&Value) -> String) -> String {
    let items = items.as_array().map(Vec::as_slice).unwrap_or_default();
    let entries: Vec<String> = items.iter().map(entry).collect();
    match entries.is_empty() {
        true => format!("{title} (none)"),
        false => format!("{title} {}", entries.join(", ")),
    }
}

fn room_entry(room: &Value) -> String {
    let name = clean(room["room"].as_str().unwrap_or("?"));
    format!(
        "#{name} ({} members, {} online)",
        room["members"], room["online"]
    )
}

fn member_entry(member: &Value) -> String {
    let name = clean(member["user"].as_str().unwrap_or("?"));
    match member["online"] == true {
        true => format!("{name} (online)"),
        false => name,
    }
}

/// `HH:MM:SS` (UTC) of a `ts` in milliseconds since the epoch.
fn clock(ts: Option<u64>) -> String {
    let Some(ts) = ts else {
        return "--:--:--".into();
    };
    let seconds = ts / 1000 % 86_400;
    let (hours, minutes) = (seconds / 3600, seconds / 60 % 60);
    format!("{hours:02}:{minutes:02}:{:02}", seconds % 60)
}

/// `text` with each control or bidirectional formatting character escaped, unless `keep` says.
fn escape(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() || is_bidi_control(c)) && !keep(c) {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The characters that reorder the text around them (Unicode's bidirectional formatting
/// characters): printed raw, they can make a line read differently from what was sent.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn messages_name_time_place_and_sender() {
        let room = json!({"type":"message","seq":2,"from":"bob","room":"math","text":"hi","ts":45_296_000});
        assert_eq!(frame(&room, "alice"), ["12:34:56 #math bob: hi"]);
        let dm = json!({"type":"message","from":"alice","to":"bob","text":"psst","ts":0});
        assert_eq!(frame(&dm, "alice"), ["00:00:00 @bob alice: psst"]);
        assert_eq!(frame(&dm, "bob"), ["00:00:00 @alice alice: psst"]);
    }

    #[test]
    fn changes_are_shown_as_lines_of_their_own() {
        let edited = json!({"type":"edited","seq":9,"target":2,"from":"bob","by":"bob","room":"math","text":"fixed","ts":45_296_000});
        assert_eq!(
            frame(&edited, "alice"),
            ["12:34:56 #math bob: fixed (edited)"]
        );
        let deleted = json!({"type":"deleted","seq":10,"target":2,"from":"bob","by":"bob","to":"alice","ts":45_296_000});
        assert_eq!(
            frame(&deleted, "alice"),
            ["12:34:56 @bob bob deleted a message of bob"]
        );
        let stub = json!({"type":"message","seq":2,"from":"bob","room":"math","ts":45_296_000,"deleted":true});
        assert_eq!(
            frame(&stub, "alice"),
            ["12:34:56 #math bob: (message deleted)"]
        );
    }

    #[test]
    fn nothing_from_others_reaches_the_terminal_raw() {
        let text = "a\tb\nsecond \u{1b}[2J line\r\n\u{202E}evil";
        let m = json!({"type":"message","from":"x\u{7}","room":"r\u{1b}","text":text,"ts":0});
        let lines = frame(&m, "me");
        assert_eq!(lines[0], "00:00:00 #r\\u{1b} x\\u{7}: a\tb");
        assert_eq!(lines[1], "    second \\u{1b}[2J line\\u{d}");
        assert_eq!(lines[2], "    \\u{202e}evil");
        assert_eq!(clean("tab\there"), "tab\\u{9}here");
    }

    #[test]
    fn lists_presence_membership_and_errors() {
        let welcome = json!({"type":"welcome","you":"alice","users":["alice"],"offline":[],
            "rooms":["general"],"dms":["bob"]});
        let line = &frame(&welcome, "")[0];
        assert!(line.starts_with("welcome, alice. rooms: #general. online: alice. offline: none."));
        let rooms = json!({"type":"rooms","rooms":[{"room":"general","members":3,"online":1}]});
        assert_eq!(frame(&rooms, ""), ["rooms: #general (3 members, 1 online)"]);
        let members = json!({"type":"members","room":"general","members":[
            {"user":"alice","online":true},{"user":"bob","online":false}],"next":null});
        assert_eq!(frame(&members, ""), ["#general: alice (online), bob"]);
        let joined = json!({"type":"joined","room":"math","user":"bob","ts":1000});
        assert_eq!(frame(&joined, ""), ["00:00:01 #math bob joined"]);
        let gone = json!({"type":"presence","user":"bob","online":false,"ts":1000});
        assert_eq!(frame(&gone, ""), ["00:00:01 bob is offline"]);
        let error = json!({"type":"error","code":"no_such_room","message":"no room"});
        assert_eq!(frame(&error, ""), ["error: no room (no_such_room)"]);
        assert!(frame(&json!({"type":"typing","room":"x","user":"y"}), "").is_empty());
        assert!(frame(&json!({"type":"from_the_future"}), "").is_empty());
    }
}
