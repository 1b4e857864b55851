//! The accept loop shared by the `ws-accept` and `http-accept` threads.
//!
//! Blocks in `accept()` until a client connects. Woken by a new connection, or by `shutdown()` of
//! the listening socket (see `Server::stop`), which makes `accept()` fail and, with `stopping`
//! set, ends the loop. It does nothing slow itself: `hand_off` gives each socket to a thread of
//! its own (through the port's [`Gate`](crate::gate::Gate)), so a slow or silent client never
//! holds up the next one.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::log;

/// The first pause after a failed `accept()`; it doubles up to [`MAX_ACCEPT_BACKOFF`]. Without it
/// a full file table ("Too many open files") makes `accept()` fail at once, forever: a spin at
/// 100% CPU that starves the very connections that would free descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);
const MAX_ACCEPT_BACKOFF: Duration = Duration::from_secs(1);
/// A failing `accept()` is logged at most this often: while the file table stays nearly full, a
/// descriptor freed for a moment lets one accept through and the next fail again, and each of
/// those is not news.
const COMPLAIN_EVERY: Duration = Duration::from_secs(60);

pub fn run(
    listener: TcpListener,
    stopping: &AtomicBool,
    mut hand_off: impl FnMut(TcpStream, SocketAddr),
) {
    let name = thread::current().name().unwrap_or("accept").to_owned();
    let mut backoff = ACCEPT_BACKOFF;
    let mut complained: Option<Instant> = None;
    loop {
        // Blocks until a client connects, or the listener is shut down.
        match listener.accept() {
            Ok((stream, peer)) => {
                backoff = ACCEPT_BACKOFF;
                hand_off(stream, peer);
            }
            Err(_) if stopping.load(Ordering::Acquire) => break,
            Err(e) => {
                // Once per trouble, not once per retry.
                if complained.is_none_or(|at| at.elapsed() >= COMPLAIN_EVERY) {
                    log!("{name}: accept failed ({e}); backing off until it recovers");
                    complained = Some(Instant::now());
                }
                thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_ACCEPT_BACKOFF);
            }
        }
    }
}
