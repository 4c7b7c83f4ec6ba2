//! The layer that counts and times every request by category (of its route
//! template), method and status: every label from a closed set.
//!
//! It runs on every request, so it keeps its metric handles instead of asking the
//! registry by name and labels each time (a profile of `/healthz` put those look-ups
//! at ~2.5% of the server's CPU, docs/PERFORMANCE.md), and it is a plain tower
//! service whose future wraps the inner one (`from_fn` boxed a copy of the inner
//! service per request).

use std::{
    future::Future,
    pin::Pin,
    sync::{LazyLock, OnceLock},
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    extract::MatchedPath,
    http::{Method, Request, StatusCode},
    response::Response,
};
use metrics::{Counter, Histogram};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// The parts of Usher a route template belongs to, as labels (`unmatched`: no route).
const CATEGORIES: [&str; 8] = ["auth", "admin", "invites", "groups", "other", "ops", "pages", "unmatched"];
const UNMATCHED: usize = 7;

/// Which part of Usher a route template belongs to (an index into [`CATEGORIES`]).
fn category(route: &str) -> usize {
    let label = match route.strip_prefix("/api/v1") {
        Some(p) if p.starts_with("/auth") || p == "/me" => "auth",
        Some(p) if p.starts_with("/admin") => "admin",
        Some(p) if p.starts_with("/invites") => "invites",
        Some(p) if p.starts_with("/groups") => "groups",
        Some(_) => "other",
        None if matches!(route, "/healthz" | "/readyz" | "/metrics" | "/api/openapi.json") => "ops",
        None => "pages",
    };
    CATEGORIES.iter().position(|c| *c == label).unwrap_or(UNMATCHED)
}

/// The methods known by name; any other is `other`: clients may invent methods without
/// end, and every label value is a series kept for good.
const METHODS: [&str; 10] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"];

fn method(method: &Method) -> usize {
    METHODS[..METHODS.len() - 1].iter().position(|known| *known == method.as_str()).unwrap_or(METHODS.len() - 1)
}

/// The statuses Usher answers with, whose counters are kept (sorted); any other status
/// is counted through the registry.
const STATUSES: [(u16, &str); 24] = [
    (200, "200"),
    (201, "201"),
    (204, "204"),
    (301, "301"),
    (302, "302"),
    (303, "303"),
    (304, "304"),
    (307, "307"),
    (308, "308"),
    (400, "400"),
    (401, "401"),
    (403, "403"),
    (404, "404"),
    (405, "405"),
    (406, "406"),
    (409, "409"),
    (410, "410"),
    (413, "413"),
    (415, "415"),
    (422, "422"),
    (429, "429"),
    (500, "500"),
    (503, "503"),
    (504, "504"),
];

const REQUESTS: &str = "usher_http_requests_total";
const DURATION: &str = "usher_http_request_duration_seconds";

/// A counter per category, method and known status, and a histogram per category,
/// each made on first use.
struct Handles {
    requests: Vec<OnceLock<Counter>>,
    durations: [OnceLock<Histogram>; CATEGORIES.len()],
}

static HANDLES: LazyLock<Handles> = LazyLock::new(|| {
    // Handles are bound to the recorder when made: install it first.
    super::init();
    Handles {
        requests: (0..CATEGORIES.len() * METHODS.len() * STATUSES.len()).map(|_| OnceLock::new()).collect(),
        durations: Default::default(),
    }
});

fn record(category: usize, method: usize, status: StatusCode, started: Instant) {
    let (c, m) = (CATEGORIES[category], METHODS[method]);
    match STATUSES.binary_search_by_key(&status.as_u16(), |(code, _)| *code) {
        Ok(s) => {
            let slot = &HANDLES.requests[(category * METHODS.len() + method) * STATUSES.len() + s];
            let status = STATUSES[s].1;
            slot.get_or_init(|| metrics::counter!(REQUESTS, "category" => c, "method" => m, "status" => status))
                .increment(1);
        }
        Err(_) => {
            let status = status.as_u16().to_string();
            metrics::counter!(REQUESTS, "category" => c, "method" => m, "status" => status).increment(1);
        }
    }
    HANDLES.durations[category]
        .get_or_init(|| metrics::histogram!(DURATION, "category" => c))
        .record(started.elapsed().as_secs_f64());
}

/// Counts and times every request (see the module).
#[derive(Debug, Clone, Copy, Default)]
pub struct TrackRequests;

impl<S> Layer<S> for TrackRequests {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Tracked<S> {
    inner: S,
}

impl<S, B> Service<Request<B>> for Tracked<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let category = request.extensions().get::<MatchedPath>().map_or(UNMATCHED, |p| category(p.as_str()));
        let method = method(request.method());
        TrackedFuture { inner: self.inner.call(request), category, method, started: Instant::now() }
    }
}

pin_project! {
    /// The inner service's answer, counted when it is ready.
    pub struct TrackedFuture<F> {
        #[pin]
        inner: F,
        category: usize,
        method: usize,
        started: Instant,
    }
}

impl<F, E> Future for TrackedFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.inner.poll(cx))?;
        record(*this.category, *this.method, response.status(), *this.started);
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::*;

    #[test]
    fn route_templates_fall_into_the_specs_categories() {
        let label = |route| CATEGORIES[category(route)];
        assert_eq!(label("/api/v1/auth/login"), "auth");
        assert_eq!(label("/api/v1/me"), "auth");
        assert_eq!(label("/api/v1/admin/invites/{code}"), "admin");
        assert_eq!(label("/api/v1/invites/{code_or_token}/accept"), "invites");
        assert_eq!(label("/api/v1/groups/{group_id}/invites"), "groups");
        assert_eq!(label("/api/v1/openapi"), "other");
        assert_eq!(label("/healthz"), "ops");
        assert_eq!(label("/join/{code}"), "pages");
    }

    #[test]
    fn invented_methods_are_other() {
        let label = |m: &Method| METHODS[method(m)];
        assert_eq!(label(&Method::PATCH), "PATCH");
        assert_eq!(label(&Method::from_bytes(b"M000123X").unwrap()), "other");
        assert_eq!(label(&Method::from_bytes(b"get").unwrap()), "other");
    }

    #[test]
    fn kept_statuses_are_sorted_and_named_by_their_code() {
        assert!(STATUSES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(STATUSES.iter().all(|(code, name)| code.to_string() == *name));
    }
}
