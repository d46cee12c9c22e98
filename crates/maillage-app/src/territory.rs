//! Territorial analyses (issue 3) as use cases: the published places or a file of places
//! as supply, the demand units of France, parameters checked field by field, and results in
//! the shapes the CLI, the API and the pages share (CSV rows with full float precision, the
//! recommendation's JSON).
//!
//! The computation itself is `maillage_territory::analysis` (pure, synchronous): callers on
//! an async runtime run these functions on a blocking thread.

use crate::{App, AppError, AppResult};
use maillage_domain::Gazetteer;
use maillage_domain::messages::Message;
use maillage_domain::network::{Area, AreaLevel};
use maillage_domain::vocab::{PlaceType, Vocabulary};
use maillage_domain::{FieldError, ValidationErrors};
use maillage_territory::Reference;
use maillage_territory::analysis::{
    AccessOptions, AnalysisError, Candidates, ChosenSite, Control, Coverage, CoverageRow, DemandUnits,
    GreatCircle, Level, MclpOptions, NearestPlace, PMedianOptions, PlaceRow, SetCoverOptions, Supply,
    Territory, Weight, accessibility, coverage, mclp, nearest, parse_place_types, pmedian, set_cover,
};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;
use std::time::Duration;

/// The 34,917 demand units of France (communes, with Paris, Lyon and Marseille as their
/// arrondissements), built once.
pub fn france_units() -> &'static DemandUnits {
    static UNITS: OnceLock<DemandUnits> = OnceLock::new();
    UNITS.get_or_init(|| DemandUnits::from_reference(Reference::shared()))
}

impl From<AnalysisError> for AppError {
    fn from(e: AnalysisError) -> Self {
        AppError::Validation(e.to_field_error().into())
    }
}

/// The territory of an analysis, as a form, a URL, the API or `--territory` gives it: a typed
/// key (`region:53`, `departement:53`, `epci:200046977`, `commune:75056`) or, for links
/// written before keys were typed, a bare code that only one level has (`29`, `2A`, a
/// SIREN). Régions and départements share codes (`53` is Bretagne and Mayenne, `75` Paris
/// and Nouvelle-Aquitaine): such a bare code is refused with both readings named. No value
/// is France.
pub fn parse_territory(value: Option<&str>) -> AppResult<Option<Area>> {
    let Some(value) = value.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let reference = Reference::shared();
    let shown: String = value.chars().take(40).collect();
    let unknown = || -> AppError {
        FieldError::new(
            "territory",
            "unknown",
            Message::new("territory.unknown_territory").with("code", &shown),
        )
        .into()
    };
    if value.contains(':') {
        let area: Area = value.parse().map_err(|_| unknown())?;
        return match reference.area_name(&area) {
            Some(_) => Ok(Some(area)),
            None => Err(unknown()),
        };
    }
    let code = value.to_ascii_uppercase();
    let readings: Vec<Area> = [AreaLevel::Region, AreaLevel::Departement, AreaLevel::Epci]
        .into_iter()
        .map(|level| Area::new(level, code.clone()))
        .filter(|area| reference.area_name(area).is_some())
        .collect();
    match readings.as_slice() {
        [] => Err(unknown()),
        [one] => Ok(Some(one.clone())),
        several => Err(FieldError::new(
            "territory",
            "ambiguous",
            Message::new("territory.ambiguous_territory")
                .with("code", &code)
                .with("keys", several.iter().map(Area::key).collect::<Vec<_>>().join(", ")),
        )
        .into()),
    }
}

/// What a result says was analysed: « Bretagne (région 53) », « France entière ».
pub fn territory_message(area: Option<&Area>) -> Message {
    let Some(area) = area else {
        return Message::new("territory.analysed.france");
    };
    let name = Reference::shared().area_name(area).unwrap_or_else(|| area.code.clone());
    let key = match area.level {
        AreaLevel::Region => "territory.analysed.region",
        AreaLevel::Departement => "territory.analysed.departement",
        AreaLevel::Epci => "territory.analysed.epci",
        AreaLevel::Commune => "territory.analysed.commune",
    };
    Message::new(key).with("name", name).with("code", &area.code)
}

/// The units of a territory (see [`parse_territory`]): France (shared, not copied), or one
/// région, département, EPCI or commune (a city with arrondissements is all of them).
pub fn units_of(territory: Option<&str>) -> AppResult<Cow<'static, DemandUnits>> {
    let Some(area) = parse_territory(territory)? else {
        return Ok(Cow::Borrowed(france_units()));
    };
    let territory = match area.level {
        AreaLevel::Region => Territory::Region(area.code),
        AreaLevel::Departement => Territory::Departement(area.code),
        AreaLevel::Epci => Territory::Epci(area.code),
        AreaLevel::Commune => Territory::Codes(vec![area.code]),
    };
    Ok(Cow::Owned(france_units().restrict(&territory)?))
}

impl App {
    /// The published places as supply (capacity 1), optionally only those of some types.
    pub async fn published_supply(&self, types: &[PlaceType]) -> AppResult<Supply> {
        // Points and types come from the index: no place is read.
        let points = self.store.place_points(&crate::PlaceFilter::default()).await?;
        let rows = points.into_iter().map(|p| PlaceRow {
            id: p.id.to_string(),
            lat: p.lat,
            lon: p.lon,
            capacity: None,
            types: p.types.iter().map(|t| t.code().to_owned()).collect(),
        });
        let supply = Supply::new(rows)?;
        Ok(if types.is_empty() { supply } else { supply.with_types(types)? })
    }
}

/// Place types asked for (`--type`, `type=`), checked against the vocabulary.
pub fn place_types(values: &[String]) -> AppResult<Vec<PlaceType>> {
    let values: Vec<&str> =
        values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|v| !v.is_empty()).collect();
    Ok(parse_place_types("type", &values)?)
}

/// Places read from a file for an analysis: a CSV with `id,lon,lat` and optional
/// `capacity,type` columns, or any file `maillage import` reads (CSV export, GeoJSON, the
/// national schema in JSON or CSV). Every row must have coordinates; the first bad rows
/// are reported with their line and field, and nothing is computed.
pub fn supply_from_file(file_name: &str, bytes: &[u8]) -> AppResult<Supply> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| AppError::File(Message::new("territory.file.not_utf8").with("name", file_name)))?;
    let rows = if is_simple_csv(text) { simple_csv_rows(text)? } else { import_rows(file_name, bytes)? };
    if rows.is_empty() {
        return Err(FieldError::new(
            "places",
            "empty",
            Message::new("territory.empty").with("file_name", file_name),
        )
        .into());
    }
    let supply = Supply::new(rows)?;
    supply.require_in_france(Reference::shared())?;
    Ok(supply)
}

fn is_simple_csv(text: &str) -> bool {
    let header = text.lines().next().unwrap_or_default();
    let columns: Vec<String> =
        header.split([',', ';']).map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
    ["id", "lon", "lat"].iter().all(|c| columns.iter().any(|h| h == c))
}

fn line_error(line: usize, field: &str, message: Message) -> FieldError {
    FieldError::new(
        format!("places[ligne {line}].{field}"),
        "invalid",
        Message::new("field.line").with("line", line).with_message("message", message),
    )
}

/// Stop after this many bad rows: the report stays readable.
const MAX_ROW_ERRORS: usize = 20;

fn simple_csv_rows(text: &str) -> AppResult<Vec<PlaceRow>> {
    let delimiter =
        if text.lines().next().is_some_and(|h| h.contains(';') && !h.contains(',')) { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::File(crate::transfer::untranslated(e)))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (id, lon, lat, capacity, kind) = (col("id"), col("lon"), col("lat"), col("capacity"), col("type"));
    let mut rows = Vec::new();
    let mut errors = ValidationErrors::default();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.errors.push(line_error(
                    line,
                    "csv",
                    Message::translated(e.to_string(), e.to_string()),
                ));
                continue;
            }
        };
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or_default();
        let number = |c: Option<usize>, field: &str, errors: &mut ValidationErrors| -> Option<f64> {
            let raw = cell(c);
            match raw.replace(',', ".").parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    let message = if raw.is_empty() {
                        Message::new("territory.missing_value")
                    } else {
                        Message::new("territory.raw_not_number").with("raw", raw)
                    };
                    errors.errors.push(line_error(line, field, message));
                    None
                }
            }
        };
        let lon_v = number(lon, "lon", &mut errors);
        let lat_v = number(lat, "lat", &mut errors);
        let capacity_v = if cell(capacity).is_empty() {
            Some(None)
        } else {
            number(capacity, "capacity", &mut errors).map(Some)
        };
        let id_v = cell(id);
        if id_v.is_empty() {
            errors.errors.push(line_error(line, "id", Message::new("territory.missing_id")));
        }
        if let (Some(lon), Some(lat), Some(capacity), false) = (lon_v, lat_v, capacity_v, id_v.is_empty()) {
            let types =
                cell(kind).split('|').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect();
            rows.push(PlaceRow { id: id_v.to_owned(), lat, lon, capacity, types });
        }
        if errors.errors.len() >= MAX_ROW_ERRORS {
            break;
        }
    }
    if errors.errors.is_empty() { Ok(rows) } else { Err(errors.into()) }
}

fn import_rows(file_name: &str, bytes: &[u8]) -> AppResult<Vec<PlaceRow>> {
    let format = maillage_interop::detect_format(file_name, bytes).ok_or_else(|| {
        AppError::File(Message::new("territory.file.unknown_format").with("name", file_name))
    })?;
    let parsed =
        maillage_interop::parse(format, bytes, &maillage_interop::ColumnMapping::new()).map_err(|e| {
            AppError::File(
                Message::new("territory.file.unreadable")
                    .with("name", file_name)
                    .with_message("detail", e.message()),
            )
        })?;
    let mut errors = ValidationErrors::default();
    for e in parsed.errors.iter().take(MAX_ROW_ERRORS) {
        let field = if e.field.is_empty() { "ligne" } else { e.field.as_str() };
        errors.errors.push(line_error(e.line, field, e.message.clone()));
    }
    let mut rows = Vec::new();
    for row in parsed.rows {
        match (row.input.latitude, row.input.longitude) {
            (Some(lat), Some(lon)) => rows.push(PlaceRow {
                id: row.source_id.clone().unwrap_or_else(|| format!("ligne-{}", row.line)),
                lat,
                lon,
                capacity: None,
                types: row.input.types.clone(),
            }),
            (lat, _) => {
                let field = if lat.is_none() { "latitude" } else { "longitude" };
                if errors.errors.len() < MAX_ROW_ERRORS {
                    errors.errors.push(line_error(
                        row.line,
                        field,
                        Message::new("territory.missing_coordinates"),
                    ));
                }
            }
        }
    }
    if errors.errors.is_empty() { Ok(rows) } else { Err(errors.into()) }
}

// ---- parameters ----------------------------------------------------------------------

/// The floating catchment methods of the CLI and API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AccessMethod {
    #[serde(rename = "2sfca")]
    TwoStep,
    #[serde(rename = "e2sfca")]
    Enhanced,
    #[serde(rename = "gaussian")]
    Gaussian,
    #[serde(rename = "gravity")]
    Gravity,
    #[serde(rename = "3sfca")]
    ThreeStep,
}

impl AccessMethod {
    pub const ALL: [(&'static str, AccessMethod); 5] = [
        ("2sfca", AccessMethod::TwoStep),
        ("e2sfca", AccessMethod::Enhanced),
        ("gaussian", AccessMethod::Gaussian),
        ("gravity", AccessMethod::Gravity),
        ("3sfca", AccessMethod::ThreeStep),
    ];

    pub fn parse(value: &str) -> AppResult<Self> {
        let wanted = value.trim().to_ascii_lowercase();
        Self::ALL.iter().find(|(code, _)| *code == wanted).map(|(_, m)| *m).ok_or_else(|| {
            let known = Self::ALL.map(|(c, _)| c).join(", ");
            FieldError::new(
                "method",
                "unknown",
                Message::new("territory.unknown_method").with("value", value).with("known", &known),
            )
            .into()
        })
    }
}

/// Parameters of an accessibility analysis, as typed by a user.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessParams {
    pub method: AccessMethod,
    pub catchment_km: f64,
    /// `10:1,20:0.68,30:0.22` (e2sfca, 3sfca).
    pub steps: Option<String>,
    pub sigma_km: Option<f64>,
    /// Gravity: `(max(d, min_dist) / scale) ^ alpha`.
    pub scale_km: Option<f64>,
    pub alpha: Option<f64>,
    pub min_dist_km: Option<f64>,
    pub normalize: bool,
    /// 3SFCA: widest pair over which selection weights are summed (as the pair table given
    /// to `access`); default: the last step (all pairs that weigh anything).
    pub selection_max_km: Option<f64>,
}

fn required(field: &str, method: &str) -> AppError {
    FieldError::new(
        field.to_owned(),
        "required",
        Message::new("territory.required").with("method", method).with("field", field),
    )
    .into()
}

impl AccessParams {
    pub fn options(&self) -> AppResult<AccessOptions> {
        let steps = |default: Weight| -> AppResult<Weight> {
            Ok(match &self.steps {
                Some(text) => Weight::parse_steps(text)?,
                None => default,
            })
        };
        let mut options = match self.method {
            AccessMethod::TwoStep => AccessOptions::two_stage(self.catchment_km, Weight::Uniform),
            AccessMethod::Enhanced => {
                AccessOptions::two_stage(self.catchment_km, steps(Weight::e2sfca_default())?)
            }
            AccessMethod::Gaussian => AccessOptions::two_stage(
                self.catchment_km,
                Weight::Gaussian { sigma: self.sigma_km.ok_or_else(|| required("sigma_km", "gaussian"))? },
            ),
            AccessMethod::Gravity => AccessOptions::two_stage(
                self.catchment_km,
                Weight::Gravity {
                    scale: self.scale_km.unwrap_or(1.0),
                    alpha: self.alpha.ok_or_else(|| required("alpha", "gravity"))?,
                    min_dist: self.min_dist_km.unwrap_or(0.0),
                },
            ),
            AccessMethod::ThreeStep => {
                AccessOptions::three_stage(self.catchment_km, steps(Weight::three_stage_default())?)
            }
        };
        options.normalize = self.normalize;
        options.selection_max_cost = self.selection_max_km;
        options.weight.validate()?;
        Ok(options)
    }
}

/// `code,value` rows of an accessibility analysis, in unit order.
pub fn access_rows(
    units: &DemandUnits,
    supply: &Supply,
    params: &AccessParams,
) -> AppResult<Vec<(String, f64)>> {
    let options = params.options()?;
    let result = accessibility(units, supply, &GreatCircle, &options)?;
    Ok(units.units().iter().map(|u| u.code.clone()).zip(result.values).collect())
}

/// Distance from every unit to its nearest place, in unit order.
pub fn nearest_rows(units: &DemandUnits, supply: &Supply) -> AppResult<Vec<(String, f64)>> {
    let found: Vec<NearestPlace> = nearest(units, supply, &GreatCircle)?;
    Ok(units.units().iter().map(|u| u.code.clone()).zip(found.into_iter().map(|n| n.cost)).collect())
}

/// The level of a coverage table, as typed (`commune`, `epci`, `departement`, `region`,
/// `france`).
pub fn parse_level(value: &str) -> AppResult<Level> {
    Ok(match value.trim().to_ascii_lowercase().as_str() {
        "commune" | "communes" => Level::Commune,
        "epci" => Level::Epci,
        "departement" | "département" | "departements" => Level::Departement,
        "region" | "région" | "regions" => Level::Region,
        "france" => Level::France,
        other => {
            return Err(FieldError::new(
                "by",
                "unknown",
                Message::new("territory.unknown_level").with("other", other),
            )
            .into());
        }
    })
}

/// Coverage within `radius_km`, with the table at `level`.
pub fn coverage_table(
    units: &DemandUnits,
    supply: &Supply,
    radius_km: f64,
    level: Level,
) -> AppResult<(Coverage, Vec<CoverageRow>)> {
    let result = coverage(units, supply, &GreatCircle, radius_km)?;
    let rows = result.by(units, level);
    Ok((result, rows))
}

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    Mclp,
    Pmedian,
    Setcover,
}

impl Objective {
    pub fn parse(value: &str) -> AppResult<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "mclp" => Ok(Self::Mclp),
            "pmedian" | "p-median" => Ok(Self::Pmedian),
            "setcover" | "set-cover" => Ok(Self::Setcover),
            other => Err(FieldError::new(
                "objective",
                "unknown",
                Message::new("territory.unknown_objective").with("other", other),
            )
            .into()),
        }
    }
}

/// Parameters of a recommendation.
#[derive(Debug, Clone, PartialEq)]
pub struct RecommendParams {
    pub objective: Objective,
    /// Number of new sites (MCLP, p-median); ignored by set cover.
    pub k: usize,
    /// Coverage radius (MCLP, set cover).
    pub radius_km: Option<f64>,
    /// Only communes with at least this population as candidate sites.
    pub min_population: Option<f64>,
    /// Ignore the existing places (MCLP, set cover).
    pub greenfield: bool,
    pub time_limit_s: Option<f64>,
}

/// The answer of a recommendation, as the CLI writes it and the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    pub objective: Objective,
    /// Codes of the chosen units (communes or arrondissements), best first.
    pub chosen: Vec<String>,
    /// The chosen sites with their names and what each adds.
    pub sites: Vec<ChosenSite>,
    /// MCLP / set cover: population newly within reach of the chosen sites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covered_population: Option<f64>,
    /// Population already within reach of the existing places (0 when greenfield).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_covered_population: Option<f64>,
    /// MCLP: proven upper bound on the newly covered population.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper_bound: Option<f64>,
    /// p-median: population-weighted distance (person·km) of the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub objective_value: Option<f64>,
    /// p-median: proven lower bound on the weighted distance; set cover: on the number of sites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower_bound: Option<f64>,
    /// How far from optimal the answer can be, relative (0.001 = 0.1 %).
    pub gap: f64,
    pub candidates: usize,
    pub seconds: f64,
    /// Whether the time limit stopped the search (answer and bound stay valid).
    pub timed_out: bool,
}

fn candidates_of(params: &RecommendParams) -> AppResult<Candidates> {
    Ok(match params.min_population {
        None => Candidates::All,
        Some(n) if n.is_finite() && n >= 0.0 => Candidates::MinPopulation(n),
        Some(n) => {
            return Err(FieldError::new(
                "min_population",
                "invalid",
                Message::new("territory.invalid.minimum_population_zero_more").with("n", n),
            )
            .into());
        }
    })
}

/// Run a recommendation. `existing` are the places already open (ignored when greenfield).
pub fn recommend(
    units: &DemandUnits,
    existing: &Supply,
    params: &RecommendParams,
    progress: Option<&mut dyn FnMut(&maillage_territory::analysis::Progress)>,
) -> AppResult<Recommendation> {
    let candidates = candidates_of(params)?;
    let mut control = Control::new();
    if let Some(limit) = params.time_limit_s {
        if !(limit.is_finite() && limit > 0.0) {
            return Err(FieldError::new(
                "time_limit_s",
                "invalid",
                Message::new("territory.invalid.time_limit_positive_number_2").with("limit", limit),
            )
            .into());
        }
        control = control.with_time_limit(Duration::from_secs_f64(limit));
    }
    if let Some(progress) = progress {
        control = control.with_progress(progress);
    }
    let existing = if params.greenfield || existing.is_empty() { None } else { Some(existing) };
    let radius = |objective: &str| params.radius_km.ok_or_else(|| required("radius_km", objective));
    let answer =
        |sites: Vec<ChosenSite>, gap: f64, candidates: usize, seconds: f64, timed_out: bool| Recommendation {
            objective: params.objective,
            chosen: sites.iter().map(|s| s.code.clone()).collect(),
            sites,
            covered_population: None,
            existing_covered_population: None,
            upper_bound: None,
            objective_value: None,
            lower_bound: None,
            gap,
            candidates,
            seconds,
            timed_out,
        };
    Ok(match params.objective {
        Objective::Mclp => {
            let options = MclpOptions { k: params.k, radius_km: radius("mclp")?, candidates };
            let r = mclp(units, existing, &GreatCircle, &options, &mut control)?;
            Recommendation {
                covered_population: Some(r.covered_population),
                // `+ 0.0` turns a computed −0 into 0.
                existing_covered_population: Some(r.existing_covered_population + 0.0),
                upper_bound: Some(r.upper_bound),
                ..answer(r.chosen, r.gap, r.candidates, r.seconds, r.timed_out)
            }
        }
        Objective::Pmedian => {
            let options = PMedianOptions { p: params.k, candidates };
            let r = pmedian(units, &GreatCircle, &options, &mut control)?;
            Recommendation {
                objective_value: Some(r.objective),
                lower_bound: Some(r.lower_bound),
                ..answer(r.chosen, r.gap, r.candidates, r.seconds, r.timed_out)
            }
        }
        Objective::Setcover => {
            let options =
                SetCoverOptions { radius_km: radius("setcover")?, candidates, include_unpopulated: false };
            let r = set_cover(units, existing, &GreatCircle, &options, &mut control)?;
            Recommendation {
                covered_population: Some(r.covered_population),
                existing_covered_population: Some(r.existing_covered_population + 0.0),
                lower_bound: Some(r.lower_bound as f64),
                ..answer(r.chosen, r.gap, r.candidates, r.seconds, r.timed_out)
            }
        }
    })
}

/// A float as the CLI and CSV downloads write it: shortest text that reads back to the
/// same number, `nan`, `inf` and `-inf` spelled so.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        // Debug is the shortest text that reads back to the same number, in exponent form
        // for very small and very large values.
        let text = format!("{x:?}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    }
}

/// `header` then `code,value` lines.
pub fn csv_of(header: &str, rows: &[(String, f64)]) -> String {
    let mut out = String::with_capacity(16 + rows.len() * 24);
    out.push_str(header);
    out.push('\n');
    for (code, value) in rows {
        out.push_str(code);
        out.push(',');
        out.push_str(&format_float(*value));
        out.push('\n');
    }
    out
}

/// A coverage table as CSV: `code,covered_population,total_population,share`.
pub fn coverage_csv(rows: &[CoverageRow]) -> String {
    let mut out = String::from("code,covered_population,total_population,share\n");
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{}\n",
            row.code,
            format_float(row.covered_population),
            format_float(row.total_population),
            format_float(row.share)
        ));
    }
    out
}

/// White zones as CSV: `code,name,population,distance_km`, most populated first.
pub fn white_zones_csv(zones: &[maillage_territory::analysis::WhiteZone]) -> String {
    let mut out = String::from("code,name,population,distance_km\n");
    for z in zones {
        let name = if z.name.contains([',', '"']) {
            format!("\"{}\"", z.name.replace('"', "\"\""))
        } else {
            z.name.clone()
        };
        out.push_str(&format!(
            "{},{},{},{}\n",
            z.code,
            name,
            format_float(z.population),
            format_float(z.distance_km)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_in_full_with_nan_and_inf_spelled_out() {
        assert_eq!(format_float(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_float(2.0), "2");
        assert_eq!(format_float(f64::NAN), "nan");
        assert_eq!(format_float(f64::INFINITY), "inf");
        assert_eq!(format_float(1e-300), "1e-300");
        assert_eq!(format_float(0.006698412698412698).parse::<f64>().unwrap(), 0.006698412698412698);
    }

    #[test]
    fn a_simple_places_csv_is_read_with_its_optional_columns() {
        let csv = "id,lon,lat,capacity,type\na,4.39,45.43,2,fablab\nb,4.83,45.76,,\n";
        let supply = supply_from_file("p.csv", csv.as_bytes()).unwrap();
        assert_eq!(supply.len(), 2);
        assert_eq!(supply.places()[0].capacity, 2.0);
        assert_eq!(supply.places()[1].capacity, 1.0);
    }

    #[test]
    fn a_row_without_coordinates_is_reported_with_its_line_and_field() {
        let csv = "id,lon,lat\na,4.39,45.43\nb,,45.76\nc,abc,45.0\n";
        let Err(AppError::Validation(e)) = supply_from_file("p.csv", csv.as_bytes()) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["places[ligne 3].lon", "places[ligne 4].lon"]);
        assert!(e.errors[0].message_fr().contains("ligne 3"), "{}", e.errors[0].message_fr());
    }

    #[test]
    fn a_place_outside_france_is_refused() {
        let csv = "id,lon,lat\nberlin,13.40,52.52\n";
        assert!(matches!(supply_from_file("p.csv", csv.as_bytes()), Err(AppError::Validation(_))));
    }

    #[test]
    fn unknown_method_objective_level_and_territory_name_their_field() {
        let field = |r: AppResult<()>| match r {
            Err(AppError::Validation(e)) => e.errors[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(AccessMethod::parse("4sfca").map(|_| ())), "method");
        assert_eq!(field(Objective::parse("best").map(|_| ())), "objective");
        assert_eq!(field(parse_level("canton").map(|_| ())), "by");
        assert_eq!(field(units_of(Some("999")).map(|_| ())), "territory");
        assert_eq!(field(place_types(&["bakery".into()]).map(|_| ())), "type");
    }

    #[test]
    fn gaussian_needs_a_sigma() {
        let params = AccessParams {
            method: AccessMethod::Gaussian,
            catchment_km: 30.0,
            steps: None,
            sigma_km: None,
            scale_km: None,
            alpha: None,
            min_dist_km: None,
            normalize: false,
            selection_max_km: None,
        };
        let Err(AppError::Validation(e)) = params.options() else { panic!("accepted") };
        assert_eq!(e.errors[0].field, "sigma_km");
    }

    #[test]
    fn a_region_restricts_the_units() {
        let bretagne = units_of(Some("region:53")).unwrap();
        assert!(bretagne.len() > 1000 && bretagne.len() < 1300, "{}", bretagne.len());
        assert_eq!(units_of(None).unwrap().len(), 34_917);
    }
}

#[cfg(test)]
mod territory_keys {
    use super::*;

    fn field_code(e: AppError) -> String {
        match e {
            AppError::Validation(v) => v.errors[0].code.to_owned(),
            other => panic!("not a validation error: {other:?}"),
        }
    }

    /// Every code that is both a région and a département: bare, it is refused naming both
    /// readings; typed, each reading analyses its own territory.
    #[test]
    fn codes_shared_by_a_region_and_a_departement_need_their_level() {
        let reference = Reference::shared();
        let shared: Vec<String> = reference
            .regions()
            // Saint-Pierre-et-Miquelon (975) has no demand units.
            .filter(|r| r.zone != maillage_territory::reference::Zone::Com)
            .filter(|r| reference.departement(&r.code).is_some())
            .map(|r| r.code.clone())
            .collect();
        for code in ["11", "44", "53", "75", "84", "93", "94"] {
            assert!(shared.iter().any(|c| c == code), "{code} is a région and a département");
        }
        for code in &shared {
            let e = parse_territory(Some(code)).unwrap_err();
            let text = match &e {
                AppError::Validation(v) => v.errors[0].message.render(maillage_domain::messages::Lang::Fr),
                _ => String::new(),
            };
            assert!(
                text.contains(&format!("region:{code}")) && text.contains(&format!("departement:{code}")),
                "{text}"
            );
            assert_eq!(field_code(e), "ambiguous");

            let region = units_of(Some(&format!("region:{code}"))).unwrap();
            let departement = units_of(Some(&format!("departement:{code}"))).unwrap();
            assert!(region.units().iter().all(|u| u.region == *code), "region:{code}");
            assert!(departement.units().iter().all(|u| u.departement == *code), "departement:{code}");
            assert_ne!(region.len(), departement.len(), "{code}: two different territories");
        }
    }

    #[test]
    fn a_result_names_the_territory_analysed() {
        let lang = maillage_domain::messages::Lang::Fr;
        let name = |v: &str| territory_message(parse_territory(Some(v)).unwrap().as_ref()).render(lang);
        assert_eq!(name("region:53"), "Bretagne (région 53)");
        assert_eq!(name("departement:53"), "Mayenne (département 53)");
        assert_eq!(name("29"), "Finistère (département 29)");
        assert_eq!(name("departement:2a"), "Corse-du-Sud (département 2A)");
        assert_eq!(territory_message(None).render(lang), "France entière");
    }

    #[test]
    fn a_commune_with_arrondissements_is_all_of_them() {
        let paris = units_of(Some("commune:75056")).unwrap();
        assert_eq!(paris.len(), 20);
        let annecy = units_of(Some("commune:74010")).unwrap();
        assert_eq!(annecy.len(), 1);
    }

    #[test]
    fn unknown_territories_are_refused_with_the_typed_forms() {
        for value in ["999", "region:29", "departement:", "canton:12", "epci:123", "commune:00000"] {
            let e = parse_territory(Some(value)).unwrap_err();
            assert_eq!(field_code(e), "unknown", "{value}");
        }
        assert_eq!(parse_territory(Some("  ")).unwrap(), None);
    }
}
