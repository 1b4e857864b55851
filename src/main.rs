//! The `threadchat` binary: reads the flags, starts the server, waits for Ctrl-C or SIGTERM.
//!
//! `main` only reports; the work is in the library (`threadchat::Server`). The main thread blocks
//! on the `signals` thread's channel until a signal arrives, then stops the server in order.

use std::process::ExitCode;
use std::thread;

use crossbeam_channel::Receiver;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use threadchat::config::{self, Command, Config};
use threadchat::{Server, log};

fn main() -> ExitCode {
    match config::parse(std::env::args().skip(1)) {
        Ok(Command::Run(config)) => run(config),
        Ok(Command::Help) => {
            print!("{}", config::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("threadchat {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("threadchat: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(config: Config) -> ExitCode {
    raise_open_files_limit();
    let stop = match signals() {
        Ok(stop) => stop,
        Err(e) => return fail(&format!("cannot watch for signals: {e}")),
    };
    let server = match Server::start(config) {
        Ok(server) => server,
        Err(e) => return fail(&e.to_string()),
    };
    // Both URLs with the real ports (port 0 picks one); tests and scripts read these two lines.
    println!("page: http://{}/", server.http_addr());
    println!("websocket: ws://{}/", server.ws_addr());
    log!(
        "threadchat {} serving http://{}/ and ws://{}/",
        env!("CARGO_PKG_VERSION"),
        server.http_addr(),
        server.ws_addr()
    );
    // Blocks until the signals thread reports SIGINT or SIGTERM.
    let _ = stop.recv();
    log!("stopping: closing connections");
    server.stop();
    ExitCode::SUCCESS
}

/// Starts the `signals` thread, which blocks until SIGINT or SIGTERM and reports it on the
/// returned channel. A second signal ends the process at once, for when stopping hangs.
fn signals() -> std::io::Result<Receiver<()>> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    let (tx, rx) = crossbeam_channel::bounded(1);
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            // Blocks until a signal arrives.
            for (count, signal) in signals.forever().enumerate() {
                if count > 0 {
                    log!("second signal {signal}: exiting now");
                    std::process::exit(130);
                }
                let _ = tx.send(());
            }
        })?;
    Ok(rx)
}

/// Each connection holds one file descriptor; the usual soft limit of 1,024 would stop the server
/// near a thousand clients, so raise it to the hard limit. `ulimit -Hn` shows that limit.
fn raise_open_files_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => log!("open-files limit: {limit}"),
        Err(e) => log!("cannot raise the open-files limit: {e}"),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("threadchat: {message}");
    ExitCode::FAILURE
}
