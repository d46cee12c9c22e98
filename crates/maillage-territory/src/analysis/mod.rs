//! Territorial analyses on demand units (where people live) and supply (places): nearest
//! place, coverage and white zones, floating catchment accessibility, and where to open the
//! next places (maximal covering, p-median, set cover) with proven bounds.
//!
//! Pure computation: inputs are validated into [`DemandUnits`] and [`Supply`], costs come
//! from a [`CostModel`] ([`GreatCircle`] km, or an explicit [`CostTable`]), and every bad input
//! is an [`AnalysisError`] naming its field.

mod access;
mod cost;
mod coverage;
mod demand;
mod error;
mod geometry;
mod optimize;
mod parallel;
mod supply;

pub use access::{AccessOptions, Accessibility, Catchment, Stages, Step, Weight, accessibility};
pub use cost::{CostModel, CostTable, GreatCircle, NearestPlace, Pairs};
pub use coverage::{Coverage, CoverageRow, Level, WhiteZone, coverage, nearest};
pub use demand::{CITIES_WITH_ARRONDISSEMENTS, DemandUnit, DemandUnits, Territory};
pub use error::AnalysisError;
pub use optimize::{
    Candidates, ChosenSite, Control, MclpOptions, MclpResult, PMedianOptions, PMedianResult, Phase, Progress,
    SetCoverOptions, SetCoverResult, mclp, pmedian, set_cover,
};
pub use supply::{Place, PlaceRow, Supply, parse_place_types};
