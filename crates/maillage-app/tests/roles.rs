//! Granting and revoking roles through the use cases, on SQLite and (with
//! MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: who may, which scopes exist, the last admin,
//! and what a new role changes for the actor.

use maillage_app::mail::Mailer;
use maillage_app::permissions::{Action, Grant, Resource, Role, Scope};
use maillage_app::{Actor, App, AppConfig, AppError};
use maillage_domain::{CommunityId, NetworkId, PlaceId, PlaceInput, PlaceStatus};
use maillage_store::testing::{TestDb, fresh_store};

const PASSWORD: &str = "un-mot-de-passe-assez-long";

async fn fresh_app(outbox: &tempfile::TempDir) -> (TestDb, App) {
    let db = fresh_store().await.unwrap();
    let app = App::new(db.store.clone(), Mailer::Outbox(outbox.path().to_owned()), AppConfig::default());
    (db, app)
}

async fn person(app: &App, email: &str, admin: bool) -> Actor {
    let user = app.create_user(email, email, PASSWORD, admin).await.unwrap();
    app.actor_of(&user).await.unwrap()
}

fn place() -> PlaceInput {
    PlaceInput {
        name: Some("La Forge".into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        latitude: Some(45.4397),
        longitude: Some(4.3872),
        ..Default::default()
    }
}

fn field_error(e: AppError) -> (String, String) {
    match e {
        AppError::Validation(v) => (v.errors[0].field.clone(), v.errors[0].code.to_string()),
        other => panic!("a field error, not {other:?}"),
    }
}

#[tokio::test]
async fn only_administrators_grant_and_revoke() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let claire = person(&app, "claire@exemple.fr", false).await;
    assert!(matches!(
        app.grant_role(&claire, "claire@exemple.fr", Grant::admin()).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.grant_role(&Actor::Anonymous, "claire@exemple.fr", Grant::admin()).await,
        Err(AppError::Unauthenticated)
    ));
    assert!(matches!(
        app.revoke_role(&claire, "admin@exemple.fr", Grant::admin()).await,
        Err(AppError::Forbidden)
    ));
    assert!(app.grant_role(&admin, "claire@exemple.fr", Grant::admin()).await.unwrap());
    // The actor of a session holds the roles of the moment it was made.
    assert!(!claire.can(Action::Import, &Resource::Platform));
    let claire = app.actor_of(claire.user().unwrap()).await.unwrap();
    assert!(claire.can(Action::Import, &Resource::Platform));
    assert!(matches!(
        app.grant_role(&admin, "personne@exemple.fr", Grant::admin()).await,
        Err(AppError::NotFound)
    ));
    let (field, _) =
        field_error(app.grant_role(&admin, "pas une adresse", Grant::admin()).await.unwrap_err());
    assert_eq!(field, "email");
}

#[tokio::test]
async fn a_scope_that_does_not_exist_is_refused_on_scope() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    person(&app, "claire@exemple.fr", false).await;
    for grant in [
        Grant::manager(PlaceId::new()),
        Grant::coordinator(NetworkId::new()),
        Grant::new(Role::Member, Scope::Community(CommunityId::new())).unwrap(),
    ] {
        let e = app.grant_role(&admin, "claire@exemple.fr", grant).await.unwrap_err();
        assert_eq!(field_error(e), ("scope".into(), "unknown_scope".into()), "{grant}");
    }
    assert!(app.roles_of_account(&admin, "claire@exemple.fr").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_manager_granted_on_a_place_edits_it_and_the_last_admin_stays() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let paul = person(&app, "paul@exemple.fr", false).await;
    let (draft, _) = app.create_place(&admin, &place()).await.unwrap();
    assert!(matches!(app.place(&paul, draft.id).await, Err(AppError::NotFound)));
    assert!(app.grant_role(&admin, "paul@exemple.fr", Grant::manager(draft.id)).await.unwrap());
    let paul = app.actor_of(paul.user().unwrap()).await.unwrap();
    assert_eq!(app.place(&paul, draft.id).await.unwrap().status, PlaceStatus::Draft);
    assert!(app.may_edit(&paul, draft.id).await.unwrap());
    assert!(!app.may_publish(&paul, Some(&draft)).await.unwrap(), "managers do not publish");

    let e = app.revoke_role(&admin, "admin@exemple.fr", Grant::admin()).await.unwrap_err();
    assert_eq!(field_error(e), ("role".into(), "last_admin".into()));
    let e = app.revoke_role(&admin, "paul@exemple.fr", Grant::admin()).await.unwrap_err();
    assert_eq!(field_error(e), ("role".into(), "not_held".into()));
    app.revoke_role(&admin, "paul@exemple.fr", Grant::manager(draft.id)).await.unwrap();
    let paul = app.actor_of(paul.user().unwrap()).await.unwrap();
    assert!(matches!(app.place(&paul, draft.id).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn the_demo_administrators_hold_the_admin_role_and_its_managers_their_places() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    app.load_demo(60, 2026, &|_, _| {}).await.unwrap();
    assert_eq!(app.store().count_admins().await.unwrap(), 4, "ours and the demo's three");
    let demo_admin = app.roles_of_account(&admin, "admin@demo.maillage.example").await.unwrap();
    assert!(demo_admin.holds(&Grant::admin()));
    let users = app.list_users(&admin).await.unwrap();
    let manager = users.iter().find(|u| u.user.email.as_str().starts_with("gestion.")).unwrap();
    let roles = app.roles_of_account(&admin, manager.user.email.as_str()).await.unwrap();
    // Managers of their places, and maybe members of a demo community.
    assert!(roles.iter().any(|g| g.role() == Role::Manager), "{roles:?}");
    assert!(roles.iter().all(|g| matches!(g.role(), Role::Manager | Role::Member)), "{roles:?}");
    // Removing the demo takes its accounts' roles with them.
    app.remove_demo(&admin).await.unwrap();
    assert_eq!(app.list_users(&admin).await.unwrap().len(), 1);
    assert_eq!(app.store().count_admins().await.unwrap(), 1, "the demo admins' grants went with them");
    assert!(app.roles_of_account(&admin, "admin@exemple.fr").await.unwrap().holds(&Grant::admin()));
}
