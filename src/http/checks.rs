//! What the JSON API checks in a request before it acts on one, and how it says no.
//!
//! Every check returns an [`ApiRefusal`]: the HTTP status, the code a program branches on and a
//! sentence for a person (docs/PROTOCOL.md §2, "Errors"). A request from another site's page, a
//! body that is not a JSON object, a missing field, or a name or password outside the rules is
//! refused here, on the `http` thread, before anything is queued for an `auth` thread.

use std::time::Duration;

use serde_json::{Map, Value};
use tiny_http::Request;

use crate::auth::password;
use crate::auth::token;
use crate::http::headers::{Reply, error, header};
use crate::identity::{self, MAX_NAME_CHARS};
use crate::origin::OriginPolicy;

/// Why a request is refused: the status, the code a program branches on, a sentence for a
/// person, and for 429 how long to wait.
pub struct ApiRefusal {
    status: u16,
    code: &'static str,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiRefusal {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> ApiRefusal {
        ApiRefusal {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn rate_limited(wait: Duration, message: &str) -> ApiRefusal {
        ApiRefusal {
            retry_after: Some(wait),
            ..ApiRefusal::new(429, "rate_limited", message)
        }
    }

    pub fn into_reply(self) -> Reply {
        let reply = error(self.status, self.code, &self.message);
        match self.retry_after {
            // Whole seconds, rounded up: never tell a client to come back too early.
            Some(wait) => reply.with_header(header(
                "Retry-After",
                &wait.as_secs_f64().ceil().max(1.0).to_string(),
            )),
            None => reply,
        }
    }
}

/// The token a request presents (bearer header, else cookie).
pub fn presented_token(request: &Request) -> Option<&str> {
    token::presented(
        request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().as_str(), h.value.as_str())),
    )
}

pub fn header_value<'a>(request: &'a Request, name: &'static str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// Refuses a request from another site's page (403 `forbidden`).
pub fn check_origin(request: &Request, origins: &OriginPolicy) -> Result<(), ApiRefusal> {
    let origin = header_value(request, "Origin");
    match origins.allows(origin, header_value(request, "Host")) {
        true => Ok(()),
        false => Err(ApiRefusal::new(
            403,
            "forbidden",
            format!("requests from {:?} are not allowed", origin.unwrap_or("")),
        )),
    }
}

/// The body as a JSON object; it must say it is JSON.
pub fn read_json(request: &mut Request) -> Result<Map<String, Value>, ApiRefusal> {
    let content_type = header_value(request, "Content-Type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiRefusal::new(
            400,
            "bad_request",
            "Content-Type must be application/json",
        ));
    }
    let mut body = String::new();
    request
        .as_reader()
        .read_to_string(&mut body)
        .map_err(|_| ApiRefusal::new(400, "bad_request", "the body is not UTF-8 text"))?;
    if body.trim().is_empty() {
        // A sign-out has nothing to say.
        return Ok(Map::new());
    }
    match serde_json::from_str(&body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(ApiRefusal::new(
            400,
            "bad_request",
            "the body must be a JSON object",
        )),
    }
}

/// A required string field.
pub fn field(body: &Map<String, Value>, name: &'static str) -> Result<String, ApiRefusal> {
    match body.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(ApiRefusal::new(
            400,
            "bad_request",
            format!("{name} must be a string"),
        )),
    }
}

/// An optional boolean field: absent is `false`.
pub fn flag(body: &Map<String, Value>, name: &'static str) -> Result<bool, ApiRefusal> {
    match body.get(name) {
        None => Ok(false),
        Some(Value::Bool(on)) => Ok(*on),
        _ => Err(ApiRefusal::new(
            400,
            "bad_request",
            format!("{name} must be true or false"),
        )),
    }
}

/// A name that follows the rules (`identity::is_valid_name`).
pub fn check_name(name: &str) -> Result<(), ApiRefusal> {
    match identity::is_valid_name(name) {
        true => Ok(()),
        false => Err(ApiRefusal::new(
            400,
            "bad_request",
            format!("a name is 1 to {MAX_NAME_CHARS} letters, digits, _ or -"),
        )),
    }
}

pub fn check_password(password: &str) -> Result<(), ApiRefusal> {
    match password::is_acceptable(password) {
        true => Ok(()),
        false => Err(ApiRefusal::new(
            400,
            "bad_request",
            format!(
                "a password is {} to {} characters",
                password::MIN_CHARS,
                password::MAX_CHARS
            ),
        )),
    }
}

/// Compares two secrets in time that depends only on their lengths, not on where they differ.
pub fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_secrets_whole() {
        assert!(same_secret("maths-7b", "maths-7b"));
        assert!(!same_secret("maths-7c", "maths-7b"));
        assert!(!same_secret("maths", "maths-7b"));
        assert!(!same_secret("", "x"));
    }
}
