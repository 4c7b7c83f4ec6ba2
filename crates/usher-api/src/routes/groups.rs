//! Groups and their members. Who may do what is decided by the configured role list
//! (`Roles`): members read, `manage_role` and up manage, the top role deletes; nobody
//! grants a role above their own, and a group keeps at least one top-role member.

use axum::{Json, extract::State, http::StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use usher_domain::role::Role;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::{groups::GroupInput, lists::ListRequest};

use crate::{
    AppState,
    auth::Authed,
    error::ApiResult,
    extract::{ApiJson, ApiQuery, Id},
    views::{GroupDetail, GroupView, ListQuery, MemberView, Paginated},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update, remove))
        .routes(routes!(members))
        .routes(routes!(change_role, remove_member))
}

const LIST_PATH: &str = "/groups";
const ONE_PATH: &str = "/groups/{group_id}";
const MEMBER_PATH: &str = "/groups/{group_id}/members/{user_id}";

/// A group as clients send it, for creation (where `name` is required) and update
/// (where absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
pub struct GroupBody {
    /// Required on creation.
    name: Option<String>,
    /// Lowercase letters, digits and dashes; generated from the name when absent.
    slug: Option<String>,
    description: Option<String>,
    /// Your system's id for this group, unique.
    external_id: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
    /// An app (its id) whoever joins is sent on to, at its `home_url`; `null`: none.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<Uuid>)]
    app_id: Option<Option<Uuid>>,
}

impl From<GroupBody> for GroupInput {
    fn from(body: GroupBody) -> Self {
        let GroupBody { name, slug, description, external_id, metadata, app_id } = body;
        Self { name, slug, description, external_id, metadata, app_id }
    }
}

/// Creates a group; the caller becomes its top-role member.
#[utoipa::path(
    post,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["groups:write"])),
    tag = "groups",
    request_body = GroupBody,
    responses(
        (status = 201, body = GroupView),
        (status = 409, description = "`slug_taken` or `external_id_taken`"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let created = state.create_group(&authed.actor(), body.into()).await?;
    Ok((StatusCode::CREATED, Json(GroupView::new(&created.group, Some(&created.role)))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GroupsQuery {
    /// Only the group with this external id.
    external_id: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    cursor: Option<String>,
}

/// The caller's groups, with their role in each.
#[utoipa::path(
    get,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["groups:read"])),
    tag = "groups",
    params(GroupsQuery),
    responses((status = 200, body = Paginated<GroupView>)),
)]
async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(query): ApiQuery<GroupsQuery>,
) -> ApiResult<Json<Paginated<GroupView>>> {
    let list = ListRequest { status: None, limit: query.limit, cursor: query.cursor };
    let groups = state.my_groups(&authed.actor(), query.external_id.as_deref(), list).await?;
    Ok(Json(Paginated::of(groups, |g| GroupView::new(&g.group, Some(&g.role)))))
}

/// One of the caller's groups, with its members.
#[utoipa::path(
    get,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["groups:read"])),
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    responses(
        (status = 200, body = GroupDetail),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn read(State(state): State<AppState>, authed: Authed, Id(id): Id) -> ApiResult<Json<GroupDetail>> {
    Ok(Json(GroupDetail::from(&state.group(&authed.actor(), id).await?)))
}

/// Changes a group (managers).
#[utoipa::path(
    patch,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["groups:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    request_body = GroupBody,
    responses(
        (status = 200, body = GroupView),
        (status = 403, description = "The group's managers only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
        (status = 409, description = "`slug_taken` or `external_id_taken`"),
    ),
)]
async fn update(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<Json<GroupView>> {
    let updated = state.update_group(&authed.actor(), id, body.into()).await?;
    Ok(Json(GroupView::new(&updated.group, Some(&updated.role))))
}

/// Deletes a group, its memberships and invites (top role only).
#[utoipa::path(
    delete,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["groups:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The group's top role only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn remove(State(state): State<AppState>, authed: Authed, Id(id): Id) -> ApiResult<StatusCode> {
    state.delete_group(&authed.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group's members, with roles and the invite each joined through.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/members",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["members:read"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<MemberView>),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn members(
    State(state): State<AppState>,
    authed: Authed,
    Id(id): Id,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<MemberView>>> {
    let members = state.members(&authed.actor(), id, query.request()).await?;
    Ok(Json(Paginated::of(members, |m| MemberView::from(m))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// One of the configured roles, not above the caller's.
    role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleChanged {
    user_id: Uuid,
    #[schema(value_type = String)]
    role: Role,
}

/// Changes a member's role (managers; never above their own).
#[utoipa::path(
    patch,
    path = MEMBER_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["members:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    request_body = RoleBody,
    responses(
        (status = 200, body = RoleChanged),
        (status = 403, description = "Managers only, and never above one's own role (`forbidden`)"),
        (status = 404, description = "No such group or member (`not_found`)"),
        (status = 409, description = "The group would lose its last top-role member (`last_owner`)"),
    ),
)]
async fn change_role(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, user_id)): Id<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<Json<RoleChanged>> {
    let role = state.change_role(&authed.actor(), group_id, user_id, &body.role).await?;
    Ok(Json(RoleChanged { user_id, role }))
}

/// Removes a member (managers), or leaves the group (oneself).
#[utoipa::path(
    delete,
    path = MEMBER_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["members:write"])),
    tag = "groups",
    params(("group_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Managers only, and never someone above oneself (`forbidden`)"),
        (status = 404, description = "No such group or member (`not_found`)"),
        (status = 409, description = "The group would lose its last top-role member (`last_owner`)"),
    ),
)]
async fn remove_member(
    State(state): State<AppState>,
    authed: Authed,
    Id((group_id, user_id)): Id<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    state.remove_member(&authed.actor(), group_id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
