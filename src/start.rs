//! How the server comes up ([`Server::start`]): the store opened, every port bound, then the
//! threads started in the order that lets each find what it needs already running: `store`
//! first (everything else may ask it something), then `hub` and `history`, the `auth` threads,
//! and last the doors that let clients in (`http`, `http-accept`, `ws-accept`).
//!
//! Everything that can fail for a reason the user can fix (the web root, the data directory, a
//! port in use) fails before the first thread starts, with the flag or path in the message.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::AsFd;
use std::os::unix::net::UnixListener;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use socket2::Socket;

use crate::auth::Sessions;
use crate::auth::setup::SetupCode;
use crate::config::Config;
use crate::event::{Event, INBOX_CAPACITY};
use crate::origin::OriginPolicy;
use crate::store::{self, Store};
use crate::wire::Registration;
use crate::ws::handshake::Shared;
use crate::{Server, auth, critical, http, hub, wire, ws};

impl Server {
    /// Opens the store, binds both ports and starts the threads: `store`, `hub`, `history`, the
    /// `auth` threads (unless `--guests`), `http`, `http-accept` and `ws-accept`.
    pub fn start(config: Config) -> io::Result<Server> {
        let root = config.www.canonicalize().map_err(|e| {
            io::Error::new(e.kind(), format!("web root {}: {e}", config.www.display()))
        })?;
        let (store, requests, disk) = store::open(
            &config.data,
            config.history.in_memory,
            config.history.min_free_mib,
        )
        .map_err(io::Error::other)?;
        let (ports, private) = Ports::bind(&config)?;
        let (http_addr, ws_addr) = (ports.http.local_addr()?, ports.ws.local_addr()?);
        let listeners = ports.handles()?;
        let (to_hub, inbox) = crossbeam_channel::bounded(INBOX_CAPACITY);
        let stopping = Arc::new(AtomicBool::new(false));
        let (failed, failures) = critical::channel();
        let store_thread = spawn_store(&config, disk, requests, to_hub.clone(), &failed)?;
        // Before the hub reads its snapshot, so that it starts with the owner made here.
        let registration = settle_accounts(&config, &store)?;
        let mut threads = spawn_chat(&config, &store, inbox, &to_hub, &failed)?;
        let accounts = spawn_auth(&config, &store, &failed, &mut threads)?;
        let setup_code = accounts.as_ref().and_then(|a| a.setup.current());
        let sessions = Sessions {
            store: store.clone(),
            expiry: config.accounts.session_expiry,
        };
        let origins = OriginPolicy::new(http_addr, &config.allow_origins);
        let site = http::Site {
            root,
            upstream: ports.upstream.clone(),
            ws_port: ws_addr.port(),
            api: http::Api {
                info: info_json(&config, ws_addr),
                sessions: sessions.clone(),
                origins: origins.clone(),
                accounts,
            },
        };
        let shared = Arc::new(Shared {
            hub: to_hub.clone(),
            limits: config.limits,
            origins,
            echo: config.echo,
            sessions,
            guests: config.accounts.guests,
            counts: ws::places::Counts::new(&config.limits),
        });
        threads.extend(spawn_doors(
            ports, site, shared, &config, &stopping, &failed,
        )?);
        Ok(Server {
            http_addr,
            ws_addr,
            to_hub,
            stopping,
            listeners,
            _private: private,
            threads,
            store,
            store_thread: Some(store_thread),
            failures,
            setup_code,
            registration,
        })
    }
}

/// Every listening socket, bound before any thread starts, so that a port in use fails the start
/// with nothing to undo.
struct Ports {
    /// The public HTTP port, owned by the guard.
    http: TcpListener,
    ws: TcpListener,
    /// tiny_http's private socket, which only the guard forwards to.
    pages: UnixListener,
    upstream: http::Upstream,
}

impl Ports {
    /// Binds the ports, and tiny_http's socket in the private directory returned with them.
    fn bind(config: &Config) -> io::Result<(Ports, http::PrivateDir)> {
        let http = bind(config.http_addr, "--http")?;
        let ws = bind(config.ws_addr, "--ws")?;
        let (private, pages) = http::PrivateDir::create()?;
        let upstream = http::Upstream::new(private.socket());
        let ports = Ports {
            http,
            ws,
            pages,
            upstream,
        };
        Ok((ports, private))
    }

    /// A second handle to each socket, for `stop` to shut down (see `owned`).
    fn handles(&self) -> io::Result<Vec<Socket>> {
        Ok(vec![
            owned(&self.http)?,
            owned(&self.ws)?,
            owned(&self.pages)?,
        ])
    }
}

/// Starts the `store` thread, the only writer of the store, with its retention settings.
fn spawn_store(
    config: &Config,
    disk: store::Disk,
    requests: Receiver<store::Request>,
    to_hub: Sender<Event>,
    failed: &Sender<String>,
) -> io::Result<JoinHandle<()>> {
    let history = config.history;
    let sweeps = store::Sweeps {
        session_expiry: config.accounts.session_expiry,
        retention: store::Retention {
            max_age: history.max_age,
            max_messages: history.max_messages,
            retry_window: history.retry_window,
        },
    };
    critical::spawn("store", failed, move || {
        store::run(disk, requests, to_hub, sweeps)
    })
}

/// Starts the `hub`, the owner of chat state, and the `history` thread that reads the past for
/// it.
fn spawn_chat(
    config: &Config,
    store: &Store,
    inbox: Receiver<Event>,
    to_hub: &Sender<Event>,
    failed: &Sender<String>,
) -> io::Result<Vec<JoinHandle<()>>> {
    let (to_history, queries) = crossbeam_channel::bounded(store::HISTORY_QUEUE);
    let setup = hub::HubSetup {
        limits: config.limits,
        store: store.clone(),
        session_expiry: config.accounts.session_expiry,
        snapshot: store.reader.snapshot().map_err(io::Error::other)?,
        to_history,
    };
    let (reader, history_to_hub) = (store.reader.clone(), to_hub.clone());
    Ok(vec![
        critical::spawn("hub", failed, move || hub::run(inbox, setup))?,
        // Ends when the hub, the only sender of its queries, has.
        critical::spawn("history", failed, move || {
            store::run_history(reader, queries, history_to_hub)
        })?,
    ])
}

/// Starts the threads that let clients in: `http` (tiny_http), `http-accept` (the guard) and
/// `ws-accept`. Each ends when `stopping` is set and its listener is shut down.
fn spawn_doors(
    ports: Ports,
    site: http::Site,
    shared: Arc<Shared>,
    config: &Config,
    stopping: &Arc<AtomicBool>,
    failed: &Sender<String>,
) -> io::Result<[JoinHandle<()>; 3]> {
    let stop = || Arc::clone(stopping);
    let (http_stop, guard_stop, ws_stop) = (stop(), stop(), stop());
    let http_limits = config.http;
    let Ports {
        http,
        ws,
        pages,
        upstream,
    } = ports;
    Ok([
        critical::spawn("http", failed, move || {
            http::serve::run(pages, site, http_stop)
        })?,
        critical::spawn("http-accept", failed, move || {
            http::guard::run(http, upstream, http_limits, guard_stop)
        })?,
        critical::spawn("ws-accept", failed, move || {
            ws::accept::run(ws, shared, ws_stop)
        })?,
    ])
}

/// Starts the `auth` threads, `--hashers` of them, unless accounts are off (`--guests`); returns
/// what the API needs to reach them.
fn spawn_auth(
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
    // While nobody owns the chat, this start's one-time code makes the first owner.
    let setup = match store.reader.has_owner().map_err(io::Error::other)? {
        true => SetupCode::default(),
        false => SetupCode::fresh()
            .ok_or_else(|| io::Error::other("no randomness for the owner setup code"))?,
    };
    let limits = Arc::new(Mutex::new(auth::limit::SignInLimits::new(
        settings.auth_rate,
    )));
    for n in 1..=settings.hashers {
        let (queue, store, limits) = (queue.clone(), store.clone(), Arc::clone(&limits));
        let setup = setup.clone();
        threads.push(critical::spawn(&format!("auth-{n}"), failed, move || {
            auth::run(queue, store, limits, setup)
        })?);
    }
    Ok(Some(http::AccountsApi {
        jobs,
        store: store.clone(),
        limits,
        setup,
    }))
}

/// Under accounts: settles who may register (a new store takes `--join-code`'s setting, an
/// existing one keeps its own) and makes `--owner`'s account an owner. Returns the registration
/// in force (`None` under `--guests`).
fn settle_accounts(config: &Config, store: &Store) -> io::Result<Option<Registration>> {
    let settings = &config.accounts;
    if settings.guests {
        return Ok(None);
    }
    let initial = match &settings.join_code {
        Some(code) => Registration::Code(code.clone()),
        None => Registration::Open,
    };
    let registration = store
        .call(|to_caller| store::Request::SettleRegistration { initial, to_caller })
        .map_err(io::Error::other)?;
    if let Some(name) = &settings.owner {
        let user_key = crate::identity::name_key(name);
        let via = "--owner";
        let made = store
            .call(|to_caller| store::Request::MakeOwner {
                user_key,
                via,
                to_caller,
            })
            .map_err(io::Error::other)?;
        if !made {
            let why = format!("--owner {name}: there is no account of that name");
            return Err(io::Error::new(io::ErrorKind::NotFound, why));
        }
    }
    Ok(Some(registration))
}

fn bind(addr: SocketAddr, flag: &str) -> io::Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| io::Error::new(e.kind(), format!("{flag} {addr}: {e}")))
}

/// A second handle to a listening socket that is moved into its thread: a duplicate descriptor
/// of the same socket, so that `shutdown` on it wakes that thread's `accept()`.
fn owned(listener: &impl AsFd) -> io::Result<Socket> {
    Ok(Socket::from(listener.as_fd().try_clone_to_owned()?))
}

/// The body of `GET /api/info` (docs/PROTOCOL.md §1): the facts fixed at start-up (who may
/// register is added as each request is answered: owners change it).
fn info_json(config: &Config, ws_addr: SocketAddr) -> serde_json::Value {
    serde_json::json!({
        "protocol": 4,
        "version": env!("CARGO_PKG_VERSION"),
        "ws_port": ws_addr.port(),
        "max_text_bytes": config.limits.max_text,
        "max_id_chars": wire::MAX_ID_CHARS,
        "echo": config.echo,
        "accounts": !config.accounts.guests,
        "join_code": false,
        "edit_window": config.limits.edit_window.as_secs(),
    })
}
