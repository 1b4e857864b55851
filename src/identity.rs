//! Who is on the other end of a WebSocket: the one function the handshake calls.
//!
//! A connection is identified by the name in its URL, `?name=alice`. This is the one place that
//! knows how: were it to read a session cookie instead, only this function would change, and
//! everything after the handshake would keep receiving a checked name.

use crate::percent;
use crate::wire::{ErrorCode, WireError};

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 32;

/// The checked name in a handshake's request target (`/?name=alice`), or why it is refused.
///
/// Uniqueness is not checked here: only the hub knows who is connected, so it refuses
/// `name_taken` when the connection registers.
pub fn identify(request_target: &str) -> Result<String, WireError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn code(target: &str) -> ErrorCode {
        identify(target).unwrap_err().code
    }

    #[test]
    fn reads_and_decodes_the_name() {
        assert_eq!(identify("/?name=alice").unwrap(), "alice");
        assert_eq!(identify("/?x=1&name=Bob_2-x").unwrap(), "Bob_2-x");
        assert_eq!(identify("/chat?name=al%69ce").unwrap(), "alice");
        assert_eq!(
            identify(&format!("/?name={}", "a".repeat(32)))
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
}
