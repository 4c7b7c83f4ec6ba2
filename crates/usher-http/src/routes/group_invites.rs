//! A group's invitations, for its managers: shareable codes and email invitations.
//! Every invite is looked up by (group, id): another group's id is 404 and untouched.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use usher_domain::{
    account::Email,
    code::InviteCode,
    expiry::ExpiresIn,
    group::{CODE_MAX_USES, MAX_MESSAGE},
    invite::InviteKind,
    mail::Mail,
    secret::Secret,
    token::Token,
};
use usher_storage::{
    StoreError,
    model::{GroupGrant, Invite, InviteScope, NewInvite},
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::{
    Access,
    fields::{Fields, optional_text},
};

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    routes::invitation_links::invitation_email,
    views::{InviteView, ListQuery, Paginated, UserSummaryView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, revoke)).routes(routes!(redemptions))
}

const LIST_PATH: &str = "/groups/{group_id}/invites";
const ONE_PATH: &str = "/groups/{group_id}/invites/{invite_id}";

/// The caller's access to the group, as a manager.
pub(crate) async fn manager(state: &AppState, authed: Authed, group_id: &str) -> ApiResult<Access> {
    let access = state.access(&authed.actor(), crate::extract::path_id(group_id)?).await?;
    access.require_manager()?;
    Ok(access)
}

/// One of this group's invites, for every action on one (read, redemptions, revoke,
/// resend, copy link): 404 for another group's, 403 for one granting a role above the
/// caller's — what they may not create, they may not renew, read or take the link of.
pub(crate) async fn find(state: &AppState, access: &Access, invite_id: &str) -> ApiResult<Invite> {
    let id = Uuid::parse_str(invite_id).map_err(|_| ApiError::NOT_FOUND)?;
    let invite =
        state.store.invite_in_scope(InviteScope::group(access.group.id), id).await?.ok_or(ApiError::NOT_FOUND)?;
    access.require_rank(invite.role.as_ref())?;
    Ok(invite)
}

/// A group code (no `email`) or an email invitation (`email`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroupInvite {
    /// Invite this address by email (one person, one use).
    pub(crate) email: Option<String>,
    /// The role granted; defaults to `member` or the lowest role.
    pub(crate) role: Option<String>,
    /// Codes only: 1 to 100 (default 1).
    #[schema(minimum = 1, maximum = 100)]
    pub(crate) max_uses: Option<i64>,
    /// Default 24 (codes, at most 168) or 168 (invitations, at most 720).
    pub(crate) expires_in_hours: Option<i64>,
    /// A personal note for the invitation email.
    pub(crate) message: Option<String>,
}

/// Creates a group code, or an email invitation (which queues the email).
#[utoipa::path(
    post,
    path = LIST_PATH,
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
pub(crate) async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(group_id): ApiPath,
    ApiJson(body): ApiJson<NewGroupInvite>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    state.limits.invite_write(authed.user.id)?;
    let access = manager(&state, authed, &group_id).await?;
    let settings = &state.settings;
    let role = body.role.as_deref().unwrap_or(settings.roles.default_invite_role().as_str());
    let role = access.check_grant("role", role)?;
    let mut fields = Fields::default();
    let email = body.email.as_deref().and_then(|e| fields.check("email", Email::parse(e)));
    let is_invitation = body.email.is_some();
    let (default_hours, max_hours) = if is_invitation {
        (settings.invitation_default_hours, settings.invitation_max_hours)
    } else {
        (settings.group_code_default_hours, settings.group_code_max_hours)
    };
    let hours = body.expires_in_hours.unwrap_or(i64::from(default_hours));
    let expires_in = fields.check("expires_in_hours", ExpiresIn::hours(hours, max_hours));
    let max_uses = match (is_invitation, body.max_uses) {
        (true, None | Some(1)) | (false, None) => Some(1),
        (true, Some(_)) => {
            fields.push("max_uses", "an email invitation is for one person");
            None
        }
        (false, Some(n)) if (1..=CODE_MAX_USES).contains(&n) => u32::try_from(n).ok(),
        (false, Some(_)) => {
            fields.push("max_uses", format!("must be a whole number from 1 to {CODE_MAX_USES}"));
            None
        }
    };
    let message = fields.check("message", optional_text(body.message.as_deref(), MAX_MESSAGE)).flatten();
    fields.finish()?;
    let (Some(expires_in), Some(max_uses)) = (expires_in, max_uses) else { unreachable!("checked above") };
    let now = Utc::now();
    let expires_at = expires_in.after(now);
    let grant = GroupGrant { group_id: access.group.id, role, email: email.clone(), message };

    let invite = match email {
        Some(email) => {
            let token = Token::generate(&mut OsRng);
            let mail =
                invitation_email(&state, &access, &grant, email.as_str(), token.expose(), expires_at, Mail::Invitation);
            let new = new_invite(
                InviteKind::EmailInvitation,
                Secret::Token(token.hash()),
                &access,
                grant,
                max_uses,
                expires_at,
            );
            let invite = state.store.create_group_invite(new, Some(mail), &access.audit, now).await?;
            InviteView::new(&invite, settings, now)
                .with_token(token.expose(), settings)
                .with_delivery(&state.store)
                .await?
        }
        None => {
            let invite = create_code(&state, &access, grant, max_uses, expires_at, now).await?;
            InviteView::new(&invite, settings, now)
        }
    };
    tracing::debug!(group_id = %access.group.id, invite_id = %invite.id, kind = ?invite.kind, "group invite created");
    Ok((StatusCode::CREATED, Json(invite)))
}

fn new_invite(
    kind: InviteKind,
    secret: Secret,
    access: &Access,
    grant: GroupGrant,
    max_uses: u32,
    expires_at: DateTime<Utc>,
) -> NewInvite {
    NewInvite {
        kind,
        secret,
        user_id: None,
        description: None,
        max_uses: Some(max_uses),
        expires_at: Some(expires_at),
        created_by: Some(access.user.id),
        group: Some(grant),
    }
}

/// A group code, drawing another code on the rare collision.
async fn create_code(
    state: &AppState,
    access: &Access,
    grant: GroupGrant,
    max_uses: u32,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<Invite> {
    for _ in 0..5 {
        let secret = Secret::Code(InviteCode::generate(&mut OsRng));
        let new = new_invite(InviteKind::GroupCode, secret, access, grant.clone(), max_uses, expires_at);
        match state.store.create_group_invite(new, None, &access.audit, now).await {
            Err(StoreError::CodeTaken) => continue,
            other => return Ok(other?),
        }
    }
    Err(ApiError::internal("could not draw a free invite code"))
}

/// The group's invites, newest first; active ones unless `status=all`; none granting a role
/// above the caller's.
#[utoipa::path(
    get,
    path = LIST_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<InviteView>),
        (status = 403, description = "Managers only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(group_id): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<InviteView>>> {
    let access = manager(&state, authed, &group_id).await?;
    let (active, page, now) = (query.active_only(true)?, query.page()?, Utc::now());
    let rows = state.store.list_invites(InviteScope::group(access.group.id), active, page, now).await?;
    let mut list = Paginated::new(rows, page, |i| i.id, |i| InviteView::new(i, &state.settings, now));
    // Invites above the caller's role are not theirs to see (a code's link is its secret);
    // the cursor still follows the rows read, so a page may come back short.
    list.items.retain(|i| access.ranks_at_least(i.role.as_ref()));
    list.items = InviteView::with_deliveries(list.items, &state.store).await?;
    Ok(Json(list))
}

/// One of the group's invites.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InviteView),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<InviteView>> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    Ok(Json(InviteView::new(&invite, &state.settings, Utc::now()).with_delivery(&state.store).await?))
}

/// Revokes one of the group's invites.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    state.store.revoke_invite(InviteScope::group(access.group.id), invite.id, &access.audit, Utc::now()).await?;
    tracing::debug!(invite_id = %invite.id, "group invite revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Who joined through an invite, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionView {
    /// `null` once the user is deleted.
    user: Option<UserSummaryView>,
    redeemed_at: DateTime<Utc>,
}

/// Who used one of the group's invites.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}/redemptions",
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<RedemptionView>),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
    ),
)]
pub(crate) async fn redemptions(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<RedemptionView>>> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    let page = query.page()?;
    let rows = state.store.redemptions(invite.id, page).await?;
    Ok(Json(Paginated::new(
        rows,
        page,
        |r| r.id,
        |r| RedemptionView { user: r.user.as_ref().map(UserSummaryView::from), redeemed_at: r.redeemed_at },
    )))
}
