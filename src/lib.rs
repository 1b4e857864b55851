//! threadchat: a real-time chat server on plain std threads and blocking I/O.
//!
//! Every thread has one role and one place where it blocks, named in its file's header comment
//! with who wakes it and how it ends, so the whole server can be read as a handful of loops.
//! docs/ARCHITECTURE.md draws them.
//!
//! # Layout
//!
//! - [`Server`] (this file): binds both ports, starts the threads, stops them in order.
//! - `accept`, `gate`: the accept loop both ports share, and the bounded admission behind it.
//! - `http`: the guard (`http-accept`, `http-conn`) that reads each request under caps and
//!   deadlines, and the `http` thread that answers through tiny_http (`www/`, `/api/info`).
//! - `ws::accept`: the `ws-accept` thread, one new thread per admitted TCP connection.
//! - `ws::handshake`: a short-lived `ws-handshake` thread per connection: upgrade, Origin, name.
//! - `ws::reader`: one `ws-read-N` thread per connection, blocking on its socket.
//! - `ws::stream`: why the reader never writes (tungstenite cannot be split into halves).
//! - `hub`: the `hub` thread, sole owner of chat state and sole writer of every socket.
//! - `event`: the hub's inbox, the one channel every connection sends on.
//! - `wire`: the JSON frames of protocol v1 and their validation (docs/PROTOCOL.md).
//! - `identity`, `origin`: who may connect, as what.
//! - `end`: why a connection ended, mapped to its Close code in one place.
//! - `critical`: a panic in a thread the chat needs is reported, so the process exits.
//! - `log`: the `log` thread, the only writer of stderr; nobody waits for it.
//! - `config`, `percent`: flags, URL decoding.

mod accept;
mod auth;
pub mod config;
mod critical;
mod end;
mod event;
mod gate;
mod http;
mod hub;
mod identity;
pub mod log;
mod origin;
mod percent;
mod store;
mod wire;
mod ws;

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener};
use std::os::fd::AsFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use socket2::Socket;

use crate::auth::Sessions;
use crate::config::Config;
use crate::event::{Event, INBOX_CAPACITY};
use crate::origin::OriginPolicy;
use crate::store::Store;
use crate::ws::handshake::Shared;

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
    /// The threads to join first: all but the store.
    threads: Vec<JoinHandle<()>>,
    /// The store is stopped last, once nothing else can ask it anything.
    store: Store,
    store_thread: Option<JoinHandle<()>>,
    /// The name of any critical thread that panicked (see `critical.rs`).
    failures: Receiver<String>,
}

impl Server {
    /// Opens the store, binds both ports and starts the threads: `store`, `hub`, `history`, the
    /// `auth` threads (unless `--guests`), `http`, `http-accept` and `ws-accept`.
    pub fn start(config: Config) -> io::Result<Server> {
        let root = config.www.canonicalize().map_err(|e| {
            io::Error::new(e.kind(), format!("web root {}: {e}", config.www.display()))
        })?;
        let history = config.history;
        let (store, store_inbox, db) =
            store::open(&config.data, history.in_memory).map_err(io::Error::other)?;
        let http_listener = bind(config.http_addr, "--http")?;
        let ws_listener = bind(config.ws_addr, "--ws")?;
        let (upstream, pages_listener) = http::Upstream::bind()?;
        let (http_addr, ws_addr) = (http_listener.local_addr()?, ws_listener.local_addr()?);
        let listeners = vec![
            owned(&http_listener)?,
            owned(&ws_listener)?,
            owned(&pages_listener)?,
        ];
        let (to_hub, inbox) = crossbeam_channel::bounded(INBOX_CAPACITY);
        let stopping = Arc::new(AtomicBool::new(false));
        let (failed, failures) = critical::channel();
        let expiry = config.accounts.session_expiry;
        let sessions = Sessions {
            store: store.clone(),
            expiry,
        };
        let origins = OriginPolicy::new(http_addr.port(), &config.allow_origins);
        let to_store = to_hub.clone();
        let store_thread = critical::spawn("store", &failed, move || {
            let retention = store::Retention {
                max_age: history.max_age,
                max_messages: history.max_messages,
                retry_window: history.retry_window,
            };
            let sweeps = store::Sweeps {
                session_expiry: expiry,
                retention,
            };
            store::run(db, store_inbox, to_store, sweeps)
        })?;
        let (to_history, queries) = crossbeam_channel::bounded(store::HISTORY_QUEUE);
        let limits = config.limits;
        let setup = hub::HubSetup {
            limits,
            store: store.clone(),
            session_expiry: expiry,
            snapshot: store.reader.snapshot().map_err(io::Error::other)?,
            to_history,
        };
        let (reader, history_to_hub) = (store.reader.clone(), to_hub.clone());
        let mut threads = vec![
            critical::spawn("hub", &failed, move || hub::run(inbox, setup))?,
            // Ends when the hub, the only sender of its queries, has.
            critical::spawn("history", &failed, move || {
                store::run_history(reader, queries, history_to_hub)
            })?,
        ];
        let accounts = start_auth(&config, &store, &failed, &mut threads)?;
        let site = http::Site {
            root,
            upstream: upstream.clone(),
            api: http::Api {
                info: info_json(&config, ws_addr),
                sessions: sessions.clone(),
                origins: origins.clone(),
                accounts,
            },
        };
        let shared = Arc::new(Shared {
            hub: to_hub.clone(),
            limits,
            origins,
            echo: config.echo,
            sessions,
            guests: config.accounts.guests,
            open: Arc::new(AtomicUsize::new(0)),
        });
        let stop = || Arc::clone(&stopping);
        let (http_stop, guard_stop, ws_stop) = (stop(), stop(), stop());
        let http_limits = config.http;
        threads.extend([
            critical::spawn("http", &failed, move || {
                http::serve::run(pages_listener, site, http_stop)
            })?,
            critical::spawn("http-accept", &failed, move || {
                http::guard::run(http_listener, upstream, http_limits, guard_stop)
            })?,
            critical::spawn("ws-accept", &failed, move || {
                ws::accept::run(ws_listener, shared, ws_stop)
            })?,
        ]);
        Ok(Server {
            http_addr,
            ws_addr,
            to_hub,
            stopping,
            listeners,
            threads,
            store,
            store_thread: Some(store_thread),
            failures,
        })
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
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

/// Starts the `auth` threads, `--hashers` of them, unless accounts are off (`--guests`); returns
/// what the API needs to reach them.
fn start_auth(
    config: &Config,
    store: &Store,
    failed: &Sender<String>,
    threads: &mut Vec<JoinHandle<()>>,
) -> io::Result<Option<http::AccountsApi>> {
    let settings = &config.accounts;
    if settings.guests {
        return Ok(None);
    }
    let (jobs, queue) = crossbeam_channel::bounded(auth::AUTH_QUEUE);
    let limits = Arc::new(Mutex::new(auth::limit::Limits::new(settings.auth_rate)));
    for n in 1..=settings.hashers {
        let (queue, store, limits) = (queue.clone(), store.clone(), Arc::clone(&limits));
        threads.push(critical::spawn(&format!("auth-{n}"), failed, move || {
            auth::run(queue, store, limits)
        })?);
    }
    Ok(Some(http::AccountsApi {
        jobs,
        limits,
        join_code: settings.join_code.clone(),
    }))
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

/// A second handle to a listening socket that is moved into its thread: a duplicate descriptor
/// of the same socket, so that `shutdown` on it wakes that thread's `accept()`.
fn owned(listener: &impl AsFd) -> io::Result<Socket> {
    Ok(Socket::from(listener.as_fd().try_clone_to_owned()?))
}

/// The body of `GET /api/info` (docs/PROTOCOL.md §1), but for the account fields the API adds.
fn info_json(config: &Config, ws_addr: SocketAddr) -> serde_json::Value {
    serde_json::json!({
        "protocol": 2,
        "version": env!("CARGO_PKG_VERSION"),
        "ws_port": ws_addr.port(),
        "max_text_bytes": config.limits.max_text,
        "max_id_chars": wire::MAX_ID_CHARS,
        "echo": config.echo,
    })
}
