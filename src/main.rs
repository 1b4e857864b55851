//! The `threadchat` binary: reads the flags, starts the server, waits for a signal or a failure;
//! or, as `threadchat chat URL`, runs the terminal client (src/client/).
//!
//! `main` only reports; the work is in the library (`threadchat::Server`). The main thread blocks
//! until the `signals` thread reports SIGINT or SIGTERM (then it stops the server in order and
//! exits 0), or until a thread the chat cannot live without reports a panic (then it stops what
//! it can and exits 70, so that whoever runs it sees the failure instead of a server that looks
//! alive and serves nobody).

mod client;

use std::panic;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, select};
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use threadchat::config::{self, Command, Config};
use threadchat::{Server, lan, log};

/// The exit status after a critical thread panicked (EX_SOFTWARE, "internal software error").
const EXIT_FAILED: u8 = 70;

/// How long `main` lets the `log` thread write what is queued before exiting. stderr may be a
/// pipe nobody reads, so this is bounded.
const LOG_FLUSH: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    // `threadchat chat URL`: the terminal client, which shares nothing with the server but the
    // binary (see src/client/mod.rs).
    if args.next_if(|first| first == "chat").is_some() {
        return client::run(args);
    }
    match config::parse(args) {
        Ok(Command::Run(config)) => run(*config),
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
    report_panics_through_the_log();
    raise_open_files_limit();
    let guests = config.accounts.guests;
    let data = config.data.display().to_string();
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
    // Bound to every interface: the addresses other machines can open, after the two lines above.
    let network = lan::network_urls(server.http_addr());
    for url in &network {
        println!("network: {url}");
    }
    if server.http_addr().ip().is_unspecified() && network.is_empty() {
        println!("network: no address found; is this machine on a network?");
    }
    // On stdout only, never in the log: whoever reads the console becomes the owner.
    if let Some(code) = server.setup_code() {
        println!(
            "owner setup: {}#setup={code}",
            setup_base(server.http_addr())
        );
    }
    log!(
        "threadchat {} serving http://{}/ and ws://{}/",
        env!("CARGO_PKG_VERSION"),
        server.http_addr(),
        server.ws_addr()
    );
    match server.registration_mode() {
        _ if guests => log!("GUEST MODE (--guests): no accounts; anyone can use any free name"),
        Some("code") => log!("accounts in {data}; registration: code (needs the join code)"),
        Some(mode) => log!("accounts in {data}; registration: {mode}"),
        None => log!("accounts in {data}"),
    }
    if server.setup_code().is_some() {
        log!("no owner yet: open the owner setup link printed on the console");
    }
    let failures = server.failures().clone();
    // Blocks until a signal arrives or a critical thread panics.
    let code = select! {
        recv(stop) -> _ => {
            log!("stopping: closing connections");
            ExitCode::SUCCESS
        }
        recv(failures) -> name => {
            let name = name.unwrap_or_else(|_| "?".into());
            log!("the {name} thread panicked; the chat cannot go on without it: exiting");
            ExitCode::from(EXIT_FAILED)
        }
    };
    server.stop();
    log::flush(LOG_FLUSH);
    code
}

/// The page's URL for the setup link: the printed page address, or this machine's own when the
/// server listens on every address (the console that shows the link is on this machine).
fn setup_base(http: std::net::SocketAddr) -> String {
    match http.ip().is_unspecified() {
        true => format!("http://127.0.0.1:{}/", http.port()),
        false => format!("http://{http}/"),
    }
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
                    log::flush(LOG_FLUSH);
                    std::process::exit(130);
                }
                let _ = tx.send(());
            }
        })?;
    Ok(rx)
}

/// The default panic hook writes to stderr from the panicking thread, which would block it on a
/// full pipe; this one hands the report to the `log` thread like any other line.
fn report_panics_through_the_log() {
    panic::set_hook(Box::new(|info| {
        let thread = thread::current();
        log!("thread {} panicked: {info}", thread.name().unwrap_or("?"));
    }));
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
    log!("threadchat cannot start: {message}");
    log::flush(LOG_FLUSH);
    ExitCode::FAILURE
}
