//! SIRET (establishment number) and RNA (associations register) identifiers.

use crate::FieldError;
use crate::messages::Message;
use serde::{Deserialize, Serialize};

/// SIREN of La Poste: its establishments were numbered before the Luhn rule was applied to
/// them, so INSEE validates them with another rule (sum of digits multiple of 5).
const LA_POSTE_SIREN: &str = "356000000";

/// A SIRET: 14 digits (9 of the SIREN, 5 of the establishment) with a valid checksum.
///
/// Spaces and dots between digits are accepted on input (`123 456 789 00012`,
/// `123.456.789.00012`) and removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Siret(String);

impl Siret {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let mut digits = String::with_capacity(14);
        for c in value.trim().chars() {
            match c {
                '0'..='9' => digits.push(c),
                // Grouping separators people copy from documents, including the narrow and
                // ordinary no-break spaces French typography uses.
                ' ' | '.' | '\u{a0}' | '\u{202f}' | '\t' => {}
                other => {
                    return Err(invalid_siret(
                        Message::new("field.legal.siret_contains_digits_only").with("other", other),
                    ));
                }
            }
        }
        if digits.is_empty() {
            return Err(invalid_siret(Message::new("field.legal.siret_empty")));
        }
        if digits.len() != 14 {
            let hint = if digits.len() == 9 {
                Message::new("field.legal.siren_not_siret")
            } else {
                Message::empty()
            };
            return Err(invalid_siret(
                Message::new("field.legal.siret_digit_count")
                    .with("found", digits.len())
                    .with_message("hint", hint),
            ));
        }
        if !siret_checksum_ok(&digits) {
            return Err(invalid_siret(Message::new("field.legal.siret_does_not_exist")));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SIREN (company number): the first 9 digits.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }

    /// The NIC (establishment number within the company): the last 5 digits.
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

fn invalid_siret(message: Message) -> FieldError {
    FieldError::new("", "invalid_siret", message)
}

/// Luhn check over ASCII digits (the rule SIREN and SIRET use).
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

fn siret_checksum_ok(digits: &str) -> bool {
    if luhn_valid(digits) {
        return true;
    }
    digits.starts_with(LA_POSTE_SIREN)
        && digits.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5)
}

/// An RNA number (*Répertoire national des associations*): `W`, then the 3-character code
/// of the registry (prefecture) that holds the file — digits, or a digit followed by
/// letters for Corsica (`W2A…`, `W2B…`) and overseas registries (`W9R…`, `W9M…`) — then
/// a 6-digit serial number. 10 characters in all, e.g. `W751234567`.
///
/// The older *numéro de dossier* that prefectures gave before the RNA (2009) has no single
/// published format, so it is refused with a message asking for the W number (every
/// association still in the register has one, shown on journal-officiel.gouv.fr).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rna(String);

impl Rna {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v: String = value
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .collect::<String>()
            .to_ascii_uppercase();
        if v.is_empty() {
            return Err(invalid_rna(Message::new("field.legal.rna_number_empty")));
        }
        if !v.starts_with('W') {
            return Err(invalid_rna(Message::new("field.legal.rna_number_starts_with")));
        }
        let rest = &v[1..];
        if rest.chars().count() != 9 {
            return Err(invalid_rna(
                Message::new("field.legal.rna_number_has_characters").with("chars", rest.chars().count()),
            ));
        }
        let b = rest.as_bytes();
        let registry_ok =
            b[0].is_ascii_digit() && b[1].is_ascii_alphanumeric() && b[2].is_ascii_alphanumeric();
        let serial_ok = b[3..].iter().all(u8::is_ascii_digit);
        if !registry_ok || !serial_ok {
            return Err(invalid_rna(Message::new("field.legal.malformed_rna_number_after")));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_rna(message: Message) -> FieldError {
    FieldError::new("", "invalid_rna", message)
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
