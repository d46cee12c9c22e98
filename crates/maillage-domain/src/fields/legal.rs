//! SIRET (establishment number) and RNA (associations register) identifiers.

use crate::FieldError;
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
                        format!("Le SIRET ne doit contenir que des chiffres (caractère « {other} » refusé)."),
                        format!("A SIRET contains digits only (character “{other}” refused)."),
                    ));
                }
            }
        }
        if digits.is_empty() {
            return Err(invalid_siret("Le SIRET est vide.", "The SIRET is empty."));
        }
        if digits.len() != 14 {
            let hint_fr = if digits.len() == 9 {
                " Il s'agit peut-être d'un SIREN : ajoutez les 5 chiffres de l'établissement (NIC)."
            } else {
                ""
            };
            let hint_en = if digits.len() == 9 {
                " This may be a SIREN: add the 5 digits of the establishment (NIC)."
            } else {
                ""
            };
            return Err(invalid_siret(
                format!("Le SIRET doit compter 14 chiffres ({} trouvés).{hint_fr}", digits.len()),
                format!("A SIRET has 14 digits ({} found).{hint_en}", digits.len()),
            ));
        }
        if !siret_checksum_ok(&digits) {
            return Err(invalid_siret(
                "Ce SIRET n'existe pas : sa clé de contrôle (formule de Luhn) est fausse. \
                 Vérifiez qu'aucun chiffre n'a été mal recopié.",
                "This SIRET does not exist: its check digit (Luhn formula) is wrong. \
                 Check that no digit was mistyped.",
            ));
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

fn invalid_siret(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_siret", fr, en)
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
            return Err(invalid_rna("Le numéro RNA est vide.", "The RNA number is empty."));
        }
        if !v.starts_with('W') {
            return Err(invalid_rna(
                "Un numéro RNA commence par la lettre W suivie de 9 caractères (ex. W751234567). \
                 Les anciens numéros de dossier de préfecture ne sont pas acceptés : indiquez le \
                 numéro W de l'association (visible sur journal-officiel.gouv.fr) ou son SIRET.",
                "An RNA number starts with W followed by 9 characters (e.g. W751234567). Old \
                 prefecture file numbers are not accepted: give the association's W number or \
                 its SIRET.",
            ));
        }
        let rest = &v[1..];
        if rest.chars().count() != 9 {
            return Err(invalid_rna(
                format!(
                    "Un numéro RNA compte 10 caractères : W suivi de 9 caractères ({} trouvés après le W).",
                    rest.chars().count()
                ),
                format!(
                    "An RNA number has 10 characters: W followed by 9 ({} found after the W).",
                    rest.chars().count()
                ),
            ));
        }
        let b = rest.as_bytes();
        let registry_ok =
            b[0].is_ascii_digit() && b[1].is_ascii_alphanumeric() && b[2].is_ascii_alphanumeric();
        let serial_ok = b[3..].iter().all(u8::is_ascii_digit);
        if !registry_ok || !serial_ok {
            return Err(invalid_rna(
                "Numéro RNA mal formé : après le W viennent le code du greffe (3 caractères, \
                 ex. 751, 2A1, 9R1) puis 6 chiffres.",
                "Malformed RNA number: after the W come the registry code (3 characters, \
                 e.g. 751, 2A1, 9R1) then 6 digits.",
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_rna(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_rna", fr, en)
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
