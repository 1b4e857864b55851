//! Server-to-client WebSocket frames, encoded straight into a byte buffer.
//!
//! The hub encodes each broadcast once and writes the same bytes to every socket, so it frames
//! messages itself instead of going through a `WebSocket` per client; the `history` thread
//! encodes its pages with it too, so that the hub sends them as they are. Server frames are never
//! masked (RFC 6455 §5.1), which makes them a header from tungstenite plus the payload.

use tungstenite::protocol::frame::FrameHeader;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};

/// Appends a final text frame holding `json`.
pub fn text(out: &mut Vec<u8>, json: &str) {
    data(out, json.as_bytes(), false);
}

/// Appends a final data frame: binary, or text whose payload the caller knows is UTF-8 (echo
/// mode sends back what tungstenite has already checked).
pub fn data(out: &mut Vec<u8>, payload: &[u8], binary: bool) {
    let kind = if binary { Data::Binary } else { Data::Text };
    put(out, OpCode::Data(kind), payload);
}

pub fn ping(out: &mut Vec<u8>) {
    put(out, OpCode::Control(Control::Ping), b"");
}

pub fn pong(out: &mut Vec<u8>, payload: &[u8]) {
    put(out, OpCode::Control(Control::Pong), payload);
}

/// Appends a Close frame: the code, then a reason that must fit a control frame (123 bytes).
pub fn close(out: &mut Vec<u8>, code: u16, reason: &str) {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(&reason.as_bytes()[..reason.len().min(123)]);
    put(out, OpCode::Control(Control::Close), &payload);
}

fn put(out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]) {
    let header = FrameHeader {
        opcode,
        ..FrameHeader::default()
    };
    header
        .format(payload.len() as u64, out)
        .expect("writing to a Vec cannot fail");
    out.extend_from_slice(payload);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_frame_has_a_two_byte_header() {
        let mut out = Vec::new();
        text(&mut out, "hi");
        assert_eq!(out, [0x81, 2, b'h', b'i']);
    }

    #[test]
    fn long_frames_use_the_extended_length() {
        let mut out = Vec::new();
        data(&mut out, &[7; 300], true);
        assert_eq!(&out[..4], &[0x82, 126, 1, 44]);
        assert_eq!(out.len(), 304);
    }

    #[test]
    fn close_frame_carries_code_and_reason() {
        let mut out = Vec::new();
        close(&mut out, 1001, "bye");
        assert_eq!(out, [0x88, 5, 0x03, 0xE9, b'b', b'y', b'e']);
    }
}
