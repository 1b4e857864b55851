//! Scenarios `rooms` and `joinstorm`: many small rooms instead of one big one.
//!
//! `rooms`: the clients are split into rooms of [`ROOM_SIZE`] (client `i` in room `i / 20`); the
//! first member of each room is its sender, and together the senders send `rate` messages a
//! second, spread evenly. A message should reach its room's members and nobody else: a marker
//! whose sender is not the receiver's room counts as misdelivered. Latency as in `fanout`.
//!
//! `joinstorm`: every client joins a room at once, into one room or into rooms of twenty; the
//! time until every membership has been announced to every member it concerns, and the server's
//! CPU for it. Announcing a join costs one frame per member already there, so a storm into one
//! room of N costs N²/2 frames, into rooms of twenty a few each.

use crate::common::{self, CpuMeter, Ctx, Figures, TICK};
use crate::fleet::Fleet;
use crate::marker::{self, Marker};
use crate::stats;
use std::time::{Duration, Instant};

/// Members per room.
pub const ROOM_SIZE: usize = 20;
/// How long to wait for the last deliveries after the last send.
const DRAIN: Duration = Duration::from_secs(5);
/// How long the rooms may take to be created and joined.
const SETUP_DEADLINE: Duration = Duration::from_secs(60);

fn room_name(room: usize) -> String {
    format!("r{room}")
}

/// Creates the rooms (`rooms` of them, their first member creating each), then has every other
/// client join its room `i * rooms / clients`; waits until every `joined` has been announced.
/// Returns the seconds the joins took.
fn fill_rooms(fleet: &mut Fleet, clients: usize, rooms: usize) -> Result<f64, String> {
    let size = clients / rooms;
    for r in 0..rooms {
        fleet.send_json(
            r * size,
            &format!(r#"{{"type":"create","room":"{}"}}"#, room_name(r)),
        );
    }
    wait_for_members(fleet, rooms as u64)?;
    let before = fleet.counts.members;
    let began = Instant::now();
    for i in (0..clients).filter(|i| i % size != 0) {
        let json = format!(r#"{{"type":"join","room":"{}"}}"#, room_name(i / size));
        fleet.send_json(i, &json);
    }
    // Joiner k of a room (1-based after the creator) is announced to the k+1 members there.
    let per_room: u64 = (2..=size as u64).sum();
    wait_for_members(fleet, before + per_room * rooms as u64)?;
    Ok(began.elapsed().as_secs_f64())
}

/// Serves the fleet until `total` `joined` frames have come, within the deadline.
fn wait_for_members(fleet: &mut Fleet, total: u64) -> Result<(), String> {
    let deadline = Instant::now() + SETUP_DEADLINE;
    // Bounded by the deadline; each turn waits at most TICK.
    while fleet.counts.members < total {
        if Instant::now() > deadline {
            return Err(format!(
                "only {} of {total} room memberships announced in {SETUP_DEADLINE:?}",
                fleet.counts.members
            ));
        }
        fleet.turn(TICK)?;
        fleet.deliveries.clear();
    }
    Ok(())
}

/// Scenario `rooms`: `clients` in rooms of twenty, `rate` messages a second in all.
pub fn run(ctx: &Ctx, clients: usize, rate: f64, secs: f64) -> Result<Figures, String> {
    let rooms = clients / ROOM_SIZE;
    let mut stage = common::stage(ctx, clients, &[])?;
    let fleet = &mut stage.fleet;
    fill_rooms(fleet, clients, rooms)?;
    let meter = CpuMeter::start(stage.server.pid)?;
    let start_us = fleet.now_us() + 1000;
    let end_us = start_us + (secs * 1e6) as u64;
    let interval_us = (1e6 / rate) as u64;
    let (mut sent, mut next_us) = (0u64, start_us);
    let (mut latencies, mut misdelivered) = (Vec::new(), 0u64);
    // A delivery counts only at a member of the sender's room.
    let take = |fleet: &mut Fleet, latencies: &mut Vec<u32>, misdelivered: &mut u64| {
        for d in fleet.deliveries.drain(..) {
            if d.client / ROOM_SIZE == d.marker.sender as usize {
                latencies.push(d.recv_us.saturating_sub(d.marker.send_us) as u32);
            } else {
                *misdelivered += 1;
            }
        }
    };
    // Bounded by end_us; message j goes from room j's sender in turn.
    while fleet.now_us() < end_us {
        while next_us <= fleet.now_us() && next_us < end_us {
            let room = (sent as usize) % rooms;
            let m = Marker {
                sender: room as u32,
                k: (sent / rooms as u64) as u32,
                send_us: fleet.now_us(),
            };
            fleet.send_json(
                room * ROOM_SIZE,
                &marker::send_to_room_json(m, &room_name(room)),
            );
            sent += 1;
            next_us += interval_us;
        }
        fleet.turn(Duration::from_micros(next_us.saturating_sub(fleet.now_us())).min(TICK))?;
        take(fleet, &mut latencies, &mut misdelivered);
    }
    let expected = sent * ROOM_SIZE as u64;
    let drain_end = Instant::now() + DRAIN;
    while (latencies.len() as u64) < expected && Instant::now() < drain_end {
        fleet.turn(TICK)?;
        take(fleet, &mut latencies, &mut misdelivered);
    }
    let cpu = meter.stop(ctx.tck)?;
    if !stage.server.alive() {
        return Err(stage.server.failure("exited during the run"));
    }
    let received = latencies.len() as u64;
    latencies.sort_unstable();
    let ms = |p: f64| stats::percentile(&latencies, p).map_or(f64::NAN, |v| f64::from(v) / 1e3);
    let mut fig = Figures::default();
    fig.put("p50_ms", ms(50.0));
    fig.put("p99_ms", ms(99.0));
    fig.put("max_ms", ms(100.0));
    fig.put("delivered_per_s", received as f64 / secs);
    fig.put("lost", expected.saturating_sub(received) as f64);
    fig.put("misdelivered", misdelivered as f64);
    fig.put("sent", sent as f64);
    fig.put(
        "server_cpu_us_per_msg",
        cpu.server_us / received.max(1) as f64,
    );
    fig.put("server_cpu_pct", cpu.server_pct);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put("other_cpu_pct", cpu.other_pct);
    common::note_generator(&mut fig, &cpu);
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}

/// Scenario `joinstorm`: every one of `clients` joins a room at once, into `rooms` rooms.
pub fn storm(ctx: &Ctx, clients: usize, rooms: usize) -> Result<Figures, String> {
    let mut stage = common::stage(ctx, clients, &[])?;
    let meter = CpuMeter::start(stage.server.pid)?;
    let secs = fill_rooms(&mut stage.fleet, clients, rooms)?;
    let cpu = meter.stop(ctx.tck)?;
    let mut fig = Figures::default();
    fig.put("join_storm_s", secs);
    fig.put("joined_frames", stage.fleet.counts.members as f64);
    fig.put("server_cpu_s", cpu.server_us / 1e6);
    fig.put("server_cpu_us_per_join", cpu.server_us / clients as f64);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put("other_cpu_pct", cpu.other_pct);
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}
