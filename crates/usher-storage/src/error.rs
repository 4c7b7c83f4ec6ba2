use usher_domain::invite::InviteStatus;

/// What can go wrong below the HTTP edge. The HTTP crate maps each to a SPEC code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such invite")]
    InviteNotFound,
    #[error("the invite is no longer active: {0:?}")]
    InviteUnusable(InviteStatus),
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
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A fault that should clear by itself: the database is down, busy, locked, out of
    /// disk or read-only, or no connection was free in time. Callers answer "try again".
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl StoreError {
    /// Waiting for SQLite's single writer slot took too long.
    pub(crate) fn writer_busy() -> Self {
        Self::Unavailable(sqlx::Error::PoolTimedOut)
    }
}

/// Whether `err` is a transient fault of the database rather than a bug or bad data.
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // SQLite reports numeric result codes (extended ones carry the primary code
            // in their low byte); PostgreSQL reports SQLSTATEs.
            if let Ok(number) = code.parse::<u32>() {
                // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
                matches!(number & 0xff, 5 | 6 | 8 | 10 | 13 | 14 | 15)
            } else {
                // Connection exceptions, insufficient resources (disk full, too many
                // connections), operator intervention (shutdown, cannot connect now),
                // serialization failure and deadlock, lock not available, read-only.
                code.starts_with("08")
                    || code.starts_with("53")
                    || code.starts_with("57P")
                    || matches!(&*code, "40001" | "40P01" | "55P03" | "25006" | "57014")
            }
        }
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    /// Unique violations become the conflict they stand for; constraint names carry the
    /// column on PostgreSQL (`users_username_key`) and the message does on SQLite
    /// (`UNIQUE constraint failed: users.username`).
    fn from(err: sqlx::Error) -> Self {
        let conflict = err
            .as_database_error()
            .filter(|e| e.is_unique_violation())
            .map(|e| e.constraint().unwrap_or_else(|| e.message()).to_owned());
        match conflict {
            Some(what) if what.contains("memberships") => Self::AlreadyMember,
            Some(what) if what.contains("username") => Self::UsernameTaken,
            Some(what) if what.contains("email") => Self::EmailTaken,
            Some(what) if what.contains("code") => Self::CodeTaken,
            Some(what) if what.contains("slug") => Self::SlugTaken,
            Some(what) if what.contains("external_id") => Self::ExternalIdTaken,
            _ if is_transient(&err) => Self::Unavailable(err),
            _ => Self::Database(err),
        }
    }
}
