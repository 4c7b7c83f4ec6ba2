//! Mail and jobs, for instance admins: see the outbox (failed mail above all), send a
//! failed message again, run the cleanup now.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiQuery, Id},
    views::{ListQuery, Paginated, admin::OutboxView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(retry)).routes(routes!(cleanup))
}

/// Outgoing mail, newest first; `status=failed` for what needs an admin.
#[utoipa::path(
    get,
    path = "/admin/outbox",
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<OutboxView>),
    ),
)]
async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<OutboxView>>> {
    let mail = state.list_outbox(&admin, query.request()).await?;
    Ok(Json(Paginated::of(mail, |r| OutboxView::from(r))))
}

/// Queues a failed message again.
#[utoipa::path(
    post,
    path = "/admin/outbox/{id}/retry",
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = OutboxView),
        (status = 400, description = "Only failed messages are retried (`not_applicable`)"),
        (status = 404, description = "No such message (`not_found`)"),
    ),
)]
async fn retry(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id) -> ApiResult<Json<OutboxView>> {
    let message = state.retry_mail(&admin, id).await?;
    Ok(Json(OutboxView::from(&message)))
}

/// What one cleanup run purged.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurgedView {
    invites: u64,
    sessions: u64,
    mail: u64,
    /// Expired OpenID Connect tokens and old authorization codes.
    tokens: u64,
}

/// Runs the cleanup job now (dead invites, expired sessions, old mail, expired tokens).
#[utoipa::path(
    post,
    path = "/admin/jobs/cleanup",
    tag = "admin",
    responses(
        (status = 200, body = PurgedView),
    ),
)]
async fn cleanup(State(state): State<AppState>, Admin(admin): Admin) -> ApiResult<Json<PurgedView>> {
    let purged = state.run_cleanup(&admin).await?;
    Ok(Json(PurgedView {
        invites: purged.invites,
        sessions: purged.sessions,
        mail: purged.mail,
        tokens: purged.tokens,
    }))
}
