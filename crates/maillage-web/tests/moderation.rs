//! Contribution and moderation as people meet them: a signed-in person proposes an edit
//! from the place's page (a refused proposal keeps what was typed), the manager finds it in
//! the moderation queue with the fields it changes and applies it; a visitor reports a
//! problem (a refused report keeps the message) and it waits in the queue.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

#[tokio::test]
async fn a_proposed_edit_goes_through_the_queue_and_a_visitor_reports_a_problem() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut place = place_json("La Forge");
    place["status"] = json!("published");
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let href = format!("/lieux/{id}");

    // The place's page offers to propose an edit (signed in) and to report (everyone).
    let claire = app.user("claire@exemple.fr", false).await;
    let page = app.get(Some(&claire), &href).await.text();
    assert!(page.contains(&format!("{href}/proposer")) && page.contains(&format!("{href}/signaler")));
    assert!(!app.get(None, &href).await.text().contains("/proposer"), "visitors are not offered to propose");

    // The proposal form is the place's form, filled in; a refused one keeps what was typed.
    let form = app.get(Some(&claire), &format!("{href}/proposer")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("value=\"La Forge\""));
    let fields = |name: &'static str, summary: &'static str| {
        vec![
            ("name", name),
            ("types", "fablab"),
            ("postal_code", "42000"),
            ("commune_code", "42218"),
            ("summary", summary),
            ("message", "Vu sur leur site"),
            ("version", "1"),
        ]
    };
    let r = app.post_form(&claire, &format!("{href}/proposer"), &fields("", "Fablab associatif")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Fablab associatif") && r.text().contains("Vu sur leur site"));
    let r =
        app.post_form(&claire, &format!("{href}/proposer"), &fields("La Forge", "Fablab associatif")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("{href}?envoye=proposition"));
    assert!(app.get(Some(&claire), &r.location()).await.text().contains("votre proposition est transmise"));

    // A visitor reports; a refused report keeps the message.
    let visitor = app.visitor().await;
    let r = app
        .post_form(&visitor, &format!("{href}/signaler"), &[("kind", ""), ("message", "Fermé le lundi")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Fermé le lundi"));
    let r = app
        .post_form(&visitor, &format!("{href}/signaler"), &[("kind", "hours"), ("message", "Fermé le lundi")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // The administrator's queue shows both; the change table names the field.
    let queue = app.get(Some(&admin), "/moderation").await.text();
    assert!(queue.contains("Fablab associatif") && queue.contains("Vu sur leur site"));
    assert!(queue.contains("Horaires erronés") && queue.contains("Fermé le lundi"));
    assert!(
        !app.get(Some(&claire), "/moderation").await.text().contains("Fermé le lundi"),
        "not Claire's queue"
    );
    let decide = queue.split("action=\"").find(|s| s.starts_with("/moderation/propositions/")).unwrap();
    let decide = decide.split('"').next().unwrap();
    let r = app.post_form(&admin, decide, &[("decision", "reject"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "rejecting needs a reason");
    let r = app.post_form(&admin, decide, &[("decision", "accept"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.post_form(&admin, decide, &[("decision", "accept"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a second decision is a conflict");
    let page = app.get(None, &href).await.text();
    assert!(page.contains("Fablab associatif"), "the edit is applied");
}
