//! Minting what an admin (or the operator) hands out: login links and registration
//! invites.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{code::InviteCode, invite::InviteKind, mail::Mail, secret::Secret, token::Token};
use usher_storage::{
    StoreError,
    model::{Invite, NewInvite, OutgoingEmail, User},
};

use usher_i18n::Locale;

use crate::{Actor, App, error::AppResult};

/// A login link just minted: the row, its user, and the token and URL shown this once.
#[derive(Debug)]
pub struct MintedLink {
    pub link: Invite,
    pub user: User,
    pub token: Token,
    pub url: String,
}

/// What a registration invite admits.
#[derive(Debug, Clone, Default)]
pub struct RegistrationInviteSpec {
    pub description: Option<String>,
    /// `None`: unlimited.
    pub max_uses: Option<u32>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// Where to send whoever signs up with it (checked: an app's URL).
    pub return_to: Option<String>,
}

impl App {
    /// Mints a login link for `user`, valid until `expires_at`; with `send_email`, the
    /// link is also mailed to the user (queued with the link, in one transaction).
    pub async fn mint_login_link(
        &self,
        actor: &Actor,
        user: &User,
        expires_at: DateTime<Utc>,
        send_email: bool,
    ) -> AppResult<MintedLink> {
        actor.require_admin()?;
        self.mint_login_link_unchecked(actor, user, expires_at, send_email, None).await
    }

    /// [`App::mint_login_link`] without asking who may: for the operations that decided
    /// that themselves (a person asking for a sign-in link to their own address, whose
    /// mail is written in `locale`).
    pub(crate) async fn mint_login_link_unchecked(
        &self,
        actor: &Actor,
        user: &User,
        expires_at: DateTime<Utc>,
        send_email: bool,
        locale: Option<Locale>,
    ) -> AppResult<MintedLink> {
        let now = Utc::now();
        let token = Token::generate(&mut OsRng);
        let url = self.settings.login_link_url(token.expose());
        let email = send_email.then(|| OutgoingEmail {
            recipient: user.email.clone(),
            mail: Mail::LoginLink {
                display_name: user.display_name.clone(),
                url: url.clone(),
                expires_at,
                locale: locale.map(|l| l.tag().to_owned()),
            },
        });
        let audit = actor.audit();
        let new = NewInvite {
            kind: InviteKind::LoginLink,
            secret: Secret::Token(token.hash()),
            user_id: Some(user.id),
            description: None,
            max_uses: Some(1),
            expires_at: Some(expires_at),
            created_by: audit.actor_id,
            group: None,
            return_to: None,
        };
        let link = self.store.create_invite(new, email, &audit, now).await?;
        Ok(MintedLink { link, user: user.clone(), token, url })
    }

    /// Creates a registration invite with a fresh code, drawing again on the (about
    /// one in 10^13) chance that the code is taken.
    pub async fn mint_registration_invite(&self, actor: &Actor, spec: RegistrationInviteSpec) -> AppResult<Invite> {
        actor.require_admin()?;
        let now = Utc::now();
        let audit = actor.audit();
        let mut attempts = 0;
        loop {
            let new = NewInvite {
                kind: InviteKind::Registration,
                secret: Secret::Code(InviteCode::generate(&mut OsRng)),
                user_id: None,
                description: spec.description.clone(),
                max_uses: spec.max_uses,
                expires_at: spec.expires_at,
                created_by: audit.actor_id,
                group: None,
                return_to: spec.return_to.clone(),
            };
            match self.store.create_invite(new, None, &audit, now).await {
                Err(StoreError::CodeTaken) if attempts < 5 => attempts += 1,
                other => return Ok(other?),
            }
        }
    }
}
