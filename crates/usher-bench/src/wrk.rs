//! The lean driver: `wrk` (C, a few µs of CPU per request), so the figures are not
//! bound by the load generator (the reqwest driver spends much of the two cores
//! itself). A Lua script sends prepared requests from a file, one thread per core,
//! each thread its own share of them; wrk's `done` hook prints one machine-readable
//! line, parsed here.

use std::{fmt::Write, path::Path, process::Command, time::Duration};

use crate::load::{Outcome, Request, SignedIn};

/// Prints `BENCH <requests> <status errors> <socket errors> <µs> <p50 µs> <p99 µs>`.
const DONE: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %f %f\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// Sends the requests of `requests.tsv` (`METHOD\tPATH\tBEARER or -\tBODY or -`);
/// thread `id` of `threads` takes lines id+1, id+1+threads, …. `cycle`: start over at
/// the end; otherwise the thread stops there (items that are used up, such as login
/// links, are never sent twice; the run's real duration is then shorter).
const REQUESTS: &str = r#"
local next_id = 0
setup = function(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local requests, n = {}, 0
init = function(args)
  local i = 0
  for line in io.lines(file) do
    if i % threads == id then
      local method, path, name, value, body = line:match("^(%S+)\t(%S+)\t(%S+)\t([^\t]+)\t(.*)$")
      local headers = {}
      if name ~= "-" then headers[name] = value end
      if body == "-" then body = nil else headers["Content-Type"] = "application/json" end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
    i = i + 1
  end
end

request = function()
  n = n + 1
  if n > #requests then
    if not cycle then wrk.thread:stop() end
    n = 1
  end
  return requests[n]
end
"#;

/// Whether wrk is installed (`apt-get install wrk`); without it the bench says so and
/// drives everything with reqwest.
pub fn available() -> bool {
    Command::new("wrk").arg("--version").output().is_ok()
}

/// Drives `base` (scheme, host, port) with `connections` connections for `duration`
/// (one wrk thread per core), sending `requests` (paths taken from their URLs) in
/// turn — over and over when `cycle`, else each once. Latencies are of every answer
/// (wrk does not split them by status); throughput counts 2xx/3xx.
pub fn drive(
    base: &str,
    connections: usize,
    duration: Duration,
    requests: &[Request],
    cycle: bool,
    dir: &Path,
) -> Outcome {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(connections);
    let stem = dir.join(format!("wrk-{connections}-{}", std::process::id()));
    let (file, script) = (stem.with_extension("tsv"), stem.with_extension("lua"));
    std::fs::write(&file, lines(requests)).expect("the requests are written");
    let globals = format!("file, threads, cycle = {:?}, {threads}, {cycle}\n", file.display().to_string());
    std::fs::write(&script, format!("{globals}{REQUESTS}{DONE}")).expect("the wrk script is written");
    let output = Command::new("wrk")
        .args(["-t", &threads.to_string(), "-c", &connections.to_string()])
        .args(["-d", &format!("{}s", duration.as_secs().max(1)), "-s"])
        .arg(&script)
        .arg(base)
        .output()
        .expect("wrk runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .map(summary)
        .unwrap_or_else(|| panic!("wrk printed no summary: {stdout}{}", String::from_utf8_lossy(&output.stderr)))
}

/// The requests as the script's lines: method, path and query, the session's header
/// name and value, JSON body (`-` for none).
fn lines(requests: &[Request]) -> String {
    let mut out = String::new();
    for r in requests {
        assert!(r.form.is_none(), "the wrk script sends JSON bodies only: drive form requests with reqwest");
        let url = reqwest::Url::parse(&r.url).expect("a full URL");
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        let (name, value) = r.session.as_ref().map_or(("-", "-".to_owned()), SignedIn::header);
        let body = r.body.as_ref().map_or_else(|| "-".to_owned(), |b| b.to_string());
        let _ = writeln!(out, "{}\t{path}\t{name}\t{value}\t{body}", r.method);
    }
    out
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
    use reqwest::StatusCode;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_summary_line_counts_only_good_answers_as_successes() {
        let outcome = summary("1000 30 5 2000000 250.000000 4000.000000");
        assert_eq!((outcome.successes, outcome.errors), (970, 35));
        assert_eq!((outcome.seconds, outcome.p50_ms, outcome.p99_ms), (2.0, 0.25, 4.0));
        assert_eq!(outcome.rate(), 485.0);
        assert!(outcome.error_share() > crate::load::MAX_ERROR_SHARE);
    }

    #[test]
    fn requests_become_lines_of_method_path_session_header_and_body() {
        let post = Request {
            session: Some(SignedIn::Bearer("tok".into())),
            ..Request::post(
                "http://127.0.0.1:1/api/v1/invites/abc/accept?x=1".into(),
                Some(json!({"a": "b c"})),
                StatusCode::CREATED,
            )
        };
        let verify = Request {
            session: Some(SignedIn::Cookie("tok".into())),
            ..Request::get("http://127.0.0.1:1/auth/verify".into())
        };
        let get = Request::get("http://127.0.0.1:1/healthz".into());
        assert_eq!(
            lines(&[post, verify, get]),
            "POST\t/api/v1/invites/abc/accept?x=1\tAuthorization\tBearer tok\t{\"a\":\"b c\"}\n\
             GET\t/auth/verify\tCookie\tusher_session=tok\t-\n\
             GET\t/healthz\t-\t-\t-\n"
        );
    }
}
