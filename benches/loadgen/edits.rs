//! Scenario `edits`: what an edit and a deletion cost next to a message, on disk, with a room of
//! listeners. One author (a blocking WebSocket client of its own) sends a message, edits it and
//! deletes it, `n` times, each step waiting for its acknowledgement; the fleet of `clients`
//! listeners in `general` receives every event and is drained between steps. A deletion is
//! followed by the store's scrub (a compaction of the file), which its latency includes.

use crate::common::{self, CpuMeter, Ctx, Figures, TICK};
use crate::stats;
use serde_json::{Value, json};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

/// How long the whole scenario, and one acknowledgement, may take at most.
const DEADLINE: Duration = Duration::from_secs(300);
const ACK_DEADLINE: Duration = Duration::from_secs(10);

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// Scenario `edits`: `n` rounds of send, edit, delete, with `clients` listening.
pub fn run(ctx: &Ctx, clients: usize, n: usize) -> Result<Figures, String> {
    let mut stage = common::stage(ctx, clients, &[])?;
    let url = format!("ws://{}/?name=author", stage.server.ws);
    let (mut author, _) = tungstenite::connect(url).map_err(|e| format!("author: {e}"))?;
    if let MaybeTlsStream::Plain(tcp) = author.get_ref() {
        tcp.set_read_timeout(Some(ACK_DEADLINE))
            .map_err(|e| format!("author: {e}"))?;
    }
    let meter = CpuMeter::start(stage.server.pid)?;
    let (mut sends, mut edits, mut deletes) = (Vec::new(), Vec::new(), Vec::new());
    let began = Instant::now();
    // Bounded by `n` rounds and the deadline.
    for i in 0..n {
        if began.elapsed() > DEADLINE {
            return Err(format!("only {i} of {n} rounds in {DEADLINE:?}"));
        }
        let send = json!({"type": "send", "text": format!("round {i}"), "id": format!("m{i}")});
        let (us, ack) = ask(&mut author, send)?;
        sends.push(us);
        let seq = ack["seq"].as_u64().ok_or("a message without a seq")?;
        let edit = json!({"type": "edit", "seq": seq, "text": format!("round {i}, fixed"), "id": format!("e{i}")});
        edits.push(ask(&mut author, edit)?.0);
        let delete = json!({"type": "delete", "seq": seq, "id": format!("d{i}")});
        deletes.push(ask(&mut author, delete)?.0);
        stage.fleet.turn(TICK)?;
        stage.fleet.deliveries.clear();
    }
    let cpu = meter.stop(ctx.tck)?;
    let mut f = Figures::default();
    f.put("rounds", n as f64);
    for (name50, name99, mut us) in [
        ("send_p50_us", "send_p99_us", sends),
        ("edit_p50_us", "edit_p99_us", edits),
        ("delete_p50_us", "delete_p99_us", deletes),
    ] {
        us.sort_unstable();
        f.put(name50, stats::percentile(&us, 50.0).unwrap_or(0) as f64);
        f.put(name99, stats::percentile(&us, 99.0).unwrap_or(0) as f64);
    }
    // Per round: a message, an edit and a deletion with its scrub, each to every listener.
    f.put("server_cpu_us_per_round", cpu.server_us / n.max(1) as f64);
    f.put("server_cpu_pct", cpu.server_pct);
    f.put("gen_cpu_pct", cpu.gen_pct);
    f.put("other_cpu_pct", cpu.other_pct);
    Ok(f)
}

/// Sends `frame` and waits for the answer naming its id: microseconds taken, and the answer.
fn ask(socket: &mut Socket, frame: Value) -> Result<(u32, Value), String> {
    let id = frame["id"].clone();
    let sent = Instant::now();
    socket
        .send(Message::text(frame.to_string()))
        .map_err(|e| format!("author: {e}"))?;
    // Bounded by the socket's read timeout per frame and ACK_DEADLINE in all.
    while sent.elapsed() < ACK_DEADLINE {
        let Message::Text(text) = socket.read().map_err(|e| format!("author: {e}"))? else {
            continue;
        };
        let answer: Value = serde_json::from_str(&text).map_err(|e| format!("author: {e}"))?;
        if answer["id"] == id {
            if answer["type"] == "error" {
                return Err(format!("refused: {answer}"));
            }
            let us = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
            return Ok((us, answer));
        }
    }
    Err(format!("no answer to {id} within {ACK_DEADLINE:?}"))
}
