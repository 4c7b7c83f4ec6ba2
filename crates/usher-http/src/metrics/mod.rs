//! Prometheus metrics at `GET /metrics`, through the `metrics` facade: requests by
//! route category and status with latency histograms (the layer in [`requests`]),
//! redemptions by invite kind (`usher-app`), emails and job runs (`usher-jobs`), and
//! database pool use (read at scrape time).

mod requests;

pub use requests::TrackRequests;

use std::{sync::OnceLock, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, header},
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
