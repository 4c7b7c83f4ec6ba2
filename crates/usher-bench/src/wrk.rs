//! The lean driver: `wrk` (C, a few µs of CPU per request), for the scenarios a Lua
//! script can drive — the floor, `/healthz`, look-ups — so the figures are not bound
//! by the load generator (the reqwest driver spends much of the two cores itself).
//! wrk's own `done` hook prints one machine-readable line, parsed here.

use std::{path::Path, process::Command, time::Duration};

use crate::load::Outcome;

/// Prints `BENCH <requests> <status errors> <socket errors> <µs> <p50 µs> <p99 µs>`.
const DONE: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %f %f\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// Whether wrk is installed (`apt-get install wrk`); without it the bench says so.
pub fn available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

/// A script that asks for one of the codes in `codes_file` (one per line) under
/// `prefix`, spread over the list, each request another.
pub fn lookups_script(prefix: &str, codes_file: &Path) -> String {
    format!(
        r#"
local codes = {{}}
for line in io.lines("{file}") do codes[#codes + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "{prefix}" .. codes[(n * 7919) % #codes + 1])
end
"#,
        file = codes_file.display()
    )
}

/// Drives `url` with `connections` connections for `duration` (one wrk thread per
/// core), with `script` (Lua; may be empty) before the reporting hook. Latencies are
/// of every answer (wrk does not split them by status); throughput counts 2xx/3xx.
pub fn drive(url: &str, connections: usize, duration: Duration, script: &str, dir: &Path) -> Outcome {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(connections);
    let path = dir.join(format!("wrk-{connections}-{}.lua", std::process::id()));
    std::fs::write(&path, format!("{script}\n{DONE}")).expect("the wrk script is written");
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", duration.as_secs().max(1)), "-s"])
        .arg(&path)
        .arg(url)
        .output()
        .expect("wrk runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .map(summary)
        .unwrap_or_else(|| panic!("wrk printed no summary: {stdout}{}", String::from_utf8_lossy(&output.stderr)))
}

/// The `done` hook's line (after `BENCH `) as an outcome: 2xx/3xx answers are the
/// successes; other statuses and socket errors are errors.
fn summary(line: &str) -> Outcome {
    let f: Vec<f64> = line.split_whitespace().map(|v| v.parse().expect("a number")).collect();
    let (requests, status_errors, socket_errors, micros) = (f[0] as u64, f[1] as u64, f[2] as u64, f[3]);
    Outcome {
        successes: requests - status_errors,
        errors: status_errors + socket_errors,
        seconds: micros / 1e6,
        p50_ms: f[4] / 1000.0,
        p99_ms: f[5] / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_counts_only_good_answers_as_successes() {
        let outcome = summary("1000 30 5 2000000 250.000000 4000.000000");
        assert_eq!((outcome.successes, outcome.errors), (970, 35));
        assert_eq!((outcome.seconds, outcome.p50_ms, outcome.p99_ms), (2.0, 0.25, 4.0));
        assert_eq!(outcome.rate(), 485.0);
        assert!(outcome.error_share() > crate::load::MAX_ERROR_SHARE);
    }
}
