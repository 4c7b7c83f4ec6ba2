//! SQLite called directly (rusqlite) on a SQLite file: every read, and the hot write
//! transactions (sign-up, accept, login-link redemption, invite creation).
//!
//! sqlx runs each SQLite connection on a thread of its own and hands every statement
//! across to it and every answer back: two thread wake-ups per statement, which on a
//! busy machine cost more than the statement (docs/PERFORMANCE.md). Here a read runs
//! on the request's own thread (a point read takes microseconds; WAL readers never
//! wait for the writer), and a write transaction runs whole on the writer thread
//! (`writer.rs`), where nothing else waits for it. Both open the same file as sqlx's
//! pool, with the same settings, and link the same SQLite library.

use std::{
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::{Arc, Mutex as SyncMutex},
};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::{
    StoreError,
    backend::{ACQUIRE_TIMEOUT, SQLITE_BUSY_TIMEOUT, SqliteDurability},
};

/// How to open another connection to the database file.
#[derive(Debug, Clone)]
pub(crate) struct SqliteFile {
    path: PathBuf,
    durability: SqliteDurability,
    read_only: bool,
}

impl SqliteFile {
    pub(crate) fn new(path: &Path, durability: SqliteDurability, read_only: bool) -> Self {
        Self { path: path.to_owned(), durability, read_only }
    }

    /// A connection with the settings sqlx's pool gives its own (`Pool::connect`):
    /// foreign keys on, the same durability and access mode, a busy timeout. The page
    /// cache is smaller than SQLite's default 2 MiB: the operating system caches the
    /// file too, and the process keeps one cache per connection.
    pub(crate) fn open(&self) -> Result<Connection, StoreError> {
        let access = match self.read_only {
            true => OpenFlags::SQLITE_OPEN_READ_ONLY,
            false => OpenFlags::SQLITE_OPEN_READ_WRITE,
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
pub(crate) struct Readers {
    file: SqliteFile,
    idle: SyncMutex<Vec<Connection>>,
}

impl Readers {
    const KEEP: usize = 8;

    pub(crate) fn new(file: SqliteFile) -> Self {
        Self { file, idle: SyncMutex::default() }
    }

    pub(crate) fn get(&self) -> Result<Reader<'_>, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.file.open()?,
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
        let mut idle = self.home.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// The process's one SQLite write connection behind its writer lock: holding the lock
/// is holding the connection. sqlx's write transactions take the same lock (and leave
/// the connection alone), so the two kinds never meet SQLite's busy handler.
pub(crate) type WriterLock = Arc<Mutex<Option<Connection>>>;

/// Takes the writer lock, waiting at most [`ACQUIRE_TIMEOUT`] ("try again" after).
pub(crate) async fn lock_writer(writer: &WriterLock) -> Result<OwnedMutexGuard<Option<Connection>>, StoreError> {
    tokio::time::timeout(ACQUIRE_TIMEOUT, writer.clone().lock_owned()).await.map_err(|_| StoreError::writer_busy())
}

/// A write transaction on the direct connection; rolls back if dropped uncommitted.
#[derive(Debug)]
pub(crate) struct DirectTx {
    conn: OwnedMutexGuard<Option<Connection>>,
    open: bool,
}

impl DirectTx {
    /// Takes the writer lock (see [`lock_writer`]) and begins with `BEGIN IMMEDIATE`.
    pub(crate) async fn begin(writer: &WriterLock) -> Result<Self, StoreError> {
        let conn = lock_writer(writer).await?;
        let Some(direct) = conn.as_ref() else {
            return Err(StoreError::Database("this store has no direct SQLite connection".into()));
        };
        direct.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Self { conn, open: true })
    }

    pub(crate) fn commit(mut self) -> Result<(), StoreError> {
        self.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl Drop for DirectTx {
    fn drop(&mut self) {
        if self.open {
            let _ = self.execute_batch("ROLLBACK");
        }
    }
}

impl Deref for DirectTx {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("begun only on a direct connection")
    }
}

impl DerefMut for DirectTx {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("begun only on a direct connection")
    }
}
