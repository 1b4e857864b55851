//! Password reset codes: what a moderator gives a student who forgot their password (there is no
//! e-mail to send one to). A code is 12 letters and digits from an alphabet without look-alikes
//! (about 59 bits), shown once in groups of four; the store keeps only its BLAKE2s hash, for four
//! hours, and a sign-in-like rate limit stands in front of every guess (`http/api.rs`).

use blake2::{Blake2s256, Digest};

/// Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Characters in a code, without its dashes.
const LENGTH: usize = 12;

/// A fresh reset code, as the moderator is shown it.
pub struct ResetCode(String);

impl ResetCode {
    /// A code from the operating system's random source; `None` if it cannot give one.
    pub fn generate() -> Option<ResetCode> {
        let mut bytes = [0u8; LENGTH];
        getrandom::fill(&mut bytes).ok()?;
        let mut code = String::with_capacity(LENGTH + 2);
        for (i, b) in bytes.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                code.push('-');
            }
            // 256 is not a multiple of 31: the first letters are a trifle likelier (about 59 of
            // the 59.4 bits remain), which a four-hour, rate-limited code can afford.
            code.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
        }
        Some(ResetCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What the store keeps of it.
    pub fn hash(&self) -> [u8; 32] {
        hash_of(&self.0)
    }
}

/// The hash of a code as someone typed it: case, spaces and dashes do not matter.
pub fn hash_of(typed: &str) -> [u8; 32] {
    let normal: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    Blake2s256::digest(normal.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_twelve_plain_characters_and_matches_however_typed() {
        let code = ResetCode::generate().expect("randomness");
        let plain: String = code.as_str().chars().filter(|&c| c != '-').collect();
        assert_eq!(plain.len(), LENGTH);
        assert!(plain.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(hash_of(&code.as_str().to_uppercase()), code.hash());
        assert_eq!(hash_of(&format!(" {plain} ")), code.hash());
        assert_ne!(hash_of("abcd-efgh-jkmn"), code.hash());
    }
}
