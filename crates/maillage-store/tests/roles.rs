//! Roles held on a scope: `role_grants`, the place managers read as grants, the migration
//! of the old `users.is_admin` flag.

mod common;

use common::account;

use chrono::Utc;
use maillage_domain::roles::{Grant, Role, Scope};
use maillage_domain::{CommunityId, NetworkId, UserId};
use maillage_store::testing::{POSTGRES_URL_VAR, fresh_store};
use maillage_store::{Revoked, Store, StoreError};

#[tokio::test]
async fn an_accounts_roles_are_its_grants_and_the_places_it_manages() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let anne = account(s, "anne@exemple.fr").await;
    assert!(s.roles_of(anne).await.unwrap().is_empty(), "a new account holds no role");
    let place = common::place("La Forge", &[], "42", 45.4, 4.4);
    s.insert_place(&place, &maillage_domain::history::Author::System).await.unwrap();
    s.add_place_manager(place.id, anne).await.unwrap();
    assert!(s.grant(anne, Grant::admin(), None).await.unwrap());
    let referent = Grant::new(Role::Referent, Scope::Community(CommunityId::new())).unwrap();
    assert!(s.grant(anne, referent, Some(anne)).await.unwrap());
    let roles = s.roles_of(anne).await.unwrap();
    let mut held: Vec<Grant> = roles.iter().copied().collect();
    held.sort();
    let mut expected = vec![Grant::admin(), Grant::manager(place.id), referent];
    expected.sort();
    assert_eq!(held, expected);
    // A manager grant is a place_managers link.
    let paul = account(s, "paul@exemple.fr").await;
    assert!(s.grant(paul, Grant::manager(place.id), None).await.unwrap());
    assert!(!s.grant(paul, Grant::manager(place.id), None).await.unwrap(), "held already");
    assert_eq!(s.managed_place_ids(paul).await.unwrap(), vec![place.id]);
    assert_eq!(s.revoke(paul, Grant::manager(place.id)).await.unwrap(), Revoked::Done);
    assert!(s.managed_place_ids(paul).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_grant_to_an_unknown_account_or_place_is_not_found_and_nothing_is_written() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let ghost = UserId::new();
    assert!(matches!(s.grant(ghost, Grant::admin(), None).await, Err(StoreError::NotFound)));
    assert_eq!(s.count_admins().await.unwrap(), 0);
    let anne = account(s, "anne@exemple.fr").await;
    let nowhere = Grant::manager(maillage_domain::PlaceId::new());
    assert!(matches!(s.grant(anne, nowhere, None).await, Err(StoreError::NotFound)));
    assert!(s.roles_of(anne).await.unwrap().is_empty());
    assert!(!s.scope_exists(Scope::Network(NetworkId::new())).await.unwrap(), "no networks yet");
    assert!(!s.scope_exists(nowhere.scope()).await.unwrap());
    assert!(s.scope_exists(Scope::Platform).await.unwrap());
}

#[tokio::test]
async fn the_last_administrator_is_never_revoked() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let anne = account(s, "anne@exemple.fr").await;
    let paul = account(s, "paul@exemple.fr").await;
    s.grant(anne, Grant::admin(), None).await.unwrap();
    assert_eq!(s.revoke(anne, Grant::admin()).await.unwrap(), Revoked::LastAdmin);
    assert_eq!(s.count_admins().await.unwrap(), 1, "nothing changed");
    assert_eq!(s.revoke(paul, Grant::admin()).await.unwrap(), Revoked::NotHeld);
    s.grant(paul, Grant::admin(), Some(anne)).await.unwrap();
    assert_eq!(s.revoke(anne, Grant::admin()).await.unwrap(), Revoked::Done);
    assert_eq!(s.revoke(paul, Grant::admin()).await.unwrap(), Revoked::LastAdmin);
    assert!(s.roles_of(paul).await.unwrap().holds(&Grant::admin()));
}

#[tokio::test]
async fn erasing_an_account_takes_its_roles_and_forgets_it_as_granter() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let anne = account(s, "anne@exemple.fr").await;
    let paul = account(s, "paul@exemple.fr").await;
    s.grant(anne, Grant::admin(), None).await.unwrap();
    s.grant(paul, Grant::admin(), Some(anne)).await.unwrap();
    s.erase_user(anne, &[]).await.unwrap();
    assert_eq!(s.count_admins().await.unwrap(), 1);
    assert!(s.roles_of(paul).await.unwrap().holds(&Grant::admin()), "paul's grant stays");
}

/// A database of the previous version (migrations up to 0006) with an administrator and
/// a contributor, brought up to date.
#[tokio::test]
async fn administrators_of_the_old_flag_become_platform_admin_grants() {
    let created = Utc::now();
    let (admin, contributor) = (UserId::new(), UserId::new());
    let insert = "INSERT INTO users (id, email, display_name, password_hash, is_admin, is_demo, created_at) \
                  VALUES ($1, $2, 'x', 'h', $3, FALSE, $4)";
    let (url, _keep) = match std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty()) {
        Some(server) => {
            let name = format!("maillage_test_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&server).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&pool).await.unwrap();
            pool.close().await;
            let (base, _) = server.rsplit_once('/').unwrap();
            let url = format!("{base}/{name}");
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            let mut old = sqlx::migrate!("./migrations/postgres");
            old.migrations = old.migrations.iter().filter(|m| m.version < 7).cloned().collect();
            old.run(&pool).await.unwrap();
            for (id, email, is_admin) in [(admin, "a@exemple.fr", true), (contributor, "c@exemple.fr", false)]
            {
                sqlx::query(insert)
                    .bind(id.to_string())
                    .bind(email)
                    .bind(is_admin)
                    .bind(created)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
            (url, None)
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.sqlite3").display());
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let mut old = sqlx::migrate!("./migrations/sqlite");
            old.migrations = old.migrations.iter().filter(|m| m.version < 7).cloned().collect();
            old.run(&pool).await.unwrap();
            for (id, email, is_admin) in [(admin, "a@exemple.fr", true), (contributor, "c@exemple.fr", false)]
            {
                sqlx::query(insert)
                    .bind(id.to_string())
                    .bind(email)
                    .bind(is_admin)
                    .bind(created)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
            (url, Some(dir))
        }
    };
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(
        store.roles_of(admin).await.unwrap().iter().copied().collect::<Vec<_>>(),
        vec![Grant::admin()]
    );
    assert!(store.roles_of(contributor).await.unwrap().is_empty());
    assert_eq!(store.count_admins().await.unwrap(), 1);
    let record = store.user(admin).await.unwrap().unwrap();
    assert_eq!(record.user.email.as_str(), "a@exemple.fr", "the accounts survive the column's removal");
    store.close().await;
}
