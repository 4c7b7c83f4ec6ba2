//! The OpenID Connect provider (SPEC §10.1): the authorization code flow with PKCE,
//! ID tokens signed RS256, opaque access tokens, rotating refresh tokens, userinfo,
//! revocation (RFC 7009), introspection (RFC 7662) and RP-initiated logout; the
//! rules of RFC 9700 (OAuth 2.0 Security Best Current Practice).
//!
//! - [`authorize`]: checking an authorization request, then signing in, consent, or
//!   the redirect back with a code.
//! - [`tokens`]: the token endpoint (codes and refresh tokens), userinfo,
//!   introspection and revocation; the claims.
//! - [`keys`]: the signing keys and the JWKS. [`logout`]: where a person goes once
//!   signed out.

pub mod authorize;
pub mod keys;
pub mod logout;
pub mod tokens;

use chrono::Duration;

/// A code is exchanged within this, or never (SPEC: at most 60 s).
pub const CODE_TTL: Duration = Duration::seconds(60);
pub const ACCESS_TOKEN_TTL: Duration = Duration::hours(1);
pub const ID_TOKEN_TTL: Duration = Duration::hours(1);
pub const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// Whether any of `texts` carries a NUL character. No stored text may hold one
/// (PostgreSQL refuses it), so a parameter with one is malformed, refused before any
/// look-up.
pub(crate) fn carries_nul<'a>(texts: impl IntoIterator<Item = &'a Option<String>>) -> bool {
    texts.into_iter().any(|text| text.as_deref().is_some_and(|text| text.contains('\0')))
}

/// An OAuth error (RFC 6749 §5.2, OpenID Connect Core §3.1.2.6): its `error` code
/// and a sentence for the developer reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

impl OAuthError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { error, description: description.into() }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn invalid_client() -> Self {
        Self::new("invalid_client", "unknown client, or wrong client credentials")
    }
}

/// Either an OAuth error to answer, or a failure (the database is down, a bug).
#[derive(Debug)]
pub enum Refusal {
    OAuth(OAuthError),
    Failed(crate::Error),
}

impl From<OAuthError> for Refusal {
    fn from(err: OAuthError) -> Self {
        Self::OAuth(err)
    }
}

impl From<crate::Error> for Refusal {
    fn from(err: crate::Error) -> Self {
        Self::Failed(err)
    }
}

impl From<usher_storage::StoreError> for Refusal {
    fn from(err: usher_storage::StoreError) -> Self {
        Self::Failed(err.into())
    }
}
