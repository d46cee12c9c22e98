//! The pieces of a territorial analysis page — map, legend, tables, histogram, white zones,
//! recommendation — built from demand units, a supply and parameters. Nothing here knows
//! which page it is on: a network's page passes its own territory's units.

use super::svg::{self, Area, Bar, Dot, MapSpec, Marker};
use crate::context::Lang;
use maillage_app::AppResult;
use maillage_app::territory::{AccessParams, Objective, Recommendation, access_rows};
use maillage_domain::messages::Message;
use maillage_territory::Reference;
use maillage_territory::analysis::{Coverage, DemandUnits, GreatCircle, Supply, coverage, nearest};
use std::collections::HashMap;

/// The analysis drawn on the map.
#[derive(Debug, Clone, PartialEq)]
pub enum Analysis {
    /// Distance to the nearest place.
    Nearest,
    /// Share of the population within `radius_km` of a place.
    Coverage { radius_km: f64 },
    /// Floating catchment accessibility.
    Access(AccessParams),
}

/// Where the values are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapLevel {
    Departement,
    Commune,
}

/// Values of an analysis, per unit (in unit order).
pub struct Computed {
    /// Distance to the nearest place (km).
    pub nearest_km: Vec<f64>,
    /// Accessibility (access analysis only).
    pub access: Option<Vec<f64>>,
    /// Coverage (coverage analysis only).
    pub coverage: Option<Coverage>,
}

/// Run the analysis (CPU-bound: call on a blocking thread).
pub fn compute(units: &DemandUnits, supply: &Supply, analysis: &Analysis) -> AppResult<Computed> {
    Ok(match analysis {
        Analysis::Nearest => Computed {
            nearest_km: nearest(units, supply, &GreatCircle)?.into_iter().map(|n| n.cost).collect(),
            access: None,
            coverage: None,
        },
        Analysis::Coverage { radius_km } => {
            let c = coverage(units, supply, &GreatCircle, *radius_km)?;
            Computed {
                nearest_km: c.nearest.iter().map(|n| n.cost).collect(),
                access: None,
                coverage: Some(c),
            }
        }
        Analysis::Access(params) => {
            let values = access_rows(units, supply, params)?.into_iter().map(|(_, v)| v).collect();
            Computed {
                nearest_km: nearest(units, supply, &GreatCircle)?.into_iter().map(|n| n.cost).collect(),
                access: Some(values),
                coverage: None,
            }
        }
    })
}

// ---- numbers as people read them --------------------------------------------------------

/// Digits grouped by thousands (narrow no-break space in French, comma in English).
pub fn int(lang: Lang, x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "—".into() } else { "∞".into() };
    }
    let n = x.round().abs() as u64;
    let digits = n.to_string();
    let sep = if lang == Lang::En { ',' } else { '\u{202f}' };
    let mut out = String::new();
    if x.round() < 0.0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

/// A decimal with `decimals` places, French comma.
pub fn dec(lang: Lang, x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return if x.is_nan() { "—".into() } else { "∞".into() };
    }
    let text = format!("{:.*}", decimals, x);
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = int(lang, whole.parse::<f64>().unwrap_or(0.0));
    let whole = if x < 0.0 && !whole.starts_with('-') { format!("-{whole}") } else { whole };
    if frac.is_empty() { whole } else { format!("{whole}{}{frac}", if lang == Lang::En { '.' } else { ',' }) }
}

/// Three significant digits (accessibility values span many orders of magnitude).
pub fn sig(lang: Lang, x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return dec(lang, x, 0);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 12) as usize;
    dec(lang, x, decimals)
}

/// A share as a percentage with one decimal (`87,5 %`).
pub fn percent(lang: Lang, share: f64) -> String {
    if share.is_nan() {
        return "—".into();
    }
    format!("{}\u{a0}%", dec(lang, share * 100.0, 1))
}

pub fn km(lang: Lang, x: f64) -> String {
    format!("{}\u{a0}km", dec(lang, x, 1))
}

fn tr(lang: Lang, message: Message) -> String {
    message.render(lang)
}

// ---- classes and legend -----------------------------------------------------------------

/// Viridis in five steps, light (best served) to dark (least served): readable by people
/// with any common colour vision deficiency, and ordered in lightness for greyscale prints.
pub const PALETTE: [&str; 5] = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"];
/// Areas with no value (outside the territory, or no place within reach).
pub const NO_VALUE: &str = "#d9d9d9";

/// A legend entry: its colour and what it means.
pub struct LegendItem {
    pub fill: &'static str,
    pub label: String,
}

/// How values map to the five classes (0 = best served).
enum Scheme {
    /// Lower is better: thresholds ascending (distance in km).
    LowerBetter([f64; 4]),
    /// Higher is better: thresholds descending (share, accessibility).
    HigherBetter([f64; 4]),
    /// Covered or not (coverage by commune).
    Binary,
}

impl Scheme {
    fn class(&self, value: f64) -> Option<usize> {
        if value.is_nan() {
            return None;
        }
        Some(match self {
            Scheme::LowerBetter(t) => t.iter().take_while(|&&b| value >= b).count(),
            Scheme::HigherBetter(t) => t.iter().take_while(|&&b| value < b).count(),
            Scheme::Binary => {
                if value >= 0.5 {
                    0
                } else {
                    4
                }
            }
        })
    }
}

/// Thresholds at the 80th, 60th, 40th and 20th percentiles of the finite values.
fn quantile_thresholds(values: &[f64]) -> [f64; 4] {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return [0.0; 4];
    }
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    [at(0.8), at(0.6), at(0.4), at(0.2)]
}

// ---- the map and its table ---------------------------------------------------------------

/// A table: the text alternative of a figure, or a list of results.
pub struct Table {
    pub caption: String,
    pub headers: Vec<String>,
    /// Which columns hold numbers (aligned right).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn is_num(&self, column: &usize) -> bool {
        self.numeric.get(*column).copied().unwrap_or(false)
    }
}

/// A map with its legend and its table.
pub struct MapView {
    pub svg: String,
    pub legend_title: String,
    pub legend: Vec<LegendItem>,
    pub table: Table,
}

/// The value shown for an area (a département or a unit), and the populations behind it.
struct Shown {
    code: String,
    name: String,
    population: f64,
    value: f64,
    covered: f64,
}

/// What the map shows for each area, in the analysis' own terms.
struct Measure {
    legend_title: String,
    value_header: String,
    scheme: Scheme,
    labels: Vec<String>,
    /// How to write a value.
    text: Box<dyn Fn(f64) -> String>,
    /// Accessibility shown per 10,000 inhabitants unless normalised.
    factor: f64,
}

fn measure(lang: Lang, analysis: &Analysis, level: MapLevel, shown: &[Shown]) -> Measure {
    match analysis {
        Analysis::Nearest => Measure {
            legend_title: match level {
                MapLevel::Departement => {
                    tr(lang, Message::new("territory.views.mean_distance_nearest_place"))
                }
                MapLevel::Commune => tr(lang, Message::new("territory.views.distance_nearest_place")),
            },
            value_header: tr(lang, Message::new("territory.views.distance_km")),
            scheme: Scheme::LowerBetter([5.0, 10.0, 15.0, 20.0]),
            labels: vec![
                tr(lang, Message::new("territory.views.distance_under_5")),
                tr(lang, Message::new("territory.views.distance_5_10")),
                tr(lang, Message::new("territory.views.distance_10_15")),
                tr(lang, Message::new("territory.views.distance_15_20")),
                tr(lang, Message::new("territory.views.distance_20_more")),
            ],
            text: Box::new(move |x| km(lang, x)),
            factor: 1.0,
        },
        Analysis::Coverage { radius_km } => match level {
            MapLevel::Departement => Measure {
                legend_title: Message::new("territory.views.share_population_within_km")
                    .with("km", km(lang, *radius_km))
                    .render(lang),
                value_header: tr(lang, Message::new("territory.views.share_covered")),
                scheme: Scheme::HigherBetter([0.95, 0.85, 0.70, 0.50]),
                labels: vec![
                    tr(lang, Message::new("territory.views.share_95_more")),
                    tr(lang, Message::new("territory.views.share_85_95")),
                    tr(lang, Message::new("territory.views.share_70_85")),
                    tr(lang, Message::new("territory.views.share_50_70")),
                    tr(lang, Message::new("territory.views.share_under_50")),
                ],
                text: Box::new(move |x| percent(lang, x)),
                factor: 1.0,
            },
            MapLevel::Commune => Measure {
                legend_title: Message::new("territory.views.within_km_place")
                    .with("km", km(lang, *radius_km))
                    .render(lang),
                value_header: tr(lang, Message::new("territory.views.distance_km")),
                scheme: Scheme::Binary,
                labels: vec![
                    tr(lang, Message::new("territory.views.covered")),
                    String::new(),
                    String::new(),
                    String::new(),
                    tr(lang, Message::new("territory.views.white_zone")),
                ],
                text: Box::new(move |x| km(lang, x)),
                factor: 1.0,
            },
        },
        Analysis::Access(params) => {
            let factor = if params.normalize { 1.0 } else { 10_000.0 };
            let values: Vec<f64> = shown.iter().map(|s| s.value * factor).collect();
            let t = quantile_thresholds(&values);
            let f = move |x: f64| sig(lang, x);
            Measure {
                legend_title: match (params.normalize, lang) {
                    (true, Lang::En) => "Accessibility relative to the national mean (1 = mean)".into(),
                    (true, _) => "Accessibilité rapportée à la moyenne (1 = moyenne)".into(),
                    (false, Lang::En) => "Accessibility: places within reach per 10,000 inhabitants".into(),
                    (false, _) => "Accessibilité : lieux à portée pour 10\u{202f}000 habitants".into(),
                },
                value_header: tr(lang, Message::new("territory.views.accessibility")),
                scheme: Scheme::HigherBetter(t),
                labels: vec![
                    tr(lang, Message::new("territory.class.at_least").with("from", f(t[0]))),
                    tr(
                        lang,
                        Message::new("territory.class.between").with("from", f(t[1])).with("to", f(t[0])),
                    ),
                    tr(
                        lang,
                        Message::new("territory.class.between").with("from", f(t[2])).with("to", f(t[1])),
                    ),
                    tr(
                        lang,
                        Message::new("territory.class.between").with("from", f(t[3])).with("to", f(t[2])),
                    ),
                    tr(lang, Message::new("territory.class.under").with("to", f(t[3]))),
                ],
                text: Box::new(f),
                factor,
            }
        }
    }
}

fn departement_name(code: &str) -> String {
    Reference::shared().departement(code).map(|d| d.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// Per-unit value of the analysis: distance, or accessibility.
fn unit_values(analysis: &Analysis, computed: &Computed) -> Vec<f64> {
    match (analysis, &computed.access) {
        (Analysis::Access(_), Some(a)) => a.clone(),
        _ => computed.nearest_km.clone(),
    }
}

/// The areas shown at a level, with their value.
fn shown(units: &DemandUnits, analysis: &Analysis, computed: &Computed, level: MapLevel) -> Vec<Shown> {
    let values = unit_values(analysis, computed);
    let covered: Vec<bool> = match &computed.coverage {
        Some(c) => c.covered.clone(),
        None => vec![false; units.len()],
    };
    match level {
        MapLevel::Commune => units
            .units()
            .iter()
            .zip(&values)
            .zip(&covered)
            .map(|((u, &v), &c)| Shown {
                code: u.code.clone(),
                name: u.name.clone(),
                population: u.population,
                value: v,
                covered: if c { u.population } else { 0.0 },
            })
            .collect(),
        MapLevel::Departement => {
            // Population-weighted mean of the unit values (an accessibility of NaN — no
            // place within reach — counts as zero); for coverage, the share covered.
            let mut sums: Vec<(String, f64, f64, f64, usize)> = Vec::new();
            let mut index: HashMap<&str, usize> = HashMap::new();
            for ((u, &v), &c) in units.units().iter().zip(&values).zip(&covered) {
                let i = *index.entry(u.departement.as_str()).or_insert_with(|| {
                    sums.push((u.departement.clone(), 0.0, 0.0, 0.0, 0));
                    sums.len() - 1
                });
                let v = if v.is_nan() { 0.0 } else { v };
                let s = &mut sums[i];
                s.1 += u.population;
                s.2 += u.population * v;
                s.3 += if c { u.population } else { 0.0 };
                s.4 += 1;
            }
            let mean_of = |code: &str| {
                // A département without inhabitants: the plain mean of its units.
                let vs: Vec<f64> = units
                    .units()
                    .iter()
                    .zip(&values)
                    .filter(|(u, _)| u.departement == code)
                    .map(|(_, &v)| if v.is_nan() { 0.0 } else { v })
                    .collect();
                vs.iter().sum::<f64>() / vs.len().max(1) as f64
            };
            sums.into_iter()
                .map(|(code, pop, weighted, cov, _)| {
                    let value = match analysis {
                        Analysis::Coverage { .. } => {
                            if pop > 0.0 {
                                cov / pop
                            } else {
                                f64::NAN
                            }
                        }
                        _ => {
                            if pop > 0.0 {
                                weighted / pop
                            } else {
                                mean_of(&code)
                            }
                        }
                    };
                    Shown { name: departement_name(&code), code, population: pop, value, covered: cov }
                })
                .collect()
        }
    }
}

/// The markers of a recommendation's chosen sites, numbered in their order.
pub fn site_markers(units: &DemandUnits, recommendation: &Recommendation, lang: Lang) -> Vec<Marker> {
    recommendation
        .sites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let u = units.get(s.unit)?;
            Some(Marker {
                lon: u.lon,
                lat: u.lat,
                departement: u.departement.clone(),
                label: (i + 1).to_string(),
                title: Message::new("territory.views.site_i_name_code")
                    .with("i", i + 1)
                    .with("name", &u.name)
                    .with("code", &u.code)
                    .render(lang),
            })
        })
        .collect()
}

/// The map of an analysis at a level, its legend and its table (sorted least served first).
pub fn analysis_map(
    units: &DemandUnits,
    analysis: &Analysis,
    computed: &Computed,
    level: MapLevel,
    markers: &[Marker],
    lang: Lang,
) -> MapView {
    let shown = shown(units, analysis, computed, level);
    let m = measure(lang, analysis, level, &shown);
    let value_of = |s: &Shown| match (analysis, level) {
        (Analysis::Coverage { .. }, MapLevel::Commune) => {
            if s.covered > 0.0
                || (s.population == 0.0 && computed.coverage.as_ref().is_some_and(|c| s.value <= c.radius_km))
            {
                1.0
            } else {
                0.0
            }
        }
        _ => s.value * m.factor,
    };
    let fill_of = |s: &Shown| m.scheme.class(value_of(s)).map(|c| PALETTE[c]).unwrap_or(NO_VALUE);
    let title_of = |s: &Shown| format!("{} ({}) : {}", s.name, s.code, (m.text)(s.value * m.factor));
    let mut departements: Vec<String> = Vec::new();
    for u in units.units() {
        if departements.last() != Some(&u.departement) && !departements.contains(&u.departement) {
            departements.push(u.departement.clone());
        }
    }
    let mut areas = HashMap::new();
    let mut dots = Vec::new();
    match level {
        MapLevel::Departement => {
            for s in &shown {
                areas.insert(s.code.clone(), Area { fill: fill_of(s), title: title_of(s) });
            }
        }
        MapLevel::Commune => {
            for (s, u) in shown.iter().zip(units.units()) {
                dots.push(Dot {
                    lon: u.lon,
                    lat: u.lat,
                    departement: u.departement.clone(),
                    fill: fill_of(s),
                    title: title_of(s),
                });
            }
        }
    }
    let title = m.legend_title.clone();
    let description = tr(lang, Message::new("territory.views.same_values_are_given"));
    let svg = svg::map(&MapSpec {
        departements: &departements,
        areas: &areas,
        dots: &dots,
        markers,
        title: &title,
        description: &description,
        empty_fill: if level == MapLevel::Commune { "#f3f5f8" } else { NO_VALUE },
    });
    let mut legend: Vec<LegendItem> = m
        .labels
        .iter()
        .zip(PALETTE)
        .filter(|(l, _)| !l.is_empty())
        .map(|(l, fill)| LegendItem { fill, label: l.clone() })
        .collect();
    if shown.iter().any(|s| s.value.is_nan()) {
        legend.push(LegendItem {
            fill: NO_VALUE,
            label: match analysis {
                Analysis::Access(_) => tr(lang, Message::new("territory.views.no_place_within_reach")),
                _ => tr(lang, Message::new("territory.views.no_inhabitant")),
            },
        });
    }
    // Least served first.
    let mut order: Vec<usize> = (0..shown.len()).collect();
    let key = |s: &Shown| match analysis {
        Analysis::Nearest => -s.value,
        Analysis::Coverage { .. } if level == MapLevel::Commune => -s.value,
        _ => {
            if s.value.is_nan() {
                f64::NEG_INFINITY
            } else {
                s.value
            }
        }
    };
    order.sort_by(|&a, &b| {
        key(&shown[a]).total_cmp(&key(&shown[b])).then_with(|| shown[a].code.cmp(&shown[b].code))
    });
    let area_header = match level {
        MapLevel::Departement => tr(lang, Message::new("territory.views.departement")),
        MapLevel::Commune => tr(lang, Message::new("territory.views.commune")),
    };
    let covered_header = tr(lang, Message::new("territory.views.population_covered"));
    let is_coverage = matches!(analysis, Analysis::Coverage { .. });
    let mut headers = vec![
        area_header,
        tr(lang, Message::new("territory.views.code")),
        tr(lang, Message::new("territory.views.population")),
    ];
    let mut numeric = vec![false, false, true];
    if is_coverage && level == MapLevel::Departement {
        headers.push(covered_header);
        numeric.push(true);
    }
    headers.push(m.value_header.clone());
    numeric.push(true);
    if is_coverage && level == MapLevel::Commune {
        headers.push(tr(lang, Message::new("territory.views.covered_column")));
        numeric.push(false);
    }
    let rows = order
        .into_iter()
        .map(|i| {
            let s = &shown[i];
            let mut row = vec![s.name.clone(), s.code.clone(), int(lang, s.population)];
            if is_coverage && level == MapLevel::Departement {
                row.push(int(lang, s.covered));
            }
            row.push((m.text)(s.value * m.factor));
            if is_coverage && level == MapLevel::Commune {
                let yes = value_of(s) >= 0.5;
                row.push(if yes {
                    tr(lang, Message::new("territory.views.yes"))
                } else {
                    tr(lang, Message::new("territory.views.no"))
                });
            }
            row
        })
        .collect();
    MapView {
        svg,
        legend_title: m.legend_title,
        legend,
        table: Table {
            caption: tr(lang, Message::new("territory.views.values_map_least_served")),
            headers,
            numeric,
            rows,
        },
    }
}

// ---- white zones ---------------------------------------------------------------------------

/// The most populated units beyond the radius of every place.
pub fn white_zones(coverage: &Coverage, units: &DemandUnits, limit: usize, lang: Lang) -> Table {
    let rows = coverage
        .white_zones
        .iter()
        .take(limit)
        .map(|w| {
            let dep = units.get(w.unit).map(|u| u.departement.clone()).unwrap_or_default();
            vec![
                w.name.clone(),
                w.code.clone(),
                format!("{} ({dep})", departement_name(&dep)),
                int(lang, w.population),
                km(lang, w.distance_km),
            ]
        })
        .collect();
    Table {
        caption: Message::new("territory.views.most_populated_white_zones")
            .with("km", km(lang, coverage.radius_km))
            .with("int", int(lang, coverage.white_zones.len() as f64))
            .with("int2", int(lang, coverage.white_zones.iter().map(|w| w.population).sum()))
            .render(lang),
        headers: vec![
            tr(lang, Message::new("territory.views.commune")),
            tr(lang, Message::new("territory.views.code")),
            tr(lang, Message::new("territory.views.departement")),
            tr(lang, Message::new("territory.views.population")),
            tr(lang, Message::new("territory.views.distance_nearest_place")),
        ],
        numeric: vec![false, false, false, true, true],
        rows,
    }
}

// ---- distance histogram ----------------------------------------------------------------------

/// Distance bins of the histogram, in km (the last one is open).
pub const BINS: [(f64, f64); 6] =
    [(0.0, 5.0), (5.0, 10.0), (10.0, 15.0), (15.0, 20.0), (20.0, 30.0), (30.0, f64::INFINITY)];

/// A chart and its table.
pub struct ChartView {
    pub svg: String,
    pub table: Table,
}

/// Population by distance to the nearest place, as shares of the total population.
pub fn distance_histogram(units: &DemandUnits, nearest_km: &[f64], lang: Lang) -> ChartView {
    let mut pops = [0.0f64; BINS.len()];
    for (u, &d) in units.units().iter().zip(nearest_km) {
        if let Some(i) = BINS.iter().position(|&(lo, hi)| d >= lo && d < hi) {
            pops[i] += u.population;
        } else if d.is_infinite() {
            pops[BINS.len() - 1] += u.population;
        }
    }
    let total: f64 = pops.iter().sum();
    let label = |&(lo, hi): &(f64, f64)| {
        if hi.is_infinite() { format!("{lo:.0}+ km") } else { format!("{lo:.0}–{hi:.0} km") }
    };
    let bars: Vec<Bar> = BINS
        .iter()
        .zip(pops)
        .map(|(bin, p)| {
            let share = if total > 0.0 { p / total } else { 0.0 };
            Bar { label: label(bin), value: share, text: percent(lang, share) }
        })
        .collect();
    let title = tr(lang, Message::new("territory.views.population_by_distance_nearest"));
    let svg = svg::bar_chart(
        &bars,
        &title,
        &tr(lang, Message::new("territory.views.distance_nearest_place")),
        &tr(lang, Message::new("territory.views.share_population")),
        |v| format!("{:.0}\u{a0}%", v * 100.0),
    );
    let rows = BINS
        .iter()
        .zip(pops)
        .map(|(bin, p)| {
            vec![label(bin), int(lang, p), percent(lang, if total > 0.0 { p / total } else { 0.0 })]
        })
        .collect();
    ChartView {
        svg,
        table: Table {
            caption: title,
            headers: vec![
                tr(lang, Message::new("territory.views.distance")),
                tr(lang, Message::new("territory.views.inhabitants")),
                tr(lang, Message::new("territory.views.share_population")),
            ],
            numeric: vec![false, true, true],
            rows,
        },
    }
}

// ---- recommendation ------------------------------------------------------------------------

/// A recommendation as read by people.
pub struct RecommendationView {
    pub sites: Table,
    /// Sentences: the total, the bound, the gap, the search time.
    pub summary: Vec<String>,
}

/// How far from optimal, in words: "au plus 0,1 % de l'optimum".
pub fn gap_words(lang: Lang, gap: f64) -> String {
    if gap <= 0.0 {
        return tr(lang, Message::new("territory.views.optimal_proven"));
    }
    let pct = gap * 100.0;
    if pct < 0.01 {
        return tr(lang, Message::new("territory.views.less_than_from_optimum"));
    }
    let decimals = if pct < 1.0 { 2 } else { 1 };
    let text = dec(lang, pct, decimals);
    let text = text.trim_end_matches('0').trim_end_matches([',', '.']);
    Message::new("territory.views.at_most_text_from").with("text", text).render(lang)
}

pub fn recommendation_view(units: &DemandUnits, r: &Recommendation, lang: Lang) -> RecommendationView {
    let gain_header = match r.objective {
        Objective::Pmedian => tr(lang, Message::new("territory.views.person_km_saved")),
        _ => tr(lang, Message::new("territory.views.inhabitants_gained")),
    };
    let rows = r
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let u = units.get(s.unit);
            let dep = u.map(|u| u.departement.clone()).unwrap_or_default();
            vec![
                (i + 1).to_string(),
                s.name.clone(),
                s.code.clone(),
                format!("{} ({dep})", departement_name(&dep)),
                int(lang, u.map(|u| u.population).unwrap_or(0.0)),
                int(lang, s.gain),
            ]
        })
        .collect();
    let mut summary = Vec::new();
    let n = r.sites.len();
    match r.objective {
        Objective::Mclp | Objective::Setcover => {
            let covered = r.covered_population.unwrap_or(0.0);
            let existing = r.existing_covered_population.unwrap_or(0.0);
            summary.push(
                Message::new("territory.views.n_new_sites_bring")
                    .with("n", n)
                    .with("int", int(lang, covered))
                    .with("int2", int(lang, existing))
                    .render(lang),
            );
            if let Some(ub) = r.upper_bound {
                summary.push(
                    Message::new("territory.views.no_choice_n_sites")
                        .with("n", n)
                        .with("int", int(lang, ub))
                        .with("gap_words", gap_words(lang, r.gap))
                        .render(lang),
                );
            }
            if r.objective == Objective::Setcover
                && let Some(lb) = r.lower_bound
            {
                summary.push(
                    Message::new("territory.views.at_least_int_sites")
                        .with("int", int(lang, lb.ceil()))
                        .with("gap_words", gap_words(lang, r.gap))
                        .render(lang),
                );
            }
        }
        Objective::Pmedian => {
            let total: f64 = units.total_population();
            let value = r.objective_value.unwrap_or(f64::NAN);
            let mean = if total > 0.0 { value / total } else { f64::NAN };
            summary.push(
                Message::new("territory.views.with_these_n_sites")
                    .with("n", n)
                    .with("km", km(lang, mean))
                    .with("int", int(lang, value))
                    .render(lang),
            );
            if let Some(lb) = r.lower_bound {
                summary.push(
                    Message::new("territory.views.no_choice_n_sites_2")
                        .with("n", n)
                        .with("int", int(lang, lb))
                        .with("gap_words", gap_words(lang, r.gap))
                        .render(lang),
                );
            }
        }
    }
    let stopped =
        if r.timed_out { Message::new("territory.views.stopped_by_time_limit") } else { Message::empty() };
    summary.push(
        Message::new("territory.views.candidates_examined")
            .with("candidates", int(lang, r.candidates as f64))
            .with("seconds", dec(lang, r.seconds, 2))
            .with_message("stopped", stopped)
            .render(lang),
    );
    RecommendationView {
        sites: Table {
            caption: tr(lang, Message::new("territory.views.chosen_sites_order_what")),
            headers: vec![
                tr(lang, Message::new("territory.views.rank")),
                tr(lang, Message::new("territory.views.commune")),
                tr(lang, Message::new("territory.views.code")),
                tr(lang, Message::new("territory.views.departement")),
                tr(lang, Message::new("territory.views.population")),
                gain_header,
            ],
            numeric: vec![true, false, false, false, true, true],
            rows,
        },
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_french_way_or_the_english_way() {
        assert_eq!(int(Lang::Fr, 1234567.0), "1\u{202f}234\u{202f}567");
        assert_eq!(int(Lang::En, 1234567.0), "1,234,567");
        assert_eq!(dec(Lang::Fr, 12.345, 1), "12,3");
        assert_eq!(percent(Lang::Fr, 0.875), "87,5\u{a0}%");
        assert_eq!(sig(Lang::En, 0.000123456), "0.000123");
        assert_eq!(dec(Lang::Fr, f64::NAN, 1), "—");
    }

    #[test]
    fn the_gap_is_said_in_words() {
        assert_eq!(gap_words(Lang::Fr, 0.001), "au plus 0,1\u{a0}% de l'optimum");
        assert_eq!(gap_words(Lang::En, 0.0234), "at most 2.3 % from the optimum");
        assert_eq!(gap_words(Lang::Fr, 0.0), "optimale (c'est prouvé)");
        assert_eq!(gap_words(Lang::En, 1e-7), "less than 0.01 % from the optimum");
    }

    #[test]
    fn classes_put_the_least_served_in_the_darkest_colour() {
        let distance = Scheme::LowerBetter([5.0, 10.0, 15.0, 20.0]);
        assert_eq!(distance.class(2.0), Some(0));
        assert_eq!(distance.class(5.0), Some(1));
        assert_eq!(distance.class(25.0), Some(4));
        let share = Scheme::HigherBetter([0.95, 0.85, 0.70, 0.50]);
        assert_eq!(share.class(0.99), Some(0));
        assert_eq!(share.class(0.3), Some(4));
        assert_eq!(share.class(f64::NAN), None);
    }
}
