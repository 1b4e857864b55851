//! The `stuck` scenario's extra clients: they complete the handshake and then never read.
//!
//! Each has a small receive buffer (set before connecting, so the TCP window stays small), so
//! the server's writes to it back up quickly. The generator never reads them during the run, so
//! it cannot see a Close or FIN arrive; `watch.rs` sees the server let go of them instead. After
//! the run each one is read out to the end to see the Close code it was given (1013 is the
//! protocol's "you fell too far behind").

use crate::ws;
use socket2::{Domain, Socket, Type};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// SO_RCVBUF of a stuck client (the kernel doubles it and keeps a floor).
const RCVBUF: usize = 4096;
/// Deadline for connecting and for the upgrade response.
const HANDSHAKE_DEADLINE: Duration = Duration::from_secs(5);
/// How long the final read-out of one stuck client may take.
const READ_OUT: Duration = Duration::from_secs(3);

/// How reading a stuck client out ended, and how many frames it held until then.
pub struct ReadOut {
    /// `Close 1013`, `EOF without Close`, `still open`, or an error.
    pub end: String,
    pub frames: u64,
}

struct One {
    stream: TcpStream,
    port: u16,
}

/// The stuck clients of one run.
pub struct Stuck {
    clients: Vec<One>,
}

impl Stuck {
    /// Connects `n` clients named `s0`, `s1`, ... and completes their handshakes.
    pub fn open(addr: SocketAddr, n: usize) -> Result<Stuck, String> {
        let clients = (0..n)
            .map(|i| open_one(addr, i))
            .collect::<Result<_, _>>()?;
        Ok(Stuck { clients })
    }

    /// The clients' local ports, by which the server's side of each is found.
    pub fn ports(&self) -> Vec<u16> {
        self.clients.iter().map(|c| c.port).collect()
    }

    /// Reads each client out to the end: the Close code it got, or why there was none.
    pub fn read_out(&mut self) -> Vec<ReadOut> {
        self.clients
            .iter_mut()
            .map(|c| read_to_close(&mut c.stream))
            .collect()
    }
}

fn open_one(addr: SocketAddr, i: usize) -> Result<One, String> {
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).map_err(|e| format!("socket: {e}"))?;
    sock.set_recv_buffer_size(RCVBUF)
        .map_err(|e| format!("SO_RCVBUF: {e}"))?;
    sock.connect_timeout(&addr.into(), HANDSHAKE_DEADLINE)
        .map_err(|e| format!("stuck client connect: {e}"))?;
    let mut stream: TcpStream = sock.into();
    let port = stream.local_addr().map_err(|e| e.to_string())?.port();
    stream
        .set_read_timeout(Some(HANDSHAKE_DEADLINE))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(ws::handshake_request(addr.port(), &format!("s{i}"), "").as_bytes())
        .map_err(|e| format!("stuck client handshake: {e}"))?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // One byte at a time so nothing after the head is taken; bounded by parse_response's limit
    // and by the read timeout.
    loop {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return Err("stuck client: server closed during the handshake".into()),
            Err(e) => return Err(format!("stuck client handshake: {e}")),
        }
        match ws::parse_response(&head)? {
            None => {}
            Some((101, _)) => {
                return Ok(One { stream, port });
            }
            Some((status, _)) => return Err(format!("stuck client refused: HTTP {status}")),
        }
    }
}

/// Reads frames until a Close, the end of the stream, or [`READ_OUT`]; says which.
fn read_to_close(stream: &mut TcpStream) -> ReadOut {
    let deadline = Instant::now() + READ_OUT;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let (mut buf, mut chunk, mut frames) = (Vec::new(), vec![0u8; 64 * 1024], 0u64);
    let out = |end: String, frames| ReadOut { end, frames };
    // Bounded by the deadline; each read waits at most 200 ms.
    while Instant::now() < deadline {
        match stream.read(&mut chunk) {
            Ok(0) => return out("EOF without Close".into(), frames),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return out("still open".into(), frames);
            }
            Err(e) => return out(e.to_string(), frames),
        }
        let mut used = 0;
        while let Ok(Some((frame, len))) = ws::parse_frame(&buf[used..]) {
            used += len;
            frames += 1;
            if frame.opcode == ws::OP_CLOSE {
                let code = ws::close_code(frame.payload).unwrap_or(1005);
                return out(format!("Close {code}"), frames);
            }
        }
        buf.drain(..used);
    }
    out("still sending".into(), frames)
}
