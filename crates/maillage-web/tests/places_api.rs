//! The JSON API: a place's life (create, read, list, edit, conflict, archive), the map
//! data with its cache validators, and bad input with nothing stored.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_place_is_created_read_listed_edited_and_archived() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut body = place_json("La Forge numérique");
    body["status"] = json!("published");
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(r.location(), format!("/api/v1/places/{id}"));
    assert_eq!(created["commune_name"], "Saint-Étienne");
    assert_eq!(created["departement"], "42");
    assert_eq!(created["phone"], "+33477123456", "phones are normalised");
    assert_eq!(created["version"], 1);

    let r = app.get(None, &format!("/api/v1/places/{id}")).await;
    assert_eq!(r.json()["name"], "La Forge numérique");

    for query in [
        "type=fablab",
        "departement=42",
        "q=forges+numeriques",
        "service=machines",
        "near=45.44,4.39&radius_km=5",
        "commune=42218",
        "region=84",
        "bbox=4.3,45.4,4.5,45.5",
        "equipment=laser",
    ] {
        let r = app.get(None, &format!("/api/v1/places?{query}")).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        assert_eq!(r.json()["total"], 1, "{query}");
    }
    for query in ["type=coworking", "departement=69", "q=boulangerie", "near=48.85,2.35&radius_km=5"] {
        let r = app.get(None, &format!("/api/v1/places?{query}")).await;
        assert_eq!(r.json()["total"], 0, "{query}");
    }
    let near = app.get(None, "/api/v1/places?near=45.44,4.39&radius_km=5").await;
    assert!(near.json()["items"][0]["distance_km"].as_f64().unwrap() < 1.0);

    // Two people edit version 1: the second gets a conflict, not a silent overwrite.
    let mut edit = place_json("La Forge, renommée");
    edit["version"] = json!(1);
    let r = app.json(Some(&admin), Method::PUT, &format!("/api/v1/places/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["version"], 2);
    edit["name"] = json!("Écrasement");
    let r = app.json(Some(&admin), Method::PUT, &format!("/api/v1/places/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["current_version"], 2);
    assert_eq!(app.get(None, &format!("/api/v1/places/{id}")).await.json()["name"], "La Forge, renommée");

    let r = app
        .json(Some(&admin), Method::POST, &format!("/api/v1/places/{id}/archive"), &json!({ "version": 2 }))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "archived");
    assert_eq!(app.get(None, "/api/v1/places").await.json()["total"], 0, "archived places leave the list");
    assert_eq!(app.get(None, &format!("/api/v1/places/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_map_of_france_is_cached_compressed_and_revalidated() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut body = place_json("Carte");
    body["status"] = json!("published");
    app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await;

    let r = app.get(None, "/api/v1/places.geojson").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/geo+json");
    let geo = r.json();
    assert_eq!(geo["type"], "FeatureCollection");
    assert_eq!(geo["features"][0]["properties"]["name"], "Carte");
    let etag = r.headers["etag"].to_str().unwrap().to_owned();

    let gz = app
        .send(None, Method::GET, "/api/v1/places.geojson", None, vec![], &[("accept-encoding", "gzip, br")])
        .await;
    assert_eq!(gz.headers["content-encoding"], "gzip");
    assert_eq!(gz.headers["etag"].to_str().unwrap(), etag);

    let not_modified = app
        .send(None, Method::GET, "/api/v1/places.geojson", None, vec![], &[("if-none-match", &etag)])
        .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert!(not_modified.body.is_empty());

    // A change anywhere gives a new tag and new content.
    body["name"] = json!("Deuxième");
    app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await;
    let r = app
        .send(None, Method::GET, "/api/v1/places.geojson", None, vec![], &[("if-none-match", &etag)])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["features"].as_array().unwrap().len(), 2);

    let filtered = app.get(None, "/api/v1/places.geojson?q=deuxieme").await;
    assert_eq!(filtered.json()["features"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_input_gets_a_422_naming_the_field_and_nothing_is_stored() {
    let app = spawn().await;
    let user = app.user("u@exemple.fr", false).await;
    let cases: Vec<(serde_json::Value, &str, &str)> = vec![
        (
            {
                let mut b = place_json("X");
                b["siret"] = json!("73282932000075");
                b
            },
            "siret",
            "invalid_siret",
        ),
        (
            {
                let mut b = place_json("X");
                b["commune_code"] = json!("99999");
                b
            },
            "commune_code",
            "invalid_insee_code",
        ),
        (
            {
                let mut b = place_json("X");
                b["commune_code"] = json!("42999");
                b
            },
            "commune_code",
            "unknown_commune",
        ),
        (
            {
                let mut b = place_json("X");
                b["latitude"] = json!(52.52);
                b["longitude"] = json!(13.40);
                b
            },
            "latitude",
            "outside_france",
        ),
        (
            {
                let mut b = place_json("X");
                b["latitude"] = json!(43.30);
                b["longitude"] = json!(5.37);
                b
            },
            "latitude",
            "location_far_from_commune",
        ),
        (
            {
                let mut b = place_json("X");
                b["opening_hours"] = json!("lundi 9h-12h");
                b
            },
            "opening_hours",
            "invalid_opening_hours",
        ),
        (
            {
                let mut b = place_json("X");
                b["name"] = json!("<script>alert(1)</script>");
                b
            },
            "name",
            "markup_not_allowed",
        ),
        (
            {
                let mut b = place_json("X");
                b["types"] = json!(["boulangerie"]);
                b
            },
            "types[0]",
            "unknown_PlaceType",
        ),
        (
            {
                let mut b = place_json("X");
                b["name"] = json!("");
                b
            },
            "name",
            "required",
        ),
        (
            {
                let mut b = place_json("X");
                b["email"] = json!("pas-une-adresse");
                b
            },
            "email",
            "invalid_email",
        ),
        (
            {
                let mut b = place_json("X");
                b["colour"] = json!("blue");
                b
            },
            "colour",
            "unknown_field",
        ),
        (
            {
                let mut b = place_json("X");
                b["latitude"] = json!("quarante-cinq");
                b
            },
            "latitude",
            "wrong_type",
        ),
    ];
    for (body, field, code) in cases {
        let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
        let fields = r.json()["error"]["fields"].clone();
        assert!(
            fields.as_array().unwrap().iter().any(|f| f["field"] == field && f["code"] == code),
            "{field}/{code} not in {fields}"
        );
        assert!(fields[0]["message"].as_str().unwrap().len() > 5, "a human message");
    }
    // A far location passes once confirmed.
    let mut far = place_json("Loin mais vrai");
    far["latitude"] = json!(43.30);
    far["longitude"] = json!(5.37);
    far["confirm_location"] = json!(true);
    assert_eq!(app.json(Some(&user), Method::POST, "/api/v1/places", &far).await.status, StatusCode::CREATED);

    let r = app
        .send(
            Some(&user),
            Method::POST,
            "/api/v1/places",
            Some("application/json"),
            b"{\"name\": \"X\",".to_vec(),
            &[("x-csrf-token", &user.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "malformed_json");

    let r = app
        .send(
            Some(&user),
            Method::POST,
            "/api/v1/places",
            Some("text/plain"),
            b"{}".to_vec(),
            &[("x-csrf-token", &user.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let r = app
        .send(
            Some(&user),
            Method::POST,
            "/api/v1/places",
            Some("application/json"),
            huge.into_bytes(),
            &[("x-csrf-token", &user.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["code"], "payload_too_large");

    let mine = app.get(Some(&user), "/api/v1/places?mine=1&status=draft").await;
    assert_eq!(mine.json()["total"], 1, "only the confirmed place was stored");

    for (query, field) in [
        ("type=boulangerie", "type"),
        ("near=abc", "near"),
        ("per_page=100000", "per_page"),
        ("colour=blue", "colour"),
        ("open_at=demain", "open_at"),
    ] {
        let r = app.get(None, &format!("/api/v1/places?{query}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(r.json()["error"]["fields"][0]["field"], field, "{query}");
    }
}

#[tokio::test]
async fn english_messages_when_asked() {
    let app = spawn().await;
    let r = app.get(None, "/api/v1/places?type=bakery&lang=en").await;
    assert!(r.json()["error"]["fields"][0]["message"].as_str().unwrap().starts_with("Unknown value"));
    let r = app.get(None, "/api/v1/places?type=bakery").await;
    assert!(r.json()["error"]["fields"][0]["message"].as_str().unwrap().starts_with("Valeur inconnue"));
}

#[tokio::test]
async fn open_now_and_open_at_follow_paris_time_and_public_holidays() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut body = place_json("Ouvert en semaine");
    body["status"] = json!("published");
    body["opening_hours"] = json!("Mo-Fr 09:00-18:00; PH off");
    app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await;
    // Tuesday 13 October 2026, 10:30 in Paris: open; 14 July (a Tuesday, national day): closed.
    let open = app.get(None, "/api/v1/places?open_at=2026-10-13T10:30").await;
    assert_eq!(open.json()["total"], 1);
    let holiday = app.get(None, "/api/v1/places?open_at=2026-07-14T10:30").await;
    assert_eq!(holiday.json()["total"], 0);
    // 08:30 UTC is 10:30 in Paris in October.
    let utc = app.get(None, "/api/v1/places?open_at=2026-10-13T08:30:00Z").await;
    assert_eq!(utc.json()["total"], 1);
}

#[tokio::test]
async fn a_postal_code_or_a_name_that_contradicts_the_commune_must_be_confirmed() {
    let app = spawn().await;
    let user = app.user("u@exemple.fr", false).await;
    // 69001 is Lyon's, not Saint-Étienne's (42218).
    let mut body = place_json("Code postal d'ailleurs");
    body["postal_code"] = json!("69001");
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let field = &r.json()["error"]["fields"][0];
    assert_eq!(
        (field["field"].as_str(), field["code"].as_str()),
        (Some("postal_code"), Some("postal_code_mismatch"))
    );
    assert!(
        field["message"].as_str().unwrap().contains("69001 n'est pas un code de Saint-Étienne (42218)"),
        "{field}"
    );
    assert_eq!(app.get(Some(&user), "/api/v1/places?mine=1&status=draft").await.json()["total"], 0);
    body["confirm_commune"] = json!(true);
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["postal_code"], "69001", "stored as confirmed");

    // A name beside the code that designates another commune.
    let mut body = place_json("Nom d'ailleurs");
    body["commune_name"] = json!("Lyon");
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "commune_name_mismatch");
    // Its own name, written loosely, is no contradiction.
    body["commune_name"] = json!("ST-ETIENNE");
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A former commune's code is its current commune, with a warning saying so.
    let mut body = place_json("Maison de Seynod");
    body["postal_code"] = json!("74600");
    body["commune_code"] = json!("74268");
    body["latitude"] = json!(45.8862);
    body["longitude"] = json!(6.0884);
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["commune_code"], "74010");
    assert_eq!(r.json()["warnings"][0]["code"], "commune_resolved_former_code", "{}", r.body);
}
