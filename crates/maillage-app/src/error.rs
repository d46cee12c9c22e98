//! The one error type of the use cases; the web layer maps it to HTTP, the CLI to messages.

use maillage_domain::ValidationErrors;
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
    /// The whole file is unreadable (HTTP 422 / CLI exit 1).
    #[error("{0}")]
    File(String),
    /// Anything else: logged with context, shown as a generic message (HTTP 500).
    #[error("internal error: {0}")]
    Internal(String),
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
                    "Cette valeur est déjà utilisée.",
                    "This value is already in use.",
                )
                .into(),
            ),
            StoreError::Raced => AppError::Conflict { current: 0 },
            other if other.is_unavailable() => {
                tracing::warn!(error = %other, "database unavailable");
                AppError::Unavailable { retry_after_s: 5 }
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl From<maillage_domain::FieldError> for AppError {
    fn from(e: maillage_domain::FieldError) -> Self {
        AppError::Validation(e.into())
    }
}
