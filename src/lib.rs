//! threadchat: a real-time chat server on plain std threads and blocking I/O.
//!
//! Every thread has one role. Its file's header comment says where it blocks (every place, for
//! the few that wait in more than one), who wakes it and how it ends, so the whole server can be
//! read as a handful of loops. docs/ARCHITECTURE.md draws them, and its thread table lists every
//! thread the process runs, tiny_http's included, with every place each one waits
//! (`tests/thread_table.rs` keeps that table and the code in step).
//!
//! # Layout
//!
//! - [`Server`] (this file): the running server, and how it stops its threads in order; `start`:
//!   how it comes up (the store opened, the ports bound, the threads started).
//! - `accept`, `gate`: the accept loop both ports share, and the bounded admission behind it.
//! - `http`: the guard (`http-accept`, `http-conn`) that reads each request under caps and
//!   deadlines, and the `http` thread that answers through tiny_http (`www/`
//!   and the JSON API under `/api/`).
//! - `ws::accept`: the `ws-accept` thread, one new thread per admitted TCP connection.
//! - `ws::handshake`: a short-lived `ws-handshake` thread per connection: upgrade, Origin, and
//!   who it is (the session's account, or a guest's name).
//! - `ws::reader`: one `ws-read-N` thread per connection, blocking on its socket.
//! - `ws::stream`: why the reader never writes (tungstenite cannot be split into halves).
//! - `ws::frame`: server frames encoded into bytes, by the hub and by the `history` thread.
//! - `hub`: the `hub` thread, sole owner of chat state and sole writer of every socket: its loop
//!   (`hub/mod.rs`) between a deciding half (`hub::chat` and its handlers: who is where, what each
//!   event calls for, what the store must be told) and a writing half (`hub::outbox`: the sockets,
//!   the batches, the backlogs, the heartbeat).
//! - `event`: the hub's inbox, the one channel on which connections, the store and the `history`
//!   thread reach the hub.
//! - `store`: the `store` thread, only writer of the redb file (accounts, sessions, rooms,
//!   messages), with group commit; the `history` thread, which reads past messages.
//! - `auth`: the `auth-N` threads that hash passwords; sessions, tokens, sign-in rate limits.
//! - `wire`: the JSON frames of protocol v3 and their validation (docs/PROTOCOL.md).
//! - `identity`, `origin`: who may connect, as what; `address`: who counts as one address.
//! - `end`: why a connection ended, mapped to its Close code in one place.
//! - `critical`: a panic in a thread the chat needs is reported, so the process exits.
//! - `log`: the `log` thread, the only writer of stderr; nobody waits for it.
//! - `config`, `percent`: flags, URL decoding; `lan`: the page's addresses on the network, printed
//!   at start-up when bound to every interface.

mod accept;
mod address;
mod auth;
pub mod config;
mod critical;
mod end;
mod event;
mod gate;
mod http;
mod hub;
mod identity;
pub mod lan;
pub mod log;
mod origin;
mod percent;
mod roles;
mod start;
mod store;
mod wire;
mod ws;

use std::net::{Shutdown, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use socket2::Socket;

use crate::event::Event;
use crate::store::Store;

/// A running server: its bound addresses and the threads to stop.
pub struct Server {
    http_addr: SocketAddr,
    ws_addr: SocketAddr,
    /// The hub's inbox. `stop` sends `Shutdown` on it; the hub holds the receiving end.
    to_hub: Sender<Event>,
    /// Set before the listeners are shut down, so the accept loops know their error is the end.
    stopping: Arc<AtomicBool>,
    /// Every listening socket (the two ports, and tiny_http's private one), to shut down on stop.
    listeners: Vec<Socket>,
    /// The directory of tiny_http's socket, removed when the server is dropped (after its
    /// threads have stopped).
    _private: http::PrivateDir,
    /// The threads to join first: all but the store.
    threads: Vec<JoinHandle<()>>,
    /// The store is stopped last, once nothing else can ask it anything.
    store: Store,
    store_thread: Option<JoinHandle<()>>,
    /// The name of any critical thread that panicked (see `critical.rs`).
    failures: Receiver<String>,
    /// While nobody owns the chat: this start's one-time owner setup code.
    setup_code: Option<String>,
    /// Who may register, at start-up (`None` under `--guests`).
    registration: Option<wire::Registration>,
}

impl Server {
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// This start's owner setup code, while nobody owns the chat: for the console only.
    pub fn setup_code(&self) -> Option<&str> {
        self.setup_code.as_deref()
    }

    /// Who may register, as the server started: `open`, `code` or `closed` (`None`: guests).
    pub fn registration_mode(&self) -> Option<&'static str> {
        self.registration.as_ref().map(wire::Registration::mode)
    }

    /// Reports the name of a critical thread that panicked; `main` waits on it beside the
    /// signals, and exits non-zero.
    pub fn failures(&self) -> &Receiver<String> {
        &self.failures
    }

    /// Stops in order: the hub closes every connection with 1001, then the accept loops and the
    /// `http` thread are woken by shutting their listeners down. Each of these threads is joined
    /// and its end logged.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if self.store_thread.is_none() {
            return;
        }
        // Fails only if the hub already ended, which is what we want anyway.
        let _ = self.to_hub.send(Event::Shutdown);
        self.stopping.store(true, Ordering::Release);
        for listener in &self.listeners {
            // Wakes a thread blocked in accept() on this socket: accept() fails at once.
            let _ = listener.shutdown(Shutdown::Both);
        }
        // The `auth` threads end when the `http` thread, the only holder of their queue, does.
        self.threads.drain(..).for_each(join);
        self.store.stop();
        self.store_thread.take().into_iter().for_each(join);
    }
}

/// Joins a thread and logs how it ended.
fn join(handle: JoinHandle<()>) {
    let name = handle.thread().name().unwrap_or("?").to_owned();
    match handle.join() {
        Ok(()) => log!("{name} thread stopped"),
        Err(_) => log!("{name} thread panicked"),
    }
}

impl Drop for Server {
    /// A server dropped without `stop` (a failing test, say) still releases its ports and threads.
    fn drop(&mut self) {
        self.shut_down();
    }
}
