//! Mail and jobs, for instance admins: see the outbox (failed mail above all), send a
//! failed message again, run the cleanup now.

use axum::{
    Json, Router,
    extract::State,
    routing::{get, post},
};
use chrono::Utc;
use serde_json::{Value, json};
use usher_storage::{OutboxMessage, StoreError};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Admin,
    client_ip::ClientIp,
    error::{ApiError, ApiResult},
    extract::{ApiPath, ApiQuery},
    views::{ListQuery, Paginated},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/outbox", get(list))
        .route("/admin/outbox/{id}/retry", post(retry))
        .route("/admin/jobs/cleanup", post(cleanup))
}

/// An outbox row as admins see it: never the template data (it may carry a token).
fn view(m: &OutboxMessage) -> Value {
    json!({
        "id": m.id,
        "recipient": m.recipient,
        "template": m.template,
        "invite_id": m.invite_id,
        "status": m.status,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at,
        "last_error": m.last_error,
        "created_at": m.created_at,
        "sent_at": m.sent_at,
    })
}

async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<Value>>> {
    let status = query.status.as_deref();
    if status.is_some_and(|s| !["queued", "sending", "sent", "failed"].contains(&s)) {
        return Err(ApiError::field("status", "must be queued, sending, sent or failed"));
    }
    let page = query.page()?;
    let rows = state.store.list_outbox(status, page).await?;
    Ok(Json(Paginated::new(rows, page, |m| m.id, view)))
}

async fn retry(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ip: ClientIp,
    ApiPath(id): ApiPath,
) -> ApiResult<Json<Value>> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    match state.store.retry_outbox(id, &ip.audit(Some(&admin)), Utc::now()).await {
        Ok(message) => {
            tracing::info!(outbox_id = %id, "failed email queued again");
            Ok(Json(view(&message)))
        }
        Err(StoreError::NotFound) if state.store.outbox_message(id).await?.is_some() => {
            Err(ApiError::NotApplicable("Only failed messages are retried.".into()))
        }
        Err(err) => Err(err.into()),
    }
}

async fn cleanup(State(state): State<AppState>, _: Admin) -> ApiResult<Json<Value>> {
    let purged = usher_jobs::cleanup::run(&state.store, state.settings.retention_days, Utc::now()).await?;
    Ok(Json(json!({"invites": purged.invites, "sessions": purged.sessions, "mail": purged.mail})))
}
