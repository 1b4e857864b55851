//! Display names: the name people see ("José Núñez", "Ms Rivera"), beside the account name they
//! sign in with (ASCII, unique, see `identity.rs`). Pure rules, tested here.
//!
//! A display name is NFC-normalized (so "e" + U+0301 and "é" are one spelling), trimmed, with each
//! run of spaces made one; then 1 to [`MAX_DISPLAY_CHARS`] characters, each a letter or a
//! number of any script (with the marks that belong to its letters), a space, or one of
//! [`PUNCTUATION`]. So no control characters, no invisible format characters (the bidi overrides
//! that reverse what follows), no symbols, no emoji. An empty one clears it.
//!
//! Two names look alike when their [`look_alike_key`]s are equal: Unicode's UTS #39 skeleton
//! (Cyrillic "а" is Latin "a", "rn" is "m"), then case folded, then the account names' own folds.

use unicode_normalization::UnicodeNormalization;
use unicode_security::confusable_detection::skeleton;

use super::{ErrorCode, WireError};
use crate::identity::name_skeleton;

/// The longest display name, in characters (after normalization).
pub const MAX_DISPLAY_CHARS: usize = 40;

/// The punctuation a name may hold besides letters, numbers and spaces.
pub const PUNCTUATION: &str = ".,'’-_()&!?";

/// The display name `raw` stands for: `None` to clear it, or its one spelling.
pub fn parse(raw: &str) -> Result<Option<String>, WireError> {
    let normal: String = raw.nfc().collect();
    let name = normal.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Ok(None);
    }
    let count = name.chars().count();
    if count > MAX_DISPLAY_CHARS {
        let why =
            format!("a display name is at most {MAX_DISPLAY_CHARS} characters; this is {count}");
        return Err(WireError::new(ErrorCode::BadDisplayName, why));
    }
    if let Some(bad) = name.chars().find(|&c| !allowed(c)) {
        let why = format!(
            "a display name holds letters, numbers, spaces and {PUNCTUATION}; not {:?} (U+{:04X})",
            bad, bad as u32
        );
        return Err(WireError::new(ErrorCode::BadDisplayName, why));
    }
    Ok(Some(name))
}

fn allowed(c: char) -> bool {
    // Alphabetic covers the marks that are part of letters (Devanagari's vowel signs, say); a
    // combining accent left alone after NFC has no letter to sit on, and is refused.
    c.is_alphabetic() || c.is_numeric() || c == ' ' || PUNCTUATION.contains(c)
}

/// The key under which two names (display or account) look alike.
pub fn look_alike_key(name: &str) -> String {
    let shape: String = skeleton(name).collect();
    name_skeleton(&shape.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_script_one_spelling() {
        assert_eq!(parse("José Núñez").unwrap().as_deref(), Some("José Núñez"));
        assert_eq!(
            parse("Jose\u{301}").unwrap().as_deref(),
            Some("José"),
            "NFC"
        );
        assert_eq!(
            parse("  Ms   Rivera ").unwrap().as_deref(),
            Some("Ms Rivera")
        );
        assert_eq!(
            parse("Zoë O’Brien-Smith").unwrap().as_deref(),
            Some("Zoë O’Brien-Smith")
        );
        assert_eq!(
            parse("Ана Петрова").unwrap().as_deref(),
            Some("Ана Петрова")
        );
        assert_eq!(parse("李小龍").unwrap().as_deref(), Some("李小龍"));
        assert_eq!(parse("   ").unwrap(), None, "blank clears it");
    }

    #[test]
    fn refuses_what_is_not_a_name() {
        for bad in [
            "a\u{202E}b",
            "tab\u{7}",
            "zero\u{200B}width",
            "x".repeat(41).as_str(),
            "😀",
            "<b>",
            "\u{301}",
        ] {
            let error = parse(bad).expect_err(bad);
            assert_eq!(error.code, ErrorCode::BadDisplayName, "{bad:?}");
        }
        assert!(parse(&"é".repeat(40)).is_ok(), "40 characters, more bytes");
    }

    #[test]
    fn look_alikes_share_a_key() {
        assert_eq!(
            look_alike_key("Ms Rivera"),
            look_alike_key("Ms Rivеra"),
            "Cyrillic е"
        );
        assert_eq!(look_alike_key("alice"), look_alike_key("ALICE"));
        assert_eq!(look_alike_key("alice"), look_alike_key("aIice"));
        assert_ne!(look_alike_key("alice"), look_alike_key("alina"));
    }
}
