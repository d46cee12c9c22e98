//! `GET /api/v1/territory/{nearest,coverage,access,recommend}`: the analyses of the
//! published places as JSON, CSV (full float precision, `nan` and `inf` spelled so) or
//! GeoJSON. Public data, but each call costs CPU: the router counts them in a rate limit.

use super::{
    ACCESS_KEYS, Reader, access_params, blocking, check_pmedian_size, json_number, recommend_params,
    rename_fields, units_of,
};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{Surface, WebError};
use crate::forms::Pairs;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maillage_app::AppError;
use maillage_app::territory::{
    Recommendation, access_rows, coverage_table, csv_of, format_float, nearest_rows, parse_level,
};
use maillage_domain::FieldError;
use maillage_domain::messages::Message;
use maillage_domain::vocab::PlaceType;
use maillage_territory::analysis::{CoverageRow, DemandUnits, Level};
use serde_json::{Map, Value, json};

/// Most white zones listed in a coverage answer (the CSV and GeoJSON have every unit).
pub const WHITE_ZONES_IN_JSON: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
    GeoJson,
}

fn format_of(r: &mut Reader<'_>, csv_allowed: bool) -> Format {
    match r.text("format").as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("json") => Format::Json,
        Some("csv") if csv_allowed => Format::Csv,
        Some("geojson") => Format::GeoJson,
        Some(other) => {
            let known = if csv_allowed { "json, csv, geojson" } else { "json, geojson" };
            r.errors.push(FieldError::new(
                "format",
                "unknown",
                Message::new("territory.api.unknown").with("other", other).with("known", known),
            ));
            Format::Json
        }
    }
}

/// Every unknown query parameter, named.
fn unknown_params(r: &mut Reader<'_>, allowed: &[&str]) {
    let unknown: Vec<String> = r
        .pairs
        .keys()
        .filter(|k| !allowed.contains(k) && !["lang", "format", "type", "territory"].contains(k))
        .map(str::to_owned)
        .collect();
    for k in unknown {
        r.errors.push(FieldError::new(
            k.clone(),
            "unknown_parameter",
            Message::new("territory.api.unknown_parameter").with("k", &k),
        ));
    }
}

/// The parameters every analysis reads, in this order (so errors come in it too): unknown
/// parameters, `format`, `type`, `territory`.
struct Common {
    format: Format,
    types: Vec<PlaceType>,
    territory: Option<String>,
}

fn common(r: &mut Reader<'_>, allowed: &[&str], csv_allowed: bool) -> Common {
    unknown_params(r, allowed);
    let format = format_of(r, csv_allowed);
    let types = r.types();
    let territory = r.text("territory");
    Common { format, types, territory }
}

fn err(e: impl Into<AppError>, ctx: &Ctx) -> WebError {
    WebError { error: rename_fields(e.into()), lang: ctx.lang, surface: Surface::Api }
}

fn body(content_type: &'static str, file_name: Option<&str>, text: String) -> Response {
    let mut response =
        ([(header::CONTENT_TYPE, HeaderValue::from_static(content_type))], text).into_response();
    if let Some(name) = file_name
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

fn json_body(value: &Value) -> Response {
    body("application/json", None, value.to_string())
}

/// `{"key": number}` or, for NaN and infinities, `{"key": null, "value_text": "nan"}`.
fn put_number(object: &mut Map<String, Value>, key: &str, x: f64) {
    object.insert(key.to_owned(), json_number(x));
    if !x.is_finite() {
        object.insert("value_text".to_owned(), Value::String(format_float(x)));
    }
}

/// One Point feature per unit with its value.
fn unit_features(units: &DemandUnits, key: &str, values: &[(String, f64)]) -> Value {
    let features: Vec<Value> = units
        .units()
        .iter()
        .zip(values)
        .map(|(u, (_, v))| {
            let mut props = Map::new();
            props.insert("code".into(), json!(u.code));
            props.insert("name".into(), json!(u.name));
            props.insert("population".into(), json!(u.population));
            put_number(&mut props, key, *v);
            json!({ "type": "Feature", "geometry": { "type": "Point", "coordinates": [u.lon, u.lat] }, "properties": props })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

fn geojson_body(value: &Value) -> Response {
    body("application/geo+json", None, value.to_string())
}

fn rows_json(key: &str, rows: &[(String, f64)]) -> Value {
    let units: Vec<Value> = rows
        .iter()
        .map(|(code, v)| {
            let mut o = Map::new();
            o.insert("code".into(), json!(code));
            put_number(&mut o, key, *v);
            Value::Object(o)
        })
        .collect();
    json!({ "units": units })
}

fn coverage_row_json(row: &CoverageRow) -> Value {
    json!({
        "code": row.code,
        "covered_population": row.covered_population,
        "total_population": row.total_population,
        "share": json_number(row.share),
    })
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Commune => "commune",
        Level::Epci => "epci",
        Level::Departement => "departement",
        Level::Region => "region",
        Level::France => "france",
    }
}

pub async fn nearest(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let mut r = Reader::new(&pairs);
    let Common { format, types, territory } = common(&mut r, &[], true);
    r.finish().map_err(|e| err(e, &ctx))?;
    let supply = state.app().published_supply(&types).await.map_err(|e| err(e, &ctx))?;
    blocking(move || {
        let units = units_of(territory.as_deref())?;
        let rows = nearest_rows(&units, &supply)?;
        Ok(match format {
            Format::Json => json_body(&rows_json("distance_km", &rows)),
            Format::Csv => {
                body("text/csv; charset=utf-8", Some("nearest.csv"), csv_of("code,distance_km", &rows))
            }
            Format::GeoJson => geojson_body(&unit_features(&units, "distance_km", &rows)),
        })
    })
    .await
    .map_err(|e| err(e, &ctx))
}

pub async fn coverage(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let mut r = Reader::new(&pairs);
    let Common { format, types, territory } = common(&mut r, &["radius_km", "by"], true);
    let radius_km = r.number("radius_km");
    if radius_km.is_none() && pairs.first("radius_km").is_none() {
        r.required("radius_km");
    }
    let level = match r.text("by") {
        Some(by) => r.check(parse_level(&by)),
        None => Some(Level::Commune),
    };
    r.finish().map_err(|e| err(e, &ctx))?;
    let (Some(radius_km), Some(level)) = (radius_km, level) else {
        return Err(err(AppError::Internal("coverage parameters checked above".into()), &ctx));
    };
    let supply = state.app().published_supply(&types).await.map_err(|e| err(e, &ctx))?;
    blocking(move || {
        let units = units_of(territory.as_deref())?;
        let (result, rows) = coverage_table(&units, &supply, radius_km, level)?;
        Ok(match format {
            Format::Json => {
                let white_zones: Vec<Value> = result
                    .white_zones
                    .iter()
                    .take(WHITE_ZONES_IN_JSON)
                    .map(|w| {
                        let dep = units.get(w.unit).map(|u| u.departement.as_str()).unwrap_or_default();
                        json!({ "code": w.code, "name": w.name, "departement": dep, "population": w.population, "distance_km": json_number(w.distance_km) })
                    })
                    .collect();
                json_body(&json!({
                    "radius_km": radius_km,
                    "by": level_name(level),
                    "france": coverage_row_json(&result.france),
                    "rows": rows.iter().map(coverage_row_json).collect::<Vec<_>>(),
                    "white_zone_count": result.white_zones.len(),
                    "white_zone_population": result.white_zones.iter().map(|w| w.population).sum::<f64>(),
                    "white_zones": white_zones,
                }))
            }
            Format::Csv => body(
                "text/csv; charset=utf-8",
                Some("coverage.csv"),
                maillage_app::territory::coverage_csv(&rows),
            ),
            Format::GeoJson => {
                let rows: Vec<(String, f64)> =
                    units.units().iter().zip(&result.nearest).map(|(u, n)| (u.code.clone(), n.cost)).collect();
                let mut doc = unit_features(&units, "distance_km", &rows);
                if let Some(features) = doc["features"].as_array_mut() {
                    for (f, covered) in features.iter_mut().zip(&result.covered) {
                        f["properties"]["covered"] = json!(covered);
                    }
                }
                geojson_body(&doc)
            }
        })
    })
    .await
    .map_err(|e| err(e, &ctx))
}

pub async fn access(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let mut r = Reader::new(&pairs);
    let Common { format, types, territory } = common(&mut r, ACCESS_KEYS, true);
    let params = access_params(&mut r);
    // The method's own checks (a sigma for gaussian…) are reported with the others.
    if let Some(p) = &params {
        r.check(p.options().map(|_| ()));
    }
    r.finish().map_err(|e| err(e, &ctx))?;
    let Some(params) = params else {
        return Err(err(AppError::Internal("access parameters checked above".into()), &ctx));
    };
    let supply = state.app().published_supply(&types).await.map_err(|e| err(e, &ctx))?;
    blocking(move || {
        let units = units_of(territory.as_deref())?;
        let rows = access_rows(&units, &supply, &params)?;
        Ok(match format {
            Format::Json => json_body(&rows_json("value", &rows)),
            Format::Csv => body("text/csv; charset=utf-8", Some("access.csv"), csv_of("code,value", &rows)),
            Format::GeoJson => geojson_body(&unit_features(&units, "value", &rows)),
        })
    })
    .await
    .map_err(|e| err(e, &ctx))
}

/// The recommendation's JSON with each site's coordinates and the time limit applied.
pub fn recommendation_json(units: &DemandUnits, rec: &Recommendation, time_limit_s: f64) -> Value {
    let mut value = serde_json::to_value(rec).unwrap_or(Value::Null);
    if let Some(sites) = value["sites"].as_array_mut() {
        for (site, chosen) in sites.iter_mut().zip(&rec.sites) {
            if let Some(u) = units.get(chosen.unit) {
                site["lat"] = json!(u.lat);
                site["lon"] = json!(u.lon);
                site["departement"] = json!(u.departement);
                site["population"] = json!(u.population);
            }
        }
    }
    value["time_limit_s"] = json!(time_limit_s);
    value
}

pub async fn recommend(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let mut r = Reader::new(&pairs);
    let Common { format, types, territory } = common(
        &mut r,
        &["objective", "k", "radius_km", "min_population", "greenfield", "time_limit_s"],
        false,
    );
    let params = recommend_params(&mut r, "radius_km");
    r.finish().map_err(|e| err(e, &ctx))?;
    let Some(params) = params else {
        return Err(err(AppError::Internal("recommendation parameters checked above".into()), &ctx));
    };
    let existing = if params.greenfield {
        maillage_territory::analysis::Supply::new(Vec::new()).map_err(|e| err(e, &ctx))?
    } else {
        state.app().published_supply(&types).await.map_err(|e| err(e, &ctx))?
    };
    blocking(move || {
        let units = units_of(territory.as_deref())?;
        check_pmedian_size(&units, &params)?;
        let rec = maillage_app::territory::recommend(&units, &existing, &params, None)?;
        let time_limit = params.time_limit_s.unwrap_or(super::DEFAULT_TIME_LIMIT_S);
        Ok(match format {
            Format::GeoJson => {
                let features: Vec<Value> = rec
                    .sites
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| {
                        let u = units.get(s.unit)?;
                        Some(json!({
                            "type": "Feature",
                            "geometry": { "type": "Point", "coordinates": [u.lon, u.lat] },
                            "properties": { "rank": i + 1, "code": s.code, "name": s.name, "gain": s.gain, "population": u.population },
                        }))
                    })
                    .collect();
                geojson_body(&json!({ "type": "FeatureCollection", "features": features }))
            }
            _ => json_body(&recommendation_json(&units, &rec, time_limit)),
        })
    })
    .await
    .map_err(|e| err(e, &ctx))
}
