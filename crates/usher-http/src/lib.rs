//! Usher's HTTP API: axum routes under `/api/v1`, the session and admin extractors,
//! and the problem+json error edge.
//!
//! # Layout
//! - [`serve`] / [`router`]: the whole app, for the binary and for tests.
//! - [`error`]: the one error type; every failure leaves as problem+json.
//! - [`extract`]: JSON, query and path extractors with problem+json rejections.
//! - [`metrics`]: Prometheus metrics and the middleware that counts requests.
//! - [`openapi`]: the OpenAPI document, built from the routes' annotations.
//! - [`client_ip`]: the caller's address (trusted proxies).
//! - [`auth`]: the session a request carries (bearer or cookie) as the application's
//!   `Actor`.
//! - [`routes`]: one module per resource, each with its own `router()`.
//! - [`pages`]: the server-rendered pages people land on, and their CSRF protection.
//! - [`views`]: the JSON shapes the API answers with, and pagination.
//! - [`device`]: the device a client names when it opens a session.
//!
//! Operations and their rules are the application's (`usher-app`); this crate parses,
//! calls one operation, and renders.
#![forbid(unsafe_code)]

pub mod auth;
pub mod client_ip;
pub mod device;
pub mod error;
pub mod extract;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod views;

use std::{future::Future, net::SocketAddr};

use axum::{Extension, Router, extract::DefaultBodyLimit, extract::MatchedPath, http::Request};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use usher_app::{Registration, Settings};

/// What every handler can reach: the application.
pub type AppState = usher_app::App;

/// The full application: API routes, health checks, and problem+json for everything
/// that does not match.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = documented_routes().split_for_parts();
    routes
        .layer(Extension(openapi::Document::new(doc)))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::MAX_BODY))
        .layer(axum::middleware::from_fn(pages::csrf::guard_api))
        .layer(axum::middleware::from_fn(metrics::track))
        // Spans name the route template, never the URI: paths can carry tokens.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let route = req.extensions().get::<MatchedPath>().map_or("<unmatched>", MatchedPath::as_str);
            tracing::info_span!("request", method = %req.method(), route)
        }))
        .with_state(state)
}

/// Every route, each with its OpenAPI entry.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", routes::api())
        .merge(routes::health::router())
        .merge(pages::router())
        .routes(routes!(metrics::render))
        .routes(routes!(openapi::serve))
}

/// Serves until `shutdown` resolves, then lets in-flight requests finish.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    metrics::init();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
