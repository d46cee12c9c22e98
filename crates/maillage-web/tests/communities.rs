//! Communities of practice as people meet them: the list and its filters, the profile form
//! (a refused form keeps what was typed and names each field), joining and the referent's
//! decision, the feed (Markdown sanitised, a refused publication keeps its text), and the
//! JSON API.

mod common;

use axum::http::StatusCode;
use common::*;

/// A community created through the form by `admin`; its page's address.
async fn create(app: &TestApp, admin: &Client, name: &str, join: &str, domain: &str) -> String {
    let r = app
        .post_form(
            admin,
            "/communautes/nouveau",
            &[
                ("name", name),
                ("scope", "national"),
                ("summary", "Une communauté de pratiques entre tiers-lieux."),
                ("domains", domain),
                ("expertises", "co_design"),
                ("join_policy", join),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
}

#[tokio::test]
async fn a_refused_profile_keeps_what_was_typed_and_names_each_field() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let r = app
        .post_form(
            &admin,
            "/communautes/nouveau",
            &[
                ("name", "Tiers-lieux & écoles"),
                ("scope", "galactique"),
                ("summary", ""),
                ("domains", "education"),
                ("areas", "region:99"),
                ("other_expertises", "Pédagogie active"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text();
    assert!(
        page.contains("Tiers-lieux &#38; écoles") || page.contains("Tiers-lieux &amp; écoles"),
        "the name is kept: {page}"
    );
    assert!(page.contains("Pédagogie active"), "its own expertises are kept");
    assert!(page.contains("region:99"), "the areas are kept");
    assert!(page.contains("value=\"education\" checked"), "the ticked domain stays ticked");
    for anchor in ["#f-scope", "#f-summary", "#f-areas"] {
        assert!(page.contains(anchor), "the summary links to {anchor}");
    }
    // Without the token nothing is stored.
    let r = app
        .send(
            Some(&admin),
            axum::http::Method::POST,
            "/communautes/nouveau",
            Some("application/x-www-form-urlencoded"),
            b"name=Sans+jeton&scope=national&summary=x".to_vec(),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "refused on its csrf field");
    assert!(!app.get(None, "/communautes").await.text().contains("Sans jeton"));
    // Only administrators create: others are refused, visitors sent to sign in.
    let someone = app.user("claire@exemple.fr", false).await;
    assert_eq!(app.get(Some(&someone), "/communautes/nouveau").await.status, StatusCode::FORBIDDEN);
    let r = app.get(None, "/communautes/nouveau").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/connexion"));
}

#[tokio::test]
async fn the_list_filters_by_domain_and_refuses_an_unknown_one() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    create(&app, &admin, "Tiers-lieux éducatifs", "open", "education").await;
    create(&app, &admin, "Culture partagée", "open", "culture").await;
    let page = app.get(None, "/communautes").await.text();
    assert!(page.contains("2 communautés"));
    let page = app.get(None, "/communautes?domain=education").await.text();
    assert!(page.contains("Tiers-lieux éducatifs") && !page.contains("Culture partagée"));
    assert!(page.contains("1 communauté"), "French singular");
    assert!(app.get(None, "/communautes?q=culture").await.text().contains("Culture partagée"));
    let r = app.get(None, "/communautes?domain=cuisine").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("cuisine"), "the refused value is named");
    // The API says the same.
    let body = app.get(None, "/api/v1/communities?domain=culture").await.json();
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["domains"][0], "culture");
    let r = app.get(None, "/api/v1/communities?expertise=jonglage").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "expertise");
    let r = app.get(None, "/api/v1/communities?tri=nom").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "unknown parameters are refused");
}

#[tokio::test]
async fn a_request_waits_for_the_referent_then_the_member_writes_in_the_feed() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let href = create(&app, &admin, "Sur validation", "approval", "education").await;
    app.create_user("referente@exemple.fr", false).await;
    let r = app.post_form(&admin, &format!("{href}/referents"), &[("email", "referente@exemple.fr")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let referent = app.sign_in("referente@exemple.fr").await;

    // A visitor is invited to sign in; a signed-in person asks to join.
    assert!(app.get(None, &href).await.text().contains("Connectez-vous pour rejoindre"));
    let claire = app.user("claire@exemple.fr", false).await;
    let r = app
        .post_form(&claire, &format!("{href}/adhesion"), &[("action", "join"), ("message", "Bonjour !")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.get(Some(&claire), &href).await.text().contains("Votre demande attend"));
    // She cannot write yet.
    let r = app.post_form(&claire, &format!("{href}/publications"), &[("title", "T"), ("body", "B")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The referent sees the request with its message and accepts it.
    let page = app.get(Some(&referent), &href).await.text();
    assert!(page.contains("Bonjour !") && page.contains("claire@exemple.fr"));
    let decide =
        page.split("action=\"").find(|s| s.contains("/decision")).unwrap().split('"').next().unwrap();
    let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap();
    let r = app.post_form(&referent, decide, &[("decision", "accept"), ("version", version)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&referent, decide, &[("decision", "decline"), ("version", version)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a second decision is a conflict");
    let claire = app.sign_in("claire@exemple.fr").await;
    let page = app.get(Some(&claire), &href).await.text();
    assert!(page.contains("Vous êtes membre"));

    // A refused publication keeps its text; a good one is shown, its HTML removed.
    let body = "Voici **le compte rendu** <script>alert(1)</script>";
    let r = app.post_form(&claire, &format!("{href}/publications"), &[("title", ""), ("body", body)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("le compte rendu"), "the text typed is kept");
    let r = app
        .post_form(
            &claire,
            &format!("{href}/publications"),
            &[("title", "Compte rendu d'atelier"), ("body", body)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(None, &href).await.text();
    assert!(page.contains("Compte rendu d'atelier") || page.contains("Compte rendu d&#x27;atelier"));
    assert!(page.contains("<strong>le compte rendu</strong>"));
    assert!(!page.contains("<script>alert"), "HTML is sanitised");
    assert!(page.contains("1 publication"));
    // The API shows the feed too.
    let id = href.trim_start_matches("/communautes/");
    let api = app.get(None, &format!("/api/v1/communities/{id}")).await.json();
    assert_eq!(api["publications"]["total"], 1);
    assert_eq!(api["members"], 2);
    assert!(api.get("members_list").is_none(), "visitors do not see who the members are");
    assert!(api["referents"][0].get("email").is_none());
    let r = app.get(None, "/api/v1/communities/00000000-0000-0000-0000-000000000000").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
