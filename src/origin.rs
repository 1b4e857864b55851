//! Which web pages may use this server: open a WebSocket to it, or send to its API.
//!
//! Browsers let any page open a WebSocket to any host, sending the page's origin along; without a
//! check, a site the user visits could chat as them on a server on their machine or LAN
//! (cross-site WebSocket hijacking). A request without `Origin` is not from a browser page (a
//! test, a bot), so it carries no such risk and is allowed.
//!
//! The origins allowed are the `--allow-origin` list and the page's own: `http://NAME:PORT`, with
//! PORT the HTTP port, for every NAME the page is actually served at.
//!
//! - Bound to one address (the default, 127.0.0.1): that address, and `localhost` if it is a
//!   loopback one (what a user types; the same server). Not another loopback address: another
//!   server, another user's perhaps, may listen on `127.0.0.2` or `[::1]` at the same port, and
//!   its pages are not ours.
//! - Bound to every address (`0.0.0.0`, `[::]`): the page may be loaded at any of the machine's
//!   addresses. The browser names the one it used in the request's `Host` too (a page and its
//!   socket share a host, on two ports), so the origin's address must be the `Host`'s; and
//!   `localhost`.
//!
//! Only IP literals and `localhost` count as the page's own: a DNS name could be rebound by an
//! attacker to this machine, so named hosts must be listed with `--allow-origin`. The same rule
//! decides which WebSocket URL the page's CSP names ([`OriginPolicy::page_host`]).

use std::net::{IpAddr, SocketAddr};

/// The origins allowed: the page's own, as served at `page`, and the `--allow-origin` list.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    /// The address the HTTP port is bound to (its port resolved).
    page: SocketAddr,
    extra: Vec<String>,
}

impl OriginPolicy {
    pub fn new(page: SocketAddr, extra: &[String]) -> Self {
        let extra = extra.iter().map(|o| normalized(o)).collect();
        OriginPolicy { page, extra }
    }

    /// Whether a request with this `Origin` (and this `Host`) header may proceed.
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let origin = normalized(origin);
        if self.extra.contains(&origin) {
            return true;
        }
        let Some((name, port)) = origin.strip_prefix("http://").map(host_and_port) else {
            return false;
        };
        port.map_or(Some(80), |p| p.parse().ok()) == Some(self.page.port())
            && self.serves_at(name, host)
    }

    /// Whether the page is served at the host `name` (of an origin), for a request sent to
    /// `host` (see the module doc).
    fn serves_at(&self, name: &str, host: Option<&str>) -> bool {
        let bound = self.page.ip();
        if name == "localhost" {
            return bound.is_loopback() || bound.is_unspecified();
        }
        let Some(ip) = parse_ip(name) else {
            return false;
        };
        match bound.is_unspecified() {
            // `0.0.0.0` takes IPv4 only; `[::]` both families.
            true => {
                let family = ip.is_ipv4() == bound.is_ipv4() || bound.is_ipv6();
                family && host.and_then(|h| parse_ip(host_and_port(h).0)) == Some(ip)
            }
            false => ip == bound,
        }
    }

    /// The host part of `host` (a request's `Host` header) if the page is served there, as an
    /// origin `http://HOST` or `https://HOST` would be allowed: the name the page's WebSocket URL
    /// uses. `None` for anything else, so that a forged `Host` never reaches an answer's headers.
    pub fn page_host<'a>(&self, host: &'a str) -> Option<&'a str> {
        let name = host_and_port(host).0;
        let plain = |b: u8| b.is_ascii_alphanumeric() || b".-:[]".contains(&b);
        let served = ["http", "https"]
            .iter()
            .any(|scheme| self.allows(Some(&format!("{scheme}://{host}")), Some(host)));
        (served && !name.is_empty() && name.bytes().all(plain)).then_some(name)
    }
}

/// An origin as compared: lowercase, without a trailing slash.
fn normalized(origin: &str) -> String {
    origin.trim_end_matches('/').to_ascii_lowercase()
}

/// `127.0.0.1:8081` → (`127.0.0.1`, `8081`); `[::1]:8081` → (`[::1]`, `8081`); `[::1]` → (`[::1]`,
/// none).
fn host_and_port(authority: &str) -> (&str, Option<&str>) {
    match authority.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (authority, None),
    }
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse().ok().filter(IpAddr::is_ipv6),
        None => host.parse().ok().filter(IpAddr::is_ipv4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(bound: &str) -> OriginPolicy {
        let extra = ["https://chat.example.org/".to_string()];
        OriginPolicy::new(bound.parse().unwrap(), &extra)
    }

    #[test]
    fn allows_the_page_itself_and_non_browsers() {
        let p = policy("127.0.0.1:8080");
        assert!(p.allows(None, None));
        assert!(p.allows(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8081")));
        assert!(p.allows(Some("http://localhost:8080"), Some("localhost:8081")));
        assert!(p.allows(Some("https://chat.example.org"), Some("x")));
        let v6 = policy("[::1]:8080");
        assert!(v6.allows(Some("http://[::1]:8080"), Some("[::1]:8081")));
        assert!(v6.allows(Some("http://localhost:8080"), None));
        assert!(policy("127.0.0.1:80").allows(Some("http://127.0.0.1"), None));
    }

    #[test]
    fn refuses_other_servers_on_this_machine() {
        let p = policy("127.0.0.1:8080");
        for other in [
            "http://127.0.0.2:8080",
            "http://[::1]:8080",
            "http://localhost:9999",
            "http://127.0.0.1:9999",
            "http://127.0.0.1",
        ] {
            assert!(!p.allows(Some(other), Some("127.0.0.1:8081")), "{other}");
        }
        assert!(!policy("192.168.1.5:8080").allows(Some("http://localhost:8080"), None));
    }

    #[test]
    fn on_every_address_the_page_is_where_the_request_went() {
        let p = policy("0.0.0.0:8080");
        assert!(p.allows(Some("http://192.168.1.5:8080"), Some("192.168.1.5:8081")));
        assert!(p.allows(Some("http://localhost:8080"), Some("localhost:8081")));
        assert!(!p.allows(Some("http://192.168.1.5:8080"), Some("192.168.1.6:8081")));
        assert!(!p.allows(Some("http://192.168.1.5:8080"), None));
        assert!(
            !p.allows(Some("http://[::1]:8080"), Some("[::1]:8081")),
            "not on IPv6"
        );
        let both = policy("[::]:8080");
        assert!(both.allows(Some("http://[::1]:8080"), Some("[::1]:8081")));
        assert!(both.allows(Some("http://10.0.0.1:8080"), Some("10.0.0.1:8081")));
    }

    #[test]
    fn refuses_foreign_pages() {
        let p = policy("127.0.0.1:8080");
        assert!(!p.allows(Some("null"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("http://evil.example"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("https://127.0.0.1:8080"), Some("127.0.0.1:8081")));
    }

    #[test]
    fn refuses_dns_names_that_could_be_rebound() {
        let p = policy("0.0.0.0:8080");
        assert!(!p.allows(Some("http://evil.example:8080"), Some("evil.example:8081")));
    }

    #[test]
    fn names_the_page_host_only_where_the_page_is_served() {
        let p = policy("127.0.0.1:8080");
        assert_eq!(p.page_host("127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(p.page_host("localhost:8080"), Some("localhost"));
        assert_eq!(p.page_host("chat.example.org"), Some("chat.example.org"));
        for bad in [
            "evil.example:8080",
            "127.0.0.2:8080",
            "127.0.0.1:8080; script-src *",
            "",
        ] {
            assert_eq!(p.page_host(bad), None, "{bad:?}");
        }
        let any = policy("0.0.0.0:8080");
        assert_eq!(any.page_host("10.1.2.3:8080"), Some("10.1.2.3"));
    }
}
