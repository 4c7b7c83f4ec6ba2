//! Signing up, signing in, and redeeming login links: each opens a session.

use chrono::Utc;
use usher_domain::{
    account::{DisplayName, Email, Password, Username, addressed_elsewhere},
    device::DeviceInfo,
    invite::InviteKind,
    secret::Secret,
    token::{Token, TokenHash},
};
use usher_storage::model::{Invite, NewUser, User};
use uuid::Uuid;

use crate::{
    Actor, App, Registration,
    error::{AppResult, Forbidden, Reason},
    fields::Fields,
    invites, metrics, password,
};

/// A session just opened: the user, and the token shown this once (as a cookie or in
/// the answer).
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub token: Token,
    /// Sign-up with an invite: where the invite sends the person (see
    /// [`crate::invites::Joined::after`]).
    pub after: Option<String>,
    /// Sign-up with a group invite: the group joined.
    pub joined: Option<Uuid>,
}

/// A sign-up as typed: the API's JSON and the `/register` page's form.
#[derive(Debug, Clone, Copy)]
pub struct SignUp<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Defaults to the username.
    pub display_name: Option<&'a str>,
    /// A registration invite or group code, or an email invitation's token.
    pub invite: Option<&'a str>,
}

impl App {
    /// Creates an account (through its invite, joining the invite's group) and opens a
    /// session. `fields` holds what the front already refused, so every error is
    /// reported at once.
    pub async fn register(
        &self,
        actor: &Actor,
        form: SignUp<'_>,
        mut fields: Fields,
        device: Option<DeviceInfo>,
    ) -> AppResult<SignedIn> {
        self.limits.auth(actor.ip)?;
        let invite = form.invite.map(str::trim).filter(|s| !s.is_empty()).map(Secret::parse);
        match (self.settings.registration, &invite) {
            (Registration::Closed, _) => return Err(Forbidden::RegistrationClosed.into()),
            (Registration::InviteOnly, None) => return Err(Forbidden::InviteRequired.into()),
            _ => {}
        }
        let username = fields.check("username", Username::parse(form.username));
        let email = fields.check("email", Email::parse(form.email));
        let password = fields.check("password", Password::parse(form.password));
        let display_name = match form.display_name {
            Some(name) => fields.check("display_name", DisplayName::parse(name)),
            None => username.as_ref().map(DisplayName::from_username),
        };
        fields.finish()?;
        let (Some(username), Some(email), Some(password), Some(display_name)) =
            (username, email, password, display_name)
        else {
            unreachable!("every field was checked above");
        };

        // A cheap read first, so junk codes (and the wrong email for an invitation) are
        // refused before an expensive hash. The slot itself is taken atomically inside
        // the store's `register`.
        let (mut kind, mut leads) = (None, (None, None));
        if let Some(secret) = &invite {
            let found = self.active_invite(secret).await?.invite;
            kind = Some(found.kind);
            leads = (found.return_to.clone(), found.group_id);
            if addressed_elsewhere(found.email.as_deref(), email.as_str()) {
                return Err(Forbidden::EmailMismatch.into());
            }
        }
        let password_hash = password::hash(password).await?;
        let new = NewUser { username, email, display_name, password_hash: Some(password_hash), is_admin: false };
        let now = Utc::now();
        let (token, session) = self.mint_session(device, now);
        let user = self.store.register(new, invite.as_ref(), session, &actor.audit(), now).await?;
        tracing::debug!(user_id = %user.id, "user registered");
        if let Some(kind) = kind {
            metrics::redeemed(kind);
        }
        let after = self.after_invite(leads.0.as_deref(), leads.1).await?;
        Ok(SignedIn { user, token, after, joined: leads.1 })
    }

    /// Signs in with a password. A wrong login or password is recorded
    /// (`user.login_failed`) and refused as `unauthenticated` either way.
    pub async fn sign_in(
        &self,
        actor: &Actor,
        login: &str,
        password: String,
        device: Option<DeviceInfo>,
    ) -> AppResult<SignedIn> {
        self.limits.auth(actor.ip)?;
        let login = login.trim();
        let user = self.store.user_by_login(login).await?;
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        if !password::verify(password, stored).await? {
            tracing::info!("sign-in refused");
            self.store.record_login_failed(login, user.map(|u| u.id), &actor.audit()).await?;
            return Err(Reason::Unauthenticated.into());
        }
        let user = user.ok_or(Reason::Unauthenticated)?;
        if user.disabled_at.is_some() {
            return Err(Forbidden::AccountDisabled.into());
        }
        let now = Utc::now();
        let (token, session) = self.mint_session(device, now);
        self.store.start_session(user.id, session, &actor.audit(), now).await?;
        Ok(SignedIn { user, token, after: None, joined: None })
    }

    /// An active login link by its token, with the user it signs in as: shows,
    /// never uses (a mail scanner opening the link does not burn it).
    pub async fn preview_login_link(&self, token: &str) -> AppResult<Invite> {
        let secret = Secret::Token(TokenHash::of(token.trim()));
        let link = match self.store.invite_by_secret(&secret).await? {
            Some(link) if link.kind == InviteKind::LoginLink => link,
            _ => return Err(Reason::InviteNotFound.into()),
        };
        invites::still_active(link)
    }

    /// Uses a login link (once) and opens a session on `device`.
    pub async fn redeem_login_link(
        &self,
        actor: &Actor,
        token: &str,
        device: Option<DeviceInfo>,
    ) -> AppResult<SignedIn> {
        self.limits.auth(actor.ip)?;
        let now = Utc::now();
        let (session_token, session) = self.mint_session(device, now);
        let secret = Secret::Token(TokenHash::of(token.trim()));
        let user = self.store.redeem_login_link(&secret, session, &actor.audit(), now).await?;
        tracing::debug!(user_id = %user.id, "login link redeemed");
        metrics::redeemed(InviteKind::LoginLink);
        Ok(SignedIn { user, token: session_token, after: None, joined: None })
    }

    /// Ends the session the actor came with (signing out). Nothing to end is fine.
    pub async fn sign_out(&self, actor: &Actor) -> AppResult<()> {
        if let Some(session) = &actor.session {
            self.store.end_session(session).await?;
        }
        Ok(())
    }
}
