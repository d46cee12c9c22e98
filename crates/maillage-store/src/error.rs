/// Storage errors. Database errors are kept whole for the logs; callers show a generic
/// message for them.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The record changed since the caller read it (optimistic concurrency).
    #[error("the record was changed by someone else (current version {current})")]
    Conflict { current: i64 },
    /// A record changed between the read and the write of one transaction (an import met
    /// a concurrent edit): nothing was stored; running the use case again is safe.
    #[error("a record changed while the transaction wrote it; nothing was stored")]
    Raced,
    /// A unique value is already taken (e.g. an email address).
    #[error("already exists: {0}")]
    Duplicate(&'static str),
    #[error("not found")]
    NotFound,
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
}

impl StoreError {
    /// Whether the database cannot be reached right now (down, restarting, unreachable,
    /// every connection busy beyond the wait): worth retrying later, not a bug.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Database(e) => match e {
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed => true,
                // PostgreSQL: connection exceptions (08…), shutting down or starting (57P0…).
                // SQLite: still locked by another process after the busy timeout (SQLITE_BUSY
                // and its extended codes: 5, 261, 517, 773): try again later, not a bug.
                sqlx::Error::Database(db) => db.code().is_some_and(|c| {
                    c.starts_with("08") || c.starts_with("57P0") || matches!(&*c, "5" | "261" | "517" | "773")
                }),
                _ => false,
            },
            _ => false,
        }
    }

    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}
