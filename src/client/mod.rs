//! `threadchat chat URL`: a terminal client, the other half of the lesson.
//!
//! The server shows how to block on many sockets with one thread each; this shows the client side
//! of the same idea with the fewest threads that can work: one blocks on the keyboard, one on the
//! socket, nothing else. It speaks only what docs/PROTOCOL.md says (it lives in the binary, not the
//! library, so it cannot reach the server's code), which makes it the proof that the document is
//! enough to write a client from.
//!
//! # Two threads, one socket
//!
//! ```text
//!   stdin lines ──▶ keyboard thread ──send/close──▶ Writer (Mutex) ──▶ TcpStream ──▶ server
//!                        │ records ids                  ▲ Pong, Close reply,
//!                        ▼                              │ next page
//!                     Pending ◀── acks, refusals ── main thread (the socket loop)
//!                                                       ▲ frames
//!                   server ──▶ TcpStream clone ──▶ Inbound (reads; swallows writes)
//! ```
//!
//! A tungstenite `WebSocket` cannot be split between a reading and a writing thread: `read()`
//! writes too (its automatic Pong and Close replies), and a second thread writing at the same
//! time would interleave bytes inside a frame (tungstenite issues #311, #323). Nor can one thread
//! wait for both the socket and the keyboard: std has no `select` over a socket and stdin, and a
//! read timeout would be a polling clock. So the socket is split by hand, as the server splits
//! it (src/ws/stream.rs): the reading `WebSocket` sits on a clone of the socket whose writes are
//! swallowed once the handshake is done ([`connect`]), and every frame is written by a second,
//! write-only `WebSocket` behind a `Mutex` ([`writer`]), which writes one whole frame per lock.
//! When the reader gets a Ping, it asks the writer for the Pong itself.
//!
//! # Layout
//!
//! - this file: the command line, and the order of things (sign in, connect, start the threads);
//! - `url`: the page's address (`http://HOST:PORT/`); `http`: one JSON request and its reply;
//! - `prompt`: the name and password, from the terminal or from stdin lines;
//! - `signin`: `/api/info`, then `/api/login` (or a guest's name): where and as whom to connect;
//! - `connect`: the WebSocket handshake, and the socket split into its reading and writing halves;
//! - `writer`: the one path by which frames reach the socket;
//! - `pending`: the messages sent and not yet acknowledged, shared by the two threads;
//! - `keyboard`: the `keyboard` thread; `command`: what a typed line means;
//! - `socket`: the socket loop, on the main thread; `show`: each frame as plain, safe lines.
//!
//! Not done: reconnecting (with `?since=`) after the connection drops, and sending pending
//! messages again; the client says the connection ended and exits.

mod command;
mod connect;
mod http;
mod keyboard;
mod pending;
mod prompt;
mod show;
mod signin;
mod socket;
mod url;
mod writer;

use std::process::ExitCode;
use std::sync::Arc;

use pending::Pending;
use url::Page;

/// `threadchat chat --help`.
const USAGE: &str = "\
threadchat chat: a terminal client for a threadchat server

Usage: threadchat chat URL      (URL: the page's address, e.g. http://127.0.0.1:8080/)

Asks for a name and a password (just a name when the server runs with --guests), reading them
from the terminal or from the first lines of stdin. Then each line typed is sent to the current
room; /help lists the commands. /quit, or the end of stdin, leaves.
";

/// The exit status for a wrong command line, as the server's own flags use.
const EXIT_USAGE: u8 = 2;

/// Runs the client with the arguments after `chat`; the process's exit status.
pub fn run(args: impl Iterator<Item = String>) -> ExitCode {
    let page = match parse(args) {
        Ok(Some(page)) => page,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("threadchat chat: {message}\n\n{USAGE}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match chat(&page) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("threadchat chat: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The page's address, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Page>, String> {
    let first = args.next().ok_or("which server? give its page's URL")?;
    if first == "-h" || first == "--help" {
        return Ok(None);
    }
    if let Some(extra) = args.next() {
        return Err(format!("unexpected argument {extra:?}"));
    }
    url::parse(&first).map(Some)
}

/// Signs in, connects, starts the `keyboard` thread and runs the socket loop on this thread until
/// the connection ends. The keyboard thread is not joined: it may be blocked reading stdin, which
/// nothing in std can interrupt; returning from `main` ends it with the process.
fn chat(page: &Page) -> Result<ExitCode, String> {
    let entry = signin::enter(page)?;
    let (inbound, writer) = connect::open(&entry)?;
    let writer = Arc::new(writer);
    let pending = Arc::new(Pending::default());
    keyboard::start(Arc::clone(&writer), Arc::clone(&pending))
        .map_err(|e| format!("cannot start the keyboard thread: {e}"))?;
    Ok(socket::run(inbound, &writer, &pending))
}
