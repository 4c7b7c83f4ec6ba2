//! The store's engine: one backend with its own driver, connected.

use std::{str::FromStr, sync::Arc};

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
};

use crate::{
    StoreError,
    backend::{ACQUIRE_TIMEOUT, Backend, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, SqliteDurability},
    direct::SqliteEngine,
    pg::PgEngine,
};

/// The database a store runs on, with each backend's own driver: SQLite through
/// rusqlite (`direct.rs`), PostgreSQL through sqlx (`pg.rs`). One enum, so a store is
/// never half one backend, half the other.
#[derive(Debug, Clone)]
pub(crate) enum Engine {
    Sqlite(Arc<SqliteEngine>),
    Postgres(Arc<PgEngine>),
}

impl Engine {
    pub(crate) async fn connect(url: &str, durability: SqliteDurability) -> Result<Self, StoreError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => Ok(Self::Sqlite(Arc::new(SqliteEngine::open(url, durability)?))),
            Backend::Postgres => {
                let options = PgConnectOptions::from_str(url)?;
                // No ping before each use: it is a round trip per query. A connection
                // that died while idle fails its one request with 503 ("try again") and
                // is closed when given back, where sqlx checks every connection anyway.
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                Ok(Self::Postgres(Arc::new(PgEngine::new(pool, options))))
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
}
