//! Only the origins the server serves may use it (issue 14, attack 11): on 127.0.0.1, the page's
//! own origin is `http://127.0.0.1:PORT` or `http://localhost:PORT`, not any loopback address
//! (another server may listen on `127.0.0.2` or `[::1]`); and the page's CSP lets it open a
//! WebSocket only to the server's own WebSocket URL, not to any host.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{Client, DEADLINE, Reply, api, open, start, start_accounts};
use serde_json::json;
use threadchat::Server;

/// Origins of pages this server did not serve, though on this machine: other loopback
/// addresses on the page's port, and the page's host on other ports.
fn other_servers(server: &Server) -> Vec<String> {
    let port = server.http_addr().port();
    let ws = server.ws_addr().port();
    vec![
        format!("http://127.0.0.2:{port}"),
        format!("http://[::1]:{port}"),
        format!("http://localhost:{ws}"),
        format!("http://127.0.0.1:{ws}"),
        format!("https://127.0.0.1:{port}"),
    ]
}

/// The origins a user's browser sends for the page itself.
fn own_origins(server: &Server) -> [String; 2] {
    let port = server.http_addr().port();
    [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ]
}

// A WebSocket handshake from a page of another server on this machine is refused with 403 (before:
// any loopback origin on the page's port was let in); the page's own origins, under its address
// and as localhost, are let in and chat.
#[test]
fn websockets_only_from_the_pages_own_origins() {
    let server = start(|_| {});
    for origin in other_servers(&server) {
        match open(&server, "/?name=x", &[("Origin", &origin)]) {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{origin}")
            }
            _ => panic!("{origin} was let in"),
        }
    }
    let [address, localhost] = own_origins(&server);
    let mut alice = open(&server, "/?name=alice", &[("Origin", &address)]).unwrap();
    assert_eq!(alice.recv()["type"], "welcome");
    let mut bob = open(&server, "/?name=bob", &[("Origin", &localhost)]).unwrap();
    assert_eq!(bob.recv()["type"], "welcome");
    alice.say("from the page", "m1");
    assert_eq!(bob.recv_type("message")["text"], "from the page");
}

/// Registers `name` from a page of `origin`.
fn register_from(server: &Server, origin: &str, name: &str) -> Reply {
    let body = json!({"name": name, "password": "correct horse"});
    let headers = [("Origin", origin)];
    api(
        server.http_addr(),
        "POST",
        "/api/register",
        Some(&body),
        &headers,
    )
}

// An API POST from a page of another server on this machine is refused with 403 `forbidden`, and
// changes nothing; from the page's own origins it is served.
#[test]
fn api_posts_only_from_the_pages_own_origins() {
    let server = start_accounts(|_| {});
    for (n, origin) in other_servers(&server).iter().enumerate() {
        let reply = register_from(&server, origin, &format!("mallory{n}"));
        assert_eq!(
            (reply.status, reply.error()),
            (403, "forbidden"),
            "{origin}"
        );
    }
    for (n, origin) in own_origins(&server).iter().enumerate() {
        let reply = register_from(&server, origin, &format!("ann{n}"));
        assert_eq!(reply.status, 201, "{origin}: {reply:?}");
        let token = reply.body["token"].as_str().unwrap();
        let (_client, welcome) = Client::join_as(&server, token);
        assert_eq!(welcome["you"], format!("ann{n}"));
    }
    let body = json!({"name": "mallory0", "password": "correct horse"});
    let reply = api(server.http_addr(), "POST", "/api/login", Some(&body), &[]);
    assert_eq!(
        reply.status, 401,
        "the refused registration made no account"
    );
}

/// The page's `Content-Security-Policy` when asked for with this `Host` header.
fn page_policy(server: &Server, host: &str) -> String {
    let mut stream = TcpStream::connect(server.http_addr()).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let policy = response.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("content-security-policy")
            .then(|| value.trim().to_owned())
    });
    policy.expect("the page has a Content-Security-Policy")
}

/// The `connect-src` directive of a policy.
fn connect_src(policy: &str) -> &str {
    let directive = policy.split(';').map(str::trim);
    directive
        .into_iter()
        .find(|d| d.starts_with("connect-src"))
        .expect("a connect-src directive")
}

// The page's CSP names the server's own WebSocket URL, as the page was reached (its address, or
// localhost), and no WebSocket at all for a host the page is not served at (before: `ws: wss:`,
// any host).
#[test]
fn the_pages_csp_names_its_own_websocket() {
    let server = start(|_| {});
    let (http, ws) = (server.http_addr().port(), server.ws_addr().port());
    let at_address = page_policy(&server, &format!("127.0.0.1:{http}"));
    assert_eq!(
        connect_src(&at_address),
        format!("connect-src 'self' ws://127.0.0.1:{ws}")
    );
    let at_localhost = page_policy(&server, &format!("localhost:{http}"));
    assert_eq!(
        connect_src(&at_localhost),
        format!("connect-src 'self' ws://localhost:{ws}")
    );
    for foreign in ["evil.example", "127.0.0.2", "127.0.0.1:1; connect-src *"] {
        let policy = page_policy(&server, &format!("{foreign}:{http}"));
        assert_eq!(connect_src(&policy), "connect-src 'self'", "{foreign}");
    }
}
