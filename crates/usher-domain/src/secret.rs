//! What an invite is looked up by: a shareable code, or the hash of a secret token.

use crate::{code::InviteCode, token::TokenHash};

/// A code-or-token, as a person or a link hands it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Secret {
    Code(InviteCode),
    Token(TokenHash),
}

impl Secret {
    /// A code if `input` reads as one (`XXX-XXX-XXX`, any case, dashes and spaces
    /// optional), else a token's hash. Never fails: anything malformed hashes like any
    /// other token and is simply not found.
    pub fn parse(input: &str) -> Self {
        match InviteCode::parse(input) {
            Ok(code) => Self::Code(code),
            Err(_) => Self::Token(TokenHash::of(input)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;
    use crate::token::Token;

    proptest! {
        #[test]
        fn a_code_however_typed_is_that_code(seed in any::<[u8; 32]>()) {
            let code = InviteCode::generate(&mut StdRng::from_seed(seed));
            let typed = code.to_string().to_lowercase().replace('-', " ");
            prop_assert_eq!(Secret::parse(&typed), Secret::Code(code));
        }

        #[test]
        fn a_token_is_looked_up_by_its_hash(seed in any::<[u8; 32]>()) {
            let token = Token::generate(&mut StdRng::from_seed(seed));
            prop_assert_eq!(Secret::parse(token.expose()), Secret::Token(token.hash()));
        }

        /// Nothing typed fails: what is not nine code characters is hashed as it came.
        #[test]
        fn anything_not_nine_code_characters_is_a_token(input in "[^- ]{10,40}|[^- ]{0,8}") {
            prop_assert_eq!(Secret::parse(&input), Secret::Token(TokenHash::of(&input)));
        }
    }
}
