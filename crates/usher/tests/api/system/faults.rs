//! Database faults answer 503 `unavailable` with `Retry-After`, never 500, and the
//! server recovers by itself when the fault clears.

use std::net::SocketAddr;

use reqwest::{Method, StatusCode, header::RETRY_AFTER};
use serde_json::{Value, json};
use sqlx::Connection;
use usher_domain::{
    account::{DisplayName, Email, Username},
    token::TokenHash,
};
use usher_storage::{
    AuditContext, Store, StoreError,
    model::{NewSession, NewUser},
};

use crate::harness::{Backend, TcpProxy, TestApp, assert_problem, eventually};

on_both_backends!(two_hundred_concurrent_invite_creations_answer_2xx_or_503_never_500);

async fn two_hundred_concurrent_invite_creations_answer_2xx_or_503_never_500(app: TestApp) {
    let body = json!({"description": "burst", "max_uses": 3});
    let answers = futures::future::join_all(
        (0..200).map(|_| app.send(Method::POST, "/admin/invites", Some(&app.admin_token), Some(&body))),
    )
    .await;
    let mut created = 0;
    for response in answers {
        let status = response.status();
        let retry_after = response.headers().get(RETRY_AFTER).cloned();
        let text = response.text().await.expect("body");
        assert!(!text.to_lowercase().contains("locked"), "a fault leaks its cause: {text}");
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::SERVICE_UNAVAILABLE => assert!(retry_after.is_some(), "503 without Retry-After: {text}"),
            other => panic!("{other}: {text}"),
        }
    }
    let (status, listed) = app.get("/admin/invites?limit=200", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["items"].as_array().unwrap().len(), created, "every 201 is stored, nothing else is");
    assert!(created > 0);
}

/// The authority (`host` or `host:port`) of the PostgreSQL server the tests use, as
/// written in its URL, and its socket address (port 5432 when the URL names none);
/// `None` when `USHER_TEST_POSTGRES_URL` is not set. A set URL that does not resolve
/// fails the test.
async fn postgres_upstream() -> Option<(String, SocketAddr)> {
    let url = std::env::var("USHER_TEST_POSTGRES_URL").ok()?;
    let rest = url.split_once("://").map_or(url.as_str(), |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default().to_owned();
    let with_port = if host_port.rsplit_once(':').is_some_and(|(_, port)| port.parse::<u16>().is_ok()) {
        host_port.clone()
    } else {
        format!("{host_port}:5432")
    };
    let addr = tokio::net::lookup_host(&with_port)
        .await
        .ok()
        .and_then(|mut addrs| addrs.next())
        .unwrap_or_else(|| panic!("USHER_TEST_POSTGRES_URL is set but its server {with_port:?} does not resolve"));
    Some((host_port, addr))
}

async fn answer(app: &TestApp, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value, bool) {
    let response = app.send(method, path, Some(&app.admin_token), body).await;
    let (status, retry_after) = (response.status(), response.headers().contains_key(RETRY_AFTER));
    (status, response.json().await.unwrap_or(Value::Null), retry_after)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_going_away_answers_503_and_usher_recovers_without_a_restart() {
    let Some((authority, upstream)) = postgres_upstream().await else {
        eprintln!("notice: USHER_TEST_POSTGRES_URL is not set; skipping the PostgreSQL outage test");
        return;
    };
    let proxy = TcpProxy::start(upstream).await;
    let through_proxy = proxy.addr.to_string();
    let app = TestApp::spawn_with(Backend::Postgres, |config| {
        let url = config.database_url.take().expect("a PostgreSQL url");
        // The server part follows `@` (after the user) or `://`.
        let at = if url.contains('@') { "@" } else { "://" };
        let proxied = url.replacen(&format!("{at}{authority}"), &format!("{at}{through_proxy}"), 1);
        assert_ne!(proxied, url, "the URL names its server");
        config.database_url = Some(proxied);
    })
    .await
    .expect("PostgreSQL is configured");
    let code = app.create_invite(json!({"max_uses": 5})).await.code().to_owned();

    proxy.cut();
    let create = json!({"description": "during the outage"});
    for (method, path, body) in [
        (Method::GET, format!("/invites/{code}"), None),
        (Method::POST, "/admin/invites".to_owned(), Some(&create)),
        (Method::GET, "/admin/invites".to_owned(), None),
    ] {
        let (status, problem, retry_after) = answer(&app, method, &path, body).await;
        assert_problem(status, &problem, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(retry_after, "{path}: 503 carries Retry-After");
    }
    let ready = app.client.get(format!("http://{}/readyz", app.addr)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE, "/readyz reports the database down");

    proxy.restore();
    let look_up = format!("/invites/{code}");
    let recovered = || answer(&app, Method::GET, &look_up, None);
    eventually("a look-up answered without a restart", recovered, |(s, ..)| *s == StatusCode::OK).await;
    let (status, _, _) = answer(&app, Method::POST, "/admin/invites", Some(&create)).await;
    assert_eq!(status, StatusCode::CREATED);
    let ready = app.client.get(format!("http://{}/readyz", app.addr)).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let (_, listed, _) = answer(&app, Method::GET, "/admin/invites", None).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2, "nothing written during the outage");
}

/// A write to a SQLite database that turned read-only is a fault that clears, not a bug.
#[tokio::test]
async fn a_read_only_sqlite_database_is_unavailable_not_an_internal_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("usher.db");
    let writable = Store::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    writable.migrate().await.unwrap();
    writable.close().await;

    let read_only = Store::connect(&format!("sqlite://{}?mode=ro", file.display())).await.unwrap();
    let err = read_only.purge_batch(chrono::Utc::now(), chrono::Utc::now(), 10).await.err();
    assert!(matches!(err, Some(StoreError::Unavailable(_))), "{err:?}");
    // The hot paths' direct connections (direct.rs) honour the mode too.
    let now = chrono::Utc::now();
    let new = NewUser {
        username: Username::parse("reader").unwrap(),
        email: Email::parse("reader@example.com").unwrap(),
        display_name: DisplayName::parse("Reader").unwrap(),
        password_hash: None,
        is_admin: false,
    };
    let session =
        NewSession { token_hash: TokenHash::of("a session"), device: None, expires_at: now, by_mailed_link: false };
    let err = read_only.register(new, None, session, &AuditContext::system(), now).await.err();
    assert!(matches!(err, Some(StoreError::Unavailable(_))), "{err:?}");
    assert_eq!(read_only.count_users().await.unwrap(), 0, "nothing written");
}

/// `ALTER DATABASE … ALLOW_CONNECTIONS false` (maintenance, a restore) and its backends
/// terminated: every request meanwhile is 503 "try again", through the dead pooled
/// connections and then through new ones the server refuses (SQLSTATE 55000); and
/// Usher serves again once connections are allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_refusing_connections_answers_503_not_500() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else { return };
    let url = std::env::var("USHER_TEST_POSTGRES_URL").unwrap();
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut own = sqlx::PgConnection::connect(&app.config.database_url()).await.unwrap();
    let name: String = sqlx::query_scalar("SELECT current_database()::text").fetch_one(&mut own).await.unwrap();
    own.close().await.unwrap();
    let allow = |on: bool| format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS {on}");
    sqlx::query(&allow(false)).execute(&mut admin).await.unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
    let create = json!({"description": "during maintenance"});
    let mut answers = Vec::new();
    // More requests than the pool has connections: the dead ones, then refused ones.
    for _ in 0..20 {
        answers.push(answer(&app, Method::GET, "/admin/invites", None).await);
        answers.push(answer(&app, Method::POST, "/admin/invites", Some(&create)).await);
    }
    sqlx::query(&allow(true)).execute(&mut admin).await.unwrap();
    for (status, problem, retry_after) in &answers {
        assert_problem(*status, problem, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(retry_after, "503 carries Retry-After");
    }
    let list = || answer(&app, Method::GET, "/admin/invites", None);
    let (_, listed, _) =
        eventually("serving again once connections are allowed", list, |(s, ..)| *s == StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 0, "nothing was written meanwhile");
}
