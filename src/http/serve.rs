//! The `http` thread: answers the requests tiny_http receives from the guard, and keeps tiny_http
//! alive.
//!
//! Blocks in tiny_http's `recv()` until a request arrives, and in writing each answer until the
//! guard has taken it. Woken by a request, or by an error when tiny_http's own accept thread has
//! died. tiny_http runs threads of its own, unnamed (so they show as `http` too): an accept thread
//! for each server built here, and a pool of at least 4 that reads the requests it accepts. Its
//! accept thread ends on its first `accept()` error (tiny-http issue #283), say "Too many open
//! files", and it panics if the file table fills between an accept and its `try_clone` (see
//! `revive.rs`); either way the page would be gone for good. So this loop supervises it: it logs
//! once, waits, and builds a new tiny_http server on a clone of the same private listening socket
//! (`private.rs`), and keeps retrying while even that fails (cloning needs a descriptor too). On
//! shutdown that listener is shut down, `recv()` fails with `stopping` set, and the thread ends.
//! Requests are answered here, one at a time: every file is small and every answer is made at
//! once, except account requests that hash a password, which are handed to an `auth` thread that
//! answers them (`api.rs`).

use std::fs::File;
use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tiny_http::{Method, Request, Response, Server};

use crate::http::checks::header_value;
use crate::http::headers::{header, plain, websocket_source, with_headers};
use crate::http::{Api, Upstream, api, files, forward, revive};
use crate::{log, log_limited};

/// The pause before rebuilding a dead tiny_http server; it doubles up to a second.
const RESTART_BACKOFF: Duration = Duration::from_millis(50);
const MAX_RESTART_BACKOFF: Duration = Duration::from_secs(1);

/// What the `http` thread serves.
pub struct Site {
    /// The canonical `www/` folder.
    pub root: PathBuf,
    /// tiny_http's private socket, for waking a replaced server's accept thread.
    pub upstream: Upstream,
    /// The WebSocket port, which the page's CSP names.
    pub ws_port: u16,
    pub api: Api,
}

pub fn run(listener: UnixListener, site: Site, stopping: Arc<AtomicBool>) {
    let mut backoff = RESTART_BACKOFF;
    loop {
        // Building a server needs a file descriptor too, so it fails while the table is full.
        let failure = match start(&listener) {
            Ok(server) => {
                let server = Arc::new(server);
                revive::watch(&server);
                // Blocks until a request arrives or the accept thread behind `server` has died.
                while let Ok(request) = server.recv() {
                    backoff = RESTART_BACKOFF;
                    respond(request, &site);
                }
                // tiny_http's clean-up cannot wake its accept thread here (see `private.rs`).
                drop(server);
                site.upstream.wake();
                // An accept error, or an unblock() from `revive` after a panic in tiny_http.
                "tiny_http's accept loop died".to_owned()
            }
            Err(e) => format!("cannot start tiny_http: {e}"),
        };
        if stopping.load(Ordering::Acquire) {
            return;
        }
        // Once per run of failures: while the file table stays full, every restart fails again.
        if backoff == RESTART_BACKOFF {
            log!("http: {failure}; restarting it until it recovers");
        }
        thread::sleep(backoff);
        backoff = (backoff * 2).min(MAX_RESTART_BACKOFF);
    }
}

/// A tiny_http server on a clone of the listening socket, so that one can die and be replaced.
fn start(listener: &UnixListener) -> Result<Server, Box<dyn std::error::Error + Send + Sync>> {
    Server::from_listener(listener.try_clone()?, None)
}

fn respond(request: Request, site: &Site) {
    let headers = request
        .headers()
        .iter()
        .map(|h| (h.field.as_str().as_str(), h.value.as_str()));
    let Some(client) = forward::client_of(headers) else {
        // Only the guard (or a process of this server's own user) can reach the socket.
        log_limited!(
            "unguarded requests",
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            "http: refused a request that did not come through the guard"
        );
        return drop(request.respond(plain(403, "forbidden")));
    };
    let (method, url) = (request.method().clone(), request.url().to_owned());
    if url == "/api" || url.starts_with("/api/") || url.starts_with("/api?") {
        return api::respond(request, client, &site.api);
    }
    let result = match (method, url.as_str()) {
        (Method::Get | Method::Head, url) => match files::resolve(&site.root, url) {
            Ok(path) => serve_file(request, &path, site),
            Err(files::FileRefusal::BadRequest) => request.respond(plain(400, "bad request")),
            Err(files::FileRefusal::NotFound) => request.respond(plain(404, "not found")),
        },
        _ => request.respond(plain(405, "method not allowed")),
    };
    // The browser went away mid-answer: nothing to do and nobody to tell.
    drop(result);
}

fn serve_file(request: Request, path: &Path, site: &Site) -> std::io::Result<()> {
    // The page may open a WebSocket only to the host it was reached at, if it is served there.
    let host = header_value(&request, "Host").and_then(|h| site.api.origins.page_host(h));
    let websocket = host.map(|host| websocket_source(host, site.ws_port));
    let opened = File::open(path).and_then(|file| Ok((file.metadata()?, file)));
    let Ok((metadata, file)) = opened else {
        return request.respond(plain(404, "not found"));
    };
    // `Cache-Control: no-cache` (with_headers) makes the browser ask again on every load; the tag
    // lets it be told "what you have is current" in a few bytes instead of the whole file again.
    let etag = files::etag(&metadata);
    let tag = header("ETag", &etag);
    if header_value(&request, "If-None-Match").is_some_and(|wanted| files::matches(wanted, &etag)) {
        let unchanged = Response::empty(304).with_header(tag);
        return request.respond(with_headers(unchanged, websocket.as_deref()));
    }
    let kind = header("Content-Type", files::content_type(path));
    let answer = Response::from_file(file).with_header(kind).with_header(tag);
    request.respond(with_headers(answer, websocket.as_deref()))
}
