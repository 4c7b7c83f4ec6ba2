//! Group commit for SQLite: write transactions that queue while one commits run
//! together in the next, each in a savepoint of its own, and are answered once that
//! transaction has committed.
//!
//! A SQLite commit appends every page the transaction changed to the WAL, whole. A
//! login-link redemption changes ~15 pages (the invite, the session, the device, the
//! redemption, the audit row and their indexes) and most of its cost was writing and
//! checksumming them (docs/PERFORMANCE.md); writes that arrive together share the
//! pages they touch in common (the tails of the audit log, of the sessions, of every
//! time-ordered index), the commit, and one wake-up of the writer thread.
//!
//! What each write sees is unchanged: the writes of a batch run one after another, on
//! the one write connection, under one `BEGIN IMMEDIATE`; each sees those before it.
//! A write that fails is rolled back to its savepoint, alone. Nobody hears "done"
//! before the commit: if it fails, or SQLite abandons the transaction (a full disk), the
//! writes that ran in it are answered with that error, and the ones not yet run run in
//! the next transaction.

use std::{future::Future, pin::Pin, time::Instant};

use tokio::sync::{mpsc, oneshot};

use crate::{
    StoreError,
    backend::ACQUIRE_TIMEOUT,
    direct::{DirectTx, Writer},
    sql::{Via, WriteTx},
    writer::InTx,
};

/// At most this many writes share a transaction: the last waits for all before it.
const MAX_BATCH: usize = 64;

/// A write waiting for the writer thread, as the batch loop sees it.
pub(crate) trait Job: Send {
    /// Runs the work in `tx`; answers whether it succeeded (its result is kept).
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> Pin<Box<dyn Future<Output = bool> + Send + 't>>;

    /// Answers the caller: the kept result if `committed`, else why nothing was.
    fn answer(self: Box<Self>, committed: Result<(), StoreError>);

    /// When it was queued (too long ago: "try again" without running it).
    fn queued(&self) -> Instant;
}

/// A write of `T`, and where its answer goes.
pub(crate) struct Pending<T, F> {
    work: Option<F>,
    result: Option<Result<T, StoreError>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
    queued: Instant,
}

impl<T, F> Pending<T, F>
where
    F: for<'t> FnOnce(&'t mut WriteTx) -> InTx<'t, T> + Send + 'static,
    T: Send + 'static,
{
    /// The job to queue, and where its answer will arrive.
    pub(crate) fn queue(work: F) -> (Box<dyn Job>, oneshot::Receiver<Result<T, StoreError>>) {
        let (reply, answer) = oneshot::channel();
        (Box::new(Self { work: Some(work), result: None, reply, queued: Instant::now() }), answer)
    }
}

impl<T, F> Job for Pending<T, F>
where
    F: for<'t> FnOnce(&'t mut WriteTx) -> InTx<'t, T> + Send + 'static,
    T: Send + 'static,
{
    fn run<'t>(&'t mut self, tx: &'t mut WriteTx) -> Pin<Box<dyn Future<Output = bool> + Send + 't>> {
        let work = self.work.take().expect("a write runs once");
        Box::pin(async move {
            let result = work(tx).await;
            let ok = result.is_ok();
            self.result = Some(result);
            ok
        })
    }

    fn answer(self: Box<Self>, committed: Result<(), StoreError>) {
        let answer = match (self.result, committed) {
            // Its own refusal stands, whatever became of the others.
            (Some(Err(refused)), _) => Err(refused),
            (Some(Ok(done)), Ok(())) => Ok(done),
            (_, Err(err)) => Err(err),
            (None, Ok(())) => Err(StoreError::Database("a write was answered without running".into())),
        };
        // The caller may have gone (its client hung up): the write stands regardless.
        let _ = self.reply.send(answer);
    }

    fn queued(&self) -> Instant {
        self.queued
    }
}

/// The queue into the writer thread's batch loop.
pub(crate) type Queue = mpsc::UnboundedSender<Box<dyn Job>>;

/// Starts the batch loop on the writer thread's runtime (`spawn`); it ends when the
/// queue's sender is dropped (the store is gone).
pub(crate) fn start(writer: Writer, spawn: impl FnOnce(Pin<Box<dyn Future<Output = ()> + Send>>)) -> Queue {
    let (queue, jobs) = mpsc::unbounded_channel();
    spawn(Box::pin(run(writer, jobs)));
    queue
}

async fn run(writer: Writer, mut jobs: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    while let Some(first) = jobs.recv().await {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            let Ok(next) = jobs.try_recv() else { break };
            batch.push(next);
        }
        let writer = writer.clone();
        // A task per batch: a write that panics fails its batch (the callers hear an
        // error; the transaction rolls back as it unwinds), not every write after it.
        let done = tokio::spawn(async move {
            while !batch.is_empty() {
                commit_batch(&writer, &mut batch).await;
            }
        });
        let _ = done.await;
    }
}

/// Runs the writes of `batch` in one transaction and answers them; leaves in `batch`
/// those that did not run because SQLite abandoned the transaction under them.
async fn commit_batch(writer: &Writer, batch: &mut Vec<Box<dyn Job>>) {
    let (stale, fresh): (Vec<_>, Vec<_>) = batch.drain(..).partition(|job| job.queued().elapsed() > ACQUIRE_TIMEOUT);
    for job in stale {
        job.answer(Err(StoreError::writer_busy()));
    }
    if fresh.is_empty() {
        return;
    }
    let mut tx = match DirectTx::begin(writer).await {
        Ok(tx) => Via::Sqlite(tx),
        Err(err) => return Shared(err).answer(fresh),
    };
    if let [_] = fresh.as_slice() {
        // One write alone needs no savepoint: if it fails, dropping the transaction
        // rolls it back.
        let mut job = fresh.into_iter().next().expect("one write");
        if job.run(&mut tx).await {
            let committed = commit(tx);
            job.answer(committed);
        } else {
            drop(tx);
            job.answer(Ok(()));
        }
        return;
    }
    let mut ran = Vec::with_capacity(fresh.len());
    let mut waiting = fresh.into_iter();
    while let Some(mut job) = waiting.next() {
        if let Err(err) = statement(&tx, "SAVEPOINT usher_write") {
            ran.push(job);
            return Shared(err).answer(ran.into_iter().chain(waiting));
        }
        let closed = if job.run(&mut tx).await {
            statement(&tx, "RELEASE usher_write")
        } else {
            statement(&tx, "ROLLBACK TO usher_write; RELEASE usher_write")
        };
        ran.push(job);
        if closed.is_err() {
            // SQLite abandoned the transaction after a failed write (a full disk, an
            // I/O error): nothing of it stands. The writes not yet run go into the next.
            batch.extend(waiting);
            let abandoned = StoreError::Unavailable("SQLite abandoned the transaction after a failed write".into());
            return Shared(abandoned).answer(ran);
        }
    }
    match commit(tx) {
        Ok(()) => ran.into_iter().for_each(|job| job.answer(Ok(()))),
        Err(err) => Shared(err).answer(ran),
    }
}

fn commit(tx: WriteTx) -> Result<(), StoreError> {
    match tx {
        Via::Sqlite(tx) => tx.commit(),
        Via::Postgres(_) => unreachable!("the batch loop serves SQLite"),
    }
}

/// Runs a statement of the batch's own (savepoints) on its transaction.
fn statement(tx: &WriteTx, sql: &str) -> Result<(), StoreError> {
    match tx {
        Via::Sqlite(tx) => Ok(tx.execute_batch(sql)?),
        Via::Postgres(_) => unreachable!("the batch loop serves SQLite"),
    }
}

/// One failure that every write of a batch shares.
struct Shared(StoreError);

impl Shared {
    /// Answers every job with the failure (a fault that clears by itself stays one:
    /// the callers answer "try again").
    fn answer(self, jobs: impl IntoIterator<Item = Box<dyn Job>>) {
        let transient = matches!(self.0, StoreError::Unavailable(_));
        let cause = self.0.to_string();
        for job in jobs {
            let err = if transient {
                StoreError::Unavailable(cause.clone().into())
            } else {
                StoreError::Database(cause.clone().into())
            };
            job.answer(Err(err));
        }
    }
}
