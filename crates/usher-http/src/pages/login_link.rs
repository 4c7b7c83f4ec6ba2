//! `/l/{token}`: a login link's page. GET (and HEAD, and any link-preview fetch) only
//! shows whom the link signs in as; the button POSTs, and only that uses the link — so
//! a mail scanner that opens links does not burn it.

use axum::{
    Form,
    extract::{State, rejection::FormRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;
use usher_domain::{
    device::{DeviceInfo, DeviceType},
    invite::{InviteKind, InviteStatus},
    token::TokenHash,
};
use usher_storage::{StoreError, model::Secret};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    AppState, actions,
    auth::session,
    client_ip::ClientIp,
    error::ApiError,
    extract::ApiPath,
    limits::AuthRateLimit,
    pages::{self, csrf},
};

const WHAT: &str = "sign-in link";

/// "Continue as …": whom the link signs in as, and the button that does it.
#[utoipa::path(
    get,
    path = "/l/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The login link's token")),
    responses(
        (status = 200, description = "The button; showing it never uses the link", content_type = "text/html", body = String),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
        (status = 410, description = "Expired, revoked or already used: the page says which", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "text/html", body = String),
    ),
)]
pub async fn show(State(state): State<AppState>, ApiPath(token): ApiPath, headers: HeaderMap) -> Response {
    let token = token.trim();
    let link = match state.store.invite_by_secret(&Secret::Token(TokenHash::of(token))).await {
        Ok(Some(link)) if link.kind == InviteKind::LoginLink => link,
        Ok(_) => return pages::not_found(WHAT),
        Err(err) => return pages::failure(err),
    };
    match link.usage.status(Utc::now()) {
        InviteStatus::Active => {}
        status => return pages::gone(status, WHAT),
    }
    let Some(user) = link.user else { return pages::not_found(WHAT) };
    let form = csrf::FormToken::for_form(&headers, state.settings.public_url.starts_with("https://"));
    let expires_at = link.usage.expires_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string());
    let context = context! {
        name => user.display_name,
        username => user.username,
        token,
        csrf => form.value,
        expires_at,
    };
    let mut page = pages::render(StatusCode::OK, "login_link.html", context);
    if let Some(cookie) = form.set_cookie {
        page.headers_mut().append(header::SET_COOKIE, cookie);
    }
    page
}

/// The button's form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInForm {
    /// The form's CSRF token (it must match the `usher_csrf` cookie).
    csrf: String,
}

/// Uses the link: opens a session (the cookie) and goes to `/`.
#[utoipa::path(
    post,
    path = "/l/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The login link's token")),
    request_body(content = SignInForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: the session cookie is set, on to `/`"),
        (status = 400, description = "Not the page's form", content_type = "text/html", body = String),
        (status = 403, description = "No or a wrong CSRF token, a post from another site, or a disabled account", content_type = "text/html", body = String),
        (status = 404, description = "No such link", content_type = "text/html", body = String),
        (status = 410, description = "Expired, revoked or already used: the page says which", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts from this address", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "text/html", body = String),
    ),
)]
pub async fn sign_in(
    limit: Result<AuthRateLimit, ApiError>,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, FormRejection>,
) -> Response {
    if let Err(ApiError::RateLimited { retry_after_secs }) = limit {
        let mut page =
            pages::message(StatusCode::TOO_MANY_REQUESTS, "Too many attempts", "Wait a minute and try again.");
        page.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        return page;
    }
    let Ok(Form(form)) = form else {
        return pages::message(
            StatusCode::BAD_REQUEST,
            "That did not work",
            "Open the link again and press the button.",
        );
    };
    if !csrf::verify(&headers, &form.csrf) {
        let text = "This form expired or came from another site. Open the link again and press the button.";
        return pages::message(StatusCode::FORBIDDEN, "Please try again", text);
    }
    let device = DeviceInfo::parse(&Uuid::new_v4().to_string(), DeviceType::Web, "Web browser", None).ok();
    match actions::redeem_login_link(&state, &token, device, &ip.audit(None)).await {
        Ok((_, session_token)) => (
            StatusCode::SEE_OTHER,
            [
                (header::LOCATION, HeaderValue::from_static("/")),
                (header::SET_COOKIE, session::set_cookie(&state, &session_token)),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
            ],
        )
            .into_response(),
        Err(StoreError::InviteUnusable(status)) => pages::gone(status, WHAT),
        Err(StoreError::InviteNotFound) => pages::not_found(WHAT),
        Err(StoreError::UserDisabled) => {
            pages::message(StatusCode::FORBIDDEN, "Account disabled", "This account is disabled. Ask an admin.")
        }
        Err(err) => pages::failure(err),
    }
}
