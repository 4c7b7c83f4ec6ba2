//! The test harness: a real Usher on a random port over a fresh database, SQLite or
//! PostgreSQL, with a typed client that reads like the product (`client.rs`,
//! `groups.rs`, `views.rs`). The server is composed in `server.rs` alone.
//!
//! PostgreSQL tests run when `USHER_TEST_POSTGRES_URL` names a server (CI sets it);
//! without it they print a notice and pass as skipped. Each test gets its own
//! database, dropped when the app is.

use std::net::SocketAddr;

mod browser;
mod client;
mod db;
mod groups;
mod pages;
mod process;
mod proxy;
mod relying_party;
mod server;
mod smtp;
mod views;
pub use browser::{Browser, axe_source, which};
pub use client::{ApiClient, typed};
pub use db::TestDb;
pub use pages::{PageAnswer, PageClient, between, cookie_pair, set_cookie};
pub use process::UsherProcess;
pub use proxy::TcpProxy;
pub use relying_party::RelyingParty;
pub use server::{FRONT_DEBUG_LOG, Registration, Serve, launch};
pub use smtp::{SmtpServer, hold_mail, mail_env, mail_to, token_after, token_in};
pub use views::*;

use reqwest::StatusCode;
use serde_json::Value;
use server::{Routes, Server};
use sqlx::Connection;
use usher::Config;
use usher_storage::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(TestApp)` once per backend, as `name::sqlite` and
/// `name::postgres`. With `backend:` first, the functions take the `Backend` instead
/// and start their own apps (for tests that configure the server).
macro_rules! on_both_backends {
    (backend: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name(crate::harness::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name(crate::harness::Backend::Postgres).await;
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                if let Some(app) = crate::harness::TestApp::spawn(crate::harness::Backend::Sqlite).await {
                    super::$name(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                if let Some(app) = crate::harness::TestApp::spawn(crate::harness::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )*};
}

pub struct TestApp {
    pub backend: Backend,
    pub addr: SocketAddr,
    /// The typed client of this server, as its admin ([`TestApp`] derefs to it).
    pub api_client: ApiClient,
    pub store: Store,
    pub config: Config,
    /// The first-start login link, when the harness left it unused.
    pub first_start_link: Option<String>,
    /// The server's HTTP router, for tests that read its route table.
    pub routes: Routes,
    /// Declared before `db`: the server is told to stop before its database goes.
    _server: Server,
    pub db: TestDb,
}

impl std::ops::Deref for TestApp {
    type Target = ApiClient;

    fn deref(&self) -> &ApiClient {
        &self.api_client
    }
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A fresh database and a server configured by `configure`; `None` (with a
    /// printed notice) when the backend is not available here.
    pub async fn spawn_with(backend: Backend, configure: impl FnOnce(&mut Config)) -> Option<Self> {
        let mut db = TestDb::new(backend).await?;
        configure(&mut db.config);
        Some(Self::start(db, true).await)
    }

    /// A server on `db` (which a test may have prepared), configured by `configure`.
    pub async fn spawn_on(mut db: TestDb, configure: impl FnOnce(&mut Config)) -> Self {
        configure(&mut db.config);
        Self::start(db, true).await
    }

    /// A fresh database whose first-start login link is left for the test to use
    /// (`first_start_link`); there is no `admin_token`.
    pub async fn spawn_unclaimed(backend: Backend) -> Option<Self> {
        Some(Self::start(TestDb::new(backend).await?, false).await)
    }

    async fn start(mut db: TestDb, claim: bool) -> Self {
        let mut config = db.config.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        config.bind = addr;
        config.check().expect("test config is valid");
        // The `usher` command run against this database hands out the same links.
        db.config.public_url = Some(config.public_url());
        let launched = server::launch(&config, Serve::HttpAndJobs(listener)).await;
        let link = launched.first_start_link.expect("a fresh database gets a first-start admin");
        let api = format!("http://{addr}/api/v1");
        let (api_client, first_start_link) = if claim {
            (ApiClient::signed_in_by_first_start(api, &link).await, None)
        } else {
            (ApiClient::new(api), Some(link))
        };
        Self {
            backend: db.backend,
            addr,
            api_client,
            store: launched.store,
            config,
            first_start_link,
            routes: launched.routes,
            _server: launched.server.expect("a server was asked for"),
            db,
        }
    }

    /// Runs test-written SQL (fixtures no API would create, such as year-old rows).
    pub async fn execute_sql(&self, sql: &str) {
        self.db.execute_sql(sql).await;
    }

    /// A `SELECT COUNT(*) …`.
    pub async fn count(&self, sql: &str) -> i64 {
        let url = self.config.database_url();
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("count")
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                sqlx::query_scalar(sql).fetch_one(&mut conn).await.expect("count")
            }
        }
    }

    /// Every byte the database holds, for "no plain secret at rest" checks: the SQLite
    /// file, its WAL and shared-memory file, or every PostgreSQL row as JSON.
    pub async fn database_contents(&self) -> Vec<u8> {
        match &self.db.sqlite_file {
            Some(file) => {
                let mut bytes = std::fs::read(file).expect("sqlite file");
                for extension in ["db-wal", "db-shm"] {
                    bytes.extend(std::fs::read(file.with_extension(extension)).unwrap_or_default());
                }
                bytes
            }
            None => {
                let url = self.config.database_url();
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'")
                        .fetch_all(&mut conn)
                        .await
                        .expect("tables");
                let mut out = Vec::new();
                for table in tables {
                    let rows: Vec<String> =
                        sqlx::query_scalar(&format!("SELECT row_to_json(t)::text FROM \"{table}\" t"))
                            .fetch_all(&mut conn)
                            .await
                            .expect("rows");
                    for row in rows {
                        out.extend(row.into_bytes());
                    }
                }
                out
            }
        }
    }
}

/// Reads `read` until `done` holds for what it answers and answers that reading; after a
/// minute (a bound on waiting, not a measurement) fails the test, naming `what` it
/// waited for and the last reading.
pub async fn eventually<T: std::fmt::Debug, Fut: std::future::Future<Output = T>>(
    what: &str,
    mut read: impl FnMut() -> Fut,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let value = read().await;
        if done(&value) {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "waited a minute for {what}; the last reading: {value:?}");
        tokio::time::sleep(POLL).await;
    }
}

/// Reads `read` a few more times and fails unless each reading still equals `settled`:
/// for "and nothing more happens", after [`eventually`] saw the end state.
pub async fn stays<T: std::fmt::Debug + PartialEq, Fut: std::future::Future<Output = T>>(
    what: &str,
    settled: &T,
    mut read: impl FnMut() -> Fut,
) {
    for _ in 0..25 {
        tokio::time::sleep(POLL).await;
        let value = read().await;
        assert_eq!(&value, settled, "{what} changed after it had settled");
    }
}

/// The pause between two readings of [`eventually`] and [`stays`].
const POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// Whether a missing test prerequisite (PostgreSQL aside: a set URL is always required)
/// fails the test rather than skipping it: `USHER_REQUIRE_BROWSER=1`, as CI sets, or a
/// `CI` variable.
pub fn prerequisites_required() -> bool {
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    std::env::var("USHER_REQUIRE_BROWSER").is_ok_and(|v| v == "1") || set("CI")
}

/// `true` when `what` is here; otherwise skips with a printed notice, or fails when
/// [`prerequisites_required`].
pub fn prerequisite(present: bool, what: &str) -> bool {
    assert!(
        present || !prerequisites_required(),
        "{what} is required here (USHER_REQUIRE_BROWSER=1 or CI) but missing"
    );
    if !present {
        eprintln!("notice: {what} is missing; skipping this test");
    }
    present
}

/// Asserts a problem+json answer with this status and stable code.
pub fn assert_problem(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], expected_status.as_u16(), "{body}");
}
