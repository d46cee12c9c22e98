//! Floating catchment accessibility (2SFCA, E2SFCA, Gaussian, gravity, 3SFCA), with exactly
//! the semantics of PySAL `access` 1.1.10 (`access/fca.py`, `access/weights.py`,
//! `access/helpers.py`):
//!
//! - pairs are kept when cost ≤ catchment (inclusive);
//! - R_j = S_j / Σ_i P_i·w(c_ij) over the pairs of place j; A_i = Σ_j R_j·w(c_ij);
//! - terms that are NaN (0·∞, 0/0) are skipped in every sum, as pandas' `sum` does, so a sum
//!   of NaN terms only is 0;
//! - a place whose weighted reachable population is 0 gets R = S/0 = ∞ (NaN when S = 0), and
//!   ∞ propagates to the units that reach it;
//! - a unit with no place within the catchment gets NaN;
//! - 3SFCA: selection weights G_ij = w(c_ij) / Σ_j' w(c_ij') are computed over *all* pairs of
//!   the cost model (before the catchment filter), then both stages use w·G;
//! - normalisation divides by Σ_i P_i·A_i / Σ_i P_i, NaN terms skipped in the numerator only.
//!
//! Sums run in the cost model's fixed unit order (stage 1) and ascending place order
//! (stage 2), so results are deterministic; they match the library to about 1e-15 relative (it sums in cost-table
//! row order with Kahan compensation).

use serde::Serialize;

use super::cost::{CostModel, Pairs};
use super::demand::DemandUnits;
use super::error::{AnalysisError, positive};
use super::geometry::StepBounds;
use super::parallel;
use super::supply::Supply;

/// A step of a step weight function: weight `weight` for costs ≤ `up_to` (and above the
/// previous step).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    pub up_to: f64,
    pub weight: f64,
}

/// Distance decay applied to each pair, as in `access.weights`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Weight {
    /// No decay (plain 2SFCA): every pair within the catchment weighs 1.
    Uniform,
    /// `weights.step_fn`: the weight of the first step whose `up_to` ≥ cost (thresholds
    /// inclusive), 0 beyond the last step.
    Steps(Vec<Step>),
    /// `weights.gaussian(sigma)`: exp(−c² / (2σ²)), not normalised (w(0) = 1).
    Gaussian { sigma: f64 },
    /// `weights.gravity(scale, alpha, min_dist)`: (max(c, min_dist) / scale)^alpha; alpha is
    /// usually negative.
    Gravity { scale: f64, alpha: f64, min_dist: f64 },
}

impl Weight {
    /// `access`'s default for E2SFCA: {10: 1, 20: 0.68, 30: 0.22}.
    pub fn e2sfca_default() -> Self {
        Self::steps(&[(10.0, 1.0), (20.0, 0.68), (30.0, 0.22)])
    }

    /// `access`'s default for 3SFCA: {10: 0.962, 20: 0.704, 30: 0.377, 60: 0.042}.
    pub fn three_stage_default() -> Self {
        Self::steps(&[(10.0, 0.962), (20.0, 0.704), (30.0, 0.377), (60.0, 0.042)])
    }

    fn steps(steps: &[(f64, f64)]) -> Self {
        Self::Steps(steps.iter().map(|&(up_to, weight)| Step { up_to, weight }).collect())
    }

    /// Parses steps written `10:1,20:0.68,30:0.22` (field `steps`).
    pub fn parse_steps(text: &str) -> Result<Self, AnalysisError> {
        let invalid = |reason_fr, reason_en| AnalysisError::InvalidParameter {
            field: "steps".to_owned(),
            value: f64::NAN,
            reason_fr,
            reason_en,
        };
        let mut steps = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (up_to, weight) = part.split_once(':').ok_or_else(|| {
                invalid(
                    "paliers attendus sous la forme 10:1,20:0.68,30:0.22",
                    "expected steps like 10:1,20:0.68,30:0.22",
                )
            })?;
            let number = |s: &str| {
                s.trim().parse::<f64>().map_err(|_| invalid("nombre illisible", "unreadable number"))
            };
            steps.push(Step { up_to: number(up_to)?, weight: number(weight)? });
        }
        let weight = Self::Steps(steps);
        weight.validate()?;
        Ok(weight)
    }

    /// Checks the parameters: steps non-empty with finite distinct thresholds and finite
    /// weights ≥ 0 (field `steps`), sigma > 0 (`sigma_km`), scale > 0, alpha finite, min_dist
    /// ≥ 0 (`scale_km`, `alpha`, `min_dist_km`).
    pub fn validate(&self) -> Result<(), AnalysisError> {
        let bad = |field: &str, value: f64, reason_fr: &'static str, reason_en: &'static str| {
            Err(AnalysisError::InvalidParameter { field: field.to_owned(), value, reason_fr, reason_en })
        };
        match self {
            Self::Uniform => Ok(()),
            Self::Steps(steps) => {
                if steps.is_empty() {
                    return bad(
                        "steps",
                        f64::NAN,
                        "au moins un palier est requis",
                        "at least one step is required",
                    );
                }
                for (i, s) in steps.iter().enumerate() {
                    if !s.up_to.is_finite() || s.up_to < 0.0 {
                        return bad(
                            "steps",
                            s.up_to,
                            "seuil fini et positif attendu",
                            "expected a finite threshold ≥ 0",
                        );
                    }
                    if !s.weight.is_finite() || s.weight < 0.0 {
                        return bad(
                            "steps",
                            s.weight,
                            "poids fini et positif attendu",
                            "expected a finite weight ≥ 0",
                        );
                    }
                    if steps[..i].iter().any(|t| t.up_to == s.up_to) {
                        return bad("steps", s.up_to, "seuil en double", "duplicate threshold");
                    }
                }
                Ok(())
            }
            Self::Gaussian { sigma } => positive("sigma_km", *sigma).map(|_| ()),
            Self::Gravity { scale, alpha, min_dist } => {
                positive("scale_km", *scale)?;
                if !alpha.is_finite() {
                    return bad("alpha", *alpha, "exposant fini attendu", "expected a finite exponent");
                }
                if !min_dist.is_finite() || *min_dist < 0.0 {
                    return bad(
                        "min_dist_km",
                        *min_dist,
                        "distance finie et positive attendue",
                        "expected a finite distance ≥ 0",
                    );
                }
                Ok(())
            }
        }
    }

    /// Steps sorted by threshold, as `step_fn` reads them.
    fn prepared(&self) -> Self {
        match self {
            Self::Steps(steps) => {
                let mut steps = steps.clone();
                steps.sort_by(|a, b| a.up_to.total_cmp(&b.up_to));
                Self::Steps(steps)
            }
            other => other.clone(),
        }
    }

    /// The weight of a pair of cost `c` (after [`Weight::prepared`]).
    #[inline]
    fn at(&self, c: f64) -> f64 {
        match self {
            Self::Uniform => 1.0,
            Self::Steps(steps) => {
                // The first step (by threshold) with c ≤ up_to, written as selects from the
                // last step down so that it compiles without branches.
                let mut w = 0.0;
                for s in steps.iter().rev() {
                    w = if c <= s.up_to { s.weight } else { w };
                }
                w
            }
            Self::Gaussian { sigma } => (-c * c / (2.0 * sigma.powi(2))).exp(),
            Self::Gravity { scale, alpha, min_dist } => {
                let x = if *min_dist > c { *min_dist } else { c };
                (x / scale).powf(*alpha)
            }
        }
    }

    /// Replaces each cost by its weight ([`Weight::at`], after [`Weight::prepared`]), in a
    /// loop that vectorises for up to four steps.
    pub(crate) fn apply_in_place(&self, costs: &mut [f64]) {
        match self {
            // The same value as `Weight::at`, as selects from the last step down (no branches),
            // padded to four steps that never match, so that the loop body is fixed.
            Self::Steps(steps) if steps.len() <= 4 => {
                let mut up_to = [f64::NEG_INFINITY; 4];
                let mut weight = [0.0f64; 4];
                for (k, step) in steps.iter().enumerate() {
                    up_to[k] = step.up_to;
                    weight[k] = step.weight;
                }
                for x in costs {
                    let c = *x;
                    let mut w = 0.0;
                    for k in (0..4).rev() {
                        w = if c <= up_to[k] { weight[k] } else { w };
                    }
                    *x = w;
                }
            }
            other => {
                for x in costs {
                    *x = other.at(*x);
                }
            }
        }
    }

    /// Cost beyond which the weight is 0 for good (the last step), if any.
    fn support(&self) -> Option<f64> {
        match self {
            Self::Steps(steps) => steps.iter().map(|s| s.up_to).reduce(f64::max),
            _ => None,
        }
    }
}

/// Two stages (2SFCA and its weighted variants) or three (3SFCA, with selection weights).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stages {
    Two,
    Three,
}

/// What to compute. The CLI methods map as: `2sfca` = Two + Uniform, `e2sfca` = Two + Steps,
/// `gaussian` = Two + Gaussian, `gravity` = Two + Gravity, `3sfca` = Three +
/// [`Weight::three_stage_default`] unless steps are given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessOptions {
    pub stages: Stages,
    pub weight: Weight,
    /// Pairs with cost ≤ catchment are kept (field `catchment_km`).
    pub catchment: f64,
    /// Divide by the population-weighted mean (`normalize=True` in `access`).
    pub normalize: bool,
    /// 3SFCA only: the largest cost of the pairs over which selection weights are summed. The
    /// library sums over every pair of its cost table; `None` does the same exactly: the last
    /// step's threshold for step weights (pairs beyond weigh 0), all pairs otherwise (with
    /// [`super::GreatCircle`] that is every unit × place pair: exact but slow on all of France,
    /// set a limit such as 3σ for Gaussian weights).
    pub selection_max_cost: Option<f64>,
}

impl AccessOptions {
    pub fn two_stage(catchment: f64, weight: Weight) -> Self {
        Self { stages: Stages::Two, weight, catchment, normalize: false, selection_max_cost: None }
    }

    pub fn three_stage(catchment: f64, weight: Weight) -> Self {
        Self { stages: Stages::Three, weight, catchment, normalize: false, selection_max_cost: None }
    }
}

/// Result of [`accessibility`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accessibility {
    /// A_i per unit, in unit order (normalised when asked): NaN without a place in range,
    /// ∞ when a reachable place has no weighted population.
    pub values: Vec<f64>,
    /// R_j per place, in supply order; NaN for places with no unit in range.
    pub ratios: Vec<f64>,
    /// Number of (unit, place) pairs within the catchment.
    pub pairs: usize,
    /// The divisor applied when normalising (Σ P·A / Σ P), `None` otherwise.
    pub normalized_by: Option<f64>,
}

/// Floating catchment accessibility of every unit; see the module documentation for the
/// exact semantics.
pub fn accessibility(
    units: &DemandUnits,
    places: &Supply,
    cost: &dyn CostModel,
    options: &AccessOptions,
) -> Result<Accessibility, AnalysisError> {
    positive("catchment_km", options.catchment)?;
    options.weight.validate()?;
    if let Some(limit) = options.selection_max_cost {
        positive("selection_max_cost", limit)?;
    }
    places.require_non_empty()?;
    let weight = options.weight.prepared();

    let Catchment { ratios, mut values, pairs } = match options.stages {
        Stages::Two => cost.two_stage(units, places, options.catchment, &weight)?,
        Stages::Three => {
            // Selection weights: Σ_j w(c_ij) per unit over every pair the model knows.
            let pairs = cost.pairs(units, places, options.catchment)?;
            let limit = options.selection_max_cost.or_else(|| weight.support()).unwrap_or(f64::INFINITY);
            let all = if limit <= options.catchment {
                pairs.within(limit)
            } else {
                cost.pairs(units, places, limit)?
            };
            // Scattered in ascending place order: each unit's terms are summed in the order
            // of its by-unit list, without building that orientation.
            let mut sums = vec![0.0f64; units.len()];
            for (_, us, cs) in all.place_major() {
                for (&u, &c) in us.iter().zip(cs) {
                    let w = weight.at(c);
                    if !w.is_nan() {
                        sums[u as usize] += w;
                    }
                }
            }
            stages_from_pairs(pairs, units, places, &weight, Some(&sums))
        }
    };
    let normalized_by = options.normalize.then(|| {
        let population = units.units().iter().map(|u| u.population);
        let weighted = nan_skipping_sum(values.iter().zip(population.clone()).map(|(a, p)| a * p));
        let mean = weighted / population.sum::<f64>();
        for v in &mut values {
            *v /= mean;
        }
        mean
    });
    Ok(Accessibility { values, ratios, pairs, normalized_by })
}

/// The two stages of a floating catchment, before normalisation: what
/// [`CostModel::two_stage`] computes.
#[derive(Debug, Clone, PartialEq)]
pub struct Catchment {
    /// R_j per place, in supply order; NaN for places with no unit in range.
    pub ratios: Vec<f64>,
    /// A_i per unit, in unit order: NaN without a place in range.
    pub values: Vec<f64>,
    /// Number of (unit, place) pairs within the catchment.
    pub pairs: usize,
}

/// Both stages over listed pairs: R_j sums its units in list order, A_i its places in
/// ascending order. `selection` holds the 3SFCA selection sums per unit (pairs then weigh
/// w·(w / sum), in the library's order of operations).
pub(crate) fn stages_from_pairs(
    pairs: Pairs,
    units: &DemandUnits,
    places: &Supply,
    weight: &Weight,
    selection: Option<&[f64]>,
) -> Catchment {
    let n_pairs = pairs.len();
    let population: Vec<f64> = units.units().iter().map(|u| u.population).collect();
    // w of every pair, in by-place order, computed once for both stages in place of the costs.
    let (starts, pair_units, mut pair_w) = pairs.into_place_csr();
    weight.prepared().apply_in_place(&mut pair_w);
    // The factor applied to a pair: w, or w then ×G in the library's order of operations.
    let apply = |value: f64, unit: usize, w: f64| -> f64 {
        match selection {
            None => value * w,
            Some(sums) => value * w * (w / sums[unit]),
        }
    };
    let ratios: Vec<f64> = (0..places.len())
        .map(|j| {
            let (a, b) = (starts[j] as usize, starts[j + 1] as usize);
            if a == b {
                return f64::NAN;
            }
            let demand = nan_skipping_sum(
                pair_units[a..b]
                    .iter()
                    .zip(&pair_w[a..b])
                    .map(|(&u, &w)| apply(population[u as usize], u as usize, w)),
            );
            places.places()[j].capacity / demand
        })
        .collect();
    // A_i, scattered from the places in ascending order (each unit's sum runs over its places
    // in ascending order, as a by-unit pass would); units that no place reaches get NaN.
    let mut values = vec![0.0f64; units.len()];
    let mut reached = vec![false; units.len()];
    for (j, &ratio) in ratios.iter().enumerate() {
        let (a, b) = (starts[j] as usize, starts[j + 1] as usize);
        for (&u, &w) in pair_units[a..b].iter().zip(&pair_w[a..b]) {
            let u = u as usize;
            reached[u] = true;
            let term = apply(ratio, u, w);
            values[u] += if term.is_nan() { 0.0 } else { term };
        }
    }
    for (v, &r) in values.iter_mut().zip(&reached) {
        if !r {
            *v = f64::NAN;
        }
    }
    Catchment { ratios, values, pairs: n_pairs }
}

/// Sum that skips NaN terms, as pandas' `sum` does by default.
#[inline]
fn nan_skipping_sum(terms: impl Iterator<Item = f64>) -> f64 {
    terms.fold(0.0, |acc, t| acc + if t.is_nan() { 0.0 } else { t })
}

/// A place's planned runs of grid positions, and whether they are all short arcs.
type PlaceRuns<'a> = (&'a [(u32, u32)], bool);

/// Weights by code (see [`StepBounds`]): code 0 (beyond the catchment) weighs 0, code k ≥ 1
/// the k-th step's weight, and the code after the last step 0; padded to eight so that a code
/// indexes it without a bounds check.
type CodeWeights = [f64; 8];

#[inline]
fn code_weight(weights: &CodeWeights, code: u8) -> f64 {
    weights[usize::from(code) % 8]
}

/// `sum` plus Σ value·weight(code) over the nonzero codes, in order, NaN terms skipped. When
/// every value and weight is finite no term is NaN, and a zero code adds +0.0, which leaves
/// the sum unchanged: that case runs without selects.
#[inline]
fn coded_sum(mut sum: f64, codes: &[u8], values: &[f64], weights: &CodeWeights, finite: bool) -> f64 {
    if finite {
        for (&code, &value) in codes.iter().zip(values) {
            sum += value * code_weight(weights, code);
        }
    } else {
        for (&code, &value) in codes.iter().zip(values) {
            let term = value * code_weight(weights, code);
            sum += if code != 0 && !term.is_nan() { term } else { 0.0 };
        }
    }
    sum
}

/// Adds `ratio`·weight(code) to each sum whose code is nonzero (NaN terms skipped) and marks
/// those units reached (a nonzero byte); with a finite ratio and finite weights, from the
/// eight products computed once and without selects (see [`coded_sum`]).
#[inline]
fn add_coded(
    ratio: f64,
    codes: &[u8],
    weights: &CodeWeights,
    finite: bool,
    sums: &mut [f64],
    reached: &mut [u8],
) {
    if finite && ratio.is_finite() {
        let terms = weights.map(|w| ratio * w);
        for ((&code, sum), seen) in codes.iter().zip(sums).zip(reached) {
            *sum += code_weight(&terms, code);
            *seen |= code;
        }
    } else {
        for ((&code, sum), seen) in codes.iter().zip(sums).zip(reached) {
            let term = ratio * code_weight(weights, code);
            *sum += if code != 0 && !term.is_nan() { term } else { 0.0 };
            *seen |= code;
        }
    }
}

/// [`CostModel::two_stage`] for great-circle distance, without listing the pairs: each place's
/// cap is planned once and scanned by stage 1, which keeps for each point it scanned only
/// a one-byte code of its weight when the weights take few values (uniform and step weights:
/// the code is 0 outside the catchment, else 1 + the number of steps below the distance, found
/// from squared chords, see [`StepBounds`]), so that stage 2 reads the codes instead of
/// recomputing distances; other weights recompute them. Stage 1 runs over chunks of places,
/// stage 2 over ranges of the units' grid positions, each on its own core. Every sum runs in
/// the same order as [`stages_from_pairs`] over [`super::GreatCircle`]'s pairs (a place's
/// units in grid order, a unit's places ascending), so the result is the same bit for bit,
/// whatever the number of cores.
pub(crate) fn great_circle_two_stage(
    units: &DemandUnits,
    places: &Supply,
    catchment: f64,
    weight: &Weight,
) -> Catchment {
    let weight = weight.prepared();
    let (thresholds, weights): ([f64; 4], Option<CodeWeights>) = match &weight {
        Weight::Uniform => ([f64::INFINITY; 4], Some([0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])),
        // Sorted and distinct thresholds: the first step whose threshold is ≥ the cost is the
        // number of thresholds below it; the padding thresholds (+∞) are never below.
        Weight::Steps(steps) if steps.len() <= 4 => {
            let (mut thresholds, mut weights) = ([f64::INFINITY; 4], [0.0; 8]);
            for ((t, w), step) in thresholds.iter_mut().zip(&mut weights[1..]).zip(steps) {
                (*t, *w) = (step.up_to, step.weight);
            }
            (thresholds, Some(weights))
        }
        _ => ([f64::INFINITY; 4], None),
    };
    let bounds = StepBounds::new(thresholds, catchment);
    let grid = &units.grid;
    let positions = grid.items();
    let population: Vec<f64> = positions.iter().map(|&u| units.units()[u as usize].population).collect();
    // Stage 2 checks each ratio itself.
    let finite =
        weights.is_some_and(|w| w.iter().all(|w| w.is_finite())) && population.iter().all(|p| p.is_finite());
    let plans = parallel::chunks(places.len(), 256, |range| {
        let mut runs = Vec::new();
        let mut ends = Vec::with_capacity(range.len());
        for place in &places.geo[range] {
            let small = grid.plan(place, catchment, &mut runs);
            ends.push((runs.len(), small));
        }
        (runs, ends)
    });
    let mut place_runs: Vec<PlaceRuns<'_>> = Vec::with_capacity(places.len());
    for (runs, ends) in &plans {
        let mut first = 0;
        for &(last, small) in ends {
            place_runs.push((&runs[first..last], small));
            first = last;
        }
    }
    // Distances of a run and their weights, in buffers reused from run to run.
    let weighed = |j: usize, (s, e): (usize, usize), small: bool, d: &mut Vec<f64>, w: &mut Vec<f64>| {
        d.clear();
        d.resize(e - s, 0.0);
        grid.distances_into(&places.geo[j], (s, e), small, d);
        w.clear();
        w.extend_from_slice(d);
        weight.apply_in_place(w);
    };

    // Stage 1: R_j = S_j / Σ P_i·w(c_ij) over the units within the catchment.
    let stage1 = parallel::chunks(places.len(), 256, |range| {
        let (mut d, mut w) = (Vec::new(), Vec::new());
        let mut codes: Vec<u8> = Vec::new();
        // Per place: its ratio, its pairs, where its codes start in the chunk's.
        let ratios: Vec<(f64, usize, usize)> = range
            .map(|j| {
                let (runs, small) = place_runs[j];
                let start = codes.len();
                let (mut demand, mut count) = (0.0f64, 0usize);
                for &(s, e) in runs {
                    let (s, e) = (s as usize, e as usize);
                    if let Some(weights) = &weights {
                        let base = codes.len();
                        codes.resize(base + (e - s), 0);
                        let run_codes = &mut codes[base..];
                        count += match grid.step_codes(&places.geo[j], (s, e), &bounds, run_codes) {
                            Some(inside) => inside,
                            None => {
                                // Some point too close to a threshold: code the run from distances.
                                d.clear();
                                d.resize(e - s, 0.0);
                                grid.distances_into(&places.geo[j], (s, e), small, &mut d);
                                for (code, &dk) in run_codes.iter_mut().zip(&d) {
                                    let step: u8 = thresholds.iter().map(|&t| u8::from(t < dk)).sum();
                                    *code = if dk <= catchment { 1 + step } else { 0 };
                                }
                                run_codes.iter().filter(|&&code| code != 0).count()
                            }
                        };
                        demand = coded_sum(demand, run_codes, &population[s..e], weights, finite);
                    } else {
                        weighed(j, (s, e), small, &mut d, &mut w);
                        for ((&dk, &wk), &p) in d.iter().zip(&w).zip(&population[s..e]) {
                            let inside = dk <= catchment;
                            let term = p * wk;
                            demand += if inside && !term.is_nan() { term } else { 0.0 };
                            count += usize::from(inside);
                        }
                    }
                }
                let ratio = if count == 0 { f64::NAN } else { places.places()[j].capacity / demand };
                (ratio, count, start)
            })
            .collect();
        (ratios, codes)
    });
    let (mut ratios, mut counts) = (Vec::with_capacity(places.len()), Vec::with_capacity(places.len()));
    // Each place's codes, read where stage 1 left them.
    let mut place_codes: Vec<&[u8]> = Vec::with_capacity(places.len());
    for (part, part_codes) in &stage1 {
        for &(ratio, count, start) in part {
            ratios.push(ratio);
            counts.push(count);
            place_codes.push(&part_codes[start..]);
        }
    }

    // Stage 2: A_i = Σ_j R_j·w(c_ij), places in ascending order, over ranges of grid positions
    // holding about as many scanned points each.
    let mut load = vec![0i64; positions.len() + 1];
    for (runs, _) in &place_runs {
        for &(s, e) in *runs {
            load[s as usize] += 1;
            load[e as usize] -= 1;
        }
    }
    let mut scanned = 0i64;
    let load: Vec<u64> = load[..positions.len()]
        .iter()
        .map(|&delta| {
            scanned += delta;
            scanned.max(0) as u64
        })
        .collect();
    let parts = parallel::each(parallel::ranges_by_load(&load, 4_096), |range| {
        let (lo, hi) = (range.start, range.end);
        let mut sums = vec![0.0f64; hi - lo];
        let mut reached = vec![0u8; hi - lo];
        let (mut d, mut w) = (Vec::new(), Vec::new());
        for (j, &ratio) in ratios.iter().enumerate() {
            let (runs, small) = place_runs[j];
            let (codes, mut at) = (place_codes[j], 0);
            for &(s, e) in runs {
                let (run_start, run_end) = (s as usize, e as usize);
                let (s, e) = (run_start.max(lo), run_end.min(hi));
                if s < e {
                    let (sums, reached) = (&mut sums[s - lo..e - lo], &mut reached[s - lo..e - lo]);
                    if let Some(weights) = &weights {
                        let codes = &codes[at + (s - run_start)..at + (e - run_start)];
                        add_coded(ratio, codes, weights, finite, sums, reached);
                    } else {
                        weighed(j, (s, e), small, &mut d, &mut w);
                        for (((&dk, &wk), sum), seen) in d.iter().zip(&w).zip(sums).zip(reached) {
                            let inside = dk <= catchment;
                            let term = ratio * wk;
                            *sum += if inside && !term.is_nan() { term } else { 0.0 };
                            *seen |= u8::from(inside);
                        }
                    }
                }
                at += run_end - run_start;
            }
        }
        (sums, reached)
    });
    let mut values = vec![f64::NAN; units.len()];
    let mut k = 0;
    for (sums, reached) in parts {
        for (sum, seen) in sums.into_iter().zip(reached) {
            if seen != 0 {
                values[positions[k] as usize] = sum;
            }
            k += 1;
        }
    }
    Catchment { ratios, values, pairs: counts.iter().sum() }
}
