//! One connected client as the hub sees it, and the only code that writes to its socket.
//!
//! Every write is `sendmsg` with `MSG_DONTWAIT`: it takes what the kernel's send buffer has room
//! for and returns at once, so a client that stops reading can never block the hub. What did not
//! fit waits in the client's own backlog, bounded by `--max-backlog`; past that the client is
//! evicted. The socket itself stays blocking, because its reader thread sleeps in `read()` on it:
//! the flag is given per call, which std cannot do, hence socket2.

use std::io::{self, IoSlice};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::auth::token::SessionId;
use crate::end::End;
use crate::event::ConnId;
use crate::ws::frame;

/// Never block; never raise SIGPIPE for a peer that has gone (the error says so instead).
const SEND_FLAGS: libc::c_int = libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL;

/// What a connection is for.
#[derive(Debug)]
pub enum Purpose {
    /// `--echo`: messages come back to their sender; no name, no chat.
    Echo,
    /// Refused before it joined: it only gets its `error` frame and its Close.
    Refused,
    /// Under `--guests`: a name held while connected; nothing about it is stored.
    Guest { name: String, key: String },
    /// An account's owner (by name and name_key), with the session they signed in with.
    Account {
        name: String,
        key: String,
        session: SessionId,
    },
}

#[derive(Debug)]
pub struct Client {
    pub conn: ConnId,
    socket: Arc<TcpStream>,
    pub peer: SocketAddr,
    pub purpose: Purpose,
    /// Bytes accepted for this client that its socket has not taken yet.
    backlog: Vec<u8>,
    /// When this client last sent something, or was last pinged: the heartbeat's clock.
    pub last_active: Instant,
    /// When this connection last noted its session in use.
    touched: Instant,
}

impl Client {
    pub fn new(conn: ConnId, socket: Arc<TcpStream>, peer: SocketAddr, purpose: Purpose) -> Self {
        Client {
            conn,
            socket,
            peer,
            purpose,
            backlog: Vec::new(),
            last_active: Instant::now(),
            touched: Instant::now(),
        }
    }

    /// The chat name, for a chat user.
    pub fn name(&self) -> Option<&str> {
        match &self.purpose {
            Purpose::Guest { name, .. } | Purpose::Account { name, .. } => Some(name),
            Purpose::Echo | Purpose::Refused => None,
        }
    }

    /// The user's name_key, and whether they are a guest.
    pub fn user_key(&self) -> Option<(String, bool)> {
        match &self.purpose {
            Purpose::Guest { key, .. } => Some((key.clone(), true)),
            Purpose::Account { key, .. } => Some((key.clone(), false)),
            Purpose::Echo | Purpose::Refused => None,
        }
    }

    /// The session this connection signed in with, for an account's.
    pub fn session(&self) -> Option<SessionId> {
        match &self.purpose {
            Purpose::Account { session, .. } => Some(*session),
            Purpose::Echo | Purpose::Refused | Purpose::Guest { .. } => None,
        }
    }

    /// The session to note as in use, if it was not noted within `every`.
    pub fn session_to_touch(&mut self, every: Duration) -> Option<SessionId> {
        let session = self.session()?;
        (self.touched.elapsed() >= every).then(|| {
            self.touched = Instant::now();
            session
        })
    }

    pub fn is_lagging(&self) -> bool {
        !self.backlog.is_empty()
    }

    /// Bytes waiting for this client.
    pub fn backlog_len(&self) -> usize {
        self.backlog.len()
    }

    /// Sends these pieces after anything still waiting; keeps what the socket will not take now.
    /// Fails with the reason the client must go: its socket is dead, or its backlog overflowed.
    pub fn send(&mut self, pieces: &[IoSlice<'_>], max_backlog: usize) -> Result<(), End> {
        if self.is_lagging() {
            pieces
                .iter()
                .for_each(|p| self.backlog.extend_from_slice(p));
            return self.retry(max_backlog);
        }
        let total: usize = pieces.iter().map(|p| p.len()).sum();
        let socket = SockRef::from(&*self.socket);
        // The usual case is one piece: plain send() spares the kernel importing an iovec array.
        let sent = would_block_as_zero(match pieces {
            [one] => socket.send_with_flags(one, SEND_FLAGS),
            _ => socket.send_vectored_with_flags(pieces, SEND_FLAGS),
        })?;
        if sent < total {
            keep_unsent(pieces, sent, &mut self.backlog);
        }
        self.check_backlog(max_backlog)
    }

    /// Tries again to send the backlog.
    pub fn retry(&mut self, max_backlog: usize) -> Result<(), End> {
        let sent = would_block_as_zero(
            SockRef::from(&*self.socket).send_with_flags(&self.backlog, SEND_FLAGS),
        )?;
        self.backlog.drain(..sent);
        if self.backlog.is_empty() {
            // Falling behind is rare and brief; an idle client should cost no buffer at all.
            self.backlog = Vec::new();
        }
        self.check_backlog(max_backlog)
    }

    fn check_backlog(&self, max_backlog: usize) -> Result<(), End> {
        if self.backlog.len() > max_backlog {
            Err(End::Evicted)
        } else {
            Ok(())
        }
    }

    /// Ends the connection: a last try to send what is waiting, the `error` frame its ending
    /// calls for (a refusal, a sign-out) and its Close frame, then the socket is shut down, which
    /// also wakes the reader thread blocked on it.
    pub fn finish(mut self, end: &End) {
        if let Some((code, reason)) = end.close_frame() {
            if let Some(error) = end.error() {
                frame::text(&mut self.backlog, &error.to_json());
            }
            frame::close(&mut self.backlog, code, reason);
            let _ = SockRef::from(&*self.socket).send_with_flags(&self.backlog, SEND_FLAGS);
        }
        let _ = self.socket.shutdown(Shutdown::Both);
    }
}

/// A full send buffer is not an error here: it means zero bytes went out this time.
fn would_block_as_zero(result: io::Result<usize>) -> Result<usize, End> {
    match result {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
        Err(_) => Err(End::Vanished),
    }
}

/// Copies what follows the first `sent` bytes of `pieces` into `backlog`.
fn keep_unsent(pieces: &[IoSlice<'_>], mut sent: usize, backlog: &mut Vec<u8>) {
    for piece in pieces {
        if sent >= piece.len() {
            sent -= piece.len();
        } else {
            backlog.extend_from_slice(&piece[sent..]);
            sent = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_exactly_the_unsent_tail() {
        let pieces = [
            IoSlice::new(b"abc"),
            IoSlice::new(b"de"),
            IoSlice::new(b"fgh"),
        ];
        for (sent, tail) in [
            (0, "abcdefgh"),
            (2, "cdefgh"),
            (3, "defgh"),
            (4, "efgh"),
            (8, ""),
        ] {
            let mut backlog = Vec::new();
            keep_unsent(&pieces, sent, &mut backlog);
            assert_eq!(backlog, tail.as_bytes(), "after {sent} bytes sent");
        }
    }
}
