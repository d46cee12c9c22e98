//! Two servers on one database, editing the same places at the same time through the API:
//! every edit answers 200 or 409 (never 500), and no acknowledged edit is lost. Run on
//! SQLite and (with MAILLAGE_TEST_POSTGRES_URL) on PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conflicting_edits_on_two_servers_lose_nothing_and_never_fail() {
    let first = Arc::new(spawn_with(load_config()).await);
    let second = Arc::new(spawn_beside(&first).await);
    let admin = first.user("admin@exemple.fr", true).await;

    let (mut both_won, mut errors) = (0, Vec::new());
    for round in 0..100 {
        let created = first
            .json(Some(&admin), Method::POST, "/api/v1/places", &place_json(&format!("Lieu {round}")))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_owned();
        let uri = format!("/api/v1/places/{id}");
        let mut tasks = Vec::new();
        for (who, server) in [("A", Arc::clone(&first)), ("B", Arc::clone(&second))] {
            let (admin, uri) = (admin.clone(), uri.clone());
            tasks.push(tokio::spawn(async move {
                let mut body = place_json(&format!("Édition {who}"));
                body["version"] = json!(1);
                (who, server.json(Some(&admin), Method::PUT, &uri, &body).await)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (who, r) = t.await.unwrap();
            match r.status {
                StatusCode::OK => winners.push(who),
                StatusCode::CONFLICT => {
                    assert_eq!(
                        r.json()["error"]["current_version"],
                        2,
                        "the loser is told the version now stored"
                    )
                }
                other => errors.push(format!("round {round} {who}: {other} {}", r.body)),
            }
        }
        if winners.len() == 2 {
            both_won += 1;
        }
        // What is stored is the winner's edit, seen the same from both servers.
        for server in [&first, &second] {
            let stored = server.get(Some(&admin), &uri).await.json();
            assert_eq!(stored["version"], 2);
            if let [winner] = winners[..] {
                assert_eq!(stored["name"], format!("Édition {winner}"), "round {round}");
            }
        }
    }
    assert!(errors.is_empty(), "{} edits failed: {:?}", errors.len(), &errors[..errors.len().min(5)]);
    assert_eq!(both_won, 0, "rounds where both edits answered 200 (one of them was lost)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_concurrent_writers_gets_only_successes_and_conflicts() {
    let first = Arc::new(spawn_with(load_config()).await);
    let second = Arc::new(spawn_beside(&first).await);
    let admin = first.user("admin@exemple.fr", true).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        let r =
            first.json(Some(&admin), Method::POST, "/api/v1/places", &place_json(&format!("Lieu {i}"))).await;
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    // 12 clients, each editing every place from the version it just read, creating one
    // place per pass too: on SQLite this is the load that answered "database is locked".
    let mut tasks = Vec::new();
    for w in 0..12 {
        let server = if w % 2 == 0 { Arc::clone(&first) } else { Arc::clone(&second) };
        let (admin, ids) = (admin.clone(), ids.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for pass in 0..3 {
                for id in &ids {
                    let uri = format!("/api/v1/places/{id}");
                    let current = server.get(Some(&admin), &uri).await.json();
                    let mut body = place_json(&format!("w{w} p{pass}"));
                    body["version"] = current["version"].clone();
                    statuses.push(server.json(Some(&admin), Method::PUT, &uri, &body).await.status);
                }
                let r = server
                    .json(
                        Some(&admin),
                        Method::POST,
                        "/api/v1/places",
                        &place_json(&format!("Nouveau w{w} p{pass}")),
                    )
                    .await;
                statuses.push(r.status);
            }
            statuses
        }));
    }
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        for s in t.await.unwrap() {
            *counts.entry(s.as_u16()).or_insert(0) += 1;
        }
    }
    let unexpected: Vec<_> = counts.iter().filter(|(s, _)| ![200, 201, 409].contains(*s)).collect();
    assert!(unexpected.is_empty(), "statuses other than 200/201/409: {counts:?}");
    assert_eq!(counts.get(&201), Some(&36), "every creation stored: {counts:?}");
    // Each 200 made exactly one version.
    let mut versions = 0;
    for id in &ids {
        versions += first.get(Some(&admin), &format!("/api/v1/places/{id}")).await.json()["version"]
            .as_i64()
            .unwrap()
            - 1;
    }
    assert_eq!(versions, *counts.get(&200).unwrap_or(&0) as i64, "{counts:?}");
}
