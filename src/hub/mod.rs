//! The `hub` thread: the one owner of chat state, and the only writer of every socket.
//!
//! Blocks on its inbox until a connection sends an event, or until a timer it set is due: the
//! next heartbeat check, or a retry for clients that are behind. Woken by any connection thread
//! (see `event.rs`) or by `Server::stop` sending `Event::Shutdown`. It applies every event waiting
//! (up to [`MAX_BATCH`]), then writes the resulting frames to each socket at once, without ever
//! blocking on one (see `client.rs`). It ends on `Shutdown`, closing every connection with 1001.

mod batch;
mod chat;
mod client;
mod clients;
mod connections;
mod deliver;
mod directory;
pub(crate) mod frame;
mod messages;
mod pace;
mod replay;
mod rooms;

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::event::Event;
use crate::log;

pub use chat::{Hub, HubSetup};

/// Events applied before the hub stops to write. Large enough that one `sendmsg` per client
/// carries many messages under load; small enough that the first of them is not kept waiting.
pub const MAX_BATCH: usize = 256;

/// How soon the hub tries again to write to clients whose socket was full.
const BACKLOG_RETRY: Duration = Duration::from_millis(5);

pub fn run(inbox: Receiver<Event>, setup: HubSetup) {
    let mut hub = Hub::new(setup);
    loop {
        // Blocks until a connection sends an event or the hub's next timer is due.
        let first = match wait(&inbox, hub.next_timer()) {
            Wake::Event(Event::Shutdown) | Wake::Closed => break,
            Wake::Event(event) => event,
            Wake::Timer => {
                hub.on_timer(Instant::now());
                hub.flush();
                continue;
            }
        };
        if !apply_batch(&mut hub, first, &inbox) {
            break;
        }
        hub.flush();
    }
    let count = hub.close_all();
    log!("hub: closed {count} connections; stopping");
}

/// Applies `first` and whatever else is already waiting; `false` when told to shut down.
fn apply_batch(hub: &mut Hub, first: Event, inbox: &Receiver<Event>) -> bool {
    hub.apply(first);
    for event in inbox.try_iter().take(MAX_BATCH - 1) {
        if matches!(event, Event::Shutdown) {
            return false;
        }
        hub.apply(event);
    }
    true
}

enum Wake {
    Event(Event),
    Timer,
    Closed,
}

fn wait(inbox: &Receiver<Event>, timer: Option<Instant>) -> Wake {
    let received = match timer {
        None => inbox.recv().map_err(|_| RecvTimeoutError::Disconnected),
        Some(at) => inbox.recv_deadline(at),
    };
    match received {
        Ok(event) => Wake::Event(event),
        Err(RecvTimeoutError::Timeout) => Wake::Timer,
        Err(RecvTimeoutError::Disconnected) => Wake::Closed,
    }
}
