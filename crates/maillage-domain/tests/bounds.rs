//! Every list and string of a `PlaceInput` is bounded, checked before any per-item work,
//! and free of control and bidirectional characters.

use maillage_domain::place::{self, FarLocation};
use maillage_domain::{CommuneRef, Gazetteer, PlaceInput};
use std::time::{Duration, Instant};

struct OneCommune;

fn saint_etienne() -> CommuneRef {
    CommuneRef {
        code: "42218".into(),
        name: "Saint-Étienne".into(),
        departement: "42".into(),
        region: "84".into(),
        epci: None,
        postal_codes: vec!["42000".into()],
        population: 170_000,
        lon: 4.3897,
        lat: 45.4339,
    }
}

impl Gazetteer for OneCommune {
    fn commune(&self, code: &str) -> Option<CommuneRef> {
        (code == "42218").then(saint_etienne)
    }
    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef> {
        if postal_code == "42000" { vec![saint_etienne()] } else { Vec::new() }
    }
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef> {
        (postal_code == "42000" && name == "Saint-Étienne").then(saint_etienne)
    }
}

fn valid() -> PlaceInput {
    PlaceInput {
        name: Some("La Forge".into()),
        types: vec!["fablab".into()],
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        ..Default::default()
    }
}

fn errors_of(input: &PlaceInput) -> Vec<(String, &'static str)> {
    match input.validate(&OneCommune, FarLocation::RefuseUnlessConfirmed) {
        Ok(_) => Vec::new(),
        Err(e) => e.errors.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

#[test]
fn the_reference_input_is_valid() {
    assert_eq!(errors_of(&valid()), []);
}

#[test]
fn a_hundred_thousand_equipment_items_are_refused_at_once() {
    let mut input = valid();
    input.equipment = (0..100_000).map(|i| format!("Machine {i}")).collect();
    let start = Instant::now();
    assert_eq!(errors_of(&input), [("equipment".to_owned(), "too_many")]);
    assert!(start.elapsed() < Duration::from_millis(500), "took {:?}", start.elapsed());
}

#[test]
fn equipment_at_the_bound_is_deduplicated_ignoring_case_in_linear_time() {
    let mut input = valid();
    input.equipment = (0..place::EQUIPMENT_ITEMS_MAX).map(|i| format!("Machine {}", i % 10)).collect();
    input.equipment[0] = "IMPRIMANTE 3D".into();
    input.equipment[1] = "imprimante 3d".into();
    input.equipment[2] = "Écran".into();
    input.equipment[3] = "ÉCRAN".into();
    let (data, _) = input.validate(&OneCommune, FarLocation::RefuseUnlessConfirmed).unwrap();
    assert_eq!(data.equipment.len(), 2 + 10, "{:?}", data.equipment);
    assert_eq!(data.equipment[0], "IMPRIMANTE 3D", "the first spelling is kept");
    assert_eq!(data.equipment[1], "Écran");
    let mut input = valid();
    input.equipment = vec!["x".into(); place::EQUIPMENT_ITEMS_MAX + 1];
    assert_eq!(errors_of(&input), [("equipment".to_owned(), "too_many")]);
}

#[test]
fn fifty_thousand_duplicate_types_are_refused_naming_the_field() {
    let mut input = valid();
    input.types = vec!["fablab".into(); 50_000];
    assert_eq!(errors_of(&input), [("types".to_owned(), "too_many")]);
}

#[test]
fn every_vocabulary_list_is_bounded() {
    type Set = fn(&mut PlaceInput, Vec<String>);
    let lists: [(&str, Set); 7] = [
        ("types", |i, v| i.types = v),
        ("services", |i, v| i.services = v),
        ("publics", |i, v| i.publics = v),
        ("support", |i, v| i.support = v),
        ("fees", |i, v| i.fees = v),
        ("access_modes", |i, v| i.access_modes = v),
        ("labels", |i, v| i.labels = v),
    ];
    for (field, set) in lists {
        let mut input = valid();
        set(&mut input, vec!["x".into(); place::TERMS_MAX + 1]);
        assert_eq!(errors_of(&input), [(field.to_owned(), "too_many")], "{field}");
        let mut input = valid();
        set(&mut input, vec!["x".repeat(place::TERM_MAX + 1)]);
        assert_eq!(errors_of(&input), [(format!("{field}[0]"), "too_long")], "{field}");
        let mut input = valid();
        set(&mut input, vec!["fab\u{202E}lab".into()]);
        assert_eq!(errors_of(&input), [(format!("{field}[0]"), "bidi_control")], "{field}");
    }
    let mut input = valid();
    input.types = vec!["fablab".into(); place::TERMS_MAX];
    assert_eq!(errors_of(&input), [], "duplicates within the bound are merged");
}

type SetText = fn(&mut PlaceInput, String);

fn text_fields() -> Vec<(&'static str, usize, SetText)> {
    vec![
        ("name", place::NAME_MAX, |i, v| i.name = Some(v)),
        ("summary", place::SUMMARY_MAX, |i, v| i.summary = Some(v)),
        ("description", place::DESCRIPTION_MAX, |i, v| i.description = Some(v)),
        ("address", place::ADDRESS_MAX, |i, v| i.address = Some(v)),
        ("postal_code", place::POSTAL_CODE_MAX, |i, v| i.postal_code = Some(v)),
        ("commune_code", place::COMMUNE_CODE_MAX, |i, v| i.commune_code = Some(v)),
        ("commune_name", place::COMMUNE_NAME_MAX, |i, v| i.commune_name = Some(v)),
        ("siret", place::SIRET_MAX, |i, v| i.siret = Some(v)),
        ("rna", place::RNA_MAX, |i, v| i.rna = Some(v)),
        ("opening_hours", place::OPENING_HOURS_MAX, |i, v| i.opening_hours = Some(v)),
        ("accessibility_url", place::URL_MAX, |i, v| i.accessibility_url = Some(v)),
        ("email", place::EMAIL_MAX, |i, v| i.email = Some(v)),
        ("phone", place::PHONE_MAX, |i, v| i.phone = Some(v)),
        ("website", place::URL_MAX, |i, v| i.website = Some(v)),
        ("status", place::STATUS_MAX, |i, v| i.status = Some(v)),
        ("equipment[0]", place::EQUIPMENT_MAX, |i, v| i.equipment = vec![v]),
    ]
}

#[test]
fn every_string_field_has_a_maximum_length() {
    for (field, max, set) in text_fields() {
        let mut input = valid();
        set(&mut input, "a".repeat(max + 1));
        let errors = errors_of(&input);
        assert_eq!(errors.first().map(|e| e.0.as_str()), Some(field), "{field}: {errors:?}");
        assert!(matches!(errors[0].1, "too_long" | "invalid_email"), "{field}: {errors:?}");
    }
}

#[test]
fn nul_control_and_bidi_characters_are_refused_in_every_string_field() {
    for (field, _, set) in text_fields() {
        for (bad, code) in [
            ("ab\0cd", "control_characters"),
            ("ab\u{1b}cd", "control_characters"),
            ("ab\u{9b}cd", "control_characters"),
            ("ab\u{202E}cd", "bidi_control"),
            ("ab\u{2066}cd", "bidi_control"),
        ] {
            let mut input = valid();
            set(&mut input, bad.into());
            let errors = errors_of(&input);
            assert_eq!(errors.first(), Some(&(field.to_owned(), code)), "{field} {bad:?}: {errors:?}");
        }
    }
}

#[test]
fn the_description_keeps_line_breaks_but_not_nul() {
    let mut input = valid();
    input.description = Some("# Titre\r\n\r\n- un\n- deux\tfin".into());
    assert_eq!(errors_of(&input), []);
    input.description = Some("a\0b".into());
    assert_eq!(errors_of(&input), [("description".to_owned(), "control_characters")]);
}

#[test]
fn names_are_one_line() {
    let mut input = valid();
    input.name = Some("La\nForge".into());
    assert_eq!(errors_of(&input), [("name".to_owned(), "control_characters")]);
    input.name = Some("Café \u{200F}مقهى\u{200E}".into());
    assert_eq!(errors_of(&input), [], "direction marks are allowed");
}
