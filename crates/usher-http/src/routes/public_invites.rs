//! The public look-up: what an invite is, for the person about to use it. Shows, never
//! consumes; reveals no ids, emails or anything about other invites.

use axum::{Json, Router, extract::State, routing::get};
use chrono::Utc;
use serde_json::{Value, json};
use usher_domain::invite::{InviteKind, InviteStatus};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
    extract::ApiPath,
    routes::accounts::secret_of,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/invites/{code_or_token}", get(look_up))
}

async fn look_up(State(state): State<AppState>, ApiPath(code_or_token): ApiPath) -> ApiResult<Json<Value>> {
    let secret = secret_of(code_or_token.trim());
    // Each kind of secret is honoured only by its own route: login links are not here.
    let invite = state
        .store
        .invite_by_secret(&secret)
        .await?
        .filter(|i| i.kind != InviteKind::LoginLink)
        .ok_or(ApiError::InviteNotFound)?;
    let status = invite.usage.status(Utc::now());
    if status != InviteStatus::Active {
        return Err(ApiError::Gone(status));
    }
    Ok(Json(json!({
        "kind": invite.kind,
        "status": status,
        "description": invite.description,
        "inviter": invite.created_by.map(|c| json!({"display_name": c.display_name})),
        "expires_at": invite.usage.expires_at,
        "uses_remaining": invite.usage.uses_remaining(),
    })))
}
