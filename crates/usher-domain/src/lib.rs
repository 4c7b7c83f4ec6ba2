//! Usher's domain: the rules that hold whatever the storage or the transport.
//!
//! # Layout
//! - [`api_key`]: API keys for application back-ends and their scopes.
//! - [`code`]: shareable invite codes (`XXX-XXX-XXX`), generated and parsed.
//! - [`token`]: secret tokens (login links, sessions) and the hashes stored for them.
//! - [`invite`]: invite kinds and the one status rule every flow shares.
//! - [`account`]: validated account input (username, email, password, display name).
//! - [`device`]: the device a session signs in on.
//! - [`expiry`]: "expires in N hours" bounded per kind of secret.
//! - [`group`]: group names, slugs, external ids and group-invitation limits.
//! - [`hosts`]: the application hosts forward authentication may send people back to.
//! - [`role`]: the ordered role list a deployment configures, and a [`role::Role`] in it.
//! - [`secret`]: what an invite is looked up by (a code or a token's hash), parsed.
//! - [`oauth`]: OpenID Connect's redirect URIs, scopes and PKCE.
//! - [`mail`]: the emails Usher sends, one variant per template.
//! - [`sealed`]: the key that seals secrets at rest (outbox template data).
//!
//! Nothing here does I/O or awaits: randomness comes in as an argument, time as a value.
#![forbid(unsafe_code)]

pub mod account;
pub mod api_key;
pub mod code;
pub mod device;
pub mod expiry;
pub mod group;
pub mod hosts;
pub mod invite;
pub mod mail;
pub mod oauth;
pub mod role;
pub mod sealed;
pub mod secret;
pub mod token;

/// Why a piece of input was refused: the id of a message of the shipped translations
/// (`refusals.ftl` in `usher-i18n`) and its arguments, so that each front words it in
/// its reader's language (the API and the log in English). `field` is filled in by
/// whoever knows the field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub id: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Invalid {
    pub const fn new(id: &'static str) -> Self {
        Self { id, args: Vec::new() }
    }

    /// With the argument `name` of its message.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}
