//! Re-importing a file without an `id` column updates the places it brought the first
//! time instead of duplicating them: rows are matched within their source on SIRET, or
//! else on folded name + commune + folded address. Run on SQLite and PostgreSQL.

mod common;

use common::place;
use maillage_domain::fields::Siret;
use maillage_domain::history::Author;
use maillage_domain::vocab::PlaceType;
use maillage_domain::{Place, PlaceId, Provenance};
use maillage_store::testing::fresh_store;
use maillage_store::{ImportOutcome, PlaceFilter, Store};

const SIRET: &str = "43493312300029";
const OTHER_SIRET: &str = "73282932000074";

/// A row of a file without `id`, as the app hands it over: a new id every time.
fn row(name: &str, address: &str, siret: Option<&str>) -> Place {
    let mut p = place(name, &[PlaceType::Fablab], "42", 45.43, 4.39);
    p.data.address = address.into();
    p.data.siret = siret.map(|s| Siret::parse(s).expect("a valid SIRET"));
    p.provenance = Provenance { source: "reseau".into(), source_id: None, source_updated_on: None };
    p
}

/// The same rows read again from the file: same content, fresh ids.
fn again(rows: &[Place]) -> Vec<Place> {
    rows.iter().map(|p| Place { id: PlaceId::new(), ..p.clone() }).collect()
}

async fn all(store: &Store) -> Vec<(String, String, i64)> {
    let ids = store.place_versions(&PlaceFilter::default()).await.unwrap();
    let mut places = Vec::new();
    for (id, _) in ids {
        let p = store.place(id).await.unwrap().unwrap();
        places.push((p.id.to_string(), p.data.name.clone(), p.version));
    }
    places.sort();
    places
}

fn outcomes(created: usize, updated: usize) -> Vec<ImportOutcome> {
    let mut v = vec![ImportOutcome::Created; created];
    v.extend(vec![ImportOutcome::Updated; updated]);
    v
}

#[tokio::test]
async fn three_imports_of_a_file_without_ids_give_the_same_places() {
    let db = fresh_store().await.unwrap();
    let file = vec![
        row("La Forge", "1 rue de la Paix", Some(SIRET)),
        row("Le Quai", "2 quai Jean Moulin", None),
        row("L'Atelier", "3 place du Peuple", None),
    ];
    assert_eq!(db.store.import_places(&file, &Author::System).await.unwrap(), outcomes(3, 0));
    let first = all(&db.store).await;
    assert_eq!(first.len(), 3);
    for round in 2..=3 {
        let outcome = db.store.import_places(&again(&file), &Author::System).await.unwrap();
        assert_eq!(outcome, outcomes(0, 3), "import {round}");
        let places = all(&db.store).await;
        let ids: Vec<&str> = places.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            ids,
            first.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            "import {round}: the same places"
        );
        assert!(places.iter().all(|p| p.2 == round), "import {round}: each updated once: {places:?}");
    }
}

#[tokio::test]
async fn a_row_is_found_by_its_siret_when_its_name_and_address_changed() {
    let db = fresh_store().await.unwrap();
    let before = row("La Forge", "1 rue de la Paix", Some(SIRET));
    db.store.import_places(std::slice::from_ref(&before), &Author::System).await.unwrap();
    let renamed = row("La Forge des Canuts", "12 rue Neuve", Some(SIRET));
    assert_eq!(db.store.import_places(&[renamed], &Author::System).await.unwrap(), outcomes(0, 1));
    let stored = db.store.place(before.id).await.unwrap().unwrap();
    assert_eq!(stored.data.name, "La Forge des Canuts");
}

#[tokio::test]
async fn a_row_is_found_by_name_commune_and_address_ignoring_case_accents_and_punctuation() {
    let db = fresh_store().await.unwrap();
    let before = row("Médiathèque Élisa-Dupont", "12, rue de l'Église", None);
    db.store.import_places(std::slice::from_ref(&before), &Author::System).await.unwrap();
    let retyped = row("MEDIATHEQUE  ELISA DUPONT", "12 Rue de l Eglise", None);
    assert_eq!(db.store.import_places(&[retyped], &Author::System).await.unwrap(), outcomes(0, 1));
    assert_eq!(all(&db.store).await.len(), 1);
    // Another commune, or another address, is another place.
    let mut elsewhere = row("Médiathèque Élisa-Dupont", "12, rue de l'Église", None);
    elsewhere.data.commune_code = maillage_domain::fields::InseeCode::parse("69123").unwrap();
    let moved = row("Médiathèque Élisa-Dupont", "14, rue de l'Église", None);
    assert_eq!(db.store.import_places(&[elsewhere, moved], &Author::System).await.unwrap(), outcomes(2, 0));
}

#[tokio::test]
async fn a_matched_place_keeps_its_source_id_when_the_row_has_none() {
    let db = fresh_store().await.unwrap();
    let mut before = row("La Forge", "1 rue de la Paix", Some(SIRET));
    before.provenance.source_id = Some("F-1".into());
    db.store.import_places(std::slice::from_ref(&before), &Author::System).await.unwrap();
    let without_id = row("La Forge", "1 rue de la Paix", Some(SIRET));
    assert_eq!(db.store.import_places(&[without_id], &Author::System).await.unwrap(), outcomes(0, 1));
    let stored = db.store.place(before.id).await.unwrap().unwrap();
    assert_eq!(stored.provenance.source_id.as_deref(), Some("F-1"));
    // A row with another source id is another record, whatever its content.
    let mut other = row("La Forge", "1 rue de la Paix", Some(SIRET));
    other.provenance.source_id = Some("F-2".into());
    assert_eq!(db.store.import_places(&[other], &Author::System).await.unwrap(), outcomes(1, 0));
}

#[tokio::test]
async fn places_of_another_source_are_never_matched() {
    let db = fresh_store().await.unwrap();
    let ours = row("La Forge", "1 rue de la Paix", Some(SIRET));
    db.store.import_places(&[ours], &Author::System).await.unwrap();
    let mut theirs = row("La Forge", "1 rue de la Paix", Some(SIRET));
    theirs.provenance.source = "autre-reseau".into();
    assert_eq!(db.store.import_places(&[theirs], &Author::System).await.unwrap(), outcomes(1, 0));
}

#[tokio::test]
async fn rows_sharing_a_siret_or_identical_rows_stay_distinct_places_on_every_import() {
    let db = fresh_store().await.unwrap();
    // Two sites of one organisation (one SIRET), and a row present twice in the file.
    let file = vec![
        row("France Services Nord", "1 rue A", Some(OTHER_SIRET)),
        row("France Services Sud", "2 rue B", Some(OTHER_SIRET)),
        row("Point numérique", "3 rue C", None),
        row("Point numérique", "3 rue C", None),
    ];
    assert_eq!(db.store.import_places(&file, &Author::System).await.unwrap(), outcomes(4, 0));
    for _ in 0..2 {
        assert_eq!(db.store.import_places(&again(&file), &Author::System).await.unwrap(), outcomes(0, 4));
        let names: Vec<String> = all(&db.store).await.into_iter().map(|p| p.1).collect();
        assert_eq!(names.len(), 4, "{names:?}");
    }
    let places = all(&db.store).await;
    let nord = places.iter().find(|p| p.1 == "France Services Nord").unwrap();
    let stored = db.store.place(nord.0.parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(stored.data.address, "1 rue A", "each site matched to itself");
}
