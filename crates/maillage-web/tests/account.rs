//! « Mon compte »: downloading one's personal data and deleting one's account.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

/// A user with a draft and an archived place; another user with a place of their own.
async fn user_with_places(app: &TestApp) -> (Client, String, String) {
    let user = app.user("claire@exemple.fr", false).await;
    let draft =
        app.json(Some(&user), Method::POST, "/api/v1/places", &place_json("La Forge de Claire")).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let draft_id = draft.json()["id"].as_str().unwrap().to_owned();
    let other = app.json(Some(&user), Method::POST, "/api/v1/places", &place_json("L'Atelier fermé")).await;
    let archived_id = other.json()["id"].as_str().unwrap().to_owned();
    let r = app
        .json(
            Some(&user),
            Method::POST,
            &format!("/api/v1/places/{archived_id}/archive"),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let someone = app.user("autre@exemple.fr", false).await;
    let r = app.json(Some(&someone), Method::POST, "/api/v1/places", &place_json("Le lieu d'un autre")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    (user, draft_id, archived_id)
}

#[tokio::test]
async fn the_account_page_offers_both_actions_in_french_and_english() {
    let app = spawn().await;
    let (user, _, _) = user_with_places(&app).await;
    let r = app.get(Some(&user), "/compte").await;
    assert_eq!(r.status, StatusCode::OK);
    let page = r.text();
    assert!(page.contains("<h1>Mon compte</h1>"), "{page}");
    assert!(page.contains("href=\"/compte\""), "linked in the navigation");
    assert!(page.contains("href=\"/compte/donnees.json\""));
    assert!(page.contains("action=\"/compte/supprimer\""));
    assert!(page.contains("<label for=\"f-password\">"), "the password field has a label");
    assert!(page.contains("<label for=\"f-confirm\">"));
    assert!(page.contains("claire@exemple.fr"));
    let en = app.get(Some(&user), "/compte?lang=en").await;
    assert!(en.text().contains("<h1>My account</h1>"));
    assert!(en.text().contains("Delete my account"));
    let visitor = app.visitor().await;
    let r = app.get(Some(&visitor), "/compte").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/connexion?next=%2Fcompte");
}

#[tokio::test]
async fn the_download_holds_my_places_with_their_status_and_no_password_hash() {
    let app = spawn().await;
    let (user, draft_id, archived_id) = user_with_places(&app).await;
    let r = app.get(Some(&user), "/compte/donnees.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment; filename=\"maillage-mes-donnees-"), "{disposition}");
    assert_eq!(r.headers["cache-control"], "no-store");
    let data = r.json();
    assert_eq!(data["format"], "maillage-personal-data/2");
    assert_eq!(data["account"]["email"], "claire@exemple.fr");
    assert!(data["account"].get("is_admin").is_none(), "format 2 lists roles instead");
    let mut roles: Vec<_> = data["account"]["roles"].as_array().unwrap().to_vec();
    roles.sort_by_key(|r| r["scope"].as_str().unwrap().to_owned());
    let mut expected = vec![
        json!({ "role": "manager", "scope": format!("place:{draft_id}") }),
        json!({ "role": "manager", "scope": format!("place:{archived_id}") }),
    ];
    expected.sort_by_key(|r| r["scope"].as_str().unwrap().to_owned());
    assert_eq!(roles, expected, "a manager grant per place, no admin role");
    let places = data["places_managed"].as_array().unwrap();
    assert_eq!(places.len(), 2, "only my places: {places:?}");
    let status_of = |id: &str| places.iter().find(|p| p["id"] == id).map(|p| p["status"].clone());
    assert_eq!(status_of(&draft_id), Some(json!("draft")));
    assert_eq!(status_of(&archived_id), Some(json!("archived")));
    assert!(places.iter().all(|p| p["name"] != "Le lieu d'un autre"));
    assert!(places.iter().any(|p| p["name"] == "La Forge de Claire"));
    assert!(data["sessions"]["count"].as_u64().unwrap() >= 1);
    assert!(!r.body.contains("argon2id$") && !r.body.contains("$argon2"), "no password hash");
    assert!(!r.body.contains("password_hash"));
    let visitor = app.visitor().await;
    let r = app.get(Some(&visitor), "/compte/donnees.json").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn deleting_needs_the_password_the_box_and_the_csrf_token_then_the_places_stay() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let (user, draft_id, archived_id) = user_with_places(&app).await;
    // A reset link and a second session, to be deleted with the account.
    let visitor = app.visitor().await;
    let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "claire@exemple.fr")]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.run_jobs().await;
    let second = app.sign_in("claire@exemple.fr").await;

    // Wrong password: 422, the message on the page, the box kept, the password not echoed.
    let r = app
        .post_form(&user, "/compte/supprimer", &[("password", "pas-le-bon-mot-de-passe"), ("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(page.contains("Mot de passe incorrect."), "{page}");
    assert!(page.contains("id=\"err-password\""));
    assert!(page.contains("name=\"confirm\" value=\"1\" checked"), "the box stays ticked");
    assert!(!page.contains("pas-le-bon-mot-de-passe"), "the password is not echoed");
    // The box not ticked.
    let r = app.post_form(&user, "/compte/supprimer", &[("password", "mot-de-passe-solide")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Cochez la case pour confirmer la suppression."));
    // A forged CSRF token.
    let mut forged = user.clone();
    forged.csrf = "x".repeat(43);
    let r = app
        .post_form(&forged, "/compte/supprimer", &[("password", "mot-de-passe-solide"), ("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(Some(&user), "/compte").await.status, StatusCode::OK, "still there");

    let r = app
        .post_form(&user, "/compte/supprimer", &[("password", "mot-de-passe-solide"), ("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text().contains("Compte supprimé"));
    assert_eq!(r.cookie("maillage_session").as_deref(), Some(""), "the session cookie is cleared");

    // Neither session works any more, and the account cannot sign in.
    for client in [&user, &second] {
        let r = app.get(Some(client), "/compte").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(app.get(Some(client), "/api/v1/session").await.status, StatusCode::UNAUTHORIZED);
    }
    let login = app
        .post_form(
            &app.visitor().await,
            "/connexion",
            &[("email", "claire@exemple.fr"), ("password", "mot-de-passe-solide")],
        )
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);

    // The places stay, without a manager; admins see them.
    for id in [&draft_id, &archived_id] {
        let r = app.get(Some(&admin), &format!("/api/v1/places/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{id}");
    }
    let store = app.state.app().store();
    let orphans: Vec<String> =
        store.places_without_manager().await.unwrap().iter().map(|p| p.to_string()).collect();
    assert!(orphans.contains(&draft_id) && orphans.contains(&archived_id), "{orphans:?}");
    assert_eq!(orphans.len(), 2, "the other user's place keeps its manager");
    let email = maillage_domain::fields::Email::parse("claire@exemple.fr").unwrap();
    assert!(store.user_by_email(&email).await.unwrap().is_none());
}

#[tokio::test]
async fn the_last_administrator_cannot_delete_their_own_account() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let r = app
        .post_form(&admin, "/compte/supprimer", &[("password", "mot-de-passe-solide"), ("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("seul administrateur"), "{}", r.text());
    assert_eq!(app.get(Some(&admin), "/compte").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_admin_erasure_removes_sessions_reset_links_and_counters_in_one_go() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let (user, draft_id, _) = user_with_places(&app).await;
    let visitor = app.visitor().await;
    let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "claire@exemple.fr")]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.run_jobs().await;
    let core = app.state.app();
    let admin_actor = core
        .session_actor(&admin.cookies.iter().find(|(k, _)| k == "maillage_session").unwrap().1)
        .await
        .unwrap()
        .unwrap()
        .0;
    let data = core.personal_data_of(&admin_actor, "claire@exemple.fr").await.unwrap();
    assert_eq!(data.password_resets.len(), 1, "the reset link is listed");
    assert!(data.rate_limit_events >= 1, "the reset request was counted");
    assert_eq!(data.sessions.count, 1);
    // Only administrators answer for others.
    let user_actor = core
        .session_actor(&user.cookies.iter().find(|(k, _)| k == "maillage_session").unwrap().1)
        .await
        .unwrap()
        .unwrap()
        .0;
    assert!(matches!(
        core.personal_data_of(&user_actor, "admin@exemple.fr").await,
        Err(maillage_app::AppError::Forbidden)
    ));

    let erased = core.erase_account_of(&admin_actor, "claire@exemple.fr").await.unwrap();
    assert_eq!(erased.places.len(), 2);
    assert_eq!(erased.without_manager.len(), 2);
    let token = &user.cookies.iter().find(|(k, _)| k == "maillage_session").unwrap().1;
    let store = core.store();
    assert!(store.session(&maillage_app::security::token_hash(token)).await.unwrap().is_none());
    assert!(store.personal_data(erased.user.id, &[]).await.unwrap().is_none());
    let bucket = format!("reset:{}", maillage_app::security::token_hash("claire@exemple.fr"));
    let hit = store.hit_counter(&bucket, std::time::Duration::from_secs(3600)).await.unwrap();
    assert_eq!(hit.count, 1, "earlier events were erased");
    assert_eq!(app.get(Some(&admin), &format!("/api/v1/places/{draft_id}")).await.status, StatusCode::OK);
    assert!(matches!(
        core.erase_account_of(&admin_actor, "claire@exemple.fr").await,
        Err(maillage_app::AppError::NotFound)
    ));
}

#[tokio::test]
async fn the_session_names_the_roles_of_the_account() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let s = app.get(Some(&admin), "/api/v1/session").await.json();
    assert_eq!(s["user"]["roles"], json!([{ "role": "admin", "scope": "platform" }]));
    assert_eq!(s["user"]["is_admin"], true, "kept for clients of the first version, derived");
    let claire = app.user("claire@exemple.fr", false).await;
    let created = app.json(Some(&claire), Method::POST, "/api/v1/places", &place_json("La Forge")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    // The next request loads the session again, with the manager grant of the new place.
    let s = app.get(Some(&claire), "/api/v1/session").await.json();
    assert_eq!(s["user"]["roles"], json!([{ "role": "manager", "scope": format!("place:{id}") }]));
    assert_eq!(s["user"]["is_admin"], false);
    // Signing in answers the same.
    let visitor = app.visitor().await;
    let r = app
        .json(
            Some(&visitor),
            Method::POST,
            "/api/v1/session",
            &json!({ "email": "admin@exemple.fr", "password": "mot-de-passe-solide" }),
        )
        .await;
    assert_eq!(r.json()["user"]["roles"], json!([{ "role": "admin", "scope": "platform" }]), "{}", r.body);
}
