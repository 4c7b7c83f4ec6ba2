//! The audit log: `GET /admin/audit` for instance admins, `GET /groups/{id}/audit`
//! for a group's managers (only that group's events).

use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::{Admin, Authed},
    error::ApiResult,
    extract::{ApiQuery, Id},
    views::{
        Paginated,
        admin::{AuditQuery, AuditView},
    },
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(admin_audit)).routes(routes!(group_audit))
}

/// The instance's audit log, newest first.
#[utoipa::path(
    get,
    path = "/admin/audit",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["audit:read"])),
    tag = "admin",
    params(AuditQuery),
    responses(
        (status = 200, body = Paginated<AuditView>),
    ),
)]
async fn admin_audit(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paginated<AuditView>>> {
    let events = state.audit_log(&admin, query.into()).await?;
    Ok(Json(Paginated::of(events, |r| AuditView::from(r))))
}

/// One group's audit log, for its managers.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/audit",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["audit:read"])),
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
    Id(group_id): Id,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Paginated<AuditView>>> {
    let events = state.group_audit_log(&authed.actor(), group_id, query.into()).await?;
    Ok(Json(Paginated::of(events, |r| AuditView::from(r))))
}
