//! Territorial analyses on the web (issue 3): the API under `/api/v1/territory/` and the
//! Territoire page. Both read their parameters here, field by field, so that a bad value
//! gives the same 422 naming the same field on either surface.
//!
//! The views (`views.rs`, `svg.rs`) take demand units, a supply and parameters, not "France":
//! a network or place page can draw the same map, charts and tables for its own territory.

pub mod api;
pub mod page;
pub mod svg;
pub mod views;

use crate::forms::Pairs;
use maillage_app::territory::{
    AccessMethod, AccessParams, Objective, RecommendParams, place_types, units_of,
};
use maillage_app::{AppError, AppResult};
use maillage_domain::messages::Message;
use maillage_domain::vocab::PlaceType;
use maillage_domain::{FieldError, ValidationErrors};
use maillage_territory::analysis::{AnalysisError, DemandUnits, Weight};

/// Longest a recommendation may search on the server, whatever the request asks.
pub const MAX_TIME_LIMIT_S: f64 = 10.0;
/// Search time of a recommendation when the request names none.
pub const DEFAULT_TIME_LIMIT_S: f64 = 5.0;
/// p-median holds a candidate × unit matrix: a web request may not ask for more cells
/// than this (about 100 MB), a région with a minimum population or a département.
pub const MAX_PMEDIAN_CELLS: usize = 12_000_000;

/// Reads typed values out of query pairs, collecting every bad one.
pub struct Reader<'a> {
    pub pairs: &'a Pairs,
    pub errors: ValidationErrors,
}

impl<'a> Reader<'a> {
    pub fn new(pairs: &'a Pairs) -> Self {
        Self { pairs, errors: ValidationErrors::default() }
    }

    pub fn text(&self, key: &str) -> Option<String> {
        self.pairs.first(key).map(|v| v.trim().to_owned())
    }

    /// A decimal number; a French decimal comma is accepted (`7,5`).
    pub fn number(&mut self, key: &str) -> Option<f64> {
        let raw = self.pairs.first(key)?.trim();
        match raw.replace(',', ".").parse::<f64>() {
            Ok(x) if x.is_finite() => Some(x),
            _ => {
                self.errors.push(FieldError::new(
                    key,
                    "not_a_number",
                    Message::new("territory.not_a_number").with("raw", raw),
                ));
                None
            }
        }
    }

    /// A whole number of at least 1.
    pub fn count(&mut self, key: &str) -> Option<usize> {
        let raw = self.pairs.first(key)?.trim();
        match raw.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                self.errors.push(FieldError::new(
                    key,
                    "not_a_count",
                    Message::new("territory.not_a_count").with("raw", raw),
                ));
                None
            }
        }
    }

    /// A yes/no value; absent is no.
    pub fn flag(&mut self, key: &str) -> bool {
        let Some(raw) = self.pairs.first(key) else { return false };
        match raw.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "oui" | "yes" => true,
            "0" | "false" | "off" | "non" | "no" => false,
            _ => {
                self.errors.push(FieldError::new(
                    key,
                    "not_a_boolean",
                    Message::new("territory.not_a_boolean").with("raw", raw),
                ));
                false
            }
        }
    }

    /// Step weights written `10:1,20:0.68,30:0.22` (E2SFCA, 3SFCA), checked here so that a
    /// bad value is named with what was typed; the text itself goes on to the engine.
    pub fn steps(&mut self, key: &str) -> Option<String> {
        let raw = self.pairs.first(key)?.trim().to_owned();
        match Weight::parse_steps(&raw) {
            Ok(_) => Some(raw),
            Err(AnalysisError::InvalidParameter { value, reason_fr, reason_en, .. }) => {
                // The engine's reason comes in both languages (it has its own messages).
                let reason = Message::translated(reason_fr, reason_en);
                let message = if value.is_nan() {
                    Message::new("territory.bad_steps").with("raw", &raw).with_message("reason", reason)
                } else {
                    Message::new("territory.bad_steps_value")
                        .with("raw", &raw)
                        .with_message("reason", reason)
                        .with("value", value)
                };
                self.errors.push(FieldError::new(key, "invalid", message));
                None
            }
            Err(other) => self.check(Err(other.into())),
        }
    }

    pub fn required(&mut self, key: &str) {
        self.errors.push(FieldError::required(key));
    }

    /// Collect the error of a use-case parser (`Objective::parse`…) under its field.
    pub fn check<T>(&mut self, result: AppResult<T>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(AppError::Validation(v)) => {
                self.errors.errors.extend(v.errors);
                None
            }
            Err(other) => {
                self.errors.push(FieldError::new(
                    "query",
                    "invalid",
                    Message::translated(other.to_string(), other.to_string()),
                ));
                None
            }
        }
    }

    pub fn types(&mut self) -> Vec<PlaceType> {
        let values = self.pairs.all("type");
        self.check(place_types(&values)).unwrap_or_default()
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Validation(self.errors)) }
    }
}

/// The engine names the place-type filter `types`; the query parameter is `type`.
pub fn rename_fields(error: AppError) -> AppError {
    match error {
        AppError::Validation(mut v) => {
            for e in &mut v.errors {
                if e.field == "types" {
                    e.field = "type".into();
                }
            }
            AppError::Validation(v)
        }
        other => other,
    }
}

/// The accessibility parameters of a request (`method`, `catchment_km`, `steps`…).
pub fn access_params(r: &mut Reader<'_>) -> Option<AccessParams> {
    let method = match r.text("method") {
        Some(m) => r.check(AccessMethod::parse(&m)),
        None => {
            r.required("method");
            None
        }
    };
    let catchment_km = r.number("catchment_km");
    if catchment_km.is_none() && r.pairs.first("catchment_km").is_none() {
        r.required("catchment_km");
    }
    let params = AccessParams {
        method: method?,
        catchment_km: catchment_km?,
        steps: r.steps("steps"),
        sigma_km: r.number("sigma_km"),
        scale_km: r.number("scale_km"),
        alpha: r.number("alpha"),
        min_dist_km: r.number("min_dist_km"),
        normalize: r.flag("normalize"),
        selection_max_km: r.number("selection_max_km"),
    };
    Some(params)
}

/// Parameters every access-method field name, for the list of known parameters.
pub const ACCESS_KEYS: &[&str] = &[
    "method",
    "catchment_km",
    "steps",
    "sigma_km",
    "scale_km",
    "alpha",
    "min_dist_km",
    "normalize",
    "selection_max_km",
];

/// The recommendation parameters of a request; `prefix` distinguishes the page's
/// recommendation form (`rec_radius_km`) from the analysis form's own radius.
pub fn recommend_params(r: &mut Reader<'_>, radius_key: &str) -> Option<RecommendParams> {
    let objective = match r.text("objective") {
        Some(o) => r.check(Objective::parse(&o)),
        None => {
            r.required("objective");
            None
        }
    };
    let k = r.count("k");
    let radius_km = r.number(radius_key);
    let min_population = r.number("min_population");
    let greenfield = r.flag("greenfield");
    let time_limit = r.number("time_limit_s");
    if let Some(t) = time_limit
        && t <= 0.0
    {
        r.errors.push(FieldError::new(
            "time_limit_s",
            "invalid",
            Message::new("territory.invalid.time_limit_positive_number").with("t", t),
        ));
    }
    let objective = objective?;
    let needs_k = objective != Objective::Setcover;
    if needs_k && k.is_none() && r.pairs.first("k").is_none() {
        r.required("k");
    }
    if objective != Objective::Pmedian && radius_km.is_none() && r.pairs.first(radius_key).is_none() {
        r.required(radius_key);
    }
    Some(RecommendParams {
        objective,
        k: if needs_k { k? } else { k.unwrap_or(1) },
        radius_km,
        min_population,
        greenfield,
        time_limit_s: Some(time_limit.unwrap_or(DEFAULT_TIME_LIMIT_S).min(MAX_TIME_LIMIT_S)),
    })
}

/// Refuse a p-median whose matrix would take too much of the server's memory.
pub fn check_pmedian_size(units: &DemandUnits, params: &RecommendParams) -> AppResult<()> {
    if params.objective != Objective::Pmedian {
        return Ok(());
    }
    let min = params.min_population.unwrap_or(0.0);
    let candidates = units.units().iter().filter(|u| u.population >= min).count();
    if candidates.saturating_mul(units.len()) > MAX_PMEDIAN_CELLS {
        return Err(FieldError::new(
            "territory",
            "too_large",
            Message::new("territory.too_large")
                .with("units_count", units.len())
                .with("candidates", candidates),
        )
        .into());
    }
    Ok(())
}

/// Run CPU-bound work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::failed("analysis task", e))?
}

/// A float for JSON: non-finite values have no JSON number, so they become `null` and the
/// caller adds their spelling (`nan`, `inf`).
pub fn json_number(x: f64) -> serde_json::Value {
    serde_json::Number::from_f64(x).map(serde_json::Value::Number).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_errors(query: &str, f: impl FnOnce(&mut Reader<'_>)) -> Vec<String> {
        let pairs = Pairs::parse(query.as_bytes());
        let mut r = Reader::new(&pairs);
        f(&mut r);
        r.errors.errors.iter().map(|e| e.field.clone()).collect()
    }

    #[test]
    fn numbers_accept_a_decimal_comma_and_refuse_words() {
        let pairs = Pairs::parse(b"a=7,5&b=dix&c=inf");
        let mut r = Reader::new(&pairs);
        assert_eq!(r.number("a"), Some(7.5));
        assert_eq!(r.number("b"), None);
        assert_eq!(r.number("c"), None);
        let fields: Vec<&str> = r.errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["b", "c"]);
    }

    #[test]
    fn every_missing_or_bad_recommendation_field_is_named_at_once() {
        let fields = reader_errors("objective=mclp&k=0&greenfield=peut-etre", |r| {
            recommend_params(r, "radius_km");
        });
        assert_eq!(fields, ["k", "greenfield", "radius_km"]);
    }

    #[test]
    fn bad_steps_are_named_with_what_was_typed() {
        let pairs = Pairs::parse(b"a=10:1,abc&b=10:1,10:0.5&c=10:1,20:0.5");
        let mut r = Reader::new(&pairs);
        assert_eq!(r.steps("a"), None);
        assert_eq!(r.steps("b"), None);
        assert_eq!(r.steps("c").as_deref(), Some("10:1,20:0.5"));
        let messages: Vec<String> = r.errors.errors.iter().map(|e| e.message("fr")).collect();
        assert_eq!(
            messages,
            [
                "« 10:1,abc » : paliers attendus sous la forme 10:1,20:0.68,30:0.22.",
                "« 10:1,10:0.5 » : seuil en double (10).",
            ]
        );
    }

    #[test]
    fn the_time_limit_is_capped_by_the_server() {
        let pairs = Pairs::parse(b"objective=mclp&k=3&radius_km=10&time_limit_s=3600");
        let mut r = Reader::new(&pairs);
        let p = recommend_params(&mut r, "radius_km").unwrap();
        assert_eq!(p.time_limit_s, Some(MAX_TIME_LIMIT_S));
    }

    #[test]
    fn a_pmedian_on_all_of_france_is_refused_naming_the_territory() {
        let units = units_of(None).unwrap();
        let pairs = Pairs::parse(b"objective=pmedian&k=3");
        let mut r = Reader::new(&pairs);
        let p = recommend_params(&mut r, "radius_km").unwrap();
        let Err(AppError::Validation(e)) = check_pmedian_size(&units, &p) else { panic!("accepted") };
        assert_eq!(e.errors[0].field, "territory");
    }
}
