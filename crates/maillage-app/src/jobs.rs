//! The job runner: runs the jobs of the `jobs` table (`maillage_store::jobs`) with the
//! handler registered for their kind.
//!
//! One runner per server process ([`App::start_jobs`], started by `maillage serve`). It
//! claims due jobs in one statement (so several servers on one PostgreSQL database never
//! run one job at the same time), runs up to `concurrency` at once, is woken at once by a
//! job enqueued in this process and otherwise polls every `poll_interval` (jobs enqueued by
//! another server or a CLI command). While a job runs its lease is renewed; if the server
//! dies, another server takes the job when the lease expires. A handler error is a failed
//! attempt (logged with its cause chain, retried after an exponential backoff, failed for
//! good after the job's `max_attempts`); so is a panic or a handler that overruns its
//! timeout. On stop, the runner claims nothing more, lets running jobs finish for a while,
//! and gives back those that did not.
//!
//! Jobs run at least once: handlers must be safe to run twice (an attempt whose result
//! could not be recorded runs again).
//!
//! The kinds of this version: [`crate::accounts::SEND_PASSWORD_RESET`] (mail),
//! [`PURGE`] (expired sessions, reset links, rate counters and old jobs; enqueued on a
//! schedule, once per period for all servers together) and [`maillage_store::jobs::ANALYZE`]
//! (planner statistics after a large import).

use crate::error::{AppError, AppResult, Chain};
use crate::{Actor, App};
use chrono::Utc;
use maillage_domain::messages::Message;
use maillage_store::jobs::{FailOutcome, NewJob, RetryOutcome};
/// What the runner's callers see of a job (the store's types: the app adds no rules to them).
pub use maillage_store::jobs::{Job, JobState};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinSet;

/// Removes what has expired: sessions, reset links, rate counters, old finished jobs.
pub const PURGE: &str = "maintenance.purge";

/// Settings of the runner (`[jobs]` of the configuration for the first two).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Jobs run at once by this server.
    pub concurrency: usize,
    /// How often the queue is read when nothing woke the runner.
    pub poll_interval: Duration,
    /// How long a claimed job stays leased without renewal; renewed every third of it.
    pub lease: Duration,
    /// Longest run of one attempt; beyond it the attempt is a failure.
    pub timeout: Duration,
    /// Wait before the first retry; doubled at each further attempt, up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How often the purge runs (one job per period, whatever the number of servers).
    pub purge_every: Duration,
    /// Finished jobs are kept this long (failed ones longer), then pruned.
    pub keep_done: Duration,
    pub keep_failed: Duration,
    /// On stop, how long running jobs may take to finish before they are given back.
    pub grace: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            timeout: Duration::from_secs(600),
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(3600),
            purge_every: Duration::from_secs(600),
            keep_done: Duration::from_secs(7 * 86_400),
            keep_failed: Duration::from_secs(30 * 86_400),
            grace: Duration::from_secs(20),
        }
    }
}

impl JobsConfig {
    /// The wait before the retry that follows attempt `attempt` (1 for the first):
    /// `retry_base × 2^(attempt − 1)`, at most `retry_max`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(30));
        self.retry_base.saturating_mul(factor).min(self.retry_max)
    }
}

/// A failed attempt. `message` is stored in the job (`maillage jobs list` shows it): a
/// short text of our own, never a secret or personal data; the cause (`source`), which may
/// hold anything (an SMTP server's answer quotes the address), only goes to the logs.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    message: String,
    /// Running it again cannot help: fail the job now.
    permanent: bool,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl JobError {
    /// A failure worth retrying.
    pub fn retry(message: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self { message: message.into(), permanent: false, source: Some(Box::new(source)) }
    }

    /// A failure that another attempt would repeat.
    pub fn permanent(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self { message: message.into(), permanent: true, source: Some(Box::new(source)) }
    }

    /// A failure without a cause to log.
    pub fn message(message: impl Into<String>) -> Self {
        Self { message: message.into(), permanent: false, source: None }
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;
type Handler = Arc<dyn Fn(App, Job) -> HandlerFuture + Send + Sync>;

/// The handlers of a runner, by job kind. A runner claims only the kinds it has, so that
/// during an upgrade an older server leaves newer kinds to the newer servers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("kinds", &self.kinds()).finish()
    }
}

impl Registry {
    /// The kinds of this version of Maillage.
    pub fn standard() -> Self {
        let mut r = Registry::default();
        r.register(crate::accounts::SEND_PASSWORD_RESET, crate::accounts::send_password_reset);
        r.register(PURGE, purge);
        r.register(maillage_store::jobs::ANALYZE, analyze);
        r
    }

    /// Run jobs of `kind` with `handler` (replacing an earlier one).
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F) -> &mut Self
    where
        F: Fn(App, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.handlers.insert(kind.to_owned(), Arc::new(move |app, job| Box::pin(handler(app, job))));
        self
    }

    pub fn kinds(&self) -> Vec<&str> {
        let mut kinds: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        kinds
    }
}

/// What a runner shares with the tasks of its jobs.
struct Shared {
    app: App,
    registry: Registry,
    config: JobsConfig,
    /// This runner in the `lease_owner` column: unique per start.
    owner: String,
    /// Jobs this runner has leased and not yet reported (given back if it stops first).
    running: Mutex<HashSet<uuid::Uuid>>,
}

/// A job runner over an [`App`] (see the module documentation).
#[derive(Clone)]
pub struct Runner(Arc<Shared>);

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("owner", &self.0.owner).field("registry", &self.0.registry).finish()
    }
}

/// A started runner; [`RunnerHandle::stop`] stops it gracefully.
#[derive(Debug)]
pub struct RunnerHandle {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunnerHandle {
    /// Claim nothing more, let running jobs finish (up to the grace period), give back the
    /// others, and return.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %Chain(&e), "job runner ended abnormally");
        }
    }
}

impl Runner {
    pub fn new(app: App, registry: Registry, config: JobsConfig) -> Self {
        let owner = format!("{}-{}", std::process::id(), &uuid::Uuid::new_v4().simple().to_string()[..12]);
        Runner(Arc::new(Shared { app, registry, config, owner, running: Mutex::default() }))
    }

    /// Run in the background until stopped.
    pub fn start(self) -> RunnerHandle {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tracing::info!(
            owner = %self.0.owner,
            concurrency = self.0.config.concurrency,
            kinds = ?self.0.registry.kinds(),
            "job runner started"
        );
        RunnerHandle { stop, task: tokio::spawn(self.run(stopped)) }
    }

    /// Run every job due now (and those their runs make due at once), `concurrency` at a
    /// time, in this task; how many attempts ran. For tests and one-off commands.
    pub async fn run_due(&self) -> Result<usize, maillage_store::StoreError> {
        let kinds = self.0.registry.kinds();
        let mut ran = 0;
        loop {
            let limit = self.0.config.concurrency.max(1) as u32;
            let jobs = self
                .0
                .app
                .store
                .claim_jobs(&self.0.owner, &kinds, limit, self.0.config.lease, Utc::now())
                .await?;
            if jobs.is_empty() {
                return Ok(ran);
            }
            ran += jobs.len();
            let mut set = JoinSet::new();
            for job in jobs {
                set.spawn(self.clone().attempt(job));
            }
            while set.join_next().await.is_some() {}
        }
    }

    async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let config = &self.0.config;
        let concurrency = config.concurrency.max(1);
        let kinds = self.0.registry.kinds();
        let mut in_flight = JoinSet::new();
        let mut renew = tokio::time::interval((config.lease / 3).max(Duration::from_millis(10)));
        renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_purge_slot = None;
        loop {
            if *stop.borrow() {
                break;
            }
            self.schedule(&mut last_purge_slot).await;
            let free = concurrency - in_flight.len();
            if free > 0 {
                match self
                    .0
                    .app
                    .store
                    .claim_jobs(&self.0.owner, &kinds, free as u32, config.lease, Utc::now())
                    .await
                {
                    Ok(jobs) => {
                        for job in jobs {
                            self.0.running.lock().unwrap_or_else(|e| e.into_inner()).insert(job.id);
                            in_flight.spawn(self.clone().attempt(job));
                        }
                    }
                    Err(e) => tracing::warn!(error = %Chain(&e), "cannot claim jobs; trying again"),
                }
            }
            // Slots full: only a finished job (or a stop) makes room for another.
            let full = in_flight.len() >= concurrency;
            tokio::select! {
                _ = stop.changed() => break,
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                () = self.0.app.store.job_enqueued(), if !full => {}
                () = tokio::time::sleep(config.poll_interval), if !full => {}
                _ = renew.tick() => self.renew().await,
            }
        }
        // Stopping: no new claims; running jobs may finish within the grace period.
        let deadline = tokio::time::sleep(config.grace);
        tokio::pin!(deadline);
        while !in_flight.is_empty() {
            tokio::select! {
                _ = in_flight.join_next() => {}
                () = &mut deadline => break,
                _ = renew.tick() => self.renew().await,
            }
        }
        in_flight.abort_all();
        while in_flight.join_next().await.is_some() {}
        let left: Vec<_> = self.0.running.lock().unwrap_or_else(|e| e.into_inner()).drain().collect();
        for id in left {
            match self.0.app.store.release_job(id, &self.0.owner, Utc::now()).await {
                Ok(true) => tracing::info!(job = %id, "job given back at stop"),
                // It ended (and was recorded) just before the stop.
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(job = %id, error = %Chain(&e), "cannot give a job back; its lease will expire")
                }
            }
        }
        tracing::info!(owner = %self.0.owner, "job runner stopped");
    }

    /// Enqueue the periodic purge of the current period, once per period for every server
    /// together (its idempotency key is the period's number).
    async fn schedule(&self, last_slot: &mut Option<i64>) {
        if !self.0.registry.handlers.contains_key(PURGE) {
            return;
        }
        let period = self.0.config.purge_every.as_millis().clamp(1000, i64::MAX as u128) as i64;
        let slot = Utc::now().timestamp_millis() / period;
        if *last_slot == Some(slot) {
            return;
        }
        let start = chrono::DateTime::from_timestamp_millis(slot * period).unwrap_or_else(Utc::now);
        let job =
            NewJob::new(PURGE, serde_json::json!({})).key(slot.to_string()).run_at(start).max_attempts(3);
        match self.0.app.store.enqueue(&job).await {
            Ok(_) => *last_slot = Some(slot),
            Err(e) => tracing::warn!(error = %Chain(&e), "cannot schedule the purge"),
        }
    }

    /// Push back the leases of the running jobs.
    async fn renew(&self) {
        if self.0.running.lock().unwrap_or_else(|e| e.into_inner()).is_empty() {
            return;
        }
        let until = Utc::now() + span(self.0.config.lease);
        if let Err(e) = self.0.app.store.extend_leases(&self.0.owner, until).await {
            tracing::warn!(error = %Chain(&e), "cannot renew job leases");
        }
    }

    /// One attempt of a claimed job, and its outcome recorded.
    async fn attempt(self, job: Job) {
        let shared = &self.0;
        let (id, kind, attempt, max) = (job.id, job.kind.clone(), job.attempts, job.max_attempts);
        shared.running.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
        let started = Instant::now();
        let result = match shared.registry.handlers.get(&kind) {
            None => Err(JobError::message("aucun traitement pour ce type de tâche")),
            Some(handler) => {
                // A task of its own: a panic ends it, not the runner.
                let task = tokio::spawn(handler(shared.app.clone(), job));
                let _abort = AbortOnDrop(task.abort_handle());
                match tokio::time::timeout(shared.config.timeout, task).await {
                    Ok(Ok(result)) => result,
                    Ok(Err(e)) if e.is_panic() => Err(JobError::message("le traitement a paniqué")),
                    Ok(Err(_)) => Err(JobError::message("traitement annulé")),
                    Err(_) => Err(JobError::message(format!(
                        "délai dépassé ({} s)",
                        shared.config.timeout.as_secs_f64()
                    ))),
                }
            }
        };
        let ms = started.elapsed().as_millis() as u64;
        let now = Utc::now();
        let recorded = match &result {
            Ok(()) => {
                tracing::info!(job = %id, kind, attempt, ms, "job done");
                shared.app.store.complete_job(id, &shared.owner, now).await.map(|held| held.then_some(()))
            }
            Err(e) => {
                let retry_at = now + span(shared.config.backoff(attempt));
                let outcome = shared
                    .app
                    .store
                    .fail_job(id, &shared.owner, &e.to_string(), retry_at, e.permanent, now)
                    .await;
                match outcome {
                    Ok(FailOutcome::Retrying) => {
                        tracing::warn!(job = %id, kind, attempt, max, ms, retry_at = %retry_at, error = %Chain(e), "job failed; will retry")
                    }
                    Ok(FailOutcome::GaveUp) => {
                        tracing::error!(job = %id, kind, attempt, max, ms, error = %Chain(e), "job failed for good")
                    }
                    _ => {}
                }
                outcome.map(|o| (o != FailOutcome::LeaseLost).then_some(()))
            }
        };
        match recorded {
            Ok(Some(())) => {}
            Ok(None) => {
                tracing::warn!(job = %id, kind, "job lease lost before its end (another runner has it)")
            }
            Err(e) => {
                tracing::warn!(job = %id, kind, error = %Chain(&e), "cannot record a job's end; it will run again")
            }
        }
        shared.running.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
}

fn span(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// [`PURGE`]: what has expired, and finished jobs past their keeping time.
async fn purge(app: App, _job: Job) -> Result<(), JobError> {
    let now = Utc::now();
    app.store
        .purge_expired(now - chrono::Duration::hours(2))
        .await
        .map_err(|e| JobError::retry("purge des sessions et compteurs impossible", e))?;
    app.store
        .purge_staged_imports(now - chrono::Duration::hours(crate::transfer::STAGED_UPLOAD_HOURS))
        .await
        .map_err(|e| JobError::retry("purge des fichiers en attente d'import impossible", e))?;
    let config = &app.config.jobs;
    let pruned = app
        .store
        .prune_jobs(now - span(config.keep_done), now - span(config.keep_failed))
        .await
        .map_err(|e| JobError::retry("purge des anciennes tâches impossible", e))?;
    tracing::debug!(pruned, "purge done");
    Ok(())
}

/// [`maillage_store::jobs::ANALYZE`].
async fn analyze(app: App, _job: Job) -> Result<(), JobError> {
    app.store.analyze().await.map_err(|e| JobError::retry("ANALYZE impossible", e))
}

impl App {
    /// Start this server's job runner with the kinds of this version; refused if this
    /// application (or a clone of it) already runs one.
    pub fn start_jobs(&self) -> AppResult<RunnerHandle> {
        if self.jobs_started.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(AppError::Internal("a job runner already runs in this process".into()));
        }
        Ok(Runner::new(self.clone(), Registry::standard(), self.config.jobs.clone()).start())
    }

    /// Run the jobs due now in this task (tests, one-off commands); how many attempts ran.
    pub async fn run_due_jobs(&self) -> AppResult<usize> {
        Ok(Runner::new(self.clone(), Registry::standard(), self.config.jobs.clone()).run_due().await?)
    }

    /// Jobs, newest first, of one state or all (administrators).
    pub async fn list_jobs(&self, actor: &Actor, state: Option<JobState>, limit: u32) -> AppResult<Vec<Job>> {
        if !actor.can(crate::permissions::Action::ManageJobs, &crate::permissions::Resource::Platform) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.list_jobs(state, limit).await?)
    }

    /// Queue a failed job again (administrators). `id` as typed: a bad or unknown one, or
    /// a job that has not failed, is a field error naming it.
    pub async fn retry_job(&self, actor: &Actor, id: &str) -> AppResult<()> {
        if !actor.can(crate::permissions::Action::ManageJobs, &crate::permissions::Resource::Platform) {
            return Err(AppError::Forbidden);
        }
        let error = |code: &'static str, message: Message| {
            AppError::from(maillage_domain::FieldError::new("id", code, message))
        };
        let Ok(uuid) = id.trim().parse::<uuid::Uuid>() else {
            return Err(error("invalid_job_id", Message::new("jobs.invalid_job_id").with("id", id)));
        };
        match self.store.retry_job(uuid, Utc::now()).await? {
            RetryOutcome::Requeued => {
                tracing::info!(job = %uuid, "job queued again by hand");
                Ok(())
            }
            RetryOutcome::NotFound => {
                Err(error("unknown_job", Message::new("jobs.unknown_job").with("uuid", uuid)))
            }
            RetryOutcome::NotFailed(state) => Err(error(
                "job_not_failed",
                Message::new("jobs.job_not_failed").with("uuid", uuid).with("state", state),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        let c = JobsConfig::default();
        assert_eq!(c.backoff(1), Duration::from_secs(10));
        assert_eq!(c.backoff(2), Duration::from_secs(20));
        assert_eq!(c.backoff(4), Duration::from_secs(80));
        assert_eq!(c.backoff(20), Duration::from_secs(3600));
        assert_eq!(c.backoff(u32::MAX), Duration::from_secs(3600));
    }

    #[test]
    fn the_chain_shows_every_cause() {
        let e = JobError::retry("envoi impossible", std::io::Error::other("connexion refusée"));
        assert_eq!(Chain(&e).to_string(), "envoi impossible: connexion refusée");
        assert_eq!(e.to_string(), "envoi impossible", "the stored message is ours alone");
    }
}
