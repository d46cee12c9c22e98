//! Durability: writers record every write the server acknowledged; the server is killed
//! with SIGKILL in the middle of the load and started again; every acknowledged write is
//! found, and the database passes its integrity check. On SQLite by default, on
//! PostgreSQL when MAILLAGE_TEST_POSTGRES_URL is set.

mod common;

use common::server::*;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What a writer was told: the place's id → (version, name) of its last acknowledged write.
type Acknowledged = Arc<Mutex<HashMap<String, (i64, String)>>>;

fn writer(
    server_addr: std::net::SocketAddr,
    session: Session,
    w: usize,
    stop: Arc<AtomicBool>,
    acked: Acknowledged,
) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let name = format!("Écrit par {w} n°{n}");
        let Ok(r) = request(
            server_addr,
            "POST",
            "/api/v1/places",
            Some(&session),
            Some(place_json(&name).to_string()),
        ) else {
            continue; // the server is gone: nothing was acknowledged
        };
        if r.status != 201 {
            continue;
        }
        let id = r.json()["id"].as_str().unwrap().to_owned();
        acked.lock().unwrap().insert(id.clone(), (1, name.clone()));
        // Then an edit of it, also acknowledged or not.
        let mut body = place_json(&format!("{name}, modifié"));
        body["version"] = json!(1);
        if let Ok(r) = request(
            server_addr,
            "PUT",
            &format!("/api/v1/places/{id}"),
            Some(&session),
            Some(body.to_string()),
        ) && r.status == 200
        {
            acked.lock().unwrap().insert(id, (2, format!("{name}, modifié")));
        }
    }
}

#[test]
fn every_acknowledged_write_survives_a_kill_in_the_middle_of_the_load() {
    let db = Database::fresh();
    db.create_user("admin@exemple.fr", true);
    let mut server = db.serve();
    let session = server.sign_in("admin@exemple.fr");

    let stop = Arc::new(AtomicBool::new(false));
    let acked: Acknowledged = Arc::default();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (session, stop, acked, addr) =
                (session.clone(), Arc::clone(&stop), Arc::clone(&acked), server.addr);
            std::thread::spawn(move || writer(addr, session, w, stop, acked))
        })
        .collect();
    // Kill it once it has acknowledged a good number of writes, in the middle of the load.
    let started = std::time::Instant::now();
    while acked.lock().unwrap().len() < 1000 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 1000, "the load ran ({} places acknowledged)", acked.len());

    let server = db.serve();
    let session = server.sign_in("admin@exemple.fr");
    let mut missing = Vec::new();
    for (id, (version, name)) in &acked {
        let r = server.get(&format!("/api/v1/places/{id}"), Some(&session)).unwrap();
        if r.status != 200 {
            missing.push(format!("{id}: {}", r.status));
            continue;
        }
        let stored = r.json();
        let stored_version = stored["version"].as_i64().unwrap();
        // A write in flight at the kill may have landed without its answer: newer is fine.
        if stored_version < *version || (stored_version == *version && stored["name"] != json!(name)) {
            missing.push(format!(
                "{id}: acknowledged v{version} {name:?}, found v{stored_version} {}",
                stored["name"]
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged writes lost: {:?}",
        missing.len(),
        acked.len(),
        &missing[..missing.len().min(5)]
    );
    drop(server);

    let url = if db.is_postgres() { db.url.clone() } else { db.sqlite_url() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let problems = rt.block_on(async {
        let store = maillage_store::Store::connect(&url).await.unwrap();
        let problems = store.integrity_check().await.unwrap();
        store.close().await;
        problems
    });
    assert_eq!(problems, ["ok"], "integrity check after the kill");
    println!("{} acknowledged writes, all found after SIGKILL and restart", acked.len());
}
