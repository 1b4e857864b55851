//! The load generator behind `make bench`: it starts a fresh release server for each
//! scenario run, loads it from 127.0.0.1, and prints one JSON line and one human row per scenario.
//!
//! Run as `cargo bench --bench loadgen -- [quick] [SCENARIO...]` after `cargo build --release`.
//! Scenarios: `idle`, `fanout`, `saturate`, `stuck`, `connections`, `rooms`, `joinstorm`,
//! `reconnect`, `startup`, `edits` (all when none is named).
//! Environment: `THREADCHAT_BIN` (default `target/release/threadchat`), `BENCH_RUNS` (runs per
//! scenario; default 3, 1 in quick mode), `BENCH_QUICK=1` (same as the `quick` argument: shorter
//! scenarios, for a try in a minute or two).
//!
//! Layout: `server` starts and kills the server; `fleet` (with `fleet/connect.rs` and
//! `fleet/receive.rs`) is the generator's single epoll loop over all healthy clients, speaking
//! the frames of `ws` and recognising its own messages with `marker`; `stuck` holds the clients
//! that never read and `watch` notes when the server lets go of them; `idle`, `fanout` (which
//! also runs `stuck`), `saturate` and `connections` are the scenarios, on the shared set-up of
//! `common`; `procfs` reads CPU, memory and socket state; `stats` and `report` turn runs into
//! medians and spreads and print them. `units.rs` compiles the pure parts alone for `cargo test`.
//!
//! The generator does its work on one thread, pinned to CPU 1 while the server is pinned to CPU 0 (when
//! the machine has two cores), and it reports its own CPU use (`gen_cpu_pct`, next to the
//! server's `server_cpu_pct`) so that one can see which of the two is the bottleneck. It also
//! reports what the rest of the machine used (`other_cpu_pct`); a run disturbed by other work
//! is run again (see `run_variant`).

mod common;
mod connections;
mod edits;
mod fanout;
mod fleet;
mod history;
mod idle;
mod marker;
mod procfs;
mod report;
mod rooms;
mod saturate;
mod server;
mod stats;
mod stuck;
mod watch;
mod ws;

use common::{Ctx, Figures};
use report::{Setting, Variant};
use serde_json::json;
use std::process::{Command, ExitCode};

const SCENARIOS: [&str; 10] = [
    "idle",
    "fanout",
    "saturate",
    "stuck",
    "connections",
    "rooms",
    "joinstorm",
    "reconnect",
    "startup",
    "edits",
];
/// Open files the generator needs: 10,000 clients plus its own few, with room to spare.
const NOFILE: u64 = 20_000;

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen scenarios; false if any run failed.
fn run() -> Result<bool, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut quick = env("BENCH_QUICK").is_some_and(|v| v != "0");
    let mut chosen = Vec::new();
    // `cargo bench` passes `--bench`; other flags are ignored the same way.
    for arg in std::env::args().skip(1).filter(|a| a != "--bench") {
        match arg.as_str() {
            "quick" | "--quick" => quick = true,
            s if SCENARIOS.contains(&s) => chosen.push(s.to_string()),
            s if s.starts_with("--") => {}
            s => {
                return Err(format!(
                    "unknown argument {s:?}; scenarios are {SCENARIOS:?}, or `quick`"
                ));
            }
        }
    }
    let runs: usize = match env("BENCH_RUNS") {
        Some(v) => v
            .parse()
            .map_err(|_| format!("BENCH_RUNS={v:?} is not a number"))?,
        None if quick => 1,
        None => 3,
    };
    let bin = env("THREADCHAT_BIN").unwrap_or_else(|| "target/release/threadchat".into());
    if !std::path::Path::new(&bin).is_file() {
        return Err(format!(
            "no server binary at {bin}: run `cargo build --release` first (`make bench` does)"
        ));
    }
    let nofile = rlimit::increase_nofile_limit(NOFILE)
        .map_err(|e| format!("raising the open-files limit: {e}"))?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pin = cores >= 2 && pin_myself_to_cpu1();
    println!(
        "# loadgen: server {bin}; {}; {runs} run(s) per scenario{}; open-files limit {nofile}; {cores} cores",
        match pin {
            true => "server pinned to CPU 0, load generator to CPU 1 (taskset)",
            false => "not pinned (needs 2 cores and taskset)",
        },
        if quick { ", quick mode" } else { "" },
    );
    let ctx = Ctx {
        launch: server::Launch { bin, pin },
        tck: procfs::clock_ticks_per_s(),
        quick,
    };
    let setting = Setting { pinned: pin, quick };
    let mut all_ok = true;
    for (variant, job) in plan(&ctx) {
        if !chosen.is_empty() && !chosen.iter().any(|c| c == variant.scenario) {
            continue;
        }
        let (results, discarded) = run_variant(&ctx, &variant, &job, runs);
        all_ok &= results.iter().all(Result::is_ok);
        report::print(&variant, &setting, &results, discarded);
    }
    Ok(all_ok)
}

type Job = Box<dyn Fn(&Ctx) -> Result<Figures, String>>;

/// Runs `job` until `runs` runs count, and how many disturbed runs were thrown away.
///
/// A run during which other work on the machine took more than [`common::DISTURBED_PCT`] of a
/// core measured the neighbours, not the server: it is run again, at most `runs` extra times in
/// all (after that a disturbed run counts, and says so in its notes).
fn run_variant(
    ctx: &Ctx,
    v: &Variant,
    job: &Job,
    runs: usize,
) -> (Vec<Result<Figures, String>>, usize) {
    let params: serde_json::Map<_, _> = v
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let (mut results, mut discarded) = (Vec::new(), 0);
    // Bounded: each pass either adds a result or uses up one of the `runs` retries.
    while results.len() < runs {
        eprintln!(
            "# {} {}: run {}/{runs}",
            v.scenario,
            json!(params),
            results.len() + 1
        );
        let mut result = job(ctx);
        match result.as_ref().ok().and_then(Figures::disturbed) {
            Some(pct) if discarded < runs => {
                eprintln!(
                    "# other work took {pct:.0}% of a core during that run: running it again"
                );
                discarded += 1;
                continue;
            }
            Some(pct) => {
                if let Ok(f) = result.as_mut() {
                    f.notes.push(format!(
                        "disturbed run kept: other work took {pct:.0}% of a core"
                    ));
                }
            }
            None => {}
        }
        results.push(result);
    }
    (results, discarded)
}

/// Every scenario variant, in order, with its length for full or quick mode.
fn plan(ctx: &Ctx) -> Vec<(Variant, Job)> {
    let q = ctx.quick;
    let idle_s: u64 = if q { 5 } else { 30 };
    let fanout_s = if q { 3.0 } else { 10.0 };
    let saturate_s = if q { 2.0 } else { 5.0 };
    // Long enough for the server to give up on the stuck clients (see fanout::STUCK_BACKLOG).
    let stuck_s = if q { 12.0 } else { 20.0 };
    let v = |scenario, params: Vec<(&'static str, serde_json::Value)>| Variant { scenario, params };
    let fan = |clients: usize, rate: f64, secs: f64, stuck: usize, memory: bool| -> Job {
        Box::new(move |c| {
            fanout::run(
                c,
                &fanout::Load {
                    clients,
                    rate,
                    secs,
                    stuck,
                    memory,
                },
            )
        })
    };
    // Messages are stored on disk unless a variant says `"store":"memory"` (`--in-memory`): the
    // pairs show what durability costs.
    let store = |memory: bool| ("store", json!(if memory { "memory" } else { "disk" }));
    let fanout = |clients: usize, rate: f64, memory: bool| {
        let params = vec![
            ("clients", json!(clients)),
            ("rate", json!(rate)),
            ("secs", json!(fanout_s)),
            store(memory),
        ];
        (v("fanout", params), fan(clients, rate, fanout_s, 0, memory))
    };
    let saturate = |clients: usize, memory: bool| -> (Variant, Job) {
        let params = vec![
            ("clients", json!(clients)),
            ("secs", json!(saturate_s)),
            store(memory),
        ];
        let extra: &'static [&'static str] = if memory { &["--in-memory"] } else { &[] };
        (
            v("saturate", params),
            Box::new(move |c| saturate::run(c, clients, saturate_s, extra)),
        )
    };
    let storm = |rooms: usize| -> (Variant, Job) {
        let params = vec![("clients", json!(1000)), ("rooms", json!(rooms))];
        (
            v("joinstorm", params),
            Box::new(move |c| rooms::storm(c, 1000, rooms)),
        )
    };
    let startup_n: u64 = if q { 100_000 } else { 1_000_000 };
    let edit_rounds: usize = if q { 100 } else { 500 };
    vec![
        (
            v(
                "idle",
                vec![("clients", json!(1000)), ("secs", json!(idle_s))],
            ),
            Box::new(move |c| idle::run(c, 1000, idle_s)),
        ),
        (
            v(
                "idle",
                vec![("clients", json!(5000)), ("secs", json!(idle_s))],
            ),
            Box::new(move |c| idle::run(c, 5000, idle_s)),
        ),
        fanout(100, 200.0, false),
        fanout(100, 200.0, true),
        fanout(1000, 50.0, false),
        fanout(1000, 50.0, true),
        saturate(100, false),
        saturate(1000, false),
        saturate(1000, true),
        (
            v(
                "stuck",
                vec![
                    ("clients", json!(1000)),
                    ("rate", json!(50)),
                    ("stuck", json!(10)),
                    ("max_backlog", json!(fanout::STUCK_BACKLOG)),
                    ("secs", json!(stuck_s)),
                ],
            ),
            fan(1000, 50.0, stuck_s, 10, false),
        ),
        (
            v("connections", vec![("clients", json!(10_000))]),
            Box::new(|c| connections::run(c, 10_000)),
        ),
        (
            v(
                "rooms",
                vec![
                    ("clients", json!(1000)),
                    ("room_size", json!(rooms::ROOM_SIZE)),
                    ("rate", json!(50)),
                    ("secs", json!(fanout_s)),
                ],
            ),
            Box::new(move |c| rooms::run(c, 1000, 50.0, fanout_s)),
        ),
        storm(1),
        storm(50),
        (
            v(
                "reconnect",
                vec![
                    ("live", json!(100)),
                    ("late", json!(100)),
                    ("behind", json!(1000)),
                    ("rate", json!(50)),
                ],
            ),
            Box::new(|c| history::reconnect(c, 100, 100, 1000, 50.0)),
        ),
        (
            v("startup", vec![("messages", json!(startup_n))]),
            Box::new(move |c| history::startup(c, startup_n)),
        ),
        (
            v(
                "edits",
                vec![("clients", json!(100)), ("rounds", json!(edit_rounds))],
            ),
            Box::new(move |c| edits::run(c, 100, edit_rounds)),
        ),
    ]
}

/// Pins every thread of this process to CPU 1 (the server gets CPU 0); false if that failed.
fn pin_myself_to_cpu1() -> bool {
    let pid = std::process::id().to_string();
    Command::new("taskset")
        .args(["-a", "-p", "-c", "1", &pid])
        .output()
        .is_ok_and(|o| o.status.success())
}
