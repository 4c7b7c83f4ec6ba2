//! Liveness and readiness.

use axum::{Json, Router, routing::get};
use serde_json::{Value, json};

use crate::{
    AppState,
    error::{ApiError, ApiResult},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process answers.
async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The database answers too.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> ApiResult<Json<Value>> {
    state.store.ping().await.map_err(|err| {
        tracing::warn!(error = %err, "database not reachable");
        ApiError::Unavailable
    })?;
    Ok(Json(json!({"status": "ok", "database": "ok"})))
}
