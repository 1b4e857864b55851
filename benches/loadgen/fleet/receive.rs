//! The fleet's receiving side, its hot path: reading each ready socket, parsing the frames
//! straight out of the shared read buffer, and turning them into counts, Pongs, and
//! [`Delivery`]s of the generator's own messages.

use super::{ERRORS_KEPT, Fleet, Phase, READS_PER_TURN};
use crate::marker::{self, Kind, Marker};
use crate::ws;
use std::collections::BTreeMap;
use std::io::{ErrorKind, Read};

/// A chat message with the generator's marker, as received by `client`.
#[derive(Clone, Copy)]
pub struct Delivery {
    pub client: usize,
    pub marker: Marker,
    pub recv_us: u64,
}

/// What the fleet has seen since it was made.
#[derive(Default, Debug)]
pub struct Counts {
    pub welcomed: u64,
    /// Clients that never got their `welcome` (refused, reset, timed out, ...).
    pub failed: u64,
    /// Clients that were welcomed and later lost their connection.
    pub dropped: u64,
    /// `presence` frames saying someone came online.
    pub joined: u64,
    /// `joined` frames: someone became a member of a room.
    pub members: u64,
    /// `caught_up` frames, and when the last one came (µs on the fleet's clock).
    pub caught_up: u64,
    pub last_caught_up_us: u64,
    pub error_frames: u64,
    pub pings: u64,
    /// `read` calls that returned data, and the bytes they returned.
    pub reads: u64,
    pub bytes: u64,
    /// Close codes the server sent.
    pub close_codes: BTreeMap<u16, u64>,
}

impl Fleet {
    pub(super) fn on_readable(&mut self, i: usize) {
        for _ in 0..READS_PER_TURN {
            let Some(stream) = self.conns.get_mut(i).and_then(|c| c.stream.as_mut()) else {
                return;
            };
            match stream.read(&mut self.scratch) {
                Ok(0) => return self.close(i, "closed without a Close frame".into()),
                Ok(n) => {
                    self.counts.reads += 1;
                    self.counts.bytes += n as u64;
                    self.last_rx_us = self.now_us();
                    // A short read emptied the socket: any byte arriving later raises a new
                    // edge (Linux re-arms an edge-triggered socket on every arrival), so the
                    // read that would only say `WouldBlock` is skipped. It halves the syscalls
                    // when every message wakes every socket.
                    if !self.take_in(i, n) || n < self.scratch.len() {
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.close(i, format!("read: {e}")),
            }
        }
        self.more.push(i);
    }

    /// Handles `n` fresh bytes in the scratch buffer for client `i`; false once it is closed.
    fn take_in(&mut self, i: usize, n: usize) -> bool {
        let Fleet {
            conns,
            scratch,
            counts,
            deliveries,
            errors,
            last_rx_us,
            ..
        } = self;
        let conn = &mut conns[i];
        let fresh = &scratch[..n];
        let mut buffered = !conn.inbuf.is_empty() || conn.phase == Phase::Upgrading;
        if buffered {
            conn.inbuf.extend_from_slice(fresh);
        }
        if conn.phase == Phase::Upgrading {
            match ws::parse_response(&conn.inbuf) {
                Ok(None) => return true,
                Ok(Some((101, head))) => drop(conn.inbuf.drain(..head)),
                Ok(Some((status, _))) => {
                    return self.fail(i, format!("upgrade refused: HTTP {status}"));
                }
                Err(e) => return self.fail(i, e),
            }
            conn.phase = Phase::Open;
            buffered = true;
        }
        let mut sink = Sink {
            client: i,
            now: *last_rx_us,
            counts,
            deliveries,
            errors,
            out: &mut conn.outbuf,
            welcomed: false,
        };
        // The common case parses straight from the read buffer; only a cut frame is copied.
        let end = if buffered {
            let (used, end) = sink.frames(&conn.inbuf);
            conn.inbuf.drain(..used);
            end
        } else {
            let (used, end) = sink.frames(fresh);
            conn.inbuf.extend_from_slice(&fresh[used..]);
            end
        };
        let welcomed = sink.welcomed;
        if conn.inbuf.is_empty() && conn.inbuf.capacity() > 4096 {
            // A big frame passed through; 10,000 idle clients must not each keep its buffer.
            conn.inbuf = Vec::new();
        }
        if welcomed && !conn.welcomed {
            conn.welcomed = true;
            self.in_flight -= 1;
            self.counts.welcomed += 1;
        }
        match end {
            Some(reason) => self.fail(i, reason),
            None => {
                self.flush(i);
                true
            }
        }
    }
}

/// Where one client's frames go while they are parsed.
struct Sink<'a> {
    client: usize,
    now: u64,
    counts: &'a mut Counts,
    deliveries: &'a mut Vec<Delivery>,
    errors: &'a mut Vec<String>,
    out: &'a mut Vec<u8>,
    welcomed: bool,
}

impl Sink<'_> {
    /// Handles the whole frames at the start of `buf`: the bytes used, and a reason to close.
    fn frames(&mut self, buf: &[u8]) -> (usize, Option<String>) {
        let mut used = 0;
        // Every pass consumes a frame of at least two bytes, so this ends.
        loop {
            match ws::parse_frame(&buf[used..]) {
                Ok(None) => return (used, None),
                Err(e) => return (used, Some(format!("bad frame: {e:?}"))),
                Ok(Some((frame, len))) => {
                    used += len;
                    if let Some(reason) = self.frame(frame.opcode, frame.payload) {
                        return (used, Some(reason));
                    }
                }
            }
        }
    }

    fn frame(&mut self, opcode: u8, payload: &[u8]) -> Option<String> {
        match opcode {
            ws::OP_TEXT => match marker::classify(payload) {
                Kind::Bench(marker) => self.deliveries.push(Delivery {
                    client: self.client,
                    marker,
                    recv_us: self.now,
                }),
                Kind::Welcome => self.welcomed = true,
                Kind::Joined => self.counts.joined += 1,
                Kind::Member => self.counts.members += 1,
                Kind::CaughtUp => {
                    self.counts.caught_up += 1;
                    self.counts.last_caught_up_us = self.now;
                }
                Kind::Error => {
                    self.counts.error_frames += 1;
                    if self.errors.len() < ERRORS_KEPT {
                        self.errors
                            .push(String::from_utf8_lossy(payload).into_owned());
                    }
                }
                Kind::Left | Kind::Other => {}
            },
            ws::OP_PING => {
                self.counts.pings += 1;
                ws::encode_masked(self.out, ws::OP_PONG, payload);
            }
            ws::OP_CLOSE => {
                let code = ws::close_code(payload).unwrap_or(1005);
                *self.counts.close_codes.entry(code).or_default() += 1;
                return Some(format!("server sent Close {code}"));
            }
            _ => {}
        }
        None
    }
}
