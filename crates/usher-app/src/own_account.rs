//! What a person does for their own account (SPEC §9): get a sign-in link by email
//! (also the way back in after a forgotten password), change the password, prove
//! their address, see where they are signed in and sign out everywhere else.

use chrono::{Duration, Utc};
use rand::rngs::OsRng;
use usher_domain::Invalid;
use usher_domain::{
    account::{Email, Password},
    mail::Mail,
    token::{Token, TokenHash},
};
use usher_i18n::Locale;
use usher_storage::model::{OutgoingEmail, SessionSummary, UserPatch};

use crate::{
    Actor, App,
    error::{AppResult, Error, Reason},
    fields::Fields,
    password,
};

/// How long a sign-in link asked for by email works.
pub const EMAIL_LINK_MINUTES: i64 = 15;
/// How long an email verification link works.
pub const VERIFICATION_HOURS: i64 = 24;

impl App {
    /// "Email me a sign-in link": when an enabled account has `email`, a login link
    /// (valid [`EMAIL_LINK_MINUTES`]) is mailed to it. The answer is the same either
    /// way, and so is its time: the link is minted after answering, off the request.
    /// Limited per client address (as sign-in is) and per address mailed. The mail is
    /// written in `locale` (the asker's), else the instance's default.
    pub async fn email_sign_in_link(&self, actor: &Actor, email: &str, locale: Option<Locale>) -> AppResult<()> {
        self.limits.auth(actor.ip)?;
        let email = Email::parse(email).map_err(|e| Error::field("email", e))?;
        self.limits.email_to(&email.normalized())?;
        let app = self.clone();
        let actor = actor.clone();
        tokio::spawn(async move {
            let found = app.store.user_by_login(email.as_str()).await;
            let user = match found {
                Ok(Some(user))
                    if user.disabled_at.is_none()
                        && Email::parse(&user.email).is_ok_and(|e| e.normalized() == email.normalized()) =>
                {
                    user
                }
                Ok(_) => return,
                Err(err) => return tracing::error!(error = %err, "sign-in link by email: the account was not read"),
            };
            let expires_at = Utc::now() + Duration::minutes(EMAIL_LINK_MINUTES);
            match app.mint_login_link_unchecked(&actor, &user, expires_at, true, locale).await {
                Ok(minted) => {
                    tracing::info!(login_link_id = %minted.link.id, user_id = %user.id, "sign-in link emailed")
                }
                Err(err) => tracing::error!(error = %err, "sign-in link by email not minted"),
            }
        });
        Ok(())
    }

    /// Changes the signed-in person's password; every other session of theirs ends.
    /// The current password is asked for when there is one (limited per client
    /// address, as sign-in is: it is a guess at a password) — except in a session a
    /// sign-in link mailed to the account opened less than [`EMAIL_LINK_MINUTES`] ago:
    /// "Forgot password?" is exactly that.
    pub async fn change_password(&self, actor: &Actor, current: Option<&str>, new: &str) -> AppResult<()> {
        let user = actor.user()?;
        self.limits.auth(actor.ip)?;
        let mut fields = Fields::default();
        let new = fields.check("new_password", Password::parse(new));
        let current = current.filter(|c| !c.is_empty());
        if user.password_hash.is_some() && current.is_none() && !self.may_reset_password(actor).await? {
            fields.push("current_password", Invalid::new("invalid-current-password-needed"));
        }
        fields.finish()?;
        let Some(new) = new else { unreachable!("checked above") };
        if let (Some(stored), Some(current)) = (&user.password_hash, current)
            && !password::verify(current.to_owned(), Some(stored.clone())).await?
        {
            return Err(Error::field("current_password", Invalid::new("invalid-not-your-password")));
        }
        let patch = UserPatch { password_hash: Some(password::hash(new).await?), ..UserPatch::default() };
        let top = self.settings.roles.top();
        self.store.update_user(user.id, patch, actor.session.as_ref(), top, &actor.audit(), Utc::now()).await?;
        tracing::info!(user_id = %user.id, "password changed");
        Ok(())
    }

    /// Whether this session may set a password without the current one: opened by a
    /// mailed sign-in link, recently.
    pub async fn may_reset_password(&self, actor: &Actor) -> AppResult<bool> {
        let Some(session) = &actor.session else { return Ok(false) };
        let since = Utc::now() - Duration::minutes(EMAIL_LINK_MINUTES);
        Ok(self.store.opened_by_mailed_link_since(session, since).await?)
    }

    /// Mails the signed-in person a link that proves their address (valid
    /// [`VERIFICATION_HOURS`]; asking again replaces it), written in `locale`. Nothing
    /// is sent for an address already verified.
    pub async fn request_email_verification(&self, actor: &Actor, locale: Option<Locale>) -> AppResult<()> {
        let user = actor.user()?;
        if user.email_verified_at.is_some() {
            return Ok(());
        }
        let address = Email::parse(&user.email).map(|e| e.normalized()).unwrap_or_else(|_| user.email.clone());
        self.limits.email_to(&address)?;
        let token = Token::generate(&mut OsRng);
        let now = Utc::now();
        let expires_at = now + Duration::hours(VERIFICATION_HOURS);
        let url = format!("{}/verify-email/{}", self.settings.public_url, token.expose());
        let locale = locale.map(|l| l.tag().to_owned());
        let mail = Mail::EmailVerification { display_name: user.display_name.clone(), url, expires_at, locale };
        let email = OutgoingEmail { recipient: user.email.clone(), mail };
        self.store.start_email_verification(user, &token.hash(), expires_at, email, now).await?;
        Ok(())
    }

    /// Whether a verification link still works (its page shows; it uses nothing).
    pub async fn verification_link_is_live(&self, actor: &Actor, token: &str) -> AppResult<()> {
        self.limits.invite_lookup(actor.ip)?;
        let live = self.store.verification_is_live(&TokenHash::of(token.trim()), Utc::now()).await?;
        if live { Ok(()) } else { Err(Reason::NotFound.into()) }
    }

    /// Uses a verification link: the address it was sent to is verified, if still the
    /// account's. A used, replaced, expired or unknown link is `not_found`.
    pub async fn verify_email(&self, actor: &Actor, token: &str) -> AppResult<()> {
        self.limits.auth(actor.ip)?;
        let verified = self.store.verify_email(&TokenHash::of(token.trim()), &actor.audit(), Utc::now()).await?;
        verified.map(|_| ()).ok_or_else(|| Reason::NotFound.into())
    }

    /// Where the signed-in person is signed in (newest first), this session marked.
    pub async fn my_sessions(&self, actor: &Actor) -> AppResult<Vec<SessionSummary>> {
        let user = actor.user()?;
        Ok(self.store.sessions_of(user.id, actor.session.as_ref(), Utc::now()).await?)
    }

    /// Ends every session of the signed-in person but this one; answers how many.
    pub async fn sign_out_elsewhere(&self, actor: &Actor) -> AppResult<u64> {
        let user = actor.user()?;
        Ok(self.store.end_other_sessions(user.id, actor.session.as_ref(), &actor.audit(), Utc::now()).await?)
    }
}
