//! What every scenario run shares: a fresh server with its clients connected and the join storm
//! over (the "stage"), a CPU meter for the server and the generator, and the figures a run
//! returns.
//!
//! Every joining client is announced to everyone already there, so N clients cost the server
//! N(N-1)/2 `joined` frames before a scenario can start measuring. The stage waits for exactly
//! that many (or for the server to go quiet, in case it announces fewer), within a deadline.

use crate::fleet::Fleet;
use crate::procfs::{self, Proc};
use crate::server::{Launch, Server};
use std::time::{Duration, Instant};

/// Settings shared by all runs.
pub struct Ctx {
    pub launch: Launch,
    /// Clock ticks per second, for /proc CPU times.
    pub tck: u64,
    pub quick: bool,
}

/// One run's figures, by name, in the order they are printed.
#[derive(Default)]
pub struct Figures {
    pub values: Vec<(&'static str, f64)>,
    /// Errors and remarks worth printing (connection failures, close codes, ...).
    pub notes: Vec<String>,
}

/// Other work on the machine above this share of one core (in %) makes a run "disturbed".
pub const DISTURBED_PCT: f64 = 25.0;

impl Figures {
    pub fn put(&mut self, name: &'static str, value: f64) {
        self.values.push((name, value));
    }

    /// How much of a core other work took during the run, if over [`DISTURBED_PCT`].
    pub fn disturbed(&self) -> Option<f64> {
        let (_, pct) = self.values.iter().find(|(n, _)| *n == "other_cpu_pct")?;
        (*pct > DISTURBED_PCT).then_some(*pct)
    }
}

/// How long a run may spend connecting, and then waiting for the join storm to end.
const CONNECT_DEADLINE: Duration = Duration::from_secs(120);
const SETTLE_DEADLINE: Duration = Duration::from_secs(120);
/// Silence that counts as "the server has nothing more to announce".
const QUIET: Duration = Duration::from_secs(1);
/// Longest single wait in the loop: the loop stays responsive to deadlines.
pub const TICK: Duration = Duration::from_millis(5);

/// A server with its clients welcomed and every `joined` frame delivered.
pub struct Stage {
    pub server: Server,
    pub fleet: Fleet,
    pub connect_s: f64,
    pub settle_s: f64,
}

/// Starts a server with `extra` flags and connects `n` clients to it.
pub fn stage(ctx: &Ctx, n: usize, extra: &[&str]) -> Result<Stage, String> {
    connect(Server::start(&ctx.launch, extra)?, n)
}

/// Connects `n` clients to a running `server`.
pub fn connect(mut server: Server, n: usize) -> Result<Stage, String> {
    let mut fleet = Fleet::new(server.ws, "u", n, Instant::now())?;
    let began = Instant::now();
    let deadline = began + CONNECT_DEADLINE;
    // Bounded by the deadline; each turn waits at most TICK.
    while !fleet.all_settled() && Instant::now() < deadline {
        fleet.turn(TICK)?;
        fleet.deliveries.clear();
    }
    fleet.abandon_handshakes();
    let connect_s = began.elapsed().as_secs_f64();
    let settle_s = settle(&mut fleet, n as u64 * (n as u64 - 1) / 2, SETTLE_DEADLINE)?;
    if !server.alive() {
        return Err(server.failure("exited while clients connected"));
    }
    Ok(Stage {
        server,
        fleet,
        connect_s,
        settle_s,
    })
}

/// Reads until `expected_joined` frames came, or nothing came for [`QUIET`], or `limit` passed.
pub fn settle(fleet: &mut Fleet, expected_joined: u64, limit: Duration) -> Result<f64, String> {
    let began = Instant::now();
    let quiet_us = QUIET.as_micros() as u64;
    // Bounded by `limit`; each turn waits at most TICK.
    while began.elapsed() < limit
        && fleet.counts.joined < expected_joined
        && fleet.now_us().saturating_sub(fleet.last_rx_us) < quiet_us
    {
        fleet.turn(TICK)?;
        fleet.deliveries.clear();
    }
    Ok(began.elapsed().as_secs_f64())
}

/// Keeps every client served (reads, pongs) for `d`, dropping any deliveries.
pub fn hold(fleet: &mut Fleet, d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    // Bounded by `end`.
    while Instant::now() < end {
        fleet.turn(TICK.min(end.saturating_duration_since(Instant::now())))?;
        fleet.deliveries.clear();
    }
    Ok(())
}

/// CPU used by the server and by the generator over a stretch of wall time.
pub struct CpuMeter {
    server_pid: u32,
    server0: u64,
    gen0: u64,
    busy0: u64,
    began: Instant,
}

/// CPU figures of a finished stretch.
pub struct CpuUse {
    pub server_ticks: u64,
    pub server_us: f64,
    /// The server's CPU as a percentage of one core: at 100 it is the bottleneck.
    pub server_pct: f64,
    /// The generator's CPU as a percentage of one core over the stretch.
    pub gen_pct: f64,
    /// Everything else the machine ran (other people's work, and kernel time charged to no
    /// process), as a percentage of one core: a disturbed run shows here.
    pub other_pct: f64,
}

impl CpuMeter {
    pub fn start(server_pid: u32) -> Result<CpuMeter, String> {
        Ok(CpuMeter {
            server_pid,
            server0: procfs::cpu_ticks(Proc::Pid(server_pid))?,
            gen0: procfs::cpu_ticks(Proc::Myself)?,
            busy0: procfs::machine_busy_ticks()?,
            began: Instant::now(),
        })
    }

    pub fn stop(&self, tck: u64) -> Result<CpuUse, String> {
        let server_ticks =
            procfs::cpu_ticks(Proc::Pid(self.server_pid))?.saturating_sub(self.server0);
        let gen_ticks = procfs::cpu_ticks(Proc::Myself)?.saturating_sub(self.gen0);
        let busy = procfs::machine_busy_ticks()?.saturating_sub(self.busy0);
        let other_ticks = busy.saturating_sub(server_ticks + gen_ticks);
        let secs = self.began.elapsed().as_secs_f64();
        let tick_us = 1e6 / tck as f64;
        let pct = |ticks: u64| 100.0 * ticks as f64 * tick_us / (secs * 1e6);
        Ok(CpuUse {
            server_ticks,
            server_us: server_ticks as f64 * tick_us,
            server_pct: pct(server_ticks),
            gen_pct: pct(gen_ticks),
            other_pct: pct(other_ticks),
        })
    }
}

/// The generator's own CPU (% of its core) above which its figures may show its limit, not the
/// server's.
const GEN_BUSY_PCT: f64 = 90.0;

/// Notes when the generator was busy enough to be a suspect for the bottleneck itself.
pub fn note_generator(fig: &mut Figures, cpu: &CpuUse) {
    if cpu.gen_pct > GEN_BUSY_PCT {
        fig.notes.push(format!(
            "the load generator used {:.0}% of its core (server: {:.0}%): near its own limit",
            cpu.gen_pct, cpu.server_pct
        ));
    }
}

/// Adds the fleet's connection trouble to `fig`: failures, drops, close codes, first errors.
pub fn note_trouble(fig: &mut Figures, fleet: &Fleet) {
    let c = &fleet.counts;
    fig.put("failed", c.failed as f64);
    fig.put("dropped", c.dropped as f64);
    if c.error_frames > 0 {
        fig.notes
            .push(format!("{} error frames from the server", c.error_frames));
    }
    if !c.close_codes.is_empty() {
        fig.notes.push(format!(
            "server Close codes (code: count): {:?}",
            c.close_codes
        ));
    }
    fig.notes.extend(fleet.errors.iter().cloned());
}
