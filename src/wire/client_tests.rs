//! Unit tests of `client.rs`: every client frame parsed, and every refusal.
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
