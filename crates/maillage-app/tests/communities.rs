//! Communities of practice through the use cases, on SQLite and (with
//! MAILLAGE_TEST_POSTGRES_URL) PostgreSQL: profiles checked field by field, joining an open
//! community at once and one on approval through a referent (the second decision is a
//! conflict), the last referent kept, the feed written by members and moderated by
//! referents, and the filters of the list.

use maillage_app::communities::{CommunityFilter, Joined, Standing};
use maillage_app::mail::Mailer;
use maillage_app::{Actor, App, AppConfig, AppError};
use maillage_domain::community::{CommunityDomain, Expertise};
use maillage_domain::{CommunityInput, PublicationInput};
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

fn community(name: &str, join: &str) -> CommunityInput {
    CommunityInput {
        name: Some(name.into()),
        scope: Some("national".into()),
        summary: Some("Une communauté de pratiques entre tiers-lieux.".into()),
        domains: vec!["education".into()],
        expertises: vec!["co_design".into()],
        join_policy: Some(join.into()),
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
async fn only_administrators_create_and_a_bad_profile_names_each_field() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let someone = person(&app, "claire@exemple.fr", false).await;
    assert!(matches!(
        app.create_community(&someone, &community("X", "open")).await,
        Err(AppError::Forbidden)
    ));
    assert!(matches!(
        app.create_community(&Actor::Anonymous, &community("X", "open")).await,
        Err(AppError::Unauthenticated)
    ));
    let bad = CommunityInput {
        scope: Some("galactique".into()),
        areas: vec!["region:99".into()],
        ..community("", "x")
    };
    let Err(AppError::Validation(e)) = app.create_community(&admin, &bad).await else { panic!() };
    let mut fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["areas[0]", "join_policy", "name", "scope"]);
    assert!(app.communities(&CommunityFilter::default()).await.unwrap().is_empty(), "nothing half-stored");

    // A stale edit is a conflict; a fresh one bumps the version.
    let c = app.create_community(&admin, &community("Tiers-lieux éducatifs", "open")).await.unwrap();
    // Roles on a community are granted like any other (the command line's `user grant`),
    // and only on a community that exists; the count follows at once.
    use maillage_app::permissions::Grant;
    let unknown = maillage_domain::CommunityId::new();
    let e = app.grant_role(&admin, "claire@exemple.fr", Grant::referent(unknown)).await.unwrap_err();
    assert_eq!(field_error(e).0, "scope");
    app.grant_role(&admin, "claire@exemple.fr", Grant::referent(c.id)).await.unwrap();
    assert_eq!(app.community_detail(&Actor::Anonymous, c.id).await.unwrap().summary.members, 1);
    let mut edit = CommunityInput::of(&c);
    edit.summary = Some("Les tiers-lieux qui accueillent l'école.".into());
    let edited = app.update_community(&admin, c.id, &edit).await.unwrap();
    assert_eq!(edited.version, 2);
    assert!(matches!(app.update_community(&admin, c.id, &edit).await, Err(AppError::Conflict { .. })));
}

#[tokio::test]
async fn open_communities_take_members_at_once_others_wait_for_a_referent() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let open = app.create_community(&admin, &community("Ouverte", "open")).await.unwrap();
    let closed = app.create_community(&admin, &community("Sur validation", "approval")).await.unwrap();
    let referent = person(&app, "referente@exemple.fr", false).await;
    assert!(app.add_referent(&admin, closed.id, "referente@exemple.fr").await.unwrap());
    let referent = again(&app, &referent).await;
    let claire = person(&app, "claire@exemple.fr", false).await;

    assert_eq!(app.join_community(&claire, open.id, None).await.unwrap(), Joined::Member);
    let claire = again(&app, &claire).await;
    let e = app.join_community(&claire, open.id, None).await.unwrap_err();
    assert_eq!(field_error(e), ("community".into(), "already".into()));
    assert_eq!(app.community_detail(&Actor::Anonymous, open.id).await.unwrap().summary.members, 1);

    assert_eq!(app.join_community(&claire, closed.id, Some("Bonjour")).await.unwrap(), Joined::Requested);
    assert_eq!(app.community_detail(&claire, closed.id).await.unwrap().standing, Standing::Requested);
    let e = app.join_community(&claire, closed.id, None).await.unwrap_err();
    assert_eq!(field_error(e), ("community".into(), "already".into()));
    // Claire cannot write before she is accepted; the referent sees her request.
    let post = PublicationInput { title: Some("Bonjour".into()), body: Some("Premier message".into()) };
    assert!(matches!(app.publish_in_community(&claire, closed.id, &post).await, Err(AppError::Forbidden)));
    let detail = app.community_detail(&referent, closed.id).await.unwrap();
    let [request] = detail.pending.as_slice() else { panic!("{:?}", detail.pending) };
    assert_eq!(request.message, "Bonjour");
    // Someone who does not run the community cannot decide.
    assert!(matches!(
        app.decide_join_request(&claire, closed.id, request.user, true, request.version, None).await,
        Err(AppError::Forbidden)
    ));
    app.decide_join_request(&referent, closed.id, request.user, true, request.version, Some("Bienvenue"))
        .await
        .unwrap();
    assert!(matches!(
        app.decide_join_request(&admin, closed.id, request.user, false, request.version, None).await,
        Err(AppError::Conflict { .. })
    ));
    let claire = again(&app, &claire).await;
    assert_eq!(app.community_detail(&claire, closed.id).await.unwrap().standing, Standing::Member);
    let visitor_view = app.community_detail(&Actor::Anonymous, closed.id).await.unwrap();
    assert_eq!(visitor_view.summary.members, 2);
    assert!(visitor_view.members_list.is_empty(), "visitors see how many, not who");
    assert!(visitor_view.referents.iter().all(|r| r.email.is_none()), "no email for visitors");

    // The last referent stays; once another is named, the first may step down.
    let e = app.leave_community(&referent, closed.id, None).await.unwrap_err();
    assert_eq!(field_error(e), ("community".into(), "last_referent".into()));
    app.add_referent(&referent, closed.id, "claire@exemple.fr").await.unwrap();
    app.remove_referent(&referent, closed.id, "referente@exemple.fr").await.unwrap();
    let referent = again(&app, &referent).await;
    assert_eq!(app.community_detail(&referent, closed.id).await.unwrap().standing, Standing::Member);
    // A declined request says why, and may be made again.
    let paul = person(&app, "paul@exemple.fr", false).await;
    app.join_community(&paul, closed.id, None).await.unwrap();
    let claire = again(&app, &claire).await;
    let waiting = app.community_detail(&claire, closed.id).await.unwrap().pending[0].clone();
    app.decide_join_request(
        &claire,
        closed.id,
        waiting.user,
        false,
        waiting.version,
        Some("Réservé aux EPN"),
    )
    .await
    .unwrap();
    assert_eq!(
        app.community_detail(&paul, closed.id).await.unwrap().standing,
        Standing::Declined { message: "Réservé aux EPN".into() }
    );
    assert_eq!(app.join_community(&paul, closed.id, None).await.unwrap(), Joined::Requested);
    let data = app.my_personal_data(&paul).await.unwrap();
    let [request] = data.community_requests.as_slice() else { panic!("{:?}", data.community_requests) };
    assert_eq!((request.status, request.community_name.as_str()), ("requested", "Sur validation"));
}

#[tokio::test]
async fn members_write_in_the_feed_and_referents_remove_with_a_reason() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    let c = app.create_community(&admin, &community("Numérique", "open")).await.unwrap();
    app.add_referent(&admin, c.id, "admin@exemple.fr").await.unwrap();
    let claire = person(&app, "claire@exemple.fr", false).await;
    app.join_community(&claire, c.id, None).await.unwrap();
    let claire = again(&app, &claire).await;
    let bad = PublicationInput { title: None, body: Some(String::new()) };
    let Err(AppError::Validation(e)) = app.publish_in_community(&claire, c.id, &bad).await else { panic!() };
    assert_eq!(e.errors.len(), 2, "title and body named");
    for n in 1..=12 {
        let input =
            PublicationInput { title: Some(format!("Note {n}")), body: Some(format!("Texte **{n}**")) };
        app.publish_in_community(&claire, c.id, &input).await.unwrap();
    }
    let first = app.community_feed(&Actor::Anonymous, c.id, 1).await.unwrap();
    assert_eq!(first.total, 12);
    assert_eq!(first.publications.len(), 10);
    assert_eq!(first.publications[0].title, "Note 12", "newest first");
    assert_eq!(first.publications[0].author_name, "claire@exemple.fr");
    assert_eq!(app.community_feed(&Actor::Anonymous, c.id, 2).await.unwrap().publications.len(), 2);

    // Someone else cannot remove it; its referent can, with a reason; removing twice is a conflict.
    let paul = person(&app, "paul@exemple.fr", false).await;
    let newest = first.publications[0].id;
    assert!(matches!(app.remove_publication(&paul, c.id, newest, None).await, Err(AppError::Forbidden)));
    let admin = again(&app, &admin).await;
    app.remove_publication(&admin, c.id, newest, Some("Hors sujet")).await.unwrap();
    assert!(matches!(
        app.remove_publication(&admin, c.id, newest, None).await,
        Err(AppError::Conflict { .. })
    ));
    let public = app.community_feed(&Actor::Anonymous, c.id, 1).await.unwrap();
    assert_eq!((public.total, public.publications[0].title.as_str()), (11, "Note 11"));
    let moderated = app.community_feed(&admin, c.id, 1).await.unwrap();
    assert_eq!(moderated.total, 12, "referents still see what they removed");
    assert_eq!(moderated.publications[0].removal_reason, "Hors sujet");
    // The author finds what they wrote, and what was removed and why, in their data.
    let data = app.my_personal_data(&claire).await.unwrap();
    assert_eq!(data.publications.len(), 12);
    let removed = data.publications.iter().find(|p| p.title == "Note 12").unwrap();
    assert_eq!(
        (removed.removal_reason.as_str(), removed.community_name.as_str()),
        ("Hors sujet", "Numérique")
    );
    // The author removes their own.
    app.remove_publication(&claire, c.id, public.publications[0].id, None).await.unwrap();
    assert_eq!(app.community_feed(&Actor::Anonymous, c.id, 1).await.unwrap().total, 10);
}

#[tokio::test]
async fn the_list_filters_by_domain_expertise_scope_and_text() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let admin = person(&app, "admin@exemple.fr", true).await;
    app.create_community(&admin, &community("Tiers-lieux éducatifs", "open")).await.unwrap();
    let culture = CommunityInput {
        domains: vec!["culture".into()],
        expertises: vec!["impact_measurement".into()],
        scope: Some("regional".into()),
        areas: vec!["region:53".into()],
        other_expertises: Some("Médiation culturelle".into()),
        ..community("Culture en Bretagne", "approval")
    };
    app.create_community(&admin, &culture).await.unwrap();
    let names = |list: Vec<maillage_app::communities::CommunitySummary>| {
        list.into_iter().map(|c| c.name).collect::<Vec<_>>()
    };
    let all = app.communities(&CommunityFilter::default()).await.unwrap();
    assert_eq!(names(all), ["Culture en Bretagne", "Tiers-lieux éducatifs"]);
    let by_domain = CommunityFilter { domain: Some(CommunityDomain::Education), ..Default::default() };
    assert_eq!(names(app.communities(&by_domain).await.unwrap()), ["Tiers-lieux éducatifs"]);
    let by_expertise =
        CommunityFilter { expertise: Some(Expertise::ImpactMeasurement), ..Default::default() };
    assert_eq!(names(app.communities(&by_expertise).await.unwrap()), ["Culture en Bretagne"]);
    let by_text = CommunityFilter { text: Some("mediation".into()), ..Default::default() };
    assert_eq!(
        names(app.communities(&by_text).await.unwrap()),
        ["Culture en Bretagne"],
        "its own expertises are searched"
    );
    let by_scope = CommunityFilter {
        scope: Some(maillage_domain::community::CommunityScope::National),
        ..Default::default()
    };
    assert_eq!(names(app.communities(&by_scope).await.unwrap()), ["Tiers-lieux éducatifs"]);
    let long = CommunityFilter { text: Some("a".repeat(201)), ..Default::default() };
    assert!(matches!(app.communities(&long).await, Err(AppError::Validation(_))));
}

#[tokio::test]
async fn the_demo_brings_communities_with_feeds_members_and_requests_and_takes_them_away() {
    let outbox = tempfile::tempdir().unwrap();
    let (_db, app) = fresh_app(&outbox).await;
    let summary = app.load_demo(200, 2026, &|_, _| {}).await.unwrap();
    assert_eq!(summary.communities, 4);
    let all = app.communities(&CommunityFilter::default()).await.unwrap();
    assert_eq!(all.len(), 4);
    let educational = all.iter().find(|c| c.name == "Tiers-lieux éducatifs").unwrap();
    assert!(educational.members >= 10, "{}", educational.members);
    let feed = app.community_feed(&Actor::Anonymous, educational.id, 1).await.unwrap();
    assert!(feed.total >= 3);
    assert!(feed.publications.iter().all(|p| !p.author_name.is_empty()), "authors are named");
    assert!(feed.publications.windows(2).all(|w| w[0].created_at >= w[1].created_at), "newest first");
    // Its referent (a demo coordinator) sees the requests waiting.
    let detail = app.community_detail(&Actor::Anonymous, educational.id).await.unwrap();
    let referent = &detail.referents[0];
    let admin = person(&app, "admin@exemple.fr", true).await;
    let full = app.community_detail(&admin, educational.id).await.unwrap();
    let email = full.referents.iter().find(|r| r.name == referent.name).unwrap().email.clone().unwrap();
    let session = app.login(&email, "demo-maillage", "test").await.unwrap();
    let referent = app.actor_of(&session.user).await.unwrap();
    assert_eq!(app.community_detail(&referent, educational.id).await.unwrap().pending.len(), 2);

    app.remove_demo(&admin).await.unwrap();
    assert!(
        app.communities(&CommunityFilter::default()).await.unwrap().is_empty(),
        "the demo takes them away"
    );
}
