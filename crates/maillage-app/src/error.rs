//! The one error type of the use cases; the web layer maps it to HTTP, the CLI to messages.

use maillage_domain::ValidationErrors;
use maillage_domain::messages::Message;
use maillage_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input: field-level messages (HTTP 422).
    #[error(transparent)]
    Validation(#[from] ValidationErrors),
    /// Not signed in (HTTP 401).
    #[error("authentication required")]
    Unauthenticated,
    /// Signed in but not allowed (HTTP 403).
    #[error("forbidden")]
    Forbidden,
    /// HTTP 404.
    #[error("not found")]
    NotFound,
    /// A stale edit (HTTP 409), with the version now stored.
    #[error("conflict: the record is now at version {current}")]
    Conflict { current: i64 },
    /// Too many attempts (HTTP 429).
    #[error("too many attempts, retry later")]
    RateLimited { retry_after_s: u64 },
    /// The database cannot be reached right now, or the request took too long (HTTP 503
    /// with `Retry-After`): nothing was changed; retrying later works.
    #[error("service unavailable, retry later")]
    Unavailable { retry_after_s: u64 },
    /// Wrong email or password (HTTP 401, same message for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The whole file is unreadable (HTTP 422 / CLI exit 1), said in the catalogue's words.
    #[error("{0}")]
    File(maillage_domain::messages::Message),
    /// The database failed for a reason that is not the caller's (HTTP 500): the store's
    /// error is kept whole as the source, so the logs show every cause.
    #[error("storage failed")]
    Storage(#[source] StoreError),
    /// Something else failed underneath (a task, a codec, a library): what was being done,
    /// and the error itself as the source (HTTP 500).
    #[error("{context}")]
    Failed {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// A broken invariant with no underlying error: shown as a generic message (HTTP 500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// `what` failed because of `source`, kept as the error's cause.
    pub fn failed(what: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        AppError::Failed { context: what.into(), source: Box::new(source) }
    }

    /// Whether this is the server's fault (HTTP 500): to be logged with its causes.
    pub fn is_internal(&self) -> bool {
        matches!(self, AppError::Storage(_) | AppError::Failed { .. } | AppError::Internal(_))
    }
}

/// An error and its causes on one line (`a: b: c`), for the logs.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(e) = cause {
            write!(f, ": {e}")?;
            cause = e.source();
        }
        Ok(())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { current } => AppError::Conflict { current },
            StoreError::NotFound => AppError::NotFound,
            StoreError::Duplicate(field) => AppError::Validation(
                maillage_domain::FieldError::new(
                    field,
                    "already_exists",
                    Message::new("error.already_exists"),
                )
                .into(),
            ),
            StoreError::Raced => AppError::Conflict { current: 0 },
            other if other.is_unavailable() => {
                tracing::warn!(error = %Chain(&other), "database unavailable");
                AppError::Unavailable { retry_after_s: 5 }
            }
            other => AppError::Storage(other),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<maillage_domain::FieldError> for AppError {
    fn from(e: maillage_domain::FieldError) -> Self {
        AppError::Validation(e.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_failure_keeps_every_cause_for_the_logs() {
        let store = StoreError::Database(sqlx::Error::Protocol("row 7 is truncated".into()));
        let app = AppError::from(store);
        assert!(matches!(app, AppError::Storage(_)) && app.is_internal());
        let logged = Chain(&app).to_string();
        assert!(logged.starts_with("storage failed: database error: "), "{logged}");
        assert!(logged.ends_with("row 7 is truncated"), "the root cause reaches the log: {logged}");
        // What people are shown never carries the cause.
        assert_eq!(app.to_string(), "storage failed");
    }

    #[test]
    fn a_failure_underneath_is_the_source_not_a_flattened_string() {
        let io = std::io::Error::other("disk full");
        let app = AppError::failed("map", io);
        assert_eq!(app.to_string(), "map");
        assert_eq!(std::error::Error::source(&app).map(|e| e.to_string()).as_deref(), Some("disk full"));
        assert_eq!(Chain(&app).to_string(), "map: disk full");
    }

    #[test]
    fn expected_outcomes_are_not_internal_errors() {
        for e in [
            AppError::from(StoreError::NotFound),
            AppError::from(StoreError::Conflict { current: 3 }),
            AppError::from(StoreError::Duplicate("email")),
        ] {
            assert!(!e.is_internal(), "{e:?}");
        }
    }
}
