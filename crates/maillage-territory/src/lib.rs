#![doc = include_str!("../README.md")]

pub mod analysis;
pub mod geo;
pub mod reference;
#[cfg(test)]
mod test_support;

pub use geo::{EARTH_RADIUS_KM, haversine_km};
pub use reference::{
    ATTRIBUTION, Commune, CommuneKind, Departement, Epci, EpciKind, Reference, ReferenceError, Region, Zone,
    departements_geojson,
};
