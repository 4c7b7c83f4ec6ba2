//! The bench's report: one row per scenario and concurrency, notes, failures; as a
//! table for people or JSON for machines.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::load::Outcome;

#[derive(Debug)]
pub struct Row {
    pub backend: &'static str,
    pub scenario: &'static str,
    pub connections: usize,
    pub outcome: Outcome,
    /// req/s as a share of the hello-world floor at the same concurrency.
    pub of_floor: f64,
    /// The server's peak resident memory (VmHWM) once this scenario ended, in MiB: the
    /// first row where it jumps names the scenario that raised it.
    pub peak_rss_mib: f64,
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
            "{:<9} {:<34} {:>5} {:>10} {:>9} {:>9} {:>7} {:>8} {:>9} {:>6} {:>8}",
            "backend", "scenario", "conns", "req/s", "p50 ms", "p99 ms", "errors", "floor", "peak MiB", "secs", "ok"
        );
        for r in &self.rows {
            let o = &r.outcome;
            let _ = writeln!(
                out,
                "{:<9} {:<34} {:>5} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>7.1}% {:>9.1} {:>6.2} {:>8}",
                r.backend,
                r.scenario,
                r.connections,
                o.rate(),
                o.p50_ms,
                o.p99_ms,
                o.errors,
                r.of_floor * 100.0,
                r.peak_rss_mib,
                o.seconds,
                o.successes
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
                json!({"backend": r.backend, "scenario": r.scenario, "connections": r.connections,
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
