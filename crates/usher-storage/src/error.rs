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
    #[error(transparent)]
    Database(sqlx::Error),
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
            Some(what) if what.contains("username") => Self::UsernameTaken,
            Some(what) if what.contains("email") => Self::EmailTaken,
            Some(what) if what.contains("code") => Self::CodeTaken,
            _ => Self::Database(err),
        }
    }
}
