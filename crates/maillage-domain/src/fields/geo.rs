//! Geographic fields: postal code, INSEE commune code, coordinates.

use super::legal::string_conversions;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Spreadsheets turn `01000` into the number `1000`: a 4-digit code is taken to have lost
/// its leading zero and is padded back. Any other length is refused.
fn restore_leading_zero(v: &str) -> String {
    if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) { format!("0{v}") } else { v.to_owned() }
}

/// A French postal code: 5 digits, leading zeros kept.
///
/// A 4-digit value (`1000`) is read as a code whose leading zero a spreadsheet dropped and
/// becomes `01000`; other lengths are refused. Codes starting with `00` or `99` do not exist.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PostalCode(String);

impl PostalCode {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v: String = value.trim().chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
        if v.is_empty() {
            return Err(invalid_postal("Le code postal est vide.", "The postal code is empty."));
        }
        let v = restore_leading_zero(&v);
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid_postal(
                "Un code postal ne contient que des chiffres (ex. 69001).",
                "A postal code contains digits only (e.g. 69001).",
            ));
        }
        if v.len() != 5 {
            return Err(invalid_postal(
                format!("Un code postal compte 5 chiffres ({} trouvés).", v.len()),
                format!("A postal code has 5 digits ({} found).", v.len()),
            ));
        }
        if v.starts_with("00") || v.starts_with("99") {
            return Err(invalid_postal(
                format!("Le code postal {v} n'existe pas en France."),
                format!("Postal code {v} does not exist in France."),
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_postal(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_postal_code", fr, en)
}

/// An INSEE commune code (*code officiel géographique*): a département code — `01` to `95`
/// (not `20`), `2A`/`2B` for Corsica — then 3 digits; overseas codes are `971`–`978` and
/// `984`–`989` followed by 2 digits. Upper-cased; a 4-digit value gets its leading zero back
/// like postal codes. Its existence is checked against the reference geography by the caller.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InseeCode(String);

impl InseeCode {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = restore_leading_zero(&value.trim().to_ascii_uppercase());
        if v.is_empty() {
            return Err(invalid_insee("Le code INSEE est vide.", "The INSEE code is empty."));
        }
        if v.len() != 5 || !v.is_ascii() {
            return Err(invalid_insee(
                format!(
                    "Un code INSEE de commune compte 5 caractères ({} trouvés), ex. 69123 ou 2A004. \
                     Attention à ne pas le confondre avec le code postal.",
                    v.chars().count()
                ),
                format!(
                    "An INSEE commune code has 5 characters ({} found), e.g. 69123 or 2A004. Do not \
                     confuse it with the postal code.",
                    v.chars().count()
                ),
            ));
        }
        let (dep, rest) = v.split_at(2);
        let shape_ok = (dep == "2A" || dep == "2B" || dep.bytes().all(|b| b.is_ascii_digit()))
            && rest.bytes().all(|b| b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid_insee(
                "Code INSEE mal formé : 2 chiffres (ou 2A/2B pour la Corse) puis 3 chiffres, ex. 69123.",
                "Malformed INSEE code: 2 digits (or 2A/2B for Corsica) then 3 digits, e.g. 69123.",
            ));
        }
        if dep == "20" {
            return Err(invalid_insee(
                "Les communes de Corse ont un code en 2A (Corse-du-Sud) ou 2B (Haute-Corse), pas en 20.",
                "Corsican communes have codes in 2A (Corse-du-Sud) or 2B (Haute-Corse), not 20.",
            ));
        }
        let dep_ok = match dep {
            "2A" | "2B" => true,
            "97" => matches!(rest.as_bytes()[0], b'1'..=b'8'),
            "98" => matches!(rest.as_bytes()[0], b'4' | b'6'..=b'9'),
            d => matches!(d.parse::<u8>(), Ok(1..=95)),
        };
        if !dep_ok {
            return Err(invalid_insee(
                format!("Le code INSEE {v} ne correspond à aucun département français."),
                format!("INSEE code {v} matches no French département."),
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The département code: `69`, `2A`, or 3 characters overseas (`974`, `988`).
    pub fn departement(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") { &self.0[..3] } else { &self.0[..2] }
    }
}

fn invalid_insee(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_insee_code", fr, en)
}

string_conversions!(PostalCode, InseeCode);

/// One of France's territories, with a rough bounding box and its time zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Territory {
    pub name: &'static str,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub timezone: chrono_tz::Tz,
    lat: (f64, f64),
    lon: (f64, f64),
}

impl Territory {
    fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.lat.0..=self.lat.1).contains(&lat) && (self.lon.0..=self.lon.1).contains(&lon)
    }
}

/// Bounding boxes, generous by a few kilometres so coastal places are never refused. They
/// are a first filter: a point in a neighbouring country inside a box (Monaco, Geneva…) is
/// caught later by the distance check against the stated commune. The TAAF (no permanent
/// population) and Clipperton are left out on purpose.
pub const TERRITORIES: &[Territory] = &[
    Territory {
        name: "France métropolitaine",
        timezone: chrono_tz::Europe::Paris,
        lat: (41.3, 51.15),
        lon: (-5.25, 9.65),
    },
    Territory {
        name: "Guadeloupe",
        timezone: chrono_tz::America::Guadeloupe,
        lat: (15.8, 16.55),
        lon: (-61.85, -60.95),
    },
    Territory {
        name: "Martinique",
        timezone: chrono_tz::America::Martinique,
        lat: (14.35, 14.9),
        lon: (-61.25, -60.8),
    },
    Territory {
        name: "Guyane",
        timezone: chrono_tz::America::Cayenne,
        lat: (2.1, 5.8),
        lon: (-54.65, -51.6),
    },
    Territory {
        name: "La Réunion",
        timezone: chrono_tz::Indian::Reunion,
        lat: (-21.42, -20.85),
        lon: (55.2, 55.85),
    },
    Territory {
        name: "Mayotte",
        timezone: chrono_tz::Indian::Mayotte,
        lat: (-13.05, -12.6),
        lon: (44.95, 45.35),
    },
    Territory {
        name: "Saint-Pierre-et-Miquelon",
        timezone: chrono_tz::America::Miquelon,
        lat: (46.7, 47.15),
        lon: (-56.45, -56.1),
    },
    Territory {
        name: "Saint-Barthélemy",
        timezone: chrono_tz::America::St_Barthelemy,
        lat: (17.85, 17.98),
        lon: (-62.96, -62.78),
    },
    Territory {
        name: "Saint-Martin",
        timezone: chrono_tz::America::Marigot,
        lat: (18.04, 18.13),
        lon: (-63.16, -62.96),
    },
    Territory {
        name: "Wallis-et-Futuna",
        timezone: chrono_tz::Pacific::Wallis,
        lat: (-14.4, -13.15),
        lon: (-178.25, -176.1),
    },
    Territory {
        name: "Polynésie française",
        timezone: chrono_tz::Pacific::Tahiti,
        lat: (-28.0, -7.8),
        lon: (-154.8, -134.4),
    },
    Territory {
        name: "Nouvelle-Calédonie",
        timezone: chrono_tz::Pacific::Noumea,
        lat: (-23.0, -19.5),
        lon: (163.5, 168.2),
    },
];

fn territory_at(lat: f64, lon: f64) -> Option<&'static Territory> {
    TERRITORIES.iter().find(|t| t.contains(lat, lon))
}

/// A WGS84 point inside one of France's territories.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

impl Coordinates {
    /// Validates a point: finite, within WGS84 ranges, inside one of France's territories
    /// (see [`TERRITORIES`]). Refusals carry the code `invalid_coordinates` (not a position)
    /// or `outside_france`, with a hint when latitude and longitude look swapped.
    pub fn parse(lat: f64, lon: f64) -> Result<Self, FieldError> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(FieldError::new(
                "",
                "invalid_coordinates",
                "Coordonnées invalides : latitude et longitude doivent être des nombres.",
                "Invalid coordinates: latitude and longitude must be numbers.",
            ));
        }
        let swapped_in_france = territory_at(lon, lat).is_some();
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            let (hint_fr, hint_en) = swap_hint(swapped_in_france);
            return Err(FieldError::new(
                "",
                "invalid_coordinates",
                format!(
                    "Coordonnées invalides : la latitude va de -90 à 90 et la longitude de -180 à 180 \
                     (reçu {lat}, {lon}).{hint_fr}"
                ),
                format!(
                    "Invalid coordinates: latitude ranges from -90 to 90 and longitude from -180 to 180 \
                     (got {lat}, {lon}).{hint_en}"
                ),
            ));
        }
        if lat == 0.0 && lon == 0.0 {
            return Err(FieldError::new(
                "",
                "outside_france",
                "Le point (0, 0) est dans le golfe de Guinée : les coordonnées semblent manquantes.",
                "The point (0, 0) lies in the Gulf of Guinea: the coordinates seem to be missing.",
            ));
        }
        if territory_at(lat, lon).is_some() {
            return Ok(Self { lat, lon });
        }
        let (hint_fr, hint_en) = swap_hint(swapped_in_france);
        Err(FieldError::new(
            "",
            "outside_france",
            format!(
                "Le point ({lat}, {lon}) n'est dans aucun territoire français (métropole, Corse, \
                 outre-mer).{hint_fr}"
            ),
            format!(
                "The point ({lat}, {lon}) is in none of France's territories (metropole, Corsica, \
                 overseas).{hint_en}"
            ),
        ))
    }

    /// The territory the point lies in (`None` only for values built without [`Self::parse`]).
    pub fn territory(&self) -> Option<&'static Territory> {
        territory_at(self.lat, self.lon)
    }

    /// The time zone of the place's territory (Europe/Paris for the metropole and as a
    /// fallback), to pass to [`OpeningHours::is_open_at_tz`](super::OpeningHours::is_open_at_tz).
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.territory().map_or(chrono_tz::Europe::Paris, |t| t.timezone)
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

fn swap_hint(swapped_in_france: bool) -> (&'static str, &'static str) {
    if swapped_in_france {
        (" Latitude et longitude inversées ?", " Latitude and longitude swapped?")
    } else {
        ("", "")
    }
}
