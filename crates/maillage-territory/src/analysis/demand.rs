//! Demand units: where people live, and how many.

use std::collections::HashMap;

use serde::Serialize;

use super::error::AnalysisError;
use super::geometry::{BandGrid, GeoPoint};
use crate::reference::{CommuneKind, Reference};

/// The three cities whose rows are replaced by their municipal arrondissements.
pub const CITIES_WITH_ARRONDISSEMENTS: [&str; 3] = ["75056", "69123", "13055"];

/// One demand unit: a commune, or one of the 45 municipal arrondissements of Paris, Lyon and
/// Marseille. An arrondissement carries its city's EPCI, département and région, and is its
/// own row when results are aggregated "by commune".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandUnit {
    /// INSEE code of the commune or arrondissement (`42218`, `75111`).
    pub code: String,
    pub name: String,
    /// For an arrondissement, its city's code (`75056`, `69123`, `13055`).
    pub parent: Option<String>,
    /// SIREN of the EPCI, `None` for the 4 island communes that have none.
    pub epci: Option<String>,
    pub departement: String,
    pub region: String,
    /// Demand: the legal municipal population (any non-negative weight for other territories).
    pub population: f64,
    /// WGS84 degrees.
    pub lat: f64,
    pub lon: f64,
}

/// A set of demand units with their spatial index, in a fixed order (INSEE code order for
/// [`DemandUnits::from_reference`]). Analyses return one value per unit, in this order.
#[derive(Debug, Clone)]
pub struct DemandUnits {
    units: Vec<DemandUnit>,
    by_code: HashMap<String, u32>,
    pub(crate) geo: Vec<GeoPoint>,
    pub(crate) grid: BandGrid,
}

/// A part of the territory to restrict units to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Territory {
    France,
    Region(String),
    Departement(String),
    /// By SIREN.
    Epci(String),
    /// Explicit unit codes (communes or arrondissements). A city code (`75056`, `69123`,
    /// `13055`) stands for all its arrondissements.
    Codes(Vec<String>),
}

impl DemandUnits {
    /// The 34,917 demand units of France: every commune except Paris, Lyon and Marseille,
    /// which are replaced by their 45 arrondissements. Demand is the legal population and the
    /// location is the reference point shipped with the crate.
    pub fn from_reference(reference: &Reference) -> Self {
        let units = reference
            .communes()
            .filter(|c| {
                c.kind == CommuneKind::Arrondissement
                    || !CITIES_WITH_ARRONDISSEMENTS.contains(&c.code.as_str())
            })
            .map(|c| DemandUnit {
                code: c.code.clone(),
                name: c.name.clone(),
                parent: c.parent.clone(),
                epci: c.epci.clone(),
                departement: c.departement.clone(),
                region: c.region.clone(),
                population: c.population as f64,
                lat: c.lat,
                lon: c.lon,
            })
            .collect();
        Self::build(units)
    }

    /// Units given one by one (tests, other territories). Codes must be unique, populations
    /// finite and non-negative, coordinates finite (latitude within ±90°).
    pub fn new(units: Vec<DemandUnit>) -> Result<Self, AnalysisError> {
        let mut seen = HashMap::with_capacity(units.len());
        for (i, unit) in units.iter().enumerate() {
            if !(unit.population.is_finite() && unit.population >= 0.0) {
                return Err(AnalysisError::InvalidPopulation {
                    field: format!("units[{i}].population"),
                    code: unit.code.clone(),
                    value: unit.population,
                });
            }
            if !valid_coordinates(unit.lat, unit.lon) {
                return Err(AnalysisError::InvalidCoordinates {
                    field: format!("units[{i}]"),
                    id: unit.code.clone(),
                    lat: unit.lat,
                    lon: unit.lon,
                });
            }
            if seen.insert(unit.code.as_str(), i).is_some() {
                return Err(AnalysisError::DuplicateId {
                    field: format!("units[{i}].code"),
                    id: unit.code.clone(),
                });
            }
        }
        Ok(Self::build(units))
    }

    fn build(units: Vec<DemandUnit>) -> Self {
        let geo: Vec<GeoPoint> = units.iter().map(|u| GeoPoint::new(u.lat, u.lon)).collect();
        let grid = BandGrid::new(geo.iter().copied().zip(0..));
        let by_code = units.iter().zip(0..).map(|(u, i)| (u.code.clone(), i)).collect();
        Self { units, by_code, geo, grid }
    }

    /// The units of a part of the territory, in the same relative order. Unknown codes are an
    /// error on the field `territory`; an empty result is [`AnalysisError::EmptyDemand`].
    pub fn restrict(&self, territory: &Territory) -> Result<Self, AnalysisError> {
        let unknown = |code: &str| AnalysisError::UnknownCode { field: "territory", code: code.to_owned() };
        let keep: Vec<bool> = match territory {
            Territory::France => vec![true; self.units.len()],
            Territory::Region(code) => {
                self.mask_or(code, |u| u.region == *code).ok_or_else(|| unknown(code))?
            }
            Territory::Departement(code) => {
                self.mask_or(code, |u| u.departement == *code).ok_or_else(|| unknown(code))?
            }
            Territory::Epci(code) => self
                .mask_or(code, |u| u.epci.as_deref() == Some(code.as_str()))
                .ok_or_else(|| unknown(code))?,
            Territory::Codes(codes) => {
                let mut keep = vec![false; self.units.len()];
                for code in codes {
                    let code = code.trim();
                    if let Some(&i) = self.by_code.get(code) {
                        keep[i as usize] = true;
                    } else if self.units.iter().any(|u| u.parent.as_deref() == Some(code)) {
                        for (k, u) in keep.iter_mut().zip(&self.units) {
                            *k |= u.parent.as_deref() == Some(code);
                        }
                    } else {
                        return Err(unknown(code));
                    }
                }
                keep
            }
        };
        let units: Vec<DemandUnit> =
            self.units.iter().zip(&keep).filter(|(_, k)| **k).map(|(u, _)| u.clone()).collect();
        if units.is_empty() {
            return Err(AnalysisError::EmptyDemand { field: "territory" });
        }
        Ok(Self::build(units))
    }

    fn mask_or(&self, _code: &str, keep: impl Fn(&DemandUnit) -> bool) -> Option<Vec<bool>> {
        let mask: Vec<bool> = self.units.iter().map(keep).collect();
        mask.iter().any(|&k| k).then_some(mask)
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// All units, in analysis order.
    pub fn units(&self) -> &[DemandUnit] {
        &self.units
    }

    pub fn get(&self, index: usize) -> Option<&DemandUnit> {
        self.units.get(index)
    }

    /// Position of the unit with this code.
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).map(|&i| i as usize)
    }

    /// Sum of the populations, in unit order.
    pub fn total_population(&self) -> f64 {
        self.units.iter().map(|u| u.population).sum()
    }
}

pub(crate) fn valid_coordinates(lat: f64, lon: f64) -> bool {
    lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 360.0
}
