//! Who counts as one client address, for every per-address limit (sign-in rates, connection caps).
//!
//! Counting by the raw `IpAddr` is too generous in two ways. Every address in 127.0.0.0/8 reaches
//! a server on this machine, so a local script could take a fresh one per attempt; and an IPv6
//! host is usually given a whole /64, so it can pick a new address per request as easily. So a
//! limit counts by [`ClientKey`]: all of loopback is one key, an IPv6 address counts by its /64,
//! and an IPv4 address written as IPv6 (`::ffff:a.b.c.d`) counts as the IPv4 address it is.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The part of a client's address that a per-address limit counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClientKey {
    /// Any loopback address, IPv4 or IPv6: this machine itself.
    Loopback,
    /// One IPv4 address.
    V4(Ipv4Addr),
    /// The first 64 bits of an IPv6 address: one site's subnet.
    V6Net(u64),
}

impl ClientKey {
    /// The key a connection from `address` counts under.
    pub fn of(address: IpAddr) -> ClientKey {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match address {
            _ if address.is_loopback() => ClientKey::Loopback,
            IpAddr::V4(v4) => ClientKey::V4(v4),
            IpAddr::V6(v6) => ClientKey::V6Net(network_64(v6)),
        }
    }
}

/// The upper 64 bits of `address`: its /64 prefix.
fn network_64(address: Ipv6Addr) -> u64 {
    (address.to_bits() >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ClientKey {
        ClientKey::of(text.parse().expect("a test address"))
    }

    #[test]
    fn all_of_loopback_is_one_address() {
        assert_eq!(key("127.0.0.1"), key("127.4.5.6"));
        assert_eq!(key("127.0.0.1"), key("::1"));
        assert_eq!(key("::ffff:127.0.0.9"), ClientKey::Loopback);
    }

    #[test]
    fn ipv6_counts_per_64() {
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn ipv4_counts_per_address_written_either_way() {
        assert_eq!(key("10.0.0.1"), key("::ffff:10.0.0.1"));
        assert_ne!(key("10.0.0.1"), key("10.0.0.2"));
    }
}
