//! SQLite, called directly (rusqlite): every read and every write of a SQLite store.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every statement
//! across to it and every answer back: two thread wake-ups per statement, which on a
//! busy machine cost more than the statement (docs/PERFORMANCE.md). Here a read runs
//! on the request's own thread (a point read takes microseconds; WAL readers never
//! wait for the writer), and a write transaction runs whole on the writer thread
//! (`writer.rs`) on the one write connection, where nothing else waits for it. sqlx
//! opens the file only to run migrations (its migrator keeps its own table).

use std::{
    ops::{Deref, DerefMut},
    path::PathBuf,
    str::FromStr,
    sync::{Arc, Mutex as SyncMutex, PoisonError, mpsc::RecvTimeoutError},
    time::Duration,
};

use rusqlite::{Connection, OpenFlags};
use sqlx::{
    ConnectOptions, SqliteConnection,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
};
use tokio::{
    runtime,
    sync::{Mutex, OwnedMutexGuard, oneshot},
    task::JoinHandle,
};

use crate::{
    PoolUse, StoreError,
    backend::{ACQUIRE_TIMEOUT, SQLITE_BUSY_TIMEOUT, SqliteDurability, url_param},
    batch,
    error::joined,
    hot::HotReads,
};

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

    pub(crate) fn spawn<T: Send + 'static>(&self, task: impl Future<Output = T> + Send + 'static) -> JoinHandle<T> {
        self.handle.spawn(task)
    }
}

/// A SQLite store: its read connections, its one write connection, and the thread
/// its write transactions run on.
#[derive(Debug)]
pub(crate) struct SqliteEngine {
    readers: Readers,
    writer: Writer,
    /// Write transactions, to the batch loop on the writer thread.
    queue: batch::Queue,
    thread: WriterThread,
    /// Checkpoints the WAL (none on a read-only store); stops when dropped.
    _checkpointer: Option<Checkpointer>,
    /// Answers kept until the next commit (none on a read-only store, which would
    /// see other processes' commits only through a poll of its own).
    pub(crate) hot: Option<Arc<HotReads>>,
    /// sqlx's options for the same file, for the migrations alone.
    migrations: SqliteConnectOptions,
}

impl SqliteEngine {
    /// Opens `sqlite://…` (the file is created if missing, unless `mode=ro`).
    pub(crate) fn open(url: &str, durability: SqliteDurability) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?;
        let read_only = url_param(url, "mode") == Some("ro");
        let file = SqliteFile { path: options.get_filename().to_owned(), durability, read_only };
        let writer = file.open(!read_only)?;
        if !read_only {
            // WAL lets readers run beside the one writer; the mode is the file's own.
            let _: String = writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
            // The one write connection touches pages all over the file (the invite, the
            // user, the membership, their indexes) one transaction after another: a
            // larger cache keeps them instead of reading them back through the kernel.
            writer.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
            // Checkpoints run on a thread of their own (`Checkpointer`), not in a commit
            // on the writer thread; this is the backstop if that thread falls behind.
            writer.pragma_update(None, "wal_autocheckpoint", BACKSTOP_CHECKPOINT_PAGES)?;
        }
        let migrations = options
            .journal_mode(SqliteJournalMode::Wal)
            .pragma("synchronous", durability.synchronous())
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .foreign_keys(true);
        let hot = (!read_only).then(|| Arc::new(HotReads::new()));
        let checkpointer = match &hot {
            Some(hot) => Some(Checkpointer::start(&file, hot.clone())?),
            None => None,
        };
        let writer = Writer { conn: Arc::new(Mutex::new(writer)), hot: hot.clone() };
        let thread = WriterThread::start()?;
        let queue = batch::start(writer.clone(), |run| drop(thread.spawn(run)));
        Ok(Self {
            readers: Readers { file, idle: SyncMutex::default() },
            writer,
            queue,
            thread,
            _checkpointer: checkpointer,
            hot,
            migrations,
        })
    }

    /// Queues a write for the writer thread (`Store::write`).
    pub(crate) fn submit(&self, job: Box<dyn batch::Job>) -> Result<(), StoreError> {
        self.queue.send(job).map_err(|_| StoreError::unanswered())
    }

    pub(crate) fn read(&self) -> Result<Reader<'_>, StoreError> {
        self.readers.get()
    }

    /// A sqlx connection for the migrations, with the write connection held meanwhile
    /// so that no write of this process runs between two of them.
    pub(crate) async fn migration_conn(&self) -> Result<(SqliteConnection, OwnedMutexGuard<Connection>), StoreError> {
        let writer = self.writer.conn.clone().lock_owned().await;
        Ok((self.migrations.connect().await?, writer))
    }

    /// The write connection and the idle read connections (a reader is lent for one
    /// statement on the calling thread, too briefly to count), for metrics. The write
    /// connection is in use while a write transaction runs or waits for SQLite's lock.
    pub(crate) fn pool_use(&self) -> PoolUse {
        let idle_readers = u32::try_from(self.readers.idle().len()).unwrap_or(u32::MAX);
        let writer_idle = u32::from(self.writer.conn.try_lock().is_ok());
        PoolUse { size: idle_readers + 1, idle: idle_readers + writer_idle, max: Readers::KEEP as u32 + 1 }
    }

    /// Rewrites the file (`VACUUM`) and empties the WAL, so that nothing deleted or
    /// overwritten lingers in free pages; on the writer thread, between transactions.
    pub(crate) async fn vacuum(&self) -> Result<(), StoreError> {
        let writer = self.writer.conn.clone();
        joined(
            self.thread
                .spawn(async move {
                    let conn = writer.lock_owned().await;
                    conn.execute_batch("VACUUM")?;
                    Ok(conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?)
                })
                .await,
        )?
    }

    /// Waits for the write transaction in flight, if any.
    pub(crate) async fn close(&self) {
        drop(self.writer.conn.lock().await);
    }
}

/// The write connection's page cache, in KiB (the readers keep 512 KiB each).
const WRITER_CACHE_KIB: i64 = 8 * 1024;

/// How often the checkpointer looks for new commits to copy into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// WAL pages after which a commit checkpoints by itself (SQLite's default is 1,000):
/// only if the checkpointer falls behind.
const BACKSTOP_CHECKPOINT_PAGES: i64 = 10_000;

/// Copies committed pages from the WAL into the database file, on a thread of its own
/// and its own connection, every [`CHECKPOINT_EVERY`] when something was committed.
///
/// SQLite checkpoints inside the commit that crosses 1,000 WAL pages: the writer thread
/// then copied pages and waited for two fsyncs while every write queued behind it (a
/// profile of group-code accepts: `pwrite` 29% and `fsync` 6% of the server's CPU, on
/// the writer). A `PASSIVE` checkpoint here runs beside the writer and the readers and
/// waits for neither; the WAL starts over once it has all been copied.
#[derive(Debug)]
struct Checkpointer {
    _stop: std::sync::mpsc::Sender<()>,
}

impl Checkpointer {
    fn start(file: &SqliteFile, hot: Arc<HotReads>) -> Result<Self, StoreError> {
        let conn = file.open(false)?;
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new().name("usher-sqlite-checkpoint".into()).spawn(move || {
            // `data_version` changes when another connection commits, of this process
            // or another: an idle store checkpoints (and writes) nothing.
            let version = |conn: &Connection| conn.query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0));
            let mut seen = version(&conn).ok();
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                let now = version(&conn).ok();
                if now == seen {
                    continue;
                }
                seen = now;
                // This process's commits made the kept answers stale already; another
                // process's (the CLI's) are seen here first.
                hot.changed();
                if let Err(err) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    // The next round, or the backstop, catches up.
                    tracing::warn!(%err, "SQLite checkpoint failed");
                }
            }
        })?;
        Ok(Self { _stop: stop })
    }
}

/// How to open another connection to the database file.
#[derive(Debug, Clone)]
struct SqliteFile {
    path: PathBuf,
    durability: SqliteDurability,
    read_only: bool,
}

impl SqliteFile {
    /// A connection with foreign keys on, the store's durability and access mode, and a
    /// busy timeout (`create`: the file is created if missing). The page cache is
    /// smaller than SQLite's default 2 MiB: the operating system caches the file too,
    /// and the process keeps one cache per connection.
    fn open(&self, create: bool) -> Result<Connection, StoreError> {
        let access = match (self.read_only, create) {
            (true, _) => OpenFlags::SQLITE_OPEN_READ_ONLY,
            (false, false) => OpenFlags::SQLITE_OPEN_READ_WRITE,
            (false, true) => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        };
        let conn = Connection::open_with_flags(&self.path, access | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", self.durability.synchronous())?;
        conn.pragma_update(None, "cache_size", -512)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }
}

/// Read connections, each taken for one statement's time and put back.
/// Nothing waits for one: a request that finds none idle opens another, and at most
/// [`Readers::KEEP`] stay open.
#[derive(Debug)]
struct Readers {
    file: SqliteFile,
    idle: SyncMutex<Vec<Connection>>,
}

impl Readers {
    const KEEP: usize = 8;

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self) -> Result<Reader<'_>, StoreError> {
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.file.open(false)?,
        };
        Ok(Reader { conn: Some(conn), home: self })
    }
}

/// A read connection on loan from [`Readers`].
#[derive(Debug)]
pub(crate) struct Reader<'r> {
    conn: Option<Connection>,
    home: &'r Readers,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let mut idle = self.home.idle();
        if idle.len() < Readers::KEEP {
            idle.push(conn);
        }
    }
}

impl Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("a reader holds its connection until dropped")
    }
}

impl DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("a reader holds its connection until dropped")
    }
}

/// The process's one SQLite write connection behind its lock: holding the lock is
/// holding the connection. Write transactions take it on the writer thread, one after
/// another; the migrations take it too. Its commits make the kept answers stale.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    conn: Arc<Mutex<Connection>>,
    hot: Option<Arc<HotReads>>,
}

/// A write transaction on the write connection; rolls back if dropped uncommitted.
#[derive(Debug)]
pub(crate) struct DirectTx {
    conn: OwnedMutexGuard<Connection>,
    open: bool,
    hot: Option<Arc<HotReads>>,
}

impl DirectTx {
    /// Takes the write connection, waiting at most [`ACQUIRE_TIMEOUT`] ("try again"
    /// after), and begins with `BEGIN IMMEDIATE`: it takes SQLite's write lock up front,
    /// so a transaction that reads before writing waits its turn (another process's
    /// writer, under the busy timeout) instead of failing when it tries to upgrade.
    pub(crate) async fn begin(writer: &Writer) -> Result<Self, StoreError> {
        let conn = tokio::time::timeout(ACQUIRE_TIMEOUT, writer.conn.clone().lock_owned())
            .await
            .map_err(|_| StoreError::writer_busy())?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Self { conn, open: true, hot: writer.hot.clone() })
    }

    pub(crate) fn commit(mut self) -> Result<(), StoreError> {
        let committed = self.conn.execute_batch("COMMIT");
        // Even a failed COMMIT may have written (SQLite can fail after the WAL append).
        if let Some(hot) = &self.hot {
            hot.changed();
        }
        committed?;
        self.open = false;
        Ok(())
    }
}

impl Drop for DirectTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

impl Deref for DirectTx {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl DerefMut for DirectTx {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
