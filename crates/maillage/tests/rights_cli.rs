//! `maillage backup` / `restore` and `maillage user export` / `erase`, run as the real
//! binary on a SQLite file in a temporary data directory. The data is made through the
//! library on the same file (closed before the binary runs).

use maillage_app::mail::Mailer;
use maillage_app::{Actor, App, AppConfig, PlaceFilter, Store};
use maillage_domain::{PlaceInput, PlaceStatus};
use std::path::Path;

mod common;
use common::cli::{Env, text};

/// The application on the binary's file (closed before the binary runs).
async fn app_of(env: &Env) -> App {
    App::new(env.store().await, Mailer::Outbox(env.path("outbox")), AppConfig::default())
}

fn input(name: &str, status: Option<&str>, version: Option<i64>) -> PlaceInput {
    PlaceInput {
        name: Some(name.into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        latitude: Some(45.4397),
        longitude: Some(4.3872),
        status: status.map(str::to_owned),
        version,
        ..Default::default()
    }
}

const PASSWORD: &str = "mot-de-passe-solide";

/// Everything the round trip must keep: accounts (with their hashes), places of every
/// status (whole, with versions), and who manages what.
#[derive(Debug, PartialEq)]
struct Snapshot {
    users: Vec<(maillage_domain::user::User, String)>,
    places: Vec<maillage_domain::Place>,
    managers: Vec<(String, Vec<String>)>,
    /// Every place's history, whole (who, when, each field).
    history: Vec<Vec<maillage_store::StoredChange>>,
}

async fn snapshot(store: &Store) -> Snapshot {
    let users = store.list_users().await.unwrap();
    let filter = PlaceFilter {
        statuses: vec![PlaceStatus::Draft, PlaceStatus::Published, PlaceStatus::Archived],
        ..Default::default()
    };
    let mut places: Vec<_> = store.all_places(&filter).await.unwrap().iter().map(|p| (**p).clone()).collect();
    places.sort_by_key(|p| p.id.to_string());
    let mut managers = Vec::new();
    for u in &users {
        let mut ids: Vec<String> =
            store.managed_place_ids(u.user.id).await.unwrap().iter().map(|p| p.to_string()).collect();
        ids.sort();
        managers.push((u.user.email.as_str().to_owned(), ids));
    }
    let mut history = Vec::new();
    for p in &places {
        history.push(store.history(maillage_domain::history::KIND_PLACE, &p.id.to_string()).await.unwrap());
    }
    Snapshot {
        users: users.into_iter().map(|r| (r.user, r.password_hash)).collect(),
        places,
        managers,
        history,
    }
}

/// An admin, two managers, places in draft (edited to version 3), published and archived,
/// one place with two managers.
async fn fill(app: &App) -> (Actor, Actor, Actor) {
    // An actor holds the roles of its account when it is made (as a session does): made
    // again after each new role.
    let actor = |user| async move { app.actor_of(&user).await.unwrap() };
    let admin = actor(app.create_user("admin@exemple.fr", "Admin", PASSWORD, true).await.unwrap()).await;
    let claire = actor(app.create_user("claire@exemple.fr", "Claire", PASSWORD, false).await.unwrap()).await;
    let paul = actor(app.create_user("paul@exemple.fr", "Paul", PASSWORD, false).await.unwrap()).await;
    let (draft, _) = app.create_place(&claire, &input("La Forge", None, None)).await.unwrap();
    let claire = actor(claire.user().unwrap().clone()).await;
    app.update_place(&claire, draft.id, &input("La Forge (2)", None, Some(1))).await.unwrap();
    app.update_place(&claire, draft.id, &input("La Forge (3)", None, Some(2))).await.unwrap();
    app.store().add_place_manager(draft.id, paul.user().unwrap().id).await.unwrap();
    app.create_place(&admin, &input("Le Quai", Some("published"), None)).await.unwrap();
    let (old, _) = app.create_place(&paul, &input("L'Ancien Atelier", None, None)).await.unwrap();
    let paul = actor(paul.user().unwrap().clone()).await;
    app.archive_place(&paul, old.id, 1).await.unwrap();
    (admin, claire, paul)
}

#[tokio::test]
async fn backup_then_restore_gives_back_every_place_account_and_manager() {
    let env = Env::new();
    let app = app_of(&env).await;
    let (admin, claire, _) = fill(&app).await;
    let before = snapshot(app.store()).await;
    let statuses: Vec<_> = before.places.iter().map(|p| p.status).collect();
    for s in [PlaceStatus::Draft, PlaceStatus::Published, PlaceStatus::Archived] {
        assert!(statuses.contains(&s), "{s:?} among {statuses:?}");
    }
    assert!(before.places.iter().any(|p| p.version == 3));
    assert_eq!(before.history.iter().map(Vec::len).sum::<usize>(), 6, "3 creations, 2 edits, 1 archive");

    // An online backup: the library still has the database open.
    let backup = env.path("sauvegarde.sqlite3");
    let out = env.run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("3 lieux / places"), "{}", text(&out.stdout));
    let again = env.run(&["backup", backup.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(1), "never overwrites");
    assert!(text(&again.stderr).contains("existe déjà"), "{}", text(&again.stderr));

    // Changes after the backup: an edit, an archive, a new place, an erased account.
    let quai = before.places.iter().find(|p| p.status == PlaceStatus::Published).unwrap().clone();
    app.archive_place(&admin, quai.id, quai.version).await.unwrap();
    app.create_place(&admin, &input("Nouveau lieu", None, None)).await.unwrap();
    app.erase_account_of(&admin, "claire@exemple.fr").await.unwrap();
    let _ = claire;
    let changed = snapshot(app.store()).await;
    assert_ne!(changed, before);

    // Refused while the database is open elsewhere (as by a running server): nothing changes.
    let out = env.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("maillage serve"), "{}", text(&out.stderr));
    assert_eq!(snapshot(app.store()).await, changed);
    app.store().close().await;

    let out = env.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(env.data().join("maillage.sqlite3.before-restore").exists());
    let app = app_of(&env).await;
    assert_eq!(snapshot(app.store()).await, before, "the backup's data, whole");
    // The copy kept aside is the database as it was just before.
    app.store().close().await;
    let kept =
        Store::connect(&format!("sqlite://{}", env.data().join("maillage.sqlite3.before-restore").display()))
            .await
            .unwrap();
    assert_eq!(snapshot(&kept).await, changed);
    kept.close().await;

    // A second restore asks to move the kept copy first.
    let out = env.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("before-restore"), "{}", text(&out.stderr));
}

async fn sqlite_file(path: &Path, statements: &[&str]) {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    for s in statements {
        sqlx::query(sqlx::AssertSqlSafe(*s)).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
}

#[tokio::test]
async fn bad_backups_are_refused_with_a_reason_and_the_database_is_untouched() {
    let env = Env::new();
    let app = app_of(&env).await;
    fill(&app).await;
    app.store().close().await;
    let good = env.path("bonne.sqlite3");
    assert_eq!(env.run(&["backup", good.to_str().unwrap()]).status.code(), Some(0));
    let bytes = std::fs::read(&good).unwrap();

    let text_file = env.path("lieux.csv");
    std::fs::write(&text_file, "id,name\n1,Le Quai\n").unwrap();
    let truncated = env.path("coupee.sqlite3");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let other = env.path("autre.sqlite3");
    sqlite_file(&other, &["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"]).await;
    let newer = env.path("future.sqlite3");
    std::fs::write(&newer, &bytes).unwrap();
    sqlite_file(
        &newer,
        &["INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (9999, 'future', TRUE, x'00', 0)"],
    )
    .await;
    let empty = env.path("vide.sqlite3");
    std::fs::write(&empty, b"").unwrap();

    let db_before = std::fs::read(env.db()).unwrap();
    for (file, reason) in [
        (&text_file, "pas une base SQLite"),
        (&empty, "pas une base SQLite"),
        (&truncated, "tronqué"),
        (&other, "pas une base Maillage"),
        (&newer, "version plus récente"),
        (&env.path("absent.sqlite3"), "absent.sqlite3"),
    ] {
        let out = env.run(&["restore", file.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", file.display());
        assert!(err.contains(reason), "{}: {err}", file.display());
        assert!(err.contains(file.file_name().unwrap().to_str().unwrap()), "names the file: {err}");
        assert!(err.contains("rien n'a été modifié"), "{err}");
        assert_eq!(std::fs::read(env.db()).unwrap(), db_before, "{}: database untouched", file.display());
        assert!(!env.data().join("maillage.sqlite3.before-restore").exists());
        assert!(!env.data().join("maillage.sqlite3.restoring").exists());
    }
}

#[tokio::test]
async fn admins_export_and_erase_an_account_from_the_command_line() {
    let env = Env::new();
    let app = app_of(&env).await;
    fill(&app).await;
    app.store().close().await;

    let out = env.run(&["user", "export", "--email", "paul@exemple.fr"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let data: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(data["account"]["email"], "paul@exemple.fr");
    let names: Vec<&str> =
        data["places_managed"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"L'Ancien Atelier") && names.contains(&"La Forge (3)"), "{names:?}");
    assert!(!text(&out.stdout).contains("$argon2"), "no password hash");
    let file = env.path("paul.json");
    let out = env.run(&["user", "export", "--email", "paul@exemple.fr", "--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(std::fs::read_to_string(&file).unwrap().contains("paul@exemple.fr"));

    for args in [
        ["user", "export", "--email", "personne@exemple.fr"].as_slice(),
        ["user", "erase", "--email", "personne@exemple.fr", "--yes"].as_slice(),
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("personne@exemple.fr"), "names it: {}", text(&out.stderr));
    }

    let out = env.run(&["user", "erase", "--email", "paul@exemple.fr"]);
    assert_eq!(out.status.code(), Some(2), "needs --yes");
    assert!(text(&env.run(&["user", "list"]).stdout).contains("paul@exemple.fr"));
    let out = env.run(&["user", "erase", "--email", "paul@exemple.fr", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("2 lieu(x) conservé(s)"), "{said}");
    assert_eq!(
        said.matches("lieu sans gestionnaire").count(),
        1,
        "the archived place; La Forge keeps Claire: {said}"
    );
    assert!(!text(&env.run(&["user", "list"]).stdout).contains("paul@exemple.fr"));

    let app = app_of(&env).await;
    let filter = PlaceFilter {
        statuses: vec![PlaceStatus::Draft, PlaceStatus::Published, PlaceStatus::Archived],
        ..Default::default()
    };
    assert_eq!(app.store().all_places(&filter).await.unwrap().len(), 3, "the places stay");
    assert_eq!(app.store().places_without_manager().await.unwrap().len(), 1);
    app.store().close().await;
}
