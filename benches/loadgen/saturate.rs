//! Scenario `saturate`: how many deliveries per second the server sustains, closed loop.
//!
//! Ten senders each keep exactly one message in flight: a sender sends its next message the
//! moment its own previous one comes back to it. So the server is never flooded beyond what it
//! can take, and the rate it sustains is its throughput: deliveries counted at all receivers
//! during the window, per second. After the window no new message is sent and the generator
//! waits for the last ones; whatever never arrived (or arrived at a client that was dropped) is
//! reported as never delivered.

use crate::common::{self, CpuMeter, Ctx, Figures, TICK};
use crate::fanout::SENDERS;
use crate::marker::Marker;
use crate::server::Server;
use std::time::{Duration, Instant};

/// How long to wait for the last deliveries after the window.
const DRAIN: Duration = Duration::from_secs(5);

/// Saturates a fresh server with `clients` clients for `secs` seconds; `extra` flags (such as
/// `--in-memory`) go to the server.
pub fn run(ctx: &Ctx, clients: usize, secs: f64, extra: &[&str]) -> Result<Figures, String> {
    let mut stage = common::stage(ctx, clients, extra)?;
    let fleet = &mut stage.fleet;
    let receivers = fleet.open();
    let meter = CpuMeter::start(stage.server.pid)?;
    let reads0 = fleet.counts.reads;
    let start_us = fleet.now_us();
    let end_us = start_us + (secs * 1e6) as u64;
    let mut count = [0u32; SENDERS];
    let mut sent = 0u64;
    for (s, k) in count.iter_mut().enumerate() {
        sent += u64::from(fleet.send(
            s,
            Marker {
                sender: s as u32,
                k: 0,
                send_us: start_us,
            },
        ));
        *k = 1;
    }
    let (mut in_window, mut received) = (0u64, 0u64);
    let mut round_trips = Vec::with_capacity(1 << 16);
    // Bounded by end_us.
    while fleet.now_us() < end_us {
        fleet.turn(TICK)?;
        let mut batch = std::mem::take(&mut fleet.deliveries);
        for d in batch.drain(..) {
            received += 1;
            in_window += u64::from(d.recv_us < end_us);
            let s = d.marker.sender as usize;
            // The sender's own copy is back: its next message goes now, while the window lasts.
            if d.client == s && s < SENDERS && d.recv_us < end_us {
                round_trips.push(d.recv_us.saturating_sub(d.marker.send_us));
                let m = Marker {
                    sender: s as u32,
                    k: count[s],
                    send_us: fleet.now_us(),
                };
                sent += u64::from(fleet.send(s, m));
                count[s] += 1;
            }
        }
        fleet.deliveries = batch;
    }
    let expected = sent * receivers;
    let drain_end = Instant::now() + DRAIN;
    while received < expected && Instant::now() < drain_end {
        fleet.turn(TICK)?;
        received += fleet.deliveries.len() as u64;
        fleet.deliveries.clear();
    }
    let cpu = meter.stop(ctx.tck)?;
    if !stage.server.alive() {
        return Err(stage.server.failure("exited during the run"));
    }
    let mut fig = Figures::default();
    fig.put("delivered_per_s", in_window as f64 / secs);
    fig.put("never_delivered", expected.saturating_sub(received) as f64);
    fig.put("sent", sent as f64);
    round_trips.sort_unstable();
    let median_rt = round_trips
        .get(round_trips.len() / 2)
        .map_or(f64::NAN, |&v| v as f64 / 1e3);
    fig.put("sender_round_trip_ms", median_rt);
    fig.put(
        "server_cpu_us_per_msg",
        cpu.server_us / received.max(1) as f64,
    );
    fig.put("server_cpu_pct", cpu.server_pct);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put(
        "gen_frames_per_read",
        received as f64 / (fleet.counts.reads - reads0).max(1) as f64,
    );
    fig.put("other_cpu_pct", cpu.other_pct);
    common::note_generator(&mut fig, &cpu);
    common::note_trouble(&mut fig, &stage.fleet);
    note_store(&mut fig, &mut stage.server, sent, secs)?;
    Ok(fig)
}

/// Stops the server and reads the store's tally: its group commits a second over the window,
/// messages per commit, and whether every message sent was stored (`stored_all` 1).
fn note_store(fig: &mut Figures, server: &mut Server, sent: u64, secs: f64) -> Result<(), String> {
    server.stop_gracefully()?;
    let lines = server.stderr_lines();
    let Some(tally) = lines.iter().find_map(|l| parse_tally(l)) else {
        return Err(server.failure("printed no store tally when stopped"));
    };
    let (commits, messages) = tally;
    fig.put("commits_per_s", commits as f64 / secs);
    fig.put("msgs_per_commit", messages as f64 / commits.max(1) as f64);
    fig.put("stored_all", f64::from(u8::from(messages == sent)));
    Ok(())
}

/// `… store: 123 group commits, 4567 messages appended (…)` → (123, 4567).
pub fn parse_tally(line: &str) -> Option<(u64, u64)> {
    let rest = line.split("store: ").nth(1)?;
    let mut words = rest.split_whitespace();
    let commits = words.next()?.parse().ok()?;
    let messages = words.nth(2)?.parse().ok()?;
    Some((commits, messages))
}
