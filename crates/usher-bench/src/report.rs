//! The bench's report: one row per scenario and concurrency, notes, failures; as a
//! table for people or JSON for machines.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::load::Outcome;

#[derive(Debug)]
pub struct Row {
    pub backend: &'static str,
    pub scenario: &'static str,
    /// The load generator (`wrk` or `reqwest`); the floor is the same driver's.
    pub driver: &'static str,
    pub connections: usize,
    pub outcome: Outcome,
    /// req/s as a share of the hello-world floor at the same concurrency.
    pub of_floor: f64,
    /// The server's peak resident memory (VmHWM) once this scenario ended, in MiB: the
    /// first row where it jumps names the scenario that raised it.
    pub peak_rss_mib: f64,
    /// The server's CPU time (user + system) per answered request, in µs: what a
    /// request costs, whatever the driver could reach.
    pub cpu_us_per_request: f64,
    /// PostgreSQL's own CPU time per answered request, in µs (PostgreSQL rows only).
    pub db_cpu_us_per_request: Option<f64>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<(String, Value)>,
    /// Scenarios whose errors passed [`crate::load::MAX_ERROR_SHARE`]: their figures mean nothing.
    pub failures: Vec<String>,
}

impl Report {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<9} {:<30} {:<7} {:>5} {:>8} {:>7} {:>7} {:>6} {:>7} {:>7} {:>6} {:>6} {:>8} {:>6}",
            "backend",
            "scenario",
            "driver",
            "conns",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "floor",
            "cpu µs",
            "db µs",
            "secs",
            "ok",
            "pk MiB"
        );
        for r in &self.rows {
            let o = &r.outcome;
            let _ = writeln!(
                out,
                "{:<9} {:<30} {:<7} {:>5} {:>8.0} {:>7.2} {:>7.2} {:>6} {:>6.1}% {:>7.1} {:>6} {:>6.2} {:>8} {:>6.1}",
                r.backend,
                r.scenario,
                r.driver,
                r.connections,
                o.rate(),
                o.p50_ms,
                o.p99_ms,
                o.errors,
                r.of_floor * 100.0,
                r.cpu_us_per_request,
                r.db_cpu_us_per_request.map_or_else(|| "-".to_owned(), |us| format!("{us:.1}")),
                o.seconds,
                o.successes,
                r.peak_rss_mib,
            );
        }
        for (name, value) in &self.notes {
            let _ = writeln!(out, "{name}: {value}");
        }
        for failure in &self.failures {
            let _ = writeln!(out, "FAILED: {failure}");
        }
        out
    }

    pub fn json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({"backend": r.backend, "scenario": r.scenario, "driver": r.driver,
                       "connections": r.connections, "cpu_us_per_request": r.cpu_us_per_request,
                       "db_cpu_us_per_request": r.db_cpu_us_per_request,
                       "successes": r.outcome.successes, "seconds": r.outcome.seconds,
                       "req_per_s": r.outcome.rate(), "p50_ms": r.outcome.p50_ms,
                       "p99_ms": r.outcome.p99_ms, "errors": r.outcome.errors, "of_floor": r.of_floor,
                       "peak_rss_mib": r.peak_rss_mib})
            })
            .collect();
        json!({"rows": rows, "notes": self.notes.iter().cloned().collect::<serde_json::Map<_, _>>(),
               "failures": self.failures})
    }

    pub fn note(&mut self, name: impl Into<String>, value: Value) {
        self.notes.push((name.into(), value));
    }
}
