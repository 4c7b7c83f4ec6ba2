//! Operations the routes and the command line share.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    code::InviteCode,
    device::DeviceInfo,
    invite::InviteKind,
    token::{Token, TokenHash},
};
use usher_storage::{
    AuditContext, Store, StoreError,
    model::{Invite, NewInvite, OutgoingEmail, Secret, User},
};

use crate::{AppState, Settings, auth::session, metrics};

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
        template: "login_link",
        data: serde_json::json!({"display_name": user.display_name, "url": url, "expires_at": expires_at}),
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
    tracing::info!(user_id = %user.id, "login link redeemed");
    metrics::redeemed(InviteKind::LoginLink.as_str());
    Ok((user, session_token))
}
