//! Fresh databases for tests: a SQLite file in a temp folder, or a PostgreSQL database
//! created on the server `USHER_TEST_POSTGRES_URL` names and dropped afterwards.

use std::path::PathBuf;

use sqlx::Connection;
use usher::Config;

use super::Backend;

/// A fresh, empty database of one backend and a config pointing at it; the database
/// goes away with this value.
pub struct TestDb {
    pub backend: Backend,
    pub config: Config,
    /// The SQLite file, for tests that read its bytes.
    pub sqlite_file: Option<PathBuf>,
    _pg: Option<PgDatabase>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    /// `None` (with a printed notice) when the backend is not available here.
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        // Rate limits are off unless a test sets them: the tests send hundreds of
        // requests from one address on purpose.
        let mut config = Config {
            data_dir: dir.path().to_owned(),
            rate_limit_invites_per_minute: 0,
            rate_limit_auth_per_minute: 0,
            rate_limit_invite_writes_per_minute: 0,
            rate_limit_app_sign_ins_per_minute: 0,
            rate_limit_emails_per_address_per_hour: 0,
            ..Config::default()
        };
        let (pg, sqlite_file) = match backend {
            Backend::Sqlite => (None, Some(dir.path().join("usher.db"))),
            Backend::Postgres => {
                let pg = fresh_postgres_database().await?;
                config.database_url = Some(with_database(&pg.admin_url, &pg.name));
                (Some(pg), None)
            }
        };
        Some(Self { backend, config, sqlite_file, _pg: pg, _dir: dir })
    }

    /// Runs test-written SQL (fixtures no API would create, such as year-old rows).
    pub async fn execute_sql(&self, sql: &str) {
        let url = self.config.database_url();
        match self.backend {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect("sql runs");
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
                sqlx::raw_sql(sql).execute(&mut conn).await.expect("sql runs");
            }
        }
    }

    /// `USHER_*` variables that point the `usher` binary at this database.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("USHER_DATABASE_URL".into(), self.config.database_url()),
            ("USHER_DATA_DIR".into(), self.config.data_dir.display().to_string()),
            ("USHER_PUBLIC_URL".into(), self.config.public_url()),
        ]
    }
}

/// A PostgreSQL database made for one test, dropped with it.
pub(super) struct PgDatabase {
    pub(super) admin_url: String,
    pub(super) name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside any runtime we may block: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await.ok()
            })
        })
        .join();
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_end..].find('/').map_or(base.len(), |i| authority_end + i);
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A new, empty database on the server `USHER_TEST_POSTGRES_URL` names; `None` with a
/// notice when the variable is not set. A set variable that does not work fails.
async fn fresh_postgres_database() -> Option<PgDatabase> {
    let Ok(admin_url) = std::env::var("USHER_TEST_POSTGRES_URL") else {
        eprintln!("notice: USHER_TEST_POSTGRES_URL is not set; skipping this PostgreSQL test");
        return None;
    };
    let name = format!("usher_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("USHER_TEST_POSTGRES_URL is set but PostgreSQL is not reachable: {e}"));
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("create test database");
    Some(PgDatabase { admin_url, name })
}
