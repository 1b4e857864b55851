//! Why a connection ended, and the Close frame (if any) the server sends because of it.
//!
//! tungstenite reports every ending as an error; this is the one place that maps them to a reason,
//! as its autobahn-server example does: a closed, reset or timed-out socket is a normal end, a
//! protocol or UTF-8 violation earns the peer a Close code that says so.

use std::fmt;
use std::io::ErrorKind;

use tungstenite::error::{CapacityError, Error, ProtocolError};

use crate::wire::{ErrorCode, WireError};

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The peer sent a Close frame with this code (none: an empty Close).
    PeerClosed(Option<u16>),
    /// The socket closed or reset without a Close frame.
    Vanished,
    /// Nothing arrived for the idle timeout: a dead peer or a half-open TCP connection.
    IdleTimeout,
    /// A message or frame over `--max-message`.
    TooBig,
    /// A text message that is not UTF-8.
    BadUtf8,
    /// A violation of RFC 6455.
    Protocol(String),
    /// The connection was refused before it joined (a missing, malformed or taken name); the
    /// client was sent this error frame first.
    Refused(WireError),
    /// More than `--max-backlog` bytes were waiting for a client that is not reading.
    Evicted,
    /// The backlogs of all clients together were over `--max-backlog-total`, and this client's
    /// was the largest.
    OverTotal,
    /// The connection's session ended: signed out, password changed, or expired.
    SignedOut(SignOut),
    /// The server could not read what the connection missed (`?since=`): rather than go on with
    /// a gap, it is closed, to reconnect and try again.
    CatchUpFailed,
    /// The server is stopping.
    ServerStopping,
    /// Any other I/O failure.
    Failed(String),
}

/// Why a session ended, closing its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOut {
    /// Its owner signed out.
    SignedOut,
    /// Its owner changed the password from another session.
    PasswordChanged,
    /// It went unused for the session expiry.
    Expired,
    /// An owner or moderator suspended its owner.
    Suspended,
}

impl SignOut {
    /// The reason a person reads: in the `error` frame and the Close frame.
    pub fn reason(self) -> &'static str {
        match self {
            SignOut::SignedOut => "signed out",
            SignOut::PasswordChanged => "signed out: the password was changed",
            SignOut::Expired => "the session expired: please sign in again",
            SignOut::Suspended => "your account is suspended",
        }
    }
}

impl End {
    /// Maps the error that ended a reader's `read()` to a reason.
    pub fn from_read_error(err: Error) -> End {
        match err {
            Error::ConnectionClosed | Error::AlreadyClosed => End::Vanished,
            Error::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Vanished,
            Error::Protocol(p) => End::Protocol(p.to_string()),
            Error::Capacity(CapacityError::MessageTooLong { .. }) => End::TooBig,
            Error::Capacity(c) => End::Protocol(c.to_string()),
            Error::Utf8(_) => End::BadUtf8,
            Error::Io(e) => match e.kind() {
                // SO_RCVTIMEO expiring shows up as one of these two, depending on the platform.
                ErrorKind::WouldBlock | ErrorKind::TimedOut => End::IdleTimeout,
                ErrorKind::UnexpectedEof
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::BrokenPipe => End::Vanished,
                _ => End::Failed(e.to_string()),
            },
            other => End::Failed(other.to_string()),
        }
    }

    /// The `error` frame to send before the Close frame, when the client must be told why in
    /// words a page can show: a refusal, or the end of its session.
    pub fn error(&self) -> Option<WireError> {
        match self {
            End::Refused(error) => Some(error.clone()),
            End::SignedOut(SignOut::Suspended) => Some(WireError::new(
                ErrorCode::Suspended,
                SignOut::Suspended.reason(),
            )),
            End::SignedOut(why) => Some(WireError::new(ErrorCode::Unauthenticated, why.reason())),
            End::CatchUpFailed => Some(WireError::new(
                ErrorCode::Unavailable,
                "the server could not read the messages you missed; reconnect in a moment",
            )),
            _ => None,
        }
    }

    /// The Close frame to send, as (code, reason), or `None` when the socket is beyond reach.
    pub fn close_frame(&self) -> Option<(u16, &str)> {
        match self {
            // RFC 6455 §5.5.1: echo the peer's status code back.
            End::PeerClosed(Some(code)) => Some((*code, "")),
            End::PeerClosed(None) => Some((1000, "")),
            End::Vanished | End::Failed(_) => None,
            End::IdleTimeout => Some((1001, "idle timeout")),
            End::TooBig => Some((1009, "message too big")),
            End::BadUtf8 => Some((1007, "text is not valid UTF-8")),
            End::Protocol(_) => Some((1002, "protocol error")),
            End::Refused(error) => Some((1008, &error.message)),
            End::Evicted | End::OverTotal => Some((1013, "too slow: backlog over limit")),
            End::SignedOut(why) => Some((1008, why.reason())),
            End::CatchUpFailed => Some((1011, "could not catch up: reconnect in a moment")),
            End::ServerStopping => Some((1001, "server shutting down")),
        }
    }

    /// The server gave up on a client that was not keeping up.
    pub fn is_eviction(&self) -> bool {
        matches!(self, End::Evicted | End::OverTotal)
    }
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::PeerClosed(Some(code)) => write!(f, "closed by peer ({code})"),
            End::PeerClosed(None) => write!(f, "closed by peer"),
            End::Vanished => write!(f, "connection lost"),
            End::IdleTimeout => write!(f, "idle timeout"),
            End::TooBig => write!(f, "message too big"),
            End::BadUtf8 => write!(f, "invalid UTF-8"),
            End::Protocol(why) => write!(f, "protocol error: {why}"),
            End::Refused(error) => write!(f, "refused: {}", error.code),
            End::Evicted => write!(f, "evicted: over --max-backlog bytes waiting"),
            End::OverTotal => write!(
                f,
                "evicted: the largest backlog while all were over --max-backlog-total bytes"
            ),
            End::SignedOut(why) => f.write_str(why.reason()),
            End::CatchUpFailed => write!(f, "could not read what it missed"),
            End::ServerStopping => write!(f, "server stopping"),
            End::Failed(why) => write!(f, "I/O error: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn timeouts_and_resets_are_normal_ends() {
        let timeout = Error::Io(io::Error::from(ErrorKind::WouldBlock));
        assert_eq!(End::from_read_error(timeout), End::IdleTimeout);
        let reset = Error::Io(io::Error::from(ErrorKind::ConnectionReset));
        assert_eq!(End::from_read_error(reset), End::Vanished);
        assert_eq!(End::Vanished.close_frame(), None);
    }

    #[test]
    fn violations_get_their_close_codes() {
        let too_big = Error::Capacity(CapacityError::MessageTooLong {
            size: 9,
            max_size: 1,
        });
        assert_eq!(
            End::from_read_error(too_big).close_frame().map(|c| c.0),
            Some(1009)
        );
        let utf8 = Error::Utf8("bad".into());
        assert_eq!(
            End::from_read_error(utf8).close_frame().map(|c| c.0),
            Some(1007)
        );
        let protocol = Error::Protocol(ProtocolError::UnmaskedFrameFromClient);
        assert_eq!(
            End::from_read_error(protocol).close_frame().map(|c| c.0),
            Some(1002)
        );
    }

    #[test]
    fn a_peer_close_is_echoed() {
        assert_eq!(End::PeerClosed(Some(4000)).close_frame(), Some((4000, "")));
        assert_eq!(End::PeerClosed(None).close_frame(), Some((1000, "")));
    }
}
