//! Passwords: the rules they must follow, and Argon2id hashing through the RustCrypto crate.
//!
//! A hash takes about 16 ms of a core and 19 MiB (OWASP's recommended parameters, argon2's
//! defaults), which is the point: a stolen data directory costs an attacker as much per guess.
//! That is also why hashing runs only on the `auth` threads, a few at a time (see `mod.rs`).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// The shortest and longest password, in characters.
pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Whether a password follows the rules: 8 to 128 characters, nothing else asked of it.
pub fn is_acceptable(password: &str) -> bool {
    (MIN_CHARS..=MAX_CHARS).contains(&password.chars().count())
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a password, with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| format!("hashing a password: {e}"))
}

/// Whether `password` matches the stored PHC string. With no stored hash (no such user) the
/// password is checked against a stand-in hash anyway, so that the answer takes as long as for a
/// real user and does not tell which names exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let phc = stored.unwrap_or_else(|| stand_in());
    let matches = PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && stored.is_some()
}

/// A hash of a random password, made once, for [`verify`] to spend its time on.
fn stand_in() -> &'static str {
    static STAND_IN: OnceLock<String> = OnceLock::new();
    STAND_IN.get_or_init(|| {
        let mut secret = [0u8; 16];
        let _ = getrandom::fill(&mut secret);
        let password: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        hash(&password).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_count_characters() {
        assert!(!is_acceptable("1234567"));
        assert!(is_acceptable("12345678"));
        assert!(is_acceptable("ééééééé€"), "8 characters, 17 bytes");
        assert!(is_acceptable(&"x".repeat(128)));
        assert!(!is_acceptable(&"x".repeat(129)));
    }

    #[test]
    fn hashes_are_salted_argon2id_and_verify() {
        let a = hash("correct horse").unwrap();
        let b = hash("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse", Some(&a)));
        assert!(!verify("wrong horse", Some(&a)));
        assert!(!verify("correct horse", None), "no user: never a match");
        assert!(!verify("x", Some("not a phc string")));
    }
}
