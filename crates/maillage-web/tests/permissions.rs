//! Every route has an authorization rule: this table checks each route for each role
//! (visitor, signed-in contributor, manager of the place, admin).

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Visitor,
    Contributor,
    Manager,
    Admin,
}
use Role::*;

#[tokio::test]
async fn each_route_answers_each_role_as_the_permission_table_says() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let manager = app.user("gestion@exemple.fr", false).await;
    let contributor = app.user("contrib@exemple.fr", false).await;
    let visitor = app.visitor().await;

    // The manager creates a draft; the admin publishes another place.
    let draft = app
        .json(Some(&manager), Method::POST, "/api/v1/places", &place_json("Brouillon du gestionnaire"))
        .await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let draft_id = draft.json()["id"].as_str().unwrap().to_owned();
    let mut published = place_json("Lieu publié");
    published["status"] = json!("published");
    let published = app.json(Some(&admin), Method::POST, "/api/v1/places", &published).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let published_id = published.json()["id"].as_str().unwrap().to_owned();

    let client = |role: Role| match role {
        Visitor => visitor.clone(),
        Contributor => contributor.clone(),
        Manager => manager.clone(),
        Admin => admin.clone(),
    };
    let all = [Visitor, Contributor, Manager, Admin];

    // Reading pages and the public API.
    for (path, expected) in [
        ("/".to_owned(), [200, 200, 200, 200]),
        (format!("/lieux/{published_id}"), [200, 200, 200, 200]),
        (format!("/lieux/{draft_id}"), [404, 404, 200, 200]),
        ("/lieux/nouveau".to_owned(), [303, 200, 200, 200]),
        (format!("/lieux/{draft_id}/modifier"), [303, 404, 200, 200]),
        (format!("/lieux/{published_id}/modifier"), [303, 403, 403, 200]),
        (format!("/lieux/{published_id}/historique"), [200, 200, 200, 200]),
        (format!("/lieux/{draft_id}/historique"), [404, 404, 200, 200]),
        ("/mes-lieux".to_owned(), [303, 200, 200, 200]),
        ("/compte".to_owned(), [303, 200, 200, 200]),
        ("/compte/donnees.json".to_owned(), [303, 200, 200, 200]),
        ("/admin/import".to_owned(), [303, 403, 403, 200]),
        ("/admin/import/modele.csv".to_owned(), [303, 403, 403, 200]),
        ("/admin/import/modele-excel.csv".to_owned(), [303, 403, 403, 200]),
        ("/territoires/communes/42218".to_owned(), [200, 200, 200, 200]),
        ("/territoires/departements/42".to_owned(), [200, 200, 200, 200]),
        ("/territoires/regions/84".to_owned(), [200, 200, 200, 200]),
        ("/territoire".to_owned(), [200, 200, 200, 200]),
        (
            "/territoire?analysis=coverage&radius_km=10&territory=42&objective=mclp&k=1&rec_radius_km=10"
                .to_owned(),
            [200, 200, 200, 200],
        ),
        ("/connexion".to_owned(), [200, 200, 200, 200]),
        ("/mot-de-passe/oubli".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/places".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/places?status=draft".to_owned(), [401, 403, 403, 200]),
        ("/api/v1/places?status=draft&mine=1".to_owned(), [401, 200, 200, 200]),
        ("/api/v1/places.geojson".to_owned(), [200, 200, 200, 200]),
        (format!("/api/v1/places/{published_id}"), [200, 200, 200, 200]),
        (format!("/api/v1/places/{draft_id}"), [404, 404, 200, 200]),
        (format!("/api/v1/places/{published_id}/history"), [200, 200, 200, 200]),
        (format!("/api/v1/places/{draft_id}/history"), [404, 404, 200, 200]),
        ("/api/v1/export?format=csv".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/communes?q=lyon".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/search?q=lieu".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/vocabularies".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/territory/nearest?territory=42".to_owned(), [200, 200, 200, 200]),
        ("/api/v1/territory/coverage?radius_km=10&by=region".to_owned(), [200, 200, 200, 200]),
        (
            "/api/v1/territory/access?method=2sfca&catchment_km=10&territory=42".to_owned(),
            [200, 200, 200, 200],
        ),
        (
            "/api/v1/territory/recommend?objective=mclp&k=1&radius_km=10&territory=42".to_owned(),
            [200, 200, 200, 200],
        ),
        ("/api/v1/session".to_owned(), [401, 200, 200, 200]),
        ("/api/v1/openapi.json".to_owned(), [200, 200, 200, 200]),
        ("/api/docs/".to_owned(), [200, 200, 200, 200]),
        ("/healthz".to_owned(), [200, 200, 200, 200]),
        ("/assets/site.css".to_owned(), [200, 200, 200, 200]),
    ] {
        for (role, code) in all.iter().zip(expected) {
            let r = app.get(Some(&client(*role)), &path).await;
            assert_eq!(
                r.status.as_u16(),
                code,
                "GET {path} as {role:?}: {}",
                &r.body[..r.body.len().min(300)]
            );
        }
    }

    // Writes through the API: an update names the version it edits.
    let update = |name: &str| {
        let mut v = place_json(name);
        v["version"] = json!(1);
        v
    };
    for (role, code) in all.iter().zip([401, 404, 200, 409]) {
        let r = app
            .json(
                Some(&client(*role)),
                Method::PUT,
                &format!("/api/v1/places/{draft_id}"),
                &update("Renommé"),
            )
            .await;
        assert_eq!(r.status.as_u16(), code, "PUT draft as {role:?}: {}", r.body);
    }
    for (role, code) in all.iter().zip([401, 403, 403, 200]) {
        let mut body = update("Publié renommé");
        body["status"] = json!("published");
        let r = app
            .json(Some(&client(*role)), Method::PUT, &format!("/api/v1/places/{published_id}"), &body)
            .await;
        assert_eq!(r.status.as_u16(), code, "PUT published as {role:?}: {}", r.body);
    }
    for (role, code) in all.iter().zip([401, 201, 201, 201]) {
        let r = app.json(Some(&client(*role)), Method::POST, "/api/v1/places", &place_json("Nouveau")).await;
        assert_eq!(r.status.as_u16(), code, "POST as {role:?}: {}", r.body);
    }
    // Only admins publish directly.
    for (role, code) in all.iter().zip([401, 422, 422, 201]) {
        let mut body = place_json("Publié d'emblée");
        body["status"] = json!("published");
        let r = app.json(Some(&client(*role)), Method::POST, "/api/v1/places", &body).await;
        assert_eq!(r.status.as_u16(), code, "POST published as {role:?}: {}", r.body);
    }
    for (role, code) in all.iter().zip([401, 404, 200, 409]) {
        let r = app
            .json(
                Some(&client(*role)),
                Method::POST,
                &format!("/api/v1/places/{draft_id}/archive"),
                &json!({ "version": 2 }),
            )
            .await;
        assert_eq!(r.status.as_u16(), code, "archive as {role:?}: {}", r.body);
    }

    // Reverting a field (here the draft's name, back to its first value): as editing.
    let history = app.get(Some(&manager), &format!("/api/v1/places/{draft_id}/history")).await.json();
    let rename = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["version"] == 2)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .unwrap();
    for (role, code) in all.iter().zip([401, 404, 200, 409]) {
        let r = app
            .json(
                Some(&client(*role)),
                Method::POST,
                &format!("/api/v1/places/{draft_id}/history/{rename}/revert"),
                &json!({ "field": "name", "version": 3 }),
            )
            .await;
        assert_eq!(r.status.as_u16(), code, "revert as {role:?}: {}", r.body);
    }
    for (role, code) in all.iter().zip([303, 404, 303, 409]) {
        let r = app
            .post_form(
                &client(*role),
                &format!("/lieux/{draft_id}/historique/{rename}/retablir"),
                &[("field", "name"), ("version", "4")],
            )
            .await;
        assert_eq!(r.status.as_u16(), code, "POST revert form as {role:?}");
        if *role == Visitor {
            assert!(r.location().starts_with("/connexion"), "visitors are sent to the login page");
        }
    }

    // Form posts.
    for (role, code) in all.iter().zip([303, 403, 403, 303]) {
        let r = app
            .post_form(
                &client(*role),
                &format!("/lieux/{published_id}/modifier"),
                &[
                    ("name", "Par formulaire"),
                    ("types", "fablab"),
                    ("postal_code", "42000"),
                    ("commune_code", "42218"),
                    ("version", if *role == Admin { "2" } else { "1" }),
                ],
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            code,
            "POST edit form as {role:?}: {}",
            &r.body[..r.body.len().min(300)]
        );
        if *role == Visitor {
            assert!(r.location().starts_with("/connexion"), "visitors are sent to the login page");
        }
    }
    // Deleting one's account: visitors are sent to the login page; a wrong password is
    // refused for everyone (each person deletes only their own account).
    for (role, code) in all.iter().zip([303, 422, 422, 422]) {
        let r = app
            .post_form(&client(*role), "/compte/supprimer", &[("password", "pas-le-bon"), ("confirm", "1")])
            .await;
        assert_eq!(r.status.as_u16(), code, "POST /compte/supprimer as {role:?}");
        if *role == Visitor {
            assert!(r.location().starts_with("/connexion"), "visitors are sent to the login page");
        }
    }
    let r = app
        .send(
            Some(&visitor),
            Method::POST,
            "/admin/import",
            Some("multipart/form-data; boundary=x"),
            b"--x--\r\n".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send(
            Some(&contributor),
            Method::POST,
            "/admin/import",
            Some("multipart/form-data; boundary=x"),
            b"--x--\r\n".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn writes_without_the_csrf_token_are_refused() {
    let app = spawn().await;
    let user = app.user("u@exemple.fr", false).await;
    let mut forged = user.clone();
    forged.csrf = "x".repeat(43);
    let r = app.json(Some(&forged), Method::POST, "/api/v1/places", &place_json("Forgé")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "x-csrf-token");
    let r = app
        .post_form(
            &forged,
            "/lieux/nouveau",
            &[("name", "Forgé"), ("types", "fablab"), ("postal_code", "42000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let list = app.get(Some(&user), "/api/v1/places?mine=1&status=draft").await;
    assert_eq!(list.json()["total"], 0, "nothing was stored");
    // Logging out needs the token too.
    let r = app.post_form(&forged, "/deconnexion", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn analyses_are_open_to_all_but_counted_per_client_apart_from_writes() {
    let app = spawn_with(maillage_web::WebConfig { writes_per_minute: 3, ..Default::default() }).await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut published = place_json("Lieu publié");
    published["status"] = json!("published");
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &published).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let visitor = app.visitor().await;
    for uri in [
        "/api/v1/territory/nearest?territory=42",
        "/territoire?territory=42",
        "/api/v1/territory/nearest?territory=42",
    ] {
        let r = app.get(Some(&visitor), uri).await;
        assert_eq!(r.status, StatusCode::OK, "GET {uri}: {}", &r.body[..r.body.len().min(300)]);
    }
    let r = app.get(Some(&visitor), "/api/v1/territory/coverage?radius_km=10&territory=42").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the fourth analysis in a minute");
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "the seconds left in the minute: {retry}");
    let page = app.get(Some(&visitor), "/territoire").await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the page counts too");
    // Other pages and the rest of the API are not analyses.
    assert_eq!(app.get(Some(&visitor), "/api/v1/places").await.status, StatusCode::OK);
    assert_eq!(app.get(Some(&visitor), "/").await.status, StatusCode::OK);
}
