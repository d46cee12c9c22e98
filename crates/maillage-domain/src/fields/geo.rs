//! Geographic fields: postal code, INSEE commune code, coordinates.
// HELPER-H2: full implementation + tests.

use super::legal::string_conversions;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// A French postal code: 5 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.len() == 5 && v.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(v.to_owned()))
        } else {
            Err(FieldError::new("", "invalid_postal_code", "Code postal invalide.", "Invalid postal code."))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An INSEE commune code (COG): 5 characters, digits or `2A`/`2B` for Corsica.
/// Its existence is checked against the reference geography by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim().to_ascii_uppercase();
        if v.len() == 5 {
            Ok(Self(v))
        } else {
            Err(FieldError::new("", "invalid_insee_code", "Code INSEE invalide.", "Invalid INSEE code."))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(PostalCode, InseeCode);

/// A WGS84 point inside one of France's territories.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    pub fn parse(lat: f64, lon: f64) -> Result<Self, FieldError> {
        if lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon)
        {
            Ok(Self { lat, lon })
        } else {
            Err(FieldError::new("", "invalid_coordinates", "Coordonnées invalides.", "Invalid coordinates."))
        }
    }

    /// Great-circle distance in kilometres (sphere of radius 6371.0088 km).
    pub fn distance_km(&self, other: &Coordinates) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0088 * a.sqrt().asin()
    }
}
