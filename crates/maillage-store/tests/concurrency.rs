//! Concurrent writers, as two servers on one database would be: no edit is lost, no
//! writer gets "database is locked". Run on SQLite and (with MAILLAGE_TEST_POSTGRES_URL)
//! on PostgreSQL.

use chrono::Utc;
use maillage_domain::history::Author;
use maillage_domain::vocab::PlaceType;
use maillage_domain::{Place, PlaceId, Provenance};
use maillage_store::testing::fresh_store;
use maillage_store::{Store, StoreError};

mod common;

/// A valid place of that name.
fn place(name: &str) -> Place {
    common::place(name, &[PlaceType::Fablab], "42", 45.43, 4.39)
}

/// An edit of `base` to a new name, at the next version.
fn edit(base: &Place, name: &str) -> Place {
    let mut p = base.clone();
    p.data.name = name.into();
    p.version = base.version + 1;
    p.updated_at = Utc::now();
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_editing_the_same_version_never_both_win() {
    let db = fresh_store().await.unwrap();
    // A second connection pool on the same database: another server.
    let other = Store::connect(&db.url).await.unwrap();
    let (mut lost, mut both_refused, mut errors) = (0, 0, Vec::new());
    for round in 0..200 {
        let base = place(&format!("Lieu {round}"));
        db.store.insert_place(&base, &Author::System).await.unwrap();
        let (a, b) = (edit(&base, "édition A"), edit(&base, "édition B"));
        let (s1, s2) = (db.store.clone(), other.clone());
        let ta = tokio::spawn(async move { s1.update_place(&a, 1, &Author::System).await });
        let tb = tokio::spawn(async move { s2.update_place(&b, 1, &Author::System).await });
        let (ra, rb) = (ta.await.unwrap(), tb.await.unwrap());
        let stored = db.store.place(base.id).await.unwrap().unwrap();
        match (&ra, &rb) {
            (Ok(()), Ok(())) => lost += 1,
            (Ok(()), Err(StoreError::Conflict { current: 2 })) => assert_eq!(stored.data.name, "édition A"),
            (Err(StoreError::Conflict { current: 2 }), Ok(())) => assert_eq!(stored.data.name, "édition B"),
            (Err(StoreError::Conflict { .. }), Err(StoreError::Conflict { .. })) => both_refused += 1,
            _ => errors.push(format!("round {round}: {ra:?} / {rb:?}")),
        }
        assert_eq!(stored.version, 2, "round {round}: one edit, one version");
    }
    assert!(
        errors.is_empty(),
        "{} rounds failed with an error: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(lost, 0, "rounds where both edits answered success (one was lost)");
    assert_eq!(both_refused, 0, "rounds where neither edit was stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_writers_queue_instead_of_failing() {
    let db = fresh_store().await.unwrap();
    let other = Store::connect(&db.url).await.unwrap();
    let places: Vec<Place> = (0..20).map(|i| place(&format!("Lieu {i}"))).collect();
    for p in &places {
        db.store.insert_place(p, &Author::System).await.unwrap();
    }
    // 16 writers, each editing every place in turn from the version it last read: every
    // outcome must be a success or a conflict, never a database error.
    let mut tasks = Vec::new();
    for w in 0..16 {
        let store = if w % 2 == 0 { db.store.clone() } else { other.clone() };
        let ids: Vec<PlaceId> = places.iter().map(|p| p.id).collect();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut conflicts, mut failures) = (0u32, 0u32, Vec::new());
            for round in 0..5 {
                for id in &ids {
                    let current = store.place(*id).await.unwrap().unwrap();
                    match store
                        .update_place(
                            &edit(&current, &format!("w{w} r{round}")),
                            current.version,
                            &Author::System,
                        )
                        .await
                    {
                        Ok(()) => ok += 1,
                        Err(StoreError::Conflict { .. }) => conflicts += 1,
                        Err(e) => failures.push(e.to_string()),
                    }
                }
            }
            (ok, conflicts, failures)
        }));
    }
    let (mut ok, mut failures) = (0, Vec::new());
    for t in tasks {
        let (o, _, f) = t.await.unwrap();
        ok += o;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} writes failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    // Every success is one version: nothing was overwritten silently.
    let mut versions = 0;
    for p in &places {
        versions += db.store.place(p.id).await.unwrap().unwrap().version - 1;
    }
    assert_eq!(versions, ok as i64, "each successful edit made exactly one new version");
}

#[tokio::test]
async fn a_unit_of_work_that_fails_stores_nothing() {
    let db = fresh_store().await.unwrap();
    let p = place("Brouillon sans gestionnaire");
    let mut tx = db.store.transaction().await.unwrap();
    tx.insert_place(&p, &Author::System).await.unwrap();
    // The manager does not exist: the second write fails, the use case gives up.
    let err = tx.add_place_manager(p.id, maillage_domain::UserId::new()).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    drop(tx);
    assert!(db.store.place(p.id).await.unwrap().is_none(), "the place was not stored without its manager");
    assert_eq!(db.store.places_revision().await.unwrap(), 0, "caches were not told of a change");
    // The write lane is free again.
    db.store.insert_place(&p, &Author::System).await.unwrap();
    assert!(db.store.place(p.id).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_import_racing_an_edit_never_overwrites_it() {
    let db = fresh_store().await.unwrap();
    let other = Store::connect(&db.url).await.unwrap();
    let (mut acknowledged, mut versions, mut errors) = (0, 0, Vec::new());
    for round in 0..100 {
        let mut p = place(&format!("Lieu importé {round}"));
        p.provenance = Provenance {
            source: "reseau".into(),
            source_id: Some(format!("R{round}")),
            source_updated_on: None,
        };
        db.store.import_places(std::slice::from_ref(&p), &Author::System).await.unwrap();
        // The same source imported again while someone edits the place: each write that
        // answers success must be one new version, whichever order they ran in.
        let mut again = p.clone();
        again.data.name = "nom du fichier".into();
        let (s1, s2) = (db.store.clone(), other.clone());
        let import = tokio::spawn(async move {
            s1.import_places(std::slice::from_ref(&again), &Author::System).await.map(|_| ())
        });
        let by_hand = tokio::spawn(async move {
            s2.update_place(&edit(&p, "édité à la main"), 1, &Author::System).await
        });
        for r in [import.await.unwrap(), by_hand.await.unwrap()] {
            match r {
                Ok(()) => acknowledged += 1,
                Err(StoreError::Conflict { .. } | StoreError::Raced) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        let stored = db.store.place_by_source("reseau", &format!("R{round}")).await.unwrap().unwrap();
        versions += stored.version - 1;
    }
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(versions, acknowledged, "every acknowledged write is one version: none was overwritten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_answer_at_once_while_a_bulk_import_is_indexed_then_show_it() {
    let db = fresh_store().await.unwrap();
    let filter = maillage_store::PlaceFilter::default();
    db.store.insert_place(&place("Déjà là"), &Author::System).await.unwrap();
    assert_eq!(db.store.list_places(&filter, 0, 10).await.unwrap().total, 1);
    // A bulk import (more places than a request waits for) from another server.
    let other = Store::connect(&db.url).await.unwrap();
    let batch: Vec<Place> = (0..3000).map(|i| place(&format!("Importé {i}"))).collect();
    other.import_places(&batch, &Author::System).await.unwrap();
    // Every list answers, from the previous snapshot while the new one is built …
    let started = std::time::Instant::now();
    let mut seen = 0;
    while seen != 3001 {
        seen = db.store.list_places(&filter, 0, 10).await.unwrap().total;
        assert!(
            seen == 1 || seen == 3001,
            "a list shows the directory before or after the import, never half: {seen}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the import was indexed");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // … and a small change afterwards is seen at once again.
    db.store.insert_place(&place("Juste après"), &Author::System).await.unwrap();
    assert_eq!(db.store.list_places(&filter, 0, 10).await.unwrap().total, 3002);
}
