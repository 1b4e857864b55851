//! threadchat: a real-time chat server on plain std threads and blocking I/O.
//!
//! Every thread blocks on exactly one thing and is woken by exactly one kind of event, so the
//! whole server can be read as a handful of loops. docs/ARCHITECTURE.md draws them.
//!
//! # Layout
//!
//! - [`Server`] (this file): binds both ports, starts the threads, stops them in order.
//! - `http`: the `http` thread, serving `www/` and `/api/info` through tiny_http.
//! - `ws::accept`: the `ws-accept` thread, one new thread per TCP connection.
//! - `ws::handshake`: a short-lived `ws-handshake` thread per connection: upgrade, Origin, name.
//! - `ws::reader`: one `ws-read-N` thread per connection, blocking on its socket.
//! - `ws::stream`: why the reader never writes (tungstenite cannot be split into halves).
//! - `hub`: the `hub` thread, sole owner of chat state and sole writer of every socket.
//! - `event`: the hub's inbox, the one channel every connection sends on.
//! - `wire`: the JSON frames of protocol v1 and their validation (docs/PROTOCOL.md).
//! - `identity`, `origin`: who may connect, as what.
//! - `end`: why a connection ended, mapped to its Close code in one place.
//! - `config`, `log`, `percent`: flags, log lines, URL decoding.

pub mod config;
pub mod end;
pub mod event;
pub mod http;
pub mod hub;
pub mod identity;
pub mod log;
pub mod origin;
pub mod percent;
pub mod wire;
pub mod ws;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};

use crossbeam_channel::Sender;
use socket2::SockRef;

use crate::config::Config;
use crate::event::{Event, INBOX_CAPACITY};
use crate::origin::OriginPolicy;
use crate::ws::handshake::Shared;

/// A running server: its bound addresses and the threads to stop.
pub struct Server {
    http_addr: SocketAddr,
    ws_addr: SocketAddr,
    /// The hub's inbox. `stop` sends `Shutdown` on it; the hub holds the receiving end.
    hub: Sender<Event>,
    /// Set before the listeners are shut down, so the accept loops know their error is the end.
    stopping: Arc<AtomicBool>,
    listeners: Vec<TcpListener>,
    threads: Vec<JoinHandle<()>>,
}

impl Server {
    /// Binds both ports and starts the `hub`, `http` and `ws-accept` threads.
    pub fn start(config: Config) -> io::Result<Server> {
        let root = config.www.canonicalize().map_err(|e| {
            io::Error::new(e.kind(), format!("web root {}: {e}", config.www.display()))
        })?;
        let http_listener = bind(config.http_addr, "--http")?;
        let ws_listener = bind(config.ws_addr, "--ws")?;
        let (http_addr, ws_addr) = (http_listener.local_addr()?, ws_listener.local_addr()?);
        let limits = config.limits;
        let (hub, inbox) = crossbeam_channel::bounded(INBOX_CAPACITY);
        let stopping = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            hub: hub.clone(),
            limits,
            origins: OriginPolicy::new(http_addr.port(), &config.allow_origins),
            echo: config.echo,
            open: AtomicUsize::new(0),
        });
        let site = http::Site {
            root,
            info: info_json(&config, ws_addr),
        };
        let listeners = vec![http_listener.try_clone()?, ws_listener.try_clone()?];
        let (http_stop, ws_stop) = (Arc::clone(&stopping), Arc::clone(&stopping));
        let threads = vec![
            spawn("hub", move || hub::run(inbox, limits))?,
            spawn("http", move || http::run(http_listener, site, http_stop))?,
            spawn("ws-accept", move || {
                ws::accept::run(ws_listener, shared, ws_stop)
            })?,
        ];
        Ok(Server {
            http_addr,
            ws_addr,
            hub,
            stopping,
            listeners,
            threads,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// Stops in order: the hub closes every connection with 1001, then both accept loops are
    /// woken by shutting their listeners down. Each thread is joined and its end logged.
    pub fn stop(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        if self.threads.is_empty() {
            return;
        }
        // Fails only if the hub already ended, which is what we want anyway.
        let _ = self.hub.send(Event::Shutdown);
        self.stopping.store(true, Ordering::Release);
        for listener in &self.listeners {
            // Wakes a thread blocked in accept() on this socket: accept() fails at once.
            let _ = SockRef::from(listener).shutdown(Shutdown::Both);
        }
        for handle in self.threads.drain(..) {
            let name = handle.thread().name().unwrap_or("?").to_owned();
            match handle.join() {
                Ok(()) => log!("{name} thread stopped"),
                Err(_) => log!("{name} thread panicked"),
            }
        }
    }
}

impl Drop for Server {
    /// A server dropped without `stop` (a failing test, say) still releases its ports and threads.
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn bind(addr: SocketAddr, flag: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| io::Error::new(e.kind(), format!("{flag} {addr}: {e}")))
}

fn spawn(name: &str, body: impl FnOnce() + Send + 'static) -> io::Result<JoinHandle<()>> {
    thread::Builder::new().name(name.into()).spawn(body)
}

/// The body of `GET /api/info` (docs/PROTOCOL.md §1).
fn info_json(config: &Config, ws_addr: SocketAddr) -> String {
    serde_json::json!({
        "protocol": 1,
        "version": env!("CARGO_PKG_VERSION"),
        "ws_port": ws_addr.port(),
        "max_text_bytes": config.limits.max_text,
        "max_id_chars": wire::MAX_ID_CHARS,
        "echo": config.echo,
    })
    .to_string()
}
