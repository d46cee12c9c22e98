//! `maillage jobs list` and `maillage jobs retry`, run as the real binary on a SQLite file in
//! a temporary data directory; the jobs are made through the store on the same file.

use maillage_store::Store;
use maillage_store::jobs::NewJob;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::cli::{Env, text};

#[tokio::test]
async fn a_failed_job_is_listed_with_its_error_and_retried_by_id() {
    let env = Env::new();
    let store = env.store().await;
    let id = store
        .enqueue(&NewJob::new("mail.password_reset", serde_json::json!({})).max_attempts(1))
        .await
        .unwrap()
        .id;
    let now = chrono::Utc::now();
    store.claim_jobs("test", &["mail.password_reset"], 1, Duration::from_secs(60), now).await.unwrap();
    store.fail_job(id, "test", "envoi impossible", now, false, now).await.unwrap();
    store.close().await;

    let out = env.run(&["jobs", "list", "--state", "failed"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let line = listed.lines().next().unwrap_or_default();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(
        (fields[0], fields[1], fields[2], fields[3], fields[5]),
        (id.to_string().as_str(), "mail.password_reset", "failed", "1/1", "envoi impossible")
    );
    assert!(text(&env.run(&["jobs", "list", "--state", "queued"]).stdout).is_empty());

    let out = env.run(&["jobs", "retry", &id.to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let queued = text(&env.run(&["jobs", "list", "--state", "queued"]).stdout);
    assert!(queued.starts_with(&format!("{id}\tmail.password_reset\tqueued\t0/1\t")), "{queued}");
    assert_eq!(text(&env.run(&["jobs", "list"]).stdout).lines().count(), 1);

    // Retried again while queued: refused, naming its state.
    let out = env.run(&["jobs", "retry", &id.to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("« queued »"), "{}", text(&out.stderr));
}

#[test]
fn bad_input_exits_non_zero_naming_the_problem() {
    let env = Env::new();
    let out = env.run(&["jobs", "list", "--state", "fini"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("--state") && err.contains("« fini »"), "{err}");

    let out = env.run(&["jobs", "retry", "pas-un-id"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("« pas-un-id » n'est pas un identifiant de tâche"),
        "{}",
        text(&out.stderr)
    );

    let unknown = "01950000-0000-7000-8000-000000000000";
    let out = env.run(&["jobs", "retry", unknown]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(&format!("aucune tâche {unknown}")), "{}", text(&out.stderr));

    let out = env.run(&["jobs", "retry"]);
    assert_eq!(out.status.code(), Some(2), "the id is required");
    assert!(text(&out.stderr).contains("<ID>"), "{}", text(&out.stderr));

    let out = env.run(&["jobs", "list", "--limit", "beaucoup"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--limit"), "{}", text(&out.stderr));
}

/// `maillage serve` runs the job runner: a job enqueued by another process (here the store
/// on the same database) is found by polling and run; `jobs list` shows it; Ctrl+C stops
/// the server and its runner cleanly. On SQLite, or PostgreSQL with
/// MAILLAGE_TEST_POSTGRES_URL.
#[test]
fn the_server_runs_jobs_enqueued_by_another_process_and_stops_cleanly() {
    let db = common::server::Database::fresh();
    let server = db.serve();
    let url = if db.is_postgres() { db.url.clone() } else { db.sqlite_url() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = rt.block_on(Store::connect(&url)).unwrap();
    let job = NewJob::new(maillage_store::jobs::ANALYZE, serde_json::json!({}));
    let id = rt.block_on(store.enqueue(&job)).unwrap().id;
    let started = Instant::now();
    loop {
        let state = rt.block_on(store.job(id)).unwrap().unwrap().state;
        if state == maillage_store::jobs::JobState::Done {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server's runner did not run the job ({state})"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    rt.block_on(store.close());
    let out = db.command(&["jobs", "list", "--state", "done"]).output().unwrap();
    let listed = text(&out.stdout);
    assert!(listed.contains(&format!("{id}\tmaintenance.analyze\tdone\t1/5")), "{listed}");
    assert!(listed.contains("maintenance.purge\tdone"), "the purge was scheduled at start: {listed}");

    // Ctrl+C: the server and the runner stop, exit 0.
    let mut server = server;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let stopping = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(stopping.elapsed() < Duration::from_secs(30), "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
}
