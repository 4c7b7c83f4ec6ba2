//! Groups and their members. Who may do what is decided by the configured role list
//! (`Roles`): members read, `manage_role` and up manage, the top role deletes; nobody
//! grants a role above their own, and a group keeps at least one top-role member.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, patch},
};
use chrono::Utc;
use rand::{Rng, rngs::OsRng};
use serde::Deserialize;
use serde_json::{Value, json};
use usher_domain::group::{GroupName, MAX_METADATA_BYTES, Slug, parse_external_id};
use usher_storage::{
    AuditContext,
    model::{Group, GroupPatch, NewGroup, User},
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    validate::{Fields, optional_text},
    views::{GroupView, ListQuery, MemberView, Paginated},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups", get(list).post(create))
        .route("/groups/{group_id}", get(read).patch(update).delete(remove))
        .route("/groups/{group_id}/members", get(members))
        .route("/groups/{group_id}/members/{user_id}", patch(change_role).delete(remove_member))
}

/// A signed-in member's view of one group: the group and their role in it.
#[derive(Debug)]
pub struct Access {
    pub group: Group,
    pub role: String,
    pub user: User,
    /// Who is acting, from where: for the audit log.
    pub audit: AuditContext,
}

impl Access {
    /// The caller's access to `group_id`. A group the caller does not belong to is 404,
    /// exactly like one that does not exist.
    pub async fn load(state: &AppState, group_id: &str, authed: Authed) -> ApiResult<Self> {
        let audit = authed.audit();
        let user = authed.user;
        let id = Uuid::parse_str(group_id).map_err(|_| ApiError::NotFound)?;
        let role = state.store.role_in(id, user.id).await?.ok_or(ApiError::NotFound)?;
        let group = state.store.group(id).await?.ok_or(ApiError::NotFound)?;
        Ok(Self { group, role, user, audit })
    }

    /// `manage_role` and up, or 403.
    pub fn require_manager(&self, state: &AppState) -> ApiResult<()> {
        if state.settings.roles.can_manage(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only the group's managers may do this."))
        }
    }

    /// `role` must be configured and not above the caller's own.
    pub fn check_grant(&self, state: &AppState, field: &str, role: &str) -> ApiResult<()> {
        let roles = &state.settings.roles;
        if roles.rank(role).is_none() {
            return Err(ApiError::field(field, format!("must be one of: {}", roles.names().join(", "))));
        }
        if roles.may_grant(&self.role, role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Nobody may grant a role above their own."))
        }
    }
}

/// A group as clients send it, for creation (where `name` is required) and update.
#[derive(Debug, Deserialize)]
struct GroupBody {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
    external_id: Option<String>,
    metadata: Option<Value>,
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

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<(StatusCode, Json<GroupView>)> {
    let given = body.parse(true)?;
    let Some(name) = given.name else { unreachable!("required above") };
    let slug = given.slug.unwrap_or_else(|| Slug::from_name(&name, &random_suffix()));
    let new = NewGroup {
        name: name.as_str().to_owned(),
        slug: slug.as_str().to_owned(),
        description: given.description,
        external_id: given.external_id,
        metadata: given.metadata.unwrap_or_else(|| json!({})),
    };
    let top = state.settings.roles.top().to_owned();
    let group = state.store.create_group(new, authed.user.id, &top, &authed.audit(), Utc::now()).await?;
    tracing::info!(group_id = %group.id, "group created");
    Ok((StatusCode::CREATED, Json(GroupView::new(&group, Some(&top)))))
}

/// Four characters that keep a generated slug unique among namesakes.
fn random_suffix() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..4).map(|_| CHARS[OsRng.gen_range(0..CHARS.len())] as char).collect()
}

#[derive(Debug, Deserialize)]
struct GroupsQuery {
    external_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiQuery(query): ApiQuery<GroupsQuery>,
) -> ApiResult<Json<Paginated<GroupView>>> {
    let page = ListQuery { status: None, limit: query.limit, cursor: query.cursor }.page()?;
    let groups = state.store.groups_of(authed.user.id, query.external_id.as_deref(), Some(page)).await?;
    Ok(Json(Paginated::new(groups, page, |(g, _)| g.id, |(g, role)| GroupView::new(g, Some(role)))))
}

async fn read(State(state): State<AppState>, authed: Authed, ApiPath(id): ApiPath) -> ApiResult<Json<Value>> {
    let access = Access::load(&state, &id, authed).await?;
    let members = state.store.members(access.group.id, None).await?;
    let mut view =
        serde_json::to_value(GroupView::new(&access.group, Some(&access.role))).map_err(ApiError::internal)?;
    view["members"] = json!(members.iter().map(MemberView::from).collect::<Vec<_>>());
    Ok(Json(view))
}

async fn update(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(id): ApiPath,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<Json<GroupView>> {
    let access = Access::load(&state, &id, authed).await?;
    access.require_manager(&state)?;
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

async fn remove(State(state): State<AppState>, authed: Authed, ApiPath(id): ApiPath) -> ApiResult<StatusCode> {
    let access = Access::load(&state, &id, authed).await?;
    if access.role != state.settings.roles.top() {
        return Err(ApiError::forbidden("Only the group's top role may delete it."));
    }
    state.store.delete_group(access.group.id, &access.audit).await?;
    tracing::info!(group_id = %access.group.id, "group deleted");
    Ok(StatusCode::NO_CONTENT)
}

async fn members(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(id): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<MemberView>>> {
    let access = Access::load(&state, &id, authed).await?;
    let page = query.page()?;
    let members = state.store.members(access.group.id, Some(page)).await?;
    Ok(Json(Paginated::new(members, page, |m| m.user.id, |m| MemberView::from(m))))
}

/// The target member's current role, or 404.
async fn target_role(state: &AppState, access: &Access, user_id: &str) -> ApiResult<(Uuid, String)> {
    let user_id = Uuid::parse_str(user_id).map_err(|_| ApiError::NotFound)?;
    let role = state.store.role_in(access.group.id, user_id).await?.ok_or(ApiError::NotFound)?;
    Ok((user_id, role))
}

#[derive(Debug, Deserialize)]
struct RoleBody {
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, user_id)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<Json<Value>> {
    let access = Access::load(&state, &group_id, authed).await?;
    access.require_manager(&state)?;
    let (user_id, current) = target_role(&state, &access, &user_id).await?;
    // Neither the new role nor the member's current one may be above the caller's.
    access.check_grant(&state, "role", &body.role)?;
    access.check_grant(&state, "role", &current)?;
    let top = state.settings.roles.top();
    state.store.change_membership(access.group.id, user_id, Some(&body.role), top, &access.audit).await?;
    tracing::info!(group_id = %access.group.id, %user_id, "member role changed");
    Ok(Json(json!({"user_id": user_id, "role": body.role})))
}

async fn remove_member(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, user_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = Access::load(&state, &group_id, authed).await?;
    let (user_id, current) = target_role(&state, &access, &user_id).await?;
    if user_id != access.user.id {
        // Removing someone else: a manager, and not someone above oneself.
        access.require_manager(&state)?;
        access.check_grant(&state, "user_id", &current)?;
    }
    state.store.change_membership(access.group.id, user_id, None, state.settings.roles.top(), &access.audit).await?;
    tracing::info!(group_id = %access.group.id, %user_id, "member removed");
    Ok(StatusCode::NO_CONTENT)
}
