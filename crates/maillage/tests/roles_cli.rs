//! `maillage user grant|revoke EMAIL ROLE [SCOPE]`, run as the real binary on a SQLite
//! file; the accounts and places are made through the library on the same file.

use maillage_app::mail::Mailer;
use maillage_app::permissions::{Grant, Role, Scope};
use maillage_app::{App, AppConfig};
use maillage_domain::PlaceInput;

mod common;
use common::cli::{Env, text};

const PASSWORD: &str = "un-mot-de-passe-assez-long";

async fn app_of(env: &Env) -> App {
    App::new(env.store().await, Mailer::Outbox(env.path("outbox")), AppConfig::default())
}

/// An admin and a contributor who created a place (and so manages it); its id.
async fn fill(env: &Env) -> String {
    let app = app_of(env).await;
    app.create_user("admin@exemple.fr", "Admin", PASSWORD, true).await.unwrap();
    let claire = app.create_user("claire@exemple.fr", "Claire", PASSWORD, false).await.unwrap();
    let claire = app.actor_of(&claire).await.unwrap();
    let input = PlaceInput {
        name: Some("La Forge".into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        latitude: Some(45.4397),
        longitude: Some(4.3872),
        ..Default::default()
    };
    let (place, _) = app.create_place(&claire, &input).await.unwrap();
    app.store().close().await;
    place.id.to_string()
}

async fn roles(env: &Env, email: &str) -> Vec<Grant> {
    let app = app_of(env).await;
    let roles = app.roles_of_account(&cli_admin(), email).await.unwrap().iter().copied().collect();
    app.store().close().await;
    roles
}

fn cli_admin() -> maillage_app::Actor {
    maillage_app::Actor::User(
        maillage_app::User {
            id: maillage_domain::UserId::new(),
            email: maillage_domain::fields::Email::parse("t@exemple.fr").unwrap(),
            display_name: "t".into(),
            created_at: chrono::Utc::now(),
        },
        maillage_app::permissions::Roles::none().with(Grant::admin()),
    )
}

#[tokio::test]
async fn an_admin_is_granted_and_revoked_on_the_platform_by_default() {
    let env = Env::new();
    fill(&env).await;
    let out = env.run(&["user", "grant", "claire@exemple.fr", "admin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("role granted: claire@exemple.fr admin platform"),
        "{}",
        text(&out.stdout)
    );
    assert!(roles(&env, "claire@exemple.fr").await.contains(&Grant::admin()));
    let again = env.run(&["user", "grant", "claire@exemple.fr", "admin", "platform"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again.stdout).contains("already held"), "{}", text(&again.stdout));
    let list = env.run(&["user", "list"]);
    assert!(
        text(&list.stdout).contains("claire@exemple.fr\tClaire\tadmin, manager of 1 place(s)"),
        "{}",
        text(&list.stdout)
    );

    let out = env.run(&["user", "revoke", "claire@exemple.fr", "admin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!roles(&env, "claire@exemple.fr").await.contains(&Grant::admin()));
    let out = env.run(&["user", "revoke", "claire@exemple.fr", "admin"]);
    assert_eq!(out.status.code(), Some(2), "a role not held");
    assert!(text(&out.stderr).contains("role: "), "{}", text(&out.stderr));
}

#[tokio::test]
async fn the_last_admin_keeps_the_role() {
    let env = Env::new();
    fill(&env).await;
    let out = env.run(&["user", "revoke", "admin@exemple.fr", "admin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("only administrator"), "{}", text(&out.stderr));
    assert_eq!(roles(&env, "admin@exemple.fr").await, vec![Grant::admin()]);
}

#[tokio::test]
async fn a_manager_is_granted_on_a_place_that_exists() {
    let env = Env::new();
    let place = fill(&env).await;
    let scope = format!("place:{place}");
    let out = env.run(&["user", "grant", "admin@exemple.fr", "manager", &scope]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manager = Grant::new(Role::Manager, scope.parse::<Scope>().unwrap()).unwrap();
    assert!(roles(&env, "admin@exemple.fr").await.contains(&manager));
    let out = env.run(&["user", "revoke", "claire@exemple.fr", "manager", &scope]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!roles(&env, "claire@exemple.fr").await.contains(&manager), "the creator no longer manages it");
}

#[tokio::test]
async fn bad_roles_scopes_and_accounts_exit_non_zero_naming_the_argument() {
    let env = Env::new();
    fill(&env).await;
    let unknown_place = format!("place:{}", maillage_domain::PlaceId::new());
    let unknown_network = format!("network:{}", maillage_domain::NetworkId::new());
    for (args, names) in [
        (vec!["superuser"], "<ROLE>"),
        (vec!["admin", "planet"], "[SCOPE]"),
        (vec!["manager", "place:pas-un-uuid"], "[SCOPE]"),
        (vec!["manager"], "SCOPE"),
        (vec!["admin", unknown_place.as_str()], "SCOPE"),
        (vec!["coordinator", "platform"], "SCOPE"),
        (vec!["reviewer", "platform"], "SCOPE"),
        (vec!["manager", unknown_place.as_str()], "scope"),
        (vec!["coordinator", unknown_network.as_str()], "scope"),
    ] {
        let mut cmd = vec!["user", "grant", "claire@exemple.fr"];
        cmd.extend(args.iter().copied());
        let out = env.run(&cmd);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", text(&out.stdout));
        assert!(text(&out.stderr).contains(names), "{cmd:?} names {names}: {}", text(&out.stderr));
    }
    let out = env.run(&["user", "grant", "personne@exemple.fr", "admin"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("personne@exemple.fr"), "{}", text(&out.stderr));
    assert_eq!(roles(&env, "claire@exemple.fr").await.len(), 1, "only the place she created");
}
