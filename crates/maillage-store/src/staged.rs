//! Uploads kept between an import's preview and its confirmation (migration 0008).

use crate::pool::{with_db, with_writer};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::UserId;

/// An upload waiting for its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedImport {
    pub id: String,
    pub user: UserId,
    pub created_at: DateTime<Utc>,
    pub file_name: String,
    /// The form's choices, as the use case wrote them (JSON).
    pub choices: String,
    pub content: Vec<u8>,
}

impl Store {
    /// Keep an upload until it is confirmed or expires.
    pub async fn stage_import(&self, staged: &StagedImport) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query(
                "INSERT INTO staged_imports (id, user_id, created_at, file_name, choices, content) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&staged.id)
            .bind(staged.user.to_string())
            .bind(staged.created_at.timestamp_millis())
            .bind(&staged.file_name)
            .bind(&staged.choices)
            .bind(&staged.content)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The upload `id` of `user` (someone else's is not found).
    pub async fn staged_import(&self, id: &str, user: UserId) -> Result<Option<StagedImport>, StoreError> {
        let row: Option<(String, i64, String, String, Vec<u8>)> = with_db!(self, pool => {
            sqlx::query_as(
                "SELECT id, created_at, file_name, choices, content FROM staged_imports \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user.to_string())
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id, created_at, file_name, choices, content)| StagedImport {
            id,
            user,
            created_at: DateTime::from_timestamp_millis(created_at).unwrap_or_default(),
            file_name,
            choices,
            content,
        }))
    }

    /// Forget an upload (confirmed, or abandoned).
    pub async fn drop_staged_import(&self, id: &str) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("DELETE FROM staged_imports WHERE id = $1").bind(id).execute(pool).await?;
        });
        Ok(())
    }

    /// Forget the uploads staged before `before`; how many.
    pub async fn purge_staged_imports(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        with_writer!(self, pool => {
            Ok(sqlx::query("DELETE FROM staged_imports WHERE created_at < $1")
                .bind(before.timestamp_millis())
                .execute(pool)
                .await?
                .rows_affected())
        })
    }
}
