//! The [`Store`]: a pool of either backend and the methods handlers call.
//! The query methods live beside their tables (`users.rs`, `invites.rs`, ...).

use std::sync::Arc;

use sqlx::migrate::Migrate;
use tokio::sync::Mutex;
use usher_domain::sealed::SecretKey;

use crate::{
    Backend, StoreError,
    backend::{Pool, SqliteDurability, Tx},
    direct::{DirectTx, Readers, WriterLock},
    sql::{Conn, ReadConn, Via, WriteTx},
    wakeup::Signal,
    writer::WriterThread,
};

/// A snapshot of the connection pool, for metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolUse {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Usher's persistence. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: Pool,
    /// Serialises this process's SQLite write transactions (see `SqliteTx`); holds the
    /// direct write connection of a SQLite file (`direct.rs`).
    writer: WriterLock,
    /// A SQLite file's direct read connections; `None` where the hot paths use sqlx.
    readers: Option<Arc<Readers>>,
    /// SQLite: where write transactions run (see `writer.rs`); `None` for PostgreSQL.
    pub(crate) writer_thread: Option<Arc<WriterThread>>,
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
        let (pool, file) = Pool::connect(url, durability).await?;
        let writer_thread = match pool.backend() {
            Backend::Sqlite => Some(Arc::new(WriterThread::start()?)),
            Backend::Postgres => None,
        };
        let writer = Arc::new(Mutex::new(file.as_ref().map(|file| file.open()).transpose()?));
        let readers = file.map(|file| Arc::new(Readers::new(file)));
        Ok(Self { pool, writer, readers, writer_thread, secret_key: None, mail_signal: Signal::default() })
    }

    /// A write transaction (see `Pool::begin_write`).
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        self.pool.begin_write(&self.writer).await
    }

    /// A write transaction for the hot paths: on a SQLite file's direct connection,
    /// else as [`Store::begin_write`]. For `Store::hot_write`, on the writer thread.
    pub(crate) async fn begin_hot_write(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.readers {
            Some(_) => Via::Direct(DirectTx::begin(&self.writer).await?),
            None => Via::Sqlx(self.begin_write().await?),
        })
    }

    /// Where a statement that writes outside a transaction runs: sqlx's pool, whose
    /// SQLite connections wait for the write lock on their own threads (a direct
    /// connection would wait on the request's).
    pub(crate) fn single_writes(&self) -> Pool {
        self.pool.clone()
    }

    /// Where a read runs: a SQLite file's direct connection on this thread, else the
    /// pool.
    pub(crate) fn read(&self) -> Result<ReadConn<'_>, StoreError> {
        Ok(match &self.readers {
            Some(readers) => Via::Direct(readers.get()?),
            None => Via::Sqlx(self.pool.clone()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Applies every pending migration of this backend; returns how many ran.
    /// Safe to run on every start and from several instances at once (sqlx takes an
    /// advisory lock on PostgreSQL).
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await?;
        dispatch!(&self.pool, Pool, pool => self.pool.migrator().run(pool).await?);
        Ok(self.applied_migrations().await? - before)
    }

    /// Applies migrations up to and including `version` only: for upgrade tests that
    /// need a database as an older release left it.
    pub async fn migrate_to(&self, version: i64) -> Result<(), StoreError> {
        dispatch!(&self.pool, Pool, pool => {
            let mut conn = pool.acquire().await?;
            conn.ensure_migrations_table().await?;
            for migration in self.pool.migrator().iter().filter(|m| m.version <= version) {
                conn.apply(migration).await?;
            }
        });
        Ok(())
    }

    /// Versions of the migrations this database has applied.
    pub async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let count: i64 = dispatch!(&self.pool, Pool, pool => {
            let mut conn = pool.acquire().await?;
            conn.ensure_migrations_table().await?;
            conn.list_applied_migrations().await?.len() as i64
        });
        Ok(usize::try_from(count).unwrap_or_default())
    }

    /// Latest migration version this binary knows.
    pub fn latest_migration(&self) -> i64 {
        self.pool.migrator().iter().map(|m| m.version).max().unwrap_or_default()
    }

    /// A round trip to the database, for `/readyz`: through sqlx's pool, and on a
    /// SQLite file through the direct connections too (reads go there).
    pub async fn ping(&self) -> Result<(), StoreError> {
        dispatch!(&self.pool, Pool, pool => sqlx::query("SELECT 1").execute(pool).await?.rows_affected());
        if self.readers.is_some() {
            let _: Option<(i64,)> = self.read()?.fetch_optional("SELECT 1", &[]).await?;
        }
        Ok(())
    }

    /// Connections open, idle, and the most the pool will open.
    pub fn pool_use(&self) -> PoolUse {
        let (size, idle, max) = dispatch!(&self.pool, Pool, pool => (
            pool.size(),
            u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            pool.options().get_max_connections(),
        ));
        PoolUse { size, idle: idle.min(size), max }
    }

    /// Waits for in-flight queries and closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
