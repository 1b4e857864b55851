//! What the load generator reads from /proc: a process's CPU ticks, resident memory and thread
//! count, the kernel's memory for thread stacks, and the TCP socket table.
//!
//! Everything here is a plain file read and a text scan; nothing is cached. The socket table is
//! how the `stuck` scenario sees the server close a client that never reads: such a client never
//! gets the FIN (its window is shut), but the server's side of the connection leaves ESTABLISHED
//! or loses its owner (inode 0) the moment the server lets go of it.

use std::collections::HashMap;
use std::fs;
use std::process::Command;

/// Which process to read: the server by pid, or the generator itself.
#[derive(Clone, Copy)]
pub enum Proc {
    Pid(u32),
    Myself,
}

impl Proc {
    fn path(self, file: &str) -> String {
        match self {
            Proc::Pid(pid) => format!("/proc/{pid}/{file}"),
            Proc::Myself => format!("/proc/self/{file}"),
        }
    }
}

/// User plus system CPU time of every thread of the process, in clock ticks.
pub fn cpu_ticks(p: Proc) -> Result<u64, String> {
    let path = p.path("stat");
    let stat = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    // The command name may contain spaces and parentheses: the fields start after the last ')'.
    let after = stat.rfind(')').map(|i| &stat[i + 1..]).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) of proc(5); field 3 (state) is fields[0] here.
    let tick = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    match (tick(11), tick(12)) {
        (Some(u), Some(s)) => Ok(u + s),
        _ => Err(format!("{path}: no utime/stime")),
    }
}

/// CPU time the whole machine spent busy (all cores, everything but idle and I/O wait), in
/// clock ticks: the first line of /proc/stat.
pub fn machine_busy_ticks() -> Result<u64, String> {
    let text = fs::read_to_string("/proc/stat").map_err(|e| format!("/proc/stat: {e}"))?;
    let line = text.lines().next().unwrap_or("");
    let t: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    match t.get(..8) {
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        Some(&[user, nice, system, _idle, _iowait, irq, softirq, steal]) => {
            Ok(user + nice + system + irq + softirq + steal)
        }
        _ => Err(format!("/proc/stat: unexpected first line {line:?}")),
    }
}

/// A `Name:   1234 kB`-style field of /proc/PID/status, or of /proc/meminfo with `None`.
fn status_field(p: Option<Proc>, name: &str) -> Result<u64, String> {
    let path = p.map_or_else(|| "/proc/meminfo".to_string(), |p| p.path("status"));
    let text = fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("{path}: no {name}"))
}

/// Resident memory of the process, in KiB.
pub fn rss_kib(p: Proc) -> Result<u64, String> {
    status_field(Some(p), "VmRSS")
}

/// Number of threads of the process.
pub fn threads(p: Proc) -> Result<u64, String> {
    status_field(Some(p), "Threads")
}

/// Memory the kernel holds for all thread stacks on the machine, in KiB (system-wide, so other
/// work on the machine shows up in it too).
pub fn kernel_stack_kib() -> Result<u64, String> {
    status_field(None, "KernelStack")
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on every Linux the generator will meet).
pub fn clock_ticks_per_s() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}

/// The state of one side of a TCP connection, from /proc/net/tcp.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TcpSide {
    /// The kernel's state number: 1 is ESTABLISHED, 4 FIN_WAIT1, 7 CLOSE, ...
    pub state: u8,
    /// The socket's inode; 0 once no process holds it any more.
    pub inode: u64,
}

/// The server-side sockets on 127.0.0.1:`port`, keyed by the client's port.
pub fn tcp_by_peer(port: u16) -> Result<HashMap<u16, TcpSide>, String> {
    let text = fs::read_to_string("/proc/net/tcp").map_err(|e| format!("/proc/net/tcp: {e}"))?;
    Ok(parse_tcp_table(&text, port))
}

/// Parses /proc/net/tcp, keeping the rows whose local port is `port`.
fn parse_tcp_table(text: &str, port: u16) -> HashMap<u16, TcpSide> {
    let port_of = |addr: &str| u16::from_str_radix(addr.rsplit(':').next()?, 16).ok();
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if port_of(f.get(1)?)? != port {
                return None;
            }
            let state = u8::from_str_radix(f.get(3)?, 16).ok()?;
            let inode = f.get(9)?.parse().ok()?;
            Some((port_of(f.get(2)?)?, TcpSide { state, inode }))
        })
        .collect()
}

#[cfg(test)]
// Cargo also builds the harness-less `loadgen` bench with cfg(test), but without #[test]
// functions: there this module's helpers and imports are unused. `loadgen_units` runs the tests.
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    // Rows of the wanted local port are keyed by peer port; an orphaned socket shows inode 0.
    #[test]
    fn reads_the_tcp_table() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
   0: 0100007F:1F91 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 4242 1 0\n\
   1: 0100007F:1F91 0100007F:A001 04 00010000:00000000 01:00000010 00000000     0        0 0 1 0\n\
   2: 0100007F:A000 0100007F:1F91 01 00000000:00000000 00:00000000 00000000     0        0 99 1 0\n";
        let t = parse_tcp_table(text, 0x1F91);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t[&0xA000],
            TcpSide {
                state: 1,
                inode: 4242
            }
        );
        assert_eq!(t[&0xA001], TcpSide { state: 4, inode: 0 });
    }

    // The generator's own counters read back as numbers.
    #[test]
    fn reads_own_process() {
        assert!(cpu_ticks(Proc::Myself).is_ok());
        assert!(rss_kib(Proc::Myself).unwrap() > 0);
        assert!(threads(Proc::Myself).unwrap() >= 1);
        assert!(machine_busy_ticks().is_ok());
    }
}
