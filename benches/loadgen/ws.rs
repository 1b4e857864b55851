//! The WebSocket wire as the load generator speaks it, client side, and nothing more.
//!
//! The hot path of the generator is receiving: 1,000 sockets each getting thousands of small
//! server frames per second. Server frames are unmasked, so parsing one is reading a 2-10 byte
//! header and slicing the payload, with no copy. Client frames must be masked; a fixed mask is
//! enough for a bench. The handshake is a hand-written HTTP request, so that it fits the
//! non-blocking loop. What is inside the frames is `marker.rs`'s business.

/// Frame opcodes (RFC 6455 section 5.2).
pub const OP_TEXT: u8 = 0x1;
pub const OP_CLOSE: u8 = 0x8;
pub const OP_PING: u8 = 0x9;
pub const OP_PONG: u8 = 0xA;

/// The largest frame accepted from the server. Bigger than the server's 64 KiB message limit on
/// purpose: a `welcome` listing 10,000 users is about 100 KiB and the server may send it whole.
pub const MAX_FRAME: usize = 16 << 20;

/// Any nonzero mask will do: the server unmasks whatever it gets.
const MASK: [u8; 4] = [0x5a, 0x17, 0xc3, 0x8e];

/// The `Sec-WebSocket-Key` of every client (the RFC's own example nonce).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// Longest HTTP response head accepted before the upgrade counts as failed.
const MAX_HEAD: usize = 8192;

/// One frame borrowed from the receive buffer.
#[derive(Debug, PartialEq)]
pub struct Frame<'a> {
    pub fin: bool,
    pub opcode: u8,
    pub payload: &'a [u8],
}

/// Why the bytes from the server are not a frame the generator accepts.
#[derive(Debug, PartialEq)]
pub enum FrameError {
    /// Server frames must not be masked (RFC 6455 section 5.1).
    Masked,
    /// Longer than [`MAX_FRAME`].
    TooLong(u64),
}

/// Parses the frame at the start of `buf`: `Ok(None)` while it is incomplete, else the frame and
/// how many bytes it took.
pub fn parse_frame(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    if buf[1] & 0x80 != 0 {
        return Err(FrameError::Masked);
    }
    let (len, head) = match buf[1] & 0x7f {
        126 if buf.len() >= 4 => (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
        127 if buf.len() >= 10 => {
            let mut be = [0u8; 8];
            be.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(be), 10)
        }
        126 | 127 => return Ok(None),
        short => (u64::from(short), 2),
    };
    if len > MAX_FRAME as u64 {
        return Err(FrameError::TooLong(len));
    }
    let end = head + len as usize;
    if buf.len() < end {
        return Ok(None);
    }
    let frame = Frame {
        fin: buf[0] & 0x80 != 0,
        opcode: buf[0] & 0x0f,
        payload: &buf[head..end],
    };
    Ok(Some((frame, end)))
}

/// Appends one final, masked client frame to `out`.
pub fn encode_masked(out: &mut Vec<u8>, opcode: u8, payload: &[u8]) {
    out.push(0x80 | opcode);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xffff => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i % 4]));
}

/// The upgrade request of a client named `name`, with more of the query (`&since=0`) if any.
pub fn handshake_request(port: u16, name: &str, query: &str) -> String {
    format!(
        "GET /?name={name}{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// Reads the HTTP response head at the start of `buf`: `Ok(None)` while incomplete, else its
/// status code and the head's length (the frames start right after it).
pub fn parse_response(buf: &[u8]) -> Result<Option<(u16, usize)>, String> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        return match buf.len() > MAX_HEAD {
            true => Err(format!("no end of HTTP head in {MAX_HEAD} bytes")),
            false => Ok(None),
        };
    };
    let line = &buf[..find(buf, b"\r\n").unwrap_or(end)];
    let status = std::str::from_utf8(line)
        .ok()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {:?}", String::from_utf8_lossy(line)))?;
    Ok(Some((status, end + 4)))
}

/// The status code of a Close frame's payload, if it has one.
pub fn close_code(payload: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*payload.first()?, *payload.get(1)?]))
}

/// Position of `needle` in `hay`. The payloads searched are ~100 bytes, so a plain scan is fine.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
// Cargo also builds the harness-less `loadgen` bench with cfg(test), but without #[test]
// functions: there this module's helpers and imports are unused. `loadgen_units` runs the tests.
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    /// An unmasked server frame, as the server would write it.
    fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => out.push(n as u8),
            n if n <= 0xffff => {
                out.push(126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(payload);
        out
    }

    // Frames of all three length encodings parse, and a cut frame waits for more bytes.
    #[test]
    fn parses_each_length_form_and_waits_when_cut() {
        for len in [0, 5, 125, 126, 300, 65535, 65536, 200_000] {
            let payload = vec![b'x'; len];
            let bytes = server_frame(OP_TEXT, &payload);
            let (frame, used) = parse_frame(&bytes).expect("valid").expect("complete");
            assert_eq!(
                (frame.opcode, frame.fin, frame.payload.len()),
                (OP_TEXT, true, len)
            );
            assert_eq!(used, bytes.len());
            assert_eq!(
                parse_frame(&bytes[..bytes.len() - 1]),
                Ok(None),
                "len {len}"
            );
            assert_eq!(parse_frame(&bytes[..1]), Ok(None));
        }
    }

    // Two frames back to back come out one at a time.
    #[test]
    fn parses_frames_back_to_back() {
        let mut bytes = server_frame(OP_PING, b"hi");
        bytes.extend(server_frame(OP_CLOSE, &[0x03, 0xf5]));
        let (ping, used) = parse_frame(&bytes).unwrap().unwrap();
        assert_eq!(ping.payload, b"hi");
        let (close, _) = parse_frame(&bytes[used..]).unwrap().unwrap();
        assert_eq!(close_code(close.payload), Some(1013));
    }

    // A masked or absurdly long server frame is refused rather than buffered.
    #[test]
    fn refuses_masked_and_huge_frames() {
        assert_eq!(parse_frame(&[0x81, 0x85, 1, 2]), Err(FrameError::Masked));
        let mut huge = vec![0x81, 127];
        huge.extend_from_slice(&(1u64 << 40).to_be_bytes());
        assert_eq!(parse_frame(&huge), Err(FrameError::TooLong(1 << 40)));
    }

    // A masked client frame unmasks to the payload, in every length form.
    #[test]
    fn masks_client_frames() {
        for len in [3, 126, 70_000] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut out = Vec::new();
            encode_masked(&mut out, OP_PONG, &payload);
            assert_eq!(out[0], 0x80 | OP_PONG);
            assert_ne!(out[1] & 0x80, 0, "mask bit");
            let head = out.len() - len - 4;
            let mask = &out[head..head + 4];
            let unmasked: Vec<u8> = out[head + 4..]
                .iter()
                .enumerate()
                .map(|(i, b)| b ^ mask[i % 4])
                .collect();
            assert_eq!(unmasked, payload);
        }
    }

    // The status and head length come from a 101 response; a 503 is read too.
    #[test]
    fn reads_response_heads() {
        let ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00";
        assert_eq!(parse_response(ok), Ok(Some((101, ok.len() - 2))));
        assert_eq!(
            parse_response(b"HTTP/1.1 503 Service Unavailable\r\n\r\n")
                .unwrap()
                .unwrap()
                .0,
            503
        );
        assert_eq!(parse_response(b"HTTP/1.1 101 Swi"), Ok(None));
        assert!(parse_response(b"garbage\r\n\r\n").is_err());
    }
}
