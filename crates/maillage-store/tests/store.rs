//! Storage behaviour, run on SQLite and (with MAILLAGE_TEST_POSTGRES_URL) on PostgreSQL.

use chrono::Utc;
use maillage_domain::fields::Email;
use maillage_domain::history::Author;
use maillage_domain::user::User;
use maillage_domain::vocab::{PlaceType, Service};
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance, UserId};
use maillage_store::testing::fresh_store;

mod common;
use common::place;
use maillage_store::{ImportOutcome, PlaceFilter, PlaceSort, StoreError, UserRecord};

#[tokio::test]
async fn a_stored_place_reads_back_identical() {
    let db = fresh_store().await.unwrap();
    let p = place("La Forge", &[PlaceType::Fablab], "42", 45.43, 4.39);
    db.store.insert_place(&p, &Author::System).await.unwrap();
    let back = db.store.place(p.id).await.unwrap().unwrap();
    assert_eq!(back.data, p.data);
    assert_eq!(back.id, p.id);
    assert_eq!(back.status, PlaceStatus::Published);
    assert!(db.store.place(PlaceId::new()).await.unwrap().is_none());
}

#[tokio::test]
async fn filters_combine_type_departement_and_text() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    s.insert_place(
        &place("Fabrique numérique du Pilat", &[PlaceType::FabriqueNumerique], "42", 45.4, 4.4),
        &Author::System,
    )
    .await
    .unwrap();
    s.insert_place(
        &place("Coworking des Canuts", &[PlaceType::Coworking], "69", 45.77, 4.83),
        &Author::System,
    )
    .await
    .unwrap();
    s.insert_place(&place("Fablab de la Loire", &[PlaceType::Fablab], "42", 45.5, 4.3), &Author::System)
        .await
        .unwrap();
    let mut draft = place("Fabrique brouillon", &[PlaceType::FabriqueNumerique], "42", 45.4, 4.4);
    draft.status = PlaceStatus::Draft;
    s.insert_place(&draft, &Author::System).await.unwrap();

    let by_dep = s
        .list_places(&PlaceFilter { departement: Some("42".into()), ..Default::default() }, 0, 50)
        .await
        .unwrap();
    assert_eq!(by_dep.total, 2, "drafts are not listed by default");
    let names: Vec<_> = by_dep.places.iter().map(|p| p.data.name.as_str()).collect();
    assert_eq!(names, ["Fablab de la Loire", "Fabrique numérique du Pilat"]);

    let text = PlaceFilter {
        text: Some(maillage_search::Query::parse("fabriques numeriques")),
        sort: PlaceSort::Relevance,
        ..Default::default()
    };
    let found = s.list_places(&text, 0, 50).await.unwrap();
    assert_eq!(found.places.len(), 1);
    assert_eq!(found.places[0].data.name, "Fabrique numérique du Pilat");

    let typed = PlaceFilter { types: vec![PlaceType::Coworking, PlaceType::Fablab], ..Default::default() };
    assert_eq!(s.list_places(&typed, 0, 50).await.unwrap().total, 2);

    let prefix = PlaceFilter { text: Some(maillage_search::Query::parse("cowo")), ..Default::default() };
    assert_eq!(s.list_places(&prefix, 0, 50).await.unwrap().places[0].data.name, "Coworking des Canuts");

    let equipment = PlaceFilter { equipment: Some("decoupeuse".into()), ..Default::default() };
    assert_eq!(s.list_places(&equipment, 0, 50).await.unwrap().total, 3);
}

#[tokio::test]
async fn near_filter_keeps_places_within_radius_sorted_by_distance() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    s.insert_place(&place("Loin", &[PlaceType::Fablab], "69", 45.90, 4.83), &Author::System).await.unwrap();
    s.insert_place(&place("Près", &[PlaceType::Fablab], "69", 45.765, 4.835), &Author::System).await.unwrap();
    s.insert_place(&place("Très loin", &[PlaceType::Fablab], "13", 43.3, 5.4), &Author::System)
        .await
        .unwrap();
    let f = PlaceFilter { near: Some((45.76, 4.83, 20.0)), sort: PlaceSort::Distance, ..Default::default() };
    let page = s.list_places(&f, 0, 10).await.unwrap();
    let names: Vec<_> = page.places.iter().map(|p| p.data.name.as_str()).collect();
    assert_eq!(names, ["Près", "Loin"]);
    assert!(page.distances_km[0] < 1.0 && page.distances_km[1] > 10.0);
}

#[tokio::test]
async fn a_stale_update_is_refused_with_the_current_version() {
    let db = fresh_store().await.unwrap();
    let mut p = place("La Forge", &[PlaceType::Fablab], "42", 45.43, 4.39);
    db.store.insert_place(&p, &Author::System).await.unwrap();
    let rev0 = db.store.places_revision().await.unwrap();
    p.data.name = "La Forge 2".into();
    p.version = 2;
    db.store.update_place(&p, 1, &Author::System).await.unwrap();
    assert!(db.store.places_revision().await.unwrap() > rev0);
    p.data.name = "Écrasement".into();
    p.version = 2;
    match db.store.update_place(&p, 1, &Author::System).await {
        Err(StoreError::Conflict { current }) => assert_eq!(current, 2),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(db.store.place(p.id).await.unwrap().unwrap().data.name, "La Forge 2");
}

#[tokio::test]
async fn reimporting_a_source_updates_instead_of_duplicating() {
    let db = fresh_store().await.unwrap();
    let mut a = place("A", &[PlaceType::Epn], "42", 45.4, 4.4);
    a.provenance =
        Provenance { source: "region".into(), source_id: Some("1".into()), source_updated_on: None };
    let out = db.store.import_places(std::slice::from_ref(&a), &Author::System).await.unwrap();
    assert_eq!(out, [ImportOutcome::Created]);
    let mut again = place("A renommé", &[PlaceType::Epn], "42", 45.4, 4.4);
    again.provenance = a.provenance.clone();
    let out = db.store.import_places(&[again], &Author::System).await.unwrap();
    assert_eq!(out, [ImportOutcome::Updated]);
    let all = db.store.all_places(&PlaceFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].data.name, "A renommé");
    assert_eq!(all[0].id, a.id, "the id is kept");
    assert_eq!(all[0].version, 2);
}

#[tokio::test]
async fn users_sessions_resets_and_rate_buckets() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let user = User {
        id: UserId::new(),
        email: Email::parse("Anne@Exemple.fr").unwrap(),
        display_name: "Anne".into(),
        created_at: Utc::now(),
    };
    let record = UserRecord { user: user.clone(), password_hash: "hash".into() };
    s.create_user(&record, false).await.unwrap();
    assert!(matches!(s.create_user(&record, false).await, Err(StoreError::Duplicate("email"))));
    let found = s.user_by_email(&user.email).await.unwrap().unwrap();
    assert_eq!(found.user.display_name, "Anne");
    assert_eq!(s.count_admins().await.unwrap(), 0);
    assert!(s.grant(user.id, maillage_domain::roles::Grant::admin(), None).await.unwrap());
    assert!(!s.grant(user.id, maillage_domain::roles::Grant::admin(), None).await.unwrap(), "held already");
    assert_eq!(s.count_admins().await.unwrap(), 1);

    let later = Utc::now() + chrono::Duration::hours(1);
    s.create_session("tok", user.id, "csrf", later).await.unwrap();
    assert_eq!(s.session("tok").await.unwrap().unwrap().user_id, user.id);
    s.set_password_hash(user.id, "new").await.unwrap();
    assert!(s.session("tok").await.unwrap().is_none(), "a new password ends sessions");

    s.create_password_reset("r1", user.id, later).await.unwrap();
    assert!(s.password_reset_is_live("r1").await.unwrap());
    assert_eq!(s.consume_password_reset("r1").await.unwrap(), Some(user.id));
    assert_eq!(s.consume_password_reset("r1").await.unwrap(), None, "one use only");

    let window = std::time::Duration::from_secs(300);
    assert_eq!(s.hit_counter("login:x", window).await.unwrap().count, 1);
    assert_eq!(s.hit_counter("login:x", window).await.unwrap().count, 2);
    s.refund_counter("login:x").await.unwrap();
    assert_eq!(s.hit_counter("login:x", window).await.unwrap().count, 2, "a refund takes one hit back");
    s.clear_counter("login:x").await.unwrap();
    let hit = s.hit_counter("login:x", window).await.unwrap();
    assert_eq!(hit.count, 1);
    assert!(hit.retry_after_s() <= 300 && hit.retry_after_s() >= 299, "{hit:?}");
    s.purge_expired(Utc::now()).await.unwrap();
}

#[tokio::test]
async fn a_large_import_is_stored_in_batches_and_searchable() {
    let db = fresh_store().await.unwrap();
    let places: Vec<Place> = (0..1_250)
        .map(|i| {
            let mut p = place(&format!("Lieu numéro {i}"), &[PlaceType::Coworking], "42", 45.4, 4.4);
            p.provenance =
                Provenance { source: "lot".into(), source_id: Some(i.to_string()), source_updated_on: None };
            p
        })
        .collect();
    let out = db.store.import_places(&places, &Author::System).await.unwrap();
    assert!(out.iter().all(|o| *o == ImportOutcome::Created));
    let all = PlaceFilter {
        types: vec![PlaceType::Coworking],
        departement: Some("42".into()),
        ..Default::default()
    };
    let page = db.store.list_places(&all, 1_200, 100).await.unwrap();
    assert_eq!(page.total, 1_250);
    assert_eq!(page.places.len(), 50);
    let past_the_end = db.store.list_places(&all, 5_000, 10).await.unwrap();
    assert_eq!((past_the_end.total, past_the_end.places.len()), (1_250, 0));
    // The same file again, with one record twice: all updates.
    let mut again = places.clone();
    again.push(places[7].clone());
    let out = db.store.import_places(&again, &Author::System).await.unwrap();
    assert_eq!(out.iter().filter(|o| **o == ImportOutcome::Updated).count(), 1_251);
    assert_eq!(db.store.list_places(&all, 0, 1).await.unwrap().total, 1_250);
    let seventh = db.store.place_by_source("lot", "7").await.unwrap().unwrap();
    assert_eq!(seventh.version, 3, "updated twice");
    let q = PlaceFilter { text: Some(maillage_search::Query::parse("lieu numero")), ..Default::default() };
    assert_eq!(db.store.list_places(&q, 0, 10).await.unwrap().total, 1_250);
}

#[tokio::test]
async fn a_second_server_on_the_same_database_sees_every_write_at_once() {
    let db = fresh_store().await.unwrap();
    let other = maillage_store::Store::connect(&db.url).await.unwrap();
    let fablabs = PlaceFilter { types: vec![PlaceType::Fablab], ..Default::default() };
    // Both servers build their index before the write.
    assert_eq!(db.store.list_places(&fablabs, 0, 10).await.unwrap().total, 0);
    assert_eq!(other.list_places(&fablabs, 0, 10).await.unwrap().total, 0);

    let mut p = place("La Forge", &[PlaceType::Fablab], "42", 45.43, 4.39);
    other.insert_place(&p, &Author::System).await.unwrap();
    assert_eq!(db.store.list_places(&fablabs, 0, 10).await.unwrap().total, 1);

    // An edit on one server changes what the other finds, by filter and by text.
    p.data.types = vec![PlaceType::Coworking];
    p.data.name = "Le Plateau".into();
    p.data.summary = "Bureaux partagés".into();
    p.version = 2;
    db.store.update_place(&p, 1, &Author::System).await.unwrap();
    assert_eq!(other.list_places(&fablabs, 0, 10).await.unwrap().total, 0);
    let text = PlaceFilter { text: Some(maillage_search::Query::parse("plateau")), ..Default::default() };
    assert_eq!(other.list_places(&text, 0, 10).await.unwrap().places[0].data.name, "Le Plateau");
    let old_name = PlaceFilter { text: Some(maillage_search::Query::parse("forge")), ..Default::default() };
    assert_eq!(other.list_places(&old_name, 0, 10).await.unwrap().total, 0);
    other.close().await;
}

#[tokio::test]
async fn filters_combine_and_values_of_one_filter_are_alternatives() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let mut a = place("Atelier Nord", &[PlaceType::Fablab], "42", 45.43, 4.39);
    a.data.services = vec![Service::TeleworkDesk];
    let mut b = place("Atelier Sud", &[PlaceType::Coworking], "42", 45.40, 4.38);
    b.data.services = vec![];
    let c = place("Atelier Lyon", &[PlaceType::Fablab], "69", 45.76, 4.83);
    let mut draft = place("Atelier caché", &[PlaceType::Fablab], "42", 45.43, 4.39);
    draft.status = PlaceStatus::Draft;
    for p in [&a, &b, &c, &draft] {
        s.insert_place(p, &Author::System).await.unwrap();
    }
    let names =
        |page: maillage_store::ListPage| page.places.iter().map(|p| p.data.name.clone()).collect::<Vec<_>>();
    let f = PlaceFilter {
        types: vec![PlaceType::Fablab, PlaceType::Coworking],
        departement: Some("42".into()),
        text: Some(maillage_search::Query::parse("atelier")),
        ..Default::default()
    };
    assert_eq!(names(s.list_places(&f, 0, 10).await.unwrap()), ["Atelier Nord", "Atelier Sud"]);
    let f = PlaceFilter { services: vec![Service::TeleworkDesk], departement: Some("42".into()), ..f };
    assert_eq!(names(s.list_places(&f, 0, 10).await.unwrap()), ["Atelier Nord"]);
    let bbox = PlaceFilter { bbox: Some((4.0, 45.0, 5.0, 45.5)), ..Default::default() };
    assert_eq!(names(s.list_places(&bbox, 0, 10).await.unwrap()), ["Atelier Nord", "Atelier Sud"]);
    // Drafts are found only when asked for.
    let drafts = PlaceFilter { statuses: vec![PlaceStatus::Draft], ..Default::default() };
    assert_eq!(names(s.list_places(&drafts, 0, 10).await.unwrap()), ["Atelier caché"]);
}
