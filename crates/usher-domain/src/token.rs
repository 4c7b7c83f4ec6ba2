//! Secret tokens: login links and sessions (later, email invitations).
//!
//! 256 bits from the OS CSPRNG, base64url without padding. Only the SHA-256 hash is
//! ever stored or looked up; the plain token lives in one response (or one email).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};

/// Bytes of entropy in a token.
pub const BYTES: usize = 32;

/// A plain token, to be handed out once. Deliberately not `Display` nor `Debug`-revealing,
/// so it does not end up in a log line by accident.
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut bytes = [0u8; BYTES];
        rng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

/// Hex SHA-256 of a token: what storage keeps and looks up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Hashes whatever a client sent. Malformed input hashes like any other, so an
    /// unknown and a malformed token take the same path and the same time.
    pub fn of(presented: &str) -> Self {
        let digest = Sha256::digest(presented.as_bytes());
        let mut hex = String::with_capacity(64);
        for byte in digest {
            use std::fmt::Write;
            write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
        }
        Self(hex)
    }

    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn tokens_carry_256_bits_as_base64url() {
        let token = Token::generate(&mut OsRng);
        assert_eq!(token.expose().len(), 43);
        assert!(token.expose().bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(token.expose(), Token::generate(&mut OsRng).expose());
    }

    #[test]
    fn the_hash_is_not_the_token() {
        let token = Token::generate(&mut OsRng);
        assert_eq!(token.hash().as_str().len(), 64);
        assert!(!token.hash().as_str().contains(token.expose()));
        assert_eq!(token.hash(), TokenHash::of(token.expose()));
        assert!(!format!("{token:?}").contains(token.expose()));
    }

    proptest! {
        #[test]
        fn any_input_hashes_to_64_hex_chars(input in ".{0,200}") {
            let hash = TokenHash::of(&input);
            prop_assert_eq!(hash.as_str().len(), 64);
            prop_assert!(hash.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}
