//! Rate-limit counters and the login throttle, on SQLite and (with
//! MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: each hit is one atomic statement, so parallel
//! hits from several servers are all counted.

use maillage_store::testing::fresh_store;
use maillage_store::{LoginThrottle, LoginVerdict};
use std::time::Duration;

#[tokio::test]
async fn parallel_hits_are_all_counted() {
    let db = fresh_store().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move { store.hit_counter("write:x", Duration::from_secs(60)).await }));
    }
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap().unwrap().count);
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=40).collect::<Vec<u64>>(), "every hit sees its own count");
}

#[tokio::test]
async fn a_window_starts_again_once_it_has_ended() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let window = Duration::from_millis(300);
    assert_eq!(s.hit_counter("w", window).await.unwrap().count, 1);
    assert_eq!(s.hit_counter("w", window).await.unwrap().count, 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let hit = s.hit_counter("w", window).await.unwrap();
    assert_eq!(hit.count, 1, "a new window");
    assert_eq!(hit.retry_after_s(), 1);
}

#[tokio::test]
async fn a_burst_of_parallel_login_attempts_gets_only_the_free_ones() {
    let db = fresh_store().await.unwrap();
    let rules = LoginThrottle {
        free_attempts: 5,
        max_delay: Duration::from_secs(300),
        forget_after: Duration::from_secs(900),
    };
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move { store.login_attempt("pair", &rules).await }));
    }
    let mut allowed = 0;
    for t in tasks {
        match t.await.unwrap().unwrap() {
            LoginVerdict::Allowed => allowed += 1,
            // About a second: each attempt reads its clock before its statement runs, so one
            // that waited behind the others for the row sees the wait from its own clock.
            LoginVerdict::Wait { retry_after_ms } => assert!(retry_after_ms <= 1500, "{retry_after_ms}"),
        }
    }
    assert_eq!(allowed, 5);
    // Another pair (the same account from another address) is not held up.
    assert_eq!(db.store.login_attempt("other pair", &rules).await.unwrap(), LoginVerdict::Allowed);
    db.store.clear_login_attempts("pair").await.unwrap();
    assert_eq!(db.store.login_attempt("pair", &rules).await.unwrap(), LoginVerdict::Allowed, "cleared");
}

#[tokio::test]
async fn login_delays_double_up_to_the_cap_and_are_forgotten_after_a_quiet_spell() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let rules = LoginThrottle {
        free_attempts: 1,
        max_delay: Duration::from_secs(2),
        forget_after: Duration::from_millis(3500),
    };
    let wait = |v: LoginVerdict| match v {
        LoginVerdict::Wait { retry_after_ms } => retry_after_ms.div_ceil(1000),
        LoginVerdict::Allowed => 0,
    };
    assert_eq!(s.login_attempt("p", &rules).await.unwrap(), LoginVerdict::Allowed);
    assert_eq!(wait(s.login_attempt("p", &rules).await.unwrap()), 1, "then 1 s");
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(s.login_attempt("p", &rules).await.unwrap(), LoginVerdict::Allowed);
    assert_eq!(wait(s.login_attempt("p", &rules).await.unwrap()), 2, "then 2 s");
    tokio::time::sleep(Duration::from_millis(2050)).await;
    assert_eq!(s.login_attempt("p", &rules).await.unwrap(), LoginVerdict::Allowed);
    assert_eq!(wait(s.login_attempt("p", &rules).await.unwrap()), 2, "capped at 2 s");
    // Quiet for longer than forget_after: the free attempt is back, no delay.
    tokio::time::sleep(Duration::from_millis(3600)).await;
    assert_eq!(s.login_attempt("p", &rules).await.unwrap(), LoginVerdict::Allowed);
    assert_eq!(wait(s.login_attempt("p", &rules).await.unwrap()), 1, "starting from 1 s again");
    s.purge_rate_limits(chrono::Utc::now() + chrono::Duration::hours(1)).await.unwrap();
}
