//! A group's invitations, for its managers: shareable codes and email invitations.
//! Every invite is looked up by (group, id): another group's id is 404 and untouched.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::{fields::Lifetime, group_invites::NewInvite};

use uuid::Uuid;

use crate::{
    AppState,
    auth::Authed,
    error::ApiResult,
    extract::{ApiJson, ApiQuery, Id},
    views::{InviteView, ListQuery, Paginated, RedemptionView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, revoke)).routes(routes!(redemptions))
}

const LIST_PATH: &str = "/groups/{group_id}/invites";
const ONE_PATH: &str = "/groups/{group_id}/invites/{invite_id}";

/// A group code (no `email`) or an email invitation (`email`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroupInvite {
    /// Invite this address by email (one person, one use).
    email: Option<String>,
    /// The role granted; defaults to `member` or the lowest role.
    role: Option<String>,
    /// Codes only: 1 to 100 (default 1).
    #[schema(minimum = 1, maximum = 100)]
    max_uses: Option<i64>,
    /// Default 24 (codes, at most 168) or 168 (invitations, at most 720).
    expires_in_hours: Option<i64>,
    /// A personal note for the invitation email.
    message: Option<String>,
    /// Where to send whoever uses it (after signing up or joining): a URL under a
    /// registered app's `home_url` or redirect URIs.
    return_to: Option<String>,
    /// Email invitations: the language of the email (`en` or `vi`, its resends too);
    /// default the instance's `default_locale`.
    #[schema(example = "vi")]
    locale: Option<String>,
    /// Email invitations: replies to the email go to the inviter's address (`Reply-To`).
    #[serde(default)]
    reply_to_inviter: bool,
}

impl From<NewGroupInvite> for NewInvite {
    fn from(body: NewGroupInvite) -> Self {
        let NewGroupInvite { email, role, max_uses, expires_in_hours, message, return_to, locale, reply_to_inviter } =
            body;
        let expires_in = expires_in_hours.map(Lifetime::Hours);
        Self { email, role, max_uses, expires_in, message, return_to, locale, reply_to_inviter }
    }
}

/// Creates a group code, or an email invitation (which queues the email).
#[utoipa::path(
    post,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    request_body = NewGroupInvite,
    responses(
        (status = 201, body = InviteView),
        (status = 403, description = "Managers only, and never a role above one's own (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
        (status = 409, description = "`duplicate_invite` or `already_member`"),
        (status = 429, description = "Too many invites created by this user (`rate_limited`)"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    authed: Authed,
    Id(group_id): Id,
    ApiJson(body): ApiJson<NewGroupInvite>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    let minted = state.create_group_invite(&authed.actor(), group_id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(InviteView::minted(&minted, &state.settings, Utc::now()))))
}

/// The group's invites, newest first; active ones unless `status=all`; none granting a role
/// above the caller's.
#[utoipa::path(
    get,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:read"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<InviteView>),
        (status = 403, description = "Managers only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn list(
    State(state): State<AppState>,
    authed: Authed,
    Id(group_id): Id,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<InviteView>>> {
    let invites = state.group_invites(&authed.actor(), group_id, query.request()).await?;
    let now = Utc::now();
    Ok(Json(Paginated::of(invites, |i| InviteView::of_group(i, &state.settings, now))))
}

/// One of the group's invites.
#[utoipa::path(
    get,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:read"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InviteView),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
async fn read(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, invite_id)): Id<(Uuid, Uuid)>,
) -> ApiResult<Json<InviteView>> {
    let invite = state.group_invite(&authed.actor(), group_id, invite_id).await?;
    Ok(Json(InviteView::of_group(&invite, &state.settings, Utc::now())))
}

/// Revokes one of the group's invites.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
async fn revoke(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, invite_id)): Id<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state.revoke_group_invite(&authed.actor(), group_id, invite_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who used one of the group's invites.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}/redemptions",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:read"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<RedemptionView>),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
async fn redemptions(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, invite_id)): Id<(Uuid, Uuid)>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<RedemptionView>>> {
    let joined = state.redemptions(&authed.actor(), group_id, invite_id, query.request()).await?;
    Ok(Json(Paginated::of(joined, |r| RedemptionView::from(r))))
}
