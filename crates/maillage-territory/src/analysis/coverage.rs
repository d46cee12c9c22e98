//! Nearest place and coverage within a radius, with white zones.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cost::{CostModel, NearestPlace};
use super::demand::DemandUnits;
use super::error::{AnalysisError, positive};
use super::supply::Supply;

/// Cost (km for [`super::GreatCircle`]) from every unit to its nearest place, in unit order;
/// exact. Filter by type first with [`Supply::with_types`]. Refuses an empty supply.
pub fn nearest(
    units: &DemandUnits,
    places: &Supply,
    cost: &dyn CostModel,
) -> Result<Vec<NearestPlace>, AnalysisError> {
    places.require_non_empty()?;
    cost.nearest(units, places, None)
}

/// Level at which coverage is summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// One row per demand unit: each arrondissement of Paris, Lyon and Marseille is its own row.
    Commune,
    Epci,
    Departement,
    Region,
    France,
}

/// Covered and total population of one area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageRow {
    /// Unit code, EPCI SIREN, département or région code; `FR` for France; empty for the
    /// units without EPCI.
    pub code: String,
    pub covered_population: f64,
    pub total_population: f64,
    /// covered / total; NaN when the area has no population.
    pub share: f64,
}

/// A unit beyond the radius of every place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhiteZone {
    pub unit: usize,
    pub code: String,
    pub name: String,
    pub population: f64,
    /// Cost to the nearest place (`inf` when none is reachable).
    pub distance_km: f64,
}

/// Result of [`coverage`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub radius_km: f64,
    /// Nearest place of every unit, in unit order.
    pub nearest: Vec<NearestPlace>,
    /// Whether each unit is within the radius (inclusive) of a place.
    pub covered: Vec<bool>,
    pub france: CoverageRow,
    /// Units beyond the radius, by population descending (then code).
    pub white_zones: Vec<WhiteZone>,
}

/// Share of the population within `radius_km` (inclusive) of a place. `radius_km` must be
/// finite and > 0 (field `radius_km`); the supply must not be empty (field `places`).
pub fn coverage(
    units: &DemandUnits,
    places: &Supply,
    cost: &dyn CostModel,
    radius_km: f64,
) -> Result<Coverage, AnalysisError> {
    positive("radius_km", radius_km)?;
    let nearest = nearest(units, places, cost)?;
    let covered: Vec<bool> = nearest.iter().map(|n| n.cost <= radius_km).collect();
    let mut white_zones: Vec<WhiteZone> = units
        .units()
        .iter()
        .zip(&nearest)
        .enumerate()
        .filter(|(_, (_, n))| n.cost > radius_km)
        .map(|(i, (u, n))| WhiteZone {
            unit: i,
            code: u.code.clone(),
            name: u.name.clone(),
            population: u.population,
            distance_km: n.cost,
        })
        .collect();
    white_zones.sort_by(|a, b| b.population.total_cmp(&a.population).then_with(|| a.code.cmp(&b.code)));
    let mut result =
        Coverage { radius_km, nearest, covered, france: row("FR".to_owned(), 0.0, 0.0), white_zones };
    result.france = result.by(units, Level::France).pop().unwrap_or_else(|| row("FR".to_owned(), 0.0, 0.0));
    Ok(result)
}

fn row(code: String, covered_population: f64, total_population: f64) -> CoverageRow {
    CoverageRow { code, covered_population, total_population, share: covered_population / total_population }
}

impl Coverage {
    /// Covered and total population summed by `level`, rows sorted by code. `units` must be
    /// the units the coverage was computed on.
    pub fn by(&self, units: &DemandUnits, level: Level) -> Vec<CoverageRow> {
        let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
        for (u, &covered) in units.units().iter().zip(&self.covered) {
            let key = match level {
                Level::Commune => u.code.as_str(),
                Level::Epci => u.epci.as_deref().unwrap_or(""),
                Level::Departement => u.departement.as_str(),
                Level::Region => u.region.as_str(),
                Level::France => "FR",
            };
            let entry = sums.entry(key).or_default();
            if covered {
                entry.0 += u.population;
            }
            entry.1 += u.population;
        }
        sums.into_iter().map(|(code, (c, t))| row(code.to_owned(), c, t)).collect()
    }
}
