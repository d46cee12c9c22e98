//! Proposals and reports (`proposals`, `reports`, migration 0011): stored as they are made,
//! decided at the version shown to the moderator (a stale decision is a
//! [`StoreError::Conflict`]). The queue is read whole — open items are few — and filtered
//! by the app, which knows who answers for each place.

use crate::pool::with_db;
use crate::tx::{Tx, is_foreign_key_violation, with_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::moderation::{ItemStatus, ModerationId, Proposal, Report, ReportKind};
use maillage_domain::{PlaceId, UserId};
use sqlx::Row;
use std::collections::HashSet;

fn corrupt(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}"))
}

fn user_of(v: Option<String>) -> Result<Option<UserId>, StoreError> {
    v.map(|v| v.parse().map_err(|_| corrupt("user id", &v))).transpose()
}

fn status_of(v: &str) -> Result<ItemStatus, StoreError> {
    ItemStatus::from_code(v).ok_or_else(|| corrupt("moderation status", v))
}

macro_rules! row_to_proposal {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let place: String = row.try_get("place_id")?;
        let input: String = row.try_get("input")?;
        let status: String = row.try_get("status")?;
        Proposal {
            id: id.parse().map_err(|_| corrupt("proposal id", &id))?,
            place: place.parse().map_err(|_| corrupt("place id", &place))?,
            base_version: row.try_get("base_version")?,
            input: serde_json::from_str(&input).map_err(|_| corrupt("proposal input", &id))?,
            message: row.try_get("message")?,
            proposer: user_of(row.try_get("proposer_id")?)?,
            status: status_of(&status)?,
            decided_by: user_of(row.try_get("decided_by")?)?,
            decided_at: row.try_get("decided_at")?,
            reason: row.try_get("reason")?,
            created_at: row.try_get("created_at")?,
            version: row.try_get("version")?,
        }
    }};
}

macro_rules! row_to_report {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let place: String = row.try_get("place_id")?;
        let kind: String = row.try_get("kind")?;
        let status: String = row.try_get("status")?;
        Report {
            id: id.parse().map_err(|_| corrupt("report id", &id))?,
            place: place.parse().map_err(|_| corrupt("place id", &place))?,
            kind: kind.parse::<ReportKind>().map_err(|_| corrupt("report kind", &kind))?,
            message: row.try_get("message")?,
            reporter: user_of(row.try_get("reporter_id")?)?,
            status: status_of(&status)?,
            decided_by: user_of(row.try_get("decided_by")?)?,
            decided_at: row.try_get("decided_at")?,
            note: row.try_get("note")?,
            created_at: row.try_get("created_at")?,
            version: row.try_get("version")?,
        }
    }};
}

const PROPOSAL_COLUMNS: &str = "id, place_id, base_version, input, message, proposer_id, status, decided_by, \
     decided_at, reason, created_at, version";
const REPORT_COLUMNS: &str =
    "id, place_id, kind, message, reporter_id, status, decided_by, decided_at, note, created_at, version";

impl Store {
    /// Every open proposal, oldest first.
    pub async fn open_proposals(&self) -> Result<Vec<Proposal>, StoreError> {
        self.proposals_where("status = 'open'", None).await
    }

    /// The proposals a person made, oldest first.
    pub async fn proposals_by(&self, user: UserId) -> Result<Vec<Proposal>, StoreError> {
        self.proposals_where("proposer_id = $1", Some(user.to_string())).await
    }

    pub async fn proposal(&self, id: ModerationId) -> Result<Option<Proposal>, StoreError> {
        Ok(self.proposals_where("id = $1", Some(id.to_string())).await?.pop())
    }

    async fn proposals_where(
        &self,
        condition: &str,
        value: Option<String>,
    ) -> Result<Vec<Proposal>, StoreError> {
        let sql =
            format!("SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE {condition} ORDER BY created_at, id");
        with_db!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            if let Some(v) = &value {
                query = query.bind(v);
            }
            let mut out = Vec::new();
            for row in query.fetch_all(pool).await? {
                out.push(row_to_proposal!(&row));
            }
            Ok(out)
        })
    }

    /// Every open report, oldest first.
    pub async fn open_reports(&self) -> Result<Vec<Report>, StoreError> {
        self.reports_where("status = 'open'", None).await
    }

    /// The reports a person made, oldest first.
    pub async fn reports_by(&self, user: UserId) -> Result<Vec<Report>, StoreError> {
        self.reports_where("reporter_id = $1", Some(user.to_string())).await
    }

    pub async fn report(&self, id: ModerationId) -> Result<Option<Report>, StoreError> {
        Ok(self.reports_where("id = $1", Some(id.to_string())).await?.pop())
    }

    async fn reports_where(&self, condition: &str, value: Option<String>) -> Result<Vec<Report>, StoreError> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE {condition} ORDER BY created_at, id");
        with_db!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
            if let Some(v) = &value {
                query = query.bind(v);
            }
            let mut out = Vec::new();
            for row in query.fetch_all(pool).await? {
                out.push(row_to_report!(&row));
            }
            Ok(out)
        })
    }
}

impl Tx {
    pub async fn insert_proposal(&mut self, p: &Proposal) -> Result<(), StoreError> {
        let input = serde_json::to_string(&p.input)?;
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO proposals (id, place_id, base_version, input, message, proposer_id, status, decided_by, \
                 decided_at, reason, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, '', $8, 1)",
            )
            .bind(p.id.to_string())
            .bind(p.place.to_string())
            .bind(p.base_version)
            .bind(&input)
            .bind(&p.message)
            .bind(p.proposer.map(|u| u.to_string()))
            .bind(p.status.code())
            .bind(p.created_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?;
        });
        Ok(())
    }

    pub async fn insert_report(&mut self, r: &Report) -> Result<(), StoreError> {
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO reports (id, place_id, kind, message, reporter_id, status, decided_by, decided_at, note, \
                 created_at, version) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, '', $7, 1)",
            )
            .bind(r.id.to_string())
            .bind(r.place.to_string())
            .bind(r.kind.code())
            .bind(&r.message)
            .bind(r.reporter.map(|u| u.to_string()))
            .bind(r.status.code())
            .bind(r.created_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?;
        });
        Ok(())
    }

    /// Decide on an open proposal (`table` `proposals`, the message in `reason`) or report
    /// (`reports`, in `note`) at `expected_version`. [`StoreError::Conflict`] when it was
    /// decided since; [`StoreError::NotFound`] when there is no such item.
    #[allow(clippy::too_many_arguments)] // one decision's parts
    async fn decide_item(
        &mut self,
        table: &'static str,
        message_column: &'static str,
        id: ModerationId,
        expected_version: i64,
        status: ItemStatus,
        by: UserId,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let update = format!(
            "UPDATE {table} SET status = $1, decided_by = $2, decided_at = $3, {message_column} = $4, \
             version = version + 1 WHERE id = $5 AND version = $6 AND status = 'open'"
        );
        let current = format!("SELECT version FROM {table} WHERE id = $1");
        let done = with_tx!(self, conn => {
            sqlx::query(sqlx::AssertSqlSafe(update.as_str()))
                .bind(status.code())
                .bind(by.to_string())
                .bind(at)
                .bind(message)
                .bind(id.to_string())
                .bind(expected_version)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        if done == 0 {
            let version: Option<i64> = with_tx!(self, conn => {
                sqlx::query_scalar(sqlx::AssertSqlSafe(current.as_str()))
                    .bind(id.to_string()).fetch_optional(&mut *conn).await?
            });
            return Err(version.map_or(StoreError::NotFound, |current| StoreError::Conflict { current }));
        }
        Ok(())
    }

    pub async fn decide_proposal(
        &mut self,
        id: ModerationId,
        expected_version: i64,
        status: ItemStatus,
        by: UserId,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.decide_item("proposals", "reason", id, expected_version, status, by, reason, at).await
    }

    pub async fn decide_report(
        &mut self,
        id: ModerationId,
        expected_version: i64,
        status: ItemStatus,
        by: UserId,
        note: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.decide_item("reports", "note", id, expected_version, status, by, note, at).await
    }
}

impl Store {
    /// The pairs said not to be duplicates, each as (smaller id, larger id).
    pub async fn not_duplicates(&self) -> Result<HashSet<(PlaceId, PlaceId)>, StoreError> {
        let rows: Vec<(String, String)> = with_db!(self, pool => {
            sqlx::query_as("SELECT place_a, place_b FROM not_duplicates").fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(a, b)| {
                Ok((
                    a.parse().map_err(|_| corrupt("place id", &a))?,
                    b.parse().map_err(|_| corrupt("place id", &b))?,
                ))
            })
            .collect()
    }
}

impl Tx {
    /// Remember that two places are not duplicates; `false` when it was known already.
    pub async fn mark_not_duplicates(
        &mut self,
        a: PlaceId,
        b: PlaceId,
        by: UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (a, b) = if a.to_string() < b.to_string() { (a, b) } else { (b, a) };
        let done = with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO not_duplicates (place_a, place_b, decided_by, decided_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(a.to_string())
            .bind(b.to_string())
            .bind(by.to_string())
            .bind(at)
            .execute(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?
            .rows_affected()
        });
        Ok(done > 0)
    }
}

impl Store {
    /// The place a merged place's id now leads to, if it was merged.
    pub async fn merged_into(&self, old: PlaceId) -> Result<Option<PlaceId>, StoreError> {
        let into: Option<String> = with_db!(self, pool => {
            sqlx::query_scalar("SELECT into_id FROM merged_places WHERE old_id = $1")
                .bind(old.to_string())
                .fetch_optional(pool)
                .await?
        });
        into.map(|i| i.parse().map_err(|_| corrupt("place id", &i))).transpose()
    }
}

impl Tx {
    /// Merge `drop` into `keep` (already written with its merged content by the caller, in
    /// this unit of work): its memberships, managers, proposals, reports and history move
    /// to `keep` (a network or a manager both had stays once), then `drop` is deleted and
    /// its id leads to `keep`.
    pub async fn merge_place_into(
        &mut self,
        drop: PlaceId,
        keep: PlaceId,
        by: Option<UserId>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (d, k) = (drop.to_string(), keep.to_string());
        with_tx!(self, conn => {
            sqlx::query(
                "UPDATE network_members SET place_id = $1 WHERE place_id = $2 \
                 AND network_id NOT IN (SELECT network_id FROM network_members WHERE place_id = $1)",
            )
            .bind(&k).bind(&d).execute(&mut *conn).await?;
            sqlx::query(
                "UPDATE place_managers SET place_id = $1 WHERE place_id = $2 \
                 AND user_id NOT IN (SELECT user_id FROM place_managers WHERE place_id = $1)",
            )
            .bind(&k).bind(&d).execute(&mut *conn).await?;
            sqlx::query("UPDATE proposals SET place_id = $1 WHERE place_id = $2").bind(&k).bind(&d).execute(&mut *conn).await?;
            sqlx::query("UPDATE reports SET place_id = $1 WHERE place_id = $2").bind(&k).bind(&d).execute(&mut *conn).await?;
            sqlx::query("UPDATE changes SET item_id = $1 WHERE kind = $3 AND item_id = $2")
                .bind(&k).bind(&d).bind(maillage_domain::history::KIND_PLACE).execute(&mut *conn).await?;
            // Earlier merges into the dropped place now lead to the kept one.
            sqlx::query("UPDATE merged_places SET into_id = $1 WHERE into_id = $2").bind(&k).bind(&d).execute(&mut *conn).await?;
            let done = sqlx::query("DELETE FROM places WHERE id = $1").bind(&d).execute(&mut *conn).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("INSERT INTO merged_places (old_id, into_id, merged_by, merged_at) VALUES ($1, $2, $3, $4)")
                .bind(&d).bind(&k).bind(by.map(|u| u.to_string())).bind(at).execute(&mut *conn).await?;
        });
        self.places_written += 1;
        self.networks_written += 1;
        Ok(())
    }
}
