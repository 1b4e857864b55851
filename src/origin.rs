//! Which web pages may open a WebSocket to this server.
//!
//! Browsers let any page open a WebSocket to any host, sending the page's origin along; without a
//! check, a site the user visits could chat as them on a server on their machine or LAN
//! (cross-site WebSocket hijacking). A request without `Origin` is not from a browser page (a
//! test, a bot), so it carries no such risk and is allowed.

use std::net::IpAddr;

/// The origins allowed: the page's own, as served on `http_port`, and the `--allow-origin` list.
#[derive(Debug, Clone)]
pub struct OriginPolicy {
    http_port: u16,
    extra: Vec<String>,
}

impl OriginPolicy {
    pub fn new(http_port: u16, extra: &[String]) -> Self {
        let extra = extra
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .collect();
        OriginPolicy { http_port, extra }
    }

    /// Whether a handshake with this `Origin` (and this `Host`) header may proceed.
    ///
    /// The page's own origin is `http://HOST:HTTP_PORT` where HOST is loopback, or the host the
    /// WebSocket itself was reached at (the page and the socket share a host, on two ports). That
    /// last rule takes only IP literals: a DNS name could be rebound by an attacker to this
    /// machine, so named hosts must be listed with `--allow-origin`.
    pub fn allows(&self, origin: Option<&str>, host: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.extra.contains(&origin) {
            return true;
        }
        let Some(rest) = origin.strip_prefix("http://") else {
            return false;
        };
        let Some((origin_host, port)) = rest.rsplit_once(':') else {
            return false;
        };
        if port.parse::<u16>() != Ok(self.http_port) {
            return false;
        }
        is_loopback(origin_host)
            || host
                .and_then(hostname)
                .is_some_and(|h| h.eq_ignore_ascii_case(origin_host) && parse_ip(h).is_some())
    }
}

/// The host part of a `Host` header: `127.0.0.1:8081` → `127.0.0.1`, `[::1]:8081` → `[::1]`.
fn hostname(host: &str) -> Option<&str> {
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => Some(name),
        _ => Some(host),
    }
}

fn parse_ip(host: &str) -> Option<IpAddr> {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || parse_ip(host).is_some_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OriginPolicy {
        OriginPolicy::new(8080, &["https://chat.example.org/".to_string()])
    }

    #[test]
    fn allows_the_page_itself_and_non_browsers() {
        let p = policy();
        assert!(p.allows(None, None));
        assert!(p.allows(Some("http://127.0.0.1:8080"), Some("127.0.0.1:8081")));
        assert!(p.allows(Some("http://localhost:8080"), Some("localhost:8081")));
        assert!(p.allows(Some("http://[::1]:8080"), Some("[::1]:8081")));
        assert!(p.allows(Some("http://192.168.1.5:8080"), Some("192.168.1.5:8081")));
        assert!(p.allows(Some("https://chat.example.org"), Some("x")));
    }

    #[test]
    fn refuses_foreign_pages() {
        let p = policy();
        assert!(!p.allows(Some("null"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("http://evil.example"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("http://127.0.0.1:9999"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("https://127.0.0.1:8080"), Some("127.0.0.1:8081")));
        assert!(!p.allows(Some("http://192.168.1.5:8080"), Some("192.168.1.6:8081")));
    }

    #[test]
    fn refuses_dns_names_that_could_be_rebound() {
        assert!(!policy().allows(Some("http://evil.example:8080"), Some("evil.example:8081")));
    }
}
