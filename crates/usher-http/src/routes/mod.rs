//! Routes, one module per resource, each with its own `router()`.

pub mod accounts;
pub mod admin_invites;
pub mod admin_login_links;
pub mod admin_outbox;
pub mod admin_users;
pub mod audit;
pub mod group_invites;
pub mod groups;
pub mod health;
pub mod invitation_links;
pub mod public_invites;

use utoipa_axum::router::OpenApiRouter;

use axum::{
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};

use crate::{AppState, error::ApiError, pages};

/// Everything under `/api/v1`.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::router())
        .merge(public_invites::router())
        .merge(admin_invites::router())
        .merge(admin_login_links::router())
        .merge(admin_outbox::router())
        .merge(admin_users::router())
        .merge(audit::router())
        .merge(groups::router())
        .merge(group_invites::router())
        .merge(invitation_links::router())
}

/// Whether `path` is the API's (answers problem+json) rather than a page's.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Nothing here: problem+json under `/api/`, a page everywhere else (people follow
/// links; programs call the API).
pub async fn not_found(uri: Uri) -> Response {
    if is_api(uri.path()) {
        ApiError::NOT_FOUND.into_response()
    } else {
        pages::message(StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address. Check the link.")
    }
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
