//! Opening hours in OpenStreetMap `opening_hours` syntax, evaluated in Europe/Paris with
//! French public holidays.
// HELPER-H2: full implementation with the opening-hours crate + tests.

use crate::FieldError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A parsed `opening_hours` value; keeps the text as the user wrote it (normalised).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpeningHours(String);

impl OpeningHours {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(FieldError::new(
                "",
                "invalid_opening_hours",
                "Horaires invalides.",
                "Invalid opening hours.",
            ));
        }
        Ok(Self(v.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether the place is open at this instant (Europe/Paris local time).
    pub fn is_open_at(&self, _at: DateTime<Utc>) -> bool {
        false
    }
}

super::legal::string_conversions!(OpeningHours);
