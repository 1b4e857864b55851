//! The reader's side of a socket: reads for real, and after the handshake swallows every write.
//!
//! A tungstenite `WebSocket` writes while it reads: it answers Pings and Close frames from inside
//! `read()`. Its maintainers say a reading half and a writing half cannot be split (tungstenite
//! issues #311, #323), yet the hub must be the only writer of every socket so that frames never
//! interleave. So the reader's stream drops tungstenite's automatic replies, and the reader asks
//! the hub to send them instead (`Event::Ping`, `Event::Gone`). One writer per socket, one path.
//!
//! During the handshake, writes go through (the `101 Switching Protocols` answer) and reads obey a
//! deadline, so a silent client cannot hold its thread forever.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

/// A shared socket as seen by the connection's reader thread.
#[derive(Debug)]
pub struct ReaderStream {
    socket: Arc<TcpStream>,
    /// While `Some`, the handshake is under way: writes pass, and reads end at this instant.
    handshake_deadline: Option<Instant>,
}

impl ReaderStream {
    pub fn for_handshake(socket: Arc<TcpStream>, deadline: Instant) -> Self {
        ReaderStream {
            socket,
            handshake_deadline: Some(deadline),
        }
    }

    /// Ends the handshake: from now on writes are swallowed, and reads wait up to the socket's
    /// own read timeout (the idle deadline, set by the caller).
    pub fn seal(&mut self) {
        self.handshake_deadline = None;
    }
}

impl Read for ReaderStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.handshake_deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "handshake deadline",
                ));
            }
            self.socket.set_read_timeout(Some(left))?;
        }
        (&*self.socket).read(buf)
    }
}

impl Write for ReaderStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.handshake_deadline.is_some() {
            (&*self.socket).write(buf)
        } else {
            // tungstenite's automatic Pong or Close reply: the hub sends those.
            Ok(buf.len())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
