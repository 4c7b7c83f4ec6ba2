use sqlx::postgres::PgDatabaseError;
use usher_domain::invite::InviteStatus;

use crate::model::GroupRef;

/// What can go wrong below the HTTP edge. The HTTP crate maps each to a SPEC code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such invite")]
    InviteNotFound,
    #[error("the invite is no longer active: {0:?}")]
    InviteUnusable(InviteStatus),
    /// An active invite of a kind the operation does not take (a registration code
    /// given to "join a group").
    #[error("the invite is a {0:?}, which this operation does not take")]
    WrongKind(usher_domain::invite::InviteKind),
    #[error("the username is taken")]
    UsernameTaken,
    #[error("the email is taken")]
    EmailTaken,
    #[error("the generated code is taken")]
    CodeTaken,
    #[error("the invitation's link was replaced by a newer one")]
    InviteSuperseded,
    #[error("the invitation is for another email address")]
    EmailMismatch,
    #[error("already a member of the group")]
    AlreadyMember,
    #[error("that email already has an active invitation to the group")]
    DuplicateInvite,
    #[error("the invitation was resent as often as allowed")]
    ResendLimitReached,
    #[error("the group must keep at least one member of the top role")]
    LastTopMember,
    /// The user is the only enabled top-role member of these groups, which have other
    /// members: deleting or disabling them would leave those groups without one.
    #[error("the user is the last top-role member of {} group(s)", .0.len())]
    LastTopMemberOf(Vec<GroupRef>),
    #[error("the slug is taken")]
    SlugTaken,
    #[error("the external id is taken")]
    ExternalIdTaken,
    #[error("the account is disabled")]
    UserDisabled,
    #[error("not found")]
    NotFound,
    #[error("unsupported database url (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error(
        "an in-memory SQLite database is not supported (each connection would open its own, empty): \
         name a file, e.g. sqlite:///var/lib/usher/usher.db"
    )]
    InMemoryDatabase,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A fault that should clear by itself: the database is down, busy, locked, out of
    /// disk or read-only, or no connection was free in time. Callers answer "try again".
    #[error("database unavailable: {0}")]
    Unavailable(Cause),
    #[error(transparent)]
    Database(Cause),
}

/// The driver's own error (sqlx's or rusqlite's), kept for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl StoreError {
    /// A row that does not decode (an id that is no UUID, an unknown kind): the
    /// database holds something Usher never wrote. Never read as a default.
    pub(crate) fn corrupt(what: &str, value: impl std::fmt::Display) -> Self {
        Self::Database(format!("corrupt row: {what} `{value}` does not decode").into())
    }

    /// A SQLite write that got no answer: the writer thread is gone, or the write
    /// panicked (the panic is in the log).
    pub(crate) fn unanswered() -> Self {
        Self::Database("the write was not answered: the writer thread stopped or the write panicked".into())
    }

    /// Waiting for SQLite's single writer slot took too long.
    pub(crate) fn writer_busy() -> Self {
        Self::Unavailable(Box::new(sqlx::Error::PoolTimedOut))
    }
}

/// The conflict a unique violation stands for, from the constraint's name
/// (PostgreSQL: `users_username_key`) or SQLite's message
/// (`UNIQUE constraint failed: users.username`).
fn conflict(what: &str) -> Option<StoreError> {
    Some(match what {
        _ if what.contains("memberships") => StoreError::AlreadyMember,
        _ if what.contains("username") => StoreError::UsernameTaken,
        _ if what.contains("email") => StoreError::EmailTaken,
        _ if what.contains("code") => StoreError::CodeTaken,
        _ if what.contains("slug") => StoreError::SlugTaken,
        _ if what.contains("external_id") => StoreError::ExternalIdTaken,
        _ => return None,
    })
}

/// SQLite result codes that clear by themselves (extended codes carry the primary one
/// in their low byte): BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
fn is_transient_sqlite(code: i32) -> bool {
    matches!(code & 0xff, 5 | 6 | 8 | 10 | 13 | 14 | 15)
}

/// PostgreSQL SQLSTATEs that clear by themselves: connection exceptions (08), too
/// many connections or no disk (53), operator intervention: shutdown, cannot connect
/// now (57Pxx), a statement cancelled (57014), a database not accepting connections (`ALLOW_CONNECTIONS
/// false`: 55000, which Usher's own statements never raise), serialization failure and
/// deadlock, lock not available, read-only transaction.
fn is_transient_postgres(code: &str) -> bool {
    ["08", "53", "57P"].iter().any(|class| code.starts_with(class))
        || matches!(code, "55000" | "57014" | "40001" | "40P01" | "55P03" | "25006")
}

/// Whether `err` is a transient fault of the database rather than a bug or bad data.
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Told apart by the driver, not the code's look: most SQLSTATEs are digits only
        // (08006, 53300, 55000) and would read as SQLite result codes.
        sqlx::Error::Database(db) => match db.try_downcast_ref::<PgDatabaseError>() {
            Some(pg) => is_transient_postgres(pg.code()),
            None => db.code().and_then(|code| code.parse().ok()).is_some_and(is_transient_sqlite),
        },
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    /// Unique violations become the conflict they stand for; transient faults become
    /// [`StoreError::Unavailable`].
    fn from(err: sqlx::Error) -> Self {
        let conflicting = err
            .as_database_error()
            .filter(|e| e.is_unique_violation())
            .and_then(|e| conflict(e.constraint().unwrap_or_else(|| e.message())));
        match conflicting {
            Some(conflict) => conflict,
            None if is_transient(&err) => Self::Unavailable(Box::new(err)),
            None => Self::Database(Box::new(err)),
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    /// As for sqlx's errors: the same conflicts, the same transient codes.
    fn from(err: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(failure, message) = &err {
            let unique = matches!(
                failure.extended_code,
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
            );
            if let Some(conflict) = message.as_deref().filter(|_| unique).and_then(conflict) {
                return conflict;
            }
            if is_transient_sqlite(failure.extended_code) {
                return Self::Unavailable(Box::new(err));
            }
        }
        Self::Database(Box::new(err))
    }
}

/// A spawned task's answer: its panic goes on in the caller; a task cancelled because
/// its runtime is stopping is "try again".
pub(crate) fn joined<T>(result: Result<T, tokio::task::JoinError>) -> Result<T, StoreError> {
    match result {
        Ok(done) => Ok(done),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(_) => Err(StoreError::writer_busy()),
    }
}
