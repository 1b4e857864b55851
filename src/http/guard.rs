//! The guard in front of tiny_http: the `http-accept` thread and one `http-conn` thread per
//! connection, bounded.
//!
//! tiny_http takes a thread per connection, reads headers with no cap and waits with no timeout,
//! so one client could pile up threads or memory (see `head.rs`). The guard owns the public HTTP
//! port instead:
//!
//! - `http-accept` runs the shared accept loop (`src/accept.rs`, blocking in `accept()`) and admits
//!   each connection through a [`Gate`] of `--max-http-connections` places, at most
//!   `--max-http-per-address` of them for one client address: when either is full, the
//!   connection that has waited longest for its client (of that address, or of all) is closed to
//!   make room (see `gate.rs`).
//! - `http-conn` reads one request at a time under the caps and deadlines of `head.rs`, blocking
//!   on its socket. The connection counts as waiting for its client, and may be evicted, until
//!   its request is complete, body included: a head that announces a body and then falls silent
//!   holds nothing. A request that passes is handed to tiny_http on its private socket and
//!   the answer relayed back (`forward.rs`). Between requests the connection waits at most
//!   `--keep-alive` for the next one. It ends when the client closes, a deadline passes, a
//!   request is refused, or the gate evicts it (as it does to every idle one when the server
//!   stops). These threads are not joined: each ends within its deadline.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::{Duration, Instant};

use crate::config::HttpLimits;
use crate::gate::{Full, Gate, Ticket};
use crate::http::forward::Upstream;
use crate::http::head::{Head, Incoming, ReadRefusal, Timing};
use crate::http::reply;
use crate::{accept, log, log_limited};

/// Stack of an `http-conn` thread: a 4 KiB read chunk, httparse's header array and small frames.
const STACK_SIZE: usize = 128 * 1024;

/// How long a body may take to arrive after its head (or `--request-timeout`, if shorter). A body
/// is at most `--max-body` (16 KiB by default) and an honest client sends it with its head, so
/// this is generous, while a client that announces a body and stays silent holds a thread for
/// only this long.
const BODY_TIMEOUT: Duration = Duration::from_secs(3);

/// The `http-accept` thread.
pub fn run(
    listener: TcpListener,
    upstream: Upstream,
    limits: HttpLimits,
    stopping: Arc<AtomicBool>,
) {
    let mut gate = Gate::new(limits.max_connections).per_address(limits.max_per_address);
    let upstream = Arc::new(upstream);
    accept::run(listener, &stopping, |stream, peer| {
        admit(&mut gate, stream, peer, &upstream, limits)
    });
    // Stopping: idle kept-alive connections are closed now, not at their idle deadline.
    gate.close_waiting();
}

/// Takes a place at the gate and starts the connection's thread; refuses with 503 when every
/// connection is busy being served, or 429 when every one from the client's address is.
fn admit(
    gate: &mut Gate,
    stream: TcpStream,
    peer: SocketAddr,
    upstream: &Arc<Upstream>,
    limits: HttpLimits,
) {
    let socket = Arc::new(stream);
    let ticket = match gate.admit(Arc::clone(&socket), peer) {
        Ok((ticket, evicted)) => {
            if let Some(evicted) = evicted {
                log_limited!(
                    "HTTP connections closed to make room",
                    evicted.ip(),
                    "closed the HTTP connection of {evicted} to make room for {peer}: it had waited \
                     longest (at most {} in all, {} per address)",
                    limits.max_connections,
                    limits.max_per_address
                );
            }
            ticket
        }
        Err(Full::Port) => {
            log_limited!(
                "HTTP connections refused",
                peer.ip(),
                "refused HTTP from {peer}: all {} connections are busy",
                limits.max_connections
            );
            return reply::refuse_at_once(&socket, 503);
        }
        Err(Full::Address) => {
            log_limited!(
                "HTTP connections refused",
                peer.ip(),
                "refused HTTP from {peer}: all {} connections from its address are busy",
                limits.max_per_address
            );
            return reply::refuse_at_once(&socket, 429);
        }
    };
    let upstream = Arc::clone(upstream);
    let spawned = thread::Builder::new()
        .name("http-conn".into())
        .stack_size(STACK_SIZE)
        .spawn(move || serve(ticket, peer, &upstream, limits));
    if let Err(e) = spawned {
        log!("http-accept: cannot start a thread for {peer}: {e}");
    }
}

/// The `http-conn` thread: one request at a time until the connection ends.
fn serve(ticket: Arc<Ticket>, peer: SocketAddr, upstream: &Upstream, limits: HttpLimits) {
    let socket = Arc::clone(ticket.socket());
    // A client that stops reading an answer cannot hold this thread past the request deadline.
    if socket
        .set_write_timeout(Some(limits.request_timeout))
        .is_err()
    {
        return;
    }
    let mut incoming = Incoming::new(&socket);
    // The first request has `request_timeout` from the accept; later ones wait for their first
    // byte up to `keep_alive`, then have `request_timeout` from it.
    let by = Instant::now() + limits.request_timeout;
    let mut timing = Timing {
        first_byte_by: by,
        head_by: by,
        head_within: limits.request_timeout,
    };
    // The ticket waits for the client from its admission (the gate's order is the accept order).
    loop {
        let head = match incoming.read_head(timing) {
            Ok(head) => head,
            Err(refusal) => return refuse(&socket, peer, refusal, false),
        };
        let body = match read_body(&mut incoming, &head, &ticket, limits) {
            Ok(body) => body,
            Err(refusal) => return refuse(&socket, peer, refusal, is_api(&head)),
        };
        // The request is complete: from here it is being served, and can no longer be evicted.
        if !ticket.busy() {
            return;
        }
        let keep_alive = head.keep_alive();
        if !upstream.forward(&head, &body, peer, &socket) || !keep_alive {
            return;
        }
        // Waiting for the client again, for its next request: the gate may evict it from here.
        if !ticket.waiting() {
            return;
        }
        let by = Instant::now() + limits.keep_alive;
        timing = Timing {
            first_byte_by: by,
            head_by: by + limits.request_timeout,
            head_within: limits.request_timeout,
        };
    }
}

/// After the head: checks the body's length against the cap and reads it, within
/// [`BODY_TIMEOUT`]. The connection still waits for its client meanwhile: it may be evicted.
fn read_body(
    incoming: &mut Incoming,
    head: &Head,
    ticket: &Ticket,
    limits: HttpLimits,
) -> Result<Vec<u8>, ReadRefusal> {
    let len = head.body_len()?;
    if len > limits.max_body {
        return Err(ReadRefusal::BodyTooLarge);
    }
    if len > 0 && head.lists("expect", "100-continue") {
        reply::send(ticket.socket(), reply::CONTINUE);
    }
    let within = BODY_TIMEOUT.min(limits.request_timeout);
    incoming.read_body(len, Instant::now() + within)
}

/// Whether a request is for the JSON API, whose refusals are JSON too.
fn is_api(head: &Head) -> bool {
    head.target == "/api" || head.target.starts_with("/api/")
}

/// Answers a refused request (nothing for a client that has gone) and logs it.
fn refuse(socket: &TcpStream, peer: SocketAddr, refusal: ReadRefusal, api: bool) {
    if refusal == ReadRefusal::Gone {
        return;
    }
    let status = reply::status_for(refusal);
    log_limited!(
        "refused HTTP requests",
        peer.ip(),
        "refused HTTP from {peer}: {status} ({refusal:?})"
    );
    reply::error_and_close(socket, status, api);
}
