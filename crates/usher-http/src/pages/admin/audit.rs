//! The audit log in the console: who did what, newest first, filtered like the API.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use minijinja::context;

use crate::{
    AppState,
    extract::ApiQuery,
    pages::{self, OnPage, access::AdminViewer},
    routes::audit::{self as api, AuditQuery},
};

/// The instance's audit log (the API's filters: action, actor, target, since, until).
#[utoipa::path(
    get,
    path = "/admin/audit",
    tag = "pages",
    params(AuditQuery),
    responses(
        (status = 200, description = "Audit events, newest first", content_type = "text/html", body = String),
        (status = 400, description = "A filter is refused"),
    ),
)]
pub async fn log(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(query): OnPage<ApiQuery<AuditQuery>>,
) -> Response {
    match api::admin_audit(State(state.clone()), viewer.admin(), query).await {
        Ok(Json(events)) => {
            let context = context! { section => "audit", events };
            pages::form_page(&state, &headers, StatusCode::OK, "admin/audit.html", context)
        }
        Err(err) => pages::refusal(&err),
    }
}
