//! `GET /api/v1/search`: one search over every kind of content, counts per kind, only what
//! the visitor may see, and clear refusals.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_search_finds_published_places_best_first_with_a_count_per_kind() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let manager = app.user("gestion@exemple.fr", false).await;
    for (name, status) in [("Médiathèque du Soleil", "published"), ("Atelier partagé", "published")] {
        let mut place = place_json(name);
        place["status"] = json!(status);
        if name.starts_with("Atelier") {
            place["summary"] = json!("Une médiathèque de quartier à côté");
        }
        let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // A draft is not found, even by its manager: drafts are found in one's own lists.
    let r = app.json(Some(&manager), Method::POST, "/api/v1/places", &place_json("Médiathèque cachée")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    for who in [None, Some(&manager)] {
        let r = app.get(who, "/api/v1/search?q=mediatheques").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let body = r.json();
        assert_eq!(body["total"], 2);
        assert_eq!(body["facets"], json!({ "place": 2, "network": 0, "community": 0 }));
        let titles: Vec<&str> =
            body["items"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap()).collect();
        assert_eq!(
            titles,
            ["Médiathèque du Soleil", "Atelier partagé"],
            "the name weighs more than the summary"
        );
        assert_eq!(body["items"][0]["kind"], "place");
        assert!(body["items"][0]["url"].as_str().unwrap().starts_with("/lieux/"));
    }
    // Paging across the results.
    let second = app.get(None, "/api/v1/search?q=mediatheque&kind=place&per_page=1&page=2").await.json();
    assert_eq!(
        (second["total"].clone(), second["items"][0]["title"].clone()),
        (json!(2), json!("Atelier partagé"))
    );
    let past = app.get(None, "/api/v1/search?q=mediatheque&per_page=1&page=5").await.json();
    assert_eq!((past["total"].clone(), past["items"].as_array().unwrap().len()), (json!(2), 0));
}

#[tokio::test]
async fn a_search_finds_networks_after_places_with_their_territory() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut place = place_json("Médiathèque du Port");
    place["status"] = json!("published");
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let core = app.state.app();
    let user = core
        .create_user("coord@exemple.fr", "Coordination", "un-mot-de-passe-assez-long", true)
        .await
        .unwrap();
    let actor = core.actor_of(&user).await.unwrap();
    let input = maillage_domain::NetworkInput {
        name: Some("Réseau des médiathèques de Bretagne".into()),
        kind: Some("regional".into()),
        areas: vec!["region:53".into()],
        summary: Some("Les médiathèques ouvertes de la région".into()),
        ..Default::default()
    };
    let network = core.create_network(&actor, &input).await.unwrap();

    let body = app.get(None, "/api/v1/search?q=mediatheque").await.json();
    assert_eq!(body["facets"], json!({ "place": 1, "network": 1, "community": 0 }));
    let kinds: Vec<&str> =
        body["items"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["place", "network"]);
    let hit = &body["items"][1];
    assert_eq!(hit["title"], "Réseau des médiathèques de Bretagne");
    assert_eq!(hit["url"], format!("/reseaux/{}", network.id));
    assert_eq!(hit["location"], "Bretagne");
    // One kind only, and paging across kinds: the second hit is the network.
    let only = app.get(None, "/api/v1/search?q=mediatheque&kind=network").await.json();
    assert_eq!((only["total"].clone(), only["facets"].clone()), (json!(1), json!({ "network": 1 })));
    let second = app.get(None, "/api/v1/search?q=mediatheque&per_page=1&page=2").await.json();
    assert_eq!(second["items"][0]["kind"], "network");
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    // The link leads to the network's page.
    let page = app.get(None, hit["url"].as_str().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Réseau des médiathèques de Bretagne"));
}

#[tokio::test]
async fn bad_searches_are_refused_naming_the_parameter() {
    let app = spawn().await;
    for (query, field, code) in [
        ("/api/v1/search", "q", "required"),
        ("/api/v1/search?q=de+la", "q", "required"),
        ("/api/v1/search?q=lieu&kind=evenement", "kind", "unknown_kind"),
        ("/api/v1/search?q=lieu&per_page=0", "per_page", "invalid_value"),
        ("/api/v1/search?q=lieu&tri=nom", "tri", ""),
    ] {
        let r = app.get(None, query).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.body);
        let error = &r.json()["error"]["fields"][0];
        assert_eq!(error["field"], field, "{query}: {}", r.body);
        if !code.is_empty() {
            assert_eq!(error["code"], code, "{query}: {}", r.body);
        }
        assert!(!error["message"].as_str().unwrap_or_default().is_empty(), "{query}");
    }
    let long = format!("/api/v1/search?q={}", "a".repeat(201));
    let r = app.get(None, &long).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "too_long");
}
