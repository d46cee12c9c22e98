//! The job queue on SQLite and (with MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: idempotent
//! enqueues, retries with backoff, leases taken over, several stores (servers) claiming from
//! one database, jobs enqueued inside a unit of work.

use chrono::{Duration as Span, Utc};
use maillage_domain::vocab::PlaceType;
use maillage_store::Store;
use maillage_store::jobs::{ANALYZE, FailOutcome, JobState, NewJob, RetryOutcome};
use maillage_store::testing::fresh_store;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod common;

const KIND: &str = "test.kind";
const LEASE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn the_same_idempotency_key_enqueued_twice_is_one_job_and_runs_once() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let job = NewJob::new(KIND, json!({"n": 1})).key("k-1");
    let first = s.enqueue(&job).await.unwrap();
    let again = s.enqueue(&NewJob::new(KIND, json!({"n": 2})).key("k-1")).await.unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.id, again.id, "the second enqueue answers the first job");
    // The same key in a unit of work, and under another kind (a different job).
    let mut tx = s.transaction().await.unwrap();
    assert_eq!(tx.enqueue(&job).await.unwrap(), again);
    tx.commit().await.unwrap();
    assert!(s.enqueue(&NewJob::new("test.other", json!({})).key("k-1")).await.unwrap().created);

    let claimed = s.claim_jobs("r1", &[KIND], 10, LEASE, Utc::now()).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].payload_as::<serde_json::Value>().unwrap(), json!({"n": 1}), "the first payload");
    assert!(s.complete_job(claimed[0].id, "r1", Utc::now()).await.unwrap());
    // Enqueued again once done: still the same job, not run again.
    assert!(!s.enqueue(&job).await.unwrap().created);
    assert!(s.claim_jobs("r1", &[KIND], 10, LEASE, Utc::now()).await.unwrap().is_empty());
    assert_eq!(s.job(first.id).await.unwrap().unwrap().state, JobState::Done);
}

#[tokio::test]
async fn jobs_without_a_key_are_each_their_own() {
    let db = fresh_store().await.unwrap();
    let a = db.store.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap();
    let b = db.store.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap();
    assert!(a.created && b.created && a.id != b.id);
}

#[tokio::test]
async fn a_failing_job_is_retried_after_its_backoff_then_failed_with_its_error() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let id = s.enqueue(&NewJob::new(KIND, json!({})).max_attempts(2)).await.unwrap().id;
    let t0 = Utc::now();
    let job = s.claim_jobs("r", &[KIND], 1, LEASE, t0).await.unwrap().remove(0);
    assert_eq!((job.state, job.attempts, job.lease_owner.as_deref()), (JobState::Running, 1, Some("r")));
    let retry_at = t0 + Span::seconds(30);
    let outcome = s.fail_job(id, "r", "SMTP : envoi impossible", retry_at, false, t0).await.unwrap();
    assert_eq!(outcome, FailOutcome::Retrying);
    let queued = s.job(id).await.unwrap().unwrap();
    assert_eq!((queued.state, queued.attempts), (JobState::Queued, 1));
    assert_eq!(queued.run_at.timestamp_millis(), retry_at.timestamp_millis());
    assert_eq!(queued.last_error.as_deref(), Some("SMTP : envoi impossible"));
    assert_eq!(queued.lease_owner, None);

    // Not before its backoff.
    assert!(s.claim_jobs("r", &[KIND], 1, LEASE, t0 + Span::seconds(29)).await.unwrap().is_empty());
    let t1 = t0 + Span::seconds(30);
    let job = s.claim_jobs("r", &[KIND], 1, LEASE, t1).await.unwrap().remove(0);
    assert_eq!(job.attempts, 2);
    let outcome = s.fail_job(id, "r", "toujours en panne", t1 + Span::seconds(60), false, t1).await.unwrap();
    assert_eq!(outcome, FailOutcome::GaveUp, "two attempts allowed");
    let failed = s.job(id).await.unwrap().unwrap();
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("toujours en panne"));
    assert_eq!(failed.finished_at.map(|t| t.timestamp_millis()), Some(t1.timestamp_millis()));
    assert!(s.claim_jobs("r", &[KIND], 1, LEASE, t1 + Span::days(1)).await.unwrap().is_empty());
    assert_eq!(s.list_jobs(Some(JobState::Failed), 10).await.unwrap(), vec![failed]);

    // Retried by hand: due now, attempts counted again from zero.
    assert_eq!(s.retry_job(id, t1).await.unwrap(), RetryOutcome::Requeued);
    let job = s.claim_jobs("r", &[KIND], 1, LEASE, t1).await.unwrap().remove(0);
    assert_eq!(job.attempts, 1);
    assert_eq!(s.retry_job(id, t1).await.unwrap(), RetryOutcome::NotFailed(JobState::Running));
    assert_eq!(s.retry_job(uuid::Uuid::now_v7(), t1).await.unwrap(), RetryOutcome::NotFound);
}

#[tokio::test]
async fn a_permanent_error_fails_the_job_at_once() {
    let db = fresh_store().await.unwrap();
    let id = db.store.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap().id;
    db.store.claim_jobs("r", &[KIND], 1, LEASE, Utc::now()).await.unwrap();
    let outcome =
        db.store.fail_job(id, "r", "contenu illisible", Utc::now(), true, Utc::now()).await.unwrap();
    assert_eq!(outcome, FailOutcome::GaveUp);
    assert_eq!(db.store.job(id).await.unwrap().unwrap().attempts, 1);
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_the_first_runner_changes_nothing() {
    let db = fresh_store().await.unwrap();
    let other = Store::connect(&db.url).await.unwrap();
    let id = db.store.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap().id;
    let t0 = Utc::now();
    let lease = Duration::from_secs(5);
    assert_eq!(db.store.claim_jobs("a", &[KIND], 1, lease, t0).await.unwrap().len(), 1);
    // Leased: the other server does not get it…
    assert!(other.claim_jobs("b", &[KIND], 1, lease, t0 + Span::seconds(4)).await.unwrap().is_empty());
    // …until the lease expires (runner "a" crashed or stalled).
    let taken = other.claim_jobs("b", &[KIND], 1, lease, t0 + Span::seconds(5)).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!((taken[0].id, taken[0].attempts, taken[0].lease_owner.as_deref()), (id, 2, Some("b")));
    // The first runner comes back: its lease is gone, it changes nothing.
    assert!(!db.store.complete_job(id, "a", Utc::now()).await.unwrap());
    assert_eq!(
        db.store.fail_job(id, "a", "x", Utc::now(), false, Utc::now()).await.unwrap(),
        FailOutcome::LeaseLost
    );
    assert_eq!(db.store.extend_leases("a", Utc::now() + Span::hours(1)).await.unwrap(), 0);
    assert!(other.complete_job(id, "b", Utc::now()).await.unwrap());
    assert_eq!(db.store.job(id).await.unwrap().unwrap().state, JobState::Done);
}

#[tokio::test]
async fn a_renewed_lease_keeps_the_job() {
    let db = fresh_store().await.unwrap();
    db.store.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap();
    let t0 = Utc::now();
    db.store.claim_jobs("a", &[KIND], 1, Duration::from_secs(5), t0).await.unwrap();
    assert_eq!(db.store.extend_leases("a", t0 + Span::seconds(60)).await.unwrap(), 1);
    assert!(db.store.claim_jobs("b", &[KIND], 1, LEASE, t0 + Span::seconds(30)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_job_whose_last_attempt_lost_its_lease_is_failed_not_run_again() {
    let db = fresh_store().await.unwrap();
    let id = db.store.enqueue(&NewJob::new(KIND, json!({})).max_attempts(1)).await.unwrap().id;
    let t0 = Utc::now();
    db.store.claim_jobs("a", &[KIND], 1, Duration::from_secs(5), t0).await.unwrap();
    assert!(db.store.claim_jobs("b", &[KIND], 1, LEASE, t0 + Span::seconds(6)).await.unwrap().is_empty());
    let job = db.store.job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert!(job.last_error.unwrap().contains("bail expiré"));
}

#[tokio::test]
async fn a_released_job_is_due_again_without_losing_an_attempt() {
    let db = fresh_store().await.unwrap();
    let id = db.store.enqueue(&NewJob::new(KIND, json!({})).max_attempts(1)).await.unwrap().id;
    db.store.claim_jobs("a", &[KIND], 1, LEASE, Utc::now()).await.unwrap();
    assert!(db.store.release_job(id, "a", Utc::now()).await.unwrap());
    let again = db.store.claim_jobs("b", &[KIND], 1, LEASE, Utc::now()).await.unwrap();
    assert_eq!(again[0].attempts, 1, "the interrupted attempt is not counted");
}

#[tokio::test]
async fn only_due_jobs_of_the_kinds_asked_for_are_claimed_oldest_first() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let now = Utc::now();
    let later = s.enqueue(&NewJob::new(KIND, json!({})).run_at(now + Span::hours(1))).await.unwrap().id;
    let second = s.enqueue(&NewJob::new(KIND, json!({})).run_at(now - Span::seconds(1))).await.unwrap().id;
    let first = s.enqueue(&NewJob::new(KIND, json!({})).run_at(now - Span::seconds(2))).await.unwrap().id;
    s.enqueue(&NewJob::new("test.unknown-here", json!({}))).await.unwrap();
    let claimed: Vec<_> = s
        .claim_jobs("r", &[KIND, "test.none"], 10, LEASE, now)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(claimed, vec![first, second]);
    assert_eq!(s.count_jobs(JobState::Queued).await.unwrap(), 2, "the later one and the unknown kind wait");
    assert!(s.claim_jobs("r", &[], 10, LEASE, now + Span::days(1)).await.unwrap().is_empty());
    for id in claimed {
        s.complete_job(id, "r", now).await.unwrap();
    }
    assert_eq!(s.claim_jobs("r", &[KIND], 10, LEASE, now + Span::hours(1)).await.unwrap()[0].id, later);
}

#[tokio::test]
async fn an_enqueue_inside_a_rolled_back_transaction_leaves_no_job() {
    let db = fresh_store().await.unwrap();
    let mut tx = db.store.transaction().await.unwrap();
    let id = tx.enqueue(&NewJob::new(KIND, json!({})).key("rolled-back")).await.unwrap().id;
    tx.rollback().await.unwrap();
    let mut tx = db.store.transaction().await.unwrap();
    tx.enqueue(&NewJob::new(KIND, json!({})).key("dropped")).await.unwrap();
    drop(tx);
    assert_eq!(db.store.job(id).await.unwrap(), None);
    assert!(db.store.list_jobs(None, 10).await.unwrap().is_empty());
    assert!(db.store.claim_jobs("r", &[KIND], 10, LEASE, Utc::now()).await.unwrap().is_empty());
    // The key is free: the use case may run again.
    assert!(db.store.enqueue(&NewJob::new(KIND, json!({})).key("rolled-back")).await.unwrap().created);
}

#[tokio::test]
async fn a_committed_enqueue_wakes_the_runner_of_this_server() {
    let db = fresh_store().await.unwrap();
    let waiter = {
        let store = db.store.clone();
        tokio::spawn(async move { store.job_enqueued().await })
    };
    let mut tx = db.store.transaction().await.unwrap();
    tx.enqueue(&NewJob::new(KIND, json!({}))).await.unwrap();
    tx.commit().await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").unwrap();
}

#[tokio::test]
async fn a_large_import_leaves_its_analyze_to_a_job() {
    let db = fresh_store().await.unwrap();
    let places: Vec<_> = (0..500)
        .map(|i| common::place(&format!("Lieu {i}"), &[PlaceType::Fablab], "42", 45.43, 4.39))
        .collect();
    db.store.import_places(&places[..10], &maillage_domain::history::Author::System).await.unwrap();
    assert!(db.store.list_jobs(None, 10).await.unwrap().is_empty(), "a small import: nothing");
    db.store.import_places(&places, &maillage_domain::history::Author::System).await.unwrap();
    let jobs = db.store.list_jobs(None, 10).await.unwrap();
    assert_eq!(
        jobs.iter().map(|j| (j.kind.as_str(), j.state)).collect::<Vec<_>>(),
        [(ANALYZE, JobState::Queued)]
    );
}

#[tokio::test]
async fn old_finished_jobs_are_pruned_and_their_keys_forgotten() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let done = s.enqueue(&NewJob::new(KIND, json!({})).key("done")).await.unwrap().id;
    let failed = s.enqueue(&NewJob::new(KIND, json!({})).key("failed").max_attempts(1)).await.unwrap().id;
    let waiting = s
        .enqueue(&NewJob::new(KIND, json!({})).key("waiting").run_at(Utc::now() + Span::days(9)))
        .await
        .unwrap()
        .id;
    let t0 = Utc::now();
    s.claim_jobs("r", &[KIND], 10, LEASE, t0).await.unwrap();
    s.complete_job(done, "r", t0).await.unwrap();
    s.fail_job(failed, "r", "x", t0, false, t0).await.unwrap();
    // Failed ones are kept longer than done ones.
    let after = t0 + Span::seconds(1);
    assert_eq!(s.prune_jobs(after, t0).await.unwrap(), 1);
    assert_eq!(s.job(done).await.unwrap(), None);
    assert!(s.job(failed).await.unwrap().is_some());
    assert_eq!(s.prune_jobs(after, after).await.unwrap(), 1);
    assert!(s.job(waiting).await.unwrap().is_some(), "a queued job is never pruned");
    assert!(s.enqueue(&NewJob::new(KIND, json!({})).key("done")).await.unwrap().created);
}

/// Two servers (two stores on one database), four workers each, 200 jobs: each job runs
/// exactly once and never on two workers at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_claiming_together_run_each_of_200_jobs_exactly_once() {
    let db = fresh_store().await.unwrap();
    let other = Store::connect(&db.url).await.unwrap();
    let mut ids = HashSet::new();
    for i in 0..200 {
        ids.insert(
            db.store.enqueue(&NewJob::new(KIND, json!({ "i": i })).key(format!("j{i}"))).await.unwrap().id,
        );
    }
    let runs: Arc<Mutex<HashMap<uuid::Uuid, u32>>> = Arc::default();
    let running: Arc<Mutex<HashSet<uuid::Uuid>>> = Arc::default();
    let mut workers = Vec::new();
    for (server, store) in [db.store.clone(), other.clone()].into_iter().enumerate() {
        for worker in 0..4 {
            let (store, runs, running) = (store.clone(), runs.clone(), running.clone());
            let owner = format!("server{server}-worker{worker}");
            workers.push(tokio::spawn(async move {
                let mut idle = 0;
                while idle < 3 {
                    let jobs = store.claim_jobs(&owner, &[KIND], 3, LEASE, Utc::now()).await.unwrap();
                    if jobs.is_empty() {
                        idle += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                    idle = 0;
                    for job in jobs {
                        assert!(running.lock().unwrap().insert(job.id), "job {} run twice at once", job.id);
                        *runs.lock().unwrap().entry(job.id).or_default() += 1;
                        tokio::task::yield_now().await;
                        running.lock().unwrap().remove(&job.id);
                        assert!(store.complete_job(job.id, &owner, Utc::now()).await.unwrap());
                    }
                }
            }));
        }
    }
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(db.store.count_jobs(JobState::Done).await.unwrap(), 200);
    let runs = runs.lock().unwrap();
    assert_eq!(runs.keys().copied().collect::<HashSet<_>>(), ids, "every job ran");
    assert!(
        runs.values().all(|n| *n == 1),
        "each exactly once: {:?}",
        runs.values().filter(|n| **n != 1).count()
    );
}
