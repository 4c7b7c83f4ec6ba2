//! The scenarios of the performance issue, run per backend, into a [`Report`].

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    load::{Request, SignedIn, drive},
    procs::{Server, free_port},
    report::Report,
    runner::{Bench, CONCURRENCY, Driver, Requests, Supply, floor, per_run},
    seed::{self, Seeded, USERS},
    wrk,
};

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
    let seeded_at = Instant::now();
    let seeded = Arc::new(seed::prepare(dir.path(), &database_url).await);
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
        lean: Driver::lean(),
    };

    let health = format!("{}/healthz", usher.base);
    bench.endless("(a) usher /healthz", Arc::new(move |_| Some(Request::get(health.clone()))), 1).await;
    let lookups = lookup_requests(&api, &seeded);
    bench.endless("(b) GET /invites/{code}", lookups.clone(), seeded.registration_codes.len()).await;
    let (s, a) = (seeded.clone(), api.clone());
    let redeem = per_run(seeded.login_links.len(), move |k| {
        let token = s.login_links.get(k)?;
        let body = json!({"token": token, "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "bench"}});
        Some(Request::post(format!("{a}/auth/login-link"), Some(body), StatusCode::OK))
    });
    bench.used_up("(c) login-link redemption", redeem).await;
    let (s, a) = (seeded.clone(), api.clone());
    let accept = per_run(seeded.accepts(), move |k| {
        let (code, session) = s.accept(k);
        let session = Some(SignedIn::Bearer(session.to_owned()));
        Some(Request { session, ..Request::post(format!("{a}/invites/{code}/accept"), None, StatusCode::CREATED) })
    });
    bench.used_up("(d) group-code accept", accept).await;
    let (s, a) = (seeded.clone(), api.clone());
    let create: Requests = Arc::new(move |_| {
        let body = json!({"description": "bench", "max_uses": 5});
        let session = Some(SignedIn::Bearer(s.admin_session.clone()));
        Some(Request { session, ..Request::post(format!("{a}/admin/invites"), Some(body), StatusCode::CREATED) })
    });
    bench.endless("(e) invite creation (admin)", create, 1).await;
    // After (d): the users are in groups, whose slugs every answer lists.
    let (s, verify) = (seeded.clone(), format!("{}/auth/verify", usher.base));
    let forward_auth: Requests = Arc::new(move |n| {
        let session = SignedIn::Cookie(s.sessions[(n * 7919) % s.sessions.len()].clone());
        Some(Request { session: Some(session), ..Request::get(verify.clone()) })
    });
    bench.endless("(i) GET /auth/verify", forward_auth, seeded.sessions.len()).await;
    // The token endpoint: each code and refresh token works once. An RS256 signature
    // (and, for a code, the user's groups) per answer; reqwest drives it (wrk's script
    // sends JSON bodies only), against reqwest's floor.
    let token_url = format!("{}/oauth2/token", usher.base);
    for (scenario, grant) in
        [("(j) token: code exchange (RS256)", Grant::Code), ("(k) token: refresh (RS256)", Grant::Refresh)]
    {
        for (c, requests) in CONCURRENCY.into_iter().zip(token_requests(&token_url, &seeded, grant)) {
            bench.run(scenario, c, requests, Supply::Once, Driver::Reqwest).await;
        }
    }
    // Password hashing bounds (f) and (g), not the driver: reqwest, against its floor.
    let register = registrations(&api, &seeded, backend);
    for c in CONCURRENCY {
        bench.run("(f) registration with a code", c, register.clone(), Supply::Once, Driver::Reqwest).await;
    }
    // (g) look-ups while registrations hash passwords; the registrations count too.
    let duration = bench.duration;
    let (lookups_during, registering) =
        tokio::join!(drive(16, duration, lookups.clone()), drive(16, duration, register.clone()));
    for (scenario, outcome) in
        [("(g) look-ups during (f)", lookups_during), ("(g) registrations beside them", registering)]
    {
        // Two scenarios share the server's CPU: not split between them.
        bench.record(scenario, 16, Driver::Reqwest, outcome, f64::NAN, None);
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

#[derive(Debug, Clone, Copy)]
enum Grant {
    Code,
    Refresh,
}

/// Token requests of the seeded app (`client_secret_post`), each run its own share of
/// the seeded codes or refresh tokens.
fn token_requests(url: &str, seeded: &Arc<Seeded>, grant: Grant) -> Vec<Requests> {
    let (s, url) = (seeded.clone(), url.to_owned());
    let total = match grant {
        Grant::Code => seeded.oauth_codes.len(),
        Grant::Refresh => seeded.refresh_tokens.len(),
    };
    per_run(total, move |k| {
        let (client_id, secret) = &s.client;
        let mut form = vec![("client_id", client_id.clone()), ("client_secret", secret.clone())];
        match grant {
            Grant::Code => form.extend([
                ("grant_type", "authorization_code".to_owned()),
                ("code", s.oauth_codes.get(k)?.clone()),
                ("redirect_uri", seed::REDIRECT_URI.to_owned()),
            ]),
            Grant::Refresh => form.extend([
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", s.refresh_tokens.get(k)?.clone()),
            ]),
        }
        Some(Request { form: Some(form), ..Request::post(url.clone(), None, StatusCode::OK) })
    })
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
        Some(Request::post(format!("{a}/auth/register"), Some(body), StatusCode::CREATED))
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
