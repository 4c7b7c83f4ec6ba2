//! OpenID Connect's rules that hold whatever the transport: which redirect URIs an
//! app may register (RFC 9700 §2.1, RFC 8252 for native apps), the scopes Usher
//! knows, and PKCE's S256 (RFC 7636).

use std::collections::BTreeSet;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::Invalid;

/// Longest URL Usher stores for an app.
pub const MAX_URL_LEN: usize = 2000;
/// Most redirect URIs (or post-logout URIs) an app may register.
pub const MAX_URIS: usize = 20;

/// A redirect URI as an app registers it, checked: an absolute URL without a
/// fragment; `https`, or `http` only on a loopback address (a native app's local
/// server, or development), or a private-use scheme with a dot in it
/// (`com.example.app:/callback`, RFC 8252 §7.1). Compared exactly, byte for byte.
pub fn redirect_uri(text: &str) -> Result<String, Invalid> {
    let refuse = |why: &'static str| Err(Invalid::new(why).with("url", shorten(text)));
    if text.len() > MAX_URL_LEN {
        return refuse("invalid-url-too-long");
    }
    let Ok(url) = url::Url::parse(text) else { return refuse("invalid-url-not-absolute") };
    if url.fragment().is_some() {
        return refuse("invalid-redirect-fragment");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("invalid-redirect-userinfo");
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(text.to_owned()),
        "http" if url.host().is_some_and(is_loopback) => Ok(text.to_owned()),
        "http" => refuse("invalid-redirect-http"),
        scheme if scheme.contains('.') && !matches!(scheme, "javascript" | "data" | "file") => Ok(text.to_owned()),
        _ => refuse("invalid-redirect-scheme"),
    }
}

/// An app's home page (or a URL an invite returns to): `https`, or `http` on a
/// loopback address.
pub fn web_url(text: &str) -> Result<String, Invalid> {
    let refuse = |why: &'static str| Err(Invalid::new(why).with("url", shorten(text)));
    if text.len() > MAX_URL_LEN {
        return refuse("invalid-url-too-long");
    }
    let Ok(url) = url::Url::parse(text) else { return refuse("invalid-url-not-absolute") };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(text.to_owned()),
        "http" if url.host().is_some_and(is_loopback) => Ok(text.to_owned()),
        _ => refuse("invalid-web-url-scheme"),
    }
}

/// Whether `url` lies under `base`: the same scheme, host and port, and a path at or
/// below `base`'s (`/app` covers `/app` and `/app/x`, not `/application`).
pub fn is_under(url: &str, base: &str) -> bool {
    let (Ok(url), Ok(base)) = (url::Url::parse(url), url::Url::parse(base)) else { return false };
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    let path = url.path();
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

fn is_loopback(host: url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(80).collect()
}

/// A scope Usher knows; others are ignored (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `sub`: the user's id.
    OpenId,
    /// `preferred_username`, `name`.
    Profile,
    /// `email`, `email_verified`.
    Email,
    /// `groups` (slugs) and `roles` (`{slug: role}`).
    Groups,
    /// A refresh token.
    OfflineAccess,
}

impl Scope {
    pub const ALL: [Self; 5] = [Self::OpenId, Self::Profile, Self::Email, Self::Groups, Self::OfflineAccess];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OpenId => "openid",
            Self::Profile => "profile",
            Self::Email => "email",
            Self::Groups => "groups",
            Self::OfflineAccess => "offline_access",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == word)
    }
}

/// The scopes of a request or a grant: known ones only, `openid` always among them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<Scope>);

impl Scopes {
    /// A request's `scope`: space-separated; without `openid` it is not an OpenID
    /// Connect request, which is all Usher serves.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let scopes: BTreeSet<Scope> = text.split(' ').filter_map(Scope::parse).collect();
        if !scopes.contains(&Scope::OpenId) {
            return Err(Invalid::new("invalid-scope-openid"));
        }
        Ok(Self(scopes))
    }

    /// Scopes as stored (written by [`Scopes::to_string`]).
    pub fn from_stored(text: &str) -> Self {
        Self(text.split(' ').filter_map(Scope::parse).collect())
    }

    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Whether every scope of `self` is in `other` (consent given covers a request).
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0.is_subset(&other.0)
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }
}

impl std::fmt::Display for Scopes {
    /// Space-separated, in a fixed order: the stored and the granted form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

/// PKCE's S256 challenge of a verifier: base64url(SHA-256(verifier)). A verifier is
/// 43 to 128 unreserved characters (RFC 7636 §4.1); any other is `None`.
pub fn s256_challenge(verifier: &str) -> Option<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    if !(43..=128).contains(&verifier.len()) || !verifier.bytes().all(unreserved) {
        return None;
    }
    Some(URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
}

/// Whether a `code_challenge` can be an S256 challenge: 43 base64url characters.
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_follow_the_current_best_practice() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com/cb?x=1",
            "http://127.0.0.1:8080/cb",
            "http://[::1]/cb",
            "http://localhost:3000/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert_eq!(redirect_uri(ok).as_deref(), Ok(ok), "{ok}");
        }
        for bad in [
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "/relative",
            "javascript:alert(1)",
            "data:text/html,hi",
            "myapp:/cb",
            "https://user:pw@app.example.com/cb",
            "",
        ] {
            assert!(redirect_uri(bad).is_err(), "{bad}");
        }
        assert!(redirect_uri(&format!("https://a.example/{}", "x".repeat(MAX_URL_LEN))).is_err());
    }

    #[test]
    fn under_means_same_origin_and_path_below() {
        let base = "https://tree.example.com/app/";
        assert!(is_under("https://tree.example.com/app", base));
        assert!(is_under("https://tree.example.com/app/trees/42?tab=people", base));
        assert!(!is_under("https://tree.example.com/application", base));
        assert!(!is_under("https://tree.example.com:444/app/x", base));
        assert!(!is_under("http://tree.example.com/app/x", base));
        assert!(!is_under("https://evil.example/app/x", base));
        assert!(!is_under("https://tree.example.com@evil.example/app", base));
        assert!(!is_under("https://u:p@tree.example.com/app", base));
        assert!(is_under("https://tree.example.com/anything", "https://tree.example.com/"));
    }

    #[test]
    fn scopes_need_openid_and_ignore_the_unknown() {
        assert!(Scopes::parse("profile email").is_err());
        let scopes = Scopes::parse("email openid unknown profile").unwrap();
        assert_eq!(scopes.to_string(), "openid profile email");
        assert_eq!(Scopes::from_stored(&scopes.to_string()), scopes);
        assert!(Scopes::parse("openid").unwrap().is_subset(&scopes));
        assert!(!Scopes::parse("openid groups").unwrap().is_subset(&scopes));
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(s256_challenge(verifier).as_deref(), Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert!(is_s256_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
        assert_eq!(s256_challenge("short"), None);
        assert_eq!(s256_challenge(&"a b".repeat(20)), None);
    }
}
