//! The landing pages of group invites: `/join/{code}` (a shareable group code) and
//! `/invite/{token}` (an email invitation). Each says what it is for, who invited, the
//! role, uses left and expiry, with "Join" for a signed-in person and "Create account" /
//! "Sign in" for a visitor. Invites that no longer work get a page saying why, with 410.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;
use usher_domain::{invite::InviteKind, secret::Secret};
use usher_storage::model::Invite;
use utoipa::ToSchema;

use crate::{
    AppState, actions,
    auth::session,
    client_ip::ClientIp,
    error::ApiError,
    extract::ApiPath,
    limits::InviteRateLimit,
    pages::{
        self, PageLimit,
        csrf::{self, CheckedForm},
    },
    routes::public_invites,
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
        (status = 404, description = "No such code"),
        (status = 410, description = "Expired, revoked or used up: the page says which"),
        (status = 429, description = "Too many look-ups from this address"),
        (status = 503, description = "The database is unavailable"),
    ),
)]
pub async fn show(
    _: PageLimit<InviteRateLimit>,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    headers: HeaderMap,
) -> Response {
    landing(&state, &headers, Landing::Code, code.trim()).await
}

/// The page for an email invitation.
#[utoipa::path(
    get,
    path = "/invite/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "An email invitation's token")),
    responses(
        (status = 200, description = "What the invitation is for, and how to accept it", content_type = "text/html", body = String),
        (status = 404, description = "No such invitation"),
        (status = 410, description = "Expired, revoked, used, or replaced by a newer link: the page says which"),
        (status = 429, description = "Too many look-ups from this address"),
        (status = 503, description = "The database is unavailable"),
    ),
)]
pub async fn show_invitation(
    _: PageLimit<InviteRateLimit>,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    headers: HeaderMap,
) -> Response {
    landing(&state, &headers, Landing::Invitation, token.trim()).await
}

/// Which landing page: a code or an email invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Landing {
    Code,
    Invitation,
}

impl Landing {
    const fn kind(self) -> InviteKind {
        match self {
            Self::Code => InviteKind::GroupCode,
            Self::Invitation => InviteKind::EmailInvitation,
        }
    }

    /// The page's own path.
    fn path(self, secret: &str) -> String {
        match self {
            Self::Code => format!("/join/{secret}"),
            Self::Invitation => format!("/invite/{secret}"),
        }
    }
}

/// The active invite of `landing`'s kind that `secret` names, or the page saying why not.
async fn find(state: &AppState, landing: Landing, secret: &str) -> Result<Invite, Response> {
    match public_invites::active_invite(state, &Secret::parse(secret)).await {
        Ok(invite) if invite.kind == landing.kind() => Ok(invite),
        Ok(invite) if invite.kind == InviteKind::Registration && landing == Landing::Code => {
            Err(pages::redirect(&format!("/register?invite={secret}")))
        }
        Ok(_) | Err(ApiError::InviteNotFound) => Err(pages::not_found(WHAT)),
        Err(ApiError::Gone(status)) => Err(pages::gone(status, WHAT)),
        Err(ApiError::Superseded) => Err(pages::message(
            StatusCode::GONE,
            "This link was replaced",
            "A newer invitation was sent for this group. Use the link in the latest email.",
        )),
        Err(err) => Err(pages::refusal(&err)),
    }
}

async fn landing(state: &AppState, headers: &HeaderMap, landing: Landing, secret: &str) -> Response {
    let invite = match find(state, landing, secret).await {
        Ok(invite) => invite,
        Err(page) => return page,
    };
    let (group, user) = match (
        state.store.group(invite.group_id.unwrap_or_default()).await,
        session::signed_in(headers, state).await,
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
        path => landing.path(secret),
        secret,
        group => context! { name => group.name, description => group.description },
        inviter => invite.created_by.map(|c| c.display_name),
        role => invite.role,
        message => invite.message,
        email => invite.email,
        uses_remaining => if landing == Landing::Code { invite.usage.uses_remaining() } else { None },
        expires_at => invite.usage.expires_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
        user => user.map(|u| u.display_name),
        member,
    };
    pages::form_page(state, headers, StatusCode::OK, "join.html", context)
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
        (status = 404, description = "No such code"),
        (status = 409, description = "Already a member"),
        (status = 410, description = "Expired, revoked or used up"),
        (status = 429, description = "Too many attempts from this address"),
        (status = 503, description = "The database is unavailable"),
    ),
)]
pub async fn join(
    _: PageLimit<InviteRateLimit>,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(code): ApiPath,
    headers: HeaderMap,
    _: CheckedForm<JoinForm>,
) -> Response {
    accept(&state, &ip, &headers, Landing::Code, code.trim()).await
}

/// Accepts the invitation as the signed-in person (its address must be theirs).
#[utoipa::path(
    post,
    path = "/invite/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "An email invitation's token")),
    request_body(content = JoinForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Joined: on to `/`; not signed in: on to `/login`"),
        (status = 403, description = "No or a wrong CSRF token, or the invitation is for another email"),
        (status = 404, description = "No such invitation"),
        (status = 409, description = "Already a member"),
        (status = 410, description = "Expired, revoked, used or replaced"),
        (status = 429, description = "Too many attempts from this address"),
        (status = 503, description = "The database is unavailable"),
    ),
)]
pub async fn accept_invitation(
    _: PageLimit<InviteRateLimit>,
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    headers: HeaderMap,
    _: CheckedForm<JoinForm>,
) -> Response {
    accept(&state, &ip, &headers, Landing::Invitation, token.trim()).await
}

async fn accept(state: &AppState, ip: &ClientIp, headers: &HeaderMap, landing: Landing, secret: &str) -> Response {
    let user = match session::signed_in(headers, state).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return pages::redirect(&pages::sign_in_then(&landing.path(secret))),
        Err(err) => return pages::failure(err),
    };
    let invite = match find(state, landing, secret).await {
        Ok(invite) => invite,
        Err(page) => return page,
    };
    let audit = ip.audit(Some(&user));
    match actions::accept_invite(state, &Secret::parse(secret), &invite, &user, &audit, Utc::now()).await {
        Ok(_) => pages::redirect("/"),
        Err(err) => pages::refusal(&ApiError::from(err)),
    }
}

csrf::protected!(JoinForm);
