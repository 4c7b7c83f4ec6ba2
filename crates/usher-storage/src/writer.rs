//! SQLite's write transactions run on a thread of their own.
//!
//! SQLite admits one writer at a time, so the time a write transaction holds the lock
//! bounds every write's throughput. The hot transactions run here on the direct write
//! connection (`direct.rs`), statement after statement with nothing in between, and the
//! request runtime is never blocked by a commit; a transaction through sqlx (an
//! in-memory database) at least waits only for its own statements here, not behind
//! every request being served (docs/PERFORMANCE.md).

use std::{future::Future, pin::Pin};

use tokio::{runtime, sync::oneshot, task::JoinError};

use crate::{Store, StoreError, sql::WriteTx};

/// A single-threaded runtime on its own OS thread; stops when dropped.
#[derive(Debug)]
pub(crate) struct WriterThread {
    handle: runtime::Handle,
    _stop: oneshot::Sender<()>,
}

impl WriterThread {
    pub(crate) fn start() -> Result<Self, StoreError> {
        let runtime = runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new().name("usher-sqlite-writer".into()).spawn(move || {
            // Runs spawned transactions until the store is gone (the sender dropped).
            runtime.block_on(async {
                let _ = stopped.await;
            });
        })?;
        Ok(Self { handle, _stop: stop })
    }
}

/// The work of a hot write transaction, borrowing it.
pub(crate) type InTx<'t, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

impl Store {
    /// Runs `work` in one hot write transaction (`Store::begin_hot_write`) on the writer
    /// thread, and commits if it succeeds; dropped uncommitted, it rolls back.
    pub(crate) async fn hot_write<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: for<'t> FnOnce(&'t mut WriteTx) -> InTx<'t, T> + Send + 'static,
        T: Send + 'static,
    {
        self.on_writer(move |store| async move {
            let mut tx = store.begin_hot_write().await?;
            let done = work(&mut tx).await?;
            tx.commit().await?;
            Ok(done)
        })
        .await
    }

    /// Runs `work` — a whole write transaction — in a task of its own: on the writer
    /// thread (SQLite), or on this runtime (PostgreSQL, whose server schedules its own
    /// writers). Once started it finishes even if the caller goes away (axum drops a
    /// request's future when its client hangs up), so a write is never cut off halfway
    /// and no connection is left inside a transaction.
    async fn on_writer<T, Fut>(&self, work: impl FnOnce(Store) -> Fut) -> Result<T, StoreError>
    where
        Fut: Future<Output = Result<T, StoreError>> + Send + 'static,
        T: Send + 'static,
    {
        let task = match &self.writer_thread {
            Some(thread) => thread.handle.spawn(work(self.clone())),
            None => tokio::spawn(work(self.clone())),
        };
        joined(task.await)?
    }
}

/// A spawned task's answer: its panic goes on in the caller; a task cancelled because
/// its runtime is stopping is "try again".
pub(crate) fn joined<T>(result: Result<T, JoinError>) -> Result<T, StoreError> {
    match result {
        Ok(done) => Ok(done),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(StoreError::writer_busy()),
    }
}
