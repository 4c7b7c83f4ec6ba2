//! API keys for application back-ends (SPEC §10.3): what a key may do (its scopes),
//! and the key itself — `usk_` and a secret token, so that a key is told from a
//! session at a glance (and by secret scanners), stored only as its hash.

use std::collections::BTreeSet;

use rand::{CryptoRng, RngCore};

use crate::{
    Invalid,
    token::{Token, TokenHash},
};

/// What every key starts with.
pub const PREFIX: &str = "usk_";

/// The longest lifetime a key may be given, in days (about five years).
pub const MAX_DAYS: i64 = 1826;

/// The longest name of a key.
pub const MAX_NAME: usize = 100;

/// One power a key may hold: a kind of object, read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    UsersRead,
    UsersWrite,
    GroupsRead,
    GroupsWrite,
    MembersRead,
    MembersWrite,
    InvitesRead,
    InvitesWrite,
    AuditRead,
}

impl Scope {
    pub const ALL: [Self; 9] = [
        Self::UsersRead,
        Self::UsersWrite,
        Self::GroupsRead,
        Self::GroupsWrite,
        Self::MembersRead,
        Self::MembersWrite,
        Self::InvitesRead,
        Self::InvitesWrite,
        Self::AuditRead,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UsersRead => "users:read",
            Self::UsersWrite => "users:write",
            Self::GroupsRead => "groups:read",
            Self::GroupsWrite => "groups:write",
            Self::MembersRead => "members:read",
            Self::MembersWrite => "members:write",
            Self::InvitesRead => "invites:read",
            Self::InvitesWrite => "invites:write",
            Self::AuditRead => "audit:read",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == text)
    }
}

/// The scopes of a key: at least one, each once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// Scopes as a client names them; an unknown one, or none at all, is refused.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, Invalid> {
        let mut scopes = BTreeSet::new();
        for name in names {
            let name = name.as_ref();
            let scope = Scope::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
                Invalid::new("invalid-one-of").with("list", known.join(", "))
            })?;
            scopes.insert(scope);
        }
        if scopes.is_empty() {
            return Err(Invalid::new("invalid-at-least-one"));
        }
        Ok(Self(scopes))
    }

    /// As stored: the names, space-separated, sorted.
    pub fn from_stored(text: &str) -> Result<Self, Invalid> {
        Self::parse(&text.split(' ').collect::<Vec<_>>())
    }

    pub fn to_stored(&self) -> String {
        self.names().join(" ")
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|s| s.as_str()).collect()
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }
}

/// A new key, to be shown once (`usk_` and 256 random bits), and its hash, to keep.
pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> (String, TokenHash) {
    let key = format!("{PREFIX}{}", Token::generate(rng).expose());
    let hash = TokenHash::of(&key);
    (key, hash)
}

/// Whether a bearer token is a key (else a session).
pub fn is_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// A key's name: 1 to [`MAX_NAME`] printable characters.
pub fn name(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NAME || text.chars().any(char::is_control) {
        return Err(Invalid::new("invalid-printable").with("max", MAX_NAME));
    }
    Ok(text.to_owned())
}

/// A key's lifetime in whole days, from 1 to [`MAX_DAYS`].
pub fn lifetime_days(days: i64) -> Result<chrono::Duration, Invalid> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(chrono::Duration::days(days))
    } else {
        Err(Invalid::new("invalid-days").with("max", MAX_DAYS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_named_by_the_spec_and_kept_sorted() {
        let scopes = Scopes::parse(&["members:write", "groups:read", "members:write"]).unwrap();
        assert_eq!(scopes.to_stored(), "groups:read members:write");
        assert_eq!(Scopes::from_stored("groups:read members:write").unwrap(), scopes);
        assert!(scopes.contains(Scope::GroupsRead) && !scopes.contains(Scope::GroupsWrite));
        assert!(Scopes::parse(&["groups:admin"]).is_err());
        assert!(Scopes::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn a_key_is_told_from_a_session_and_only_its_hash_is_kept() {
        let (key, hash) = generate(&mut rand::rngs::OsRng);
        assert!(is_key(&key) && key.len() == PREFIX.len() + 43, "{key}");
        assert_eq!(hash, TokenHash::of(&key));
        assert!(!hash.as_str().contains(&key[PREFIX.len()..]));
    }

    #[test]
    fn a_lifetime_is_a_day_to_five_years() {
        assert!(lifetime_days(0).is_err() && lifetime_days(MAX_DAYS + 1).is_err());
        assert_eq!(lifetime_days(MAX_DAYS).unwrap(), chrono::Duration::days(MAX_DAYS));
        assert!(lifetime_days(1).is_ok());
    }
}
