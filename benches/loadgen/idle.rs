//! Scenario `idle`: N connections that say nothing, held open for a while.
//!
//! What an idle connection costs the server: resident memory per connection (VmRSS after the
//! hold minus VmRSS before the first connection, over N), the kernel's memory for thread stacks
//! (KernelStack in /proc/meminfo, system-wide, so other work on the machine adds noise), and the
//! CPU ticks the server used during the hold, when the only traffic is its heartbeat Pings,
//! which the clients answer.

use crate::common::{self, CpuMeter, Ctx, Figures};
use crate::procfs::{self, Proc};
use std::thread;
use std::time::Duration;

/// Holds `n` idle connections for `secs` seconds on a fresh server.
pub fn run(ctx: &Ctx, n: usize, secs: u64) -> Result<Figures, String> {
    let server = crate::server::Server::start(&ctx.launch, &[])?;
    // Let the server finish starting up before taking the baseline.
    thread::sleep(Duration::from_millis(200));
    let pid = server.pid;
    let startup_ms = server.startup.as_secs_f64() * 1e3;
    let rss0 = procfs::rss_kib(Proc::Pid(pid))?;
    let kstack0 = procfs::kernel_stack_kib()?;
    let threads0 = procfs::threads(Proc::Pid(pid))?;
    let mut stage = common::connect(server, n)?;
    let meter = CpuMeter::start(pid)?;
    common::hold(&mut stage.fleet, Duration::from_secs(secs))?;
    let cpu = meter.stop(ctx.tck)?;
    let rss1 = procfs::rss_kib(Proc::Pid(pid))?;
    let kstack1 = procfs::kernel_stack_kib()?;
    let threads1 = procfs::threads(Proc::Pid(pid))?;
    if !stage.server.alive() {
        return Err(stage.server.failure("exited during the hold"));
    }
    let open = stage.fleet.open();
    drop(stage.server);
    let mut fig = Figures::default();
    fig.put("open", open as f64);
    fig.put("startup_ms", startup_ms);
    fig.put("rss_kib_at_start", rss0 as f64);
    fig.put("rss_kib_per_conn", (rss1 as f64 - rss0 as f64) / n as f64);
    fig.put(
        "kstack_kib_per_conn",
        (kstack1 as f64 - kstack0 as f64) / n as f64,
    );
    fig.put("rss_mib_total", rss1 as f64 / 1024.0);
    fig.put("server_threads", threads1 as f64);
    fig.put("threads_at_start", threads0 as f64);
    fig.put("idle_cpu_ticks", cpu.server_ticks as f64);
    fig.put("pings_answered", stage.fleet.counts.pings as f64);
    fig.put("connect_s", stage.connect_s);
    fig.put("settle_s", stage.settle_s);
    fig.put("gen_cpu_pct", cpu.gen_pct);
    fig.put("other_cpu_pct", cpu.other_pct);
    common::note_trouble(&mut fig, &stage.fleet);
    Ok(fig)
}
