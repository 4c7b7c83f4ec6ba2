//! `/join/{code}`: a group code's landing page — what it is for, who invited, the role,
//! uses left, expiry — with "Join" for a signed-in person and "Create account" /
//! "Sign in" for a visitor. Codes that no longer work get a page saying why, with 410.

use axum::{
    Form,
    extract::{State, rejection::FormRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;
use usher_domain::invite::InviteKind;
use utoipa::ToSchema;

use crate::{
    AppState,
    auth::session,
    client_ip::ClientIp,
    error::ApiError,
    extract::ApiPath,
    limits::InviteRateLimit,
    metrics,
    pages::{self, csrf},
    routes::{accounts::secret_of, public_invites},
};

const WHAT: &str = "invite";

/// The page for a group code.
#[utoipa::path(
    get,
    path = "/join/{code}",
    tag = "pages",
    security(()),
    params(("code" = String, Path, description = "A group code")),
    responses(
        (status = 200, description = "What the code is for, and how to join", content_type = "text/html", body = String),
        (status = 303, description = "A sign-up code: on to `/register?invite=`"),
        (status = 404, description = "No such code", content_type = "text/html", body = String),
        (status = 410, description = "Expired, revoked or used up: the page says which", content_type = "text/html", body = String),
        (status = 429, description = "Too many look-ups from this address", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "text/html", body = String),
    ),
)]
pub async fn show(
    limit: Result<InviteRateLimit, ApiError>,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    headers: HeaderMap,
) -> Response {
    if let Err(err) = limit {
        return pages::refusal(&err);
    }
    let code = code.trim();
    let invite = match public_invites::active_invite(&state, &secret_of(code)).await {
        Ok(invite) => invite,
        Err(ApiError::Gone(status)) => return pages::gone(status, WHAT),
        Err(ApiError::InviteNotFound | ApiError::Superseded) => return pages::not_found(WHAT),
        Err(err) => return pages::refusal(&err),
    };
    match invite.kind {
        InviteKind::GroupCode => {}
        InviteKind::Registration => return pages::redirect(&format!("/register?invite={code}")),
        _ => return pages::not_found(WHAT),
    }
    let (group, user) = match (
        state.store.group(invite.group_id.unwrap_or_default()).await,
        session::signed_in(&headers, &state).await,
    ) {
        (Ok(Some(group)), Ok(user)) => (group, user.map(|(user, _)| user)),
        (Ok(None), _) => return pages::not_found(WHAT),
        (Err(err), _) | (_, Err(err)) => return pages::failure(err),
    };
    let member = match &user {
        Some(user) => match state.store.role_in(group.id, user.id).await {
            Ok(role) => role,
            Err(err) => return pages::failure(err),
        },
        None => None,
    };
    let context = context! {
        code,
        group => context! { name => group.name, description => group.description },
        inviter => invite.created_by.map(|c| c.display_name),
        role => invite.role,
        uses_remaining => invite.usage.uses_remaining(),
        expires_at => invite.usage.expires_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        user => user.map(|u| u.display_name),
        member,
    };
    pages::form_page(&state, &headers, StatusCode::OK, "join.html", context)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct JoinForm {
    csrf: String,
}

/// Joins the group as the signed-in person (with the code's role), then on to `/`.
#[utoipa::path(
    post,
    path = "/join/{code}",
    tag = "pages",
    security(()),
    params(("code" = String, Path, description = "A group code")),
    request_body(content = JoinForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Joined: on to `/`; not signed in: on to `/login`"),
        (status = 400, description = "Not the page's form", content_type = "text/html", body = String),
        (status = 403, description = "No or a wrong CSRF token", content_type = "text/html", body = String),
        (status = 404, description = "No such code", content_type = "text/html", body = String),
        (status = 409, description = "Already a member", content_type = "text/html", body = String),
        (status = 410, description = "Expired, revoked or used up", content_type = "text/html", body = String),
        (status = 429, description = "Too many attempts from this address", content_type = "text/html", body = String),
        (status = 503, description = "The database is unavailable", content_type = "text/html", body = String),
    ),
)]
pub async fn join(
    limit: Result<InviteRateLimit, ApiError>,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    headers: HeaderMap,
    form: Result<Form<JoinForm>, FormRejection>,
) -> Response {
    if let Err(err) = limit {
        return pages::refusal(&err);
    }
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "That did not work", "Go back, reload the page and try again.");
    };
    if !csrf::verify(&headers, &form.csrf) {
        return pages::csrf_refused();
    }
    let code = code.trim();
    let user = match session::signed_in(&headers, &state).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return pages::redirect(&format!("/login?next=/join/{code}")),
        Err(err) => return pages::failure(err),
    };
    let secret = secret_of(code);
    let invite = match public_invites::active_invite(&state, &secret).await {
        Ok(invite) if invite.kind == InviteKind::GroupCode => invite,
        Ok(_) => return pages::not_found(WHAT),
        Err(ApiError::Gone(status)) => return pages::gone(status, WHAT),
        Err(err) => return pages::refusal(&err),
    };
    match state.store.accept_invite(&secret, &user, &ip.audit(Some(&user)), Utc::now()).await {
        Ok((group_id, _)) => {
            tracing::info!(%group_id, user_id = %user.id, invite_id = %invite.id, "invite accepted");
            metrics::redeemed(InviteKind::GroupCode.as_str());
            pages::redirect("/")
        }
        Err(err) => pages::refusal(&ApiError::from(err)),
    }
}
