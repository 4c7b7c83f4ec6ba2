//! The part of the configuration the HTTP layer reads.

use chrono::Duration;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use usher_domain::{group, hosts::AllowedHosts, role::Roles, token::TokenHash};

use crate::limits::RateLimitSettings;

/// Who may sign up on their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Registration {
    /// Anyone may register; an invite, if given, is still checked and used.
    Open,
    /// Registration needs an active invite (the default).
    #[default]
    InviteOnly,
    /// Nobody registers themselves; admins create accounts.
    Closed,
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of every link Usher hands out, without a trailing slash.
    pub public_url: String,
    pub registration: Registration,
    /// Template for login-link URLs, with `{public_url}` and `{token}`.
    pub login_link_url: String,
    pub session_ttl: Duration,
    pub login_link_default_hours: u32,
    pub login_link_max_hours: u32,
    /// Upper bound of `expires_in_hours` for registration invites.
    pub registration_invite_max_hours: u32,
    pub roles: Roles,
    pub group_code_default_hours: u32,
    pub group_code_max_hours: u32,
    pub invitation_default_hours: u32,
    pub invitation_max_hours: u32,
    pub resend_limit: u32,
    /// Days an inactive invite, and sent mail, are kept before the cleanup purges them.
    pub retention_days: u32,
    pub rate_limits: RateLimitSettings,
    /// Peers whose `X-Forwarded-For` names the client (reverse proxies).
    pub trusted_proxies: Vec<IpNet>,
    /// The digest of `metrics_token` (only the digest is kept, so no `Debug` shows the
    /// secret): when set, `/metrics` answers only requests bearing the token.
    pub metrics_token: Option<TokenHash>,
    /// The session cookie's `Domain` (e.g. `example.com`), so that one sign-in covers
    /// the applications on its subdomains; `None`: this host only.
    pub cookie_domain: Option<String>,
    /// Hosts that forward authentication, and the sign-in page after it, may send a
    /// person back to; none by default.
    pub forward_auth_hosts: AllowedHosts,
}

impl Settings {
    /// Defaults for everything but the public URL.
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            registration: Registration::default(),
            login_link_url: "{public_url}/l/{token}".to_owned(),
            session_ttl: Duration::days(30),
            login_link_default_hours: 4,
            login_link_max_hours: 168,
            registration_invite_max_hours: 8760,
            roles: Roles::default(),
            group_code_default_hours: group::CODE_DEFAULT_HOURS,
            group_code_max_hours: group::CODE_MAX_HOURS,
            invitation_default_hours: group::INVITATION_DEFAULT_HOURS,
            invitation_max_hours: group::INVITATION_MAX_HOURS,
            resend_limit: group::RESEND_LIMIT,
            retention_days: 30,
            rate_limits: RateLimitSettings::default(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            cookie_domain: None,
            forward_auth_hosts: AllowedHosts::default(),
        }
    }

    pub fn login_link_url(&self, token: &str) -> String {
        self.login_link_url.replace("{public_url}", &self.public_url).replace("{token}", token)
    }

    pub fn registration_url(&self, code: &str) -> String {
        format!("{}/register?invite={code}", self.public_url)
    }

    /// A group code's landing page.
    pub fn join_url(&self, code: &str) -> String {
        format!("{}/join/{code}", self.public_url)
    }

    /// An email invitation's landing page.
    pub fn invitation_url(&self, token: &str) -> String {
        format!("{}/invite/{token}", self.public_url)
    }
}
