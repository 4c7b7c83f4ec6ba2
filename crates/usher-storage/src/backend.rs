//! The two backends: which a URL names, their options, and their migrations. How
//! each connects is `engine.rs`; everything else is shared SQL, run through the
//! `Conn` trait (`sql.rs`).

use std::time::Duration;

use sqlx::migrate::Migrator;

use crate::StoreError;

pub(crate) static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long a request waits for a connection (or SQLite's writer) before it is
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
    /// The backend of `sqlite://…` or `postgres://…`. An in-memory SQLite database is
    /// refused: each connection would open a database of its own, empty.
    pub fn of_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url_param(url, "mode") == Some("memory") {
                return Err(StoreError::InMemoryDatabase);
            }
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

/// The value of `name` in a URL's query string (`sqlite://file?mode=ro`).
pub(crate) fn url_param<'u>(url: &'u str, name: &str) -> Option<&'u str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(key, _)| *key == name).map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_memory_sqlite_database_is_refused() {
        for url in ["sqlite::memory:", "sqlite://:memory:", "sqlite://usher.db?mode=memory&cache=shared"] {
            assert!(matches!(Backend::of_url(url), Err(StoreError::InMemoryDatabase)), "{url}");
        }
        assert_eq!(Backend::of_url("sqlite://usher.db?mode=ro").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgres://localhost/usher").unwrap(), Backend::Postgres);
    }
}
