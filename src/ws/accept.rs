//! The `ws-accept` thread: admits each new TCP connection through the handshake gate and gives it
//! a `ws-handshake` thread of its own.
//!
//! The loop itself is the shared one in `src/accept.rs` (blocks in `accept()`, ends when the
//! listener is shut down with `stopping` set). What is particular here: the number of handshakes
//! in flight is bounded *before* a thread is spawned, by a [`Gate`] of [`MAX_HANDSHAKES`] places.
//! When it is full, the handshake that has waited longest is closed to make room (see `gate.rs`
//! for why not the newest), and that is logged, at most a few times a minute per client.

use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::thread;

use crate::event::ConnId;
use crate::gate::Gate;
use crate::ws::handshake::{self, Shared};
use crate::{accept, log, log_limited};

/// Handshakes in flight at once, each a thread for at most `HANDSHAKE_TIMEOUT`. An honest
/// handshake takes one round trip: a class reconnecting together after a restart is a few dozen at
/// once, and the load generator keeps 128 in flight. 256 bounds what a flood of silent sockets
/// costs to 256 threads (32 MiB of reserved, mostly untouched, stack), where before the
/// open-files limit was the only bound (measured: 3,000 silent sockets, 2,300 threads).
pub const MAX_HANDSHAKES: usize = 256;

pub fn run(listener: std::net::TcpListener, shared: Arc<Shared>, stopping: Arc<AtomicBool>) {
    let mut gate = Gate::new(MAX_HANDSHAKES);
    let mut next_conn: ConnId = 1;
    accept::run(listener, &stopping, |stream, peer| {
        admit(&mut gate, stream, peer, next_conn, &shared);
        next_conn += 1;
    });
}

/// Takes a place at the gate for the connection and starts its handshake thread. If even that
/// fails, the socket is dropped (closed).
fn admit(gate: &mut Gate, stream: TcpStream, peer: SocketAddr, conn: ConnId, shared: &Arc<Shared>) {
    let ticket = match gate.admit(Arc::new(stream), peer) {
        Ok((ticket, None)) => ticket,
        Ok((ticket, Some(evicted))) => {
            log_limited!(
                "handshakes closed to make room",
                evicted.ip(),
                "closed the handshake of {evicted}: {MAX_HANDSHAKES} were in flight and it had waited longest"
            );
            ticket
        }
        // Every handshake waits for its client until it registers, so there is always one to
        // evict; if not, this one is simply closed.
        Err(_) => return,
    };
    let shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("ws-handshake".into())
        .stack_size(handshake::STACK_SIZE)
        .spawn(move || handshake::run(ticket, peer, conn, shared));
    if let Err(e) = spawned {
        log!("ws-accept: cannot start a thread for connection {conn}: {e}");
    }
}
