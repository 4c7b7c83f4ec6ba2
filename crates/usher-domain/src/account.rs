//! Validated account input. Each constructor is the only way in, so code past the
//! HTTP edge never re-checks.

use crate::Invalid;

/// 3–32 characters of `a-z 0-9 _ . -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let ok_len = (3..=32).contains(&input.len());
        let ok_chars =
            input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-'));
        if ok_len && ok_chars { Ok(Self(input.to_owned())) } else { Err(Invalid::new("invalid-username")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, kept as typed; compared case-insensitively via [`Email::normalized`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321's limit on a forward path.
pub const MAX_EMAIL: usize = 254;

impl Email {
    /// Deliberately simple: one `@`, a non-empty local part, a dotted domain, no spaces
    /// or control characters. Deliverability is proven by delivering, not by regex.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let input = input.trim();
        let invalid = || Invalid::new("invalid-email");
        if input.len() > MAX_EMAIL || input.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = input.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok || input.contains(['<', '>', '"', ',', ';']) {
            return Err(invalid());
        }
        Ok(Self(input.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness and look-ups compare.
    pub fn normalized(&self) -> String {
        normalize_email(&self.0)
    }
}

/// Lowercases an address for comparison (also used on login input that may be an email).
pub fn normalize_email(input: &str) -> String {
    input.trim().to_lowercase()
}

/// Whether an invitation sent to `invited` (if to anyone) is for someone other than
/// the account with `email`: compared as [`normalize_email`] does.
pub fn addressed_elsewhere(invited: Option<&str>, email: &str) -> bool {
    invited.is_some_and(|invited| normalize_email(invited) != normalize_email(email))
}

/// A password as typed: 8–256 characters. Never logged, never stored plain.
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 256;

impl Password {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let len = input.chars().count();
        if (MIN_PASSWORD..=MAX_PASSWORD).contains(&len) {
            Ok(Self(input.to_owned()))
        } else {
            Err(Invalid::new("invalid-password").with("min", MIN_PASSWORD).with("max", MAX_PASSWORD))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// 1–100 printable characters; defaults to the username where none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

pub const MAX_DISPLAY_NAME: usize = 100;

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        let len = trimmed.chars().count();
        if (1..=MAX_DISPLAY_NAME).contains(&len) && !trimmed.chars().any(char::is_control) {
            Ok(Self(trimmed.to_owned()))
        } else {
            Err(Invalid::new("invalid-printable").with("max", MAX_DISPLAY_NAME))
        }
    }

    pub fn from_username(username: &Username) -> Self {
        Self(username.as_str().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_invitation_is_for_its_address_in_any_case() {
        assert!(!addressed_elsewhere(Some("Dave@Example.com"), " dave@example.com"));
        assert!(addressed_elsewhere(Some("dave@example.com"), "carol@example.com"));
        assert!(!addressed_elsewhere(None, "carol@example.com"), "a code is for anyone");
    }

    #[test]
    fn username_edges() {
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
        assert!(Username::parse("Alice").is_err());
        assert!(Username::parse("al ice").is_err());
        assert!(Username::parse("../etc").is_err());
        assert!(Username::parse("a.b_c-9").is_ok());
    }

    #[test]
    fn emails() {
        assert!(Email::parse("j@example.com").is_ok());
        assert!(Email::parse("J.Doe+tag@Example.COM").is_ok());
        for bad in [
            "",
            "no-at",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b.com\r\nBcc: x@y.com",
            "\"a\"@b.com",
            "a@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(Email::parse("Jo@Example.com").unwrap().normalized(), "jo@example.com");
    }

    #[test]
    fn password_edges() {
        assert!(Password::parse(&"x".repeat(MIN_PASSWORD)).is_ok());
        assert!(Password::parse(&"x".repeat(MIN_PASSWORD - 1)).is_err());
        assert!(Password::parse(&"x".repeat(MAX_PASSWORD)).is_ok());
        assert!(Password::parse(&"x".repeat(MAX_PASSWORD + 1)).is_err());
    }

    proptest! {
        #[test]
        fn normalization_is_idempotent(local in "[A-Za-z0-9._+]{1,20}", domain in "[A-Za-z0-9]{1,10}\\.[A-Za-z]{2,5}") {
            let email = Email::parse(&format!("{local}@{domain}")).unwrap();
            let once = email.normalized();
            prop_assert_eq!(normalize_email(&once), once.clone());
            prop_assert_eq!(Email::parse(&once.to_uppercase()).unwrap().normalized(), once);
        }

        #[test]
        fn parsers_never_panic(input in "\\PC{0,300}") {
            let _ = Username::parse(&input);
            let _ = Email::parse(&input);
            let _ = DisplayName::parse(&input);
            let _ = Password::parse(&input);
        }
    }
}

/// `john@example.com` → `j***@example.com`: enough for the invited person to recognise
/// their address, not enough to learn someone else's.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod mask_tests {
    use super::mask_email;

    #[test]
    fn masks_all_but_the_first_letter_and_the_domain() {
        assert_eq!(mask_email("john@example.com"), "j***@example.com");
        assert_eq!(mask_email("j@example.com"), "j***@example.com");
        assert_eq!(mask_email("nope"), "***");
    }
}
