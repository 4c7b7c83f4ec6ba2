//! An email invitation's link, renewed: sent again with a new token, or a new token to
//! share by hand (the copy-link fallback). The old tokens answer 410 "replaced".

use axum::{Json, extract::State};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use uuid::Uuid;

use crate::{AppState, auth::Authed, error::ApiResult, extract::Id, views::InviteView};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(resend)).routes(routes!(copy_link))
}

/// Sends an email invitation again with a new token (the old ones answer 410).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/resend",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InviteView),
        (status = 400, description = "Not an email invitation (`not_applicable`)"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
        (status = 409, description = "Resent as often as allowed (`resend_limit_reached`)"),
        (status = 410, description = "The invitation is no longer active"),
        (status = 429, description = "Too many resends by this user (`rate_limited`)"),
    ),
)]
async fn resend(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, invite_id)): Id<(Uuid, Uuid)>,
) -> ApiResult<Json<InviteView>> {
    let minted = state.resend_invitation(&authed.actor(), group_id, invite_id).await?;
    Ok(Json(InviteView::minted(&minted, &state.settings, Utc::now())))
}

/// A fresh invitation link, for sharing by hand.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationLink {
    token: String,
    url: String,
}

/// A new link for an email invitation, without an email (the old ones answer 410).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/link",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InvitationLink),
        (status = 400, description = "Not an email invitation (`not_applicable`)"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
        (status = 410, description = "The invitation is no longer active"),
    ),
)]
async fn copy_link(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, invite_id)): Id<(Uuid, Uuid)>,
) -> ApiResult<Json<InvitationLink>> {
    let link = state.invitation_link(&authed.actor(), group_id, invite_id).await?;
    Ok(Json(InvitationLink { token: link.token.expose().to_owned(), url: link.url }))
}
