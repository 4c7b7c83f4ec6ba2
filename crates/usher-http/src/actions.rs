//! Operations the routes and the command line share.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    account::{DisplayName, Email, Password, Username, normalize_email},
    code::InviteCode,
    device::DeviceInfo,
    invite::InviteKind,
    mail::Mail,
    role::Role,
    secret::Secret,
    token::{Token, TokenHash},
};
use usher_storage::{
    AuditContext, Store, StoreError,
    model::{Invite, NewInvite, NewUser, OutgoingEmail, User},
};

use crate::{
    AppState, Registration, Settings,
    auth::{password, session},
    error::{ApiError, ForbiddenCode},
    metrics,
    routes::public_invites,
    validate::Fields,
};

/// A login link just minted: the row, and the token and URL shown this once.
#[derive(Debug)]
pub struct MintedLink {
    pub link: Invite,
    pub token: Token,
    pub url: String,
}

/// Mints a login link for `user`, valid until `expires_at`; with `send_email`, the
/// link is also mailed to the user (queued with the link, in one transaction).
pub async fn create_login_link(
    store: &Store,
    settings: &Settings,
    user: &User,
    expires_at: DateTime<Utc>,
    audit: &AuditContext,
    send_email: bool,
    now: DateTime<Utc>,
) -> Result<MintedLink, StoreError> {
    let token = Token::generate(&mut OsRng);
    let url = settings.login_link_url(token.expose());
    let email = send_email.then(|| OutgoingEmail {
        recipient: user.email.clone(),
        mail: Mail::LoginLink { display_name: user.display_name.clone(), url: url.clone(), expires_at },
    });
    let new = NewInvite {
        kind: InviteKind::LoginLink,
        secret: Secret::Token(token.hash()),
        user_id: Some(user.id),
        description: None,
        max_uses: Some(1),
        expires_at: Some(expires_at),
        created_by: audit.actor_id,
        group: None,
    };
    let link = store.create_invite(new, email, audit, now).await?;
    Ok(MintedLink { link, token, url })
}

/// What a registration invite admits.
#[derive(Debug, Clone, Default)]
pub struct RegistrationInviteSpec {
    pub description: Option<String>,
    /// `None`: unlimited.
    pub max_uses: Option<u32>,
    /// `None`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Creates a registration invite with a fresh code, drawing again on the (about one in
/// 10^13) chance that the code is taken.
pub async fn create_registration_invite(
    store: &Store,
    spec: RegistrationInviteSpec,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<Invite, StoreError> {
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
        };
        match store.create_invite(new, None, audit, now).await {
            Err(StoreError::CodeTaken) if attempts < 5 => attempts += 1,
            other => return other,
        }
    }
}

/// Uses a login link (once) and opens a session on `device`: the API's redemption and
/// the `/l/{token}` page's button both come here.
pub async fn redeem_login_link(
    state: &AppState,
    token: &str,
    device: Option<DeviceInfo>,
    audit: &AuditContext,
) -> Result<(User, Token), StoreError> {
    let now = Utc::now();
    let (session_token, session) = session::mint(state, device, now);
    let secret = Secret::Token(TokenHash::of(token.trim()));
    let user = state.store.redeem_login_link(&secret, session, audit, now).await?;
    tracing::debug!(user_id = %user.id, "login link redeemed");
    metrics::redeemed(InviteKind::LoginLink.as_str());
    Ok((user, session_token))
}

/// A sign-up as typed: the API's JSON and the `/register` page's form.
#[derive(Debug, Clone, Copy)]
pub struct AccountForm<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    /// Defaults to the username.
    pub display_name: Option<&'a str>,
    /// A registration invite or group code, or an email invitation's token.
    pub invite: Option<&'a str>,
}

/// Creates an account (through its invite, joining the invite's group) and opens a
/// session. `fields` holds what the caller already refused, so every error is reported
/// at once.
pub async fn register(
    state: &AppState,
    form: AccountForm<'_>,
    mut fields: Fields,
    device: Option<DeviceInfo>,
    audit: &AuditContext,
) -> Result<(User, Token), ApiError> {
    let invite = form.invite.map(str::trim).filter(|s| !s.is_empty()).map(Secret::parse);
    match (state.settings.registration, &invite) {
        (Registration::Closed, _) => {
            return Err(ApiError::Forbidden(ForbiddenCode::RegistrationClosed, "Registration is closed.".into()));
        }
        (Registration::InviteOnly, None) => {
            return Err(ApiError::Forbidden(ForbiddenCode::InviteRequired, "Registration needs an invite.".into()));
        }
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
    let (Some(username), Some(email), Some(password), Some(display_name)) = (username, email, password, display_name)
    else {
        unreachable!("every field was checked above");
    };

    // A cheap read first, so junk codes (and the wrong email for an invitation) are
    // refused before an expensive hash. The slot itself is taken atomically inside
    // `register`.
    let mut kind = None;
    if let Some(secret) = &invite {
        let found = public_invites::active_invite(state, secret).await?;
        kind = Some(found.kind);
        let invited = found.email.as_deref().map(normalize_email);
        if invited.is_some_and(|invited| invited != email.normalized()) {
            return Err(ApiError::from(StoreError::EmailMismatch));
        }
    }
    let password_hash = password::hash(password).await?;
    let new = NewUser { username, email, display_name, password_hash: Some(password_hash), is_admin: false };
    let now = Utc::now();
    let (token, session) = session::mint(state, device, now);
    let user = state.store.register(new, invite.as_ref(), session, audit, now).await?;
    tracing::debug!(user_id = %user.id, "user registered");
    if let Some(kind) = kind {
        metrics::redeemed(kind.as_str());
    }
    Ok((user, token))
}

/// Signs in with a password: the API's `/auth/login` and the `/login` page. A wrong
/// login or password is recorded (`user.login_failed`) and answered 401 either way.
pub async fn login(
    state: &AppState,
    login: &str,
    password: String,
    device: Option<DeviceInfo>,
    audit: &AuditContext,
) -> Result<(User, Token), ApiError> {
    let login = login.trim();
    let user = state.store.user_by_login(login).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(password, stored).await? {
        tracing::info!("sign-in refused");
        state.store.record_login_failed(login, user.map(|u| u.id), audit).await?;
        return Err(ApiError::Unauthenticated);
    }
    let user = user.ok_or(ApiError::Unauthenticated)?;
    if user.disabled_at.is_some() {
        return Err(ApiError::Forbidden(ForbiddenCode::Forbidden, "This account is disabled.".into()));
    }
    let now = Utc::now();
    let (token, session) = session::mint(state, device, now);
    state.store.start_session(user.id, session, audit, now).await?;
    Ok((user, token))
}

/// Joins `invite`'s group as `user` with the invite's role (the slot taken atomically):
/// the API's accept and the join / invitation pages. Answers the group and the role.
pub async fn accept_invite(
    state: &AppState,
    secret: &Secret,
    invite: &Invite,
    user: &User,
    audit: &AuditContext,
    now: DateTime<Utc>,
) -> Result<(uuid::Uuid, Role), StoreError> {
    let (group_id, role) = state.store.accept_invite(secret, user, audit, now).await?;
    tracing::debug!(%group_id, user_id = %user.id, invite_id = %invite.id, "invite accepted");
    metrics::redeemed(invite.kind.as_str());
    Ok((group_id, role))
}
