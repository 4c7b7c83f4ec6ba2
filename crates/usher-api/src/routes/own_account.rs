//! A person's own account (SPEC §9): a sign-in link by email, the password, proving
//! the address, the sessions open. Each route is one `usher_app::own_account` operation.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use usher_storage::model::SessionSummary;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_http::language::Language;

use crate::{AppState, auth::Authed, client_ip::ClientIp, error::ApiResult, extract::ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(email_link))
        .routes(routes!(change_password))
        .routes(routes!(request_verification))
        .routes(routes!(verify_email))
        .routes(routes!(sessions, sign_out_elsewhere))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailLinkRequest {
    #[schema(format = Email, max_length = 254)]
    email: String,
}

/// Mails a sign-in link (15 minutes, once) to the account with this address, if there
/// is one: the answer is the same either way. The mail is written in the language
/// `Accept-Language` prefers among the shipped ones (`en`, `vi`), else the instance's.
#[utoipa::path(
    post,
    path = "/auth/email-link",
    tag = "auth",
    security(()),
    request_body = EmailLinkRequest,
    responses(
        (status = 202, description = "Accepted: a link is on its way if an account has this address"),
        (status = 429, description = "Too many requests from this client or for this address (`rate_limited`)"),
    ),
)]
async fn email_link(
    ip: ClientIp,
    Language(locale): Language,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<EmailLinkRequest>,
) -> ApiResult<StatusCode> {
    state.email_sign_in_link(&ip.actor(), &body.email, locale).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    /// Required when the account has a password.
    current_password: Option<String>,
    #[schema(min_length = 8, max_length = 256)]
    new_password: String,
}

/// Sets a new password; every other session of the account ends.
#[utoipa::path(
    put,
    path = "/me/password",
    tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; the other sessions ended"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn change_password(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<StatusCode> {
    state.change_password(&authed.actor(), body.current_password.as_deref(), &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails a link that proves the account's address (24 hours; asking again replaces it).
#[utoipa::path(
    post,
    path = "/me/email/verification",
    tag = "auth",
    responses(
        (status = 202, description = "On its way (nothing is sent for an address already verified)"),
        (status = 429, description = "Too many for this address (`rate_limited`)"),
    ),
)]
async fn request_verification(
    State(state): State<AppState>,
    Language(locale): Language,
    authed: Authed,
) -> ApiResult<StatusCode> {
    state.request_email_verification(&authed.actor(), locale).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerificationToken {
    #[schema(max_length = 200)]
    token: String,
}

/// Uses a verification link: the account's address becomes verified.
#[utoipa::path(
    post,
    path = "/auth/verify-email",
    tag = "auth",
    security(()),
    request_body = VerificationToken,
    responses(
        (status = 204, description = "Verified"),
        (status = 404, description = "No live link has this token: used, replaced, expired or unknown (`not_found`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn verify_email(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<VerificationToken>,
) -> ApiResult<StatusCode> {
    state.verify_email(&ip.actor(), &body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One session the account has open: when, on what; never its token.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    /// The device's name, as its app named it (`null`: a session without one).
    device: Option<String>,
    device_type: Option<String>,
    os_info: Option<String>,
    last_seen_at: Option<DateTime<Utc>>,
    /// The session this request came with.
    current: bool,
}

impl From<SessionSummary> for SessionView {
    fn from(s: SessionSummary) -> Self {
        Self {
            created_at: s.created_at,
            expires_at: s.expires_at,
            device: s.device,
            device_type: s.device_type,
            os_info: s.os_info,
            last_seen_at: s.last_seen_at,
            current: s.current,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sessions {
    items: Vec<SessionView>,
}

/// Where the account is signed in, newest first (at most 100).
#[utoipa::path(get, path = "/me/sessions", tag = "auth", responses((status = 200, body = Sessions)))]
async fn sessions(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Sessions>> {
    let items = state.my_sessions(&authed.actor()).await?.into_iter().map(SessionView::from).collect();
    Ok(Json(Sessions { items }))
}

/// Signs out everywhere else: every session of the account but this one ends.
#[utoipa::path(
    delete,
    path = "/me/sessions",
    tag = "auth",
    responses((status = 204, description = "The other sessions ended"))
)]
async fn sign_out_elsewhere(State(state): State<AppState>, authed: Authed) -> ApiResult<StatusCode> {
    state.sign_out_elsewhere(&authed.actor()).await?;
    Ok(StatusCode::NO_CONTENT)
}
