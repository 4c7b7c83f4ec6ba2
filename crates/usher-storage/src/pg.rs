//! PostgreSQL: sqlx's pool for write transactions, and connections of its own for
//! reads.
//!
//! sqlx's pool tests every connection it is given back with a round trip (a `Sync`,
//! in a task spawned per release; sqlx-core 0.8 `Floating::return_to_pool`), so a
//! read through it cost two round trips and PostgreSQL twice the wake-ups
//! (docs/PERFORMANCE.md). A read here borrows a connection, runs its statements
//! (prepared once per connection, sqlx's statement cache) and gives it back as it is;
//! a connection whose read did not finish cleanly (an error, or the request dropped
//! mid-statement) is closed instead, so none is ever given back mid-answer.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sqlx::{ConnectOptions, PgConnection, PgPool, postgres::PgConnectOptions};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::{
    StoreError,
    backend::ACQUIRE_TIMEOUT,
    sql::{Arg, Conn, Record, bind_args},
};

/// At most this many read connections per store (beside the pool's own).
pub(crate) const MAX_READERS: usize = 16;

/// A PostgreSQL store: the pool that runs write transactions, and the read
/// connections.
#[derive(Debug)]
pub(crate) struct PgEngine {
    pub(crate) pool: PgPool,
    readers: Arc<Readers>,
}

impl PgEngine {
    pub(crate) fn new(pool: PgPool, options: PgConnectOptions) -> Self {
        let readers = Readers { options, idle: Mutex::default(), open: Arc::new(Semaphore::new(MAX_READERS)) };
        Self { pool, readers: Arc::new(readers) }
    }

    /// A read connection, taken at its first statement.
    pub(crate) fn read(&self) -> PgReader {
        PgReader { home: self.readers.clone(), conn: None }
    }

    /// Read connections open, and idle, for metrics.
    pub(crate) fn readers_use(&self) -> (u32, u32) {
        let open = MAX_READERS - self.readers.open.available_permits();
        let idle = self.readers.idle().len();
        (u32::try_from(open.max(idle)).unwrap_or(u32::MAX), u32::try_from(idle).unwrap_or(u32::MAX))
    }
}

#[derive(Debug)]
struct Readers {
    options: PgConnectOptions,
    idle: Mutex<Vec<PgConnection>>,
    /// A permit per connection lent out (idle ones hold none).
    open: Arc<Semaphore>,
}

impl Readers {
    fn idle(&self) -> MutexGuard<'_, Vec<PgConnection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A read connection on loan: given back when dropped, if its last statement finished.
#[derive(Debug)]
pub(crate) struct PgReader {
    home: Arc<Readers>,
    conn: Option<Lent>,
}

#[derive(Debug)]
struct Lent {
    conn: PgConnection,
    _permit: OwnedSemaphorePermit,
    /// The last statement finished and read its whole answer.
    clean: bool,
    /// It was idle before this loan (it may have died meanwhile).
    was_idle: bool,
}

impl PgReader {
    /// The connection, borrowed on first use: an idle one, else a new one; waiting at
    /// most [`ACQUIRE_TIMEOUT`] when all are lent ("try again").
    async fn conn(&mut self) -> Result<&mut Lent, StoreError> {
        if self.conn.is_none() {
            let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.home.open.clone().acquire_owned())
                .await
                .map_err(|_| StoreError::from(sqlx::Error::PoolTimedOut))?
                .map_err(|_| StoreError::from(sqlx::Error::PoolClosed))?;
            let idle = self.home.idle().pop();
            let was_idle = idle.is_some();
            let conn = match idle {
                Some(conn) => conn,
                None => self.home.options.connect().await?,
            };
            self.conn = Some(Lent { conn, _permit: permit, clean: true, was_idle });
        }
        Ok(self.conn.as_mut().expect("just lent"))
    }
}

impl Drop for PgReader {
    fn drop(&mut self) {
        if let Some(lent) = self.conn.take().filter(|lent| lent.clean) {
            self.home.idle().push(lent.conn);
        }
    }
}

/// Runs `run` on the reader's connection, marked unclean until it finishes well. A
/// connection that died while idle (PostgreSQL restarted, a proxy cut it) is dropped
/// and the read runs again on the next: a read can be repeated, and sqlx does not test
/// a connection before lending it (that would be a round trip per read).
macro_rules! on_reader {
    ($reader:expr, |$conn:ident| $run:expr) => {{
        loop {
            let lent = $reader.conn().await?;
            lent.clean = false;
            let was_idle = lent.was_idle;
            let $conn = &mut lent.conn;
            match $run.await {
                Ok(answer) => {
                    lent.clean = true;
                    break Ok::<_, StoreError>(answer);
                }
                Err(sqlx::Error::Io(_)) if was_idle => $reader.conn = None,
                Err(err) => break Err(err.into()),
            }
        }
    }};
}

impl Conn for PgReader {
    async fn fetch_optional<'a, T: Record>(
        &'a mut self,
        sql: &'a str,
        args: &'a [Arg<'a>],
    ) -> Result<Option<T>, StoreError> {
        on_reader!(self, |conn| bind_args!(sqlx::query_as::<_, T>(sql), args).fetch_optional(&mut *conn))
    }

    async fn fetch_all<'a, T: Record>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<Vec<T>, StoreError> {
        on_reader!(self, |conn| bind_args!(sqlx::query_as::<_, T>(sql), args).fetch_all(&mut *conn))
    }

    async fn execute<'a>(&'a mut self, sql: &'a str, args: &'a [Arg<'a>]) -> Result<u64, StoreError> {
        on_reader!(self, |conn| bind_args!(sqlx::query(sql), args).execute(&mut *conn)).map(|done| done.rows_affected())
    }
}
