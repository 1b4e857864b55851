//! The WebSocket handshake, and the socket split into a reading half and a writing half.
//!
//! The handshake runs on a clone of the socket wrapped in [`Inbound`], which lets the upgrade
//! request through. Then it is sealed: from there on its writes are swallowed, so the reading
//! `WebSocket` can never put a byte on the socket, not even tungstenite's automatic Pong or
//! Close reply (the socket loop asks the [`Writer`] for those). Doing the handshake on the reading
//! half matters: bytes that arrive with the `101` answer (often the `welcome` itself) stay in that
//! `WebSocket`'s buffer. The server's reader does the same (src/ws/stream.rs).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use tungstenite::handshake::client::ClientHandshake;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{ClientRequestBuilder, HandshakeError, WebSocket};

use super::signin::Entry;
use super::writer::Writer;

/// How long the server may take to answer the upgrade (it gives clients 10 s to send it).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest message accepted from the server. Its biggest answers are held to 64 KiB (the
/// reply budget, docs/PROTOCOL.md §8), a page holding at least one message of `--max-text`
/// bytes escaped as JSON; anything near this is a server gone wrong.
const MAX_MESSAGE: usize = 1024 * 1024;

/// The socket as the reading `WebSocket` sees it: reads for real; writes only until sealed.
#[derive(Debug)]
pub struct Inbound {
    socket: TcpStream,
    sealed: bool,
}

impl Read for Inbound {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.socket.read(buf)
    }
}

impl Write for Inbound {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.sealed {
            // tungstenite's automatic Pong or Close reply: the Writer sends those.
            Ok(buf.len())
        } else {
            self.socket.write(buf)
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Connects and upgrades, with the session's token if there is one; the reading `WebSocket` and
/// the writer of the same socket.
pub fn open(entry: &Entry) -> Result<(WebSocket<Inbound>, Writer), String> {
    let url = format!("ws://{}{}", entry.ws_addr, entry.path);
    let cannot = |e: io::Error| format!("cannot connect to {url}: {e}");
    let socket = TcpStream::connect(&entry.ws_addr).map_err(cannot)?;
    // A deadline for the handshake only; lifted below (the clone shares the setting).
    socket
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(cannot)?;
    // Typed lines are small and should go at once.
    socket.set_nodelay(true).map_err(cannot)?;
    let inbound = Inbound {
        socket: socket.try_clone().map_err(cannot)?,
        sealed: false,
    };
    let uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    let mut request = ClientRequestBuilder::new(uri);
    if let Some(token) = &entry.token {
        request = request.with_header("Authorization", format!("Bearer {token}"));
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let (mut reader, _) = tungstenite::client::client_with_config(request, inbound, Some(config))
        .map_err(|e| refused(&url, e))?;
    reader.get_mut().sealed = true;
    // No read deadline from here on: the server pings a silent connection, but how often is
    // its own setting, so a deadline here could only guess. /quit and Ctrl-C always end it.
    socket.set_read_timeout(None).map_err(cannot)?;
    Ok((reader, Writer::new(socket, config)))
}

/// Why the upgrade failed, in words: an HTTP refusal (403, 429, 503, §3) with its plain-text body.
fn refused(url: &str, error: HandshakeError<ClientHandshake<Inbound>>) -> String {
    match error {
        HandshakeError::Failure(tungstenite::Error::Http(response)) => {
            let body = response.body().as_deref().unwrap_or_default();
            let body = super::show::clean(String::from_utf8_lossy(body).trim());
            format!("{url} refused the connection: {} {body}", response.status())
        }
        HandshakeError::Failure(e) => format!("cannot connect to {url}: {e}"),
        HandshakeError::Interrupted(_) => format!("{url}: the handshake did not finish"),
    }
}
