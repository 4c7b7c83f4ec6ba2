//! Invite codes: short, shareable, typed by people.
//!
//! Nine characters from an alphabet without look-alikes (no `0 O 1 I L`), shown as
//! `XXX-XXX-XXX`. Input is case-insensitive and dashes and spaces are optional, so a
//! code read out over the phone still works. Stored in canonical form: nine
//! uppercase characters, no separators.

use std::fmt;

use rand::{CryptoRng, RngCore, seq::SliceRandom};

use crate::Invalid;

/// Uppercase letters and digits minus `0 O 1 I L`: 31 symbols, ~44.6 bits per code.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Characters in a code, separators excluded.
pub const LEN: usize = 9;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InviteCode(String);

impl InviteCode {
    /// A fresh random code; callers pass the OS CSPRNG.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let code = (0..LEN).map(|_| *ALPHABET.choose(rng).expect("alphabet is not empty") as char).collect();
        Self(code)
    }

    /// Parses what a person typed: case-insensitive, dashes and spaces ignored.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let canonical: String =
            input.chars().filter(|c| *c != '-' && *c != ' ').map(|c| c.to_ascii_uppercase()).collect();
        if canonical.chars().count() != LEN {
            return Err(Invalid::new("invalid-code-length").with("n", LEN));
        }
        if !canonical.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(Invalid::new("invalid-code-alphabet"));
        }
        Ok(Self(canonical))
    }

    /// Rebuilds a code read back from storage, where it was written canonical.
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    /// The canonical, separator-free form used for storage and look-ups.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The display form, `XXX-XXX-XXX`.
impl fmt::Display for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        write!(f, "{}-{}-{}", &s[0..3], &s[3..6], &s[6..9])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::OsRng;

    #[test]
    fn generated_codes_use_only_the_alphabet() {
        for _ in 0..1000 {
            let code = InviteCode::generate(&mut OsRng);
            assert_eq!(code.as_str().len(), LEN);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn look_alikes_are_refused() {
        for bad in ["ABC-DEF-GH0", "ABC-DEF-GHO", "ABC-DEF-GH1", "ABC-DEF-GHI", "ABC-DEF-GHL"] {
            assert!(InviteCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wrong_lengths_are_refused() {
        for bad in ["", "ABC", "ABC-DEF-GHJK", "ABCDEFGH"] {
            assert!(InviteCode::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn display_form_parses_back(seed in any::<[u8; 32]>()) {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::from_seed(seed);
            let code = InviteCode::generate(&mut rng);
            prop_assert_eq!(InviteCode::parse(&code.to_string()).unwrap(), code.clone());
            let sloppy = code.to_string().to_lowercase().replace('-', " ");
            prop_assert_eq!(InviteCode::parse(&sloppy).unwrap(), code);
        }

        #[test]
        fn parse_never_panics(input in ".{0,40}") {
            let _ = InviteCode::parse(&input);
        }
    }
}
