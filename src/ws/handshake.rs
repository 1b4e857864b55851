//! A `ws-handshake` thread: turns one accepted TCP connection into a registered WebSocket.
//!
//! Blocks reading the HTTP upgrade request, for at most [`HANDSHAKE_TIMEOUT`] in total (and at
//! most 64 KiB in 512 reads: tungstenite refuses more as an attack), then checks the `Origin`
//! and who it is (the session behind its cookie or bearer token, read from the store; or under
//! `--guests`, the name), takes the connection's places (see `places.rs`; refused 503 or 429),
//! registers the connection with the hub (waiting for room while its inbox is full) and starts
//! its reader thread. Then it ends. Woken by the client's bytes, the deadline, or the handshake
//! gate shutting the socket down to make room (see `gate.rs`); the gate's [`Ticket`] is held
//! until the connection registers. It runs in a thread of its own, not the reader's, for two
//! reasons: a slow client holds up nobody else, and the handshake is the deepest call stack of a
//! connection's life (HTTP parsing, SHA-1, header maps); run in the long-lived reader, those
//! touched stack pages would stay resident for the whole connection.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use socket2::SockRef;
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::http::header::CONTENT_TYPE;
use tungstenite::http::{HeaderValue, StatusCode};
use tungstenite::protocol::WebSocketConfig;

use crate::auth::Sessions;
use crate::config::Limits;
use crate::end::End;
use crate::event::{Arrival, ConnId, Event};
use crate::gate::Ticket;
use crate::origin::OriginPolicy;
use crate::ws::places::{Counts, PlaceRefusal, Places};
use crate::ws::reader::{self, Mode};
use crate::ws::stream::ReaderStream;
use crate::{identity, log, log_limited};

/// Room for HTTP parsing, SHA-1 and header maps. Deliberately smaller than the reader's stack:
/// glibc caches the stacks of finished threads, keeping 16 KiB of each resident, and hands them
/// to new threads asking for no more than the cached size. A reader reusing a handshake's stack
/// would inherit those dirty pages for its whole life; with a smaller size, it never can.
pub const STACK_SIZE: usize = 128 * 1024;

/// A client must finish its upgrade request within this time, however slowly it trickles in.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// tungstenite's read buffer per connection. Its default, 128 KiB, suits one busy client, and
/// tungstenite zero-fills the whole buffer before each read, so all of it is resident. Chat
/// frames are ~100 bytes: 2 KiB holds a burst of them, and tungstenite grows the buffer for a
/// rare big message.
const READ_BUFFER: usize = 2 * 1024;

/// SO_SNDBUF for every connection (Linux doubles it). Left to itself Linux grows a send buffer up
/// to 4 MiB, so a client that never reads would swallow a quarter of an hour of chat before the
/// hub noticed. Small, the kernel pushes back early and the hub's own bounded backlog decides.
pub const SEND_BUFFER: usize = 8 * 1024;

/// What every handshake thread needs, shared by the acceptor.
pub struct Shared {
    /// The hub's inbox.
    pub hub: Sender<Event>,
    pub limits: Limits,
    pub origins: OriginPolicy,
    pub echo: bool,
    /// Who a connection is: its session, or under `--guests` its chosen name.
    pub sessions: Sessions,
    pub guests: bool,
    /// The places connections hold: server-wide, per address, per account (see `places.rs`).
    pub counts: Counts,
}

// tungstenite's callback signature fixes its error type as a whole `http::Response`.
#[allow(clippy::result_large_err)]
pub fn run(ticket: Arc<Ticket>, peer: SocketAddr, conn: ConnId, shared: Arc<Shared>) {
    let mut places = shared.counts.open();
    let socket = Arc::clone(ticket.socket());
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut arrival = Arrival::Echo;
    let check = |request: &Request, response: Response| {
        match admit(request, peer, &mut places, &shared) {
            Ok(found) => arrival = found,
            Err((status, why)) => {
                log_limited!(
                    "refused handshakes",
                    peer.ip(),
                    "refused WebSocket from {peer}: {why}"
                );
                return Err(refusal(status, why));
            }
        }
        Ok(response)
    };
    let stream = ReaderStream::for_handshake(Arc::clone(&socket), deadline);
    let mut ws = match tungstenite::accept_hdr_with_config(stream, check, Some(ws_config(&shared)))
    {
        Ok(ws) => ws,
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(_))) => return,
        Err(e) => {
            return log_limited!(
                "failed handshakes",
                peer.ip(),
                "handshake with {peer} failed: {e}"
            );
        }
    };
    // Without its places the check above refused the upgrade, so this only unwraps them. A
    // ticket that cannot turn busy was evicted by the gate meanwhile: its socket is already shut
    // down.
    let Some(places) = places.ok().filter(|_| ticket.busy()) else {
        return;
    };
    ws.get_mut().seal();
    if let Err(e) = prepare_socket(&socket, &shared.limits) {
        return log!("cannot set up the socket of {peer}: {e}");
    }
    let refused = matches!(arrival, Arrival::Refused(_));
    let join = Event::Join {
        conn,
        peer,
        socket,
        arrival,
    };
    // Blocks while the hub's inbox is full; fails only when the server is stopping.
    if shared.hub.send(join).is_err() {
        return;
    }
    start_reader(conn, ws, peer, refused, places, &shared);
}

/// The checks made before the upgrade is accepted, in order: room on the server, a trusted
/// origin, room for one more from this address, who it is, and room for one more of theirs.
/// Returns who it is; the places taken stay in `places`.
fn admit(
    request: &Request,
    peer: SocketAddr,
    places: &mut Result<Places, PlaceRefusal>,
    shared: &Shared,
) -> Result<Arrival, PlaceRefusal> {
    let places = places.as_mut().map_err(|refusal| refusal.clone())?;
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("(not ASCII)"))
    };
    let origin = header("origin");
    if !shared.origins.allows(origin, header("host")) {
        return Err((
            403,
            format!("origin {:?} is not allowed", origin.unwrap_or("")),
        ));
    }
    places.take_address(&shared.counts, peer.ip())?;
    if shared.echo {
        return Ok(Arrival::Echo);
    }
    let headers = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)));
    let arrival = identity::arrival(
        &request_target(request),
        headers,
        &shared.sessions,
        shared.guests,
    );
    if let Arrival::Account { name, .. } | Arrival::Guest { name, .. } = &arrival {
        places.take_user(&shared.counts, &identity::name_key(name))?;
    }
    Ok(arrival)
}

fn request_target(request: &Request) -> String {
    request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned()
}

/// The HTTP answer to a refused upgrade: `status`, and why in plain text.
fn refusal(status: u16, why: String) -> ErrorResponse {
    let mut response = ErrorResponse::new(Some(why));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    let plain = HeaderValue::from_static("text/plain; charset=utf-8");
    response.headers_mut().insert(CONTENT_TYPE, plain);
    response
}

fn ws_config(shared: &Shared) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        // The reader never really writes (see stream.rs): nothing to buffer.
        .write_buffer_size(0)
        .max_message_size(Some(shared.limits.max_message))
        .max_frame_size(Some(shared.limits.max_message))
}

/// From here on the socket's read timeout is the dead-peer deadline, not a clock: a reader that
/// hears nothing for that long ends its connection.
fn prepare_socket(socket: &TcpStream, limits: &Limits) -> std::io::Result<()> {
    socket.set_read_timeout(Some(limits.idle_timeout))?;
    // Chat frames are small and latency matters more than packet count.
    socket.set_nodelay(true)?;
    SockRef::from(socket).set_send_buffer_size(SEND_BUFFER)
}

fn start_reader(
    conn: ConnId,
    ws: tungstenite::WebSocket<ReaderStream>,
    peer: SocketAddr,
    refused: bool,
    places: Places,
    shared: &Shared,
) {
    // A refused name: the hub is closing this socket; there is nothing to read.
    if refused {
        return;
    }
    let mode = match shared.echo {
        true => Mode::Echo,
        false => Mode::Chat {
            max_text: shared.limits.max_text,
        },
    };
    let hub = shared.hub.clone();
    let spawned = thread::Builder::new()
        .name(format!("ws-read-{conn}"))
        .stack_size(reader::STACK_SIZE)
        .spawn(move || reader::run(conn, peer, ws, hub, mode, places));
    if let Err(e) = spawned {
        log!("cannot start a reader for {peer}: {e}");
        let _ = shared.hub.send(Event::Gone {
            conn,
            end: End::Failed(e.to_string()),
        });
    }
}
