//! Reading a request from a client under caps and a deadline: what no client can exceed.
//!
//! tiny_http reads a header line byte by byte into a `Vec` with no cap, and waits for it without a
//! timeout (tiny-http issue #56), so the guard in front of it reads the request first, here:
//!
//! - the head (request line and header lines) into a buffer that never grows past
//!   [`MAX_HEAD`] + 1 bytes, with no line over [`MAX_LINE`] and at most [`MAX_HEADERS`] headers;
//! - the body, up to the configured cap, announced by `Content-Length`;
//! - everything before a deadline: each `read` waits only for the time left.
//!
//! The scan for the end of the head is incremental ([`Scanner`]), so a client that trickles its
//! head one byte at a time costs one pass over it, not one per byte. The head is then parsed by
//! `httparse` (already in the build through tungstenite): parsing HTTP is not hand-rolled here.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The longest request head: request line plus header lines.
pub const MAX_HEAD: usize = 16 * 1024;
/// The longest single line of a head.
pub const MAX_LINE: usize = 8 * 1024;
/// The most header lines in a head.
pub const MAX_HEADERS: usize = 100;

/// Why a request was not read; the guard maps each to its reply (`reply.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadRefusal {
    /// The client closed, or sent nothing before the deadline: nothing to answer.
    Gone,
    /// The head or body did not arrive in time: 408.
    TimedOut,
    /// A line, the head or the number of headers over its cap: 431.
    HeadTooLarge,
    /// Not HTTP/1.x, or a bad `Content-Length`: 400.
    Malformed,
    /// A body longer than the cap: 413.
    BodyTooLarge,
    /// A body sent with `Transfer-Encoding` (chunked) instead of a length: 411.
    LengthRequired,
}

/// Where the search for the end of the head stands, over the bytes received so far.
#[derive(Debug, Default)]
pub struct Scanner {
    /// Bytes already looked at.
    scanned: usize,
    /// Where the current line starts.
    line_start: usize,
    /// Complete lines seen (the request line included).
    lines: usize,
}

impl Scanner {
    /// Looks at the bytes of `buf` not seen yet: `Ok(Some(len))` when the head is the first
    /// `len` bytes, `Ok(None)` when more are needed.
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, ReadRefusal> {
        while let Some(offset) = buf[self.scanned..].iter().position(|&b| b == b'\n') {
            let end = self.scanned + offset;
            self.scanned = end + 1;
            let line = &buf[self.line_start..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.len() > MAX_LINE {
                return Err(ReadRefusal::HeadTooLarge);
            }
            self.line_start = self.scanned;
            match (line.is_empty(), self.lines) {
                // RFC 9112 §2.2: ignore empty lines before the request line.
                (true, 0) => {}
                (true, _) => return Ok(Some(self.scanned)),
                (false, lines) if lines > MAX_HEADERS => return Err(ReadRefusal::HeadTooLarge),
                (false, _) => self.lines += 1,
            }
        }
        self.scanned = buf.len();
        if buf.len() - self.line_start > MAX_LINE || buf.len() > MAX_HEAD {
            return Err(ReadRefusal::HeadTooLarge);
        }
        Ok(None)
    }
}

/// A parsed request head.
#[derive(Debug)]
pub struct Head {
    pub method: String,
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    /// Header names and values as sent.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl Head {
    /// Parses the `len` bytes of a complete head.
    pub fn parse(bytes: &[u8]) -> Result<Head, ReadRefusal> {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut request = httparse::Request::new(&mut slots);
        match request.parse(bytes) {
            Ok(httparse::Status::Complete(_)) => {}
            Err(httparse::Error::TooManyHeaders) => return Err(ReadRefusal::HeadTooLarge),
            _ => return Err(ReadRefusal::Malformed),
        }
        let (Some(method), Some(target), Some(minor_version)) =
            (request.method, request.path, request.version)
        else {
            return Err(ReadRefusal::Malformed);
        };
        Ok(Head {
            method: method.to_owned(),
            target: target.to_owned(),
            minor_version,
            headers: request
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), h.value.to_vec()))
                .collect(),
        })
    }

    /// Every value of the header `name` (case-insensitive).
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether a comma-separated header such as `Connection` lists `token`.
    pub fn lists(&self, name: &str, token: &str) -> bool {
        self.values(name)
            .flat_map(|v| v.split(|&b| b == b','))
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    }

    /// The body's length: 0 without `Content-Length`; refused when it is not one plain number
    /// (RFC 9112 §6.3: several differing values are an error), or when the body is chunked.
    pub fn body_len(&self) -> Result<usize, ReadRefusal> {
        if self.values("transfer-encoding").next().is_some() {
            return Err(ReadRefusal::LengthRequired);
        }
        let mut lengths = self.values("content-length").map(|v| {
            std::str::from_utf8(v.trim_ascii())
                .ok()
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse::<usize>().ok())
        });
        let Some(first) = lengths.next() else {
            return Ok(0);
        };
        match first {
            Some(len) if lengths.all(|other| other == Some(len)) => Ok(len),
            _ => Err(ReadRefusal::Malformed),
        }
    }

    /// Whether the connection may carry another request after this one. Only HTTP/1.1 keeps
    /// connections open here (HTTP/1.0's opt-in keep-alive is not worth the code).
    pub fn keep_alive(&self) -> bool {
        self.minor_version == 1 && !self.lists("connection", "close")
    }
}

/// How long a client may take over one head.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The first byte must arrive by then, or the connection ends quietly.
    pub first_byte_by: Instant,
    /// The whole head must arrive by then...
    pub head_by: Instant,
    /// ...and within this of its first byte.
    pub head_within: Duration,
}

impl Timing {
    fn after_first_byte(&self, arrived: Instant) -> Instant {
        (arrived + self.head_within).min(self.head_by)
    }
}

/// A client connection as the guard reads it: the socket and the bytes received but not used.
pub struct Incoming<'a> {
    socket: &'a TcpStream,
    /// Received bytes not yet taken: part of a head, a body, or a pipelined next request.
    buf: Vec<u8>,
}

impl<'a> Incoming<'a> {
    pub fn new(socket: &'a TcpStream) -> Self {
        Incoming {
            socket,
            buf: Vec::new(),
        }
    }

    /// Reads the next head within `timing`.
    pub fn read_head(&mut self, timing: Timing) -> Result<Head, ReadRefusal> {
        let mut scanner = Scanner::default();
        let mut started = !self.buf.is_empty();
        let mut until = match started {
            true => timing.after_first_byte(Instant::now()),
            false => timing.first_byte_by,
        };
        loop {
            if let Some(len) = scanner.scan(&self.buf)? {
                let head = Head::parse(&self.buf[..len]);
                self.buf.drain(..len);
                return head;
            }
            match self.fill(MAX_HEAD + 1, until) {
                Ok(()) if !started => {
                    started = true;
                    until = timing.after_first_byte(Instant::now());
                }
                Ok(()) => {}
                Err(e) if started && is_timeout(&e) => return Err(ReadRefusal::TimedOut),
                Err(_) => return Err(ReadRefusal::Gone),
            }
        }
    }

    /// Reads a body of `len` bytes (already checked against the cap) by `deadline`.
    pub fn read_body(&mut self, len: usize, deadline: Instant) -> Result<Vec<u8>, ReadRefusal> {
        while self.buf.len() < len {
            if let Err(e) = self.fill(len, deadline) {
                return Err(match is_timeout(&e) {
                    true => ReadRefusal::TimedOut,
                    false => ReadRefusal::Gone,
                });
            }
        }
        Ok(self.buf.drain(..len).collect())
    }

    /// One `read`, into `buf` up to `limit` bytes in all, waiting no later than `until`.
    fn fill(&mut self, limit: usize, until: Instant) -> io::Result<()> {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.socket.set_read_timeout(Some(left))?;
        let mut chunk = [0; 4096];
        let room = limit.saturating_sub(self.buf.len()).clamp(1, chunk.len());
        // Blocks until the client sends, closes, or the time left runs out.
        match (&*self.socket).read(&mut chunk[..room])? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(())
            }
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(bytes: &[u8]) -> Result<Option<usize>, ReadRefusal> {
        Scanner::default().scan(bytes)
    }

    #[test]
    fn finds_the_end_of_a_head_fed_byte_by_byte() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
        let mut scanner = Scanner::default();
        let mut found = None;
        for end in 1..=head.len() {
            if let Some(len) = scanner.scan(&head[..end]).unwrap() {
                found = Some(len);
                break;
            }
        }
        assert_eq!(found, Some(head.len() - 4));
        assert_eq!(scan_all(b"\r\nGET / HTTP/1.1\nHost: x\n\n"), Ok(Some(26)));
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nHost: x\r\n"), Ok(None));
    }

    #[test]
    fn refuses_what_is_over_a_cap() {
        let long_line = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_LINE));
        assert_eq!(
            scan_all(long_line.as_bytes()),
            Err(ReadRefusal::HeadTooLarge)
        );
        let endless = format!("GET / HTTP/1.1\r\nX: {}", "a".repeat(MAX_LINE + 1));
        assert_eq!(scan_all(endless.as_bytes()), Err(ReadRefusal::HeadTooLarge));
        let many = format!(
            "GET / HTTP/1.1\r\n{}\r\n",
            "X: y\r\n".repeat(MAX_HEADERS + 1)
        );
        assert_eq!(scan_all(many.as_bytes()), Err(ReadRefusal::HeadTooLarge));
        let most = format!("GET / HTTP/1.1\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS));
        assert_eq!(scan_all(most.as_bytes()), Ok(Some(most.len())));
        let big = format!("GET / HTTP/1.1\r\n{}", "X: y\r\n".repeat(3000));
        assert_eq!(scan_all(big.as_bytes()), Err(ReadRefusal::HeadTooLarge));
    }

    #[test]
    fn parses_a_head_and_its_framing() {
        let head = Head::parse(
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nConnection: keep-alive, Close\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            (head.method.as_str(), head.target.as_str()),
            ("POST", "/api/login")
        );
        assert_eq!(head.body_len(), Ok(12));
        assert!(!head.keep_alive());
        let get = Head::parse(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!(get.body_len(), Ok(0));
        assert!(get.keep_alive());
        assert!(!Head::parse(b"GET / HTTP/1.0\r\n\r\n").unwrap().keep_alive());
    }

    #[test]
    fn refuses_bad_framing() {
        let parse = |h: &str| Head::parse(h.as_bytes());
        assert_eq!(
            parse("NOT HTTP\r\n\r\n").err(),
            Some(ReadRefusal::Malformed)
        );
        for bad in ["-1", "1x", "", "99999999999999999999999"] {
            let head = parse(&format!("POST / HTTP/1.1\r\nContent-Length: {bad}\r\n\r\n")).unwrap();
            assert_eq!(head.body_len(), Err(ReadRefusal::Malformed), "{bad:?}");
        }
        let twice = parse("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        assert_eq!(twice.unwrap().body_len(), Err(ReadRefusal::Malformed));
        let chunked = parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(
            chunked.unwrap().body_len(),
            Err(ReadRefusal::LengthRequired)
        );
    }
}
