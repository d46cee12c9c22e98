//! Networks through the use cases, on SQLite and (with MAILLAGE_TEST_POSTGRES_URL)
//! PostgreSQL: the tree and its cycles, territories checked against the reference data,
//! membership requests and decisions (the second of two decisions is a conflict),
//! coordinators acting on their network's places, and the network's figures.

use maillage_app::mail::Mailer;
use maillage_app::permissions::Grant;
use maillage_app::{Actor, App, AppConfig, AppError};
use maillage_domain::{MembershipStatus, NetworkInput, PlaceInput, PlaceStatus};
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

async fn again(app: &App, actor: &Actor) -> Actor {
    app.actor_of(actor.user().unwrap()).await.unwrap()
}

fn network(name: &str, kind: &str, areas: &[&str], parent: Option<String>) -> NetworkInput {
    NetworkInput {
        name: Some(name.into()),
        kind: Some(kind.into()),
        areas: areas.iter().map(|a| (*a).to_owned()).collect(),
        parent,
        ..Default::default()
    }
}

fn place(name: &str) -> PlaceInput {
    PlaceInput {
        name: Some(name.into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        latitude: Some(45.4397),
        longitude: Some(4.3872),
        status: Some("published".into()),
        ..Default::default()
    }
}

fn field_error(e: AppError) -> (String, String) {
    match e {
        AppError::Validation(v) => (v.errors[0].field.clone(), v.errors[0].code.to_string()),
        other => panic!("a field error, not {other:?}"),
    }
}

#[tokio::test]
async fn the_tree_refuses_cycles_and_unknown_territories() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let national =
        app.create_network(&admin, &network("France Tiers-Lieux", "national", &[], None)).await.unwrap();
    let region = app
        .create_network(
            &admin,
            &network("Tiers-lieux AURA", "regional", &["region:84"], Some(national.id.to_string())),
        )
        .await
        .unwrap();
    let loire = app
        .create_network(
            &admin,
            &network("Loire", "departmental", &["departement:42"], Some(region.id.to_string())),
        )
        .await
        .unwrap();

    // The national network cannot move under its own grandchild.
    let mut input = NetworkInput::of(&national);
    input.parent = Some(loire.id.to_string());
    let e = app.update_network(&admin, national.id, &input).await.unwrap_err();
    assert_eq!(field_error(e), ("parent".into(), "cycle".into()));
    let mut input = NetworkInput::of(&region);
    input.parent = Some(region.id.to_string());
    assert_eq!(field_error(app.update_network(&admin, region.id, &input).await.unwrap_err()).1, "cycle");

    // Régions and départements share codes; a code that is neither is refused.
    let e = app
        .create_network(&admin, &network("Nulle part", "regional", &["region:99"], None))
        .await
        .unwrap_err();
    assert_eq!(field_error(e), ("areas[0]".into(), "unknown_area".into()));
    let e = app.create_network(&admin, &network("Sans niveau", "regional", &["53"], None)).await.unwrap_err();
    assert_eq!(field_error(e), ("areas[0]".into(), "invalid_area".into()));

    // A stale edit is a conflict, never an overwrite.
    let mut stale = NetworkInput::of(&loire);
    stale.summary = Some("Première".into());
    app.update_network(&admin, loire.id, &stale).await.unwrap();
    stale.summary = Some("Seconde".into());
    assert!(matches!(
        app.update_network(&admin, loire.id, &stale).await,
        Err(AppError::Conflict { current: 2 })
    ));

    // The tree as a page shows it.
    let detail = app.network_detail(&Actor::Anonymous, loire.id).await.unwrap();
    let names: Vec<&str> = detail.ancestors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, vec!["Tiers-lieux AURA", "France Tiers-Lieux"]);
    let detail = app.network_detail(&Actor::Anonymous, national.id).await.unwrap();
    assert_eq!(detail.sub_networks.len(), 1);
}

#[tokio::test]
async fn a_place_joins_when_a_coordinator_accepts_and_a_second_decision_is_a_conflict() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let region = app
        .create_network(&admin, &network("Tiers-lieux AURA", "regional", &["region:84"], None))
        .await
        .unwrap();
    let loire = app
        .create_network(
            &admin,
            &network("Loire", "departmental", &["departement:42"], Some(region.id.to_string())),
        )
        .await
        .unwrap();
    let coordinator = person(&app, "coord@exemple.fr", false).await;
    assert!(app.add_coordinator(&admin, region.id, "coord@exemple.fr").await.unwrap());
    let coordinator = again(&app, &coordinator).await;
    let manager = person(&app, "gestion@exemple.fr", false).await;
    let (forge, _) = app.create_place(&admin, &place("La Forge")).await.unwrap();
    app.grant_role(&admin, "gestion@exemple.fr", Grant::manager(forge.id)).await.unwrap();
    let manager = again(&app, &manager).await;

    // A stranger cannot ask for someone else's place.
    let stranger = person(&app, "autre@exemple.fr", false).await;
    assert!(matches!(
        app.ask_to_join(&stranger, forge.id, &loire.id.to_string(), None).await,
        Err(AppError::Forbidden)
    ));
    let asked = app.ask_to_join(&manager, forge.id, &loire.id.to_string(), Some("Bonjour")).await.unwrap();
    assert_eq!(asked.status, MembershipStatus::Requested);
    let e = app.ask_to_join(&manager, forge.id, &loire.id.to_string(), None).await.unwrap_err();
    assert_eq!(field_error(e), ("place".into(), "already".into()));

    // Before the decision the regional coordinator cannot edit the place; the manager
    // cannot decide on their own request.
    assert!(!app.may_edit(&coordinator, forge.id).await.unwrap());
    assert!(matches!(
        app.decide_membership(&manager, loire.id, forge.id, true, asked.version, None).await,
        Err(AppError::Forbidden)
    ));
    // The coordinator of the parent network decides; a second decision on the same
    // version is a conflict.
    let decided =
        app.decide_membership(&coordinator, loire.id, forge.id, true, asked.version, None).await.unwrap();
    assert_eq!(decided.status, MembershipStatus::Member);
    assert!(matches!(
        app.decide_membership(&admin, loire.id, forge.id, false, asked.version, Some("Non")).await,
        Err(AppError::Conflict { .. })
    ));
    // Both sides find the request in their personal-data download, with what they wrote.
    let mine = app.my_personal_data(&manager).await.unwrap();
    let [asked_row] = mine.network_memberships.as_slice() else { panic!("{:?}", mine.network_memberships) };
    assert_eq!((asked_row.network_name.as_str(), asked_row.place_name.as_str()), ("Loire", "La Forge"));
    assert!(asked_row.asked_by_you && !asked_row.decided_by_you);
    assert_eq!((asked_row.message.as_str(), asked_row.status), ("Bonjour", "member"));
    let theirs = app.my_personal_data(&coordinator).await.unwrap();
    assert!(theirs.network_memberships.iter().any(|m| m.decided_by_you && !m.asked_by_you));
    assert!(app.my_personal_data(&stranger).await.unwrap().network_memberships.is_empty());

    // Now the coordinator answers for the place, through the sub-network.
    assert!(app.may_edit(&coordinator, forge.id).await.unwrap());
    assert!(app.may_publish(&coordinator, Some(&forge)).await.unwrap());
    let detail = app.network_detail(&Actor::Anonymous, region.id).await.unwrap();
    assert_eq!(detail.summary.places, 1, "a sub-network's places count for its parent");

    // Figures over the regional territory.
    let figures = app.network_figures(region.id, 10.0).await.unwrap();
    assert_eq!(figures.places, 1);
    assert_eq!(figures.by_departement[0].code, "42");
    let share = figures.covered_share.unwrap();
    assert!(share > 0.0 && share < 0.2, "{share}");
    assert!(figures.white_zones_total > 1000);
    assert!(matches!(app.network_figures(region.id, 0.0).await, Err(AppError::Validation(_))));

    // An archived member no longer counts among the places visitors see.
    let forge_now = app.place(&admin, forge.id).await.unwrap();
    let archived = app.archive_place(&admin, forge.id, forge_now.version).await.unwrap();
    assert_eq!(app.network_detail(&Actor::Anonymous, region.id).await.unwrap().summary.places, 0);
    let mut back = PlaceInput::from(&archived);
    back.status = Some("published".into());
    app.update_place(&admin, forge.id, &back).await.unwrap();
    assert_eq!(app.network_detail(&Actor::Anonymous, region.id).await.unwrap().summary.places, 1);

    // Leaving takes the rights back.
    app.leave_network(&manager, loire.id, forge.id).await.unwrap();
    assert!(!app.may_edit(&coordinator, forge.id).await.unwrap());
    assert!(matches!(app.leave_network(&manager, loire.id, forge.id).await, Err(AppError::NotFound)));
}

#[tokio::test]
async fn drafts_do_not_join_and_invitations_wait_for_the_place_team() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let loire = app
        .create_network(&admin, &network("Loire", "departmental", &["departement:42"], None))
        .await
        .unwrap();
    let coordinator = person(&app, "coord@exemple.fr", false).await;
    app.add_coordinator(&admin, loire.id, "coord@exemple.fr").await.unwrap();
    let coordinator = again(&app, &coordinator).await;
    let manager = person(&app, "gestion@exemple.fr", false).await;
    let (draft, _) =
        app.create_place(&manager, &PlaceInput { status: None, ..place("Brouillon") }).await.unwrap();
    assert_eq!(draft.status, PlaceStatus::Draft);
    let manager = again(&app, &manager).await;
    let e = app.ask_to_join(&manager, draft.id, &loire.id.to_string(), None).await.unwrap_err();
    assert_eq!(field_error(e), ("place".into(), "not_published".into()));

    let (forge, _) = app.create_place(&admin, &place("La Forge")).await.unwrap();
    let invited = app
        .invite_place(&coordinator, loire.id, &format!("https://exemple.fr/lieux/{}", forge.id), None)
        .await
        .unwrap();
    assert_eq!(invited.status, MembershipStatus::Invited);
    // The coordinator cannot answer their own invitation for a place they do not manage.
    assert!(matches!(
        app.decide_membership(&coordinator, loire.id, forge.id, true, invited.version, None).await,
        Err(AppError::Forbidden)
    ));
    let e = app.invite_place(&coordinator, loire.id, "pas-un-lieu", None).await.unwrap_err();
    assert_eq!(field_error(e), ("place".into(), "unknown".into()));
    // Contributors cannot create top networks.
    assert!(matches!(
        app.create_network(&manager, &network("Le mien", "thematic", &[], None)).await,
        Err(AppError::Forbidden)
    ));
    // A coordinator creates a sub-network and coordinates it.
    let sub = app
        .create_network(
            &coordinator,
            &network("Saint-Étienne", "thematic", &["commune:42218"], Some(loire.id.to_string())),
        )
        .await
        .unwrap();
    let coordinator = again(&app, &coordinator).await;
    assert!(coordinator.roles().holds(&Grant::coordinator(sub.id)));
}

#[tokio::test]
async fn the_demo_brings_networks_whose_coordinators_decide_within_their_network_only() {
    use maillage_app::networks::NetworkFilter;
    use maillage_domain::NetworkKind;
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let summary = app.load_demo(400, 2026, &|_, _| {}).await.unwrap();
    assert!(summary.networks >= 20, "{summary:?}");
    let all = app.networks(&NetworkFilter::default()).await.unwrap();
    assert_eq!(all.len(), summary.networks);
    let of_kind = |k: NetworkKind| all.iter().filter(|n| n.kind == k).count();
    assert_eq!(of_kind(NetworkKind::National), 1);
    assert_eq!(of_kind(NetworkKind::Regional), 13);
    let national = all.iter().find(|n| n.kind == NetworkKind::National).unwrap();
    assert_eq!(national.sub_networks, 13);
    assert!(national.places > 150, "the regional networks' places count for the national one");

    let bretagne = all.iter().find(|n| n.name == "Tiers-lieux de Bretagne").unwrap();
    let normandie = all.iter().find(|n| n.name == "Tiers-lieux de Normandie").unwrap();
    assert_eq!(bretagne.parent.as_ref().map(|p| p.id), Some(national.id));
    let session =
        app.login("coordination.bretagne@demo.maillage.example", "demo-maillage", "test").await.unwrap();
    let coordinator = app.actor_of(&session.user).await.unwrap();
    let detail = app.network_detail(&coordinator, bretagne.id).await.unwrap();
    assert_eq!(detail.coordinators.len(), 1);
    let Some(waiting) = detail.pending.iter().find(|m| m.status == MembershipStatus::Requested) else {
        panic!("the Breton coordinator has requests to decide: {:?}", detail.pending)
    };
    // Visitors see who coordinates, not the queue.
    assert!(app.network_detail(&Actor::Anonymous, bretagne.id).await.unwrap().pending.is_empty());
    let decided = app
        .decide_membership(&coordinator, bretagne.id, waiting.place, true, waiting.version, Some("Bienvenue"))
        .await
        .unwrap();
    assert_eq!(decided.status, MembershipStatus::Member);
    // Another région's queue is not theirs.
    let other = app.network_detail(&Actor::Anonymous, normandie.id).await.unwrap();
    assert!(other.pending.is_empty());
    let admin = person(&app, "admin@exemple.fr", true).await;
    let theirs = app.network_detail(&admin, normandie.id).await.unwrap();
    let first = theirs.pending.iter().find(|m| m.status == MembershipStatus::Requested).unwrap();
    assert!(matches!(
        app.decide_membership(&coordinator, normandie.id, first.place, true, first.version, None).await,
        Err(AppError::Forbidden)
    ));
    // The national figures cover the member places of the whole tree.
    let figures = app.network_figures(national.id, 10.0).await.unwrap();
    assert_eq!(
        figures.places,
        app.network_detail(&Actor::Anonymous, national.id).await.unwrap().summary.places
    );
    assert!(figures.covered_share.unwrap() > 0.1);

    // Loading the demo again replaces it: same counts, no leftovers.
    let again = app.load_demo(400, 2026, &|_, _| {}).await.unwrap();
    assert_eq!(again.networks, summary.networks);
    assert_eq!(app.networks(&NetworkFilter::default()).await.unwrap().len(), summary.networks);
}
