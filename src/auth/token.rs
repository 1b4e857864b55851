//! Session tokens: 32 random bytes from the operating system, given to the client once, and kept
//! by the server only as a hash.
//!
//! The hash (BLAKE2s-256) is the session's identity everywhere on the server: in the store, in the
//! hub's record of which connection belongs to which session. A copy of the data directory, or of
//! the server's memory, holds no token that would let anyone in.

use std::fmt;

use blake2::{Blake2s256, Digest};

/// The name of the session cookie.
pub const COOKIE: &str = "threadchat_session";

/// Bytes of randomness in a token: 256 bits, beyond guessing.
const TOKEN_BYTES: usize = 32;

/// A token as the client holds it: 64 lowercase hex digits.
pub struct Token(String);

/// What the server keeps of a token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub [u8; 32]);

impl Token {
    /// A fresh token from the operating system's random source.
    pub fn generate() -> Result<Token, getrandom::Error> {
        let mut bytes = [0; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Token(bytes.iter().map(|b| format!("{b:02x}")).collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The session this token opens.
    pub fn id(&self) -> SessionId {
        SessionId(Blake2s256::digest(self.0.as_bytes()).into())
    }
}

impl Token {
    /// A token as a client presented it, if it is well-formed.
    pub fn from_presented(token: &str) -> Option<Token> {
        let well_formed =
            token.len() == 2 * TOKEN_BYTES && token.bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| Token(token.to_ascii_lowercase()))
    }
}

impl SessionId {
    /// The session named by a token as a client presented it, if it is well-formed.
    pub fn of_presented(token: &str) -> Option<SessionId> {
        Token::from_presented(token).map(|token| token.id())
    }
}

impl fmt::Debug for SessionId {
    /// Only a prefix: enough to tell sessions apart in a test failure, and never a whole hash.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({:02x}{:02x}…)", self.0[0], self.0[1])
    }
}

/// The token a request presents: `Authorization: Bearer …` first, else the session cookie.
/// `headers` are (name, value) pairs; names are matched ignoring case.
pub fn presented<'a>(mut headers: impl Iterator<Item = (&'a str, &'a str)>) -> Option<&'a str> {
    let (mut bearer, mut cookie) = (None, None);
    for (name, value) in &mut headers {
        if name.eq_ignore_ascii_case("authorization") {
            bearer = value.strip_prefix("Bearer ").map(str::trim);
        } else if name.eq_ignore_ascii_case("cookie") && cookie.is_none() {
            cookie = value
                .split(';')
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(k, _)| *k == COOKIE)
                .map(|(_, v)| v.trim());
        }
    }
    bearer.or(cookie)
}

/// The `Set-Cookie` value that hands a token to a browser for `max_age_secs`: not readable by
/// scripts, never sent by other sites, for every path of this host (both ports: cookies ignore
/// ports, so the WebSocket handshake carries it too).
pub fn set_cookie(token: &Token, max_age_secs: u64) -> String {
    format!(
        "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}",
        token.as_str()
    )
}

/// The `Set-Cookie` value that makes a browser forget its token.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_to_their_session() {
        let (a, b) = (Token::generate().unwrap(), Token::generate().unwrap());
        assert_eq!(a.as_str().len(), 64);
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(SessionId::of_presented(a.as_str()), Some(a.id()));
        assert_eq!(
            SessionId::of_presented(&a.as_str().to_ascii_uppercase()),
            Some(a.id())
        );
        assert_ne!(a.id(), b.id());
    }

    #[test]
    fn malformed_tokens_name_no_session() {
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert_eq!(SessionId::of_presented(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn finds_the_token_in_a_bearer_header_or_the_cookie() {
        let cookie = [("Cookie", "a=1; threadchat_session=abc ; b=2")];
        assert_eq!(presented(cookie.into_iter()), Some("abc"));
        let both = [
            ("cookie", "threadchat_session=abc"),
            ("Authorization", "Bearer xyz"),
        ];
        assert_eq!(presented(both.into_iter()), Some("xyz"));
        let neither = [("Cookie", "other=1"), ("Authorization", "Basic xyz")];
        assert_eq!(presented(neither.into_iter()), None);
    }

    #[test]
    fn the_cookie_is_http_only_and_strict() {
        let token = Token::generate().unwrap();
        let cookie = set_cookie(&token, 60);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(cookie.contains("Path=/") && cookie.contains("Max-Age=60"));
        assert!(clear_cookie().contains("Max-Age=0"));
    }
}
