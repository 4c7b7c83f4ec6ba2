//! The scenarios of the performance issue, run per backend, into a [`Report`].

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    load::{MAX_ERROR_SHARE, Outcome, Request, drive},
    procs::{Server, free_port},
    report::{Report, Row},
    seed::{self, GROUP_CODE_USES, Seeded, USERS},
    wrk,
};

const CONCURRENCY: [usize; 2] = [16, 64];

fn report_wrk_missing() {
    eprintln!("notice: wrk is not installed (apt-get install wrk): the [wrk] rows are left out");
}

/// A request generator per run (one per concurrency), each over its own slice of
/// `total` distinct items, so every run starts on fresh data: run `i` makes items
/// `i * total / runs ..`, and answers `None` when its slice is used up (the report
/// then shows the run's real, shorter duration).
fn per_run<F>(total: usize, make: F) -> Vec<Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>>
where
    F: Fn(usize) -> Option<Request> + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let slice = total / CONCURRENCY.len();
    (0..CONCURRENCY.len())
        .map(|run| {
            let (make, next) = (make.clone(), Arc::new(AtomicUsize::new(0)));
            Arc::new(move |_| {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= slice { None } else { make(run * slice + k) }
            }) as Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>
        })
        .collect()
}

/// The hello-world floor at each concurrency, measured now (beside the scenarios it
/// is the measure of: the machine's speed drifts within minutes), with the reqwest
/// driver and, when it is installed, with wrk.
async fn floor(report: &mut Report, backend: &'static str, duration: Duration, dir: &Path) -> Floors {
    let port = free_port();
    let hello = Server::start(&["serve-hello", &port.to_string()], port, "/").await;
    let mut floors = Floors::default();
    for connections in CONCURRENCY {
        let url = format!("{}/", hello.base);
        let outcome = drive(connections, duration, Arc::new(move |_| Some(Request::get(url.clone())))).await;
        floors.reqwest.push(outcome.rate());
        let peak_rss_mib = hello.rss_mib().1;
        report.rows.push(Row {
            backend,
            scenario: "(a) hello-world floor",
            connections,
            of_floor: 1.0,
            outcome,
            peak_rss_mib,
        });
    }
    if wrk::available() {
        for connections in CONCURRENCY {
            let outcome = wrk::drive(&format!("{}/", hello.base), connections, duration, "", dir);
            floors.wrk.push(outcome.rate());
            let peak_rss_mib = hello.rss_mib().1;
            let scenario = "(a) hello-world floor [wrk]";
            report.rows.push(Row { backend, scenario, connections, of_floor: 1.0, outcome, peak_rss_mib });
        }
    }
    floors
}

/// The floor per concurrency, by driver (`wrk` empty when wrk is not installed).
#[derive(Debug, Default)]
struct Floors {
    reqwest: Vec<f64>,
    wrk: Vec<f64>,
}

pub async fn run_all(duration: Duration) -> Report {
    let mut report = Report::default();
    report.note("argon2id hashes/s (this machine, all cores)", json!(argon2_rate().await));
    run_backend(&mut report, "sqlite", None, duration).await;
    if let Ok(admin_url) = std::env::var("USHER_BENCH_POSTGRES_URL") {
        run_backend(&mut report, "postgres", Some(admin_url), duration).await;
    } else {
        report.note("postgres", json!("skipped: USHER_BENCH_POSTGRES_URL is not set"));
    }
    report
}

/// Password hashes per second through Usher's own hashing path, as many at once as
/// there are cores.
async fn argon2_rate() -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let started = Instant::now();
    let mut done = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let batch = (0..cores).map(|_| {
            usher_app::password::hash(usher_domain::account::Password::parse("benchmark password").expect("valid"))
        });
        done += futures::future::join_all(batch).await.len();
    }
    done as f64 / started.elapsed().as_secs_f64()
}

async fn run_backend(report: &mut Report, backend: &'static str, postgres: Option<String>, duration: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match &postgres {
        None => format!("sqlite://{}", dir.path().join("usher.db").display()),
        Some(admin) => fresh_postgres(admin).await,
    };
    let config = usher::Config {
        data_dir: dir.path().to_owned(),
        database_url: Some(database_url.clone()),
        ..usher::Config::default()
    };
    usher::launch::migrate(&config).await.expect("migrations").0.close().await;
    let seeded_at = Instant::now();
    let seeded = Arc::new(seed::seed(&database_url).await.expect("seed"));
    report.note(format!("{backend}: seed time s"), json!(seeded_at.elapsed().as_secs_f64()));

    let port = free_port();
    let data_dir = dir.path().display().to_string();
    let usher = Server::start(&["serve-usher", &data_dir, &database_url, &port.to_string()], port, "/readyz").await;
    report.note(
        format!("{backend}: start to ready on an existing database ms"),
        json!(usher.ready_after.as_secs_f64() * 1000.0),
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    report.note(format!("{backend}: idle RSS after start MiB"), json!(usher.rss_mib().0));
    let api = format!("{}/api/v1", usher.base);
    let floors = floor(report, backend, duration, dir.path()).await;

    let mut record = |scenario: &'static str, connections: usize, outcome: Outcome, floor: &[f64]| {
        if outcome.error_share() > MAX_ERROR_SHARE {
            report.failures.push(format!(
                "{backend} {scenario} at {connections} connections: {} errors of {} requests",
                outcome.errors,
                outcome.errors + outcome.successes
            ));
        }
        let base = floor[CONCURRENCY.iter().position(|c| *c == connections).expect("known concurrency")];
        let peak_rss_mib = usher.rss_mib().1;
        report.rows.push(Row {
            backend,
            scenario,
            connections,
            of_floor: outcome.rate() / base,
            outcome,
            peak_rss_mib,
        });
    };

    let health = format!("{}/healthz", usher.base);
    for c in CONCURRENCY {
        let url = health.clone();
        record(
            "(a) usher /healthz",
            c,
            drive(c, duration, Arc::new(move |_| Some(Request::get(url.clone())))).await,
            &floors.reqwest,
        );
    }
    let lookups = lookup_requests(&api, &seeded);
    for c in CONCURRENCY {
        record("(b) GET /invites/{code}", c, drive(c, duration, lookups.clone()).await, &floors.reqwest);
    }
    if wrk::available() {
        let codes = dir.path().join("codes.txt");
        std::fs::write(&codes, seeded.registration_codes.join("\n")).expect("codes written");
        let lookups = wrk::lookups_script("/api/v1/invites/", &codes);
        for c in CONCURRENCY {
            let outcome = wrk::drive(&health, c, duration, "", dir.path());
            record("(a) usher /healthz [wrk]", c, outcome, &floors.wrk);
        }
        for c in CONCURRENCY {
            let outcome = wrk::drive(&usher.base, c, duration, &lookups, dir.path());
            record("(b) GET /invites/{code} [wrk]", c, outcome, &floors.wrk);
        }
    } else {
        report_wrk_missing();
    }
    let (s, a) = (seeded.clone(), api.clone());
    let redeem = per_run(seeded.login_links.len(), move |k| {
        let token = s.login_links.get(k)?;
        let body = json!({"token": token, "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "bench"}});
        Some(Request {
            method: Method::POST,
            url: format!("{a}/auth/login-link"),
            bearer: None,
            body: Some(body),
            expect: StatusCode::OK,
        })
    });
    for (c, redeem) in CONCURRENCY.into_iter().zip(redeem) {
        record("(c) login-link redemption", c, drive(c, duration, redeem).await, &floors.reqwest);
    }
    let (s, a) = (seeded.clone(), api.clone());
    // Request k joins group k mod 1000 (consecutive requests hit different codes, as
    // real traffic would) with the (k div 1000)-th of that group's 100 distinct users.
    let accept = per_run(seeded.group_codes.len() * GROUP_CODE_USES, move |k| {
        let (group, nth) = (k % s.group_codes.len(), k / s.group_codes.len());
        let code = &s.group_codes[group];
        let user = (group * GROUP_CODE_USES + nth) % USERS;
        let bearer = Some(s.sessions[user].clone());
        Some(Request {
            method: Method::POST,
            url: format!("{a}/invites/{code}/accept"),
            bearer,
            body: None,
            expect: StatusCode::CREATED,
        })
    });
    for (c, accept) in CONCURRENCY.into_iter().zip(accept) {
        record("(d) group-code accept", c, drive(c, duration, accept).await, &floors.reqwest);
    }
    let (s, a) = (seeded.clone(), api.clone());
    let create: Arc<dyn Fn(usize) -> Option<Request> + Send + Sync> = Arc::new(move |_| {
        let body = json!({"description": "bench", "max_uses": 5});
        Some(Request {
            method: Method::POST,
            url: format!("{a}/admin/invites"),
            bearer: Some(s.admin_session.clone()),
            body: Some(body),
            expect: StatusCode::CREATED,
        })
    });
    for c in CONCURRENCY {
        record("(e) invite creation (admin)", c, drive(c, duration, create.clone()).await, &floors.reqwest);
    }
    let register = registrations(&api, &seeded, backend);
    for c in CONCURRENCY {
        record("(f) registration with a code", c, drive(c, duration, register.clone()).await, &floors.reqwest);
    }
    // (g) look-ups while registrations hash passwords; the registrations count too.
    let (lookups_during, registering) =
        tokio::join!(drive(16, duration, lookups.clone()), drive(16, duration, register.clone()));
    record("(g) look-ups during (f)", 16, lookups_during, &floors.reqwest);
    record("(g) registrations beside them", 16, registering, &floors.reqwest);
    report.note(
        format!("{backend}: (h) race, successes of 1000 accepts on max_uses = 100"),
        json!(race(&api, &seeded).await),
    );
    report.note(format!("{backend}: peak RSS during the bench MiB"), json!(usher.rss_mib().1));
    drop(usher);
    if let Some(admin) = &postgres {
        drop_postgres(admin, &database_url).await;
    }
}

fn lookup_requests(api: &str, seeded: &Arc<Seeded>) -> Arc<dyn Fn(usize) -> Option<Request> + Send + Sync> {
    let (s, a) = (seeded.clone(), api.to_owned());
    Arc::new(move |n| {
        let code = &s.registration_codes[(n * 7919) % s.registration_codes.len()];
        Some(Request::get(format!("{a}/invites/{code}")))
    })
}

fn registrations(
    api: &str,
    seeded: &Arc<Seeded>,
    backend: &str,
) -> Arc<dyn Fn(usize) -> Option<Request> + Send + Sync> {
    let (s, a, prefix) = (seeded.clone(), api.to_owned(), &backend[..1]);
    let prefix = prefix.to_owned();
    let next = Arc::new(AtomicUsize::new(0));
    Arc::new(move |_| {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let body = json!({"username": format!("new{prefix}{k}"), "email": format!("new{k}@bench.test"),
                          "password": "correct horse battery", "invite": s.open_code});
        Some(Request {
            method: Method::POST,
            url: format!("{a}/auth/register"),
            bearer: None,
            body: Some(body),
            expect: StatusCode::CREATED,
        })
    })
}

/// 1,000 distinct users accept one code with `max_uses = 100` at once.
async fn race(api: &str, seeded: &Seeded) -> usize {
    let client = reqwest::Client::new();
    let url = format!("{api}/invites/{}/accept", seeded.race_code);
    let attempts = (0..1000.min(USERS)).map(|u| client.post(&url).bearer_auth(&seeded.sessions[u]).send());
    futures::future::join_all(attempts)
        .await
        .into_iter()
        .filter(|r| r.as_ref().is_ok_and(|r| r.status() == StatusCode::CREATED))
        .count()
}

async fn fresh_postgres(admin_url: &str) -> String {
    let name = format!("usher_bench_{}", uuid::Uuid::new_v4().simple());
    admin_statement(admin_url, &format!("CREATE DATABASE \"{name}\"")).await.expect("create database");
    let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
    format!("{base}/{name}")
}

/// Drops the database [`fresh_postgres`] made, once its server has stopped.
async fn drop_postgres(admin_url: &str, database_url: &str) {
    let (_, name) = database_url.rsplit_once('/').expect("a database in the URL");
    if let Err(err) = admin_statement(admin_url, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await {
        eprintln!("could not drop the bench database {name}: {err}");
    }
}

async fn admin_statement(admin_url: &str, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::query(sql).execute(&mut conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_gets_its_own_slice_of_items_and_stops_at_its_end() {
        let runs = per_run(10, |k| Some(Request::get(k.to_string())));
        let urls = |run: &Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>| {
            std::iter::from_fn(|| run(0)).map(|r| r.url).collect::<Vec<_>>()
        };
        assert_eq!(urls(&runs[0]), ["0", "1", "2", "3", "4"]);
        assert_eq!(urls(&runs[1]), ["5", "6", "7", "8", "9"]);
    }
}
