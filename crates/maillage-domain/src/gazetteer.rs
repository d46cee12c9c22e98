//! What validation needs to know of the reference geography, as a trait, so that the
//! domain stays free of data files (`maillage-territory` implements it).

use serde::Serialize;

/// A commune (or municipal arrondissement) as validation sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommuneRef {
    /// INSEE COG code, e.g. `42218`.
    pub code: String,
    pub name: String,
    /// Département code, e.g. `42`, `2A`, `971`.
    pub departement: String,
    /// Région code, e.g. `84`.
    pub region: String,
    /// SIREN of the EPCI, when the commune belongs to one.
    pub epci: Option<String>,
    pub postal_codes: Vec<String>,
    pub population: u64,
    /// Reference point (town hall or interior point), WGS84 degrees.
    pub lon: f64,
    pub lat: f64,
}

/// Look-ups into the reference geography.
pub trait Gazetteer {
    /// The commune or arrondissement with this INSEE code.
    fn commune(&self, code: &str) -> Option<CommuneRef>;
    /// The communes served by a postal code.
    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef>;
    /// Resolve a commune from a postal code and a name as people write it (accents,
    /// hyphens, "St" for "Saint", arrondissement numbers…). `None` when ambiguous or unknown.
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef>;
}
