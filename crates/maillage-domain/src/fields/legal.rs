//! SIRET (establishment number) and RNA (associations register) identifiers.
// HELPER-H2: full implementation + tests (Luhn, La Poste exception, spaces allowed).

use crate::FieldError;
use serde::{Deserialize, Serialize};

/// A SIRET: 14 digits whose Luhn sum is valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let digits: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Self(digits))
        } else {
            Err(FieldError::new("", "invalid_siret", "SIRET invalide.", "Invalid SIRET."))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An RNA number (associations register): `W` followed by 9 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rna(String);

impl Rna {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim().to_ascii_uppercase();
        if v.len() == 10 && v.starts_with('W') {
            Ok(Self(v))
        } else {
            Err(FieldError::new("", "invalid_rna", "Numéro RNA invalide.", "Invalid RNA number."))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_conversions {
    ($($t:ty),*) => {$(
        impl TryFrom<String> for $t {
            type Error = FieldError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$t> for String {
            fn from(value: $t) -> String {
                value.0
            }
        }
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}
pub(crate) use string_conversions;

string_conversions!(Siret, Rna);
