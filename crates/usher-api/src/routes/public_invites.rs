//! The public side of an invite: look it up (shows, never consumes; no ids, full emails
//! or anything about other invites) and accept it (joins the group with the invite's
//! role — never a role the client sends).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use usher_app::invites::{Found, Joined};
use usher_domain::{
    account::mask_email,
    invite::{InviteKind, InviteStatus},
    role::Role,
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{AppState, auth::Authed, client_ip::ClientIp, error::ApiResult, extract::ApiPath, views::schema};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(look_up)).routes(routes!(accept))
}

/// What a look-up shows: enough to decide whether to accept, nothing to exploit (no
/// ids, no full email, nothing about other invites).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitePreview {
    #[schema(schema_with = schema::invite_kind)]
    kind: InviteKind,
    /// Always `active`: anything else is answered with 410.
    #[schema(schema_with = schema::invite_status)]
    status: InviteStatus,
    description: Option<String>,
    group: Option<GroupPreview>,
    #[schema(value_type = Option<String>)]
    role: Option<Role>,
    inviter: Option<Inviter>,
    expires_at: Option<DateTime<Utc>>,
    uses_remaining: Option<u32>,
    /// Email invitations: the address, masked (`a***@example.com`).
    email_hint: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupPreview {
    name: String,
    description: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inviter {
    display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Accepted {
    membership: Membership,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Membership {
    group_id: Uuid,
    user_id: Uuid,
    #[schema(value_type = String)]
    role: Role,
    joined_at: DateTime<Utc>,
    invite_id: Uuid,
}

/// Shows an invite without using it.
#[utoipa::path(
    get,
    path = "/invites/{code_or_token}",
    tag = "invites",
    security(()),
    params(("code_or_token" = String, Path, description = "An invite code, or an email invitation's token")),
    responses(
        (status = 200, body = InvitePreview),
        (status = 404, description = "No such invite (`invite_not_found`), login-link tokens included"),
        (status = 410, description = "`invite_expired`, `invite_revoked`, `invite_used_up` or `invite_superseded`"),
        (status = 429, description = "Too many look-ups from this address (`rate_limited`)"),
    ),
)]
async fn look_up(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(code_or_token): ApiPath,
) -> ApiResult<Json<InvitePreview>> {
    let Found { invite, group, .. } = state.look_up_invite(&ip.actor(), &code_or_token).await?;
    let group = group.map(|g| GroupPreview { name: g.name, description: g.description });
    Ok(Json(InvitePreview {
        kind: invite.kind,
        status: InviteStatus::Active,
        description: invite.description,
        group,
        role: invite.role,
        inviter: invite.created_by.map(|c| Inviter { display_name: c.display_name }),
        expires_at: invite.usage.expires_at,
        uses_remaining: invite.usage.uses_remaining(),
        email_hint: invite.email.as_deref().map(mask_email),
    }))
}

/// Joins the invite's group with the invite's role, as the signed-in user.
#[utoipa::path(
    post,
    path = "/invites/{code_or_token}/accept",
    tag = "invites",
    params(("code_or_token" = String, Path, description = "A group code, or an email invitation's token")),
    responses(
        (status = 201, body = Accepted),
        (status = 400, description = "A registration invite is used by registering (`not_applicable`)"),
        (status = 403, description = "The invitation is for another email (`email_mismatch`), or the account is disabled"),
        (status = 404, description = "No such invite (`invite_not_found`)"),
        (status = 409, description = "Already a member (`already_member`)"),
        (status = 410, description = "`invite_expired`, `invite_revoked`, `invite_used_up` or `invite_superseded`"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn accept(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(code_or_token): ApiPath,
) -> ApiResult<(StatusCode, Json<Accepted>)> {
    let Joined { group_id, user_id, role, joined_at, invite_id, .. } =
        state.accept_invite(&authed.actor(), &code_or_token, None).await?;
    let membership = Membership { group_id, user_id, role, joined_at, invite_id };
    Ok((StatusCode::CREATED, Json(Accepted { membership })))
}
