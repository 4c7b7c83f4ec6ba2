//! Groups and their members. Who may do what is decided by the configured role list
//! (`Roles`): members read, `manage_role` and up manage, the top role deletes; nobody
//! grants a role above their own, and a group keeps at least one top-role member.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use usher_domain::{
    group::{self, GroupName, MAX_METADATA_BYTES, Slug, parse_external_id},
    role::Role,
};
use usher_storage::{
    StoreError,
    model::{GroupPatch, NewGroup},
};
use utoipa::{IntoParams, ToSchema};
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
    views::{GroupView, ListQuery, MemberView, Paginated},
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
    pub(crate) name: Option<String>,
    /// Lowercase letters, digits and dashes; generated from the name when absent.
    pub(crate) slug: Option<String>,
    pub(crate) description: Option<String>,
    /// Your system's id for this group, unique.
    pub(crate) external_id: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub(crate) metadata: Option<Value>,
}

/// Longest group description.
const MAX_DESCRIPTION: usize = 1000;

/// The fields of a [`GroupBody`] that were given, each validated.
struct GroupFields {
    name: Option<GroupName>,
    slug: Option<Slug>,
    description: Option<String>,
    external_id: Option<String>,
    metadata: Option<Value>,
}

impl GroupBody {
    /// Checks every field given, naming each one refused; `require_name` for creation.
    fn parse(self, require_name: bool) -> ApiResult<GroupFields> {
        let mut fields = Fields::default();
        let name = match self.name.as_deref() {
            Some(name) => fields.check("name", GroupName::parse(name)),
            None if require_name => {
                fields.push("name", "is required");
                None
            }
            None => None,
        };
        let slug = self.slug.as_deref().and_then(|s| fields.check("slug", Slug::parse(s)));
        let description =
            fields.check("description", optional_text(self.description.as_deref(), MAX_DESCRIPTION)).flatten();
        let external_id = self.external_id.as_deref().and_then(|e| fields.check("external_id", parse_external_id(e)));
        let metadata = check_metadata(&mut fields, self.metadata);
        fields.finish()?;
        Ok(GroupFields { name, slug, description, external_id, metadata })
    }
}

/// `metadata` must be a JSON object of at most 16 KiB.
fn check_metadata(fields: &mut Fields, metadata: Option<Value>) -> Option<Value> {
    match metadata {
        Some(value @ Value::Object(_)) if value.to_string().len() <= MAX_METADATA_BYTES => Some(value),
        Some(_) => {
            fields.push("metadata", format!("must be a JSON object of at most {MAX_METADATA_BYTES} bytes"));
            None
        }
        None => None,
    }
}

/// Creates a group; the caller becomes its top-role member.
#[utoipa::path(
    post,
    path = LIST_PATH,
    tag = "groups",
    request_body = GroupBody,
    responses(
        (status = 201, body = GroupView),
        (status = 409, description = "`slug_taken` or `external_id_taken`"),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let given = body.parse(true)?;
    let Some(name) = given.name else { unreachable!("required above") };
    let top = state.settings.roles.top().clone();
    // A generated slug that is taken is generated again, longer: the caller chose no
    // slug, so a 409 would be nothing they could fix. A chosen one that is taken is 409.
    let mut lengths = group::SUFFIX_LENGTHS.into_iter();
    let group = loop {
        let slug = match (&given.slug, lengths.next()) {
            (Some(chosen), _) => chosen.clone(),
            (None, Some(len)) => Slug::from_name(&name, &Slug::suffix(&mut OsRng, len)),
            (None, None) => return Err(ApiError::Internal("every generated slug was taken".into())),
        };
        let new = NewGroup {
            name: name.as_str().to_owned(),
            slug: slug.as_str().to_owned(),
            description: given.description.clone(),
            external_id: given.external_id.clone(),
            metadata: given.metadata.clone().unwrap_or_else(|| json!({})),
        };
        match state.store.create_group(new, authed.user.id, &top, &authed.audit(), Utc::now()).await {
            Err(StoreError::SlugTaken) if given.slug.is_none() => continue,
            created => break created?,
        }
    };
    tracing::debug!(group_id = %group.id, "group created");
    Ok((StatusCode::CREATED, Json(GroupView::new(&group, Some(&top)))))
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
#[utoipa::path(get, path = LIST_PATH, tag = "groups", params(GroupsQuery), responses((status = 200, body = Paginated<GroupView>)))]
async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(query): ApiQuery<GroupsQuery>,
) -> ApiResult<Json<Paginated<GroupView>>> {
    let page = ListQuery { status: None, limit: query.limit, cursor: query.cursor }.page()?;
    let groups = state.store.groups_of(authed.user.id, query.external_id.as_deref(), Some(page)).await?;
    Ok(Json(Paginated::new(groups, page, |(g, _)| g.id, |(g, role)| GroupView::new(g, Some(role)))))
}

/// A group with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub(crate) group: GroupView,
    pub(crate) members: Vec<MemberView>,
}

/// One of the caller's groups, with its members.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    responses(
        (status = 200, body = GroupDetail),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(id): ApiPath,
) -> ApiResult<Json<GroupDetail>> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&id)?).await?;
    let members = state.store.members(access.group.id, None).await?;
    let group = GroupView::new(&access.group, Some(&access.role));
    Ok(Json(GroupDetail { group, members: members.iter().map(MemberView::from).collect() }))
}

/// Changes a group (managers).
#[utoipa::path(
    patch,
    path = ONE_PATH,
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
    ApiPath(id): ApiPath,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<Json<GroupView>> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&id)?).await?;
    access.require_manager()?;
    let given = body.parse(false)?;
    let patch = GroupPatch {
        name: given.name.map(|n| n.as_str().to_owned()),
        slug: given.slug.map(|s| s.as_str().to_owned()),
        description: given.description,
        external_id: given.external_id,
        metadata: given.metadata,
    };
    let group = state.store.update_group(access.group.id, patch, &access.audit).await?;
    Ok(Json(GroupView::new(&group, Some(&access.role))))
}

/// Deletes a group, its memberships and invites (top role only).
#[utoipa::path(
    delete,
    path = ONE_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The group's top role only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn remove(State(state): State<AppState>, authed: Authed, ApiPath(id): ApiPath) -> ApiResult<StatusCode> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&id)?).await?;
    if &access.role != state.settings.roles.top() {
        return Err(usher_app::error::Forbidden::TopRoleOnly.into());
    }
    state.store.delete_group(access.group.id, &access.audit).await?;
    tracing::info!(group_id = %access.group.id, "group deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// A group's members, with roles and the invite each joined through.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/members",
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
    ApiPath(id): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<MemberView>>> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&id)?).await?;
    let page = query.page()?;
    let members = state.store.members(access.group.id, Some(page)).await?;
    Ok(Json(Paginated::new(members, page, |m| m.user.id, |m| MemberView::from(m))))
}

/// The member to act on and their current role: 404 for none, 403 for one above the
/// caller (oneself never is).
async fn target_role(state: &AppState, access: &Access, user_id: &str) -> ApiResult<(Uuid, Role)> {
    let user_id = Uuid::parse_str(user_id).map_err(|_| ApiError::NOT_FOUND)?;
    let role = state.store.role_in(access.group.id, user_id).await?.ok_or(ApiError::NOT_FOUND)?;
    access.require_rank(Some(&role))?;
    Ok((user_id, role))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleBody {
    /// One of the configured roles, not above the caller's.
    pub(crate) role: String,
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
pub(crate) async fn change_role(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, user_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<Json<RoleChanged>> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&group_id)?).await?;
    access.require_manager()?;
    let (user_id, _) = target_role(&state, &access, &user_id).await?;
    // The member's current role is checked by `target_role`; the new one here.
    let role = access.check_grant("role", &body.role)?;
    let top = state.settings.roles.top();
    state.store.change_membership(access.group.id, user_id, Some(&role), top, &access.audit).await?;
    tracing::info!(group_id = %access.group.id, %user_id, "member role changed");
    Ok(Json(RoleChanged { user_id, role }))
}

/// Removes a member (managers), or leaves the group (oneself).
#[utoipa::path(
    delete,
    path = MEMBER_PATH,
    tag = "groups",
    params(("group_id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Managers only, and never someone above oneself (`forbidden`)"),
        (status = 404, description = "No such group or member (`not_found`)"),
        (status = 409, description = "The group would lose its last top-role member (`last_owner`)"),
    ),
)]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, user_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&group_id)?).await?;
    let (user_id, _) = target_role(&state, &access, &user_id).await?;
    if user_id != access.user.id {
        // Removing someone else is for managers (`target_role` refused anyone above).
        access.require_manager()?;
    }
    state.store.change_membership(access.group.id, user_id, None, state.settings.roles.top(), &access.audit).await?;
    tracing::info!(group_id = %access.group.id, %user_id, "member removed");
    Ok(StatusCode::NO_CONTENT)
}
