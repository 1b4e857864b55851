//! Scenarios `fanout` and `stuck`: open-loop chat traffic at a fixed rate, latency at receivers.
//!
//! Ten of the clients are senders; together they send `rate` messages per second, each on its
//! own evenly spaced schedule (open loop: a slow server does not slow the senders down). Every
//! message is delivered to every client, the sender included, so each one is expected N times.
//! Each text carries its send time on the generator's clock; a receiver's latency is the time it
//! read the frame minus that. After the last send the generator waits for the stragglers, then
//! reports the latency percentiles, delivered messages/s, the deliveries that never came, and the
//! server's CPU time per delivery over the whole stretch.
//!
//! `stuck` is the same load with extra clients that never read (see `stuck.rs`), against a
//! server started with a smaller `--max-backlog` so that it gives up on them sooner.

use crate::common::{self, CpuMeter, CpuUse, Ctx, Figures, TICK};
use crate::fleet::{Delivery, Fleet};
use crate::marker::Marker;
use crate::stats;
use crate::stuck::Stuck;
use crate::watch::Watch;
use std::time::{Duration, Instant};

/// How many of the clients send.
pub const SENDERS: usize = 10;
/// How long to wait for the last deliveries after the last send.
const DRAIN: Duration = Duration::from_secs(5);
/// The server's `--max-backlog` in the stuck scenario. A stuck client is owed ~4.4 KB/s at 50
/// messages/s; the kernel buffers about 21 KB of it (the server's SO_SNDBUF plus the client's
/// small SO_RCVBUF), so with 16 KiB more the server should give up after ~8-9 s. With the
/// default 256 KiB that would take a minute, longer than the run.
pub const STUCK_BACKLOG: &str = "16384";

/// One fanout load.
pub struct Load {
    pub clients: usize,
    /// Messages per second, all senders together.
    pub rate: f64,
    pub secs: f64,
    /// Extra clients that never read.
    pub stuck: usize,
    /// The store in memory only (`--in-memory`): the same load without the disk.
    pub memory: bool,
}

/// Runs `load` once on a fresh server.
pub fn run(ctx: &Ctx, load: &Load) -> Result<Figures, String> {
    let mut extra = Vec::new();
    if load.stuck > 0 {
        extra.extend(["--max-backlog", STUCK_BACKLOG]);
    }
    if load.memory {
        extra.push("--in-memory");
    }
    let mut stage = common::stage(ctx, load.clients, &extra)?;
    let mut stuck = match load.stuck {
        0 => None,
        n => Some(Stuck::open(stage.server.ws, n)?),
    };
    // The stuck clients' arrival is announced to the others: let that pass too.
    let joined_by_now = stage.fleet.counts.joined + (load.clients * load.stuck) as u64;
    common::settle(&mut stage.fleet, joined_by_now, Duration::from_secs(30))?;
    let fleet = &mut stage.fleet;
    let receivers = fleet.open();
    let meter = CpuMeter::start(stage.server.pid)?;
    let reads0 = fleet.counts.reads;
    let mut plan = Schedule::new(fleet.now_us() + 1000, load);
    let since = Instant::now() + Duration::from_micros(1000);
    let ws_port = stage.server.ws.port();
    let watch = stuck
        .as_ref()
        .map(|st| Watch::start(ws_port, st.ports(), since))
        .transpose()?;
    let mut latencies: Vec<u32> =
        Vec::with_capacity((load.rate * load.secs) as usize * load.clients);
    // Bounded by the schedule's end, then by the drain deadline.
    while fleet.now_us() < plan.end_us {
        let soonest = plan.send_due(fleet);
        fleet.turn(Duration::from_micros(soonest.saturating_sub(fleet.now_us())).min(TICK))?;
        take_latencies(&mut fleet.deliveries, &mut latencies);
    }
    let expected = plan.sent * receivers;
    let drain_end = Instant::now() + DRAIN;
    while (latencies.len() as u64) < expected && Instant::now() < drain_end {
        fleet.turn(TICK)?;
        take_latencies(&mut fleet.deliveries, &mut latencies);
    }
    let cpu = meter.stop(ctx.tck)?;
    let evicted_at = watch.map(Watch::finish).transpose()?;
    if !stage.server.alive() {
        return Err(stage.server.failure("exited during the run"));
    }
    let secs = (fleet.last_rx_us.max(plan.end_us) - plan.start_us) as f64 / 1e6;
    let reads = fleet.counts.reads - reads0;
    let mut fig = figures(latencies, expected, secs, reads, &cpu, &plan);
    common::note_generator(&mut fig, &cpu);
    if let (Some(st), Some(times)) = (stuck.as_mut(), evicted_at) {
        note_stuck(&mut fig, st, &times);
    }
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}

/// The senders' timetable: sender `s` sends every `interval_us`, its first message `s` tenths
/// of an interval after the start, so the load is spread evenly.
struct Schedule {
    start_us: u64,
    end_us: u64,
    interval_us: u64,
    next: [u64; SENDERS],
    count: [u32; SENDERS],
    sent: u64,
    /// How late the generator was for a send, at worst.
    max_lag_us: u64,
}

impl Schedule {
    fn new(start_us: u64, load: &Load) -> Schedule {
        let interval_us = (1e6 * SENDERS as f64 / load.rate) as u64;
        Schedule {
            start_us,
            end_us: start_us + (load.secs * 1e6) as u64,
            interval_us,
            next: std::array::from_fn(|s| start_us + s as u64 * interval_us / SENDERS as u64),
            count: [0; SENDERS],
            sent: 0,
            max_lag_us: 0,
        }
    }

    /// Sends every message that is due; returns when the next one is.
    fn send_due(&mut self, fleet: &mut Fleet) -> u64 {
        let now = fleet.now_us();
        for s in 0..SENDERS {
            // Catches up if the loop was late; bounded because next[s] grows each pass.
            while self.next[s] <= now && self.next[s] < self.end_us {
                self.max_lag_us = self.max_lag_us.max(now - self.next[s]);
                let m = Marker {
                    sender: s as u32,
                    k: self.count[s],
                    send_us: fleet.now_us(),
                };
                self.sent += u64::from(fleet.send(s, m));
                self.count[s] += 1;
                self.next[s] += self.interval_us;
            }
        }
        self.next
            .iter()
            .min()
            .map_or(self.end_us, |&n| n.min(self.end_us))
    }
}

/// One run's figures from its latencies (µs) and counts.
fn figures(
    mut latencies: Vec<u32>,
    expected: u64,
    secs: f64,
    reads: u64,
    cpu: &CpuUse,
    plan: &Schedule,
) -> Figures {
    let mut fig = Figures::default();
    let received = latencies.len() as u64;
    latencies.sort_unstable();
    let ms = |p: f64| stats::percentile(&latencies, p).map_or(f64::NAN, |v| f64::from(v) / 1e3);
    fig.put("p50_ms", ms(50.0));
    fig.put("p99_ms", ms(99.0));
    fig.put("max_ms", ms(100.0));
    fig.put("delivered_per_s", received as f64 / secs);
    fig.put("lost", expected.saturating_sub(received) as f64);
    fig.put("sent", plan.sent as f64);
    fig.put(
        "server_cpu_us_per_msg",
        cpu.server_us / received.max(1) as f64,
    );
    fig.put("server_cpu_pct", cpu.server_pct);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put("gen_frames_per_read", received as f64 / reads.max(1) as f64);
    fig.put("other_cpu_pct", cpu.other_pct);
    fig.put("gen_max_send_lag_ms", plan.max_lag_us as f64 / 1e3);
    fig
}

/// Moves the deliveries' latencies (µs) into `out`.
fn take_latencies(deliveries: &mut Vec<Delivery>, out: &mut Vec<u32>) {
    out.extend(deliveries.drain(..).map(|d| {
        d.recv_us
            .saturating_sub(d.marker.send_us)
            .min(u64::from(u32::MAX)) as u32
    }));
}

/// Adds how many stuck clients were let go of, when, and with what Close code.
fn note_stuck(fig: &mut Figures, st: &mut Stuck, evicted_at: &[Option<f64>]) {
    let times: Vec<f64> = evicted_at.iter().flatten().copied().collect();
    fig.put("stuck_evicted", times.len() as f64);
    let s = stats::spread(&times);
    fig.put("stuck_evicted_median_s", s.map_or(f64::NAN, |s| s.median));
    fig.put("stuck_evicted_last_s", s.map_or(f64::NAN, |s| s.max));
    let outcomes = st.read_out();
    let with_1013 = outcomes.iter().filter(|o| o.end == "Close 1013").count();
    fig.put("stuck_close_1013", with_1013 as f64);
    // One line per way of ending, e.g. "10 of 10: EOF without Close (after 119-127 frames)".
    let mut ends: Vec<&str> = outcomes.iter().map(|o| o.end.as_str()).collect();
    ends.sort_unstable();
    ends.dedup();
    for end in ends.into_iter().filter(|e| *e != "Close 1013") {
        let frames: Vec<u64> = outcomes
            .iter()
            .filter(|o| o.end == end)
            .map(|o| o.frames)
            .collect();
        let (lo, hi) = (
            frames.iter().min().unwrap_or(&0),
            frames.iter().max().unwrap_or(&0),
        );
        let n = frames.len();
        fig.notes.push(format!(
            "stuck clients read out after the run: {n} of {}: {end} (after {lo}-{hi} frames)",
            outcomes.len()
        ));
    }
}
