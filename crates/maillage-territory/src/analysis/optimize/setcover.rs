//! Set cover: the fewest new sites so that every unit with inhabitants is within R of a
//! place (existing or new).
//!
//! Units already within R of an existing place are removed up front, and only the others ask
//! the cost model for their candidates; the instance is reduced ([`super::Reduced`]: units
//! with the same candidates merged, dominated candidates dropped). Solution: lazy greedy on
//! the number of units newly covered (ties: more population, then smaller index), then
//! redundancy elimination (a site whose every unit is covered by another is closed, smallest
//! contribution first), improved during the bound iterations by Beasley's Lagrangian
//! heuristic (sites of negative reduced cost, completed greedily, redundancy removed).
//! Lower bound: Lagrangian relaxation of the covering constraints,
//! L(u) = Σ_i u_i + Σ_j min(0, 1 − Σ_{i∈N_j} u_i) for u ≥ 0, rounded up since the number of
//! sites is an integer, improved by deflected subgradient steps from the dual-feasible start
//! u_i = min over the sites j covering i of 1/|N_j|.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use super::{Candidates, ChosenSite, Control, Csr, Existing, Phase, Reduced, chosen_sites, relative_gap};
use crate::analysis::cost::CostModel;
use crate::analysis::demand::DemandUnits;
use crate::analysis::error::{AnalysisError, positive};
use crate::analysis::supply::Supply;

/// Parameters of [`set_cover`].
#[derive(Debug, Clone, PartialEq)]
pub struct SetCoverOptions {
    /// Coverage radius, inclusive (field `radius_km`).
    pub radius_km: f64,
    pub candidates: Candidates,
    /// Also require units of zero population to be covered (default: only inhabited units,
    /// since covering nobody serves nobody).
    pub include_unpopulated: bool,
}

/// Result of [`set_cover`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetCoverResult {
    /// The new sites, most population newly covered first (`gain`).
    pub chosen: Vec<ChosenSite>,
    /// Proven lower bound on the number of new sites needed.
    pub lower_bound: usize,
    /// (chosen − lower_bound) / chosen.
    pub gap: f64,
    /// Population newly covered by the chosen sites.
    pub covered_population: f64,
    /// Population already within R of an existing place.
    pub existing_covered_population: f64,
    /// Units that had to be covered (not yet covered by existing places).
    pub units_to_cover: usize,
    pub candidates: usize,
    pub seconds: f64,
    pub timed_out: bool,
}

/// The fewest candidate units to open so that every unit (with population > 0 unless
/// `include_unpopulated`) is within `radius_km` of a place. Impossible instances are
/// [`AnalysisError::SetCoverInfeasible`] (field `radius_km`) naming the uncoverable units.
/// When the time limit stops the search, the greedy cover is returned (still a full cover).
pub fn set_cover(
    units: &DemandUnits,
    existing: Option<&Supply>,
    cost: &dyn CostModel,
    options: &SetCoverOptions,
    control: &mut Control<'_>,
) -> Result<SetCoverResult, AnalysisError> {
    control.begin();
    let radius = positive("radius_km", options.radius_km)?;
    let candidates = options.candidates.resolve(units)?;
    control.report(Phase::Preparing, 0.0, f64::NAN, f64::NAN);
    let Existing { population, covered: already, covered_population: existing_covered } =
        Existing::new(units, existing, cost, radius)?;
    let sites = Supply::at_units(units, &candidates);
    let keep: Vec<bool> = population
        .iter()
        .zip(&already)
        .map(|(&p, &a)| !a && (p > 0.0 || options.include_unpopulated))
        .collect();
    let pairs = cost.pairs_of_units(units, &keep, &sites, radius)?;
    let impossible: Vec<usize> =
        (0..units.len()).filter(|&i| keep[i] && pairs.of_unit(i).0.is_empty()).collect();
    if !impossible.is_empty() {
        return Err(AnalysisError::SetCoverInfeasible {
            field: "radius_km",
            radius_km: radius,
            count: impossible.len(),
            first_codes: impossible.iter().take(5).map(|&i| units.units()[i].code.clone()).collect(),
        });
    }
    let units_to_cover = keep.iter().filter(|&&k| k).count();
    // Units with the same candidates merged, dominated candidates dropped: the fewest sites
    // covering the reduced instance cover the original one.
    let reduced = Reduced::new(&pairs, &keep, &population, candidates.len());
    drop(pairs);
    let (cover, weights, counts, useful) =
        (reduced.cover, reduced.weights, reduced.counts, reduced.candidates);
    let m = weights.len();
    let covered_by = cover.transpose(m);

    control.report(Phase::Greedy, 0.1, f64::NAN, f64::NAN);
    let mut chosen = greedy(&cover, &weights, &counts);
    remove_redundant(&cover, m, &mut chosen);
    let mut timed_out = control.expired();
    let mut lower_bound = usize::from(m > 0);
    if !timed_out {
        let (bound, stopped) = lagrangian(&cover, &covered_by, (&weights, &counts), &mut chosen, control);
        lower_bound = lower_bound.max(bound).min(chosen.len());
        timed_out = stopped;
    }
    // Order by population newly covered, greedily.
    let mut covered = vec![false; m];
    let mut left = chosen.clone();
    let mut picks = Vec::with_capacity(chosen.len());
    while !left.is_empty() {
        let gain = |j: usize, covered: &[bool]| -> f64 {
            cover.row(j).iter().filter(|&&i| !covered[i as usize]).map(|&i| weights[i as usize]).sum()
        };
        let (pos, g) = left
            .iter()
            .enumerate()
            .map(|(pos, &j)| (pos, gain(j, &covered)))
            .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let j = left.remove(pos);
        for &i in cover.row(j) {
            covered[i as usize] = true;
        }
        picks.push((candidates[useful[j]], g));
    }
    let covered_population: f64 = weights.iter().sum();
    let count = chosen.len();
    control.report(Phase::Done, 1.0, count as f64, lower_bound as f64);
    Ok(SetCoverResult {
        chosen: chosen_sites(units, &picks),
        lower_bound,
        gap: relative_gap(count as f64, lower_bound as f64),
        covered_population,
        existing_covered_population: existing_covered,
        units_to_cover,
        candidates: candidates.len(),
        seconds: control.elapsed_s(),
        timed_out,
    })
}

/// Lazy greedy on (units newly covered, population newly covered); `counts` is how many
/// units each merged unit stands for.
fn greedy(cover: &Csr, weights: &[f64], counts: &[u32]) -> Vec<usize> {
    greedy_from(cover, weights, counts, Vec::new())
}

/// [`greedy`] completing the sites `chosen` (kept).
fn greedy_from(cover: &Csr, weights: &[f64], counts: &[u32], mut chosen: Vec<usize>) -> Vec<usize> {
    let m = weights.len();
    let mut covered = vec![false; m];
    for &j in &chosen {
        for &i in cover.row(j) {
            covered[i as usize] = true;
        }
    }
    let mut left = covered.iter().filter(|&&c| !c).count();
    let score = |j: usize, covered: &[bool]| -> (u32, u64) {
        let (mut count, mut population) = (0u32, 0.0f64);
        for &i in cover.row(j) {
            if !covered[i as usize] {
                count += counts[i as usize];
                population += weights[i as usize];
            }
        }
        (count, population.max(0.0).to_bits())
    };
    let mut heap: BinaryHeap<((u32, u64), Reverse<u32>)> =
        (0..cover.rows()).map(|j| (score(j, &covered), Reverse(j as u32))).collect();
    while left > 0 {
        let Some((stored, Reverse(j))) = heap.pop() else { break };
        let current = score(j as usize, &covered);
        if current == stored {
            if current.0 == 0 {
                break;
            }
            chosen.push(j as usize);
            for &i in cover.row(j as usize) {
                if !covered[i as usize] {
                    covered[i as usize] = true;
                    left -= 1;
                }
            }
        } else {
            heap.push((current, Reverse(j)));
        }
    }
    chosen
}

/// Closes sites whose units are all covered at least twice, the smallest first.
fn remove_redundant(cover: &Csr, m: usize, chosen: &mut Vec<usize>) {
    let mut count = vec![0u32; m];
    for &j in chosen.iter() {
        for &i in cover.row(j) {
            count[i as usize] += 1;
        }
    }
    let mut order: Vec<usize> = chosen.clone();
    order.sort_by_key(|&j| (cover.row(j).len(), j));
    for j in order {
        if cover.row(j).iter().all(|&i| count[i as usize] >= 2) {
            for &i in cover.row(j) {
                count[i as usize] -= 1;
            }
            chosen.retain(|&c| c != j);
        }
    }
}

/// Subgradient optimisation of the Lagrangian lower bound (rounded up). Returns the bound
/// and whether the time limit stopped it.
/// Every `HEURISTIC_EVERY` iterations, the sites of negative reduced cost are completed
/// greedily into a cover (Beasley's Lagrangian heuristic), which replaces `best` when smaller.
fn lagrangian(
    cover: &Csr,
    covered_by: &Csr,
    (weights, counts): (&[f64], &[u32]),
    best_cover: &mut Vec<usize>,
    control: &mut Control<'_>,
) -> (usize, bool) {
    const HEURISTIC_EVERY: usize = 25;
    let mut upper = best_cover.len();
    let (n, m) = (cover.rows(), covered_by.rows());
    if m == 0 {
        return (0, false);
    }
    // Dual feasible start: no site's units sum to more than 1.
    let mut u: Vec<f64> = (0..m)
        .map(|i| {
            covered_by
                .row(i)
                .iter()
                .map(|&j| 1.0 / cover.row(j as usize).len() as f64)
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let mut best = 0.0f64;
    let mut theta = 1.0f64;
    let mut since_improved = 0;
    let mut open = vec![false; n];
    let mut g = vec![0.0f64; m];
    let mut direction = vec![0.0f64; m];
    const DEFLECTION: f64 = 0.5;
    const MAX_ITERATIONS: usize = 2_000;
    for iteration in 0..MAX_ITERATIONS {
        let mut bound: f64 = u.iter().sum();
        for (j, flag) in open.iter_mut().enumerate() {
            let reduced = 1.0 - cover.row(j).iter().map(|&i| u[i as usize]).sum::<f64>();
            *flag = reduced < 0.0;
            if *flag {
                bound += reduced;
            }
        }
        if bound > best + 1e-9 {
            best = bound;
            since_improved = 0;
        } else {
            since_improved += 1;
            if since_improved >= 20 {
                theta /= 2.0;
                since_improved = 0;
            }
        }
        // Integral objective: a bound within 1e-9 of an integer below counts as it.
        if iteration % HEURISTIC_EVERY == HEURISTIC_EVERY - 1 {
            let start: Vec<usize> = (0..n).filter(|&j| open[j]).collect();
            let mut candidate = greedy_from(cover, weights, counts, start);
            remove_redundant(cover, m, &mut candidate);
            if candidate.len() < best_cover.len() {
                *best_cover = candidate;
                upper = best_cover.len();
            }
        }
        if ((best - 1e-9).ceil() as usize) >= upper || theta < 1e-4 {
            break;
        }
        if iteration % 16 == 0 {
            if control.expired() {
                return ((best - 1e-9).ceil().max(0.0) as usize, true);
            }
            control.report(
                Phase::Bounding,
                0.3 + 0.7 * iteration as f64 / MAX_ITERATIONS as f64,
                upper as f64,
                best,
            );
        }
        g.fill(1.0);
        for (j, _) in open.iter().enumerate().filter(|(_, o)| **o) {
            for &i in cover.row(j) {
                g[i as usize] -= 1.0;
            }
        }
        // Projected (a multiplier at 0 cannot go down), deflected: half of the previous
        // direction is kept, which damps the zigzag between faces of L.
        let mut norm2 = 0.0;
        for ((d, &gi), &ui) in direction.iter_mut().zip(&g).zip(&u) {
            let gi = if gi < 0.0 && ui <= 0.0 { 0.0 } else { gi };
            *d = gi + DEFLECTION * *d;
            norm2 += *d * *d;
        }
        if norm2 == 0.0 {
            break;
        }
        let step = theta * ((upper as f64) - bound).max(1e-3) / norm2;
        for (value, d) in u.iter_mut().zip(&direction) {
            *value = (*value + step * d).max(0.0);
        }
    }
    ((best - 1e-9).ceil().max(0.0) as usize, false)
}
