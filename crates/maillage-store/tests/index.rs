//! The compact in-memory index: pages read their places by id, exports read them by
//! chunks, analyses read points from the index alone. On SQLite and (with
//! MAILLAGE_TEST_POSTGRES_URL) on PostgreSQL.

use maillage_domain::fields::OpeningHours;
use maillage_domain::history::Author;
use maillage_domain::vocab::PlaceType;
use maillage_domain::{Place, Provenance};
use maillage_store::testing::fresh_store;
use maillage_store::{PlaceFilter, PlaceSort};

mod common;
use common::place;

fn numbered(count: usize) -> Vec<Place> {
    (0..count)
        .map(|i| {
            let types = if i % 3 == 0 { vec![PlaceType::Fablab] } else { vec![PlaceType::Coworking] };
            let mut p = place(&format!("Lieu {i:05}"), &types, "42", 45.0 + i as f64 * 1e-4, 4.4);
            p.provenance =
                Provenance { source: "lot".into(), source_id: Some(i.to_string()), source_updated_on: None };
            p
        })
        .collect()
}

#[tokio::test]
async fn an_export_reads_every_place_by_chunks_in_name_order() {
    let db = fresh_store().await.unwrap();
    let places = numbered(2_345);
    db.store.import_places(&places, &Author::System).await.unwrap();
    let wanted = db.store.place_versions(&PlaceFilter::default()).await.unwrap();
    assert_eq!(wanted.len(), 2_345);
    let store = db.store.clone();
    let handle = tokio::runtime::Handle::current();
    let (names, error) = tokio::task::spawn_blocking(move || {
        let mut reader = store.place_reader(wanted, handle);
        let names: Vec<String> = reader.by_ref().map(|p| p.data.name.clone()).collect();
        (names, reader.error())
    })
    .await
    .unwrap();
    assert!(error.is_none(), "{error:?}");
    let expected: Vec<String> = (0..2_345).map(|i| format!("Lieu {i:05}")).collect();
    assert_eq!(names, expected, "every place once, across three chunks, in name order");
}

#[tokio::test]
async fn points_for_analyses_come_with_their_types_and_follow_the_filter() {
    let db = fresh_store().await.unwrap();
    db.store.import_places(&numbered(30), &Author::System).await.unwrap();
    let fablabs = PlaceFilter { types: vec![PlaceType::Fablab], ..Default::default() };
    let points = db.store.place_points(&fablabs).await.unwrap();
    assert_eq!(points.len(), 10);
    assert!(points.iter().all(|p| p.types == vec![PlaceType::Fablab]));
    let first = db.store.place_by_source("lot", "0").await.unwrap().unwrap();
    let point = points.iter().find(|p| p.id == first.id).unwrap();
    assert_eq!((point.lat, point.lon), (first.data.location.lat, first.data.location.lon));
}

#[tokio::test]
async fn a_page_shows_the_version_stored_not_an_older_one_kept_in_memory() {
    let db = fresh_store().await.unwrap();
    let mut p = place("La Forge", &[PlaceType::Fablab], "42", 45.43, 4.39);
    db.store.insert_place(&p, &Author::System).await.unwrap();
    let all = PlaceFilter::default();
    assert_eq!(db.store.list_places(&all, 0, 10).await.unwrap().places[0].data.summary, "Résumé de La Forge");
    for version in 2..=5 {
        p.data.summary = format!("Version {version}");
        p.version = version;
        db.store.update_place(&p, version - 1, &Author::System).await.unwrap();
        let page = db.store.list_places(&all, 0, 10).await.unwrap();
        assert_eq!(page.places.len(), 1);
        assert_eq!(page.places[0].data.summary, format!("Version {version}"));
        assert_eq!(page.places[0].version, version);
        assert!(page.json[0].contains(&format!("\"summary\":\"Version {version}\"")), "{}", page.json[0]);
    }
}

#[tokio::test]
async fn relevance_open_hours_and_equipment_filters_work_from_the_compact_entries() {
    let db = fresh_store().await.unwrap();
    let mut media = place("Médiathèque du Soleil", &[PlaceType::Coworking], "42", 45.4, 4.4);
    media.data.summary = "Une ludothèque aussi".into();
    media.data.opening_hours = Some(OpeningHours::parse("Mo-Su 00:00-24:00").unwrap());
    media.data.equipment = vec!["Imprimante 3D".into(), "Découpeuse vinyle".into()];
    let mut ludo = place("Ludothèque des Amis", &[PlaceType::Coworking], "42", 45.4, 4.4);
    ludo.data.summary = "Jeux et médiathèque".into();
    ludo.data.equipment = vec![];
    db.store.insert_place(&media, &Author::System).await.unwrap();
    db.store.insert_place(&ludo, &Author::System).await.unwrap();

    let text = |q: &str, sort| PlaceFilter {
        text: Some(maillage_search::Query::parse(q)),
        sort,
        ..Default::default()
    };
    let names =
        |page: maillage_store::ListPage| page.places.iter().map(|p| p.data.name.clone()).collect::<Vec<_>>();
    let by_relevance = db.store.list_places(&text("ludotheque", PlaceSort::Relevance), 0, 10).await.unwrap();
    assert_eq!(names(by_relevance), ["Ludothèque des Amis", "Médiathèque du Soleil"], "the name weighs most");
    let by_name = db.store.list_places(&text("ludotheque", PlaceSort::Name), 0, 10).await.unwrap();
    assert_eq!(names(by_name), ["Ludothèque des Amis", "Médiathèque du Soleil"]);
    let by_prefix = db.store.list_places(&text("mediath", PlaceSort::Name), 0, 10).await.unwrap();
    assert_eq!(by_prefix.total, 2, "the prefix finds the word in both");

    let open = PlaceFilter { open_at: Some(chrono::Utc::now()), ..Default::default() };
    assert_eq!(names(db.store.list_places(&open, 0, 10).await.unwrap()), ["Médiathèque du Soleil"]);
    let vinyl = PlaceFilter { equipment: Some("decoupeuse VINYLE".into()), ..Default::default() };
    assert_eq!(names(db.store.list_places(&vinyl, 0, 10).await.unwrap()), ["Médiathèque du Soleil"]);
    let laser = PlaceFilter { equipment: Some("laser".into()), ..Default::default() };
    assert_eq!(db.store.list_places(&laser, 0, 10).await.unwrap().total, 0);
}
