//! How validation treats the commune of an input: the rule that found it is a warning; a
//! postal code or a name that contradicts it is refused on forms until confirmed, and a
//! warning on imports.

use maillage_domain::place::FarLocation;
use maillage_domain::{CommuneRef, Gazetteer, PlaceInput};

struct Loire;

fn commune(code: &str, name: &str, postal_code: &str) -> CommuneRef {
    CommuneRef {
        code: code.into(),
        name: name.into(),
        departement: "42".into(),
        region: "84".into(),
        epci: None,
        postal_codes: vec![postal_code.into()],
        population: 1_000,
        lon: 4.3897,
        lat: 45.4339,
    }
}

impl Gazetteer for Loire {
    fn commune(&self, code: &str) -> Option<CommuneRef> {
        match code {
            "42218" => Some(commune("42218", "Saint-Étienne", "42000")),
            "42095" => Some(commune("42095", "Firminy", "42700")),
            _ => None,
        }
    }
    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef> {
        ["42218", "42095"]
            .iter()
            .filter_map(|c| self.commune(c))
            .filter(|c| c.postal_codes[0] == postal_code)
            .collect()
    }
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef> {
        self.communes_by_postal_code(postal_code).into_iter().find(|c| self.name_designates(c, name))
    }
}

fn input(postal_code: &str, code: Option<&str>, name: Option<&str>) -> PlaceInput {
    PlaceInput {
        name: Some("La Forge".into()),
        types: vec!["fablab".into()],
        postal_code: Some(postal_code.into()),
        commune_code: code.map(Into::into),
        commune_name: name.map(Into::into),
        ..Default::default()
    }
}

fn codes(input: &PlaceInput, far: FarLocation) -> (Vec<&'static str>, Vec<&'static str>) {
    match input.validate(&Loire, far) {
        Ok((_, warnings)) => (Vec::new(), warnings.iter().map(|w| w.code).collect()),
        Err(e) => (e.errors.iter().map(|e| e.code).collect(), e.warnings.iter().map(|w| w.code).collect()),
    }
}

#[test]
fn a_postal_code_of_another_commune_is_refused_on_forms_until_confirmed() {
    let mut wrong = input("42700", Some("42218"), None);
    assert_eq!(codes(&wrong, FarLocation::RefuseUnlessConfirmed), (vec!["postal_code_mismatch"], vec![]));
    assert_eq!(codes(&wrong, FarLocation::UseCommunePoint), (vec![], vec!["postal_code_mismatch"]));
    wrong.confirm_commune = true;
    assert_eq!(codes(&wrong, FarLocation::RefuseUnlessConfirmed), (vec![], vec![]));
}

#[test]
fn a_name_that_contradicts_the_code_is_refused_on_forms_until_confirmed() {
    let mut wrong = input("42000", Some("42218"), Some("Firminy"));
    assert_eq!(codes(&wrong, FarLocation::RefuseUnlessConfirmed), (vec!["commune_name_mismatch"], vec![]));
    assert_eq!(codes(&wrong, FarLocation::UseCommunePoint), (vec![], vec!["commune_name_mismatch"]));
    wrong.confirm_commune = true;
    assert_eq!(codes(&wrong, FarLocation::RefuseUnlessConfirmed), (vec![], vec![]));
    // Its own name, written another way, is no contradiction.
    let right = input("42000", Some("42218"), Some("SAINT-ETIENNE"));
    assert_eq!(codes(&right, FarLocation::RefuseUnlessConfirmed), (vec![], vec![]));
}

#[test]
fn a_postal_code_alone_that_serves_one_commune_is_enough_and_says_nothing() {
    let (data, warnings) =
        input("42700", None, None).validate(&Loire, FarLocation::RefuseUnlessConfirmed).expect("valid");
    assert_eq!(data.commune_code.as_str(), "42095");
    assert!(warnings.is_empty());
}

#[test]
fn an_unknown_code_or_name_is_refused_naming_its_field() {
    assert_eq!(
        codes(&input("42000", Some("42999"), None), FarLocation::UseCommunePoint).0,
        ["unknown_commune"]
    );
    let e = input("42000", None, Some("Lyon"))
        .validate(&Loire, FarLocation::UseCommunePoint)
        .expect_err("unknown");
    assert_eq!((e.errors[0].field.as_str(), e.errors[0].code), ("commune_name", "unknown_commune"));
}
