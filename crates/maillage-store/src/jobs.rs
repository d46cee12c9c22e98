//! Background jobs: a queue in the `jobs` table, on SQLite and PostgreSQL.
//!
//! - **Enqueue** with [`Store::enqueue`], or [`Tx::enqueue`] inside a use case's unit of
//!   work, so that a job exists only if the use case commits (a mail is sent only for a
//!   request that was stored). A job with an idempotency key is enqueued once per
//!   `(kind, key)`: a second enqueue answers the first job (while it is kept, see
//!   [`Store::prune_jobs`]).
//! - **Claim** ([`Store::claim_jobs`]) is one statement that turns due jobs into running
//!   ones leased to a runner: on PostgreSQL `FOR UPDATE SKIP LOCKED`, so that runners of
//!   several servers each get other jobs without waiting for each other; on SQLite the write
//!   lane, where statements take turns. A runner renews its leases while it works
//!   ([`Store::extend_leases`]); a runner that died loses them when they expire, and the
//!   next claim takes the job again (its last allowed attempt spent, the job is failed).
//! - **Finish** with [`Store::complete_job`] or [`Store::fail_job`] (retried at the time
//!   the caller computed, or failed for good after `max_attempts`), only while the runner
//!   still holds the lease: a runner that lost it learns so and changes nothing.
//!
//! Jobs run at least once: a handler must be safe to run again (a runner can lose its lease
//! while it works). Times are Unix milliseconds, from the clock of the server that writes
//! them (leases last minutes, so a few seconds of skew between servers do not matter).

use crate::pool::{Db, with_db, with_writer};
use crate::tx::{Tx, with_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
// Dynamic SQL here is built only from constants and `$n` placeholders: values are always bound.
use sqlx::{AssertSqlSafe, Row};
use std::time::Duration;

/// Refreshes the query planner's statistics (`ANALYZE`), enqueued by a unit of work that
/// wrote many places.
pub const ANALYZE: &str = "maintenance.analyze";

/// The longest `last_error` kept, in characters.
const MAX_ERROR_CHARS: usize = 500;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at` and a runner.
    Queued,
    /// Leased to a runner.
    Running,
    Done,
    /// Gave up after its last allowed attempt (or a permanent error); `retry_job` queues it
    /// again.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [JobState::Queued, JobState::Running, JobState::Done, JobState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

impl std::fmt::Display for JobState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobState::ALL.into_iter().find(|state| state.as_str() == s).ok_or_else(|| {
            format!("état de tâche inconnu « {s} » (attendu : queued, running, done ou failed)")
        })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    /// At most one job per `(kind, key)`; `None`: every enqueue is a new job.
    pub idempotency_key: Option<String>,
    /// JSON, read by the handler of the kind. Never a secret: it is stored in clear (and in
    /// backups) until the job is pruned.
    pub payload: serde_json::Value,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
}

impl NewJob {
    /// A job due now, with 5 attempts and no idempotency key.
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self { kind: kind.into(), idempotency_key: None, payload, run_at: Utc::now(), max_attempts: 5 }
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    pub fn run_at(mut self, at: DateTime<Utc>) -> Self {
        self.run_at = at;
        self
    }

    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }
}

/// What an enqueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    pub id: uuid::Uuid,
    /// False when a job of that kind and key was already there (its id is given).
    pub created: bool,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: uuid::Uuid,
    pub kind: String,
    pub idempotency_key: Option<String>,
    /// JSON text.
    pub payload: String,
    pub state: JobState,
    /// Attempts started (the one running included).
    pub attempts: u32,
    pub max_attempts: u32,
    pub run_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl Job {
    /// The payload read as `T`.
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

/// What [`Store::retry_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryOutcome {
    /// Queued again, due now, with its attempts counted from zero.
    Requeued,
    NotFound,
    /// Only failed jobs are retried; this one is in that state.
    NotFailed(JobState),
}

/// What [`Store::fail_job`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Queued again for the given time.
    Retrying,
    /// That was its last attempt (or the error was permanent): failed.
    GaveUp,
    /// The runner no longer held the lease (it expired and another runner has the job):
    /// nothing changed.
    LeaseLost,
}

const JOB_COLUMNS: &str = "id, kind, idempotency_key, payload, state, attempts, max_attempts, run_at, \
     lease_owner, lease_expires_at, last_error, created_at, finished_at";

const INSERT_JOB: &str = "INSERT INTO jobs (id, kind, idempotency_key, payload, state, attempts, max_attempts, \
     run_at, created_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7) \
     ON CONFLICT (kind, idempotency_key) DO NOTHING RETURNING id";

const EXISTING_JOB: &str = "SELECT id FROM jobs WHERE kind = $1 AND idempotency_key = $2";

/// Jobs whose runner died during their last allowed attempt: failed, not run again.
const FAIL_ABANDONED: &str = "UPDATE jobs SET state = 'failed', finished_at = $1, lease_owner = NULL, \
     lease_expires_at = NULL, last_error = 'bail expiré pendant la dernière tentative (serveur arrêté ?)' \
     WHERE state = 'running' AND lease_expires_at <= $1 AND attempts >= max_attempts";

/// Whether any job may be claimed (or failed as abandoned) at `$1`, whatever its kind.
const ANYTHING_DUE: &str = "SELECT 1 FROM jobs WHERE (state = 'queued' AND run_at <= $1) \
     OR (state = 'running' AND lease_expires_at <= $1) LIMIT 1";

/// Due jobs, and jobs whose runner lost its lease, of the given kinds (`{kinds}`: the
/// placeholders from `$5`).
const DUE: &str = "SELECT id FROM jobs WHERE kind IN {kinds} AND ((state = 'queued' AND run_at <= $3) \
     OR (state = 'running' AND lease_expires_at <= $3 AND attempts < max_attempts)) ORDER BY run_at, id LIMIT $4";

const CLAIM_SET: &str =
    "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, lease_expires_at = $2";

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn time(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("job time {ms}")))
}

fn parse_id(id: &str) -> Result<uuid::Uuid, StoreError> {
    id.parse().map_err(|_| StoreError::Corrupt(format!("job id {id}")))
}

/// A short message: at most [`MAX_ERROR_CHARS`] characters, on one line.
fn short(error: &str) -> String {
    let one_line: String = error.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match one_line.char_indices().nth(MAX_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &one_line[..cut]),
        None => one_line,
    }
}

macro_rules! row_to_job {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let state: String = row.try_get("state")?;
        let lease: Option<i64> = row.try_get("lease_expires_at")?;
        let finished: Option<i64> = row.try_get("finished_at")?;
        Job {
            id: parse_id(&id)?,
            kind: row.try_get("kind")?,
            idempotency_key: row.try_get("idempotency_key")?,
            payload: row.try_get("payload")?,
            state: state.parse().map_err(|_| StoreError::Corrupt(format!("job state {state}")))?,
            attempts: row.try_get::<i64, _>("attempts")?.clamp(0, u32::MAX as i64) as u32,
            max_attempts: row.try_get::<i64, _>("max_attempts")?.clamp(0, u32::MAX as i64) as u32,
            run_at: time(row.try_get("run_at")?)?,
            lease_owner: row.try_get("lease_owner")?,
            lease_expires_at: lease.map(time).transpose()?,
            last_error: row.try_get("last_error")?,
            created_at: time(row.try_get("created_at")?)?,
            finished_at: finished.map(time).transpose()?,
        }
    }};
}

/// Insert a job on `$conn` (a connection or a pool), answering the existing one of the same
/// kind and key.
macro_rules! insert_job {
    ($conn:expr, $job:expr) => {{
        let job: &NewJob = $job;
        let id = uuid::Uuid::now_v7();
        let inserted: Option<String> = sqlx::query_scalar(INSERT_JOB)
            .bind(id.to_string())
            .bind(&job.kind)
            .bind(&job.idempotency_key)
            .bind(job.payload.to_string())
            .bind(i64::from(job.max_attempts.max(1)))
            .bind(ms(job.run_at))
            .bind(ms(Utc::now()))
            .fetch_optional(&mut *$conn)
            .await?;
        match (inserted, &job.idempotency_key) {
            (Some(id), _) => Enqueued { id: parse_id(&id)?, created: true },
            (None, Some(key)) => {
                let existing: String =
                    sqlx::query_scalar(EXISTING_JOB).bind(&job.kind).bind(key).fetch_one(&mut *$conn).await?;
                Enqueued { id: parse_id(&existing)?, created: false }
            }
            (None, None) => return Err(StoreError::Corrupt("job insert returned nothing".into())),
        }
    }};
}

impl Tx {
    /// Enqueue a job in this unit of work: it exists only if the transaction commits, and
    /// the runner of this server is woken at commit.
    pub async fn enqueue(&mut self, job: &NewJob) -> Result<Enqueued, StoreError> {
        let done = with_tx!(self, conn => insert_job!(conn, job));
        self.jobs_enqueued = true;
        Ok(done)
    }
}

impl Store {
    /// Enqueue a job on its own (one statement), and wake this server's runner.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Enqueued, StoreError> {
        let done = with_writer!(self, pool => {
            let mut conn = pool.acquire().await?;
            insert_job!(conn, job)
        });
        self.jobs_wake.notify_one();
        Ok(done)
    }

    /// Resolves when a job was enqueued through this store (or a clone of it) since the
    /// last time it resolved: the runner's in-process wake-up. Jobs enqueued by other
    /// processes are found by polling.
    pub async fn job_enqueued(&self) {
        self.jobs_wake.notified().await
    }

    /// Lease up to `limit` due jobs of `kinds` to `owner` until `now + lease`, counting an
    /// attempt for each: jobs queued with `run_at <= now`, and jobs whose lease expired
    /// (their runner died or stalled). Jobs whose last allowed attempt lost its lease are
    /// failed instead. Only the kinds the runner can handle are taken, so that during an
    /// upgrade an older server leaves the new kinds to the newer ones.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        kinds: &[&str],
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<Job>, StoreError> {
        if kinds.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        // Most polls find nothing: asked of a reader first, they leave the write lane (and,
        // on PostgreSQL, row locks) to the writers that need them.
        let anything: Option<i32> = with_db!(self, pool => {
            sqlx::query_scalar(ANYTHING_DUE).bind(ms(now)).fetch_optional(pool).await?
        });
        if anything.is_none() {
            return Ok(Vec::new());
        }
        let list =
            format!("({})", (0..kinds.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", "));
        let due = DUE.replace("{kinds}", &list);
        let sql = match self.db {
            // The lane runs one statement at a time: the subquery and the update see the
            // same rows.
            Db::Sqlite(_) => format!("{CLAIM_SET} WHERE id IN ({due}) RETURNING {JOB_COLUMNS}"),
            // Locked rows (being claimed by another server) are skipped, not waited for;
            // MATERIALIZED so that the locking subquery runs once.
            Db::Postgres(_) => {
                let returning =
                    JOB_COLUMNS.split(", ").map(|c| format!("jobs.{c}")).collect::<Vec<_>>().join(", ");
                format!(
                    "WITH next AS MATERIALIZED ({due} FOR UPDATE SKIP LOCKED) {CLAIM_SET} FROM next \
                     WHERE jobs.id = next.id RETURNING {returning}"
                )
            }
        };
        let until = ms(now) + lease.as_millis().min(i64::MAX as u128) as i64;
        let mut jobs = with_writer!(self, pool => {
            sqlx::query(FAIL_ABANDONED).bind(ms(now)).execute(pool).await?;
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind(owner)
                .bind(until)
                .bind(ms(now))
                .bind(i64::from(limit));
            for kind in kinds {
                q = q.bind(*kind);
            }
            let rows = q.fetch_all(pool).await?;
            let mut jobs = Vec::with_capacity(rows.len());
            for row in rows {
                jobs.push(row_to_job!(row));
            }
            jobs
        });
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    /// Push back the lease of every job `owner` runs to `until`; how many it holds.
    pub async fn extend_leases(&self, owner: &str, until: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = with_writer!(self, pool => {
            sqlx::query("UPDATE jobs SET lease_expires_at = $1 WHERE lease_owner = $2 AND state = 'running'")
                .bind(ms(until))
                .bind(owner)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(done)
    }

    /// Mark a job done; false when `owner` no longer held its lease (nothing changed).
    pub async fn complete_job(
        &self,
        id: uuid::Uuid,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = with_writer!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
            )
            .bind(ms(now))
            .bind(id.to_string())
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    /// Record a failed attempt with its message (a short text of the code's own, without
    /// secrets or personal data: it is shown by `maillage jobs list`). The job is queued
    /// again for `retry_at`, or failed when that was its last attempt or `permanent`.
    pub async fn fail_job(
        &self,
        id: uuid::Uuid,
        owner: &str,
        error: &str,
        retry_at: DateTime<Utc>,
        permanent: bool,
        now: DateTime<Utc>,
    ) -> Result<FailOutcome, StoreError> {
        let state: Option<String> = with_writer!(self, pool => {
            sqlx::query_scalar(
                "UPDATE jobs SET \
                 state = CASE WHEN attempts >= max_attempts OR $1 THEN 'failed' ELSE 'queued' END, \
                 run_at = CASE WHEN attempts >= max_attempts OR $1 THEN run_at ELSE $2 END, \
                 finished_at = CASE WHEN attempts >= max_attempts OR $1 THEN $3 ELSE NULL END, \
                 last_error = $4, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $5 AND lease_owner = $6 AND state = 'running' RETURNING state",
            )
            .bind(permanent)
            .bind(ms(retry_at))
            .bind(ms(now))
            .bind(short(error))
            .bind(id.to_string())
            .bind(owner)
            .fetch_optional(pool)
            .await?
        });
        Ok(match state.as_deref() {
            None => FailOutcome::LeaseLost,
            Some("failed") => FailOutcome::GaveUp,
            Some(_) => FailOutcome::Retrying,
        })
    }

    /// Give a running job back to the queue, due now, without counting the attempt (a
    /// runner stopping before the job finished); false when the lease was lost.
    pub async fn release_job(
        &self,
        id: uuid::Uuid,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = with_writer!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', run_at = $1, attempts = attempts - 1, lease_owner = NULL, \
                 lease_expires_at = NULL WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
            )
            .bind(ms(now))
            .bind(id.to_string())
            .bind(owner)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }

    /// One job.
    pub async fn job(&self, id: uuid::Uuid) -> Result<Option<Job>, StoreError> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_job!(row)), None => None })
        })
    }

    /// Jobs, newest first, of one state or all; at most `limit`.
    pub async fn list_jobs(&self, state: Option<JobState>, limit: u32) -> Result<Vec<Job>, StoreError> {
        let filter = if state.is_some() { "WHERE state = $2" } else { "" };
        let sql =
            format!("SELECT {JOB_COLUMNS} FROM jobs {filter} ORDER BY created_at DESC, id DESC LIMIT $1");
        with_db!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql.as_str())).bind(i64::from(limit));
            if let Some(state) = state {
                q = q.bind(state.as_str());
            }
            let rows = q.fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(row_to_job!(row));
            }
            Ok(out)
        })
    }

    /// How many jobs are in each state (for tests and status lines).
    pub async fn count_jobs(&self, state: JobState) -> Result<u64, StoreError> {
        with_db!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = $1")
                .bind(state.as_str())
                .fetch_one(pool)
                .await?;
            Ok(n.max(0) as u64)
        })
    }

    /// Queue a failed job again, due `now`, with its attempts counted from zero (its last
    /// error is kept until the next attempt ends).
    pub async fn retry_job(&self, id: uuid::Uuid, now: DateTime<Utc>) -> Result<RetryOutcome, StoreError> {
        let done = with_writer!(self, pool => {
            sqlx::query(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, finished_at = NULL \
                 WHERE id = $2 AND state = 'failed'",
            )
            .bind(ms(now))
            .bind(id.to_string())
            .execute(pool)
            .await?
            .rows_affected()
        });
        if done > 0 {
            self.jobs_wake.notify_one();
            return Ok(RetryOutcome::Requeued);
        }
        Ok(match self.job(id).await? {
            None => RetryOutcome::NotFound,
            Some(job) => RetryOutcome::NotFailed(job.state),
        })
    }

    /// Delete done jobs finished before `done_before` and failed ones finished before
    /// `failed_before` (their idempotency keys are forgotten with them); how many.
    pub async fn prune_jobs(
        &self,
        done_before: DateTime<Utc>,
        failed_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let done = with_writer!(self, pool => {
            sqlx::query(
                "DELETE FROM jobs WHERE finished_at IS NOT NULL AND \
                 ((state = 'done' AND finished_at < $1) OR (state = 'failed' AND finished_at < $2))",
            )
            .bind(ms(done_before))
            .bind(ms(failed_before))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_and_unknown_ones_are_named() {
        for state in JobState::ALL {
            assert_eq!(state.as_str().parse::<JobState>().unwrap(), state);
        }
        let err = "fini".parse::<JobState>().unwrap_err();
        assert!(err.contains("« fini »") && err.contains("failed"), "{err}");
    }

    #[test]
    fn error_messages_are_kept_short_and_on_one_line() {
        assert_eq!(short("a\nb"), "a b");
        let long = "é".repeat(MAX_ERROR_CHARS + 10);
        assert_eq!(short(&long).chars().count(), MAX_ERROR_CHARS + 1);
    }
}
