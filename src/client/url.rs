//! The server's page address as a user types it (`http://127.0.0.1:8080/`, or just
//! `127.0.0.1:8080`), and a guest's name made safe for a query string.
//!
//! The client reaches the HTTP port first (the JSON API, docs/PROTOCOL.md §2); the WebSocket is on
//! the same host at the port `/api/info` names (§1), so only the host and the port matter here.

/// The port of a page address that names none, as for any `http://` URL.
const HTTP_PORT: u16 = 80;

/// Where the page is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// As it goes before `:PORT`: a name, an IPv4 address, or an IPv6 one in brackets (`[::1]`).
    pub host: String,
    pub port: u16,
}

impl Page {
    /// `HOST:PORT`: what to connect to, and the `Host` header.
    pub fn authority(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Reads `http://HOST[:PORT][/...]` or `HOST[:PORT]`; any path after the host is ignored.
pub fn parse(text: &str) -> Result<Page, String> {
    let rest = match text.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => {
            return Err(format!(
                "{scheme}:// is not served: give the page's http:// address"
            ));
        }
        None => text,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = split_port(authority).ok_or_else(|| format!("no host in {text:?}"))?;
    let port = match port {
        None => HTTP_PORT,
        Some(port) => port
            .parse()
            .map_err(|_| format!("{port:?} is not a port number"))?,
    };
    Ok(Page {
        host: host.to_owned(),
        port,
    })
}

/// `host:port` into the host and the port, if there is one; `None` without a host. An IPv6 host
/// keeps its brackets, which is how it is written before a port.
fn split_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, after) = if authority.starts_with('[') {
        let end = authority.find(']')? + 1;
        authority.split_at(end)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => return (!host.is_empty()).then_some((host, Some(port))),
            None => (authority, ""),
        }
    };
    let port = match after.strip_prefix(':') {
        Some(port) => Some(port),
        None if after.is_empty() => None,
        None => return None,
    };
    (!host.is_empty()).then_some((host, port))
}

/// `text` percent-encoded for a query string: everything but RFC 3986's unreserved characters.
/// A guest may type any name; the server decodes it, then checks it against the rules (§3).
pub fn query_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(host: &str, port: u16) -> Page {
        let host = host.to_owned();
        Page { host, port }
    }

    #[test]
    fn reads_the_printed_url_and_shorter_forms() {
        assert_eq!(parse("http://127.0.0.1:8080/"), Ok(page("127.0.0.1", 8080)));
        assert_eq!(parse("HTTP://localhost:9/x?y"), Ok(page("localhost", 9)));
        assert_eq!(parse("127.0.0.1:8080"), Ok(page("127.0.0.1", 8080)));
        assert_eq!(parse("http://chat.example"), Ok(page("chat.example", 80)));
        assert_eq!(parse("http://[::1]:8080/"), Ok(page("[::1]", 8080)));
        assert_eq!(parse("[::1]"), Ok(page("[::1]", 80)));
        assert_eq!(page("[::1]", 8080).authority(), "[::1]:8080");
    }

    #[test]
    fn refuses_what_is_not_a_page_address() {
        assert!(parse("https://127.0.0.1:8080/").is_err(), "no TLS");
        assert!(
            parse("ws://127.0.0.1:8081/").is_err(),
            "the page, not the socket"
        );
        assert!(parse("http://:8080/").is_err());
        assert!(parse("http://host:port/").is_err());
        assert!(parse("http://[::1]x/").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn encodes_all_but_unreserved_characters() {
        assert_eq!(query_value("alice_1-b"), "alice_1-b");
        assert_eq!(query_value("a b&c=d"), "a%20b%26c%3Dd");
        assert_eq!(query_value("é"), "%C3%A9");
    }
}
