//! Why an analysis refused its input: every error names the input field it is about, has a
//! stable machine code, and a message in French (the `Display`) and in English.

use maillage_domain::FieldError;
use maillage_domain::messages::Message;

/// Bad input to an analysis. Never a panic: every function of [`crate::analysis`] returns this.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisError {
    /// A parameter that must be a finite number greater than zero (a radius, a catchment,
    /// a sigma, a scale) is not: `field` is e.g. `radius_km`, `catchment_km`, `sigma_km`.
    NotPositive { field: &'static str, value: f64 },
    /// A parameter outside its allowed range, e.g. a negative step weight or a NaN exponent.
    InvalidParameter { field: String, value: f64, reason_fr: &'static str, reason_en: &'static str },
    /// `k` (or `p`) is zero or larger than the number of candidates.
    InvalidCount { field: &'static str, value: usize, candidates: usize },
    /// No candidate site is left after the filters (minimum population, list of codes).
    NoCandidates { field: &'static str },
    /// A place type code that is not in [`maillage_domain::vocab::PlaceType`].
    UnknownPlaceType { field: String, value: String, known: Vec<&'static str> },
    /// No place to measure against (none given, or none of the requested types).
    EmptySupply { field: &'static str },
    /// No demand unit (an empty territory).
    EmptyDemand { field: &'static str },
    /// A place or unit whose coordinates are missing, not finite or out of range.
    InvalidCoordinates { field: String, id: String, lat: f64, lon: f64 },
    /// A negative, NaN or infinite capacity.
    InvalidCapacity { field: String, id: String, value: f64 },
    /// A negative, NaN or infinite population.
    InvalidPopulation { field: String, code: String, value: f64 },
    /// Two places (or units) share an identifier.
    DuplicateId { field: String, id: String },
    /// A territory or candidate code that is not a known unit, EPCI, département or région.
    UnknownCode { field: &'static str, code: String },
    /// A cost table row refers to a place that is not in the supply, or has a NaN cost.
    InvalidCostRow { field: String, reason_fr: String, reason_en: String },
    /// Places outside France (more than 30 km from every commune's reference point).
    OutsideFrance { field: &'static str, count: usize, first_ids: Vec<String> },
    /// Set cover: some units have no candidate site within the radius and no existing place.
    SetCoverInfeasible { field: &'static str, radius_km: f64, count: usize, first_codes: Vec<String> },
}

impl AnalysisError {
    /// The input field this error is about (`radius_km`, `k`, `places[3].lat`, `types`…).
    pub fn field(&self) -> String {
        match self {
            Self::NotPositive { field, .. }
            | Self::InvalidCount { field, .. }
            | Self::NoCandidates { field }
            | Self::EmptySupply { field }
            | Self::EmptyDemand { field }
            | Self::UnknownCode { field, .. }
            | Self::OutsideFrance { field, .. }
            | Self::SetCoverInfeasible { field, .. } => (*field).to_owned(),
            Self::InvalidParameter { field, .. }
            | Self::UnknownPlaceType { field, .. }
            | Self::InvalidCoordinates { field, .. }
            | Self::InvalidCapacity { field, .. }
            | Self::InvalidPopulation { field, .. }
            | Self::DuplicateId { field, .. }
            | Self::InvalidCostRow { field, .. } => field.clone(),
        }
    }

    /// Stable snake_case code, e.g. `not_positive`, `set_cover_infeasible`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotPositive { .. } => "not_positive",
            Self::InvalidParameter { .. } => "invalid_parameter",
            Self::InvalidCount { .. } => "invalid_count",
            Self::NoCandidates { .. } => "no_candidates",
            Self::UnknownPlaceType { .. } => "unknown_place_type",
            Self::EmptySupply { .. } => "empty_supply",
            Self::EmptyDemand { .. } => "empty_demand",
            Self::InvalidCoordinates { .. } => "invalid_coordinates",
            Self::InvalidCapacity { .. } => "invalid_capacity",
            Self::InvalidPopulation { .. } => "invalid_population",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::UnknownCode { .. } => "unknown_code",
            Self::InvalidCostRow { .. } => "invalid_cost_row",
            Self::OutsideFrance { .. } => "outside_france",
            Self::SetCoverInfeasible { .. } => "set_cover_infeasible",
        }
    }

    /// The message in French.
    pub fn message_fr(&self) -> String {
        match self {
            Self::NotPositive { value, .. } => {
                format!("Doit être un nombre fini strictement positif (reçu {value}).")
            }
            Self::InvalidParameter { value, reason_fr, .. } => {
                format!("Valeur invalide {value} : {reason_fr}.")
            }
            Self::InvalidCount { value, candidates, .. } => format!(
                "Doit être compris entre 1 et le nombre de sites candidats ({candidates}) ; reçu {value}."
            ),
            Self::NoCandidates { .. } => "Aucun site candidat ne correspond aux filtres.".to_owned(),
            Self::UnknownPlaceType { value, known, .. } => {
                format!("Type de lieu inconnu « {value} ». Types possibles : {}.", known.join(", "))
            }
            Self::EmptySupply { .. } => "Aucun lieu à prendre en compte.".to_owned(),
            Self::EmptyDemand { .. } => "Le territoire ne contient aucune commune.".to_owned(),
            Self::InvalidCoordinates { id, lat, lon, .. } => format!(
                "Coordonnées manquantes ou hors limites pour « {id} » (latitude {lat}, longitude {lon})."
            ),
            Self::InvalidCapacity { id, value, .. } => {
                format!("Capacité invalide pour « {id} » : {value} (nombre positif ou nul attendu).")
            }
            Self::InvalidPopulation { code, value, .. } => {
                format!("Population invalide pour « {code} » : {value} (nombre positif ou nul attendu).")
            }
            Self::DuplicateId { id, .. } => format!("Identifiant en double : « {id} »."),
            Self::UnknownCode { code, .. } => format!("Code inconnu : « {code} »."),
            Self::InvalidCostRow { reason_fr, .. } => reason_fr.clone(),
            Self::OutsideFrance { count, first_ids, .. } => format!(
                "{count} lieu(x) hors de France (à plus de 30 km de toute commune), par exemple : {}.",
                first_ids.join(", ")
            ),
            Self::SetCoverInfeasible { radius_km, count, first_codes, .. } => format!(
                "Impossible de couvrir tout le territoire à {radius_km} km : {count} commune(s) n'ont aucun \
                 site candidat à cette distance, par exemple : {}.",
                first_codes.join(", ")
            ),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            Self::NotPositive { value, .. } => {
                format!("Must be a finite number greater than zero (got {value}).")
            }
            Self::InvalidParameter { value, reason_en, .. } => format!("Invalid value {value}: {reason_en}."),
            Self::InvalidCount { value, candidates, .. } => {
                format!("Must be between 1 and the number of candidate sites ({candidates}); got {value}.")
            }
            Self::NoCandidates { .. } => "No candidate site matches the filters.".to_owned(),
            Self::UnknownPlaceType { value, known, .. } => {
                format!("Unknown place type “{value}”. Known types: {}.", known.join(", "))
            }
            Self::EmptySupply { .. } => "No place to take into account.".to_owned(),
            Self::EmptyDemand { .. } => "The territory holds no commune.".to_owned(),
            Self::InvalidCoordinates { id, lat, lon, .. } => {
                format!("Missing or out-of-range coordinates for “{id}” (latitude {lat}, longitude {lon}).")
            }
            Self::InvalidCapacity { id, value, .. } => {
                format!("Invalid capacity for “{id}”: {value} (expected a number ≥ 0).")
            }
            Self::InvalidPopulation { code, value, .. } => {
                format!("Invalid population for “{code}”: {value} (expected a number ≥ 0).")
            }
            Self::DuplicateId { id, .. } => format!("Duplicate identifier: “{id}”."),
            Self::UnknownCode { code, .. } => format!("Unknown code: “{code}”."),
            Self::InvalidCostRow { reason_en, .. } => reason_en.clone(),
            Self::OutsideFrance { count, first_ids, .. } => format!(
                "{count} place(s) outside France (more than 30 km from every commune), e.g. {}.",
                first_ids.join(", ")
            ),
            Self::SetCoverInfeasible { radius_km, count, first_codes, .. } => format!(
                "The whole territory cannot be covered within {radius_km} km: {count} unit(s) have no \
                 candidate site within that distance, e.g. {}.",
                first_codes.join(", ")
            ),
        }
    }

    /// Message in the given language (`"en"` or anything else for French).
    pub fn message(&self, lang: &str) -> String {
        if lang == "en" { self.message_en() } else { self.message_fr() }
    }

    /// The same error as a domain [`FieldError`], for 422 answers and forms.
    pub fn to_field_error(&self) -> FieldError {
        FieldError::new(self.field(), self.code(), Message::translated(self.message_fr(), self.message_en()))
    }
}

impl std::fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_fr())
    }
}

impl std::error::Error for AnalysisError {}

impl From<AnalysisError> for FieldError {
    fn from(error: AnalysisError) -> Self {
        error.to_field_error()
    }
}

/// Checks that a parameter is a finite number greater than zero.
pub(crate) fn positive(field: &'static str, value: f64) -> Result<f64, AnalysisError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(AnalysisError::NotPositive { field, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_field_and_speak_both_languages() {
        let e = positive("radius_km", -3.0).unwrap_err();
        assert_eq!(e.field(), "radius_km");
        assert_eq!(e.code(), "not_positive");
        assert_eq!(e.to_string(), "Doit être un nombre fini strictement positif (reçu -3).");
        assert_eq!(e.message("en"), "Must be a finite number greater than zero (got -3).");
        let f: FieldError = e.into();
        assert_eq!((f.field.as_str(), f.code), ("radius_km", "not_positive"));
    }

    #[test]
    fn nan_and_zero_are_not_positive() {
        assert!(positive("catchment_km", f64::NAN).is_err());
        assert!(positive("catchment_km", 0.0).is_err());
        assert!(positive("catchment_km", f64::INFINITY).is_err());
        assert_eq!(positive("catchment_km", 0.5), Ok(0.5));
    }
}
