//! The two backends: how each connects, migrates and opens a write transaction.
//! Everything else is shared SQL, run through the `Conn` trait (`sql.rs`).

use std::{str::FromStr, time::Duration};

use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};

use tokio::sync::OwnedMutexGuard;

use crate::{
    StoreError,
    direct::{SqliteFile, WriterLock, lock_writer},
    writer::joined,
};

/// Runs `$body` with `$conn` bound to the live backend's pool or transaction.
/// The body is compiled once per driver, so a query that one backend cannot bind or
/// decode fails the build rather than a request.
macro_rules! dispatch {
    ($value:expr, $kind:ident, $conn:ident => $body:expr) => {
        match $value {
            $crate::backend::$kind::Sqlite($conn) => $body,
            $crate::backend::$kind::Postgres($conn) => $body,
        }
    };
}

pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a connection (or SQLite's writer slot) before it is
/// answered 503 "try again": long enough to ride out a burst, short enough that a
/// client is not left hanging while the database is down.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// What an acknowledged SQLite commit survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SqliteDurability {
    /// A crash or `kill -9` of the process (WAL with `synchronous = NORMAL`: the commit
    /// is in the operating system's hands; a power loss may take the last ones).
    #[default]
    Process,
    /// Also a power loss or an operating-system crash (`synchronous = FULL`: an fsync
    /// per commit, which bounds write throughput by the disk's fsync rate).
    PowerLoss,
}

impl SqliteDurability {
    /// The `synchronous` pragma that gives it, for every SQLite connection Usher opens.
    pub(crate) fn synchronous(self) -> &'static str {
        match self {
            Self::Process => "NORMAL",
            Self::PowerLoss => "FULL",
        }
    }
}

/// How long a SQLite connection waits for a lock another holds before failing.
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection pool of either backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// An open write transaction of either backend; dropped without commit, it rolls back.
#[derive(Debug)]
pub(crate) enum Tx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A SQLite write transaction holding this process's writer lock. SQLite admits one
/// writer at a time; queueing writers here, in order, spares them SQLite's busy handler,
/// which sleeps in growing steps (up to 100 ms) between retries.
#[derive(Debug)]
pub(crate) struct SqliteTx {
    // Field order matters: the transaction ends before the lock is released.
    tx: Transaction<'static, Sqlite>,
    _writer: OwnedMutexGuard<Option<rusqlite::Connection>>,
}

impl SqliteTx {
    async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for SqliteTx {
    type Target = sqlx::SqliteConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// SQLite connections: one per core for readers, plus the writer. A query runs on its
/// connection's own thread, so more connections than cores add threads and page caches
/// (~5 MiB each), not throughput (docs/PERFORMANCE.md, pool sizing).
fn sqlite_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    u32::try_from(cores).unwrap_or(u32::MAX).saturating_add(1).clamp(3, 17)
}

impl Pool {
    /// The pool, and for a SQLite file how to open direct connections to it
    /// (`direct.rs`; an in-memory database has no file to share).
    pub(crate) async fn connect(
        url: &str,
        durability: SqliteDurability,
    ) -> Result<(Self, Option<SqliteFile>), StoreError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                // WAL lets readers run beside the one writer; the busy timeout makes a
                // second writer wait for the lock instead of failing.
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .pragma("synchronous", durability.synchronous())
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true);
                let mode = url_param(url, "mode");
                let in_memory = url.contains(":memory:") || mode == Some("memory");
                let read_only = mode == Some("ro");
                let file = (!in_memory).then(|| SqliteFile::new(options.get_filename(), durability, read_only));
                // A local file needs no liveness check: without it, taking a connection
                // and giving it back costs no extra trip to the connection's thread.
                let pool = SqlitePoolOptions::new()
                    .max_connections(sqlite_connections())
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?;
                Ok((Self::Sqlite(pool), file))
            }
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)?;
                // No ping before each use: it is a round trip per query. A connection
                // that died while idle fails its one request with 503 ("try again") and
                // is closed when given back, where sqlx checks every connection anyway.
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?;
                Ok((Self::Postgres(pool), None))
            }
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn migrator(&self) -> &'static Migrator {
        match self {
            Self::Sqlite(_) => &SQLITE_MIGRATIONS,
            Self::Postgres(_) => &POSTGRES_MIGRATIONS,
        }
    }

    /// A transaction that will write. SQLite's is `BEGIN IMMEDIATE`: it takes the write
    /// lock up front, so a transaction that reads before writing waits its turn instead
    /// of failing with "database is locked" when it tries to upgrade.
    pub(crate) async fn begin_write(&self, writer: &WriterLock) -> Result<Tx, StoreError> {
        Ok(match self {
            Self::Sqlite(pool) => {
                let writer = lock_writer(writer).await?;
                Tx::Sqlite(SqliteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _writer: writer })
            }
            Self::Postgres(pool) => {
                // sqlx's `begin` is not cancel-safe on PostgreSQL (sqlx issue 4393, in
                // 0.8.6 and 0.9.0): dropped while its BEGIN is in flight, it leaves the
                // session inside a transaction nothing rolls back, and the pool lends
                // that connection on, locks and all. In a task of its own it always
                // finishes; if the caller is gone by then, the transaction is dropped
                // and so rolled back.
                let pool = pool.clone();
                Tx::Postgres(joined(tokio::spawn(async move { pool.begin().await }).await)??)
            }
        })
    }

    pub(crate) async fn close(&self) {
        dispatch!(self, Pool, pool => pool.close().await)
    }
}

/// The value of `name` in a URL's query string (`sqlite://file?mode=ro`).
fn url_param<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(key, _)| *key == name).map(|(_, value)| value)
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        dispatch!(self, Tx, tx => tx.commit().await?);
        Ok(())
    }
}
