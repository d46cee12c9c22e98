//! Supply: the places people can go to, with a capacity.

use std::collections::HashMap;
use std::sync::OnceLock;

use maillage_domain::vocab::{PlaceType, Vocabulary};
use serde::Serialize;

use super::demand::{DemandUnits, valid_coordinates};
use super::error::AnalysisError;
use super::geometry::GeoPoint;
use crate::reference::Reference;

/// A place as read from a file, the database or the API, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceRow {
    pub id: String,
    /// WGS84 degrees.
    pub lat: f64,
    pub lon: f64,
    /// Supply offered (desks, staff, opening hours…); 1 when absent.
    pub capacity: Option<f64>,
    /// Place type codes ([`PlaceType`] codes such as `fablab`, `epn`); may be empty.
    pub types: Vec<String>,
}

/// A validated place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    pub id: String,
    pub lat: f64,
    pub lon: f64,
    pub capacity: f64,
    pub types: Vec<PlaceType>,
}

/// The validated places of an analysis, in input order (results refer to them by index).
#[derive(Debug, Clone, Default)]
pub struct Supply {
    places: Vec<Place>,
    /// Index by id, built on first look-up (the optimisers' candidate sites never need it).
    by_id: OnceLock<HashMap<String, u32>>,
    pub(crate) geo: Vec<GeoPoint>,
}

/// Parses place type codes given by a user (`--type fablab`), case-insensitively; an unknown
/// code is an error on `field` listing the known codes.
pub fn parse_place_types(field: &str, values: &[&str]) -> Result<Vec<PlaceType>, AnalysisError> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            PlaceType::from_code(value).ok_or_else(|| AnalysisError::UnknownPlaceType {
                field: if values.len() == 1 { field.to_owned() } else { format!("{field}[{i}]") },
                value: value.trim().to_owned(),
                known: PlaceType::ALL.iter().map(|t| t.code()).collect(),
            })
        })
        .collect()
}

impl Supply {
    /// Validates places: coordinates finite and in range, capacity finite and ≥ 0 (1 when
    /// absent), ids unique, type codes known. Errors name the field as `places[i].lat`,
    /// `places[i].capacity`, `places[i].id`, `places[i].types`. An empty list is allowed here;
    /// the analyses that need places refuse it.
    pub fn new(rows: impl IntoIterator<Item = PlaceRow>) -> Result<Self, AnalysisError> {
        let mut places = Vec::new();
        let mut by_id = HashMap::new();
        for (i, row) in rows.into_iter().enumerate() {
            if !valid_coordinates(row.lat, row.lon) {
                let field = if row.lat.is_finite() && row.lat.abs() <= 90.0 { "lon" } else { "lat" };
                return Err(AnalysisError::InvalidCoordinates {
                    field: format!("places[{i}].{field}"),
                    id: row.id,
                    lat: row.lat,
                    lon: row.lon,
                });
            }
            let capacity = row.capacity.unwrap_or(1.0);
            if !(capacity.is_finite() && capacity >= 0.0) {
                return Err(AnalysisError::InvalidCapacity {
                    field: format!("places[{i}].capacity"),
                    id: row.id,
                    value: capacity,
                });
            }
            let codes: Vec<&str> = row.types.iter().map(String::as_str).collect();
            let types = parse_place_types(&format!("places[{i}].types"), &codes)?;
            if by_id.insert(row.id.clone(), i as u32).is_some() {
                return Err(AnalysisError::DuplicateId { field: format!("places[{i}].id"), id: row.id });
            }
            places.push(Place { id: row.id, lat: row.lat, lon: row.lon, capacity, types });
        }
        Ok(Self::from_places(places, by_id))
    }

    fn from_places(places: Vec<Place>, by_id: HashMap<String, u32>) -> Self {
        let index = OnceLock::new();
        let _ = index.set(by_id);
        Self::from_places_lazy(places, index)
    }

    fn from_places_lazy(places: Vec<Place>, by_id: OnceLock<HashMap<String, u32>>) -> Self {
        let geo = places.iter().map(|p| GeoPoint::new(p.lat, p.lon)).collect();
        Self { places, by_id, geo }
    }

    /// Candidate sites at the location of some demand units: ids are the units' codes,
    /// capacity 1, no type. This is how the optimisers see the sites they may open.
    pub fn at_units(units: &DemandUnits, indexes: &[usize]) -> Self {
        let indexes: Vec<usize> = indexes.iter().copied().filter(|&i| i < units.len()).collect();
        let places = indexes
            .iter()
            .filter_map(|&i| units.get(i))
            .map(|u| Place { id: u.code.clone(), lat: u.lat, lon: u.lon, capacity: 1.0, types: Vec::new() })
            .collect();
        // The units' prepared points are the sites' (no trigonometry again).
        let geo = indexes.iter().map(|&i| units.geo[i]).collect();
        Self { places, by_id: OnceLock::new(), geo }
    }

    /// The places having at least one of `types` (all places when `types` is empty). Refuses
    /// an empty result with [`AnalysisError::EmptySupply`] on the field `types`.
    pub fn with_types(&self, types: &[PlaceType]) -> Result<Self, AnalysisError> {
        if types.is_empty() {
            return if self.places.is_empty() {
                Err(AnalysisError::EmptySupply { field: "places" })
            } else {
                Ok(self.clone())
            };
        }
        let mut by_id = HashMap::new();
        let places: Vec<Place> = self
            .places
            .iter()
            .filter(|p| p.types.iter().any(|t| types.contains(t)))
            .cloned()
            .zip(0..)
            .map(|(p, j)| {
                by_id.insert(p.id.clone(), j);
                p
            })
            .collect();
        if places.is_empty() {
            return Err(AnalysisError::EmptySupply { field: "types" });
        }
        Ok(Self::from_places(places, by_id))
    }

    /// Refuses places farther than 30 km from every commune of France
    /// ([`Reference::is_in_france`]), naming how many and the first five ids.
    pub fn require_in_france(&self, reference: &Reference) -> Result<(), AnalysisError> {
        let outside: Vec<&Place> =
            self.places.iter().filter(|p| !reference.is_in_france(p.lat, p.lon)).collect();
        if outside.is_empty() {
            return Ok(());
        }
        Err(AnalysisError::OutsideFrance {
            field: "places",
            count: outside.len(),
            first_ids: outside.iter().take(5).map(|p| p.id.clone()).collect(),
        })
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn get(&self, index: usize) -> Option<&Place> {
        self.places.get(index)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id
            .get_or_init(|| self.places.iter().zip(0..).map(|(p, j)| (p.id.clone(), j)).collect())
            .get(id)
            .map(|&i| i as usize)
    }

    pub(crate) fn require_non_empty(&self) -> Result<(), AnalysisError> {
        if self.places.is_empty() { Err(AnalysisError::EmptySupply { field: "places" }) } else { Ok(()) }
    }
}
