//! Scenario `connections`: 10,000 concurrent connections, then one broadcast to all of them.
//!
//! Every client must be welcomed (no refusal, no reset, no timeout), stay connected through the
//! join storm (each arrival is announced to everyone already there: N(N-1)/2 `joined` frames),
//! and then receive one message sent by the first client. Reported: errors, the time to connect
//! everyone, the time for the join storm to end, and the time from the send until the last
//! client had the message.

use crate::common::{self, CpuMeter, Ctx, Figures, TICK};
use crate::marker::Marker;
use crate::procfs::{self, Proc};
use std::time::{Duration, Instant};

/// How long the broadcast may take to reach everyone.
const BROADCAST_DEADLINE: Duration = Duration::from_secs(30);

/// Opens `n` connections on a fresh server and broadcasts one message to them.
pub fn run(ctx: &Ctx, n: usize) -> Result<Figures, String> {
    let began = Instant::now();
    let gen0 = procfs::cpu_ticks(Proc::Myself)?;
    let busy0 = procfs::machine_busy_ticks()?;
    let mut stage = common::stage(ctx, n, &[])?;
    let fleet = &mut stage.fleet;
    let open = fleet.open();
    let meter = CpuMeter::start(stage.server.pid)?;
    let send_us = fleet.now_us();
    let sent = fleet.send(
        0,
        Marker {
            sender: 0,
            k: 0,
            send_us,
        },
    );
    let mut got = vec![false; n];
    let mut reached = 0u64;
    let (mut last_us, deadline) = (send_us, Instant::now() + BROADCAST_DEADLINE);
    // Bounded by the deadline.
    while sent && reached < open && Instant::now() < deadline {
        fleet.turn(TICK)?;
        for d in fleet.deliveries.drain(..) {
            if let Some(g) = got.get_mut(d.client).filter(|g| !**g) {
                *g = true;
                reached += 1;
                last_us = d.recv_us;
            }
        }
    }
    let cpu = meter.stop(ctx.tck)?;
    if !stage.server.alive() {
        return Err(stage.server.failure("exited during the run"));
    }
    let c = &fleet.counts;
    let mut fig = Figures::default();
    fig.put("connected", c.welcomed as f64);
    // Every connection that did not end up with the broadcast: refused, lost, or just not reached.
    fig.put("errors", (n as u64 - reached) as f64);
    fig.put("received_broadcast", reached as f64);
    fig.put("connect_s", stage.connect_s);
    fig.put("join_storm_s", stage.settle_s);
    fig.put("broadcast_ms", (last_us - send_us) as f64 / 1e3);
    let total_s = began.elapsed().as_secs_f64();
    let gen_ticks = procfs::cpu_ticks(Proc::Myself)?.saturating_sub(gen0);
    let server_ticks = procfs::cpu_ticks(Proc::Pid(stage.server.pid))?;
    let busy = procfs::machine_busy_ticks()?.saturating_sub(busy0);
    let other_ticks = busy.saturating_sub(gen_ticks + server_ticks);
    let (gen_s, server_s) = (
        gen_ticks as f64 / ctx.tck as f64,
        server_ticks as f64 / ctx.tck as f64,
    );
    fig.put("total_s", total_s);
    fig.put("server_cpu_s", server_s);
    fig.put("server_cpu_ms_broadcast", cpu.server_us / 1e3);
    fig.put("gen_cpu_pct", 100.0 * gen_s / total_s);
    fig.put(
        "other_cpu_pct",
        100.0 * other_ticks as f64 / ctx.tck as f64 / total_s,
    );
    fig.put("joined_frames", c.joined as f64);
    fig.put("received_mib", c.bytes as f64 / (1 << 20) as f64);
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}
