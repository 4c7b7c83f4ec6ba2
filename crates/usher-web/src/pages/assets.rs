//! The files the pages load: the stylesheet, the instance's colours, the scripts.

use axum::{
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};

use crate::AppState;

/// The stylesheet.
#[utoipa::path(
    get,
    path = "/static/usher.css",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The pages' stylesheet", content_type = "text/css", body = String)),
)]
pub(super) async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../static/usher.css"))
}

/// The sign-up page's progressive enhancement: checks the invite code as it is typed.
#[utoipa::path(
    get,
    path = "/static/register.js",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The sign-up page's script", content_type = "text/javascript", body = String)),
)]
pub(super) async fn register_script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../static/register.js"))
}

/// Copy buttons: `<button data-copy="ID">` copies the value of the field `#ID`.
#[utoipa::path(
    get,
    path = "/static/copy.js",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The copy buttons' script", content_type = "text/javascript", body = String)),
)]
pub(super) async fn copy_script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../static/copy.js"))
}

/// Times in the viewer's own time zone: each `<time>`'s hover text.
#[utoipa::path(
    get,
    path = "/static/time.js",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The times' script", content_type = "text/javascript", body = String)),
)]
pub(super) async fn time_script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../static/time.js"))
}

/// The instance's accent colour (`accent_color`) over the stylesheet's, in the light
/// scheme (the dark one keeps its own light accent, for contrast).
#[utoipa::path(
    get,
    path = "/static/brand.css",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The instance's colours", content_type = "text/css", body = String)),
)]
pub(super) async fn brand_stylesheet(State(state): State<AppState>) -> Response {
    // The colour was checked at start (`#rrggbb`), so it cannot break out of the rule.
    let accent = &state.mail_templates.look().accent;
    let css =
        format!("@media (prefers-color-scheme: light) {{ :root {{ --accent: {accent}; --focus: {accent}; }} }}\n");
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    (headers, css).into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    ];
    (headers, body).into_response()
}
