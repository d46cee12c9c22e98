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

#[tokio::test]
async fn two_records_are_merged_from_the_queue_and_the_old_address_leads_to_the_kept_one() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut ids = Vec::new();
    let mut stored_phone = String::new();
    for (name, phone) in [("La Forge", None), ("LA FORGE", Some("04 77 00 00 00"))] {
        let mut place = place_json(name);
        place["status"] = json!("published");
        if let Some(p) = phone {
            place["phone"] = json!(p);
        }
        let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
        if phone.is_some() {
            stored_phone = r.json()["phone"].as_str().unwrap().to_owned();
        }
    }
    let queue = app.get(Some(&admin), "/moderation").await.text();
    let link = format!("/moderation/fusion?a={}&b={}", ids[0], ids[1]);
    let link =
        if queue.contains(&link) { link } else { format!("/moderation/fusion?a={}&b={}", ids[1], ids[0]) };
    assert!(
        queue.contains(&link),
        "the queue offers to merge the pair: {}",
        &queue[queue.find("doublons").unwrap_or(0)..]
    );
    let page = app.get(Some(&admin), &link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(&stored_phone), "the other record's phone is offered");
    let r = app
        .post_form(
            &admin,
            "/moderation/fusion",
            &[
                ("a", &ids[0]),
                ("b", &ids[1]),
                ("a_version", "1"),
                ("b_version", "1"),
                ("keep", "a"),
                ("pick_phone", "b"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/lieux/{}", ids[0]));
    let kept = app.get(None, &format!("/api/v1/places/{}", ids[0])).await.json();
    assert_eq!(kept["phone"], stored_phone.as_str(), "the phone chosen from the other record");
    let old = app.get(None, &format!("/lieux/{}", ids[1])).await;
    assert_eq!(old.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(old.location(), format!("/lieux/{}", ids[0]));
    // Merging again: the other record is gone.
    let r = app
        .post_form(
            &admin,
            "/moderation/fusion",
            &[("a", &ids[0]), ("b", &ids[1]), ("a_version", "2"), ("b_version", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn adding_a_place_that_is_already_there_warns_with_a_link_to_it() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut first = place_json("La Forge");
    first["status"] = json!("published");
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &first).await;
    let first_id = r.json()["id"].as_str().unwrap().to_owned();
    // The API answers with a warning naming the place it looks like.
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place_json("LA FORGE")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let warnings = r.json()["warnings"].clone();
    assert!(
        warnings.as_array().unwrap().iter().any(|w| w["code"] == "possible_duplicate"
            && w["message"].as_str().unwrap().contains("La Forge")),
        "{warnings}"
    );
    // The form sends to the new place's page, which links to the other one and to the merge.
    let contributor = app.user("claire@exemple.fr", false).await;
    let r = app
        .post_form(
            &contributor,
            "/lieux/nouveau",
            &[
                ("name", "Forge (La)"),
                ("types", "fablab"),
                ("postal_code", "42000"),
                ("commune_code", "42218"),
                ("address", "3 rue Javelin-Pagnon"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().ends_with("?doublon=1"), "{}", r.location());
    let page = app.get(Some(&contributor), &r.location()).await.text();
    assert!(page.contains(&format!("/lieux/{first_id}")), "a link to the place it looks like");
    assert!(!page.contains("/moderation/fusion"), "no merge link for someone who does not answer for both");
    // Not a duplicate (another name, another SIRET): no warning.
    let mut other = place_json("Médiathèque Jean-Moulin");
    other["siret"] = json!(null);
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &other).await;
    assert!(!r.body.contains("possible_duplicate"), "{}", r.body);
}
