//! The `ws-accept` thread: takes each new TCP connection and hands it to a thread of its own.
//!
//! Blocks in `accept()` until a client connects. Woken by a new connection, or by `shutdown()` of
//! the listening socket (see `lib.rs`), which makes `accept()` fail and, with `stopping` set, ends
//! the loop. It does nothing slow itself: the WebSocket handshake runs in the new thread, so a
//! slow or silent client never holds up the next one.

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::log;
use crate::ws::handshake::{self, Shared};

/// The first pause after a failed `accept()`; it doubles up to [`MAX_ACCEPT_BACKOFF`]. Without it
/// a full file table ("Too many open files") makes `accept()` fail at once, forever: a spin at
/// 100% CPU that starves the very connections that would free descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);

pub fn run(listener: TcpListener, shared: Arc<Shared>, stopping: Arc<AtomicBool>) {
    let mut next_id = 1;
    let mut backoff = ACCEPT_BACKOFF;
    loop {
        // Blocks until a client connects, or the listener is shut down.
        match listener.accept() {
            Ok((stream, _)) => {
                backoff = ACCEPT_BACKOFF;
                hand_off(stream, next_id, &shared);
                next_id += 1;
            }
            Err(_) if stopping.load(Ordering::Acquire) => break,
            Err(e) => {
                // Once per run of failures, not once per retry.
                if backoff == ACCEPT_BACKOFF {
                    log!("ws-accept: accept failed ({e}); backing off until it recovers");
                }
                thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
            }
        }
    }
}

/// Starts the connection's handshake thread; if even that fails, the socket is dropped (closed).
fn hand_off(stream: TcpStream, conn: u64, shared: &Arc<Shared>) {
    let shared = Arc::clone(shared);
    let spawned = thread::Builder::new()
        .name("ws-handshake".into())
        .stack_size(handshake::STACK_SIZE)
        .spawn(move || handshake::run(stream, conn, shared));
    if let Err(e) = spawned {
        log!("ws-accept: cannot start a thread for connection {conn}: {e}");
    }
}
