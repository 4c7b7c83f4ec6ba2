//! Usher's HTTP API: axum routes under `/api/v1`, the session and admin extractors,
//! and the problem+json error edge.
//!
//! # Layout
//! - [`serve`] / [`router`]: the whole app, for the binary and for tests.
//! - [`settings`]: what the HTTP layer needs from the configuration.
//! - [`error`]: the one error type; every failure leaves as problem+json.
//! - [`extract`]: JSON, query and path extractors with problem+json rejections.
//! - [`metrics`]: Prometheus metrics and the middleware that counts requests.
//! - [`openapi`]: the OpenAPI document, built from the routes' annotations.
//! - [`limits`]: rate limits; [`client_ip`]: the caller's address (trusted proxies).
//! - [`auth`]: sessions (bearer or cookie), passwords (argon2id off the async workers).
//! - [`routes`]: one module per resource, each with its own `router()`.
//! - [`pages`]: the server-rendered pages people land on, and their CSRF protection.
//! - [`views`]: the JSON shapes the API answers with, and pagination.
//! - [`validate`]: collecting field errors, shared input shapes.
//! - [`actions`]: operations shared by routes and the command line (minting login links
//!   and registration invites).
#![forbid(unsafe_code)]

pub mod access;
pub mod actions;
pub mod auth;
pub mod client_ip;
pub mod error;
pub mod extract;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod settings;
pub mod validate;
pub mod views;

use std::{future::Future, net::SocketAddr, sync::Arc};

use axum::{Extension, Router, extract::DefaultBodyLimit, extract::MatchedPath, http::Request};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use usher_storage::Store;
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use settings::{Registration, Settings};

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub limits: Arc<limits::RateLimits>,
}

impl AppState {
    pub fn new(store: Store, settings: Settings) -> Self {
        let limits = Arc::new(limits::RateLimits::new(settings.rate_limits));
        Self { store, settings: Arc::new(settings), limits }
    }
}

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
