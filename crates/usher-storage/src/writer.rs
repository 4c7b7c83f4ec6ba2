//! The one way to write: [`Store::write`] runs a whole write transaction in a task of
//! its own.
//!
//! SQLite admits one writer at a time, so the time a write transaction holds the lock
//! bounds every write's throughput. Every SQLite write runs on a thread of its own, on
//! the one write connection (`direct.rs`), statement after statement with nothing in
//! between; the writes that queue meanwhile share the next transaction, each in a
//! savepoint (`batch.rs`, group commit); the request runtime is never blocked by a
//! commit (docs/PERFORMANCE.md). PostgreSQL schedules its own writers: a transaction
//! there runs in a task on the caller's runtime.

use std::{borrow::Cow, future::Future, pin::Pin};

use sqlx::{PgPool, Postgres, Transaction};

use crate::{
    Store, StoreError,
    batch::Pending,
    engine::Engine,
    error::joined,
    sql::{Arg, Conn, PgTx, Via, WriteTx},
};

/// The work of a write transaction, borrowing it.
pub(crate) type InTx<'t, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

impl Store {
    /// Runs `work` in one write transaction and commits if it succeeds; dropped
    /// uncommitted, it rolls back. Every write goes through here, a single statement
    /// too (a one-statement transaction). SQLite's begins with `BEGIN IMMEDIATE`.
    ///
    /// Once started, the transaction finishes even if the caller goes away (axum drops
    /// a request's future when its client hangs up), so a write is never cut off halfway
    /// and no connection is left inside a transaction. A SQLite write that waited its
    /// turn longer than `ACQUIRE_TIMEOUT` is not run: "try again".
    pub(crate) async fn write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: for<'t> FnOnce(&'t mut WriteTx) -> InTx<'t, T> + Send + 'static,
        T: Send + 'static,
    {
        match &self.engine {
            Engine::Sqlite(sqlite) => {
                let (job, answer) = Pending::queue(work);
                sqlite.submit(job)?;
                answer.await.unwrap_or_else(|_| Err(StoreError::unanswered()))
            }
            Engine::Postgres(pg) => {
                let pool = pg.pool.clone();
                // Also because sqlx's `begin` is not cancel-safe on PostgreSQL (sqlx
                // issue 4393, in 0.8.6 and 0.9.0): dropped while its BEGIN is in flight,
                // it leaves the session inside a transaction nothing rolls back.
                let task = tokio::spawn(async move {
                    transaction(begin(&pool).await.map(|tx| Via::Postgres(PgTx(tx))).map_err(StoreError::from), work)
                        .await
                });
                joined(task.await)?
            }
        }
    }

    /// One statement that writes, in a transaction of its own (through
    /// [`Store::write`]); answers how many rows it changed.
    pub(crate) async fn write_one(
        &self,
        sql: impl Into<Cow<'static, str>>,
        args: Vec<Arg<'static>>,
    ) -> Result<u64, StoreError> {
        let sql = sql.into();
        self.write(move |tx| Box::pin(async move { tx.execute(&sql, &args).await })).await
    }
}

/// `BEGIN` on a pooled PostgreSQL connection. One that died while idle (PostgreSQL
/// restarted, a proxy cut it) fails here, before any work: the next is tried (the pool
/// does not test connections before lending them, which would be a round trip per
/// write); a fresh connection's failure is the answer.
async fn begin(pool: &PgPool) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let mut dead = 0;
    loop {
        match pool.begin().await {
            Err(sqlx::Error::Io(_)) if dead < pool.options().get_max_connections() => dead += 1,
            begun => return begun,
        }
    }
}

/// `work` in the transaction `begun`, committed if it succeeds.
async fn transaction<T, F>(begun: Result<WriteTx, StoreError>, work: F) -> Result<T, StoreError>
where
    F: for<'t> FnOnce(&'t mut WriteTx) -> InTx<'t, T>,
{
    let mut tx = begun?;
    let done = work(&mut tx).await?;
    tx.commit().await?;
    Ok(done)
}
