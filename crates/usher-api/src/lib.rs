//! Usher's JSON API under `/api/v1`: one module per resource in [`routes`], each
//! handler parsing its input, calling one application operation (`usher-app`) and
//! answering a view or problem+json; the OpenAPI document built from the handlers'
//! annotations. It shares the HTTP edge (`usher-http`) with the pages and never
//! depends on them.
//!
//! # Layout
//! - [`routes`]: one module per resource, each with its own `router()`; `health`.
//! - [`json`]: the JSON body extractor (`ApiJson`), field-precise 400s.
//! - [`openapi`]: the document's conventions and `GET /api/openapi.json`.
//! - [`device`]: the device a client names when it opens a session.
#![forbid(unsafe_code)]

pub mod device;
pub mod json;
pub mod openapi;
pub mod routes;

use axum::response::{IntoResponse, Response};
pub use routes::api;
use usher_http::error::ApiError;
pub(crate) use usher_http::{AppState, auth, client_ip, error, views};

/// The shared extractors and the API's own JSON body, as the routes use them.
pub(crate) mod extract {
    pub use crate::json::ApiJson;
    pub use usher_http::extract::*;
}

/// Nothing at this address under `/api/`.
pub fn not_found() -> Response {
    ApiError::NOT_FOUND.into_response()
}

/// A method this API address does not take.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
