//! The fleet's connecting side: starting at most `MAX_IN_FLIGHT` handshakes at a time, finishing
//! a non-blocking `connect`, sending the upgrade request, and giving up at a deadline.

use super::{Fleet, MAX_IN_FLIGHT, Phase};
use crate::ws;
use mio::net::TcpStream;
use mio::{Interest, Token};
use std::io::ErrorKind;

impl Fleet {
    pub(super) fn start_connections(&mut self) {
        while self.in_flight < MAX_IN_FLIGHT && self.next_planned < self.conns.len() {
            let i = self.next_planned;
            self.next_planned += 1;
            self.in_flight += 1;
            self.conns[i].phase = Phase::Connecting;
            let connected = TcpStream::connect(self.addr).and_then(|mut s| {
                let interest = Interest::READABLE | Interest::WRITABLE;
                self.poll
                    .registry()
                    .register(&mut s, Token(i), interest)
                    .map(|()| s)
            });
            match connected {
                Ok(s) => self.conns[i].stream = Some(s),
                Err(e) => self.close(i, format!("connect: {e}")),
            }
        }
    }

    pub(super) fn on_writable(&mut self, i: usize) {
        let Some(conn) = self.conns.get_mut(i) else {
            return;
        };
        let Some(stream) = conn.stream.as_ref() else {
            return;
        };
        if conn.phase != Phase::Connecting {
            return self.flush(i);
        }
        match (stream.take_error(), stream.peer_addr()) {
            (Ok(Some(e)) | Err(e), _) => return self.close(i, format!("connect: {e}")),
            (_, Err(e)) if e.kind() == ErrorKind::NotConnected => return,
            (_, Err(e)) => return self.close(i, format!("connect: {e}")),
            (_, Ok(_)) => {}
        }
        // Small frames must leave at once, not wait for an ACK (Nagle).
        let _ = stream.set_nodelay(true);
        let name = format!("{}{i}", self.prefix);
        conn.outbuf.extend_from_slice(
            ws::handshake_request(self.addr.port(), &name, &self.query).as_bytes(),
        );
        conn.phase = Phase::Upgrading;
        self.flush(i);
    }

    /// Gives up on every handshake still running (called when a deadline passes).
    pub fn abandon_handshakes(&mut self) {
        for i in 0..self.conns.len() {
            let p = self.conns[i].phase;
            if p == Phase::Planned || (p != Phase::Closed && !self.conns[i].welcomed) {
                self.close(i, "handshake deadline passed".into());
            }
        }
        self.next_planned = self.conns.len();
    }
}
