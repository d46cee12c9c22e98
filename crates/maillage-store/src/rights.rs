//! Personal data of an account: everything stored about a person (for a download), and
//! erasing it (the places they manage stay; the manager links go).

use crate::pool::with_db;
use crate::tx::with_tx;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::{PlaceId, UserId};
use sqlx::Row;

/// Everything stored about one account, except its password hash.
#[derive(Debug, Clone)]
pub struct StoredPersonalData {
    pub is_demo: bool,
    /// Places the person manages.
    pub managed: Vec<PlaceId>,
    /// Open sessions: `(created_at, expires_at)`, oldest first.
    pub sessions: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    /// Password-reset links: `(expires_at, used)`.
    pub password_resets: Vec<(DateTime<Utc>, bool)>,
    /// Rate-limit events counted in the given buckets (failed logins, reset requests).
    pub rate_events: u64,
}

/// What erasing an account left behind.
#[derive(Debug, Clone, Default)]
pub struct Erased {
    /// Places the person managed (they stay).
    pub places: Vec<PlaceId>,
    /// Among them, places that now have no manager at all (admins still see them).
    pub without_manager: Vec<PlaceId>,
}

fn parse_place_ids(ids: Vec<String>) -> Result<Vec<PlaceId>, StoreError> {
    ids.iter().map(|id| id.parse().map_err(|_| StoreError::Corrupt(format!("place id {id}")))).collect()
}

impl Store {
    /// What is stored about a user beside the account row; `None` for an unknown user.
    /// `buckets`: the rate-limit buckets tied to the person (keyed by a hash of the email).
    pub async fn personal_data(
        &self,
        user: UserId,
        buckets: &[String],
    ) -> Result<Option<StoredPersonalData>, StoreError> {
        let id = user.to_string();
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let Some(is_demo) = sqlx::query_scalar::<_, bool>("SELECT is_demo FROM users WHERE id = $1")
                .bind(&id).fetch_optional(&mut *tx).await?
            else {
                return Ok(None);
            };
            let managed: Vec<String> =
                sqlx::query_scalar("SELECT place_id FROM place_managers WHERE user_id = $1 ORDER BY place_id")
                    .bind(&id).fetch_all(&mut *tx).await?;
            let mut sessions = Vec::new();
            for row in sqlx::query("SELECT created_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at")
                .bind(&id).fetch_all(&mut *tx).await?
            {
                sessions.push((row.try_get("created_at")?, row.try_get("expires_at")?));
            }
            let mut password_resets = Vec::new();
            for row in sqlx::query("SELECT expires_at, used FROM password_resets WHERE user_id = $1 ORDER BY expires_at")
                .bind(&id).fetch_all(&mut *tx).await?
            {
                password_resets.push((row.try_get("expires_at")?, row.try_get("used")?));
            }
            let mut rate_events = 0u64;
            for bucket in buckets {
                let n: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM rate_counters WHERE bucket = $1")
                    .bind(bucket).fetch_one(&mut *tx).await?;
                rate_events += n as u64;
            }
            tx.commit().await?;
            Ok(Some(StoredPersonalData {
                is_demo,
                managed: parse_place_ids(managed)?,
                sessions,
                password_resets,
                rate_events,
            }))
        })
    }

    /// Erase an account in one transaction: its manager links, sessions, reset links, the
    /// rate-limit events of `buckets`, then the account. The places stay; the history of
    /// what the person changed is pseudonymised (no id, "compte supprimé").
    /// [`StoreError::NotFound`] for an unknown user.
    pub async fn erase_user(&self, user: UserId, buckets: &[String]) -> Result<Erased, StoreError> {
        let id = user.to_string();
        let mut unit = self.transaction().await?;
        // The history keeps what the person changed, but no longer who they were.
        unit.pseudonymise_changes_of(&id).await?;
        // Their community memberships go with the account (role grants cascade).
        unit.communities_written += 1;
        let (places, without_manager) = with_tx!(unit, tx => {
            let places: Vec<String> =
                sqlx::query_scalar("SELECT place_id FROM place_managers WHERE user_id = $1 ORDER BY place_id")
                    .bind(&id).fetch_all(&mut *tx).await?;
            sqlx::query("DELETE FROM place_managers WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(&id).execute(&mut *tx).await?;
            for bucket in buckets {
                sqlx::query("DELETE FROM rate_counters WHERE bucket = $1").bind(bucket).execute(&mut *tx).await?;
            }
            let done = sqlx::query("DELETE FROM users WHERE id = $1").bind(&id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let mut without_manager = Vec::new();
            for place in &places {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM place_managers WHERE place_id = $1")
                    .bind(place).fetch_one(&mut *tx).await?;
                if n == 0 {
                    without_manager.push(place.clone());
                }
            }
            (places, without_manager)
        });
        unit.commit().await?;
        Ok(Erased { places: parse_place_ids(places)?, without_manager: parse_place_ids(without_manager)? })
    }

    /// Places that have no manager (their managers' accounts were erased): only admins
    /// edit them.
    pub async fn places_without_manager(&self) -> Result<Vec<PlaceId>, StoreError> {
        let ids: Vec<String> = with_db!(self, pool => {
            sqlx::query_scalar(
                "SELECT id FROM places WHERE NOT EXISTS (SELECT 1 FROM place_managers m WHERE m.place_id = places.id) ORDER BY id",
            )
            .fetch_all(pool)
            .await?
        });
        parse_place_ids(ids)
    }
}
