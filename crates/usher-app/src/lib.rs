//! Usher's application layer: every operation, over domain types, for every front.
//!
//! A front (the JSON API, the pages, the command line, forward authentication;
//! OpenID Connect) parses what it speaks, calls one operation on [`App`] with the
//! [`Actor`] behind the request, and renders the answer — a domain value, or an
//! [`Error`] whose refusals are a closed [`Reason`]. The rules live here: who may do
//! what ([`access`]), rate limits ([`limits`]), password hashing ([`password`]), what
//! mail an action sends. No HTTP, no HTML, no SQL (that is `usher-storage`).
//!
//! # Layout
//! - [`App`] (here): the store, the settings and the rate limiters; cheap to clone.
//! - [`actor`]: who is acting, from where. [`error`]: `Error`, `Reason`, field errors.
//! - [`settings`]: what the operations need from the configuration.
//! - [`access`]: a member's role in a group and the role rules.
//! - [`accounts`]: sign-up, sign-in, login-link redemption, sign-out; [`own_account`]:
//!   a person's own account (sign-in link by email, password, address, sessions); [`session`]:
//!   minting sessions and finding the actor behind a token.
//! - [`invites`]: the public side of an invite (look up, accept).
//! - [`forward_auth`]: who a reverse proxy's visitor is, and whether a route admits them.
//! - [`apps`]: the applications Usher signs people in to, for admins; [`oidc`]: the
//!   OpenID Connect provider (authorize, tokens, claims, signing keys).
//! - [`groups`]: creating, listing, reading, changing and deleting groups;
//!   [`members`]: a group's members, their roles, removing and leaving.
//! - [`group_invites`]: a group's codes and email invitations, for its managers;
//!   [`invitations`]: an invitation's link resent or renewed, and its email.
//! - [`links`]: minting login links and registration invites.
//! - [`lists`]: keyset pagination of every list.
//! - [`users`]: instance admins' operations on accounts.
//! - [`registration_invites`], [`login_links`]: what admins hand out, checked and
//!   listed (minted through [`links`]).
//! - [`outbox`]: outgoing mail, for admins; [`mail_previews`]: each email with sample data. [`audit`]: the audit log.
//! - [`fields`]: collecting every field error before answering.
//! - [`sealing`]: a secret sealed for the person's own browser, to show once after a redirect.
#![forbid(unsafe_code)]

pub mod access;
pub mod accounts;
pub mod actor;
pub mod api_keys;
pub mod apps;
pub mod audit;
pub mod error;
pub mod fields;
pub mod forward_auth;
pub mod group_invites;
pub mod groups;
pub mod invitations;
pub mod invites;
pub mod limits;
pub mod links;
pub mod lists;
pub mod login_links;
pub mod mail_previews;
pub mod members;
mod metrics;
pub mod oidc;
pub mod outbox;
pub mod own_account;
pub mod password;
pub mod registration_invites;
pub mod sealing;
pub mod session;
pub mod settings;
pub mod users;

use std::sync::Arc;

use usher_jobs::templates::{MailLook, Templates};
use usher_storage::Store;

pub use access::Access;
pub use actor::{Actor, KeyGrant};
pub use error::{AppResult, Error, Forbidden, Reason};
pub use settings::{Registration, Settings};

/// The application: what every operation reaches. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limits: Arc<limits::RateLimits>,
    /// The key ID tokens are signed with, as this instance last read it.
    pub signer: Arc<oidc::keys::Signer>,
    /// The email templates, as the outbox worker renders them (previews show the same).
    pub mail_templates: Arc<Templates>,
}

impl App {
    /// An application with the shipped email templates and their default look.
    pub fn new(store: Store, settings: Settings) -> Self {
        let limits = Arc::new(limits::RateLimits::new(settings.rate_limits));
        let mail_templates = Arc::new(Templates::load(None, MailLook::default()).expect("the shipped templates parse"));
        Self { store, settings: Arc::new(settings), limits, signer: Arc::default(), mail_templates }
    }

    /// This application with the configured email templates (overrides, look).
    pub fn with_mail_templates(self, mail_templates: Arc<Templates>) -> Self {
        Self { mail_templates, ..self }
    }
}
