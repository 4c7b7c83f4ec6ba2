//! Mail and jobs, for instance admins: see the outbox (failed mail above all), send a
//! failed message again, run the cleanup now.

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use usher_storage::{OutboxMessage, StoreError};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Admin,
    error::{ApiError, ApiResult},
    extract::{ApiPath, ApiQuery},
    views::{ListQuery, Paginated},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list)).routes(routes!(retry)).routes(routes!(cleanup))
}

/// An outbox row as admins see it: never the template data (it may carry a token).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxView {
    id: Uuid,
    recipient: String,
    /// `invitation`, `invitation_resent` or `login_link`.
    template: String,
    invite_id: Option<Uuid>,
    /// `queued`, `sending`, `sent` or `failed`.
    status: String,
    attempts: u32,
    next_attempt_at: DateTime<Utc>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
}

fn view(m: &OutboxMessage) -> OutboxView {
    OutboxView {
        id: m.id,
        recipient: m.recipient.clone(),
        template: m.template.clone(),
        invite_id: m.invite_id,
        status: m.status.clone(),
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error.clone(),
        created_at: m.created_at,
        sent_at: m.sent_at,
    }
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
pub(crate) async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<OutboxView>>> {
    let status = query.status.as_deref();
    if status.is_some_and(|s| !["queued", "sending", "sent", "failed"].contains(&s)) {
        return Err(ApiError::field("status", "must be queued, sending, sent or failed"));
    }
    let page = query.page()?;
    let rows = state.store.list_outbox(status, page).await?;
    Ok(Json(Paginated::new(rows, page, |m| m.id, view)))
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
pub(crate) async fn retry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath,
) -> ApiResult<Json<OutboxView>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NOT_FOUND)?;
    match state.store.retry_outbox(id, &admin.audit(), Utc::now()).await {
        Ok(message) => {
            tracing::info!(outbox_id = %id, "failed email queued again");
            Ok(Json(view(&message)))
        }
        Err(StoreError::NotFound) if state.store.outbox_message(id).await?.is_some() => {
            Err(usher_app::error::NotApplicable::RetryUnfailedMail.into())
        }
        Err(err) => Err(err.into()),
    }
}

/// What one cleanup run purged.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurgedView {
    invites: u64,
    sessions: u64,
    mail: u64,
}

/// Runs the cleanup job now (dead invites, expired sessions, old mail).
#[utoipa::path(
    post,
    path = "/admin/jobs/cleanup",
    tag = "admin",
    responses(
        (status = 200, body = PurgedView),
    ),
)]
async fn cleanup(State(state): State<AppState>, _: Admin) -> ApiResult<Json<PurgedView>> {
    let purged = usher_jobs::cleanup::run(&state.store, state.settings.retention_days, Utc::now()).await?;
    Ok(Json(PurgedView { invites: purged.invites, sessions: purged.sessions, mail: purged.mail }))
}
