//! The fleet: every healthy client of a scenario, driven from one thread by one epoll loop (mio).
//!
//! A client is a non-blocking socket in a small state machine: planned, connecting, upgrading
//! (the HTTP response is awaited), open. At most [`MAX_IN_FLIGHT`] handshakes run at once so the
//! server's accept queue never overflows. Once open, a client reads everything the server sends
//! (edge-triggered: until `WouldBlock` or a short read, within a per-turn budget so that one busy
//! socket cannot starve the others), answers Pings with Pongs, counts `welcome`/`joined`/`left` frames, and
//! turns each chat message carrying the generator's marker into a [`Delivery`] for the scenario
//! to look at. Receiving never copies a frame: frames are parsed straight out of one shared read
//! buffer; only a frame cut by the end of a read waits in the client's own buffer.
//!
//! The scenario drives the loop by calling [`Fleet::turn`] and sends with [`Fleet::send`].
//! Nothing here blocks except `Poll::poll`, and that always with a timeout.

mod connect;
mod receive;

pub use receive::{Counts, Delivery};

use crate::marker::{self, Marker};
use crate::ws;
use mio::net::TcpStream;
use mio::{Events, Poll};
use std::io::{ErrorKind, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// Handshakes in progress at once: well under the server's listen backlog (Linux caps it at
/// `somaxconn`, 4096), so no SYN is dropped and retried a second later.
const MAX_IN_FLIGHT: usize = 128;
/// Readiness events taken per `epoll_wait`.
const EVENTS: usize = 1024;
/// Bytes per `read`: many frames per syscall when the server batches.
const READ_CHUNK: usize = 64 * 1024;
/// Reads per socket per turn; a socket with more waiting is read again next turn.
const READS_PER_TURN: usize = 8;
/// Error descriptions kept for the report (the first ones; the rest are only counted).
const ERRORS_KEPT: usize = 5;

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Planned,
    Connecting,
    Upgrading,
    Open,
    Closed,
}

struct Conn {
    stream: Option<TcpStream>,
    phase: Phase,
    welcomed: bool,
    /// Bytes of a frame (or HTTP head) that a read cut in two.
    inbuf: Vec<u8>,
    /// Bytes the socket did not take yet.
    outbuf: Vec<u8>,
}

/// All healthy clients of one scenario run.
pub struct Fleet {
    poll: Poll,
    events: Events,
    conns: Vec<Conn>,
    addr: SocketAddr,
    prefix: &'static str,
    /// More of each handshake's query string, such as `&since=0`.
    query: String,
    clock: Instant,
    next_planned: usize,
    in_flight: usize,
    scratch: Vec<u8>,
    /// Clients whose read budget ran out: read again next turn.
    more: Vec<usize>,
    pub deliveries: Vec<Delivery>,
    pub counts: Counts,
    pub errors: Vec<String>,
    /// When anything last arrived, on the generator's clock (µs).
    pub last_rx_us: u64,
}

impl Fleet {
    /// A fleet of `n` clients named `{prefix}0`, `{prefix}1`, ... for the server at `addr`.
    /// `clock` is the time base of every marker and delivery.
    pub fn new(
        addr: SocketAddr,
        prefix: &'static str,
        n: usize,
        clock: Instant,
    ) -> Result<Fleet, String> {
        let conns = (0..n)
            .map(|_| Conn {
                stream: None,
                phase: Phase::Planned,
                welcomed: false,
                inbuf: Vec::new(),
                outbuf: Vec::new(),
            })
            .collect();
        Ok(Fleet {
            poll: Poll::new().map_err(|e| format!("epoll: {e}"))?,
            events: Events::with_capacity(EVENTS),
            conns,
            addr,
            prefix,
            query: String::new(),
            clock,
            next_planned: 0,
            in_flight: 0,
            scratch: vec![0; READ_CHUNK],
            more: Vec::new(),
            deliveries: Vec::new(),
            counts: Counts::default(),
            errors: Vec::new(),
            last_rx_us: 0,
        })
    }

    /// The same fleet, its clients asking for `query` too (`&since=0`).
    pub fn with_query(mut self, query: &str) -> Fleet {
        self.query = query.to_owned();
        self
    }

    /// Sends a frame of JSON from client `i`; false if that client is not open.
    pub fn send_json(&mut self, i: usize, json: &str) -> bool {
        let Some(conn) = self
            .conns
            .get_mut(i)
            .filter(|c| c.phase == Phase::Open && c.welcomed)
        else {
            return false;
        };
        ws::encode_masked(&mut conn.outbuf, ws::OP_TEXT, json.as_bytes());
        self.flush(i);
        true
    }

    /// Microseconds since the fleet's clock started.
    pub fn now_us(&self) -> u64 {
        self.clock.elapsed().as_micros() as u64
    }

    /// Clients welcomed and still connected.
    pub fn open(&self) -> u64 {
        self.counts.welcomed - self.counts.dropped
    }

    /// Whether every planned client has either been welcomed or failed.
    pub fn all_settled(&self) -> bool {
        self.in_flight == 0 && self.next_planned == self.conns.len()
    }

    /// One turn of the loop: start handshakes, wait up to `timeout` for readiness, handle it.
    /// Deliveries pile up in `self.deliveries` for the caller to take.
    pub fn turn(&mut self, timeout: Duration) -> Result<(), String> {
        self.start_connections();
        let timeout = if self.more.is_empty() {
            timeout
        } else {
            Duration::ZERO
        };
        // Blocks until a socket is ready or the timeout passes.
        match self.poll.poll(&mut self.events, Some(timeout)) {
            Err(e) if e.kind() != ErrorKind::Interrupted => return Err(format!("epoll_wait: {e}")),
            _ => {}
        }
        let ready: Vec<(usize, bool, bool)> = self
            .events
            .iter()
            .map(|e| {
                (
                    e.token().0,
                    e.is_writable() || e.is_error(),
                    e.is_readable() || e.is_read_closed() || e.is_error(),
                )
            })
            .collect();
        for (i, writable, readable) in ready {
            if writable {
                self.on_writable(i);
            }
            if readable {
                self.on_readable(i);
            }
        }
        for i in std::mem::take(&mut self.more) {
            self.on_readable(i);
        }
        Ok(())
    }

    /// Sends a chat message with marker `m` from client `i` to `general`; false if that client
    /// is not open.
    pub fn send(&mut self, i: usize, m: Marker) -> bool {
        self.send_json(i, &marker::send_json(m))
    }

    fn fail(&mut self, i: usize, reason: String) -> bool {
        self.close(i, reason);
        false
    }

    fn flush(&mut self, i: usize) {
        let conn = &mut self.conns[i];
        let Some(stream) = conn.stream.as_mut() else {
            return;
        };
        // Each pass writes at least one byte or stops, so this ends; the bound is a backstop.
        for _ in 0..64 {
            if conn.outbuf.is_empty() {
                return;
            }
            match stream.write(&conn.outbuf) {
                Ok(0) => return self.close(i, "write: socket closed".into()),
                Ok(n) => drop(conn.outbuf.drain(..n)),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.close(i, format!("write: {e}")),
            }
        }
    }

    /// Ends client `i`, counting it as failed (never welcomed) or dropped.
    fn close(&mut self, i: usize, reason: String) {
        let conn = &mut self.conns[i];
        if let Some(mut s) = conn.stream.take() {
            let _ = self.poll.registry().deregister(&mut s);
        }
        let was = conn.phase;
        if was == Phase::Closed {
            return;
        }
        conn.phase = Phase::Closed;
        conn.inbuf = Vec::new();
        conn.outbuf = Vec::new();
        if conn.welcomed {
            self.counts.dropped += 1;
        } else {
            self.counts.failed += 1;
            // A planned client had not started its handshake, so it was not in flight.
            if was != Phase::Planned {
                self.in_flight -= 1;
            }
        }
        if self.errors.len() < ERRORS_KEPT {
            self.errors.push(format!("{}{i}: {reason}", self.prefix));
        }
    }
}
