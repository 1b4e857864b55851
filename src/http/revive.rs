//! Noticing that tiny_http's accept thread has died by panicking, which it does silently.
//!
//! tiny_http 0.12 calls `try_clone().unwrap()` on every socket it accepts. When the file table is
//! full at that moment, its accept thread panics. Nothing goes to the request queue, so `recv()`
//! blocks forever and the page is gone for good. (An `accept()` error, the other way it dies,
//! does reach `recv()`; see tiny-http #283.) A panic is the only sign, and a timed health check
//! would be a polling clock. So a panic hook watches for panics raised in tiny_http's own code and
//! unblocks every live tiny_http server. Each `http` thread then sees `recv()` fail and rebuilds
//! its server, exactly as after an accept error.

use std::panic;
use std::sync::{Arc, Mutex, Once, Weak};

use tiny_http::Server;

/// The tiny_http servers to wake when tiny_http panics. Weak: a server that is dropped is gone.
static SERVERS: Mutex<Vec<Weak<Server>>> = Mutex::new(Vec::new());
static INSTALL_HOOK: Once = Once::new();

/// Registers a server to be unblocked if tiny_http panics, installing the hook the first time.
pub fn watch(server: &Arc<Server>) {
    INSTALL_HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let in_tiny_http = info
                .location()
                .is_some_and(|at| at.file().contains("tiny_http"));
            if in_tiny_http {
                // No report: while the file table stays full every rebuilt server panics again,
                // and the `http` thread already logs the run of failures once.
                wake_all();
            } else {
                previous(info);
            }
        }));
    });
    let mut servers = SERVERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    servers.retain(|s| s.strong_count() > 0);
    servers.push(Arc::downgrade(server));
}

/// Unblocks every live server's `recv()`. A healthy one is rebuilt needlessly, which costs only a
/// new accept thread: a small price for never losing the page.
fn wake_all() {
    let servers = SERVERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for server in servers.iter().filter_map(Weak::upgrade) {
        server.unblock();
    }
}
