//! `GET /territoire`: the Territoire page. One GET form holds the analysis (state in the
//! URL, works without JavaScript); a second GET form adds a recommendation to the same view.

use super::views::{
    Analysis, ChartView, Computed, LegendItem, MapLevel, MapView, RecommendationView, Table, analysis_map,
    compute, distance_histogram, int, km, percent, recommendation_view, site_markers, white_zones,
};
use super::{Reader, blocking, check_pmedian_size, recommend_params, rename_fields, units_of};
use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, Lang};
use crate::error::WebError;
use crate::forms::Pairs;
use crate::i18n::t;
use crate::views::{Chrome, Link, Opt, RenderHtml, SummaryError};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maillage_app::AppError;
use maillage_app::territory::{
    AccessMethod, AccessParams, RecommendParams, parse_territory, recommend, territory_message,
};
use maillage_domain::FieldError;
use maillage_domain::messages::Message;
use maillage_domain::network::{Area, AreaLevel};
use maillage_domain::vocab::{PlaceType, Vocabulary};
use maillage_territory::Reference;
use maillage_territory::analysis::{DemandUnits, Supply};
use maillage_territory::reference::Zone;
use std::collections::HashMap;

/// White zones listed on the page.
pub const WHITE_ZONES_ON_PAGE: usize = 50;

/// What the analysis produced, ready to show.
pub struct ResultView {
    pub facts: Vec<(String, String)>,
    pub map: MapView,
    pub histogram: ChartView,
    pub white_zones: Option<Table>,
}

#[derive(Template)]
#[template(path = "territoire.html")]
pub struct TerritoirePage {
    pub c: Chrome,
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String)>,
    pub error_list: Vec<SummaryError>,
    pub analyses: Vec<Opt>,
    pub types: Vec<Opt>,
    pub methods: Vec<Opt>,
    pub levels: Vec<Opt>,
    pub regions: Vec<Opt>,
    pub departements: Vec<Opt>,
    pub objectives: Vec<Opt>,
    pub normalize: bool,
    pub greenfield: bool,
    /// Hidden fields carrying the analysis into the recommendation form (name, value).
    pub carried: Vec<(String, String)>,
    pub result: Option<ResultView>,
    pub recommendation: Option<RecommendationView>,
    pub downloads: Vec<Link>,
    pub rec_downloads: Vec<Link>,
}

impl TerritoirePage {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
    pub fn legend_swatch(&self, item: &LegendItem) -> String {
        format!(
            r##"<svg width="18" height="14" aria-hidden="true" focusable="false"><rect width="18" height="14" fill="{}" stroke="#4a4a4a" stroke-width="1"/></svg>"##,
            item.fill
        )
    }
}

/// Analyses offered by the form.
const ANALYSES: [&str; 3] = ["nearest", "coverage", "access"];
/// Analysis parameters: the recommendation form carries them along.
const ANALYSIS_KEYS: [&str; 11] = [
    "analysis",
    "type",
    "radius_km",
    "method",
    "catchment_km",
    "steps",
    "sigma_km",
    "alpha",
    "normalize",
    "level",
    "territory",
];
const DEFAULT_RADIUS_KM: &str = "10";
const DEFAULT_CATCHMENT_KM: &str = "30";

fn label(lang: Lang, key: &str) -> String {
    t(lang, key).to_owned()
}

fn opts(values: &[(&str, String)], selected: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|(v, l)| Opt { value: (*v).to_owned(), label: l.clone(), selected: *v == selected })
        .collect()
}

/// The field an error is shown beside: the engine names the recommendation's radius
/// `radius_km`, the page's recommendation form `rec_radius_km`.
fn page_field(field: &str, recommendation: bool) -> String {
    match field {
        "radius_km" if recommendation => "rec_radius_km".into(),
        "types" => "type".into(),
        "p" => "k".into(),
        "candidates" => "min_population".into(),
        other => other.into(),
    }
}

fn collect(
    errors: &mut Vec<(String, String)>,
    e: AppError,
    lang: Lang,
    recommendation: bool,
) -> Option<AppError> {
    match rename_fields(e) {
        AppError::Validation(v) => {
            for f in v.errors {
                errors.push((page_field(&f.field, recommendation), f.message(lang.code()).to_owned()));
            }
            None
        }
        other => Some(other),
    }
}

struct Parsed {
    analysis: Option<Analysis>,
    level: MapLevel,
    types: Vec<PlaceType>,
    territory: Option<String>,
    recommendation: Option<RecommendParams>,
}

fn parse(pairs: &Pairs, lang: Lang, errors: &mut Vec<(String, String)>) -> Parsed {
    let mut r = Reader::new(pairs);
    let kind = r.text("analysis").unwrap_or_else(|| "nearest".into());
    let territory = r.text("territory");
    let types = r.types();
    let analysis = match kind.as_str() {
        "nearest" => Some(Analysis::Nearest),
        "coverage" => {
            let radius = if pairs.first("radius_km").is_some() { r.number("radius_km") } else { Some(10.0) };
            radius.map(|radius_km| Analysis::Coverage { radius_km })
        }
        "access" => {
            let method = r.check(AccessMethod::parse(&r.text("method").unwrap_or_else(|| "e2sfca".into())));
            let catchment =
                if pairs.first("catchment_km").is_some() { r.number("catchment_km") } else { Some(30.0) };
            let steps = r.steps("steps");
            let sigma_km = r.number("sigma_km");
            let alpha = r.number("alpha");
            let normalize = r.flag("normalize");
            match (method, catchment) {
                (Some(method), Some(catchment_km)) => {
                    let params = AccessParams {
                        method,
                        catchment_km,
                        steps,
                        sigma_km,
                        scale_km: None,
                        alpha,
                        min_dist_km: None,
                        normalize,
                        selection_max_km: None,
                    };
                    r.check(params.options()).map(|_| Analysis::Access(params))
                }
                _ => None,
            }
        }
        other => {
            r.errors.push(FieldError::new(
                "analysis",
                "unknown",
                Message::new("territory.page.unknown_analysis").with("other", other),
            ));
            None
        }
    };
    let level = match r.text("level").as_deref() {
        None | Some("departement") => MapLevel::Departement,
        Some("commune") => MapLevel::Commune,
        Some(other) => {
            r.errors.push(FieldError::new(
                "level",
                "unknown",
                Message::new("territory.page.unknown_level").with("other", other),
            ));
            MapLevel::Departement
        }
    };
    if level == MapLevel::Commune && territory.is_none() {
        r.errors.push(FieldError::new(
            "level",
            "territory_required",
            Message::new("territory.page.territory_required"),
        ));
    }
    let errs = std::mem::take(&mut r.errors);
    collect(errors, AppError::Validation(errs), lang, false);
    // The recommendation is asked for by its own form (its objective).
    let recommendation = if pairs.first("objective").is_some() {
        let mut rr = Reader::new(pairs);
        let params = recommend_params(&mut rr, "rec_radius_km");
        // A bad field (a time limit of zero…) leaves a default in the parameters: nothing
        // is searched with values other than those typed.
        let params = params.filter(|_| rr.errors.is_empty());
        let errs = std::mem::take(&mut rr.errors);
        collect(errors, AppError::Validation(errs), lang, true);
        params
    } else {
        None
    };
    Parsed { analysis, level, types, territory, recommendation }
}

fn downloads(pairs: &Pairs, analysis: &Analysis, level: MapLevel, lang: Lang) -> Vec<Link> {
    let (path, keys): (&str, &[&str]) = match analysis {
        Analysis::Nearest => ("nearest", &["type", "territory"]),
        Analysis::Coverage { .. } => ("coverage", &["type", "territory", "radius_km"]),
        Analysis::Access(_) => (
            "access",
            &["type", "territory", "method", "catchment_km", "steps", "sigma_km", "alpha", "normalize"],
        ),
    };
    let base = |format: &str| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for k in keys {
            if let Some(v) = pairs.first(k) {
                s.append_pair(k, v.trim());
            }
        }
        match analysis {
            Analysis::Coverage { radius_km } => {
                if pairs.first("radius_km").is_none() {
                    s.append_pair("radius_km", &radius_km.to_string());
                }
                s.append_pair("by", if level == MapLevel::Commune { "commune" } else { "departement" });
            }
            Analysis::Access(p) => {
                if pairs.first("method").is_none() {
                    s.append_pair("method", "e2sfca");
                }
                if pairs.first("catchment_km").is_none() {
                    s.append_pair("catchment_km", &p.catchment_km.to_string());
                }
            }
            Analysis::Nearest => {}
        }
        s.append_pair("format", format);
        format!("/api/v1/territory/{path}?{}", s.finish())
    };
    let (csv, geojson) =
        (t(lang, "territory.download.csv_values"), t(lang, "territory.download.geojson_communes"));
    vec![
        Link { label: csv.into(), href: base("csv"), text: String::new() },
        Link { label: geojson.into(), href: base("geojson"), text: String::new() },
    ]
}

fn facts(
    lang: Lang,
    analysis: &Analysis,
    computed: &Computed,
    units: &DemandUnits,
    territory: Option<&Area>,
    places: usize,
) -> Vec<(String, String)> {
    let total = units.total_population();
    let mut out = vec![
        (label(lang, "territory.analysed"), territory_message(territory).render(lang)),
        (label(lang, "territoire.places"), int(lang, places as f64)),
        (label(lang, "territoire.population"), int(lang, total)),
    ];
    if total > 0.0 {
        let weighted: f64 =
            units.units().iter().zip(&computed.nearest_km).map(|(u, d)| u.population * d).sum();
        out.push((label(lang, "territoire.mean_distance"), km(lang, weighted / total)));
    }
    if let (Analysis::Coverage { radius_km }, Some(c)) = (analysis, &computed.coverage) {
        out.push((
            Message::new("territory.page.population_within_km").with("km", km(lang, *radius_km)).render(lang),
            format!("{} ({})", int(lang, c.france.covered_population), percent(lang, c.france.share)),
        ));
        out.push((
            label(lang, "territoire.white_zones"),
            format!(
                "{} communes ({} {})",
                int(lang, c.white_zones.len() as f64),
                int(lang, c.white_zones.iter().map(|w| w.population).sum()),
                Message::new("territory.page.inhabitants").render(lang)
            ),
        ));
    }
    out
}

/// Options of the territory select: France, the régions, the départements (overseas
/// collectivities have no commune polygons and no demand units, and are left out).
fn territory_options(selected: Option<&str>) -> (Vec<Opt>, Vec<Opt>) {
    let reference = Reference::shared();
    // A bare code of an older link selects what it was read as.
    let selected = maillage_app::territory::parse_territory(selected).ok().flatten().map(|a| a.key());
    let option = |level: AreaLevel, code: &str, name: &str| {
        let value = Area::new(level, code).key();
        Opt {
            selected: selected.as_deref() == Some(value.as_str()),
            value,
            label: format!("{name} ({code})"),
        }
    };
    let regions = reference
        .regions()
        .filter(|r| r.zone != Zone::Com)
        .map(|r| option(AreaLevel::Region, &r.code, &r.name))
        .collect();
    let departements = reference
        .departements()
        .filter(|d| d.zone != Zone::Com)
        .map(|d| option(AreaLevel::Departement, &d.code, &d.name))
        .collect();
    (regions, departements)
}

struct Outcome {
    result: Option<ResultView>,
    recommendation: Option<RecommendationView>,
    errors: Vec<(String, String)>,
    failure: Option<AppError>,
}

pub async fn territoire(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let mut errors = Vec::new();
    let parsed = parse(&pairs, lang, &mut errors);
    let mut failure = None;
    let supply = match state.app().published_supply(&parsed.types).await {
        Ok(s) => Some(s),
        Err(e) => {
            failure = collect(&mut errors, e, lang, false);
            None
        }
    };
    if let Some(f) = failure {
        return Err(WebError::page(f, lang));
    }
    let analysis_ok = errors.is_empty();
    let analysis = parsed.analysis.clone();
    let outcome = match supply {
        Some(supply) => {
            let level = parsed.level;
            let territory = parsed.territory.clone();
            let recommendation = parsed.recommendation.clone();
            blocking(move || {
                Ok(run(supply, analysis.filter(|_| analysis_ok), level, territory, recommendation, lang))
            })
            .await
            .map_err(|e| WebError::page(e, lang))?
        }
        None => Outcome { result: None, recommendation: None, errors: Vec::new(), failure: None },
    };
    if let Some(f) = outcome.failure {
        return Err(WebError::page(f, lang));
    }
    errors.extend(outcome.errors);
    let page = build_page(&ctx, &pairs, &parsed, errors, outcome.result, outcome.recommendation);
    let status = if page.errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = (status, Html(page.render_html())).into_response();
    if ctx.path_and_query.contains("lang=")
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// The analysis and the recommendation, on a blocking thread.
fn run(
    supply: Supply,
    analysis: Option<Analysis>,
    level: MapLevel,
    territory: Option<String>,
    recommendation: Option<RecommendParams>,
    lang: Lang,
) -> Outcome {
    let mut out = Outcome { result: None, recommendation: None, errors: Vec::new(), failure: None };
    let area = parse_territory(territory.as_deref()).ok().flatten();
    let units = match units_of(territory.as_deref()) {
        Ok(u) => u,
        Err(e) => {
            out.failure = collect(&mut out.errors, e, lang, false);
            return out;
        }
    };
    let mut markers = Vec::new();
    if let Some(params) = recommendation {
        let existing = if params.greenfield { Supply::new(Vec::new()).ok() } else { Some(supply.clone()) };
        let result = check_pmedian_size(&units, &params).and_then(|()| match &existing {
            Some(existing) => recommend(&units, existing, &params, None),
            None => Err(AppError::Internal("empty supply".into())),
        });
        match result {
            Ok(rec) => {
                markers = site_markers(&units, &rec, lang);
                out.recommendation = Some(recommendation_view(&units, &rec, lang));
            }
            Err(e) => {
                if let Some(f) = collect(&mut out.errors, e, lang, true) {
                    out.failure = Some(f);
                    return out;
                }
            }
        }
    }
    if let Some(analysis) = analysis {
        match compute(&units, &supply, &analysis) {
            Ok(computed) => {
                let map = analysis_map(&units, &analysis, &computed, level, &markers, lang);
                let histogram = distance_histogram(&units, &computed.nearest_km, lang);
                let white =
                    computed.coverage.as_ref().map(|c| white_zones(c, &units, WHITE_ZONES_ON_PAGE, lang));
                let facts = facts(lang, &analysis, &computed, &units, area.as_ref(), supply.len());
                out.result = Some(ResultView { facts, map, histogram, white_zones: white });
            }
            Err(e) => {
                if let Some(f) = collect(&mut out.errors, e, lang, false) {
                    out.failure = Some(f);
                }
            }
        }
    }
    out
}

fn build_page(
    ctx: &Ctx,
    pairs: &Pairs,
    parsed: &Parsed,
    errors: Vec<(String, String)>,
    result: Option<ResultView>,
    recommendation: Option<RecommendationView>,
) -> TerritoirePage {
    let lang = ctx.lang;
    let mut values: HashMap<String, String> =
        pairs.0.iter().rev().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect();
    for (k, default) in [
        ("analysis", "nearest"),
        ("radius_km", DEFAULT_RADIUS_KM),
        ("catchment_km", DEFAULT_CATCHMENT_KM),
        ("method", "e2sfca"),
        ("level", "departement"),
        ("objective", "mclp"),
        ("k", "5"),
        ("rec_radius_km", DEFAULT_RADIUS_KM),
    ] {
        values.entry(k.to_owned()).or_insert_with(|| default.to_owned());
    }
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let tr = |message: Message| message.render(lang);
    let analyses = opts(
        &[
            (ANALYSES[0], tr(Message::new("territory.page.distance_nearest_place"))),
            (ANALYSES[1], tr(Message::new("territory.page.coverage_within_r_km"))),
            (ANALYSES[2], tr(Message::new("territory.page.accessibility_floating_catchment"))),
        ],
        &v("analysis"),
    );
    let methods = opts(
        &AccessMethod::ALL.map(|(code, _)| {
            (
                code,
                match code {
                    "2sfca" => "2SFCA".to_owned(),
                    "e2sfca" => tr(Message::new("territory.page.e2sfca_steps_km_by")),
                    "gaussian" => tr(Message::new("territory.page.gaussian_give")),
                    "gravity" => tr(Message::new("territory.page.gravity_give_exponent")),
                    _ => "3SFCA".to_owned(),
                },
            )
        }),
        &v("method"),
    );
    let levels = opts(
        &[
            ("departement", tr(Message::new("territory.page.departements"))),
            ("commune", tr(Message::new("territory.page.communes_of_one_area"))),
        ],
        &v("level"),
    );
    let objectives = opts(
        &[
            ("mclp", tr(Message::new("territory.page.cover_most_inhabitants_with"))),
            ("pmedian", tr(Message::new("territory.page.bring_everyone_closer_with"))),
            ("setcover", tr(Message::new("territory.page.fewest_sites_cover_everyone"))),
        ],
        &v("objective"),
    );
    let selected_type = parsed.types.first().map(|t| t.code()).unwrap_or("");
    let types = PlaceType::ALL
        .iter()
        .map(|t| Opt {
            value: t.code().to_owned(),
            label: t.label(lang.code()).to_owned(),
            selected: t.code() == selected_type,
        })
        .collect();
    let (regions, departements) = territory_options(parsed.territory.as_deref());
    let error_list = errors
        .iter()
        .map(|(field, message)| SummaryError {
            // "No place (of this type)": the type filter is what can be changed.
            anchor: if field == "places" { "type".to_owned() } else { field.clone() },
            label: field_label(lang, field),
            message: message.clone(),
        })
        .collect();
    let carried = ANALYSIS_KEYS
        .iter()
        .filter(|k| **k != "territory")
        .filter_map(|k| pairs.first(k).map(|val| ((*k).to_owned(), val.trim().to_owned())))
        .collect();
    let downloads = match &parsed.analysis {
        Some(a) if result.is_some() => downloads(pairs, a, parsed.level, lang),
        _ => Vec::new(),
    };
    let rec_downloads =
        if recommendation.is_some() { recommendation_downloads(pairs, lang) } else { Vec::new() };
    let mut reader = Reader::new(pairs);
    let normalize = reader.flag("normalize");
    let greenfield = reader.flag("greenfield");
    TerritoirePage {
        c: Chrome::new(ctx, t(lang, "territoire.title")),
        values,
        errors,
        error_list,
        analyses,
        types,
        methods,
        levels,
        regions,
        departements,
        objectives,
        normalize,
        greenfield,
        carried,
        result,
        recommendation,
        downloads,
        rec_downloads,
    }
}

/// The API addresses of the recommendation shown (JSON with bound and gap, GeoJSON sites).
fn recommendation_downloads(pairs: &Pairs, lang: Lang) -> Vec<Link> {
    let href = |format: &str| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (key, param) in [
            ("objective", "objective"),
            ("k", "k"),
            ("rec_radius_km", "radius_km"),
            ("min_population", "min_population"),
            ("greenfield", "greenfield"),
            ("time_limit_s", "time_limit_s"),
            ("territory", "territory"),
            ("type", "type"),
        ] {
            if let Some(v) = pairs.first(key) {
                s.append_pair(param, v.trim());
            }
        }
        s.append_pair("format", format);
        format!("/api/v1/territory/recommend?{}", s.finish())
    };
    let (json, geojson) =
        (t(lang, "territory.download.json_sites"), t(lang, "territory.download.geojson_sites"));
    vec![
        Link { label: json.into(), href: href("json"), text: String::new() },
        Link { label: geojson.into(), href: href("geojson"), text: String::new() },
    ]
}

/// The label of a form field, for the error summary.
fn field_label(lang: Lang, field: &str) -> String {
    let key = match field {
        "analysis" => "territoire.analysis",
        "type" => "territoire.type",
        "radius_km" => "territoire.radius",
        "method" => "territoire.method",
        "catchment_km" => "territoire.catchment",
        "steps" => "territoire.steps",
        "sigma_km" => "territoire.sigma",
        "alpha" => "territoire.alpha",
        "normalize" => "territoire.normalize",
        "level" => "territoire.level",
        "territory" => "territoire.territory",
        "objective" => "territoire.objective",
        "k" => "territoire.k",
        "rec_radius_km" => "territoire.rec_radius",
        "min_population" => "territoire.min_population",
        "greenfield" => "territoire.greenfield",
        "time_limit_s" => "territoire.time_limit",
        "places" => "territoire.places",
        _ => return field.to_owned(),
    };
    label(lang, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_the_recommendation_radius_point_at_its_own_field() {
        assert_eq!(page_field("radius_km", true), "rec_radius_km");
        assert_eq!(page_field("radius_km", false), "radius_km");
        assert_eq!(page_field("types", false), "type");
    }

    #[test]
    fn commune_level_needs_a_territory() {
        let pairs = Pairs::parse(b"analysis=nearest&level=commune");
        let mut errors = Vec::new();
        parse(&pairs, Lang::Fr, &mut errors);
        assert_eq!(errors.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["level"]);
    }

    #[test]
    fn every_field_of_the_form_has_a_label() {
        for field in ANALYSIS_KEYS.iter().chain(&[
            "objective",
            "k",
            "rec_radius_km",
            "min_population",
            "greenfield",
            "time_limit_s",
        ]) {
            assert_ne!(field_label(Lang::Fr, field), *field, "{field}");
        }
    }

    #[test]
    fn the_time_limit_hint_gives_the_servers_default_and_cap() {
        use crate::territory::{DEFAULT_TIME_LIMIT_S, MAX_TIME_LIMIT_S};
        for lang in [Lang::Fr, Lang::En] {
            let hint = t(lang, "territoire.time_limit_hint");
            assert!(hint.contains(&format!("{DEFAULT_TIME_LIMIT_S} s")), "{hint}");
            assert!(hint.contains(&format!("{MAX_TIME_LIMIT_S} s")), "{hint}");
        }
    }
}
