//! Who is on the other end of a WebSocket: the one function the handshake calls, [`arrival`].
//!
//! With accounts (the default), a connection is its session's owner: the token comes from the
//! session cookie, which browsers send to both ports of a host, or an `Authorization: Bearer`
//! header; `?name=` is ignored. Under `--guests`, it is the free name in its URL, `?name=alice`,
//! as long as no account owns that name. Everything after the handshake receives a checked name.

use crate::auth::Sessions;
use crate::auth::token;
use crate::event::Arrival;
use crate::wire::{ErrorCode, WireError};
use crate::{log, percent};

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// Who a chat handshake is from: its request target and headers (name, value), with or without
/// accounts.
pub fn arrival<'a>(
    request_target: &str,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    sessions: &Sessions,
    guests: bool,
) -> Arrival {
    let since = match since(request_target) {
        Ok(since) => since,
        Err(error) => return Arrival::Refused(error),
    };
    let found = match guests {
        true => guest(request_target, sessions).map(|name| Arrival::Guest { name, since }),
        false => match sessions.authenticate(token::presented(headers)) {
            Ok(Some(signed)) => Ok(Arrival::Account {
                name: signed.name,
                session: signed.session,
                since,
            }),
            Ok(None) => Err(WireError::new(
                ErrorCode::Unauthenticated,
                "sign in first: no session, or it has ended",
            )),
            Err(e) => Err(unavailable(e)),
        },
    };
    found.unwrap_or_else(Arrival::Refused)
}

/// `?since=SEQ`: the `seq` of the last message a reconnecting client has.
fn since(request_target: &str) -> Result<Option<u64>, WireError> {
    let query = request_target.split_once('?').map_or("", |(_, q)| q);
    match percent::query_value(query, "since") {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| WireError::new(ErrorCode::BadJson, "since must be a seq, a whole number")),
    }
}

/// A guest's name, which must not belong to an account, nor look like one that does.
fn guest(request_target: &str, sessions: &Sessions) -> Result<String, WireError> {
    let name = guest_name(request_target)?;
    match sessions.store.reader.name_taken(&name) {
        Ok(false) => Ok(name),
        Ok(true) => Err(WireError::new(
            ErrorCode::NameTaken,
            format!("the name {name:?} is, or looks like, an account's name"),
        )),
        Err(e) => Err(unavailable(e)),
    }
}

fn unavailable(e: impl std::fmt::Display) -> WireError {
    log!("handshake: {e}");
    WireError::new(
        ErrorCode::Unavailable,
        "the server cannot check who you are right now",
    )
}

/// The checked name in a guest's request target (`/?name=alice`), or why it is refused.
///
/// Uniqueness among guests is not checked here: only the hub knows who is connected, so it
/// refuses `name_taken` when the connection registers.
pub fn guest_name(request_target: &str) -> Result<String, WireError> {
    let query = request_target.split_once('?').map_or("", |(_, q)| q);
    let raw = percent::query_value(query, "name")
        .filter(|raw| !raw.is_empty())
        .ok_or_else(|| WireError::new(ErrorCode::NameMissing, "choose a name: ?name=alice"))?;
    let name = percent::decode(raw)
        .filter(|n| is_valid_name(n))
        .ok_or_else(|| {
            WireError::new(
                ErrorCode::NameInvalid,
                format!("a name is 1 to {MAX_NAME_CHARS} letters, digits, _ or -"),
            )
        })?;
    Ok(name)
}

/// 1 to 32 ASCII letters, digits, `_` or `-`: easy to read, type and tell apart.
pub fn is_valid_name(name: &str) -> bool {
    (1..=MAX_NAME_CHARS).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The key under which names are unique: `Alice` and `alice` are the same person.
pub fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// The key under which names must not look alike: case folded, and `I`, `l` and `1` one letter,
/// `O` and `0` another, so that `aIice` cannot pass for `alice` nor `b0b` for `bob`. (Folding case
/// first makes `i` and `l` one too: "looks alike" must be a relation that holds both ways and
/// chains, or it could not be one key.) Only uniqueness uses it: a sign-in is by [`name_key`].
pub fn name_skeleton(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_ascii_lowercase() {
            'i' | '1' => 'l',
            '0' => 'o',
            folded => folded,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(target: &str) -> ErrorCode {
        guest_name(target).unwrap_err().code
    }

    #[test]
    fn reads_and_decodes_the_name() {
        assert_eq!(guest_name("/?name=alice").unwrap(), "alice");
        assert_eq!(guest_name("/?x=1&name=Bob_2-x").unwrap(), "Bob_2-x");
        assert_eq!(guest_name("/chat?name=al%69ce").unwrap(), "alice");
        assert_eq!(
            guest_name(&format!("/?name={}", "a".repeat(32)))
                .unwrap()
                .len(),
            32
        );
    }

    #[test]
    fn refuses_missing_names() {
        assert_eq!(code("/"), ErrorCode::NameMissing);
        assert_eq!(code("/?name="), ErrorCode::NameMissing);
        assert_eq!(code("/?nom=alice"), ErrorCode::NameMissing);
    }

    #[test]
    fn refuses_malformed_names() {
        for bad in [
            "al ice",
            "al%20ice",
            "a.b",
            "%E2%82%AC",
            "%zz",
            "<b>",
            "a+b",
        ] {
            assert_eq!(
                code(&format!("/?name={bad}")),
                ErrorCode::NameInvalid,
                "{bad}"
            );
        }
        assert_eq!(
            code(&format!("/?name={}", "a".repeat(33))),
            ErrorCode::NameInvalid
        );
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        assert_eq!(name_key("Alice"), name_key("aLICE"));
    }

    #[test]
    fn look_alike_names_share_a_skeleton() {
        for (one, other) in [("alice", "aIice"), ("alice", "A1ICE"), ("bob", "B0B")] {
            assert_eq!(name_skeleton(one), name_skeleton(other), "{one} {other}");
        }
        assert_ne!(name_skeleton("alice"), name_skeleton("alicia"));
        assert_ne!(name_skeleton("bob"), name_skeleton("bab"));
    }
}
