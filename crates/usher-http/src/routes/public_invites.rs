//! The public side of an invite: look it up (shows, never consumes; no ids, full emails
//! or anything about other invites) and accept it (joins the group with the invite's
//! role — never a role the client sends).

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use chrono::Utc;
use serde_json::{Value, json};
use usher_domain::{
    account::mask_email,
    invite::{InviteKind, InviteStatus},
};
use usher_storage::model::{Invite, Secret};

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::ApiPath,
    limits::InviteRateLimit,
    metrics,
    routes::accounts::secret_of,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/invites/{code_or_token}", get(look_up)).route("/invites/{code_or_token}/accept", post(accept))
}

/// The active invite a code or token names, of a kind this route honours (never a
/// login link), or the 404 / 410 that says why not.
pub async fn active_invite(state: &AppState, secret: &Secret) -> ApiResult<Invite> {
    let Some(invite) = state.store.invite_by_secret(secret).await? else {
        return Err(match secret {
            Secret::Token(hash) if state.store.is_superseded(hash).await? => ApiError::Superseded,
            _ => ApiError::InviteNotFound,
        });
    };
    if invite.kind == InviteKind::LoginLink {
        return Err(ApiError::InviteNotFound);
    }
    match invite.usage.status(Utc::now()) {
        InviteStatus::Active => Ok(invite),
        status => Err(ApiError::Gone(status)),
    }
}

async fn look_up(
    _: InviteRateLimit,
    State(state): State<AppState>,
    ApiPath(code_or_token): ApiPath,
) -> ApiResult<Json<Value>> {
    let invite = active_invite(&state, &secret_of(code_or_token.trim())).await?;
    let group = match invite.group_id {
        Some(id) => state.store.group(id).await?.map(|g| json!({"name": g.name, "description": g.description})),
        None => None,
    };
    Ok(Json(json!({
        "kind": invite.kind,
        "status": InviteStatus::Active,
        "description": invite.description,
        "group": group,
        "role": invite.role,
        "inviter": invite.created_by.map(|c| json!({"display_name": c.display_name})),
        "expires_at": invite.usage.expires_at,
        "uses_remaining": invite.usage.uses_remaining(),
        "email_hint": invite.email.as_deref().map(mask_email),
    })))
}

async fn accept(
    _: InviteRateLimit,
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(code_or_token): ApiPath,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let secret = secret_of(code_or_token.trim());
    let invite = active_invite(&state, &secret).await?;
    if invite.kind == InviteKind::Registration {
        return Err(ApiError::NotApplicable("A registration invite is used by registering, not accepted.".into()));
    }
    let now = Utc::now();
    let (group_id, role) = state.store.accept_invite(&secret, &authed.user, &authed.audit(), now).await?;
    tracing::info!(%group_id, user_id = %authed.user.id, invite_id = %invite.id, "invite accepted");
    metrics::redeemed(invite.kind.as_str());
    Ok((
        StatusCode::CREATED,
        Json(json!({"membership": {
            "group_id": group_id,
            "user_id": authed.user.id,
            "role": role,
            "joined_at": now,
            "invite_id": invite.id,
        }})),
    ))
}
