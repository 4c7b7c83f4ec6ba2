//! The test harness: a real Usher on a random port over a fresh database, SQLite or
//! PostgreSQL, with typed helpers that read like the product.
//!
//! PostgreSQL tests run when `USHER_TEST_POSTGRES_URL` names a server (CI sets it);
//! without it they print a notice and pass as skipped. Each test gets its own
//! database, dropped when the app is.

use std::net::SocketAddr;

mod browser;
mod db;
mod groups;
mod pages;
mod process;
mod proxy;
mod smtp;
pub use browser::Browser;
pub use db::TestDb;
pub use pages::{PageClient, between, cookie_pair, set_cookie};
pub use process::UsherProcess;
pub use proxy::TcpProxy;
pub use smtp::{SmtpServer, hold_mail, mail_to, token_in};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use tokio::sync::oneshot;
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
    /// `http://127.0.0.1:port/api/v1`
    pub api: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub config: Config,
    /// Session of the admin created at first start (empty for [`TestApp::spawn_unclaimed`]).
    pub admin_token: String,
    /// The first-start login link, when the harness left it unused.
    pub first_start_link: Option<String>,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
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

    async fn start(db: TestDb, claim: bool) -> Self {
        let mut config = db.config.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        config.bind = addr;
        config.check().expect("test config is valid");
        // The `usher` command run against this database hands out the same links.
        let mut db = db;
        db.config.public_url = Some(config.public_url());
        let (state, first_start) = usher::prepare(&config).await.expect("usher prepares");
        let store = state.store.clone();
        let (tx, rx) = oneshot::channel();
        let run_config = config.clone();
        tokio::spawn(async move {
            usher::run(&run_config, state, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        let mut app = Self {
            backend: db.backend,
            addr,
            api: format!("http://{addr}/api/v1"),
            client: reqwest::Client::new(),
            store,
            config,
            admin_token: String::new(),
            first_start_link: None,
            db,
            shutdown: Some(tx),
        };
        let link = first_start.expect("a fresh database gets a first-start admin").login_link;
        if !claim {
            app.first_start_link = Some(link);
            return app;
        }
        let token = link.rsplit('/').next().expect("link ends in the token").to_owned();
        let (status, body) = app.redeem_login_link(&token).await;
        assert_eq!(status, StatusCode::OK, "first-start link signs the admin in: {body}");
        app.admin_token = body["session_token"].as_str().expect("session token").to_owned();
        app
    }

    /// One request; answers the status and the JSON body (`Value::Null` when empty).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let response = self.send(method, path, token, body).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.api));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request is answered")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, token, Some(&body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::DELETE, path, token, None).await
    }

    // ----- the admin's side -----

    /// Creates a registration invite; panics unless 201.
    pub async fn create_invite(&self, body: Value) -> Value {
        let (status, invite) = self.post("/admin/invites", Some(&self.admin_token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{invite}");
        invite
    }

    pub async fn invite(&self, code: &str) -> Value {
        let (status, invite) = self.get(&format!("/admin/invites/{code}"), Some(&self.admin_token)).await;
        assert_eq!(status, StatusCode::OK, "{invite}");
        invite
    }

    /// Creates a user without a password; panics unless 201.
    pub async fn create_user(&self, username: &str) -> Value {
        let body = json!({"username": username, "email": format!("{username}@example.com")});
        let (status, user) = self.post("/admin/users", Some(&self.admin_token), body).await;
        assert_eq!(status, StatusCode::CREATED, "{user}");
        user
    }

    /// Mints a login link for `username`; panics unless 201.
    pub async fn create_login_link(&self, username: &str) -> Value {
        let (status, link) =
            self.post(&format!("/admin/users/{username}/login-links"), Some(&self.admin_token), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        link
    }

    /// A user created by the admin and signed in by login link (no password hashing):
    /// answers the session token and the user's id.
    pub async fn signed_in(&self, username: &str) -> (String, String) {
        let user = self.create_user(username).await;
        let link = self.create_login_link(username).await;
        let (status, session) = self.redeem_login_link(link["token"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        (session["session_token"].as_str().unwrap().to_owned(), user["id"].as_str().unwrap().to_owned())
    }

    // ----- the visitor's side -----

    pub async fn register(&self, username: &str, invite: Option<&str>) -> (StatusCode, Value) {
        let body = json!({
            "username": username,
            "email": format!("{username}@example.com"),
            "password": "correct horse battery",
            "invite": invite,
        });
        self.post("/auth/register", None, body).await
    }

    /// [`TestApp::register`] with owned arguments, for futures that outlive a loop.
    pub async fn register_owned(&self, username: String, invite: String) -> (StatusCode, Value) {
        self.register(&username, Some(&invite)).await
    }

    pub async fn post_owned(&self, path: &'static str, body: Value) -> (StatusCode, Value) {
        self.post(path, None, body).await
    }

    pub async fn redeem_login_link(&self, token: &str) -> (StatusCode, Value) {
        let body = json!({
            "token": token,
            "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "test"},
        });
        self.post("/auth/login-link", None, body).await
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

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Reads `read` until `done` holds for what it answers, or a minute has passed (a bound
/// on waiting, not a measurement); answers the last reading for the caller to assert on.
pub async fn eventually<T, Fut: std::future::Future<Output = T>>(
    mut read: impl FnMut() -> Fut,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let value = read().await;
        if done(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Asserts a problem+json answer with this status and stable code.
pub fn assert_problem(status: StatusCode, body: &Value, expected_status: StatusCode, code: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], expected_status.as_u16(), "{body}");
}
