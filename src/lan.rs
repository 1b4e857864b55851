//! The page's addresses on the local network. A server bound to every interface (`0.0.0.0`, or
//! `[::]`) prints `page: http://0.0.0.0:8080/`, which is where it listens but not an address any
//! other machine can open. For such a server, `main` also prints one `network:` line per address
//! of this machine that a student's browser can reach: its IPv4 addresses, leaving out loopback
//! (this machine only) and link-local 169.254.x.x (a cable with no network behind it). IPv4 only,
//! because those are the addresses people can read off a board and type.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The URLs of the page at `bound` that other machines can open: none unless `bound` is every
/// interface; then one per address of this machine (an empty list if it has none, or if the
/// operating system would not say).
pub fn network_urls(bound: SocketAddr) -> Vec<String> {
    if !bound.ip().is_unspecified() {
        return Vec::new();
    }
    let addresses = if_addrs::get_if_addrs()
        .map(|interfaces| interfaces.into_iter().map(|i| i.ip()).collect())
        .unwrap_or_default();
    urls(reachable(addresses), bound.port())
}

/// `http://IP:PORT/` for each address.
fn urls(addresses: Vec<Ipv4Addr>, port: u16) -> Vec<String> {
    let at = |ip| SocketAddr::new(IpAddr::V4(ip), port);
    addresses
        .into_iter()
        .map(|ip| format!("http://{}/", at(ip)))
        .collect()
}

/// The addresses among `all` that another machine on the network could use, sorted, once each.
fn reachable(all: Vec<IpAddr>) -> Vec<Ipv4Addr> {
    let mut found: Vec<Ipv4Addr> = all
        .into_iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(v4) if !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified() => {
                Some(v4)
            }
            _ => None,
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_addresses_another_machine_can_reach() {
        let all = [
            "127.0.0.1",
            "192.168.1.20",
            "::1",
            "fe80::1",
            "169.254.3.4",
            "10.0.0.7",
            "192.168.1.20",
            "2001:db8::5",
        ];
        let all = all
            .iter()
            .map(|a| a.parse().expect("a test address"))
            .collect();
        let expected: Vec<Ipv4Addr> = vec![[10, 0, 0, 7].into(), [192, 168, 1, 20].into()];
        assert_eq!(reachable(all), expected);
    }

    #[test]
    fn a_server_bound_to_one_address_needs_no_other() {
        assert!(network_urls("127.0.0.1:8080".parse().expect("an address")).is_empty());
        assert!(network_urls("192.168.1.20:8080".parse().expect("an address")).is_empty());
    }

    #[test]
    fn each_address_with_the_bound_port() {
        let addresses = vec![[10, 0, 0, 7].into(), [192, 168, 1, 20].into()];
        let expected = ["http://10.0.0.7:8123/", "http://192.168.1.20:8123/"];
        assert_eq!(urls(addresses, 8123), expected);
    }
}
