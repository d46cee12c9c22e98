//! Contribution and moderation through the use cases, on SQLite and (with
//! MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: an edit proposed by someone who does not answer
//! for the place waits in the queue of those who do, is applied with the proposer credited
//! (the second decision is a conflict, nobody decides on their own, a place changed since
//! is refused and nothing is written), and problems reported by visitors are resolved.

use maillage_app::mail::Mailer;
use maillage_app::permissions::Grant;
use maillage_app::{Actor, App, AppConfig, AppError};
use maillage_domain::{PlaceInput, PlaceStatus};
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

fn place(name: &str) -> PlaceInput {
    PlaceInput {
        name: Some(name.into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        status: Some("published".into()),
        ..Default::default()
    }
}

fn field_error(e: AppError) -> (String, String) {
    match e {
        AppError::Validation(v) => (v.errors[0].field.clone(), v.errors[0].code.to_owned()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_proposed_edit_waits_for_the_manager_then_applies_with_the_proposer_credited() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let (forge, _) = app.create_place(&admin, &place("La Forge")).await.unwrap();
    app.grant_role(&admin, "gestion@exemple.fr", Grant::manager(forge.id)).await.unwrap_err();
    let manager = person(&app, "gestion@exemple.fr", false).await;
    app.grant_role(&admin, "gestion@exemple.fr", Grant::manager(forge.id)).await.unwrap();
    let manager = app.actor_of(manager.user().unwrap()).await.unwrap();
    let claire = person(&app, "claire@exemple.fr", false).await;

    // Visitors sign in first; a bad proposal names its fields and stores nothing.
    let mut edit = PlaceInput::from(&forge);
    edit.opening_hours = Some("Mo-Fr 10:00-18:00".into());
    assert!(matches!(
        app.propose_edit(&Actor::Anonymous, forge.id, &edit, None).await,
        Err(AppError::Unauthenticated)
    ));
    let bad = PlaceInput { name: Some(String::new()), ..edit.clone() };
    assert_eq!(field_error(app.propose_edit(&claire, forge.id, &bad, None).await.unwrap_err()).0, "name");
    let same = PlaceInput::from(&forge);
    assert_eq!(
        field_error(app.propose_edit(&claire, forge.id, &same, None).await.unwrap_err()).1,
        "unchanged"
    );
    // Those who answer for the place edit it directly.
    assert_eq!(
        field_error(app.propose_edit(&manager, forge.id, &edit, None).await.unwrap_err()).1,
        "may_edit"
    );

    let proposal = app.propose_edit(&claire, forge.id, &edit, Some("Les horaires ont changé")).await.unwrap();
    // Claire's queue is empty; the manager's has the proposal with its change.
    assert!(app.moderation_queue(&claire).await.unwrap().proposals.is_empty());
    let queue = app.moderation_queue(&manager).await.unwrap();
    let [view] = queue.proposals.as_slice() else { panic!("{:?}", queue.proposals) };
    assert_eq!(view.proposer_name, "claire@exemple.fr");
    assert_eq!(view.changes.len(), 1);
    assert_eq!(view.changes[0].field, "opening_hours");
    assert!(!view.stale && !view.own);
    // The proposer cannot decide, nor a stranger; the manager accepts; a second decision conflicts.
    let stranger = person(&app, "paul@exemple.fr", false).await;
    assert!(matches!(
        app.decide_proposal(&stranger, proposal.id, true, 1, None).await,
        Err(AppError::Forbidden)
    ));
    app.decide_proposal(&manager, proposal.id, true, 1, None).await.unwrap();
    assert!(matches!(
        app.decide_proposal(&admin, proposal.id, false, 1, Some("Non")).await,
        Err(AppError::Conflict { .. })
    ));
    let now = app.place(&Actor::Anonymous, forge.id).await.unwrap();
    assert_eq!(now.data.opening_hours.as_ref().map(|h| h.as_str()), Some("Mo-Fr 10:00-18:00"));
    assert_eq!(now.status, PlaceStatus::Published, "a proposal does not change the status");
    let history = app.history(&admin, forge.id).await.unwrap();
    assert!(
        history.entries.iter().any(|e| e.author.name.as_deref() == Some("claire@exemple.fr")),
        "the proposer is credited"
    );
    assert!(app.moderation_queue(&manager).await.unwrap().proposals.is_empty());
    // The proposer finds it, decided, in their data.
    let data = app.my_personal_data(&claire).await.unwrap();
    assert_eq!(data.proposals.len(), 1);
    assert_eq!(data.proposals[0].status, maillage_domain::moderation::ItemStatus::Accepted);
    assert_eq!(data.proposals[0].message, "Les horaires ont changé");
}

#[tokio::test]
async fn a_proposal_on_a_place_changed_since_is_refused_and_rejecting_needs_a_reason() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let (forge, _) = app.create_place(&admin, &place("La Forge")).await.unwrap();
    let claire = person(&app, "claire@exemple.fr", false).await;
    let mut edit = PlaceInput::from(&forge);
    edit.summary = Some("Un fablab associatif".into());
    let proposal = app.propose_edit(&claire, forge.id, &edit, None).await.unwrap();
    // Someone edits the place meanwhile.
    let mut rename = PlaceInput::from(&forge);
    rename.name = Some("La Forge numérique".into());
    app.update_place(&admin, forge.id, &rename).await.unwrap();
    assert!(app.moderation_queue(&admin).await.unwrap().proposals[0].stale);
    let e = app.decide_proposal(&admin, proposal.id, true, 1, None).await.unwrap_err();
    assert_eq!(field_error(e).1, "stale");
    let now = app.place(&admin, forge.id).await.unwrap();
    assert_eq!(
        (now.data.name.as_str(), now.data.summary.as_str()),
        ("La Forge numérique", ""),
        "nothing written"
    );
    let e = app.decide_proposal(&admin, proposal.id, false, 1, None).await.unwrap_err();
    assert_eq!(field_error(e), ("reason".into(), "required".into()));
    app.decide_proposal(&admin, proposal.id, false, 1, Some("Le lieu a changé depuis")).await.unwrap();
    // The proposer cannot decide on their own even once they answer for the place.
    let second = app
        .propose_edit(&claire, forge.id, &PlaceInput { version: Some(now.version), ..edit }, None)
        .await
        .unwrap();
    app.grant_role(&admin, "claire@exemple.fr", Grant::manager(forge.id)).await.unwrap();
    let claire = app.actor_of(claire.user().unwrap()).await.unwrap();
    assert_eq!(
        field_error(app.decide_proposal(&claire, second.id, true, 1, None).await.unwrap_err()).1,
        "own"
    );
}

#[tokio::test]
async fn visitors_report_problems_and_those_who_answer_for_the_place_resolve_them() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let (forge, _) = app.create_place(&admin, &place("La Forge")).await.unwrap();
    let e = app.report_problem(&Actor::Anonymous, forge.id, "ferme", None).await.unwrap_err();
    assert_eq!(field_error(e), ("kind".into(), "unknown".into()));
    let e = app.report_problem(&Actor::Anonymous, forge.id, "other", Some("  ")).await.unwrap_err();
    assert_eq!(field_error(e), ("message".into(), "required".into()), "other needs a message");
    let report =
        app.report_problem(&Actor::Anonymous, forge.id, "closed", Some("Fermé depuis juin")).await.unwrap();
    // A draft cannot be reported by those who cannot see it.
    let (draft, _) =
        app.create_place(&admin, &PlaceInput { status: None, ..place("Brouillon") }).await.unwrap();
    assert!(matches!(
        app.report_problem(&Actor::Anonymous, draft.id, "closed", None).await,
        Err(AppError::NotFound)
    ));

    let queue = app.moderation_queue(&admin).await.unwrap();
    assert_eq!(queue.reports.len(), 1);
    assert_eq!(queue.reports[0].place_name, "La Forge");
    assert_eq!(queue.drafts_total, 1, "the administrator sees the draft to publish");
    let stranger = person(&app, "paul@exemple.fr", false).await;
    assert!(app.moderation_queue(&stranger).await.unwrap().is_empty());
    assert!(matches!(app.decide_report(&stranger, report.id, true, 1, None).await, Err(AppError::Forbidden)));
    app.decide_report(&admin, report.id, true, 1, Some("Archivé")).await.unwrap();
    assert!(matches!(
        app.decide_report(&admin, report.id, false, 1, None).await,
        Err(AppError::Conflict { .. })
    ));
    assert!(app.moderation_queue(&admin).await.unwrap().reports.is_empty());
}

#[tokio::test]
async fn the_demo_fills_a_managers_queue_with_a_proposal_and_a_report() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    app.load_demo(300, 2026, &|_, _| {}).await.unwrap();
    let admin = person(&app, "admin@exemple.fr", true).await;
    let queue = app.moderation_queue(&admin).await.unwrap();
    assert!(!queue.proposals.is_empty() && !queue.reports.is_empty(), "{queue:?}");
    assert!(queue.proposals.iter().all(|p| !p.changes.is_empty() && !p.stale));
    // The manager of the first proposal's place sees it too, and may apply it.
    let first = &queue.proposals[0];
    let users = app.list_users(&admin).await.unwrap();
    let mut seen = false;
    for u in users.iter().filter(|u| u.user.email.as_str().starts_with("gestion.")) {
        let actor = app.actor_of(&u.user).await.unwrap();
        let theirs = app.moderation_queue(&actor).await.unwrap();
        if theirs.proposals.iter().any(|p| p.proposal.id == first.proposal.id) {
            app.decide_proposal(&actor, first.proposal.id, true, first.proposal.version, None).await.unwrap();
            seen = true;
            break;
        }
    }
    assert!(seen, "a demo manager answers for the proposal's place");
}

#[tokio::test]
async fn a_place_added_twice_is_a_potential_duplicate_until_marked_otherwise() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let with_address = |name: &str, address: &str| PlaceInput {
        address: Some(address.into()),
        latitude: Some(45.4397),
        longitude: Some(4.3872),
        ..place(name)
    };
    let (a, _) =
        app.create_place(&admin, &with_address("Fablab La Forge", "12 rue de la République")).await.unwrap();
    let (b, _) =
        app.create_place(&admin, &with_address("LA FORGE", "12, Rue de la République")).await.unwrap();
    app.create_place(&admin, &with_address("Médiathèque Jean-Moulin", "3 place de la Mairie")).await.unwrap();
    let pairs = app.potential_duplicates(&admin).await.unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    let ids = [pairs[0].a.id, pairs[0].b.id];
    assert!(ids.contains(&a.id) && ids.contains(&b.id));
    // Someone who answers for neither does not see it, nor may mark it.
    let stranger = person(&app, "paul@exemple.fr", false).await;
    assert!(app.potential_duplicates(&stranger).await.unwrap().is_empty());
    assert!(matches!(app.mark_not_duplicates(&stranger, a.id, b.id).await, Err(AppError::Forbidden)));
    app.mark_not_duplicates(&admin, b.id, a.id).await.unwrap();
    assert!(app.potential_duplicates(&admin).await.unwrap().is_empty(), "remembered, whichever order");
    assert_eq!(field_error(app.mark_not_duplicates(&admin, a.id, a.id).await.unwrap_err()).1, "same");
}

#[tokio::test]
async fn merging_keeps_one_place_with_the_fields_chosen_and_every_link_of_both() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let (a, _) = app
        .create_place(&admin, &PlaceInput { summary: Some("Fablab".into()), ..place("La Forge") })
        .await
        .unwrap();
    let (b, _) = app
        .create_place(&admin, &PlaceInput { phone: Some("04 77 00 00 00".into()), ..place("LA FORGE") })
        .await
        .unwrap();
    // b is in a network, has a manager and a report.
    let network = app
        .create_network(
            &admin,
            &maillage_domain::NetworkInput {
                name: Some("Réseau de la Loire".into()),
                kind: Some("departmental".into()),
                areas: vec!["departement:42".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    app.invite_place(&admin, network.id, &b.id.to_string(), None).await.unwrap();
    let manager = person(&app, "gestion@exemple.fr", false).await;
    app.grant_role(&admin, "gestion@exemple.fr", Grant::manager(b.id)).await.unwrap();
    app.report_problem(&Actor::Anonymous, b.id, "hours", None).await.unwrap();

    // A stale version changes nothing.
    let e = app.merge_places(&admin, a.id, a.version, b.id, 99, &["phone".into()]).await.unwrap_err();
    assert!(matches!(e, AppError::Conflict { .. }));
    assert!(app.place(&admin, b.id).await.is_ok(), "nothing merged");
    let e = app.merge_places(&admin, a.id, a.version, b.id, b.version, &["secret".into()]).await.unwrap_err();
    assert_eq!(field_error(e).0, "fields");

    let merged = app.merge_places(&admin, a.id, a.version, b.id, b.version, &["phone".into()]).await.unwrap();
    assert_eq!(merged.id, a.id);
    assert_eq!(merged.data.name, "La Forge", "the kept place's name");
    assert_eq!(merged.data.summary, "Fablab");
    assert!(merged.data.phone.is_some(), "the other's phone, as chosen");
    assert!(matches!(app.place(&admin, b.id).await, Err(AppError::NotFound)));
    assert_eq!(app.merged_into(b.id).await.unwrap(), Some(a.id), "the other's address leads to the kept one");
    // Its links moved: the network, the manager, the report, the history.
    let networks = app.place_networks(a.id).await.unwrap();
    assert_eq!(networks.len(), 1, "{networks:?}");
    let manager = app.actor_of(manager.user().unwrap()).await.unwrap();
    assert!(app.may_edit(&manager, a.id).await.unwrap(), "the other's manager manages the kept place");
    let queue = app.moderation_queue(&admin).await.unwrap();
    assert_eq!(queue.reports.len(), 1);
    assert_eq!(queue.reports[0].report.place, a.id);
    let history = app.history(&admin, a.id).await.unwrap();
    assert!(history.entries.len() >= 3, "both creations and the merge: {}", history.entries.len());
    assert!(app.potential_duplicates(&admin).await.unwrap().is_empty());
}
