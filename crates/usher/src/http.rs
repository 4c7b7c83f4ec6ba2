//! The one HTTP server: the JSON API (`usher-api`), the pages (`usher-web`) and the
//! doors into applications (`usher-gate`) composed over the shared edge (`usher-http`), with the layers every request
//! passes — request metrics, the language pages answer in, CSRF for
//! cookie-authenticated API calls, the body limit, tracing by route template — and one
//! answer for what matches nothing.

use std::{future::Future, net::SocketAddr};

use axum::{
    Extension, Router,
    extract::{DefaultBodyLimit, MatchedPath},
    http::{Request, Uri},
    response::Response,
};
use tokio::net::TcpListener;
use tower_http::{trace::TraceLayer, validate_request::ValidateRequestHeaderLayer};
use usher_api::openapi;
use usher_http::{AppState, auth::scopes::RouteScopes, extract::MAX_BODY, language::InTheirLanguage, metrics};
use utoipa::OpenApi;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The whole server: every route, and problem+json (API) or a page (elsewhere) for
/// what matches nothing.
pub fn router(state: AppState) -> Router {
    let (routes, doc) = documented_routes().split_for_parts();
    // What each route asks of an API key, as the document declares it.
    let scopes = RouteScopes::from_openapi(&doc);
    let router = routes
        .layer(Extension(scopes))
        .layer(Extension(openapi::Document::new(doc)))
        .fallback(not_found)
        .method_not_allowed_fallback(usher_api::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(ValidateRequestHeaderLayer::custom(usher_web::csrf::guard_api))
        .layer(InTheirLanguage { default: state.mail_templates.look().default_locale })
        .layer(metrics::TrackRequests);
    // Spans name the route template, never the URI: paths can carry tokens. At DEBUG,
    // and the layer only when DEBUG is on (the filter is fixed at start): at the
    // default filter (INFO) a span per request cost ~15% of a bare request's CPU and
    // logged nothing (docs/PERFORMANCE.md). `USHER_LOG=debug` (or
    // `usher::http=debug`) brings them back.
    let router = if tracing::enabled!(tracing::Level::DEBUG) {
        router.layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let route = req.extensions().get::<MatchedPath>().map_or("<unmatched>", MatchedPath::as_str);
            tracing::debug_span!("request", method = %req.method(), route)
        }))
    } else {
        router
    };
    router.with_state(state)
}

/// Every route, each with its OpenAPI entry.
pub fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/v1", usher_api::api())
        .merge(usher_api::routes::health::router())
        .merge(usher_web::router())
        .merge(usher_gate::router())
        .routes(routes!(metrics::render))
        .routes(routes!(openapi::serve))
}

/// Nothing here: problem+json under `/api/`, a page everywhere else (people follow
/// links; programs call the API).
async fn not_found(uri: Uri) -> Response {
    if usher_http::is_api(uri.path()) { usher_api::not_found() } else { usher_web::not_found() }
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
