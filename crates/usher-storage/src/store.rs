//! The [`Store`]: a database of either backend and the methods handlers call.
//! The query methods live beside their tables (`users.rs`, `invites.rs`, ...).

use sqlx::migrate::{Migrate, Migrator};
use usher_domain::sealed::SecretKey;

use crate::{
    Backend, StoreError,
    backend::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, SqliteDurability},
    engine::Engine,
    hot::HotReads,
    sql::{Conn, ReadConn, Via},
    wakeup::Signal,
};

/// A snapshot of the connections in use, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Usher's persistence. Cheap to clone (the connections are shared).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) engine: Engine,
    /// Seals outbox template data at rest (`mail_data.rs`).
    pub(crate) secret_key: Option<SecretKey>,
    /// Fired when this process queues mail (`wakeup.rs`).
    pub(crate) mail_signal: Signal,
}

impl Store {
    /// Connects to `sqlite://…` (the file is created if missing) or `postgres://…`.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, SqliteDurability::default()).await
    }

    /// [`Store::connect`] with an explicit SQLite durability (ignored for PostgreSQL).
    pub async fn connect_with(url: &str, durability: SqliteDurability) -> Result<Self, StoreError> {
        let engine = Engine::connect(url, durability).await?;
        Ok(Self { engine, secret_key: None, mail_signal: Signal::default() })
    }

    /// The instance's key, for what the application seals itself (a secret handed to
    /// the person's browser for one page, `usher-app/src/sealing.rs`).
    pub fn secret_key(&self) -> Option<&SecretKey> {
        self.secret_key.as_ref()
    }

    /// Where a read runs: on SQLite a direct connection on this thread, on PostgreSQL
    /// a read connection (`pg.rs`). (Writes: `Store::write`.)
    pub(crate) fn read(&self) -> Result<ReadConn<'_>, StoreError> {
        Ok(match &self.engine {
            Engine::Sqlite(sqlite) => Via::Sqlite(sqlite.read()?),
            Engine::Postgres(pg) => Via::Postgres(pg.read()),
        })
    }

    /// The answers kept between writes (`hot.rs`): SQLite's, unless read-only.
    pub(crate) fn hot(&self) -> Option<&HotReads> {
        match &self.engine {
            Engine::Sqlite(sqlite) => sqlite.hot.as_deref(),
            Engine::Postgres(_) => None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.engine.backend()
    }

    /// Applies every pending migration of this backend; returns how many ran.
    /// Safe to run on every start and from several instances at once (sqlx takes an
    /// advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await?;
        match &self.engine {
            Engine::Sqlite(sqlite) => {
                let (mut conn, _writer) = sqlite.migration_conn().await?;
                SQLITE_MIGRATIONS.run(&mut conn).await?;
            }
            Engine::Postgres(pg) => POSTGRES_MIGRATIONS.run(&pg.pool).await?,
        }
        self.migrated();
        Ok(self.applied_migrations().await? - before)
    }

    /// Applies migrations up to and including `version` only: for upgrade tests that
    /// need a database as an older release left it.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Sqlite(sqlite) => {
                apply_up_to(&mut sqlite.migration_conn().await?.0, &SQLITE_MIGRATIONS, version).await?
            }
            Engine::Postgres(pg) => apply_up_to(&mut *pg.pool.acquire().await?, &POSTGRES_MIGRATIONS, version).await?,
        }
        self.migrated();
        Ok(())
    }

    /// Migrations write through a connection of their own, not the writer's
    /// transactions: the kept answers (`hot.rs`) go stale here.
    fn migrated(&self) {
        if let Some(hot) = self.hot() {
            hot.changed();
        }
    }

    /// Versions of the migrations this database has applied.
    pub async fn applied_migrations(&self) -> Result<usize, StoreError> {
        match &self.engine {
            Engine::Sqlite(sqlite) => count_applied(&mut sqlite.migration_conn().await?.0).await,
            Engine::Postgres(pg) => count_applied(&mut *pg.pool.acquire().await?).await,
        }
    }

    /// Latest migration version this binary knows.
    pub fn latest_migration(&self) -> i64 {
        self.engine.migrator().iter().map(|m| m.version).max().unwrap_or_default()
    }

    /// A round trip to the database, for `/readyz`.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: Option<(i64,)> = self.read()?.fetch_optional("SELECT CAST(1 AS BIGINT)", &[]).await?;
        Ok(())
    }

    /// Connections open, idle, and the most kept open.
    pub fn pool_use(&self) -> PoolUse {
        match &self.engine {
            Engine::Sqlite(sqlite) => sqlite.pool_use(),
            Engine::Postgres(pg) => {
                let size = pg.pool.size();
                let idle = u32::try_from(pg.pool.num_idle()).unwrap_or(u32::MAX).min(size);
                let (readers, idle_readers) = pg.readers_use();
                let max = pg.pool.options().get_max_connections() + crate::pg::MAX_READERS as u32;
                PoolUse { size: size + readers, idle: idle + idle_readers, max }
            }
        }
    }

    /// Waits for the writes in flight; on PostgreSQL, closes the pool.
    pub async fn close(&self) {
        match &self.engine {
            Engine::Sqlite(sqlite) => sqlite.close().await,
            Engine::Postgres(pg) => pg.pool.close().await,
        }
    }
}

/// Applies `migrator`'s migrations up to `version` that `conn` has not applied.
async fn apply_up_to<C: Migrate>(conn: &mut C, migrator: &Migrator, version: i64) -> Result<(), StoreError> {
    conn.ensure_migrations_table().await?;
    let applied = conn.list_applied_migrations().await?;
    let pending = migrator.iter().filter(|m| m.version <= version && !applied.iter().any(|a| a.version == m.version));
    for migration in pending {
        conn.apply(migration).await?;
    }
    Ok(())
}

async fn count_applied<C: Migrate>(conn: &mut C) -> Result<usize, StoreError> {
    conn.ensure_migrations_table().await?;
    Ok(conn.list_applied_migrations().await?.len())
}
