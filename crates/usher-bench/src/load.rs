//! The load driver: `connections` workers, each on its own keep-alive connection,
//! sending requests back to back for a fixed time. Only answers with the expected
//! status count as throughput and go into the latency histogram; the others are
//! counted apart as errors.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use hdrhistogram::Histogram;
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// One request to send: what, to where, and the status that counts as success.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub session: Option<SignedIn>,
    pub body: Option<Value>,
    /// A form body instead (the OAuth endpoints); the reqwest driver only.
    pub form: Option<Vec<(&'static str, String)>>,
    pub expect: StatusCode,
}

impl Request {
    pub fn get(url: String) -> Self {
        Self { method: Method::GET, url, session: None, body: None, form: None, expect: StatusCode::OK }
    }

    /// A JSON `POST`.
    pub fn post(url: String, body: Option<Value>, expect: StatusCode) -> Self {
        Self { method: Method::POST, url, session: None, body, form: None, expect }
    }
}

/// How a request presents its session: as an API client does, or as a browser does
/// (the cookie, which forward authentication reads).
#[derive(Debug, Clone)]
pub enum SignedIn {
    Bearer(String),
    Cookie(String),
}

impl SignedIn {
    /// The header that carries it: name and value.
    pub fn header(&self) -> (&'static str, String) {
        match self {
            Self::Bearer(token) => ("Authorization", format!("Bearer {token}")),
            Self::Cookie(token) => ("Cookie", format!("usher_session={token}")),
        }
    }
}

/// What one scenario at one concurrency measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Answers with the expected status.
    pub successes: u64,
    /// Failed requests and answers with another status.
    pub errors: u64,
    /// How long the run really lasted (shorter than asked if it ran out of items).
    pub seconds: f64,
    /// Latency percentiles of the successes.
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Above this share of errors a scenario's figures mean nothing: the bench fails.
pub const MAX_ERROR_SHARE: f64 = 0.01;

impl Outcome {
    /// Successes per second.
    pub fn rate(&self) -> f64 {
        self.successes as f64 / self.seconds
    }

    pub fn error_share(&self) -> f64 {
        self.errors as f64 / (self.successes + self.errors).max(1) as f64
    }
}

/// Runs `next(n)` for n = 0, 1, 2, … across `connections` workers for `duration`, or
/// until `next` answers `None` (the scenario ran out of distinct items).
pub async fn drive(
    connections: usize,
    duration: Duration,
    next: Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>,
) -> Outcome {
    let counter = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let workers = (0..connections).map(|_| {
        let (counter, next) = (counter.clone(), next.clone());
        tokio::spawn(async move {
            // One client per worker: one keep-alive connection each, like wrk.
            let client = reqwest::Client::builder().pool_max_idle_per_host(1).build().expect("client");
            let mut histogram = Histogram::<u64>::new(3).expect("histogram");
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let Some(request) = next(counter.fetch_add(1, Ordering::Relaxed)) else { break };
                let mut builder = client.request(request.method, &request.url);
                if let Some((name, value)) = request.session.as_ref().map(SignedIn::header) {
                    builder = builder.header(name, value);
                }
                if let Some(body) = &request.body {
                    builder = builder.json(body);
                }
                if let Some(form) = &request.form {
                    builder = builder.form(form);
                }
                let sent = Instant::now();
                let ok = match builder.send().await {
                    Ok(response) => {
                        let status = response.status();
                        let _ = response.bytes().await;
                        status == request.expect
                    }
                    Err(_) => false,
                };
                if ok {
                    let _ = histogram.record(sent.elapsed().as_micros() as u64);
                } else {
                    errors += 1;
                }
            }
            (histogram, errors)
        })
    });
    let mut total = Histogram::<u64>::new(3).expect("histogram");
    let mut errors = 0;
    for worker in futures::future::join_all(workers).await {
        let (histogram, worker_errors) = worker.expect("worker");
        total.add(histogram).expect("same bounds");
        errors += worker_errors;
    }
    Outcome {
        successes: total.len(),
        errors,
        seconds: start.elapsed().as_secs_f64(),
        p50_ms: total.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: total.value_at_quantile(0.99) as f64 / 1000.0,
    }
}
