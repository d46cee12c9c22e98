//! Accounts, sessions and password resets (rate limits: `limits.rs`).

use crate::pool::{with_db, with_writer};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::fields::Email;
use maillage_domain::user::User;
use maillage_domain::{PlaceId, UserId};
// Dynamic SQL here is built only from constants and `$n` placeholders: values are always bound.
use sqlx::{AssertSqlSafe, Row};

/// A user with the hash of their password (never leaves the app layer).
#[derive(Debug, Clone)]
pub struct UserRecord {
    pub user: User,
    pub password_hash: String,
}

/// A signed-in session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

macro_rules! row_to_user {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let email: String = row.try_get("email")?;
        UserRecord {
            user: User {
                id: id.parse().map_err(|_| StoreError::Corrupt(format!("user id {id}")))?,
                email: Email::parse(&email).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                display_name: row.try_get("display_name")?,
                created_at: row.try_get("created_at")?,
            },
            password_hash: row.try_get("password_hash")?,
        }
    }};
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, created_at";

impl Store {
    /// Create an account (one unit of work); [`StoreError::Duplicate`] when the email is taken.
    pub async fn create_user(&self, record: &UserRecord, is_demo: bool) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.create_user(record, is_demo).await?;
        tx.commit().await
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(email.as_str()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_user!(row)), None => None })
        })
    }

    pub async fn user(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_user!(row)), None => None })
        })
    }

    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY email");
        with_db!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(row_to_user!(row));
            }
            Ok(out)
        })
    }

    /// Replace a password hash, end every session of the user and void their reset links
    /// (one unit of work).
    pub async fn set_password_hash(&self, id: UserId, hash: &str) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.set_password_hash(id, hash).await?;
        tx.commit().await
    }

    /// Places a user manages.
    pub async fn managed_place_ids(&self, user: UserId) -> Result<Vec<PlaceId>, StoreError> {
        let ids: Vec<String> = with_db!(self, pool => {
            sqlx::query_scalar("SELECT place_id FROM place_managers WHERE user_id = $1")
                .bind(user.to_string()).fetch_all(pool).await?
        });
        ids.iter().map(|id| id.parse().map_err(|_| StoreError::Corrupt(id.clone()))).collect()
    }

    // --- sessions -------------------------------------------------------------------------

    /// Store a session under the hash of its token (the token itself is only in the cookie).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash).bind(user.to_string()).bind(csrf_token).bind(Utc::now()).bind(expires_at)
            .execute(pool).await?;
        });
        Ok(())
    }

    /// The live session with this token hash (expired ones are ignored).
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        with_db!(self, pool => {
            let row = sqlx::query("SELECT user_id, csrf_token, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2")
                .bind(token_hash).bind(Utc::now()).fetch_optional(pool).await?;
            Ok(match row {
                Some(row) => {
                    let user_id: String = row.try_get("user_id")?;
                    Some(Session {
                        user_id: user_id.parse().map_err(|_| StoreError::Corrupt(user_id.clone()))?,
                        csrf_token: row.try_get("csrf_token")?,
                        expires_at: row.try_get("expires_at")?,
                    })
                }
                None => None,
            })
        })
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(pool).await?;
        });
        Ok(())
    }

    /// Remove expired sessions, used reset tokens, ended rate-limit windows and login pairs
    /// not tried since `rate_events_before`.
    pub async fn purge_expired(&self, rate_events_before: DateTime<Utc>) -> Result<(), StoreError> {
        let now = Utc::now();
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM password_resets WHERE expires_at <= $1 OR used = TRUE").bind(now).execute(pool).await?;
        });
        self.purge_rate_limits(rate_events_before).await
    }

    // --- password resets ------------------------------------------------------------------

    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("INSERT INTO password_resets (token_hash, user_id, expires_at, used) VALUES ($1, $2, $3, FALSE)")
                .bind(token_hash).bind(user.to_string()).bind(expires_at).execute(pool).await?;
        });
        Ok(())
    }

    /// The user of a live, unused reset token, marking it and the user's other links used
    /// (one unit of work).
    pub async fn consume_password_reset(&self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let mut tx = self.transaction().await?;
        let user = tx.consume_password_reset(token_hash).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Whether a reset token is live, without using it (to show the form).
    pub async fn password_reset_is_live(&self, token_hash: &str) -> Result<bool, StoreError> {
        with_db!(self, pool => {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM password_resets WHERE token_hash = $1 AND used = FALSE AND expires_at > $2",
            )
            .bind(token_hash).bind(Utc::now()).fetch_one(pool).await?;
            Ok(n > 0)
        })
    }
}
