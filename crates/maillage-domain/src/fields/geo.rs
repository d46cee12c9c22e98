//! Geographic fields: postal code, INSEE commune code, coordinates.

use super::legal::string_conversions;
use crate::FieldError;
use crate::messages::Message;
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
            return Err(invalid_postal(Message::new("field.geo.postal_code_empty")));
        }
        let v = restore_leading_zero(&v);
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid_postal(Message::new("field.geo.postal_code_contains_digits")));
        }
        if v.len() != 5 {
            return Err(invalid_postal(
                Message::new("field.geo.postal_code_has_digits").with("found", v.len()),
            ));
        }
        if v.starts_with("00") || v.starts_with("99") {
            return Err(invalid_postal(Message::new("field.geo.postal_code_v_does").with("v", &v)));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid_postal(message: Message) -> FieldError {
    FieldError::new("", "invalid_postal_code", message)
}

/// See [`InseeCode::city`].
pub fn city_of_arrondissement(code: &str) -> Option<&'static str> {
    let n: u32 = code.parse().ok()?;
    match n {
        75101..=75120 => Some("75056"),
        69381..=69389 => Some("69123"),
        13201..=13216 => Some("13055"),
        _ => None,
    }
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
            return Err(invalid_insee(Message::new("field.geo.insee_code_empty")));
        }
        if v.len() != 5 || !v.is_ascii() {
            return Err(invalid_insee(
                Message::new("field.geo.insee_commune_code_has").with("chars", v.chars().count()),
            ));
        }
        let (dep, rest) = v.split_at(2);
        let shape_ok = (dep == "2A" || dep == "2B" || dep.bytes().all(|b| b.is_ascii_digit()))
            && rest.bytes().all(|b| b.is_ascii_digit());
        if !shape_ok {
            return Err(invalid_insee(Message::new("field.geo.malformed_insee_code_digits")));
        }
        if dep == "20" {
            return Err(invalid_insee(Message::new("field.geo.corsican_communes_have_codes")));
        }
        let dep_ok = match dep {
            "2A" | "2B" => true,
            "97" => matches!(rest.as_bytes()[0], b'1'..=b'8'),
            "98" => matches!(rest.as_bytes()[0], b'4' | b'6'..=b'9'),
            d => matches!(d.parse::<u8>(), Ok(1..=95)),
        };
        if !dep_ok {
            return Err(invalid_insee(Message::new("field.geo.insee_code_v_matches").with("v", &v)));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The city a municipal arrondissement belongs to: Paris (`75101`–`75120` → `75056`),
    /// Lyon (`69381`–`69389` → `69123`), Marseille (`13201`–`13216` → `13055`).
    pub fn city(&self) -> Option<&'static str> {
        city_of_arrondissement(&self.0)
    }

    /// The département code: `69`, `2A`, or 3 characters overseas (`974`, `988`).
    pub fn departement(&self) -> &str {
        if self.0.starts_with("97") || self.0.starts_with("98") { &self.0[..3] } else { &self.0[..2] }
    }
}

fn invalid_insee(message: Message) -> FieldError {
    FieldError::new("", "invalid_insee_code", message)
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
                Message::new("field.geo.invalid_coordinates"),
            ));
        }
        let swapped_in_france = territory_at(lon, lat).is_some();
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(FieldError::new(
                "",
                "invalid_coordinates",
                Message::new("field.geo.coordinates_out_of_range")
                    .with("lat", lat)
                    .with("lon", lon)
                    .with_message("hint", swap_hint(swapped_in_france)),
            ));
        }
        if lat == 0.0 && lon == 0.0 {
            return Err(FieldError::new("", "outside_france", Message::new("field.geo.outside_france")));
        }
        if territory_at(lat, lon).is_some() {
            return Ok(Self { lat, lon });
        }
        Err(FieldError::new(
            "",
            "outside_france",
            Message::new("field.geo.point_outside_france")
                .with("lat", lat)
                .with("lon", lon)
                .with_message("hint", swap_hint(swapped_in_france)),
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

fn swap_hint(swapped_in_france: bool) -> Message {
    if swapped_in_france { Message::new("field.geo.latitude_longitude_swapped") } else { Message::empty() }
}
