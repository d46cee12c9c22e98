//! Test scaffolding: a tiny gazetteer of four communes and helpers to build stored places.
#![allow(dead_code, reason = "each test binary uses a different part of the scaffolding")]

use chrono::{TimeZone, Utc};
use maillage_domain::place::FarLocation;
use maillage_domain::text::fold;
use maillage_domain::{CommuneRef, Gazetteer, Place, PlaceId, PlaceInput, PlaceStatus, Provenance};
use maillage_interop::{ColumnMapping, Format, ParsedFile, parse};

pub struct FakeGazetteer(Vec<CommuneRef>);

fn commune(code: &str, name: &str, dep: &str, postal: &[&str], lat: f64, lon: f64) -> CommuneRef {
    CommuneRef {
        code: code.into(),
        name: name.into(),
        departement: dep.into(),
        region: "84".into(),
        epci: None,
        postal_codes: postal.iter().map(|p| (*p).to_owned()).collect(),
        population: 1000,
        lon,
        lat,
    }
}

impl FakeGazetteer {
    pub fn new() -> Self {
        Self(vec![
            commune("42218", "Saint-Étienne", "42", &["42000", "42100", "42230"], 45.4339, 4.3897),
            commune("69123", "Lyon", "69", &["69001", "69002", "69003"], 45.7578, 4.8320),
            commune("29124", "Lampaul-Plouarzel", "29", &["29810"], 48.4469, -4.7655),
            commune("51454", "Reims", "51", &["51100"], 49.2583, 4.0317),
        ])
    }
}

impl Gazetteer for FakeGazetteer {
    fn commune(&self, code: &str) -> Option<CommuneRef> {
        self.0.iter().find(|c| c.code == code).cloned()
    }
    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef> {
        self.0.iter().filter(|c| c.postal_codes.iter().any(|p| p == postal_code)).cloned().collect()
    }
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef> {
        self.communes_by_postal_code(postal_code).into_iter().find(|c| fold(&c.name) == fold(name))
    }
}

/// A stored place built from an input that must be valid.
pub fn place(input: PlaceInput) -> Place {
    let (data, _warnings) = match input.validate(&FakeGazetteer::new(), FarLocation::RefuseUnlessConfirmed) {
        Ok(ok) => ok,
        Err(e) => panic!("test place should be valid: {:?}", e.errors),
    };
    let at = Utc.with_ymd_and_hms(2026, 3, 14, 15, 9, 26).single().expect("valid date");
    Place {
        id: PlaceId::new(),
        data,
        status: input.requested_status().unwrap_or(PlaceStatus::Published),
        provenance: Provenance { source: "maillage".into(), source_id: None, source_updated_on: None },
        is_demo: false,
        version: 3,
        created_at: at,
        updated_at: at,
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A place using every field, with text that needs quoting in CSV and JSON.
pub fn full_place() -> Place {
    place(PlaceInput {
        name: Some("La Fabrique \"Le Marteau\"; atelier, fablab".into()),
        types: strings(&["fablab", "epn"]),
        summary: Some("Fablab associatif | ateliers ouverts".into()),
        description: Some("## Qui sommes-nous ?\n\nUn lieu ouvert, avec « guillemets », virgules, points-virgules ; et retours\r\nà la ligne.".into()),
        address: Some("12 bis rue de la Résistance".into()),
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        latitude: Some(45.439_712),
        longitude: Some(4.387_218),
        siret: Some("43493312300029".into()),
        services: strings(&["admin_procedures", "digital_basics", "machines", "telework_desk"]),
        equipment: strings(&["Découpeuse laser", "Imprimante 3D"]),
        opening_hours: Some("Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00".into()),
        publics: strings(&["youth", "seniors", "entrepreneurs"]),
        support: strings(&["disability", "deafness"]),
        fees: strings(&["free", "membership"]),
        access_modes: strings(&["walk_in", "phone", "membership"]),
        accessibility_url: Some("https://acceslibre.beta.gouv.fr/app/erp/fabrique/".into()),
        labels: strings(&["france_services", "fabrique_territoire", "fabrique_numerique"]),
        email: Some("contact@marteau.example.fr".into()),
        phone: Some("+33477000000".into()),
        website: Some("https://marteau.example.fr".into()),
        status: Some("published".into()),
        ..PlaceInput::default()
    })
}

/// A place with only what is required: no point (the commune's is used), found from its
/// postal code and commune name.
pub fn minimal_place() -> Place {
    place(PlaceInput {
        name: Some("Médiathèque des Pentes".into()),
        types: strings(&["library"]),
        postal_code: Some("69001".into()),
        commune_name: Some("Lyon".into()),
        status: Some("draft".into()),
        ..PlaceInput::default()
    })
}

/// An association known by its RNA number.
pub fn association_place() -> Place {
    place(PlaceInput {
        name: Some("Maison de l'ESS du Ponant".into()),
        types: strings(&["maison_ess"]),
        summary: Some("Coopérer, entreprendre autrement.".into()),
        address: Some("Place de l'Église".into()),
        postal_code: Some("29810".into()),
        commune_code: Some("29124".into()),
        latitude: Some(48.4471),
        longitude: Some(-4.7652),
        rna: Some("W294001234".into()),
        services: strings(&["meeting_room", "digital_culture"]),
        fees: strings(&["paid"]),
        labels: strings(&["conseillers_numeriques"]),
        status: Some("published".into()),
        ..PlaceInput::default()
    })
}

pub fn places() -> Vec<Place> {
    vec![full_place(), minimal_place(), association_place()]
}

/// Empty text and absent text mean the same to validation; `version` is server state.
pub fn comparable(mut input: PlaceInput) -> PlaceInput {
    for field in [
        &mut input.name,
        &mut input.summary,
        &mut input.description,
        &mut input.address,
        &mut input.postal_code,
        &mut input.commune_code,
        &mut input.commune_name,
        &mut input.siret,
        &mut input.rna,
        &mut input.opening_hours,
        &mut input.accessibility_url,
        &mut input.email,
        &mut input.phone,
        &mut input.website,
        &mut input.status,
    ] {
        if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *field = None;
        }
    }
    input.version = None;
    input
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

pub fn parse_fixture(format: Format, name: &str) -> ParsedFile {
    match parse(format, &fixture(name), &ColumnMapping::default()) {
        Ok(parsed) => parsed,
        Err(e) => panic!("{name} should be readable: {e}"),
    }
}

/// Validate an imported input as the import use case will.
pub fn validate(input: &PlaceInput) -> Result<maillage_domain::place::PlaceData, Vec<String>> {
    input
        .validate(&FakeGazetteer::new(), FarLocation::UseCommunePoint)
        .map(|(data, _)| data)
        .map_err(|e| e.errors.iter().map(|f| format!("{}: {}", f.field, f.code)).collect())
}
