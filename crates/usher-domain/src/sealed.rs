//! Sealing secrets at rest: XChaCha20-Poly1305 (RustCrypto) under a 256-bit key kept
//! outside the database. Each value gets a random 24-byte nonce (random nonces of that
//! size never repeat in practice) and is bound to `context` (its row id) as associated
//! data, so a sealed value copied into another row does not open there.

use base64::{
    Engine,
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, Payload},
};
use rand::{CryptoRng, RngCore};

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 24;
/// Starts every sealed value and names its format (a later algorithm would be `v2.`);
/// JSON never starts with it.
pub const SEALED_PREFIX: &str = "v1.";

/// The key. Never printed: `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey(XChaCha20Poly1305);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// A sealed value that does not open: another key, another row, or altered bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sealed with another secret key, for another row, or altered")]
pub struct Unsealable;

impl SecretKey {
    /// A fresh key, and its base64 text to keep.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> (Self, String) {
        let mut bytes = [0u8; KEY_BYTES];
        rng.fill_bytes(&mut bytes);
        let text = STANDARD.encode(bytes);
        (Self::from_bytes(&bytes), text)
    }

    /// A key from its base64 text (standard alphabet, padded, as `generate` writes it).
    pub fn parse(text: &str) -> Result<Self, crate::Invalid> {
        let invalid = || crate::Invalid::new("invalid-secret-key").with("bytes", KEY_BYTES);
        let bytes = STANDARD.decode(text.trim()).map_err(|_| invalid())?;
        let bytes: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| invalid())?;
        Ok(Self::from_bytes(&bytes))
    }

    fn from_bytes(bytes: &[u8; KEY_BYTES]) -> Self {
        Self(XChaCha20Poly1305::new(bytes.into()))
    }

    /// `plain` sealed for `context`: `v1.` and base64url of nonce and ciphertext.
    pub fn seal(&self, rng: &mut (impl RngCore + CryptoRng), context: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rng.fill_bytes(&mut nonce);
        let payload = Payload { msg: plain, aad: context.as_bytes() };
        let sealed = self.0.encrypt(XNonce::from_slice(&nonce), payload).expect("a buffer in memory encrypts");
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode([&nonce[..], &sealed].concat()))
    }

    /// What [`SecretKey::seal`] sealed for this `context`.
    pub fn open(&self, context: &str, stored: &str) -> Result<Vec<u8>, Unsealable> {
        let bytes =
            URL_SAFE_NO_PAD.decode(stored.strip_prefix(SEALED_PREFIX).ok_or(Unsealable)?).map_err(|_| Unsealable)?;
        if bytes.len() < NONCE_BYTES {
            return Err(Unsealable);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = Payload { msg: sealed, aad: context.as_bytes() };
        self.0.decrypt(XNonce::from_slice(nonce), payload).map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::OsRng;

    use super::*;

    #[test]
    fn opens_only_with_its_key_its_context_and_its_bytes() {
        let (key, text) = SecretKey::generate(&mut OsRng);
        let again = SecretKey::parse(&text).unwrap();
        let sealed = key.seal(&mut OsRng, "row-1", b"https://x/l/token");
        assert!(!sealed.contains("token") && sealed.starts_with(SEALED_PREFIX));
        assert_eq!(again.open("row-1", &sealed).unwrap(), b"https://x/l/token");
        assert_ne!(sealed, key.seal(&mut OsRng, "row-1", b"https://x/l/token"), "a fresh nonce each time");
        assert_eq!(key.open("row-2", &sealed), Err(Unsealable), "moved to another row");
        let (other, _) = SecretKey::generate(&mut OsRng);
        assert_eq!(other.open("row-1", &sealed), Err(Unsealable), "another key");
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(key.open("row-1", &String::from_utf8(altered).unwrap()), Err(Unsealable));
        for junk in ["", "{}", "v1.", "v1.!!", "v1.AAAA"] {
            assert_eq!(key.open("row-1", junk), Err(Unsealable), "{junk}");
        }
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(SecretKey::parse("c2hvcnQ=").is_err());
        assert!(SecretKey::parse("not base64 at all!").is_err());
        assert!(SecretKey::parse(&STANDARD.encode([7u8; 32])).is_ok());
        assert_eq!(format!("{:?}", SecretKey::parse(&STANDARD.encode([7u8; 32])).unwrap()), "SecretKey(<redacted>)");
    }
}
