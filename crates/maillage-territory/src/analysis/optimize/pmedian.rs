//! p-median: open p sites minimising the population-weighted cost from every unit to its
//! nearest open site. Made for a région or smaller: the full candidate × unit cost matrix is
//! held in memory (Bretagne: 1,200 × 1,200).
//!
//! Solution: greedy addition, then fast interchange (Teitz–Bart swaps evaluated with the
//! nearest and second-nearest open site of every unit; best swap applied until none
//! improves). Lower bound: Lagrangian relaxation of "every unit is assigned once" with
//! multipliers λ_i, L(λ) = Σ_i λ_i + (sum of the p smallest Σ_i min(0, w_i c_ij − λ_i)),
//! valid for every λ, improved by subgradient steps.

use serde::Serialize;

use super::{Candidates, ChosenSite, Control, Phase, check_count, chosen_sites, relative_gap};
use crate::analysis::cost::CostModel;
use crate::analysis::demand::DemandUnits;
use crate::analysis::error::AnalysisError;
use crate::analysis::supply::Supply;

/// Refuse matrices beyond this many cells (about 400 MB of costs): all of France is too big.
pub const MAX_MATRIX_CELLS: usize = 50_000_000;

/// Parameters of [`pmedian`].
#[derive(Debug, Clone, PartialEq)]
pub struct PMedianOptions {
    /// Number of sites (field `k`), 1 ≤ p ≤ candidates.
    pub p: usize,
    pub candidates: Candidates,
}

/// Result of [`pmedian`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PMedianResult {
    /// The sites, most population served first (`gain` is the population assigned to it).
    pub chosen: Vec<ChosenSite>,
    /// Σ population × cost to the nearest chosen site (person-km).
    pub objective: f64,
    /// objective / total population.
    pub mean_cost: f64,
    /// What greedy addition alone achieved.
    pub greedy_objective: f64,
    /// Proven lower bound on the optimal objective.
    pub lower_bound: f64,
    /// (objective − lower_bound) / objective.
    pub gap: f64,
    /// Index in `chosen` of the site serving each unit (its cheapest), in unit order.
    pub assignment: Vec<u32>,
    pub candidates: usize,
    pub seconds: f64,
    pub timed_out: bool,
}

/// Chooses `p` sites among the candidate units minimising Σ population × cost to the
/// nearest chosen site, over all `units` (restrict them to a région first).
pub fn pmedian(
    units: &DemandUnits,
    cost: &dyn CostModel,
    options: &PMedianOptions,
    control: &mut Control<'_>,
) -> Result<PMedianResult, AnalysisError> {
    control.begin();
    let candidates = options.candidates.resolve(units)?;
    check_count("k", options.p, candidates.len())?;
    if candidates.len().saturating_mul(units.len()) > MAX_MATRIX_CELLS {
        return Err(AnalysisError::InvalidParameter {
            field: "territory".to_owned(),
            value: (candidates.len() * units.len()) as f64,
            reason_fr: "territoire trop grand pour le p-médian (une région au plus)",
            reason_en: "territory too large for p-median (one région at most)",
        });
    }
    control.report(Phase::Preparing, 0.0, f64::NAN, f64::NAN);
    let sites = Supply::at_units(units, &candidates);
    let pairs = cost.pairs(units, &sites, f64::INFINITY)?;
    // Candidate-major matrix over all units (zero-population units weigh nothing).
    let weights: Vec<f64> = units.units().iter().map(|u| u.population).collect();
    let (n, m) = (candidates.len(), units.len());
    let mut matrix = vec![f64::INFINITY; n * m];
    for j in 0..n {
        let (us, cs) = pairs.of_place(j);
        for (&u, &c) in us.iter().zip(cs) {
            let cell = &mut matrix[j * m + u as usize];
            *cell = cell.min(c);
        }
    }
    drop(pairs);
    let problem = Problem { matrix, weights, n, m, p: options.p };

    control.report(Phase::Greedy, 0.05, f64::NAN, f64::NAN);
    let greedy = problem.greedy();
    let greedy_objective = problem.objective(&greedy);
    let mut chosen = greedy.clone();
    let mut objective = greedy_objective;
    let mut timed_out = control.expired();
    if !timed_out {
        objective = problem.interchange(&mut chosen, control);
        timed_out = control.expired();
    }
    let mut lower_bound = 0.0f64;
    if !timed_out && objective.is_finite() {
        let (bound, stopped) = problem.lagrangian(objective, control);
        lower_bound = bound.min(objective);
        timed_out = stopped;
    }
    // Assign every unit to its cheapest chosen site (ties: first in `chosen`), then list
    // the sites by population served.
    let assignment_slots: Vec<usize> = (0..m)
        .map(|a| {
            (0..chosen.len()).fold(0, |best, s| {
                if problem.row(chosen[s])[a] < problem.row(chosen[best])[a] { s } else { best }
            })
        })
        .collect();
    let mut served = vec![0.0f64; chosen.len()];
    for (a, &s) in assignment_slots.iter().enumerate() {
        served[s] += problem.weights[a];
    }
    let mut order: Vec<usize> = (0..chosen.len()).collect();
    order.sort_by(|&x, &y| {
        served[y].total_cmp(&served[x]).then(candidates[chosen[x]].cmp(&candidates[chosen[y]]))
    });
    let mut rank = vec![0u32; chosen.len()];
    for (r, &s) in order.iter().enumerate() {
        rank[s] = r as u32;
    }
    let assignment: Vec<u32> = assignment_slots.iter().map(|&s| rank[s]).collect();
    let total: f64 = problem.weights.iter().sum();
    let picks: Vec<(usize, f64)> = order.iter().map(|&s| (candidates[chosen[s]], served[s])).collect();
    control.report(Phase::Done, 1.0, objective, lower_bound);
    Ok(PMedianResult {
        chosen: chosen_sites(units, &picks),
        objective,
        mean_cost: objective / total,
        greedy_objective,
        lower_bound,
        gap: relative_gap(objective, lower_bound),
        assignment,
        candidates: n,
        seconds: control.elapsed_s(),
        timed_out,
    })
}

struct Problem {
    /// matrix[j * m + a]: cost from demand `a` to candidate `j`.
    matrix: Vec<f64>,
    weights: Vec<f64>,
    n: usize,
    m: usize,
    p: usize,
}

impl Problem {
    #[inline]
    fn row(&self, j: usize) -> &[f64] {
        &self.matrix[j * self.m..(j + 1) * self.m]
    }

    fn objective(&self, chosen: &[usize]) -> f64 {
        (0..self.m)
            .map(|a| self.weights[a] * chosen.iter().map(|&j| self.row(j)[a]).fold(f64::INFINITY, f64::min))
            .sum()
    }

    /// Greedy addition: each step opens the site that lowers the objective most.
    fn greedy(&self) -> Vec<usize> {
        let mut nearest = vec![f64::INFINITY; self.m];
        let mut open = vec![false; self.n];
        let mut chosen = Vec::with_capacity(self.p);
        for _ in 0..self.p {
            let mut best = (f64::INFINITY, usize::MAX);
            for j in (0..self.n).filter(|&j| !open[j]) {
                let total: f64 = self
                    .row(j)
                    .iter()
                    .zip(&nearest)
                    .zip(&self.weights)
                    .map(|((&c, &d), &w)| w * c.min(d))
                    .sum();
                if total < best.0 || best.1 == usize::MAX {
                    best = (total, j);
                }
            }
            let j = best.1;
            open[j] = true;
            chosen.push(j);
            for (d, &c) in nearest.iter_mut().zip(self.row(j)) {
                *d = d.min(c);
            }
        }
        chosen
    }

    /// Best-improvement swaps with nearest / second-nearest bookkeeping, until none improves.
    fn interchange(&self, chosen: &mut [usize], control: &mut Control<'_>) -> f64 {
        let p = chosen.len();
        let mut delta = vec![0.0f64; p];
        loop {
            // Nearest (slot) and second-nearest cost of every unit.
            let mut first = vec![(f64::INFINITY, 0usize); self.m];
            let mut second = vec![f64::INFINITY; self.m];
            for (slot, &j) in chosen.iter().enumerate() {
                for (a, &c) in self.row(j).iter().enumerate() {
                    if c < first[a].0 {
                        second[a] = first[a].0;
                        first[a] = (c, slot);
                    } else if c < second[a] {
                        second[a] = c;
                    }
                }
            }
            let current: f64 = (0..self.m).map(|a| self.weights[a] * first[a].0).sum();
            let mut best = (0.0f64, usize::MAX, usize::MAX);
            for j in 0..self.n {
                if chosen.contains(&j) {
                    continue;
                }
                delta.fill(0.0);
                let mut add = 0.0;
                for (a, &c) in self.row(j).iter().enumerate() {
                    let w = self.weights[a];
                    let (d1, slot) = first[a];
                    if c < d1 {
                        add += w * (c - d1);
                    } else {
                        // If its nearest closes, the unit goes to j or its second nearest.
                        delta[slot] += w * (c.min(second[a]) - d1);
                    }
                }
                for (slot, &d) in delta.iter().enumerate() {
                    let change = add + d;
                    if change < best.0 - 1e-9 * current.abs() {
                        best = (change, j, slot);
                    }
                }
            }
            if best.1 == usize::MAX || control.expired() {
                return self.objective(chosen);
            }
            chosen[best.2] = best.1;
            control.report(Phase::LocalSearch, 0.3, current + best.0, f64::NAN);
        }
    }

    /// Subgradient optimisation of the Lagrangian lower bound; returns it and whether the
    /// time limit stopped it.
    fn lagrangian(&self, upper: f64, control: &mut Control<'_>) -> (f64, bool) {
        let (n, m, p) = (self.n, self.m, self.p);
        // Start from each unit's second-smallest weighted cost: a classic, fairly tight start.
        let mut lambda: Vec<f64> = (0..m)
            .map(|a| {
                let (mut c1, mut c2) = (f64::INFINITY, f64::INFINITY);
                for j in 0..n {
                    let c = self.matrix[j * m + a];
                    if c < c1 {
                        c2 = c1;
                        c1 = c;
                    } else if c < c2 {
                        c2 = c;
                    }
                }
                self.weights[a] * if c2.is_finite() { c2 } else { c1 }
            })
            .collect();
        let mut rho: Vec<(f64, u32)> = Vec::with_capacity(n);
        let mut assigned = vec![0u32; m];
        let mut best = f64::NEG_INFINITY;
        let mut theta = 2.0f64;
        let mut since_improved = 0;
        const MAX_ITERATIONS: usize = 100;
        for iteration in 0..MAX_ITERATIONS {
            rho.clear();
            rho.extend((0..n).map(|j| {
                let s: f64 = self
                    .row(j)
                    .iter()
                    .zip(&self.weights)
                    .zip(&lambda)
                    .map(|((&c, &w), &l)| (w * c - l).min(0.0))
                    .sum();
                (s, j as u32)
            }));
            rho.select_nth_unstable_by(p - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let bound: f64 = lambda.iter().sum::<f64>() + rho[..p].iter().map(|r| r.0).sum::<f64>();
            if bound > best + 1e-9 * bound.abs() {
                best = bound;
                since_improved = 0;
            } else {
                since_improved += 1;
                if since_improved >= 10 {
                    theta /= 2.0;
                    since_improved = 0;
                }
            }
            if relative_gap(upper, best) <= 1e-6 || theta < 1e-5 {
                break;
            }
            if iteration % 8 == 0 {
                if control.expired() {
                    return (best, true);
                }
                control.report(
                    Phase::Bounding,
                    0.5 + 0.5 * iteration as f64 / MAX_ITERATIONS as f64,
                    upper,
                    best,
                );
            }
            assigned.fill(0);
            for &(_, j) in &rho[..p] {
                for (a, (&c, &w)) in self.row(j as usize).iter().zip(&self.weights).enumerate() {
                    if w * c - lambda[a] < 0.0 {
                        assigned[a] += 1;
                    }
                }
            }
            let norm2: f64 = assigned.iter().map(|&x| (1.0 - f64::from(x)).powi(2)).sum();
            if norm2 == 0.0 {
                break;
            }
            let step = theta * (upper - bound).max(1e-9 * upper.abs()) / norm2;
            for (l, &x) in lambda.iter_mut().zip(&assigned) {
                *l += step * (1.0 - f64::from(x));
            }
        }
        (best.max(0.0), false)
    }
}
