//! Clients from another loopback address than 127.0.0.1, to show that all of 127.0.0.0/8 counts
//! as one client address. std's `TcpStream` cannot bind before it connects; socket2 can.

use std::net::{IpAddr, SocketAddr, TcpStream};

use serde_json::Value;
use socket2::{Domain, Socket, Type};

use super::{DEADLINE, Reply, exchange};

/// A TCP connection to `to` from the address `from` (any port).
pub fn connect_from(from: IpAddr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(to), Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(from, 0).into())?;
    socket.connect_timeout(&to.into(), DEADLINE)?;
    Ok(socket.into())
}

/// A request to the JSON API at `addr`, sent from the address `from`.
pub fn api_from(
    from: IpAddr,
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let stream = connect_from(from, addr).expect("a connection from another loopback address");
    exchange(stream, addr, method, path, body, &[]).expect("an answer from the server")
}
