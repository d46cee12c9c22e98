//! Maximal covering location problem: open k sites to cover the most population within R.
//!
//! Units already within R of an existing place are removed up front (their demand is
//! covered whatever we open), and so are units of zero population and units no candidate
//! reaches; only the remaining units ask the cost model for their candidates. The instance is
//! then reduced without changing its optimum ([`super::Reduced`]: identical units merged,
//! dominated candidates dropped). Solution: lazy greedy, then a swap local search (one site
//! out, one in, best replacement per site out), then Lagrangian iterations that both tighten
//! the upper bound and propose solutions, and, while the bound is not met, an iterated local
//! search (a few sites closed at random, greedy refill, swaps).
//!
//! Bound: relaxing "unit i is covered only if an open site covers it" with multipliers
//! 0 ≤ λ_i ≤ w_i gives, for every λ, the valid upper bound
//! L(λ) = Σ_i (w_i − λ_i) + (sum of the k largest Σ_{i∈N_j} λ_i); deflected subgradient steps
//! drive it down towards the LP relaxation's value.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use super::{
    Candidates, ChosenSite, Control, Csr, Existing, Phase, Reduced, check_count, chosen_sites, relative_gap,
};
use crate::analysis::cost::CostModel;
use crate::analysis::demand::DemandUnits;
use crate::analysis::error::{AnalysisError, positive};
use crate::analysis::supply::Supply;

/// The bound iterations stop once the gap is proven below this (0.05 %, half the target of
/// issue 3).
const TARGET_GAP: f64 = 5e-4;

/// Rounds of iterated local search when the bound is not yet met.
const PERTURBATIONS: usize = 40;

/// Parameters of [`mclp`].
#[derive(Debug, Clone, PartialEq)]
pub struct MclpOptions {
    /// Number of new sites (field `k`), 1 ≤ k ≤ candidates.
    pub k: usize,
    /// Coverage radius, inclusive (field `radius_km`).
    pub radius_km: f64,
    pub candidates: Candidates,
}

/// Result of [`mclp`]. Populations are sums of unit populations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MclpResult {
    /// The new sites, largest marginal gain first.
    pub chosen: Vec<ChosenSite>,
    /// Population newly covered by the chosen sites (not counting existing coverage).
    pub covered_population: f64,
    /// Population already within R of an existing place (0 when greenfield).
    pub existing_covered_population: f64,
    /// Population of all units.
    pub total_population: f64,
    /// What plain greedy achieved (newly covered), for comparison.
    pub greedy_covered_population: f64,
    /// Proven upper bound on the population k new sites can newly cover.
    pub upper_bound: f64,
    /// (upper_bound − covered_population) / upper_bound: the solution is at most this far
    /// from optimal, relative to the newly covered population.
    pub gap: f64,
    /// The same gap relative to the total covered population (existing + new).
    pub gap_total: f64,
    pub candidates: usize,
    pub seconds: f64,
    /// Whether the time limit stopped the search (the result is still valid, the bound too).
    pub timed_out: bool,
}

/// Chooses `k` new sites among the candidate units maximising the population within
/// `radius_km` of a place. `existing` places count as already open; `None` is greenfield.
pub fn mclp(
    units: &DemandUnits,
    existing: Option<&Supply>,
    cost: &dyn CostModel,
    options: &MclpOptions,
    control: &mut Control<'_>,
) -> Result<MclpResult, AnalysisError> {
    control.begin();
    let radius = positive("radius_km", options.radius_km)?;
    let candidates = options.candidates.resolve(units)?;
    check_count("k", options.k, candidates.len())?;
    control.report(Phase::Preparing, 0.0, f64::NAN, f64::NAN);

    let Existing { population, covered: already, covered_population: existing_covered } =
        Existing::new(units, existing, cost, radius)?;
    let total: f64 = population.iter().sum();

    let sites = Supply::at_units(units, &candidates);
    // Only units with inhabitants and not yet covered matter.
    let keep: Vec<bool> = population.iter().zip(&already).map(|(&p, &a)| p > 0.0 && !a).collect();
    let pairs = cost.pairs_of_units(units, &keep, &sites, radius)?;
    let reduced = Reduced::new(&pairs, &keep, &population, candidates.len());
    drop(pairs);
    let useful = reduced.candidates;
    let problem = Problem {
        covered_by: reduced.cover.transpose(reduced.weights.len()),
        cover: reduced.cover,
        weights: reduced.weights,
        k: options.k.min(useful.len()),
    };

    control.report(Phase::Greedy, 0.05, f64::NAN, f64::NAN);
    let greedy = problem.greedy();
    let greedy_value = problem.value(&greedy);
    let mut best = greedy.clone();
    let mut best_value = greedy_value;
    let mut timed_out = control.expired();
    if !timed_out {
        control.report(Phase::LocalSearch, 0.1, best_value, f64::NAN);
        best_value = problem.local_search(&mut best, control);
        timed_out = control.expired();
    }
    let upper = problem.trivial_bound();
    let mut bound = upper;
    if !timed_out {
        let outcome = problem.lagrangian(&best, best_value, TARGET_GAP, control);
        bound = bound.min(outcome.bound);
        if outcome.best_value > best_value {
            best = outcome.best;
            best_value = problem.local_search(&mut best, control);
        }
        timed_out = outcome.timed_out || control.expired();
        // The sites of good λ are often near a better local optimum.
        if relative_gap(best_value, bound) > TARGET_GAP {
            for mut trial in std::iter::once(outcome.at_bound).chain(outcome.proposals) {
                if control.expired() || trial.is_empty() {
                    continue;
                }
                let value = problem.local_search(&mut trial, control);
                if value > best_value {
                    best_value = value;
                    best = trial;
                }
            }
            timed_out = control.expired();
        }
        // Not yet proven close enough: look for a better solution.
        if !timed_out && relative_gap(best_value, bound) > TARGET_GAP {
            control.report(Phase::LocalSearch, 0.9, best_value, bound);
            best_value = problem.perturbed_search(&mut best, best_value, PERTURBATIONS, control);
            timed_out = control.expired();
        }
    }
    // A bound can never be below an achieved value; rounding must not say otherwise.
    let bound = bound.max(best_value);
    let mut picks: Vec<(usize, f64)> =
        problem.in_greedy_order(&best).into_iter().map(|(j, g)| (candidates[useful[j]], g)).collect();
    // When fewer than k candidates can add anything, the rest are the first others, gaining 0.
    let mut is_useful = vec![false; candidates.len()];
    for &j in &useful {
        is_useful[j] = true;
    }
    let missing = options.k - picks.len();
    picks
        .extend((0..candidates.len()).filter(|&j| !is_useful[j]).take(missing).map(|j| (candidates[j], 0.0)));
    let chosen = chosen_sites(units, &picks);
    control.report(Phase::Done, 1.0, best_value, bound);
    Ok(MclpResult {
        chosen,
        covered_population: best_value,
        existing_covered_population: existing_covered,
        total_population: total,
        greedy_covered_population: greedy_value,
        upper_bound: bound,
        gap: relative_gap(best_value, bound),
        gap_total: relative_gap(existing_covered + best_value, existing_covered + bound),
        candidates: candidates.len(),
        seconds: control.elapsed_s(),
        timed_out,
    })
}

/// A weighted maximum coverage instance on active units.
pub(super) struct Problem {
    /// Candidate → active units it covers.
    pub cover: Csr,
    /// Active unit → candidates covering it.
    pub covered_by: Csr,
    pub weights: Vec<f64>,
    pub k: usize,
}

/// Heap key of a non-negative gain: the bit patterns of non-negative floats sort like them.
#[inline]
fn key(gain: f64) -> u64 {
    gain.max(0.0).to_bits()
}

pub(super) struct LagrangianOutcome {
    pub bound: f64,
    /// The k sites of the λ that gave the best bound.
    pub at_bound: Vec<usize>,
    /// The k sites of λ every 100 iterations: starting points for the local search.
    pub proposals: Vec<Vec<usize>>,
    pub best: Vec<usize>,
    pub best_value: f64,
    pub timed_out: bool,
}

impl Problem {
    fn candidates(&self) -> usize {
        self.cover.rows()
    }

    pub fn value(&self, chosen: &[usize]) -> f64 {
        let mut seen = vec![false; self.weights.len()];
        let mut value = 0.0;
        for &j in chosen {
            for &i in self.cover.row(j) {
                if !seen[i as usize] {
                    seen[i as usize] = true;
                    value += self.weights[i as usize];
                }
            }
        }
        value
    }

    /// Sum of the weights of all coverable units.
    pub fn trivial_bound(&self) -> f64 {
        self.weights.iter().sum()
    }

    /// Lazy greedy: a gain only decreases as sites open, so a popped gain that is still
    /// current is the best. Ties go to the smaller candidate index; when nothing is left to
    /// gain, the remaining picks are the first unused candidates.
    pub fn greedy(&self) -> Vec<usize> {
        self.greedy_from(Vec::new())
    }

    /// Lazy greedy completion of `chosen` (kept open) up to k sites.
    fn greedy_from(&self, mut chosen: Vec<usize>) -> Vec<usize> {
        let n = self.candidates();
        let mut covered = vec![false; self.weights.len()];
        let mut used = vec![false; n];
        for &j in &chosen {
            used[j] = true;
            for &i in self.cover.row(j) {
                covered[i as usize] = true;
            }
        }
        let gain = |j: usize, covered: &[bool]| -> f64 {
            self.cover
                .row(j)
                .iter()
                .filter(|&&i| !covered[i as usize])
                .map(|&i| self.weights[i as usize])
                .sum()
        };
        let mut heap: BinaryHeap<(u64, Reverse<u32>)> =
            (0..n).filter(|&j| !used[j]).map(|j| (key(gain(j, &covered)), Reverse(j as u32))).collect();
        while chosen.len() < self.k {
            let Some((stored, Reverse(j))) = heap.pop() else { break };
            let j = j as usize;
            let current = key(gain(j, &covered));
            if current == stored {
                if stored == 0 {
                    break;
                }
                used[j] = true;
                chosen.push(j);
                for &i in self.cover.row(j) {
                    covered[i as usize] = true;
                }
            } else {
                heap.push((current, Reverse(j as u32)));
            }
        }
        let missing = self.k.saturating_sub(chosen.len());
        chosen.extend((0..n).filter(|&j| !used[j]).take(missing));
        chosen
    }

    /// Iterated local search: from the best solution, close a few random sites, reopen
    /// greedily, run the swap search, keep the result when better. The random sequence is
    /// fixed, so results are reproducible. Returns the best value.
    pub fn perturbed_search(
        &self,
        best: &mut Vec<usize>,
        mut best_value: f64,
        rounds: usize,
        control: &mut Control<'_>,
    ) -> f64 {
        let k = best.len();
        if k < 2 {
            return best_value;
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..rounds {
            if control.expired() {
                break;
            }
            let drop = (2 + round % 9).min(k - 1);
            let mut trial = best.clone();
            for _ in 0..drop {
                let at = (next() % trial.len() as u64) as usize;
                trial.swap_remove(at);
            }
            let mut trial = self.greedy_from(trial);
            let value = self.local_search(&mut trial, control);
            if value > best_value {
                best_value = value;
                *best = trial;
            }
        }
        best_value
    }

    /// Swap local search: for each open site, the best candidate to replace it (its own
    /// uncovered gain plus what only the removed site covered among its units), applied when
    /// it strictly improves. Repeats until a full pass improves nothing. Returns the value.
    pub fn local_search(&self, chosen: &mut [usize], control: &mut Control<'_>) -> f64 {
        let n = self.candidates();
        let m = self.weights.len();
        let mut count = vec![0u32; m];
        let mut is_open = vec![false; n];
        for &j in chosen.iter() {
            is_open[j] = true;
            for &i in self.cover.row(j) {
                count[i as usize] += 1;
            }
        }
        // gain[j]: weight of the uncovered units j covers.
        let mut gain: Vec<f64> = (0..n)
            .map(|j| {
                self.cover
                    .row(j)
                    .iter()
                    .filter(|&&i| count[i as usize] == 0)
                    .map(|&i| self.weights[i as usize])
                    .sum()
            })
            .collect();
        let mut extra = vec![0.0f64; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut improved = true;
        let mut passes = 0usize;
        while improved && !control.expired() {
            improved = false;
            passes += 1;
            for slot in chosen.iter_mut() {
                let out = *slot;
                // Units only `out` covers: lost when it closes, unless the new site covers them.
                let mut loss = 0.0;
                for &i in self.cover.row(out) {
                    if count[i as usize] == 1 {
                        let w = self.weights[i as usize];
                        loss += w;
                        for &j in self.covered_by.row(i as usize) {
                            if extra[j as usize] == 0.0 {
                                touched.push(j);
                            }
                            extra[j as usize] += w;
                        }
                    }
                }
                let mut best = (0.0f64, usize::MAX);
                for j in 0..n {
                    if !is_open[j] {
                        let delta = gain[j] + extra[j] - loss;
                        if delta > best.0 {
                            best = (delta, j);
                        }
                    }
                }
                for &j in &touched {
                    extra[j as usize] = 0.0;
                }
                touched.clear();
                if best.1 == usize::MAX || best.0 <= 1e-9 * loss.max(1.0) {
                    continue;
                }
                let incoming = best.1;
                // Close `out`.
                is_open[out] = false;
                for &i in self.cover.row(out) {
                    count[i as usize] -= 1;
                    if count[i as usize] == 0 {
                        for &j in self.covered_by.row(i as usize) {
                            gain[j as usize] += self.weights[i as usize];
                        }
                    }
                }
                // Open `incoming`.
                is_open[incoming] = true;
                for &i in self.cover.row(incoming) {
                    if count[i as usize] == 0 {
                        for &j in self.covered_by.row(i as usize) {
                            gain[j as usize] -= self.weights[i as usize];
                        }
                    }
                    count[i as usize] += 1;
                }
                *slot = incoming;
                improved = true;
            }
            control.report(
                Phase::LocalSearch,
                0.1 + 0.3 * (1.0 - 1.0 / (passes as f64 + 1.0)),
                f64::NAN,
                f64::NAN,
            );
        }
        self.value(chosen)
    }

    /// Subgradient optimisation of the Lagrangian bound. It starts from λ_i = w_i on the units
    /// `incumbent` leaves uncovered and 0 on the others, where the bound is the incumbent's
    /// value plus the k largest marginal gains (the classic data-dependent bound of
    /// submodular maximisation), then takes projected steps of Polyak's size towards the best
    /// known value. Each iteration's k sites are also a solution, kept when better than
    /// `lower`. Stops at `target_gap`, when the step size has shrunk away, or at the time limit.
    pub fn lagrangian(
        &self,
        incumbent: &[usize],
        lower: f64,
        target_gap: f64,
        control: &mut Control<'_>,
    ) -> LagrangianOutcome {
        let n = self.candidates();
        let m = self.weights.len();
        let mut outcome = LagrangianOutcome {
            bound: f64::INFINITY,
            at_bound: Vec::new(),
            proposals: Vec::new(),
            best: Vec::new(),
            best_value: lower,
            timed_out: false,
        };
        if m == 0 || n == 0 {
            outcome.bound = 0.0;
            return outcome;
        }
        let k = self.k.min(n);
        let mut count = vec![0u32; m];
        for &j in incumbent {
            for &i in self.cover.row(j) {
                count[i as usize] += 1;
            }
        }
        // Units the incumbent leaves uncovered start at their weight, the others at half of
        // it: a start from which Polyak steps reach the LP value in a few hundred iterations
        // on France (λ = w, the textbook start, needs thousands).
        let mut lambda: Vec<f64> =
            self.weights.iter().zip(&count).map(|(&w, &c)| if c == 0 { w } else { 0.5 * w }).collect();
        let mut theta = 2.0f64;
        // Deflected subgradient: each direction keeps half of the previous one, which damps
        // the zigzag between faces of L.
        const DEFLECTION: f64 = 0.5;
        let mut direction = vec![0.0f64; m];
        let mut scores: Vec<(f64, u32)> = Vec::with_capacity(n);
        let mut g = vec![0.0f64; m];
        let mut checkpoint = f64::INFINITY;
        let mut since_improved = 0usize;
        const MAX_ITERATIONS: usize = 2_000;
        for iteration in 0..MAX_ITERATIONS {
            scores.clear();
            scores.extend(
                (0..n)
                    .map(|j| (self.cover.row(j).iter().map(|&i| lambda[i as usize]).sum::<f64>(), j as u32)),
            );
            scores.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            let top = &scores[..k];
            let bound: f64 = self.weights.iter().zip(&lambda).map(|(w, l)| (w - l).max(0.0)).sum::<f64>()
                + top.iter().map(|s| s.0).sum::<f64>();
            if bound < outcome.bound - 1e-12 * bound.abs() {
                outcome.bound = bound;
                outcome.at_bound = top.iter().map(|&(_, j)| j as usize).collect();
                since_improved = 0;
            } else {
                since_improved += 1;
                if since_improved >= 30 {
                    theta /= 2.0;
                    since_improved = 0;
                }
            }
            // The k sites of this λ, as a solution.
            count.fill(0);
            let mut value = 0.0;
            for &(_, j) in top {
                for &i in self.cover.row(j as usize) {
                    if count[i as usize] == 0 {
                        value += self.weights[i as usize];
                    }
                    count[i as usize] += 1;
                }
            }
            if value > outcome.best_value {
                outcome.best_value = value;
                outcome.best = top.iter().map(|&(_, j)| j as usize).collect();
            }
            let target = outcome.best_value;
            if relative_gap(target, outcome.bound) <= target_gap || theta < 2e-3 {
                break;
            }
            if iteration % 100 == 99 {
                outcome.proposals.push(top.iter().map(|&(_, j)| j as usize).collect());
            }
            // Stalled: the last 100 iterations took less than 0.02 % off the bound (it is then
            // near the LP value, which more iterations cannot pass).
            if iteration % 100 == 0 {
                if checkpoint - outcome.bound < 2e-4 * outcome.bound {
                    break;
                }
                checkpoint = outcome.bound;
            }
            if iteration % 16 == 0 {
                if control.expired() {
                    outcome.timed_out = true;
                    break;
                }
                control.report(
                    Phase::Bounding,
                    0.4 + 0.6 * iteration as f64 / MAX_ITERATIONS as f64,
                    target,
                    outcome.bound,
                );
            }
            // Subgradient ∂L/∂λ_i = (chosen sites covering i) − 1, projected on the box
            // 0 ≤ λ ≤ w (components pushing out of it are dropped).
            let mut moving = false;
            for i in 0..m {
                let gi = f64::from(count[i]) - 1.0;
                let blocked = (gi < 0.0 && lambda[i] >= self.weights[i]) || (gi > 0.0 && lambda[i] <= 0.0);
                g[i] = if blocked { 0.0 } else { gi };
                moving |= g[i] != 0.0;
            }
            if !moving {
                break;
            }
            let mut norm2 = 0.0;
            for (d, &gi) in direction.iter_mut().zip(&g) {
                *d = gi + DEFLECTION * *d;
                norm2 += *d * *d;
            }
            let step = theta * (bound - target).max(1e-9 * bound.abs()) / norm2;
            for i in 0..m {
                lambda[i] = (lambda[i] - step * direction[i]).clamp(0.0, self.weights[i]);
            }
        }
        outcome
    }

    /// The chosen sites re-ordered greedily, each with its marginal gain.
    pub fn in_greedy_order(&self, chosen: &[usize]) -> Vec<(usize, f64)> {
        let mut covered = vec![false; self.weights.len()];
        let mut left: Vec<usize> = chosen.to_vec();
        let mut out = Vec::with_capacity(chosen.len());
        while !left.is_empty() {
            let (pos, gain) = left
                .iter()
                .enumerate()
                .map(|(p, &j)| {
                    let g: f64 = self
                        .cover
                        .row(j)
                        .iter()
                        .filter(|&&i| !covered[i as usize])
                        .map(|&i| self.weights[i as usize])
                        .sum();
                    (p, g)
                })
                .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
            let j = left.remove(pos);
            for &i in self.cover.row(j) {
                covered[i as usize] = true;
            }
            out.push((j, gain));
        }
        out
    }
}
