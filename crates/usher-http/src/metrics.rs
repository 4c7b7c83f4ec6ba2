//! Prometheus metrics at `GET /metrics`, through the `metrics` facade: requests by
//! route category and status with latency histograms (the middleware here), redemptions
//! by invite kind (`usher-app`), emails and job runs (`usher-jobs`), and database pool
//! use (read at scrape time).

use std::{
    sync::OnceLock,
    time::{Duration, Instant},
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use usher_domain::token::TokenHash;

use crate::{AppState, auth::session, error::ApiError};

/// Latency buckets in seconds: 0.5 ms to 10 s.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// How often recorded latencies are folded into their buckets. The recorder keeps
/// every sample until then, so without this an instance that nobody scrapes grows
/// without bound (~8 bytes a request: 0.7 MB a second at 90,000 requests a second).
const UPKEEP_EVERY: Duration = Duration::from_secs(1);

/// The process-wide recorder (one per process, however many servers run in it), with
/// its upkeep on a thread of its own: it outlives any one runtime (tests start many).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .and_then(PrometheusBuilder::install_recorder)
            .unwrap_or_else(|err| {
                tracing::warn!(%err, "metrics recorder not installed");
                PrometheusBuilder::new().build_recorder().handle()
            });
        let upkept = handle.clone();
        let started = std::thread::Builder::new().name("usher-metrics-upkeep".into()).spawn(move || {
            loop {
                std::thread::sleep(UPKEEP_EVERY);
                upkept.run_upkeep();
            }
        });
        if let Err(err) = started {
            tracing::warn!(%err, "metrics upkeep not started; samples are folded at each scrape only");
        }
        handle
    })
}

/// Installs the recorder; call once at start so early events are counted.
pub fn init() {
    handle();
}

/// Which part of Usher a route template belongs to.
fn category(route: &str) -> &'static str {
    let api = route.strip_prefix("/api/v1");
    match api {
        Some(p) if p.starts_with("/auth") || p == "/me" => "auth",
        Some(p) if p.starts_with("/admin") => "admin",
        Some(p) if p.starts_with("/invites") => "invites",
        Some(p) if p.starts_with("/groups") => "groups",
        Some(_) => "other",
        None if matches!(route, "/healthz" | "/readyz" | "/metrics" | "/api/openapi.json") => "ops",
        None => "pages",
    }
}

/// The method as a label: the standard ones by name, any other `other`. Clients may
/// invent methods without end, and every label value is a series kept for good.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];
    KNOWN.into_iter().find(|known| *known == method.as_str()).unwrap_or("other")
}

/// Counts and times every request by category (of its route template; `unmatched`
/// when none), method and status: every label from a closed set.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let category = route.as_deref().map_or("unmatched", category);
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("usher_http_requests_total", "category" => category, "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("usher_http_request_duration_seconds", "category" => category)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Prometheus metrics (text exposition format 0.0.4).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    security(()),
    responses(
        (status = 200, description = "Prometheus text format", content_type = "text/plain", body = String),
        (status = 401, description = "`metrics_token` is set and the request does not carry it as a bearer token"),
    ),
)]
pub async fn render(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    if let Some(expected) = &state.settings.metrics_token {
        // Comparing digests keeps the comparison's timing independent of the secret.
        let presented = session::bearer(&headers).unwrap_or_default();
        if presented.is_empty() || TokenHash::of(&presented) != *expected {
            return Err(ApiError::UNAUTHENTICATED);
        }
    }
    let pool = state.store.pool_use();
    metrics::gauge!("usher_db_connections", "state" => "in_use").set(f64::from(pool.size - pool.idle));
    metrics::gauge!("usher_db_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("usher_db_connections_max").set(f64::from(pool.max));
    let mut response = handle().render().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::{category, method_label};

    #[test]
    fn route_templates_fall_into_the_specs_categories() {
        assert_eq!(category("/api/v1/auth/login"), "auth");
        assert_eq!(category("/api/v1/me"), "auth");
        assert_eq!(category("/api/v1/admin/invites/{code}"), "admin");
        assert_eq!(category("/api/v1/invites/{code_or_token}/accept"), "invites");
        assert_eq!(category("/api/v1/groups/{group_id}/invites"), "groups");
        assert_eq!(category("/healthz"), "ops");
        assert_eq!(category("/join/{code}"), "pages");
    }

    #[test]
    fn invented_methods_are_other() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(method_label(&Method::from_bytes(b"M000123X").unwrap()), "other");
        assert_eq!(method_label(&Method::from_bytes(b"get").unwrap()), "other");
    }
}
