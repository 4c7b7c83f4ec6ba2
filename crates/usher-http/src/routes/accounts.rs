//! Accounts and sessions: register, sign in, sign out, who am I, login-link redemption.

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header::SET_COOKIE},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use usher_domain::{
    account::{DisplayName, Email, Password, Username},
    code::InviteCode,
    invite::InviteKind,
    token::{Token, TokenHash},
};
use usher_storage::model::{NewUser, Secret, User};

use crate::{
    AppState, Registration,
    auth::{Authed, password, session},
    client_ip::ClientIp,
    error::{ApiError, ApiResult, ForbiddenCode},
    extract::ApiJson,
    limits::AuthRateLimit,
    metrics,
    routes::public_invites,
    validate::{DeviceInput, Fields},
    views::UserView,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/login-link", post(redeem_login_link))
        .route("/me", get(me))
}

/// What a code-or-token string names: a code if it reads as one, else a token's hash.
/// Anything malformed hashes like any other token and is simply not found.
pub fn secret_of(input: &str) -> Secret {
    match InviteCode::parse(input) {
        Ok(code) => Secret::Code(code),
        Err(_) => Secret::Token(TokenHash::of(input)),
    }
}

/// `{user, session_token}` plus the session cookie.
fn signed_in(state: &AppState, status: StatusCode, user: &User, token: &Token) -> Response {
    let body = json!({"user": UserView::from(user), "session_token": token.expose()});
    (status, [(SET_COOKIE, session::set_cookie(state, token))], Json(body)).into_response()
}

#[derive(Debug, Deserialize)]
struct RegisterBody {
    username: String,
    email: String,
    password: String,
    display_name: Option<String>,
    invite: Option<String>,
    device: Option<DeviceInput>,
}

async fn register(
    _: AuthRateLimit,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<Response> {
    let invite = body.invite.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(secret_of);
    match (state.settings.registration, &invite) {
        (Registration::Closed, _) => {
            return Err(ApiError::Forbidden(ForbiddenCode::RegistrationClosed, "Registration is closed.".into()));
        }
        (Registration::InviteOnly, None) => {
            return Err(ApiError::Forbidden(ForbiddenCode::InviteRequired, "Registration needs an invite.".into()));
        }
        _ => {}
    }
    let mut fields = Fields::default();
    let username = fields.check("username", Username::parse(&body.username));
    let email = fields.check("email", Email::parse(&body.email));
    let password = fields.check("password", Password::parse(&body.password));
    let display_name = match body.display_name.as_deref() {
        Some(name) => fields.check("display_name", DisplayName::parse(name)),
        None => username.as_ref().map(DisplayName::from_username),
    };
    let device = body.device.as_ref().and_then(|d| d.parse(&mut fields));
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
        let found = public_invites::active_invite(&state, secret).await?;
        kind = Some(found.kind);
        let invited = found.email.as_deref().map(usher_domain::account::normalize_email);
        if invited.is_some_and(|invited| invited != email.normalized()) {
            return Err(ApiError::from(usher_storage::StoreError::EmailMismatch));
        }
    }
    let password_hash = password::hash(password).await?;
    let new = NewUser { username, email, display_name, password_hash: Some(password_hash), is_admin: false };
    let now = Utc::now();
    let (token, session) = session::mint(&state, device, now);
    let user = state.store.register(new, invite.as_ref(), session, &ip.audit(None), now).await?;
    tracing::info!(user_id = %user.id, "user registered");
    if let Some(kind) = kind {
        metrics::redeemed(kind.as_str());
    }
    Ok(signed_in(&state, StatusCode::CREATED, &user, &token))
}

#[derive(Debug, Deserialize)]
struct LoginBody {
    login: String,
    password: String,
    device: Option<DeviceInput>,
}

async fn login(
    _: AuthRateLimit,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let device = body.device.as_ref().and_then(|d| d.parse(&mut fields));
    fields.finish()?;
    let user = state.store.user_by_login(body.login.trim()).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(body.password, stored).await? {
        tracing::info!("sign-in refused");
        let login = body.login.trim();
        state.store.record_login_failed(login, user.map(|u| u.id), &ip.audit(None)).await?;
        return Err(ApiError::Unauthenticated);
    }
    let user = user.ok_or(ApiError::Unauthenticated)?;
    if user.disabled_at.is_some() {
        return Err(ApiError::Forbidden(ForbiddenCode::Forbidden, "This account is disabled.".into()));
    }
    let now = Utc::now();
    let (token, session) = session::mint(&state, device, now);
    state.store.start_session(user.id, session, &ip.audit(None), now).await?;
    Ok(signed_in(&state, StatusCode::OK, &user, &token))
}

async fn logout(State(state): State<AppState>, authed: Authed) -> ApiResult<Response> {
    state.store.end_session(&authed.token_hash).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, session::clear_cookie(&state))]).into_response())
}

async fn me(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<serde_json::Value>> {
    let groups = state.store.groups_of(authed.user.id, None, None).await?;
    let groups: Vec<_> = groups.iter().map(|(g, role)| json!({"id": g.id, "name": g.name, "role": role})).collect();
    Ok(Json(json!({"user": UserView::from(&authed.user), "groups": groups})))
}

#[derive(Debug, Deserialize)]
struct RedeemBody {
    token: String,
    device: DeviceInput,
}

async fn redeem_login_link(
    _: AuthRateLimit,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RedeemBody>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let device = body.device.parse(&mut fields);
    fields.finish()?;
    let now = Utc::now();
    let (token, session) = session::mint(&state, device, now);
    let secret = Secret::Token(TokenHash::of(body.token.trim()));
    let user = state.store.redeem_login_link(&secret, session, &ip.audit(None), now).await?;
    tracing::info!(user_id = %user.id, "login link redeemed");
    metrics::redeemed(InviteKind::LoginLink.as_str());
    let body = json!({"user_id": user.id, "username": user.username, "session_token": token.expose()});
    Ok((StatusCode::OK, [(SET_COOKIE, session::set_cookie(&state, &token))], Json(body)).into_response())
}
