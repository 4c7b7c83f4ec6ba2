//! The audit log: `GET /admin/audit` for instance admins, `GET /groups/{id}/audit`
//! for a group's managers (only that group's events).

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use usher_storage::{AuditEntry, AuditFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    auth::{Admin, Authed},
    error::ApiResult,
    extract::{ApiPath, ApiQuery},
    views::{ListQuery, Paginated},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(admin_audit)).routes(routes!(group_audit))
}

/// `?action=&actor=&target=&since=&until=&limit=&cursor=`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An action name, e.g. `invite.created`.
    action: Option<String>,
    /// A user id or a username.
    actor: Option<String>,
    /// The target's id (an invite, user or group id).
    target: Option<String>,
    /// From this time (RFC 3339, inclusive).
    since: Option<DateTime<Utc>>,
    /// Up to this time (RFC 3339, inclusive).
    until: Option<DateTime<Utc>>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// The user who acted; `null`: the system or an anonymous caller.
    pub actor_id: Option<Uuid>,
    /// The actor's username; `null` for the system, an anonymous caller or a deleted account.
    pub actor_username: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub group_id: Option<Uuid>,
    pub client_ip: Option<String>,
    /// What the action changed; never a token or password.
    #[schema(value_type = Object)]
    pub details: Value,
}

impl From<&AuditEntry> for AuditView {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            actor_id: e.actor_id,
            actor_username: e.actor_username.clone(),
            action: e.action.clone(),
            target_kind: e.target_kind.clone(),
            target_id: e.target_id.clone(),
            group_id: e.group_id,
            client_ip: e.client_ip.clone(),
            details: e.details.clone(),
        }
    }
}

async fn list(state: &AppState, query: AuditQuery, group_id: Option<Uuid>) -> ApiResult<Json<Paginated<AuditView>>> {
    let page = ListQuery { status: None, limit: query.limit, cursor: query.cursor }.page()?;
    let actor_id = match query.actor.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(actor) => match Uuid::parse_str(actor) {
            Ok(id) => Some(id),
            // A username; one nobody has matches nothing.
            Err(_) => Some(state.store.user_by_username(actor).await?.map_or(Uuid::nil(), |u| u.id)),
        },
    };
    let filter = AuditFilter {
        action: query.action.filter(|a| !a.is_empty()),
        actor_id,
        target_id: query.target.filter(|t| !t.is_empty()),
        group_id,
        since: query.since,
        until: query.until,
    };
    let rows = state.store.list_audit(&filter, page).await?;
    Ok(Json(Paginated::new(rows, page, |e| e.id, |e| AuditView::from(e))))
}

/// The instance's audit log, newest first.
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "admin",
    params(AuditQuery),
    responses(
        (status = 200, body = Paginated<AuditView>),
    ),
)]
pub(crate) async fn admin_audit(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paginated<AuditView>>> {
    list(&state, query, None).await
}

/// One group's audit log, for its managers.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/audit",
    tag = "groups",
    params(("group_id" = Uuid, Path), AuditQuery),
    responses(
        (status = 200, body = Paginated<AuditView>),
        (status = 403, description = "The group's managers only (`forbidden`)"),
        (status = 404, description = "No such group, or not a member (`not_found`)"),
    ),
)]
async fn group_audit(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(group_id): ApiPath,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paginated<AuditView>>> {
    let access = state.access(&authed.actor(), crate::extract::path_id(&group_id)?).await?;
    access.require_manager()?;
    list(&state, query, Some(access.group.id)).await
}
