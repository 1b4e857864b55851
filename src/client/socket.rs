//! The socket loop, on the main thread: every frame from the server, printed, until the end.
//!
//! Blocks in `read()` on the reading `WebSocket` until the server sends a frame or closes. Woken by
//! the server (a frame, a Ping, a Close, the connection dropping), or by the `keyboard` thread
//! shutting the socket down when the server did not answer its Close. It writes through the
//! [`Writer`], never its own `WebSocket` (whose writes go nowhere, see `connect.rs`): the Pong for
//! each Ping, the answer to the server's Close, and the request for the next page of a list of
//! rooms or members. It takes each answered message out of [`Pending`]. It ends when the connection
//! does, returning the exit status: 0 after a normal close (ours, or the server's 1000), 1 after
//! any other close or a lost connection, with the reason on stderr.

use std::process::ExitCode;

use serde_json::{Value, json};
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use super::connect::Inbound;
use super::pending::Pending;
use super::show;
use super::writer::Writer;

/// Runs until the connection ends; the process's exit status.
pub fn run(mut inbound: WebSocket<Inbound>, writer: &Writer, pending: &Pending) -> ExitCode {
    // Who we are: the welcome says, and a private message is shown by its other side.
    let mut me = String::new();
    loop {
        // Blocks until the server sends or closes, or the keyboard thread shuts the socket down.
        let written = match inbound.read() {
            Ok(Message::Text(text)) => on_text(&text, &mut me, writer, pending),
            Ok(Message::Ping(payload)) => writer.pong(payload),
            Ok(Message::Close(frame)) => return closed(frame, writer),
            // Binary frames are not part of the chat (§4), and Pongs answer nobody's Ping here.
            Ok(_) => Ok(()),
            Err(error) => return lost(&error, writer),
        };
        if let Err(error) = written {
            return lost(&error, writer);
        }
    }
}

/// One JSON frame: shown, its pending message taken out, and the next page asked for.
fn on_text(
    text: &str,
    me: &mut String,
    writer: &Writer,
    pending: &Pending,
) -> tungstenite::Result<()> {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        show::print(["(a frame that is not JSON, skipped)".to_owned()]);
        return Ok(());
    };
    if frame["type"] == "welcome" {
        frame["you"].as_str().unwrap_or_default().clone_into(me);
    }
    let mut lines = show::frame(&frame, me);
    if let Some(id) = frame["id"].as_str() {
        let text = pending.answered(id);
        if let (Some(text), "error") = (text, frame["type"].as_str().unwrap_or_default()) {
            lines.push(format!("  not sent: {}", show::clean(&text)));
        }
    }
    show::print(lines);
    match next_page(&frame) {
        Some(request) => writer.send(&request),
        None => Ok(()),
    }
}

/// The request for the page after this one of `rooms` or `members`, if `next` says there is one.
fn next_page(frame: &Value) -> Option<Value> {
    let after = frame["next"].as_str()?;
    match frame["type"].as_str()? {
        "rooms" => Some(json!({"type": "rooms", "after": after})),
        "members" => Some(json!({"type": "members", "room": frame["room"], "after": after})),
        _ => None,
    }
}

/// The server's Close: answered with the same code (RFC 6455 §5.5.1), then the exit status.
fn closed(frame: Option<CloseFrame>, writer: &Writer) -> ExitCode {
    // Fails only if the socket is gone, which ends the connection just the same.
    let _ = writer.close(frame.as_ref().map(|frame| frame.code), "");
    match frame {
        Some(frame) if frame.code == CloseCode::Normal => ExitCode::SUCCESS,
        Some(frame) => {
            let reason = show::clean(&frame.reason);
            eprintln!(
                "threadchat chat: closed by the server: {} {reason}",
                u16::from(frame.code)
            );
            ExitCode::FAILURE
        }
        None => {
            eprintln!("threadchat chat: closed by the server, with no code");
            ExitCode::FAILURE
        }
    }
}

/// The connection ended without a Close from the server: expected after ours (the server went
/// without answering, or the keyboard thread stopped waiting), a failure otherwise.
fn lost(error: &tungstenite::Error, writer: &Writer) -> ExitCode {
    if writer.has_closed() {
        return ExitCode::SUCCESS;
    }
    eprintln!("threadchat chat: the connection was lost: {error}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_for_the_next_page_only_when_there_is_one() {
        let more = json!({"type":"members","room":"general","members":[],"next":"bob"});
        let request = json!({"type":"members","room":"general","after":"bob"});
        assert_eq!(next_page(&more), Some(request));
        let rooms = json!({"type":"rooms","rooms":[],"next":"math"});
        assert_eq!(
            next_page(&rooms),
            Some(json!({"type":"rooms","after":"math"}))
        );
        assert_eq!(
            next_page(&json!({"type":"rooms","rooms":[],"next":null})),
            None
        );
        assert_eq!(next_page(&json!({"type":"history","next":"x"})), None);
    }
}
