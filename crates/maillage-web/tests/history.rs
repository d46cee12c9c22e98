//! The history of a place, as people see it: who changed what (named only to those who
//! answer for the place), each field before and after, and reverting a field as an edit.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::{Value, json};

/// A person with a name of their own (the harness names everyone "Test").
async fn person(app: &TestApp, email: &str, name: &str, admin: bool) -> Client {
    app.state.app().create_user(email, name, "mot-de-passe-solide", admin).await.unwrap();
    app.sign_in(email).await
}

/// A place created by `manager` (a draft), then published and renamed by `admin`.
async fn published_place(app: &TestApp, manager: &Client, admin: &Client) -> String {
    let r = app.json(Some(manager), Method::POST, "/api/v1/places", &place_json("La Forge")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let mut edit = place_json("La Forge des Canuts");
    edit["status"] = json!("published");
    edit["version"] = json!(1);
    let r = app.json(Some(admin), Method::PUT, &format!("/api/v1/places/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

fn change_with<'a>(history: &'a Value, field: &str) -> &'a Value {
    history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["fields"].as_array().unwrap().iter().any(|f| f["field"] == field))
        .unwrap_or_else(|| panic!("no change of {field}: {history}"))
}

#[tokio::test]
async fn a_visitor_reads_the_history_of_a_published_place_without_anyones_account() {
    let app = spawn().await;
    let admin = person(&app, "admin@exemple.fr", "Alice Admin", true).await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston Gestion", false).await;
    let id = published_place(&app, &manager, &admin).await;
    let visitor = app.visitor().await;

    let page = app.get(Some(&visitor), &format!("/lieux/{id}/historique")).await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    assert!(text.contains("Historique : La Forge des Canuts"), "{text}");
    assert!(text.contains("Nom du lieu") && text.contains("La Forge") && text.contains("Brouillon"));
    assert!(text.contains("Publié"), "statuses by their labels");
    assert_eq!(text.matches("un·e contributeur·rice").count(), 2, "both changes, nobody named");
    for secret in ["admin@exemple.fr", "gestion@exemple.fr", "Alice Admin", "Gaston Gestion"] {
        assert!(!text.contains(secret), "{secret} shown to a visitor");
    }
    assert!(!text.contains("retablir"), "no revert form for visitors");

    let api = app.get(Some(&visitor), &format!("/api/v1/places/{id}/history")).await;
    assert_eq!(api.status, StatusCode::OK);
    let history = api.json();
    assert_eq!(history["can_revert"], false);
    let changes = history["changes"].as_array().unwrap();
    assert_eq!(changes.iter().map(|c| c["version"].as_i64().unwrap()).collect::<Vec<_>>(), [2, 1]);
    for c in changes {
        assert_eq!(c["author"], json!({ "kind": "contributor" }));
        assert!(c["fields"].as_array().unwrap().iter().all(|f| f["revertable"] == false));
    }
    let rename = &change_with(&history, "name")["fields"][0];
    assert_eq!((&rename["old"], &rename["new"]), (&json!("La Forge"), &json!("La Forge des Canuts")));
    let creation = &changes[1]["fields"];
    assert!(
        creation.as_array().unwrap().iter().all(|f| f["old"].is_null()),
        "a creation starts from nothing"
    );

    // English, through the usual language switch.
    let en = app.get(Some(&visitor), &format!("/lieux/{id}/historique?lang=en")).await.text();
    assert!(en.contains("History: La Forge des Canuts"), "{en}");
    assert!(en.contains("a contributor") && en.contains("Name of the place"));

    // The place page links to it.
    let place = app.get(Some(&visitor), &format!("/lieux/{id}")).await.text();
    assert!(place.contains(&format!("href=\"/lieux/{id}/historique\"")), "link from the place page");
}

#[tokio::test]
async fn managers_and_admins_see_whose_account_made_each_change_and_authors_see_themselves() {
    let app = spawn().await;
    let admin = person(&app, "admin@exemple.fr", "Alice Admin", true).await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston Gestion", false).await;
    let id = published_place(&app, &manager, &admin).await;
    for who in [&admin, &manager] {
        let history = app.get(Some(who), &format!("/api/v1/places/{id}/history")).await.json();
        assert_eq!(history["can_revert"], true);
        let authors: Vec<&Value> =
            history["changes"].as_array().unwrap().iter().map(|c| &c["author"]).collect();
        assert_eq!(
            authors,
            [
                &json!({ "kind": "person", "name": "Alice Admin", "email": "admin@exemple.fr" }),
                &json!({ "kind": "person", "name": "Gaston Gestion", "email": "gestion@exemple.fr" }),
            ]
        );
        let page = app.get(Some(who), &format!("/lieux/{id}/historique")).await.text();
        assert!(page.contains("Alice Admin (admin@exemple.fr)"), "{page}");
    }
    // A contributor who edited nothing here sees nobody's name.
    let other = person(&app, "autre@exemple.fr", "Odile Autre", false).await;
    let page = app.get(Some(&other), &format!("/lieux/{id}/historique")).await.text();
    assert!(!page.contains("Alice Admin") && !page.contains("gestion@exemple.fr"));
}

#[tokio::test]
async fn the_history_of_an_unpublished_place_is_not_found_for_strangers() {
    let app = spawn().await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston", false).await;
    let contributor = person(&app, "contrib@exemple.fr", "Colette", false).await;
    let r = app.json(Some(&manager), Method::POST, "/api/v1/places", &place_json("Brouillon")).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let visitor = app.visitor().await;
    for client in [&visitor, &contributor] {
        assert_eq!(
            app.get(Some(client), &format!("/lieux/{id}/historique")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(Some(client), &format!("/api/v1/places/{id}/history")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let mine = app.get(Some(&manager), &format!("/api/v1/places/{id}/history")).await.json();
    assert_eq!(mine["changes"][0]["author"]["name"], "Gaston", "the author sees themselves");
    assert_eq!(app.get(None, "/lieux/pas-un-id/historique").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reverting_a_field_puts_its_old_value_back_as_an_edit_recorded_in_the_history() {
    let app = spawn().await;
    let admin = person(&app, "admin@exemple.fr", "Alice Admin", true).await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston Gestion", false).await;
    let id = published_place(&app, &manager, &admin).await;
    let history = app.get(Some(&manager), &format!("/api/v1/places/{id}/history")).await.json();
    let rename = change_with(&history, "name")["id"].as_str().unwrap().to_owned();
    let revert = format!("/api/v1/places/{id}/history/{rename}/revert");

    let r = app.json(Some(&manager), Method::POST, &revert, &json!({ "field": "name", "version": 2 })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let place = r.json();
    assert_eq!((&place["name"], &place["version"]), (&json!("La Forge"), &json!(3)));
    assert_eq!(place["status"], "published", "only the field asked for changes");

    let history = app.get(Some(&manager), &format!("/api/v1/places/{id}/history")).await.json();
    let newest = &history["changes"][0];
    assert_eq!(newest["version"], 3);
    assert_eq!(newest["author"]["email"], "gestion@exemple.fr");
    assert_eq!(
        newest["fields"],
        json!([{ "field": "name", "old": "La Forge des Canuts", "new": "La Forge", "revertable": true }])
    );

    // The same revert from the version it no longer is: a conflict, nothing changed.
    let stale =
        app.json(Some(&manager), Method::POST, &revert, &json!({ "field": "name", "version": 2 })).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let now = app.get(None, &format!("/api/v1/places/{id}")).await.json();
    assert_eq!(now["version"], 3);

    // Without JavaScript: the form on the history page, back to the page.
    let page = app.get(Some(&manager), &format!("/lieux/{id}/historique")).await.text();
    let action = format!("/lieux/{id}/historique/{rename}/retablir");
    assert!(page.contains(&action), "a revert form per field");
    assert!(page.contains(&format!("name=\"csrf\" value=\"{}\"", manager.csrf)), "with the CSRF token");
    let r = app.post_form(&manager, &action, &[("field", "name"), ("version", "3")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/lieux/{id}/historique"));
    let now = app.get(None, &format!("/api/v1/places/{id}")).await.json();
    assert_eq!((&now["name"], &now["version"]), (&json!("La Forge"), &json!(4)));
    // A form that has gone stale: the conflict page.
    let r = app.post_form(&manager, &action, &[("field", "name"), ("version", "3")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn reverts_that_cannot_be_done_say_why_and_change_nothing() {
    let app = spawn().await;
    let admin = person(&app, "admin@exemple.fr", "Alice Admin", true).await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston Gestion", false).await;
    let id = published_place(&app, &manager, &admin).await;
    let other = published_place(&app, &manager, &admin).await;
    let history = app.get(Some(&manager), &format!("/api/v1/places/{id}/history")).await.json();
    let rename = change_with(&history, "name")["id"].as_str().unwrap().to_owned();
    let creation = history["changes"][1]["id"].as_str().unwrap().to_owned();
    let revert = |change: &str| format!("/api/v1/places/{id}/history/{change}/revert");
    let post = |client: Option<&Client>, uri: String, body: Value| {
        let app = &app;
        let client = client.cloned();
        async move { app.json(client.as_ref(), Method::POST, &uri, &body).await }
    };

    // A field this change did not touch.
    let r = post(Some(&manager), revert(&rename), json!({ "field": "website", "version": 2 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let error = &r.json()["error"]["fields"][0];
    assert_eq!((&error["field"], &error["code"]), (&json!("field"), &json!("unknown_field")));
    assert!(error["message"].as_str().unwrap().contains("website"), "{error}");
    // The creation: there was nothing before it.
    let r = post(Some(&manager), revert(&creation), json!({ "field": "name", "version": 2 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let error = &r.json()["error"]["fields"][0];
    assert_eq!((&error["field"], &error["code"]), (&json!("field"), &json!("not_revertable")));
    assert!(error["message"].as_str().unwrap().contains("création"), "{error}");
    // The other place moves to Rennes.
    let mut moved = place_json("La Forge des Canuts");
    moved["commune_code"] = json!("35238");
    moved["postal_code"] = json!("35000");
    moved["latitude"] = json!(48.1113);
    moved["longitude"] = json!(-1.68);
    moved["version"] = json!(2);
    let r = app.json(Some(&manager), Method::PUT, &format!("/api/v1/places/{other}"), &moved).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let other_history = app.get(Some(&manager), &format!("/api/v1/places/{other}/history")).await.json();
    let commune = change_with(&other_history, "commune_name");
    let commune_revert = format!("/api/v1/places/{other}/history/{}/revert", commune["id"].as_str().unwrap());
    let row = |field: &str| {
        commune["fields"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap().clone()
    };
    assert_eq!(
        (row("commune_name")["revertable"].clone(), row("commune_code")["revertable"].clone()),
        (json!(false), json!(true))
    );
    // A field that follows from another one.
    let r =
        post(Some(&manager), commune_revert.clone(), json!({ "field": "commune_name", "version": 3 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "not_revertable");
    // A value the validation of an edit refuses: Saint-Étienne again, with the point in Rennes.
    let r = post(Some(&manager), commune_revert, json!({ "field": "commune_code", "version": 3 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Refused as any edit would be: the point is far from the commune (and the postal code
    // is not one of the commune's).
    let fields = r.json()["error"]["fields"].as_array().unwrap().clone();
    assert!(
        fields.iter().any(|e| e["field"] == "latitude" && e["code"] == "location_far_from_commune"),
        "{fields:?}"
    );
    // Unknown changes, and a change of another place.
    for change in [maillage_domain::ChangeId::new().to_string(), "pas-un-id".to_owned()] {
        let r = post(Some(&manager), revert(&change), json!({ "field": "name", "version": 2 })).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{change}");
    }
    let r = post(
        Some(&manager),
        format!("/api/v1/places/{other}/history/{rename}/revert"),
        json!({ "field": "name", "version": 2 }),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "a change of another place");
    // A body with something else in it.
    let r = post(Some(&manager), revert(&rename), json!({ "field": "name", "version": 2, "x": 1 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "x");
    // Who may not edit the place may not revert it.
    let visitor = app.visitor().await;
    let contributor = person(&app, "contrib@exemple.fr", "Colette", false).await;
    let body = json!({ "field": "name", "version": 2 });
    assert_eq!(post(Some(&visitor), revert(&rename), body.clone()).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(post(Some(&contributor), revert(&rename), body).await.status, StatusCode::FORBIDDEN);
    let form = format!("/lieux/{id}/historique/{rename}/retablir");
    let r = app.post_form(&visitor, &form, &[("field", "name"), ("version", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/connexion"), "visitors are sent to the login page");
    assert_eq!(
        app.post_form(&contributor, &form, &[("field", "name"), ("version", "2")]).await.status,
        StatusCode::FORBIDDEN
    );
    // The page form says why, in place.
    let r = app.post_form(&manager, &form, &[("field", "website"), ("version", "2")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Ce changement ne modifie pas le champ « website »."), "{}", r.text());
    let mut forged = manager.clone();
    forged.csrf = "x".repeat(43);
    assert_eq!(
        app.post_form(&forged, &form, &[("field", "name"), ("version", "2")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no CSRF token, no revert"
    );
    let now = app.get(None, &format!("/api/v1/places/{id}")).await.json();
    assert_eq!(
        (&now["name"], &now["version"]),
        (&json!("La Forge des Canuts"), &json!(2)),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_deleted_account_leaves_its_changes_unsigned_and_the_data_download_lists_them() {
    let app = spawn().await;
    let admin = person(&app, "admin@exemple.fr", "Alice Admin", true).await;
    let paul = person(&app, "paul@exemple.fr", "Paul Partant", false).await;
    let r = app.json(Some(&paul), Method::POST, "/api/v1/places", &place_json("L'Atelier de Paul")).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let mut edit = place_json("L'Atelier");
    edit["version"] = json!(1);
    assert_eq!(
        app.json(Some(&paul), Method::PUT, &format!("/api/v1/places/{id}"), &edit).await.status,
        StatusCode::OK
    );

    let data = app.get(Some(&paul), "/compte/donnees.json").await.json();
    let changes = data["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{data}");
    assert!(changes.iter().all(|c| c["item_id"] == id.as_str() && c["kind"] == "place"));
    assert_eq!(
        changes[1]["fields"][0],
        json!({ "field": "name", "old": "L'Atelier de Paul", "new": "L'Atelier" })
    );

    let r = app
        .post_form(&paul, "/compte/supprimer", &[("password", "mot-de-passe-solide"), ("confirm", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let history = app.get(Some(&admin), &format!("/api/v1/places/{id}/history")).await.json();
    let authors: Vec<&Value> = history["changes"].as_array().unwrap().iter().map(|c| &c["author"]).collect();
    assert_eq!(authors, [&json!({ "kind": "erased" }), &json!({ "kind": "erased" })]);
    assert_eq!(history["changes"][0]["fields"][0]["new"], "L'Atelier", "what was changed stays");
    let page = app.get(Some(&admin), &format!("/lieux/{id}/historique")).await.text();
    assert!(page.contains("compte supprimé") && !page.contains("Paul Partant") && !page.contains("paul@"));
}

#[tokio::test]
async fn a_moved_point_and_an_archived_status_come_back_as_they_were() {
    let app = spawn().await;
    let manager = person(&app, "gestion@exemple.fr", "Gaston Gestion", false).await;
    let r = app.json(Some(&manager), Method::POST, "/api/v1/places", &place_json("La Forge")).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    // Moved to the commune's point (no coordinates given), then archived.
    let mut moved = place_json("La Forge");
    moved["latitude"] = Value::Null;
    moved["longitude"] = Value::Null;
    moved["version"] = json!(1);
    assert_eq!(
        app.json(Some(&manager), Method::PUT, &format!("/api/v1/places/{id}"), &moved).await.status,
        StatusCode::OK
    );
    let r = app
        .json(Some(&manager), Method::POST, &format!("/api/v1/places/{id}/archive"), &json!({ "version": 2 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let history = app.get(Some(&manager), &format!("/api/v1/places/{id}/history")).await.json();
    let fields = |c: &Value| {
        c["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let move_change = change_with(&history, "location");
    assert_eq!(fields(move_change), ["location", "location_precise"]);
    let precise =
        move_change["fields"].as_array().unwrap().iter().find(|f| f["field"] == "location_precise").unwrap();
    assert_eq!(precise["revertable"], false, "follows from the point");
    let archive = change_with(&history, "status");
    assert_eq!(
        archive["fields"][0],
        json!({ "field": "status", "old": "draft", "new": "archived", "revertable": true })
    );

    let revert =
        |change: &Value| format!("/api/v1/places/{id}/history/{}/revert", change["id"].as_str().unwrap());
    let r = app
        .json(Some(&manager), Method::POST, &revert(archive), &json!({ "field": "status", "version": 3 }))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "draft");
    let r = app
        .json(
            Some(&manager),
            Method::POST,
            &revert(move_change),
            &json!({ "field": "location", "version": 4 }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let place = r.json();
    assert_eq!((&place["location"]["lat"], &place["location"]["lon"]), (&json!(45.4397), &json!(4.3872)));
    assert_eq!(place["location_precise"], true, "a precise point again");
}
