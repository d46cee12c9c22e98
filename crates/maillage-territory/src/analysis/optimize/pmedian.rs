//! p-median: open p sites minimising the population-weighted cost from every unit to its
//! nearest open site. Made for a région or smaller: the full candidate × unit cost matrix is
//! held in memory (Bretagne: 1,200 × 1,200), plus, for every unit, its nearest candidates in
//! order (the sparse lists the swaps and the bound work on).
//!
//! Solution: greedy addition, then fast interchange (Whitaker's swap evaluation with the
//! nearest and second-nearest open site of every unit, made sparse: only candidates closer
//! to a unit than its second-nearest open site change the evaluation; best swap applied until
//! none improves). Lower bound: Lagrangian relaxation of "every unit is assigned once" with
//! multipliers λ_i, L(λ) = Σ_i λ_i + (sum of the p smallest Σ_i min(0, w_i c_ij − λ_i)),
//! valid for every λ, improved by deflected subgradient steps from λ_i = w_i × (cost to the
//! solution's nearest site).

use serde::Serialize;

use super::{Candidates, ChosenSite, Control, Phase, check_count, chosen_sites, relative_gap};
use crate::analysis::cost::CostModel;
use crate::analysis::demand::DemandUnits;
use crate::analysis::error::AnalysisError;
use crate::analysis::supply::Supply;

/// Refuse matrices beyond this many cells (about 400 MB of costs): all of France is too big.
pub const MAX_MATRIX_CELLS: usize = 50_000_000;

/// The bound iterations stop once the gap is proven below this (0.01 %)...
const TARGET_GAP: f64 = 1e-4;
/// ... or after this many (each is one pass over the units' short candidate lists).
const MAX_ITERATIONS: usize = 100;

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
    // Candidate-major matrix over all units (zero-population units weigh nothing).
    let matrix = cost.matrix(units, &sites)?;
    let weights: Vec<f64> = units.units().iter().map(|u| u.population).collect();
    let (n, m) = (candidates.len(), units.len());
    let near = Nearest::new(&matrix, n, m);
    // Sites at every unit, in unit order, with a symmetric cost: row j is also column j.
    let symmetric = cost.symmetric() && n == m && candidates.iter().enumerate().all(|(k, &u)| k == u);
    let problem = Problem { matrix, weights, near, n, m, p: options.p, symmetric };

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
        let (bound, stopped) = problem.lagrangian(&chosen, objective, control);
        lower_bound = bound.min(objective);
        timed_out = stopped;
    }
    // Assign every unit to its cheapest chosen site (ties: first in `chosen`), then list
    // the sites by population served.
    let assignment_slots: Vec<usize> = (0..m)
        .map(|a| {
            (0..chosen.len()).fold(0, |best, s| {
                if problem.cost(chosen[s], a) < problem.cost(chosen[best], a) { s } else { best }
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

/// For every unit, candidates by increasing cost: the first `NEAR` (all when fewer), as
/// compressed lists.
struct Nearest {
    start: Vec<u32>,
    items: Vec<(f64, u32)>,
    /// Whether a unit's list holds every candidate.
    complete: bool,
}

/// Marks a unit whose bound terms were read on its whole matrix row.
const WHOLE_ROW: u32 = u32::MAX;

/// Length of the sorted candidate lists: far beyond the second-nearest open site of a unit
/// for any p ≥ 2 on a région (the lists are only a speed-up: a unit whose lists run out is
/// evaluated on its full matrix column).
const NEAR: usize = 384;

impl Nearest {
    fn new(matrix: &[f64], n: usize, m: usize) -> Self {
        let len = NEAR.min(n);
        let mut start = Vec::with_capacity(m + 1);
        start.push(0u32);
        let mut items = Vec::with_capacity(m * len);
        let mut column: Vec<(f64, u32)> = Vec::with_capacity(n);
        for a in 0..m {
            column.clear();
            column.extend(matrix[a * n..(a + 1) * n].iter().zip(0..).map(|(&c, j)| (c, j)));
            // Costs are ≥ 0 (or ∞): their bit patterns sort like them. Equal costs stay in
            // the (deterministic) order the sort leaves them: no user-visible result depends
            // on it.
            let key = |x: &(f64, u32)| x.0.to_bits();
            if len < n {
                column.select_nth_unstable_by_key(len - 1, key);
            }
            column[..len].sort_unstable_by_key(key);
            items.extend_from_slice(&column[..len]);
            start.push(items.len() as u32);
        }
        Self { start, items, complete: len == n }
    }

    #[inline]
    fn of(&self, a: usize) -> &[(f64, u32)] {
        &self.items[self.start[a] as usize..self.start[a + 1] as usize]
    }

    /// The cost beyond which a unit's list says nothing (∞ when complete).
    #[inline]
    fn horizon(&self, a: usize) -> f64 {
        if self.complete { f64::INFINITY } else { self.of(a).last().map_or(f64::INFINITY, |x| x.0) }
    }
}

struct Problem {
    /// matrix[a * n + j]: cost from demand `a` to candidate `j` (unit-major: a unit's costs are
    /// contiguous, which is how the swaps and the bound read them).
    matrix: Vec<f64>,
    weights: Vec<f64>,
    near: Nearest,
    n: usize,
    m: usize,
    p: usize,
    /// Whether `matrix` is symmetric (every unit a candidate, symmetric costs).
    symmetric: bool,
}

impl Problem {
    #[inline]
    fn cost(&self, j: usize, a: usize) -> f64 {
        self.matrix[a * self.n + j]
    }

    /// The costs from unit `a` to every candidate.
    #[inline]
    fn column(&self, a: usize) -> &[f64] {
        &self.matrix[a * self.n..(a + 1) * self.n]
    }

    fn objective(&self, chosen: &[usize]) -> f64 {
        (0..self.m)
            .map(|a| self.weights[a] * chosen.iter().map(|&j| self.cost(j, a)).fold(f64::INFINITY, f64::min))
            .sum()
    }

    /// Greedy addition: each step opens the site that lowers the objective most. The first
    /// pick reads the whole matrix; after it, only candidates nearer to a unit than its
    /// current site save anything, a prefix of the unit's sorted list.
    fn greedy(&self) -> Vec<usize> {
        let (n, m) = (self.n, self.m);
        let mut nearest = vec![f64::INFINITY; m];
        let mut open = vec![false; n];
        let mut chosen = Vec::with_capacity(self.p);
        let mut saving = vec![0.0f64; n];
        for step in 0..self.p {
            let mut best = (f64::NEG_INFINITY, usize::MAX);
            if step == 0 {
                // Σ_a w·c_ja for every j, unit by unit (each unit's costs are contiguous).
                let mut total = vec![0.0f64; n];
                for (a, &w) in self.weights.iter().enumerate() {
                    if w == 0.0 {
                        continue;
                    }
                    for (t, &c) in total.iter_mut().zip(self.column(a)) {
                        *t += w * c;
                    }
                }
                for (j, &t) in total.iter().enumerate() {
                    if -t > best.0 || best.1 == usize::MAX {
                        best = (-t, j);
                    }
                }
            } else {
                saving.fill(0.0);
                for (a, (&w, &d)) in self.weights.iter().zip(&nearest).enumerate() {
                    if w == 0.0 {
                        continue;
                    }
                    if d < self.near.horizon(a) {
                        for &(c, j) in self.near.of(a) {
                            if c >= d {
                                break;
                            }
                            saving[j as usize] += w * (d - c);
                        }
                    } else {
                        for (j, s) in saving.iter_mut().enumerate() {
                            let c = self.cost(j, a);
                            if c < d {
                                *s += w * (d - c);
                            }
                        }
                    }
                }
                for j in (0..n).filter(|&j| !open[j]) {
                    if saving[j] > best.0 || best.1 == usize::MAX {
                        best = (saving[j], j);
                    }
                }
            }
            let j = best.1;
            open[j] = true;
            chosen.push(j);
            for (a, d) in nearest.iter_mut().enumerate() {
                *d = d.min(self.cost(j, a));
            }
        }
        chosen
    }

    /// Nearest (slot, cost) and second-nearest cost of every unit among `chosen`.
    fn first_second(&self, chosen: &[usize], first: &mut [(f64, usize)], second: &mut [f64]) {
        first.fill((f64::INFINITY, 0));
        second.fill(f64::INFINITY);
        for (slot, &j) in chosen.iter().enumerate() {
            for a in 0..self.m {
                let c = self.cost(j, a);
                if c < first[a].0 {
                    second[a] = first[a].0;
                    first[a] = (c, slot);
                } else if c < second[a] {
                    second[a] = c;
                }
            }
        }
    }

    /// Best-improvement swaps until none improves. For a candidate j entering and the site
    /// in slot s leaving, the change is Σ over units of: w·(c_j − d1) if j is nearer than the
    /// unit's nearest open site, else (if s is that site) w·(min(c_j, d2) − d1). The second
    /// case is w·(d2 − d1) for every j not nearer than d2: summed once per slot (`base`), so
    /// only the pairs with c_j < d2 — a short prefix of each unit's sorted list — are visited.
    fn interchange(&self, chosen: &mut [usize], control: &mut Control<'_>) -> f64 {
        let (n, m, p) = (self.n, self.m, chosen.len());
        let mut first = vec![(f64::INFINITY, 0usize); m];
        let mut second = vec![f64::INFINITY; m];
        let mut add = vec![0.0f64; n];
        let mut delta = vec![0.0f64; n * p];
        let mut base = vec![0.0f64; p];
        let mut open = vec![false; n];
        loop {
            self.first_second(chosen, &mut first, &mut second);
            open.fill(false);
            for &j in chosen.iter() {
                open[j] = true;
            }
            let current: f64 = (0..m).map(|a| self.weights[a] * first[a].0).sum();
            add.fill(0.0);
            delta.fill(0.0);
            base.fill(0.0);
            for a in 0..m {
                let w = self.weights[a];
                if w == 0.0 {
                    continue;
                }
                let ((d1, slot), d2) = (first[a], second[a]);
                base[slot] += w * (d2.min(f64::MAX) - d1);
                let mut visit = |j: usize, c: f64| {
                    if c < d1 {
                        add[j] += w * (c - d1);
                        delta[j * p + slot] -= w * (d2.min(f64::MAX) - d1);
                    } else {
                        delta[j * p + slot] += w * (c - d2.min(f64::MAX));
                    }
                };
                if d2 < self.near.horizon(a) {
                    for &(c, j) in self.near.of(a) {
                        if c >= d2 {
                            break;
                        }
                        visit(j as usize, c);
                    }
                } else {
                    for (j, &c) in self.column(a).iter().enumerate() {
                        if c < d2 {
                            visit(j, c);
                        }
                    }
                }
            }
            let mut best = (0.0f64, usize::MAX, usize::MAX);
            for j in (0..n).filter(|&j| !open[j]) {
                for slot in 0..p {
                    let change = add[j] + base[slot] + delta[j * p + slot];
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

    /// Deflected subgradient optimisation of the Lagrangian lower bound, from λ_i = w_i × the
    /// cost to `chosen`'s nearest site; returns it and whether the time limit stopped it.
    /// λ_i is not capped (any λ gives a valid bound): a unit whose λ_i / w_i passes the last
    /// cost of its sorted list is read on its whole matrix row. (Capping λ_i at the list's
    /// 256th cost left gaps of 12–14 % on régions of ~3,800 communes with p = 10, where a
    /// unit's site is often farther than that; uncapped, 6–7 % after the same iterations,
    /// and on Bretagne 0.36 % instead of 0.33 % for the same instructions.)
    fn lagrangian(&self, chosen: &[usize], upper: f64, control: &mut Control<'_>) -> (f64, bool) {
        let (n, m, p) = (self.n, self.m, self.p);
        let mut first = vec![(f64::INFINITY, 0usize); m];
        let mut second = vec![f64::INFINITY; m];
        self.first_second(chosen, &mut first, &mut second);
        // Start: each unit pays its cost to the solution's nearest site plus its cost to its
        // nearest other candidate, a price at which most units see a few candidates as
        // worth it (from λ = w × d1 alone the bound starts far below).
        let mut lambda: Vec<f64> = (0..m)
            .map(|a| {
                let w = self.weights[a];
                let nearest_other = self.near.of(a).get(1).map_or(0.0, |x| x.0);
                if w > 0.0 { w * (first[a].0 + nearest_other) } else { 0.0 }
            })
            .collect();
        let mut rho = vec![0.0f64; n];
        let mut order: Vec<(f64, u32)> = Vec::with_capacity(n);
        let mut picked = vec![false; n];
        let mut prefix = vec![0u32; m];
        let mut picked_below = vec![0u32; if self.symmetric { m } else { 0 }];
        let mut direction = vec![0.0f64; m];
        let mut best = f64::NEG_INFINITY;
        let mut theta = 1.5f64;
        let mut since_improved = 0;
        const DEFLECTION: f64 = 0.5;
        for iteration in 0..MAX_ITERATIONS {
            rho.fill(0.0);
            for (a, (&w, &l)) in self.weights.iter().zip(&lambda).enumerate() {
                prefix[a] = 0;
                if w == 0.0 {
                    continue;
                }
                // Every term w·c − λ < 0 lies in the unit's sorted list (a prefix of it) when
                // λ ≤ w × its last cost: costs beyond are not smaller.
                if l > w * self.near.horizon(a) {
                    for (rho_j, &c) in rho.iter_mut().zip(self.column(a)) {
                        let r = w * c - l;
                        if r < 0.0 {
                            *rho_j += r;
                        }
                    }
                    prefix[a] = WHOLE_ROW;
                    continue;
                }
                let list = self.near.of(a);
                let mut len = 0;
                for &(c, j) in list {
                    let r = w * c - l;
                    if r >= 0.0 {
                        break;
                    }
                    rho[j as usize] += r;
                    len += 1;
                }
                prefix[a] = len as u32;
            }
            order.clear();
            order.extend(rho.iter().zip(0..).map(|(&r, j)| (r, j)));
            order.select_nth_unstable_by(p - 1, |x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let bound: f64 = lambda.iter().sum::<f64>() + order[..p].iter().map(|r| r.0).sum::<f64>();
            if bound > best + 1e-12 * bound.abs() {
                best = bound;
                since_improved = 0;
            } else {
                since_improved += 1;
                if since_improved >= 10 {
                    theta /= 2.0;
                    since_improved = 0;
                }
            }
            if relative_gap(upper, best) <= TARGET_GAP || theta < 1e-3 {
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
            picked.fill(false);
            for &(_, j) in &order[..p] {
                picked[j as usize] = true;
            }
            // With a symmetric matrix, count for every unit the picked sites with w·c − λ < 0
            // along each picked site's row (p contiguous passes instead of every prefix).
            if self.symmetric {
                picked_below.fill(0);
                for &(_, j) in &order[..p] {
                    let row = self.column(j as usize);
                    for (((count, &c), &w), &l) in
                        picked_below.iter_mut().zip(row).zip(&self.weights).zip(&lambda)
                    {
                        *count += u32::from(w * c - l < 0.0);
                    }
                }
            }
            // ∂L/∂λ_i = 1 − (picked sites with w_i c_ij < λ_i), projected on λ ≥ 0.
            let mut norm2 = 0.0;
            for a in 0..m {
                let (w, l) = (self.weights[a], lambda[a]);
                let mut g = 0.0;
                if w > 0.0 {
                    // The pairs with w·c − λ < 0: the prefix the first pass measured, or the
                    // picked sites looked up in the unit's row.
                    let below = if self.symmetric {
                        picked_below[a] as usize
                    } else if prefix[a] == WHOLE_ROW {
                        let row = self.column(a);
                        order[..p].iter().filter(|&&(_, j)| w * row[j as usize] - l < 0.0).count()
                    } else {
                        let list = &self.near.of(a)[..prefix[a] as usize];
                        list.iter().filter(|&&(_, j)| picked[j as usize]).count()
                    };
                    g = 1.0 - below as f64;
                    if g < 0.0 && l <= 0.0 {
                        g = 0.0;
                    }
                }
                direction[a] = g + DEFLECTION * direction[a];
                norm2 += direction[a] * direction[a];
            }
            if norm2 == 0.0 {
                break;
            }
            let step = theta * (upper - bound).max(1e-9 * upper.abs()) / norm2;
            for a in 0..m {
                lambda[a] = (lambda[a] + step * direction[a]).max(0.0);
            }
        }
        (best.max(0.0), false)
    }
}
