//! The job runner on SQLite and (with MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: the reset mail
//! retried while the transport fails, panics and errors as failed attempts, two servers'
//! runners sharing one database, wake-up on enqueue, graceful stop.

use maillage_app::jobs::{JobError, JobsConfig, Registry, Runner};
use maillage_app::mail::Mailer;
use maillage_app::{Actor, App, AppConfig, AppError, Store};
use maillage_store::jobs::{Job, JobState, NewJob};
use maillage_store::testing::{TestDb, fresh_store};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Short waits, so that retries happen within a test.
fn fast() -> JobsConfig {
    JobsConfig {
        poll_interval: Duration::from_millis(20),
        retry_base: Duration::from_millis(10),
        retry_max: Duration::from_millis(50),
        grace: Duration::from_millis(200),
        ..JobsConfig::default()
    }
}

fn app_on(store: Store, outbox: PathBuf) -> App {
    App::new(store, Mailer::Outbox(outbox), AppConfig { jobs: fast(), ..AppConfig::default() })
}

async fn fresh_app(outbox: &Path) -> (TestDb, App) {
    let db = fresh_store().await.unwrap();
    let app = app_on(db.store.clone(), outbox.to_owned());
    (db, app)
}

/// Wait (up to 20 s) until `done` holds.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(20), "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn mails(outbox: &Path) -> Vec<String> {
    match std::fs::read_dir(outbox) {
        Ok(dir) => dir.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect(),
        Err(_) => Vec::new(),
    }
}

fn admin() -> Actor {
    Actor::User(
        maillage_app::User {
            id: maillage_domain::UserId::new(),
            email: maillage_domain::fields::Email::parse("admin@exemple.fr").unwrap(),
            display_name: "Admin".into(),
            created_at: chrono::Utc::now(),
        },
        maillage_app::permissions::Roles::none().with(maillage_app::permissions::Grant::admin()),
    )
}

#[tokio::test]
async fn the_reset_mail_is_retried_while_the_transport_fails_then_sent() {
    let dir = tempfile::tempdir().unwrap();
    let outbox = dir.path().join("outbox");
    // The outbox cannot be created while a file holds its name: the transport fails.
    std::fs::write(&outbox, "pas un dossier").unwrap();
    let db = fresh_store().await.unwrap();
    // A backoff long enough that one run of the due jobs makes one attempt.
    let jobs =
        JobsConfig { retry_base: Duration::from_millis(500), retry_max: Duration::from_secs(1), ..fast() };
    let app = App::new(
        db.store.clone(),
        Mailer::Outbox(outbox.clone()),
        AppConfig { jobs, ..AppConfig::default() },
    );
    app.create_user("claire@exemple.fr", "Claire", "mot-de-passe-solide", false).await.unwrap();
    app.request_password_reset("claire@exemple.fr", "fr").await.unwrap();
    let job = app.store().list_jobs(None, 10).await.unwrap().remove(0);
    assert_eq!((job.kind.as_str(), job.state), ("mail.password_reset", JobState::Queued));
    assert!(!job.payload.contains("claire@exemple.fr"), "no address in the queue: {}", job.payload);

    assert_eq!(app.run_due_jobs().await.unwrap(), 1);
    let failed_once = app.store().job(job.id).await.unwrap().unwrap();
    assert_eq!((failed_once.state, failed_once.attempts), (JobState::Queued, 1), "queued again");
    let error = failed_once.last_error.unwrap();
    assert!(error.contains("envoi du lien de réinitialisation impossible"), "{error}");
    assert!(!error.contains("claire") && !error.contains("jeton"), "no personal data nor secret: {error}");
    assert!(failed_once.run_at > job.run_at, "after a backoff");

    // The transport works again: the next attempt sends the link.
    std::fs::remove_file(&outbox).unwrap();
    until("the retry", || async { app.run_due_jobs().await.unwrap() > 0 }).await;
    let sent = app.store().job(job.id).await.unwrap().unwrap();
    assert_eq!((sent.state, sent.attempts), (JobState::Done, 2));
    let mails = mails(&outbox);
    assert_eq!(mails.len(), 1);
    let mail = mails[0].replace("=\r\n", "").replace("=3D", "=");
    assert!(mail.contains("claire@exemple.fr") && mail.contains("Bonjour Claire"));
    let token = mail.split("jeton=").nth(1).unwrap().split(|c: char| c.is_whitespace()).next().unwrap();
    assert!(app.reset_link_is_live(token).await.unwrap(), "the mailed link works");
    assert!(!sent.payload.contains(token), "the token was never queued");
}

#[tokio::test]
async fn a_reset_mail_to_an_unknown_address_is_not_even_queued() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    app.request_password_reset("personne@exemple.fr", "fr").await.unwrap();
    assert!(app.store().list_jobs(None, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_panicking_handler_is_a_failed_attempt_and_the_runner_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    let calls = Arc::new(AtomicU32::new(0));
    let mut registry = Registry::default();
    let counted = calls.clone();
    registry.register("test.panics-once", move |_app: App, _job: Job| {
        let calls = counted.clone();
        async move {
            if calls.fetch_add(1, Ordering::SeqCst) == 0 {
                panic!("première tentative");
            }
            Ok(())
        }
    });
    registry.register("test.fails", |_app: App, _job: Job| async {
        Err(JobError::retry("service distant en panne", std::io::Error::other("connexion refusée")))
    });
    let runner = Runner::new(app.clone(), registry, fast()).start();
    let panics = app.store().enqueue(&NewJob::new("test.panics-once", json!({}))).await.unwrap().id;
    let fails = app.store().enqueue(&NewJob::new("test.fails", json!({})).max_attempts(3)).await.unwrap().id;
    let store = app.store().clone();
    until("both jobs finished", || {
        let store = store.clone();
        async move {
            let a = store.job(panics).await.unwrap().unwrap().state;
            let b = store.job(fails).await.unwrap().unwrap().state;
            a == JobState::Done && b == JobState::Failed
        }
    })
    .await;
    let panicked = app.store().job(panics).await.unwrap().unwrap();
    assert_eq!(panicked.attempts, 2, "the panic was one failed attempt");
    let failed = app.store().job(fails).await.unwrap().unwrap();
    assert_eq!(failed.attempts, 3);
    assert_eq!(failed.last_error.as_deref(), Some("service distant en panne"), "our message, not the cause");
    // Still running: a new job is taken.
    let after = app.store().enqueue(&NewJob::new("test.panics-once", json!({}))).await.unwrap().id;
    let store = app.store().clone();
    until("a job after the panic", || {
        let store = store.clone();
        async move { store.job(after).await.unwrap().unwrap().state == JobState::Done }
    })
    .await;
    runner.stop().await;
}

#[tokio::test]
async fn an_enqueue_in_this_process_wakes_the_runner_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    let mut registry = Registry::default();
    registry.register("test.noop", |_app: App, _job: Job| async { Ok(()) });
    let config = JobsConfig { poll_interval: Duration::from_secs(3600), ..fast() };
    let runner = Runner::new(app.clone(), registry, config).start();
    // Let the runner reach its wait (an hour of polling) first.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut tx = app.store().transaction().await.unwrap();
    let id = tx.enqueue(&NewJob::new("test.noop", json!({}))).await.unwrap().id;
    tx.commit().await.unwrap();
    let store = app.store().clone();
    until("the woken runner", || {
        let store = store.clone();
        async move { store.job(id).await.unwrap().unwrap().state == JobState::Done }
    })
    .await;
    runner.stop().await;
}

#[tokio::test]
async fn a_stopped_runner_gives_back_the_job_it_could_not_finish() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    let started = Arc::new(tokio::sync::Notify::new());
    let mut registry = Registry::default();
    let signal = started.clone();
    registry.register("test.slow", move |_app: App, _job: Job| {
        let signal = signal.clone();
        async move {
            signal.notify_one();
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
    });
    let runner = Runner::new(app.clone(), registry, fast()).start();
    let id = app.store().enqueue(&NewJob::new("test.slow", json!({})).max_attempts(1)).await.unwrap().id;
    tokio::time::timeout(Duration::from_secs(10), started.notified()).await.expect("started");
    let stopping = Instant::now();
    runner.stop().await;
    assert!(stopping.elapsed() < Duration::from_secs(5), "stopped after its grace period");
    let job = app.store().job(id).await.unwrap().unwrap();
    assert_eq!((job.state, job.attempts, job.lease_owner), (JobState::Queued, 0, None), "given back whole");
}

#[tokio::test]
async fn one_runner_per_application() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    let runner = app.start_jobs().unwrap();
    assert!(matches!(app.clone().start_jobs(), Err(AppError::Internal(_))));
    runner.stop().await;
}

#[tokio::test]
async fn the_standard_runner_schedules_the_purge_once_per_period() {
    let dir = tempfile::tempdir().unwrap();
    let (db, app) = fresh_app(dir.path()).await;
    let beside = app_on(Store::connect(&db.url).await.unwrap(), dir.path().to_owned());
    let (a, b) = (app.start_jobs().unwrap(), beside.start_jobs().unwrap());
    let store = app.store().clone();
    until("the purge ran", || {
        let store = store.clone();
        async move { store.count_jobs(JobState::Done).await.unwrap() > 0 }
    })
    .await;
    a.stop().await;
    b.stop().await;
    let purges: Vec<_> = app
        .store()
        .list_jobs(None, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == "maintenance.purge")
        .collect();
    // Two servers, one period (or two, if the test straddled a boundary of ten minutes).
    assert!(!purges.is_empty() && purges.len() <= 2, "{purges:?}");
    let keys: HashSet<_> = purges.iter().map(|j| j.idempotency_key.clone()).collect();
    assert_eq!(keys.len(), purges.len(), "one job per period");
}

#[tokio::test]
async fn retrying_by_hand_names_what_is_wrong_with_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(dir.path()).await;
    let field_code = |r: Result<(), AppError>| match r {
        Err(AppError::Validation(v)) => v.errors[0].code,
        other => panic!("expected a field error, got {other:?}"),
    };
    assert_eq!(field_code(app.retry_job(&admin(), "pas-un-id").await), "invalid_job_id");
    assert_eq!(field_code(app.retry_job(&admin(), &uuid::Uuid::now_v7().to_string()).await), "unknown_job");
    let id = app.store().enqueue(&NewJob::new("test.kind", json!({}))).await.unwrap().id;
    assert_eq!(field_code(app.retry_job(&admin(), &id.to_string()).await), "job_not_failed");
    assert!(matches!(app.retry_job(&Actor::Anonymous, &id.to_string()).await, Err(AppError::Forbidden)));
    assert!(matches!(app.list_jobs(&Actor::Anonymous, None, 10).await, Err(AppError::Forbidden)));
    assert_eq!(app.list_jobs(&admin(), Some(JobState::Queued), 10).await.unwrap().len(), 1);
}

/// Two servers' runners on one database, four jobs at a time each: 200 jobs, each run
/// exactly once, never on both at the same time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_runners_run_each_of_200_jobs_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (db, app) = fresh_app(dir.path()).await;
    let beside = app_on(Store::connect(&db.url).await.unwrap(), dir.path().to_owned());
    let runs: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();
    let running: Arc<Mutex<HashSet<u64>>> = Arc::default();
    let registry = {
        let (runs, running) = (runs.clone(), running.clone());
        let mut r = Registry::default();
        r.register("test.count", move |_app: App, job: Job| {
            let (runs, running) = (runs.clone(), running.clone());
            async move {
                let i = job.payload_as::<serde_json::Value>().unwrap()["i"].as_u64().unwrap();
                assert!(running.lock().unwrap().insert(i), "job {i} run twice at once");
                *runs.lock().unwrap().entry(i).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
                running.lock().unwrap().remove(&i);
                Ok(())
            }
        });
        r
    };
    let a = Runner::new(app.clone(), registry.clone(), fast()).start();
    let b = Runner::new(beside.clone(), registry, fast()).start();
    for i in 0..200u64 {
        let store = if i % 2 == 0 { app.store() } else { beside.store() };
        store.enqueue(&NewJob::new("test.count", json!({ "i": i })).key(i.to_string())).await.unwrap();
    }
    let store = app.store().clone();
    until("200 jobs done", || {
        let store = store.clone();
        async move { store.count_jobs(JobState::Done).await.unwrap() == 200 }
    })
    .await;
    a.stop().await;
    b.stop().await;
    assert_eq!(app.store().count_jobs(JobState::Failed).await.unwrap(), 0);
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 200, "every job ran");
    assert!(runs.values().all(|n| *n == 1), "each exactly once");
}
