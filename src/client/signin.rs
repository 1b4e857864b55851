//! Where to connect and as whom: `/api/info`, then a sign-in (`/api/login`), or under `--guests`
//! just a name (docs/PROTOCOL.md §1–§3).
//!
//! With accounts, the reply's token goes on the WebSocket upgrade as `Authorization: Bearer`
//! (a browser would send the cookie instead; this client is not one). Under `--guests`
//! (`"accounts": false`) there is nothing to sign in to: the name goes in the URL, `?name=`.

use serde_json::{Value, json};

use super::http::{self, Reply};
use super::prompt;
use super::url::{self, Page};

/// The protocol this client speaks (`"protocol"` in `/api/info`): a later server's only adds
/// frames, which it ignores.
const PROTOCOL: u64 = 3;

/// How to open the chat connection.
#[derive(Debug)]
pub struct Entry {
    /// `HOST:PORT` of the WebSocket port.
    pub ws_addr: String,
    /// The upgrade's path and query: `/`, or `/?name=alice` for a guest.
    pub path: String,
    /// The session token, with accounts.
    pub token: Option<String>,
}

/// Asks the server how to enter, asks the user who they are, and signs them in.
pub fn enter(page: &Page) -> Result<Entry, String> {
    let info = http::call(page, "GET", "/api/info", None)?;
    if info.status != 200 {
        return Err(format!(
            "/api/info answered {}: {}",
            info.status,
            reason(&info)
        ));
    }
    let ws_port = info.body["ws_port"]
        .as_u64()
        .and_then(|port| u16::try_from(port).ok())
        .ok_or("/api/info names no ws_port")?;
    if info.body["protocol"]
        .as_u64()
        .is_none_or(|theirs| theirs < PROTOCOL)
    {
        eprintln!(
            "threadchat chat: the server speaks protocol {}, this client {PROTOCOL}; trying anyway",
            info.body["protocol"]
        );
    }
    let ws_addr = format!("{}:{ws_port}", page.host);
    let name = prompt::line("name: ")?;
    if info.body["accounts"] == Value::Bool(false) {
        let path = format!("/?name={}", url::query_value(&name));
        return Ok(Entry {
            ws_addr,
            path,
            token: None,
        });
    }
    let password = prompt::secret("password: ")?;
    let token = login(page, &name, &password)?;
    Ok(Entry {
        ws_addr,
        path: "/".into(),
        token: Some(token),
    })
}

/// `POST /api/login`: the session's token, or why not.
fn login(page: &Page, name: &str, password: &str) -> Result<String, String> {
    let body = json!({"name": name, "password": password});
    let reply = http::call(page, "POST", "/api/login", Some(&body))?;
    if reply.status != 200 {
        return Err(format!("cannot sign in: {}", reason(&reply)));
    }
    let token = reply.body["token"].as_str();
    token
        .map(str::to_owned)
        .ok_or("the sign-in answer has no token".into())
}

/// A refusal in words: the API's `message` and `error` code (§2), and when to try again.
fn reason(reply: &Reply) -> String {
    let code = reply.body["error"].as_str().unwrap_or("no error code");
    let message = reply.body["message"].as_str().unwrap_or("no message");
    let mut reason = format!("{message} ({code}, {})", reply.status);
    if let Some(seconds) = reply.header("retry-after") {
        reason.push_str(&format!("; try again in {seconds} s"));
    }
    super::show::clean(&reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_why_and_when() {
        let reply = Reply {
            status: 429,
            headers: vec![("retry-after".into(), "12".into())],
            body: json!({"error": "rate_limited", "message": "too many\u{1b}[2J"}),
        };
        assert_eq!(
            reason(&reply),
            "too many\\u{1b}[2J (rate_limited, 429); try again in 12 s"
        );
    }
}
