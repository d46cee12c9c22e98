//! Export then import gives back the places (modulo what each format does not carry, as
//! documented in the README), and exports respect field choices and attribution.

mod common;

use common::{association_place, comparable, full_place, minimal_place, place, places, validate};
use maillage_domain::vocab::Vocabulary;
use maillage_domain::{Place, PlaceInput};
use maillage_interop::{ColumnMapping, ExportError, Format, export, geojson_feature_collection, parse};

const ATTRIBUTION: &str = "Données : Maillage, contributeurs ; géographie : INSEE (COG 2025)";

fn round_trip(format: Format, places: &[Place]) -> maillage_interop::ParsedFile {
    let bytes = export(format, places, None, ATTRIBUTION).expect("export succeeds");
    let parsed = parse(format, &bytes, &ColumnMapping::default()).expect("our own export is readable");
    assert!(parsed.errors.is_empty(), "{format}: {:?}", parsed.errors);
    assert_eq!(parsed.rows.len(), places.len());
    parsed
}

#[test]
fn csv_round_trip_gives_back_every_field() {
    let places = places();
    let parsed = round_trip(Format::Csv, &places);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    for (row, place) in parsed.rows.iter().zip(&places) {
        assert_eq!(comparable(row.input.clone()), comparable(PlaceInput::from(place)));
        assert_eq!(row.source_id.as_deref(), Some(place.id.to_string().as_str()));
        assert_eq!(row.source.as_deref(), Some("maillage"));
        assert_eq!(row.source_updated_on, Some(place.updated_at.date_naive()));
        assert_eq!(validate(&row.input).expect("re-imported place is valid"), place.data);
    }
}

#[test]
fn csv_lines_count_the_header_and_multiline_cells() {
    let parsed = round_trip(Format::Csv, &places());
    // The full place's description spans 4 lines, so the next record starts on line 6.
    let lines: Vec<usize> = parsed.rows.iter().map(|r| r.line).collect();
    assert_eq!(lines, vec![2, 6, 7]);
}

#[test]
fn geojson_round_trip_gives_back_every_field() {
    let places = places();
    let parsed = round_trip(Format::GeoJson, &places);
    for (row, place) in parsed.rows.iter().zip(&places) {
        assert_eq!(comparable(row.input.clone()), comparable(PlaceInput::from(place)));
        assert_eq!(row.source_id.as_deref(), Some(place.id.to_string().as_str()));
        assert_eq!(validate(&row.input).expect("re-imported place is valid"), place.data);
    }
}

/// What the national schema can carry of a place: only terms that have an LMN value,
/// no equipment, no status, no RNA.
fn lmn_expected(place: &Place) -> PlaceInput {
    fn with_lmn<T: Vocabulary>(terms: &[T]) -> Vec<String> {
        terms.iter().filter(|t| t.lmn().is_some()).map(|t| t.code().to_owned()).collect()
    }
    let d = &place.data;
    PlaceInput {
        services: with_lmn(&d.services),
        publics: with_lmn(&d.publics),
        support: with_lmn(&d.support),
        fees: with_lmn(&d.fees),
        access_modes: with_lmn(&d.access_modes),
        equipment: Vec::new(),
        rna: None,
        status: None,
        ..PlaceInput::from(place)
    }
}

fn sorted(mut input: PlaceInput) -> PlaceInput {
    // Labels come back grouped by the LMN field that carries them.
    input.labels.sort();
    comparable(input)
}

#[test]
fn lmn_csv_round_trip_gives_back_what_the_schema_carries() {
    let places = places();
    let parsed = round_trip(Format::LmnCsv, &places);
    for (row, place) in parsed.rows.iter().zip(&places) {
        assert_eq!(sorted(row.input.clone()), sorted(lmn_expected(place)));
        assert_eq!(row.source_id.as_deref(), Some(place.id.to_string().as_str()));
        assert_eq!(row.source_updated_on, Some(place.updated_at.date_naive()));
        assert!(validate(&row.input).is_ok());
    }
}

#[test]
fn lmn_json_round_trip_gives_back_what_the_schema_carries() {
    let places = places();
    let parsed = round_trip(Format::LmnJson, &places);
    for (row, place) in parsed.rows.iter().zip(&places) {
        assert_eq!(sorted(row.input.clone()), sorted(lmn_expected(place)));
    }
}

#[test]
fn lmn_export_writes_typologie_codes_and_coworkings_come_back_as_third_places() {
    let coworking = place(PlaceInput {
        name: Some("Cowork du Crêt".into()),
        types: vec!["coworking".into()],
        postal_code: Some("42100".into()),
        commune_code: Some("42218".into()),
        ..PlaceInput::default()
    });
    let bytes =
        export(Format::LmnCsv, std::slice::from_ref(&coworking), Some(&["id", "nom", "typologie"]), "")
            .expect("export succeeds");
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert_eq!(text, format!("id,nom,typologie\n{},Cowork du Crêt,TIERS_LIEUX\n", coworking.id));
    let full = export(Format::LmnCsv, &[coworking], None, "").expect("export succeeds");
    let parsed = parse(Format::LmnCsv, &full, &ColumnMapping::default()).expect("readable");
    assert_eq!(parsed.rows[0].input.types, vec!["other".to_owned()]);
    assert!(parsed.warnings.is_empty(), "TIERS_LIEUX is a third place: {:?}", parsed.warnings);
}

#[test]
fn imprecise_locations_are_not_exported_as_precise_points() {
    let lyon = minimal_place();
    let csv = String::from_utf8(
        export(
            Format::Csv,
            std::slice::from_ref(&lyon),
            Some(&["latitude", "longitude", "location_precise"]),
            "",
        )
        .expect("export"),
    )
    .expect("UTF-8");
    assert_eq!(csv, "latitude,longitude,location_precise\n45.7578,4.832,false\n");
    let lmn = String::from_utf8(
        export(Format::LmnCsv, &[lyon], Some(&["latitude", "longitude"]), "").expect("export"),
    )
    .expect("UTF-8");
    assert_eq!(lmn, "latitude,longitude\n,\n");
}

#[test]
fn geojson_export_carries_attribution_and_rounds_coordinates() {
    let mut p = full_place();
    p.data.location.lat = 45.123_456_789;
    let bytes = export(Format::GeoJson, &[p], Some(&["name"]), ATTRIBUTION).expect("export");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert_eq!(json["type"], "FeatureCollection");
    assert_eq!(json["attribution"], ATTRIBUTION);
    let feature = &json["features"][0];
    assert_eq!(feature["geometry"]["coordinates"], serde_json::json!([4.387218, 45.123457]));
    assert_eq!(
        feature["properties"],
        serde_json::json!({"name": "La Fabrique \"Le Marteau\"; atelier, fablab"})
    );
}

#[test]
fn lmn_json_export_carries_attribution_beside_the_records() {
    let bytes = export(Format::LmnJson, &[association_place()], None, ATTRIBUTION).expect("export");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("valid JSON");
    assert_eq!(json["attribution"], ATTRIBUTION);
    let record = &json["data"][0];
    assert_eq!(record["nom"], "Maison de l'ESS du Ponant");
    assert_eq!(record["typologie"], "ESS");
    assert_eq!(record["code_insee"], "29124");
    assert_eq!(record["latitude"], 48.4471);
    assert_eq!(record["date_maj"], "2026-03-14");
    assert!(record.get("pivot").is_none(), "an RNA is not a SIRET: pivot stays empty");
}

#[test]
fn csv_export_does_not_mix_attribution_into_data() {
    let text =
        String::from_utf8(export(Format::Csv, &places(), None, ATTRIBUTION).expect("export")).expect("UTF-8");
    assert!(!text.contains("INSEE (COG"));
    assert!(text.starts_with("id,name,types,summary,"));
}

#[test]
fn unknown_export_fields_are_refused_with_the_allowed_list() {
    let err = export(Format::LmnCsv, &places(), Some(&["nom", "name", "couleur"]), "").unwrap_err();
    match &err {
        ExportError::UnknownFields { unknown, allowed } => {
            assert_eq!(unknown, &vec!["name".to_owned(), "couleur".to_owned()]);
            assert!(allowed.contains(&"code_insee"));
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(
        err.to_string()
            .starts_with("champ(s) inconnu(s) : name, couleur ; champs possibles : id, pivot, nom")
    );
}

#[test]
fn map_collection_has_minimal_properties_and_is_valid_json() {
    let places = places();
    let json: serde_json::Value =
        serde_json::from_str(&geojson_feature_collection(&places)).expect("valid JSON");
    let feature = &json["features"][0];
    assert_eq!(feature["geometry"]["coordinates"], serde_json::json!([4.387218, 45.439712]));
    let properties = feature["properties"].as_object().expect("properties");
    let mut keys: Vec<&str> = properties.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["commune_code", "commune_name", "id", "name", "postal_code", "types"]);
    assert_eq!(feature["properties"]["name"], "La Fabrique \"Le Marteau\"; atelier, fablab");
    assert_eq!(feature["properties"]["types"], serde_json::json!(["fablab", "epn"]));
    assert_eq!(json["features"][1]["properties"]["commune_name"], "Lyon");
}
