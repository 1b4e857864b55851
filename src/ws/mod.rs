//! The WebSocket side: accepting connections, their handshakes, and one reader thread each.

pub mod accept;
pub mod frame;
pub mod handshake;
pub mod places;
pub mod reader;
pub mod stream;
