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
    load::{MAX_ERROR_SHARE, Request, drive},
    procs::{self, Server, free_port},
    report::{Report, Row},
    seed::{self, GROUP_CODE_USES, Seeded, USERS},
    wrk,
};

const CONCURRENCY: [usize; 2] = [16, 64];

/// A scenario's requests: request `n` for n = 0, 1, 2, … (`None`: no more).
type Requests = Arc<dyn Fn(usize) -> Option<Request> + Send + Sync>;

/// A request generator per run (one per concurrency), each over its own slice of
/// `total` distinct items, so every run starts on fresh data: run `i` makes items
/// `i * total / runs ..`, and answers `None` when its slice is used up (the report
/// then shows the run's real, shorter duration).
fn per_run<F>(total: usize, make: F) -> Vec<Requests>
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
            }) as Requests
        })
        .collect()
}

/// Which load generator drove a row: wrk when it is installed, else reqwest (and
/// reqwest always for the password-hashing scenarios, which no driver limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Wrk,
    Reqwest,
}

impl Driver {
    pub fn name(self) -> &'static str {
        match self {
            Self::Wrk => "wrk",
            Self::Reqwest => "reqwest",
        }
    }
}

/// How a scenario's requests repeat: an endless supply whose first `distinct` the
/// lean driver cycles over (look-ups), or items used up once each (each run then
/// gets its own generator from [`per_run`]).
#[derive(Debug, Clone, Copy)]
enum Supply {
    Cycle { distinct: usize },
    Once,
}

/// One server under load, and where its figures go.
struct Bench<'a> {
    report: &'a mut Report,
    backend: &'static str,
    server: &'a Server,
    /// The database's own CPU is measured too (PostgreSQL runs as its own processes).
    postgres: bool,
    duration: Duration,
    dir: &'a Path,
    /// The floor per concurrency, by driver (empty for a driver not used).
    floors: Floors,
    lean: bool,
}

/// The floor per concurrency, by driver.
#[derive(Debug, Default, Clone)]
struct Floors {
    reqwest: Vec<f64>,
    wrk: Vec<f64>,
}

impl Bench<'_> {
    /// Drives `requests` at `connections` with `driver` and records the row: the
    /// share of the floor (same driver, same run) and the CPU each request cost.
    async fn run(
        &mut self,
        scenario: &'static str,
        connections: usize,
        requests: Requests,
        supply: Supply,
        driver: Driver,
    ) {
        let (cpu, db_cpu) = (self.server.cpu_seconds(), self.postgres.then(procs::postgres_cpu_seconds));
        let outcome = match driver {
            Driver::Reqwest => drive(connections, self.duration, requests).await,
            Driver::Wrk => {
                let (list, cycle): (Vec<Request>, bool) = match supply {
                    Supply::Cycle { distinct } => ((0..distinct).filter_map(|n| requests(n)).collect(), true),
                    Supply::Once => (std::iter::from_fn(|| requests(0)).collect(), false),
                };
                wrk::drive(&self.server.base, connections, self.duration, &list, cycle, self.dir)
            }
        };
        let answered = (outcome.successes + outcome.errors).max(1) as f64;
        let cpu_us_per_request = (self.server.cpu_seconds() - cpu) * 1e6 / answered;
        let db_cpu_us_per_request = db_cpu.map(|before| (procs::postgres_cpu_seconds() - before) * 1e6 / answered);
        if outcome.error_share() > MAX_ERROR_SHARE {
            self.report.failures.push(format!(
                "{} {scenario} at {connections} connections: {} errors of {} requests",
                self.backend,
                outcome.errors,
                outcome.errors + outcome.successes
            ));
        }
        let floors = if driver == Driver::Wrk { &self.floors.wrk } else { &self.floors.reqwest };
        let at = CONCURRENCY.iter().position(|c| *c == connections).expect("known concurrency");
        let of_floor = floors.get(at).map_or(1.0, |floor| outcome.rate() / floor);
        self.report.rows.push(Row {
            backend: self.backend,
            scenario,
            driver: driver.name(),
            connections,
            of_floor,
            peak_rss_mib: self.server.rss_mib().1,
            cpu_us_per_request,
            db_cpu_us_per_request,
            outcome,
        });
    }

    /// The lean driver when installed, else reqwest.
    fn lean(&self) -> Driver {
        if self.lean { Driver::Wrk } else { Driver::Reqwest }
    }

    /// Runs a scenario at every concurrency with the lean driver, all runs drawing on
    /// one endless supply.
    async fn endless(&mut self, scenario: &'static str, requests: Requests, distinct: usize) {
        for c in CONCURRENCY {
            self.run(scenario, c, requests.clone(), Supply::Cycle { distinct }, self.lean()).await;
        }
    }

    /// Runs a scenario at every concurrency with the lean driver, each run using up
    /// its own items.
    async fn used_up(&mut self, scenario: &'static str, runs: Vec<Requests>) {
        for (c, requests) in CONCURRENCY.into_iter().zip(runs) {
            self.run(scenario, c, requests, Supply::Once, self.lean()).await;
        }
    }
}

/// The hello-world floor at each concurrency, measured now (beside the scenarios it
/// is the measure of: the machine's speed drifts within minutes), with the reqwest
/// driver (the measure of the password-hashing scenarios) and, when installed, wrk.
async fn floor(report: &mut Report, backend: &'static str, duration: Duration, dir: &Path) -> Floors {
    let port = free_port();
    let hello = Server::start(&["serve-hello", &port.to_string()], port, "/").await;
    let lean = wrk::available();
    let mut bench =
        Bench { report, backend, server: &hello, postgres: false, duration, dir, floors: Floors::default(), lean };
    let url = format!("{}/", hello.base);
    let hello_world: Requests = Arc::new(move |_| Some(Request::get(url.clone())));
    let scenario = "(a) hello-world floor";
    let drivers = if lean { vec![Driver::Reqwest, Driver::Wrk] } else { vec![Driver::Reqwest] };
    for driver in drivers {
        for c in CONCURRENCY {
            bench.run(scenario, c, hello_world.clone(), Supply::Cycle { distinct: 1 }, driver).await;
        }
    }
    let mut floors = Floors::default();
    for row in report.rows.iter().filter(|r| r.backend == backend && r.scenario == scenario) {
        let of = if row.driver == Driver::Wrk.name() { &mut floors.wrk } else { &mut floors.reqwest };
        of.push(row.outcome.rate());
    }
    floors
}

pub async fn run_all(duration: Duration) -> Report {
    let mut report = Report::default();
    if !wrk::available() {
        eprintln!("notice: wrk is not installed (apt-get install wrk): every scenario is driven by reqwest");
    }
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
    let mut bench = Bench {
        report,
        backend,
        server: &usher,
        postgres: postgres.is_some(),
        duration,
        dir: dir.path(),
        floors,
        lean: wrk::available(),
    };

    let health = format!("{}/healthz", usher.base);
    bench.endless("(a) usher /healthz", Arc::new(move |_| Some(Request::get(health.clone()))), 1).await;
    let lookups = lookup_requests(&api, &seeded);
    bench.endless("(b) GET /invites/{code}", lookups.clone(), seeded.registration_codes.len()).await;
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
    bench.used_up("(c) login-link redemption", redeem).await;
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
    bench.used_up("(d) group-code accept", accept).await;
    let (s, a) = (seeded.clone(), api.clone());
    let create: Requests = Arc::new(move |_| {
        let body = json!({"description": "bench", "max_uses": 5});
        Some(Request {
            method: Method::POST,
            url: format!("{a}/admin/invites"),
            bearer: Some(s.admin_session.clone()),
            body: Some(body),
            expect: StatusCode::CREATED,
        })
    });
    bench.endless("(e) invite creation (admin)", create, 1).await;
    // Password hashing bounds (f) and (g), not the driver: reqwest, against its floor.
    let register = registrations(&api, &seeded, backend);
    for c in CONCURRENCY {
        bench.run("(f) registration with a code", c, register.clone(), Supply::Once, Driver::Reqwest).await;
    }
    // (g) look-ups while registrations hash passwords; the registrations count too.
    let duration = bench.duration;
    let (lookups_during, registering) =
        tokio::join!(drive(16, duration, lookups.clone()), drive(16, duration, register.clone()));
    let floor = bench.floors.reqwest.first().copied().unwrap_or(f64::NAN);
    for (scenario, outcome) in
        [("(g) look-ups during (f)", lookups_during), ("(g) registrations beside them", registering)]
    {
        bench.report.rows.push(Row {
            backend,
            scenario,
            driver: Driver::Reqwest.name(),
            connections: 16,
            of_floor: outcome.rate() / floor,
            peak_rss_mib: usher.rss_mib().1,
            // Two scenarios share the server's CPU: not split between them.
            cpu_us_per_request: f64::NAN,
            db_cpu_us_per_request: None,
            outcome,
        });
    }
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

fn lookup_requests(api: &str, seeded: &Arc<Seeded>) -> Requests {
    let (s, a) = (seeded.clone(), api.to_owned());
    Arc::new(move |n| {
        let code = &s.registration_codes[(n * 7919) % s.registration_codes.len()];
        Some(Request::get(format!("{a}/invites/{code}")))
    })
}

fn registrations(api: &str, seeded: &Arc<Seeded>, backend: &str) -> Requests {
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
        let urls = |run: &Requests| std::iter::from_fn(|| run(0)).map(|r| r.url).collect::<Vec<_>>();
        assert_eq!(urls(&runs[0]), ["0", "1", "2", "3", "4"]);
        assert_eq!(urls(&runs[1]), ["5", "6", "7", "8", "9"]);
    }
}
