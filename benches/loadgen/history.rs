//! Scenarios `reconnect` and `startup`: what durable history costs when it is read back.
//!
//! `reconnect`: a live fleet chats at a fixed rate while a second fleet of clients, each
//! `behind` messages behind, connects at once with `?since=0`: how long until every one of them
//! has been sent its replay and `caught_up`, and the live clients' latency meanwhile.
//!
//! `startup`: a store filled with `n` messages, then a fresh server started on it: the time until
//! it serves (its addresses printed, then a client welcomed) and its memory, which must not grow
//! with the history (the server reads only users, rooms and memberships at start-up).

use crate::common::{self, CpuMeter, Ctx, Figures, TICK};
use crate::fanout::SENDERS;
use crate::fleet::Fleet;
use crate::marker::Marker;
use crate::procfs::{self, Proc};
use crate::server::Server;
use crate::stats;
use std::time::{Duration, Instant};

/// Messages from one sender that may await their echo at once while a store is being filled.
const WINDOW: u64 = 200;
/// How long filling or catching up may take at most.
const DEADLINE: Duration = Duration::from_secs(300);

/// Sends `n` messages from client 0 as fast as the server takes them (at most [`WINDOW`] waiting
/// for their echo), then waits until every client has all of them. Returns the seconds it took.
fn fill(fleet: &mut Fleet, n: u64) -> Result<f64, String> {
    let began = Instant::now();
    let (mut sent, mut echoed) = (0u64, 0u64);
    // Bounded by the deadline.
    while echoed < n {
        if began.elapsed() > DEADLINE {
            return Err(format!(
                "only {echoed} of {n} messages stored in {DEADLINE:?}"
            ));
        }
        while sent < n && sent - echoed < WINDOW {
            let m = Marker {
                sender: 0,
                k: sent as u32,
                send_us: fleet.now_us(),
            };
            if !fleet.send(0, m) {
                return Err(format!("the sender was dropped after {sent} messages"));
            }
            sent += 1;
        }
        fleet.turn(TICK)?;
        echoed += fleet.deliveries.drain(..).filter(|d| d.client == 0).count() as u64;
    }
    Ok(began.elapsed().as_secs_f64())
}

/// Scenario `reconnect`: `late` clients, `behind` messages behind, while `live` clients chat at
/// `rate` messages a second.
pub fn reconnect(
    ctx: &Ctx,
    live: usize,
    late: usize,
    behind: u64,
    rate: f64,
) -> Result<Figures, String> {
    let mut stage = common::stage(ctx, live, &[])?;
    fill(&mut stage.fleet, behind)?;
    let mut catching_up =
        Fleet::new(stage.server.ws, "late", late, Instant::now())?.with_query("&since=0");
    let meter = CpuMeter::start(stage.server.pid)?;
    let fleet = &mut stage.fleet;
    let interval_us = (1e6 / rate) as u64;
    let mut next_us = fleet.now_us();
    let (mut sent, mut latencies) = (0u64, Vec::new());
    let began = Instant::now();
    // Bounded by the deadline: the live fleet chats until every late client has caught up.
    while catching_up.counts.caught_up < late as u64 {
        let lost = catching_up.counts.failed + catching_up.counts.dropped;
        if lost > 0 {
            return Err(format!(
                "{lost} of {late} late clients lost their connection"
            ));
        }
        if began.elapsed() > DEADLINE {
            return Err(format!(
                "only {} of {late} clients caught up in {DEADLINE:?}",
                catching_up.counts.caught_up
            ));
        }
        while next_us <= fleet.now_us() {
            let sender = (sent as usize) % SENDERS;
            let m = Marker {
                sender: sender as u32,
                k: sent as u32,
                send_us: fleet.now_us(),
            };
            sent += u64::from(fleet.send(sender, m));
            next_us += interval_us;
        }
        fleet.turn(Duration::ZERO)?;
        latencies.extend(
            fleet
                .deliveries
                .drain(..)
                .map(|d| d.recv_us.saturating_sub(d.marker.send_us) as u32),
        );
        catching_up.turn(Duration::from_millis(1))?;
        catching_up.deliveries.clear();
    }
    let caught_up_s = began.elapsed().as_secs_f64();
    let cpu = meter.stop(ctx.tck)?;
    latencies.sort_unstable();
    let ms = |p: f64| stats::percentile(&latencies, p).map_or(f64::NAN, |v| f64::from(v) / 1e3);
    let mut fig = Figures::default();
    fig.put("all_caught_up_s", caught_up_s);
    fig.put("replayed_msgs", (late as u64 * behind) as f64);
    fig.put("live_p50_ms", ms(50.0));
    fig.put("live_p99_ms", ms(99.0));
    fig.put("live_sent", sent as f64);
    fig.put("server_cpu_pct", cpu.server_pct);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put("other_cpu_pct", cpu.other_pct);
    fig.put("late_failed", catching_up.counts.failed as f64);
    fig.put("late_dropped", catching_up.counts.dropped as f64);
    common::note_trouble(&mut fig, &stage.fleet);
    fig.notes.extend(catching_up.errors.iter().cloned());
    Ok(fig)
}

/// Scenario `startup`: a server started on a store of `n` messages.
pub fn startup(ctx: &Ctx, n: u64) -> Result<Figures, String> {
    let mut filler = common::stage(ctx, 1, &[])?;
    let fill_s = fill(&mut filler.fleet, n)?;
    filler.server.stop_gracefully()?;
    let data = filler
        .server
        .keep_data()
        .ok_or("the filler's data directory is gone")?;
    let db_mib =
        std::fs::metadata(data.join("threadchat.redb")).map_or(0, |m| m.len()) as f64 / 1048576.0;
    drop(filler);
    let began = Instant::now();
    let server = Server::start_on(&ctx.launch, &[], data)?;
    let rss_started = procfs::rss_kib(Proc::Pid(server.pid))?;
    let stage = common::connect(server, 1)?;
    let served = began.elapsed();
    let mut fig = Figures::default();
    fig.put("messages", n as f64);
    fig.put("fill_msgs_per_s", n as f64 / fill_s);
    fig.put("store_mib", db_mib);
    fig.put("startup_ms", stage.server.startup.as_secs_f64() * 1e3);
    fig.put("first_welcome_ms", served.as_secs_f64() * 1e3);
    fig.put("rss_kib_at_start", rss_started as f64);
    fig.put(
        "rss_kib_after_welcome",
        procfs::rss_kib(Proc::Pid(stage.server.pid))? as f64,
    );
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}
