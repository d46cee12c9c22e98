//! A real-world LMN file (its CSV and JSON forms) against the real reference geography:
//! former communes merged since, names without their article or suffix, upper case, CEDEX
//! and neighbouring postal codes. Every row is placed but the two that nothing can place,
//! and every resolution is named by a warning on its row.

use maillage_domain::place::FarLocation;
use maillage_interop::Format;
use maillage_territory::Reference;

mod common;

/// (line, commune code found or the error codes, warning codes) of each row.
fn outcome(format: Format, fixture: &str) -> Vec<(usize, String, Vec<String>)> {
    let parsed = common::parse_fixture(format, fixture);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    parsed
        .rows
        .iter()
        .map(|row| match row.input.validate(Reference::shared(), FarLocation::UseCommunePoint) {
            Ok((data, warnings)) => (
                row.line,
                data.commune_code.to_string(),
                warnings.iter().map(|w| format!("{}:{}", w.field, w.code)).collect(),
            ),
            Err(e) => (
                row.line,
                "rejected".to_owned(),
                e.errors.iter().map(|f| format!("{}:{}", f.field, f.code)).collect(),
            ),
        })
        .collect()
}

const EXPECTED: &[(&str, &str, &[&str])] = &[
    ("Seynod", "74010", &["commune_name:commune_resolved_former_name"]),
    ("MEYTHET", "74010", &["commune_name:commune_resolved_former_name"]),
    ("Pringy", "74010", &["commune_name:commune_resolved_former_name"]),
    ("Annecy-le-Vieux", "74010", &["commune_name:commune_resolved_former_name"]),
    ("Oullins", "69149", &["commune_name:commune_resolved_former_name"]),
    ("Pierre-Bénite", "69149", &["commune_name:commune_resolved_former_name"]),
    ("Talloires", "74275", &["commune_name:commune_resolved_former_name"]),
    ("Loriol", "26166", &["commune_name:commune_resolved_name_variant"]),
    ("Livron", "26165", &["commune_name:commune_resolved_name_variant"]),
    ("Pont de Claix", "38317", &["commune_name:commune_resolved_name_variant"]),
    ("SAINT GERVAIS", "74236", &["commune_name:commune_resolved_name_variant"]),
    ("Sciez-sur-Léman", "74263", &["commune_name:commune_resolved_name_variant"]),
    ("Vorey sur Arzon", "43267", &["commune_name:commune_resolved_name_variant"]),
    (
        "ANNECY CEDEX 74012",
        "74010",
        &["postal_code:commune_resolved_other_postal_code", "postal_code:postal_code_mismatch"],
    ),
    (
        "Sciez 74200",
        "74263",
        &["postal_code:commune_resolved_other_postal_code", "postal_code:postal_code_mismatch"],
    ),
    ("74268 Seynod", "74010", &["commune_code:commune_resolved_former_code"]),
    ("Le Semnoz 74000", "74010", &["commune_name:commune_resolved_postal_code"]),
    ("Lieu-dit Les Contamines 74370", "74019", &["commune_name:commune_resolved_nearest"]),
    ("74010 Cran-Gevrier", "74010", &[]),
    ("74010 Annecy", "74010", &[]),
    ("Villebidon-sur-Mer", "rejected", &["commune_name:unknown_commune"]),
    ("74999", "rejected", &["commune_code:unknown_commune"]),
];

fn check(format: Format, fixture: &str) {
    let found = outcome(format, fixture);
    assert_eq!(found.len(), EXPECTED.len());
    for ((line, code, notes), (what, want_code, want_notes)) in found.iter().zip(EXPECTED) {
        let notes: Vec<&str> = notes.iter().map(String::as_str).collect();
        assert_eq!(
            (code.as_str(), notes.as_slice()),
            (*want_code, *want_notes),
            "{fixture} line {line}: {what}"
        );
    }
    let rejected = found.iter().filter(|(_, code, _)| code == "rejected").count();
    assert_eq!(rejected, 2, "only what nothing can place is rejected");
}

#[test]
fn the_csv_form_places_every_row_but_the_unplaceable_ones() {
    check(Format::LmnCsv, "lmn_communes.csv");
}

#[test]
fn the_json_form_places_the_same_rows() {
    check(Format::LmnJson, "lmn_communes.json");
}

#[test]
fn warnings_name_the_input_and_the_commune_chosen_in_both_languages() {
    let parsed = common::parse_fixture(Format::LmnCsv, "lmn_communes.csv");
    let (_, warnings) = parsed.rows[0]
        .input
        .validate(Reference::shared(), FarLocation::UseCommunePoint)
        .expect("Seynod is placed");
    let w = &warnings[0];
    assert_eq!(
        w.message_fr(),
        "« Seynod » est une ancienne commune (Seynod, 74268), aujourd'hui dans Annecy (74010)."
    );
    assert_eq!(w.message_en(), "“Seynod” is a former commune (Seynod, 74268), now part of Annecy (74010).");
    let e = parsed.rows[21]
        .input
        .validate(Reference::shared(), FarLocation::UseCommunePoint)
        .expect_err("74999 is no commune's");
    assert_eq!(
        e.errors[0].message_fr(),
        "Aucune commune, actuelle ou ancienne, n'a le code INSEE « 74999 »."
    );
}
