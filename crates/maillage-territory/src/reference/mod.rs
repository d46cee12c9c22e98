//! The French reference geography (COG 2026): communes and municipal arrondissements,
//! EPCI, départements and régions, embedded in the binary and loaded once.

mod gazetteer;
mod load;
mod resolve;
mod search;
mod spatial;

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

pub use load::ReferenceError;
pub use resolve::NEAREST_MAX_KM;

use crate::geo::haversine_km;
use spatial::PointTree;

/// Attribution to show wherever the reference data is displayed or exported.
pub const ATTRIBUTION: &str = "Sources : INSEE (Code officiel géographique 2026, populations légales), IGN — Licence Ouverte / Etalab 2.0";

/// A point counts as "in France" when it lies within this many kilometres of a commune's
/// reference point (see [`Reference::is_in_france`]).
pub const IN_FRANCE_RADIUS_KM: f64 = 30.0;

/// Simplified boundaries of the 101 départements that have commune polygons (metropole and
/// DROM), as a GeoJSON `FeatureCollection` whose features carry `code` and `nom`.
/// Coordinates are WGS84 degrees rounded to 4 decimals, simplified to about 1 km.
pub fn departements_geojson() -> &'static str {
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/reference/departements.geojson"))
}

/// Whether a row is a commune or one of the 45 municipal arrondissements of Paris, Lyon and
/// Marseille.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CommuneKind {
    Commune,
    Arrondissement,
}

/// Metropolitan France, overseas départements-régions (DROM) or overseas collectivities (COM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Zone {
    Metro,
    Drom,
    Com,
}

/// Legal form of an EPCI with its own tax system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EpciKind {
    /// Communauté de communes.
    #[serde(rename = "CC")]
    CommunauteDeCommunes,
    /// Communauté d'agglomération.
    #[serde(rename = "CA")]
    CommunauteDAgglomeration,
    /// Communauté urbaine.
    #[serde(rename = "CU")]
    CommunauteUrbaine,
    /// Métropole.
    #[serde(rename = "METRO")]
    Metropole,
    /// Métropole de Lyon (a collectivity with special status).
    #[serde(rename = "MET69")]
    MetropoleDeLyon,
}

/// A commune or a municipal arrondissement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commune {
    /// INSEE COG code, e.g. `42218`, `2A004`, `75111`.
    pub code: String,
    pub name: String,
    pub kind: CommuneKind,
    /// For an arrondissement, the code of its city (`75056`, `69123`, `13055`).
    pub parent: Option<String>,
    pub departement: String,
    pub region: String,
    /// SIREN of the EPCI. Arrondissements take their city's; 4 island communes have none.
    pub epci: Option<String>,
    pub postal_codes: Vec<String>,
    /// Legal municipal population.
    pub population: u64,
    /// Town hall (or interior point), WGS84 degrees.
    pub lon: f64,
    pub lat: f64,
    pub zone: Zone,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Epci {
    /// SIREN, e.g. `244200770`.
    pub code: String,
    pub name: String,
    pub kind: EpciKind,
    /// Legal municipal population.
    pub population: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Departement {
    /// `01`…`95`, `2A`, `2B`, `971`…`976`, and overseas collectivities' codes.
    pub code: String,
    pub name: String,
    pub region: String,
    /// INSEE code of the prefecture's commune.
    pub chef_lieu: String,
    pub zone: Zone,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub chef_lieu: String,
    pub zone: Zone,
}

/// The reference geography with its look-up indexes. Build it once ([`Reference::shared`]).
#[derive(Debug)]
pub struct Reference {
    /// Sorted by code.
    communes: Vec<Commune>,
    epcis: Vec<Epci>,
    departements: Vec<Departement>,
    regions: Vec<Region>,
    commune_by_code: HashMap<String, u32>,
    epci_by_code: HashMap<String, u32>,
    departement_by_code: HashMap<String, u32>,
    region_by_code: HashMap<String, u32>,
    /// Indexes of communes (arrondissements excluded) per département, EPCI and région.
    by_departement: HashMap<String, Vec<u32>>,
    by_epci: HashMap<String, Vec<u32>>,
    by_region: HashMap<String, Vec<u32>>,
    /// Indexes of communes and arrondissements per postal code, in code order.
    by_postal_code: HashMap<String, Vec<u32>>,
    arrondissements_by_city: HashMap<String, Vec<u32>>,
    /// Search key of each commune, same order as `communes` (see `search::name_key`).
    name_keys: Vec<String>,
    /// Address key of each commune, same order as `communes` (see `resolve::address_key`).
    match_keys: Vec<String>,
    /// Former communes (`anciennes_communes.csv`), by code order.
    formers: Vec<resolve::Former>,
    former_by_code: HashMap<String, u32>,
    /// Former communes of each current commune (indexes into `formers`).
    formers_of: HashMap<u32, Vec<u32>>,
    /// Postal town lines that are not their commune's name, per postal code.
    postal_labels: HashMap<String, Vec<resolve::PostalLabel>>,
    points: PointTree,
}

impl Reference {
    /// Parse the embedded CSV files and build the indexes (about 100 ms in release).
    pub fn load() -> Result<Self, ReferenceError> {
        load::load(&load::EMBEDDED)
    }

    /// The reference geography, loaded on first use and shared by the whole process.
    pub fn shared() -> &'static Reference {
        static SHARED: OnceLock<Reference> = OnceLock::new();
        // The data is compiled in and checked by this crate's tests: failing here is a build bug.
        SHARED.get_or_init(|| Reference::load().expect("the embedded reference geography is valid"))
    }

    /// The commune or arrondissement with this INSEE code.
    pub fn commune(&self, code: &str) -> Option<&Commune> {
        self.commune_by_code.get(code).map(|&i| &self.communes[i as usize])
    }

    /// The former commune with this INSEE code (merged since into a current commune):
    /// its name when the source gives one, and its current commune.
    pub fn former_commune(&self, code: &str) -> Option<(Option<&str>, &Commune)> {
        let former = &self.formers[*self.former_by_code.get(code)? as usize];
        Some((former.name.as_deref(), &self.communes[former.current as usize]))
    }

    /// Number of former communes known (named or not).
    pub fn former_communes_count(&self) -> usize {
        self.formers.len()
    }

    pub fn departement(&self, code: &str) -> Option<&Departement> {
        self.departement_by_code.get(code).map(|&i| &self.departements[i as usize])
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.region_by_code.get(code).map(|&i| &self.regions[i as usize])
    }

    /// The EPCI with this SIREN.
    pub fn epci(&self, code: &str) -> Option<&Epci> {
        self.epci_by_code.get(code).map(|&i| &self.epcis[i as usize])
    }

    /// Communes then arrondissements interleaved, in INSEE code order.
    pub fn communes(&self) -> impl ExactSizeIterator<Item = &Commune> + '_ {
        self.communes.iter()
    }

    pub fn epcis(&self) -> impl ExactSizeIterator<Item = &Epci> + '_ {
        self.epcis.iter()
    }

    pub fn departements(&self) -> impl ExactSizeIterator<Item = &Departement> + '_ {
        self.departements.iter()
    }

    pub fn regions(&self) -> impl ExactSizeIterator<Item = &Region> + '_ {
        self.regions.iter()
    }

    /// Communes of a département, in code order. Arrondissements are left out so that sums
    /// over the result count Paris, Lyon and Marseille once; see [`Reference::arrondissements`].
    pub fn communes_in_departement(&self, code: &str) -> impl Iterator<Item = &Commune> + '_ {
        self.indexed(self.by_departement.get(code))
    }

    /// Communes of an EPCI (by SIREN), in code order, arrondissements left out.
    pub fn communes_in_epci(&self, code: &str) -> impl Iterator<Item = &Commune> + '_ {
        self.indexed(self.by_epci.get(code))
    }

    /// Communes of a région, in code order, arrondissements left out.
    pub fn communes_in_region(&self, code: &str) -> impl Iterator<Item = &Commune> + '_ {
        self.indexed(self.by_region.get(code))
    }

    /// The municipal arrondissements of a city (`75056`, `69123`, `13055`); empty otherwise.
    pub fn arrondissements(&self, city_code: &str) -> impl Iterator<Item = &Commune> + '_ {
        self.indexed(self.arrondissements_by_city.get(city_code))
    }

    /// Communes and arrondissements served by a postal code, in code order. A city with
    /// arrondissements comes with the arrondissement(s) of that postal code.
    pub fn communes_by_postal_code(&self, postal_code: &str) -> Vec<&Commune> {
        self.indexed(self.by_postal_code.get(postal_code.trim())).collect()
    }

    /// The commune (or arrondissement) whose reference point is nearest to a WGS84 point,
    /// with the great-circle distance in **kilometres**. Inside Paris, Lyon and Marseille the
    /// answer is an arrondissement, never the city row. `None` only for non-finite input.
    pub fn nearest_commune(&self, lat: f64, lon: f64) -> Option<(&Commune, f64)> {
        if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 {
            return None;
        }
        let index = self.points.nearest(crate::geo::unit_vector(lat, lon))?;
        let commune = &self.communes[index as usize];
        Some((commune, haversine_km(lat, lon, commune.lat, commune.lon)))
    }

    /// Whether a WGS84 point is in France: within [`IN_FRANCE_RADIUS_KM`] of a commune's
    /// reference point. Points rather than boundaries keep this cheap and cover the coasts,
    /// islands and the five DROM alike; the price is a margin of a few kilometres beyond the
    /// border (Geneva, Monaco or Jersey count as "in France") and none at sea beyond 30 km.
    /// The 94 overseas collectivities without reference points (Polynesia, New Caledonia…)
    /// are not covered.
    pub fn is_in_france(&self, lat: f64, lon: f64) -> bool {
        self.nearest_commune(lat, lon).is_some_and(|(_, km)| km <= IN_FRANCE_RADIUS_KM)
    }

    fn indexed<'a>(&'a self, indexes: Option<&'a Vec<u32>>) -> impl Iterator<Item = &'a Commune> + 'a {
        indexes.into_iter().flatten().map(|&i| &self.communes[i as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_reference_is_built_once() {
        assert!(std::ptr::eq(Reference::shared(), Reference::shared()));
    }

    #[test]
    fn geojson_is_a_feature_collection_of_departements() {
        let geojson = departements_geojson();
        assert!(geojson.starts_with(r#"{"type":"FeatureCollection""#));
        assert!(geojson.contains(r#""code":"2A","nom":"Corse-du-Sud""#));
        assert!(geojson.contains(r#""code":"974","nom":"La Réunion""#));
        assert!(geojson.len() < 1_500_000);
    }
}
