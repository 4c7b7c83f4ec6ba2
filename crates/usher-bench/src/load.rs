//! The load driver: `connections` workers, each on its own keep-alive connection,
//! sending requests back to back for a fixed time; latencies into an HDR histogram.

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
    pub bearer: Option<String>,
    pub body: Option<Value>,
    pub expect: StatusCode,
}

impl Request {
    pub fn get(url: String) -> Self {
        Self { method: Method::GET, url, bearer: None, body: None, expect: StatusCode::OK }
    }
}

/// What one scenario at one concurrency measured.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
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
                if let Some(token) = &request.bearer {
                    builder = builder.bearer_auth(token);
                }
                if let Some(body) = &request.body {
                    builder = builder.json(body);
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
                let _ = histogram.record(sent.elapsed().as_micros() as u64);
                errors += u64::from(!ok);
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
        requests: total.len(),
        errors,
        seconds: start.elapsed().as_secs_f64(),
        p50_ms: total.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: total.value_at_quantile(0.99) as f64 / 1000.0,
    }
}
