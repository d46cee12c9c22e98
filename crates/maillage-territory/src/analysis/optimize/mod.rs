//! Where to open the next places: maximal covering (MCLP), p-median and set cover, each with
//! a proven bound and the gap to it, a time limit and a progress callback.

mod mclp;
mod pmedian;
mod setcover;

use std::time::{Duration, Instant};

use serde::Serialize;

pub use mclp::{MclpOptions, MclpResult, mclp};
pub use pmedian::{PMedianOptions, PMedianResult, pmedian};
pub use setcover::{SetCoverOptions, SetCoverResult, set_cover};

use super::demand::DemandUnits;
use super::error::AnalysisError;

/// Which demand units may receive a new place.
#[derive(Debug, Clone, PartialEq)]
pub enum Candidates {
    /// Every unit.
    All,
    /// Units with at least this population (field `min_population`).
    MinPopulation(f64),
    /// These unit codes (field `candidates`); a city code stands for its arrondissements.
    Codes(Vec<String>),
}

impl Candidates {
    /// Indexes of the candidate units, ascending.
    pub(crate) fn resolve(&self, units: &DemandUnits) -> Result<Vec<usize>, AnalysisError> {
        let (field, found): (&'static str, Vec<usize>) = match self {
            Self::All => ("candidates", (0..units.len()).collect()),
            Self::MinPopulation(min) => {
                if !(min.is_finite() && *min >= 0.0) {
                    return Err(AnalysisError::InvalidParameter {
                        field: "min_population".to_owned(),
                        value: *min,
                        reason_fr: "nombre positif ou nul attendu",
                        reason_en: "expected a number ≥ 0",
                    });
                }
                let found =
                    units.units().iter().enumerate().filter(|(_, u)| u.population >= *min).map(|(i, _)| i);
                ("min_population", found.collect())
            }
            Self::Codes(codes) => {
                let restricted =
                    units.restrict(&super::demand::Territory::Codes(codes.clone())).map_err(|e| match e {
                        AnalysisError::UnknownCode { code, .. } => {
                            AnalysisError::UnknownCode { field: "candidates", code }
                        }
                        _ => AnalysisError::NoCandidates { field: "candidates" },
                    })?;
                let mut found: Vec<usize> =
                    restricted.units().iter().filter_map(|u| units.index_of(&u.code)).collect();
                found.sort_unstable();
                ("candidates", found)
            }
        };
        if found.is_empty() {
            return Err(AnalysisError::NoCandidates { field });
        }
        Ok(found)
    }
}

/// A site chosen by an optimiser.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenSite {
    /// Index of the unit in the [`DemandUnits`].
    pub unit: usize,
    pub code: String,
    pub name: String,
    /// What this site adds, taking the sites listed before it as open: population newly
    /// covered (MCLP, set cover) or person-km saved (p-median). Sites are listed in the
    /// order that makes this largest first (greedy order of the final set).
    pub gain: f64,
}

/// Stage of a running optimisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Building cover lists or distance matrices.
    Preparing,
    Greedy,
    /// Swap-based local search.
    LocalSearch,
    /// Computing the bound (Lagrangian relaxation).
    Bounding,
    Done,
}

/// Progress report handed to the callback.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// Rough fraction of the work done, in [0, 1].
    pub fraction: f64,
    /// Objective of the best solution so far (NaN before the first one).
    pub best: f64,
    /// Best bound so far (NaN before the first one).
    pub bound: f64,
    pub elapsed_s: f64,
}

/// Time limit and progress callback of an optimisation. When the limit is reached the
/// optimiser stops and returns the best solution found with the best bound proven so far.
pub struct Control<'a> {
    time_limit: Option<Duration>,
    progress: Option<&'a mut dyn FnMut(&Progress)>,
    start: Instant,
}

impl Default for Control<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Control<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").field("time_limit", &self.time_limit).finish_non_exhaustive()
    }
}

impl<'a> Control<'a> {
    /// No time limit, no callback.
    pub fn new() -> Self {
        Self { time_limit: None, progress: None, start: Instant::now() }
    }

    #[must_use]
    pub fn with_time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    #[must_use]
    pub fn with_progress(mut self, callback: &'a mut dyn FnMut(&Progress)) -> Self {
        self.progress = Some(callback);
        self
    }

    fn begin(&mut self) {
        self.start = Instant::now();
    }

    fn elapsed_s(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn expired(&self) -> bool {
        self.time_limit.is_some_and(|limit| self.start.elapsed() >= limit)
    }

    fn report(&mut self, phase: Phase, fraction: f64, best: f64, bound: f64) {
        let elapsed_s = self.elapsed_s();
        if let Some(callback) = self.progress.as_mut() {
            callback(&Progress { phase, fraction: fraction.clamp(0.0, 1.0), best, bound, elapsed_s });
        }
    }
}

/// Relative gap between a solution and its bound, 0 when both are 0.
fn relative_gap(found: f64, bound: f64) -> f64 {
    let scale = found.abs().max(bound.abs());
    if scale == 0.0 { 0.0 } else { ((bound - found).abs() / scale).max(0.0) }
}

fn check_count(field: &'static str, value: usize, candidates: usize) -> Result<(), AnalysisError> {
    if value == 0 || value > candidates {
        return Err(AnalysisError::InvalidCount { field, value, candidates });
    }
    Ok(())
}

/// Compressed lists: for each row, the items of `items[start[r]..start[r + 1]]`.
#[derive(Debug, Clone, Default)]
struct Csr {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Csr {
    fn from_lists(lists: impl Iterator<Item = impl Iterator<Item = u32>>) -> Self {
        let mut start = vec![0u32];
        let mut items = Vec::new();
        for list in lists {
            items.extend(list);
            start.push(items.len() as u32);
        }
        Self { start, items }
    }

    fn rows(&self) -> usize {
        self.start.len() - 1
    }

    #[inline]
    fn row(&self, r: usize) -> &[u32] {
        &self.items[self.start[r] as usize..self.start[r + 1] as usize]
    }

    /// Transpose into `n` rows.
    fn transpose(&self, n: usize) -> Self {
        let mut start = vec![0u32; n + 1];
        for &i in &self.items {
            start[i as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut cursor = start.clone();
        let mut items = vec![0u32; self.items.len()];
        for r in 0..self.rows() {
            for &i in self.row(r) {
                items[cursor[i as usize] as usize] = r as u32;
                cursor[i as usize] += 1;
            }
        }
        Self { start, items }
    }
}

/// What existing places already cover within a radius, before any site opens.
struct Existing {
    /// Population of each unit.
    population: Vec<f64>,
    /// Whether each unit is within the radius of an existing place.
    covered: Vec<bool>,
    /// Population of the covered units.
    covered_population: f64,
}

impl Existing {
    /// `None` or no place: nothing is covered (greenfield).
    fn new(
        units: &DemandUnits,
        existing: Option<&super::Supply>,
        cost: &dyn super::CostModel,
        radius: f64,
    ) -> Result<Self, AnalysisError> {
        let population: Vec<f64> = units.units().iter().map(|u| u.population).collect();
        let covered = match existing.filter(|s| !s.is_empty()) {
            Some(existing) => cost.covered(units, existing, radius)?,
            None => vec![false; units.len()],
        };
        let covered_population = population.iter().zip(&covered).filter(|(_, c)| **c).map(|(p, _)| p).sum();
        Ok(Self { population, covered, covered_population })
    }
}

fn chosen_sites(units: &DemandUnits, picks: &[(usize, f64)]) -> Vec<ChosenSite> {
    picks
        .iter()
        .filter_map(|&(unit, gain)| {
            units.get(unit).map(|u| ChosenSite { unit, code: u.code.clone(), name: u.name.clone(), gain })
        })
        .collect()
}

/// A covering instance reduced without changing its optimum: units with the same candidate
/// list merged into one (weights summed), candidates whose units are a subset of another's
/// dropped (the other is at least as good in any solution; of equal lists the first is kept),
/// candidates covering nothing dropped.
struct Reduced {
    /// Kept candidate → merged units it covers (ascending).
    cover: Csr,
    /// Weight of each merged unit.
    weights: Vec<f64>,
    /// How many units each merged unit stands for.
    counts: Vec<u32>,
    /// Index (among the candidates given) of each kept candidate, ascending.
    candidates: Vec<usize>,
}

impl Reduced {
    /// `pairs` between units and the `n_candidates` candidate sites; only units with `keep`
    /// are considered.
    fn new(pairs: &super::Pairs, keep: &[bool], weight: &[f64], n_candidates: usize) -> Self {
        let kept = keep.iter().filter(|&&k| k).count();
        let mut groups: std::collections::HashMap<&[u32], u32, std::hash::BuildHasherDefault<ListHasher>> =
            std::collections::HashMap::with_capacity_and_hasher(kept, Default::default());
        let mut weights: Vec<f64> = Vec::new();
        let mut counts: Vec<u32> = Vec::new();
        let mut lists: Vec<&[u32]> = Vec::new();
        for (i, _) in keep.iter().enumerate().filter(|(_, k)| **k) {
            let (places, _) = pairs.of_unit(i);
            if places.is_empty() {
                continue;
            }
            let g = *groups.entry(places).or_insert_with(|| {
                weights.push(0.0);
                counts.push(0);
                lists.push(places);
                (lists.len() - 1) as u32
            });
            weights[g as usize] += weight[i];
            counts[g as usize] += 1;
        }
        let by_unit = Csr::from_lists(lists.iter().map(|l| l.iter().copied()));
        let cover = by_unit.transpose(n_candidates);
        // Dominance: j goes when some j' covers every unit of j (j' < j when equal). Only the
        // candidates covering j's unit with the fewest candidates can dominate it.
        let mut alive: Vec<bool> = (0..n_candidates).map(|j| !cover.row(j).is_empty()).collect();
        // A 64-bit signature of each list (one bit per unit, by unit index): a list can only
        // be a subset of another if its bits are among the other's, which rules most pairs
        // out without reading the lists.
        let signatures: Vec<u64> = (0..n_candidates)
            .map(|j| cover.row(j).iter().fold(0u64, |acc, &u| acc | (1u64 << (u % 64))))
            .collect();
        for j in 0..n_candidates {
            let row = cover.row(j);
            if row.is_empty() {
                continue;
            }
            let pivot = row.iter().copied().min_by_key(|&u| by_unit.row(u as usize).len()).unwrap_or(row[0]);
            let dominated = by_unit.row(pivot as usize).iter().any(|&other| {
                let other = other as usize;
                if other == j || !alive[other] {
                    return false;
                }
                let theirs = cover.row(other);
                if theirs.len() < row.len()
                    || (theirs.len() == row.len() && other > j)
                    || signatures[j] & !signatures[other] != 0
                {
                    return false;
                }
                is_subset(row, theirs)
            });
            if dominated {
                alive[j] = false;
            }
        }
        let candidates: Vec<usize> = (0..n_candidates).filter(|&j| alive[j]).collect();
        let cover = Csr::from_lists(candidates.iter().map(|&j| cover.row(j).iter().copied()));
        Self { cover, weights, counts, candidates }
    }
}

/// Whether every item of the ascending list `small` is in the ascending list `large`,
/// stopping at the first one missing.
fn is_subset(small: &[u32], large: &[u32]) -> bool {
    let mut rest = large;
    for &x in small {
        let at = rest.partition_point(|&y| y < x);
        if rest.get(at) != Some(&x) {
            return false;
        }
        rest = &rest[at + 1..];
    }
    true
}

/// A fast hasher for lists of indexes (the multiply-rotate of rustc's FxHasher): the keys
/// are our own, so no protection against chosen collisions is needed.
#[derive(Default)]
struct ListHasher(u64);

impl std::hash::Hasher for ListHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}
