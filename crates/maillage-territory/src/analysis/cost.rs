//! Cost between demand units and places: an interface, with great-circle distance and an
//! explicit table as implementations.
//!
//! # Plugging in a road network
//!
//! A travel-time matrix (from OSRM, Valhalla, r5…) is an explicit sparse table: build a
//! [`CostTable`] of `(unit code, place id, minutes)` rows, keeping only pairs under the
//! longest catchment you will ask for, and pass it wherever a `&dyn CostModel` is taken. The
//! analyses only ever ask for "every pair with cost ≤ c" and "the least cost from each unit",
//! so a dedicated implementation (a routing engine answering isochrones) can implement
//! [`CostModel`] directly instead. Radii are then in the table's unit (minutes), not km. For
//! the optimisers, candidate sites are places whose id is a unit code
//! ([`super::Supply::at_units`]), so the table needs unit → unit rows too.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::access::{Catchment, Weight, great_circle_two_stage, stages_from_pairs};
use super::demand::DemandUnits;
use super::error::AnalysisError;
use super::geometry::{BandGrid, Columns, distance_km};
use super::parallel;
use super::supply::Supply;

/// Sparse (unit, place, cost) pairs, held by place (compressed sparse rows, one flat array
/// each) and, built on first use, by unit (places in ascending order). Units within a place's
/// list come in a deterministic order (ascending for [`Pairs::from_triplets`], the spatial
/// index's order for [`GreatCircle`]).
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    n_units: usize,
    n_places: usize,
    place_start: Vec<u32>,
    place_units: Vec<u32>,
    place_costs: Vec<f64>,
    by_unit: OnceLock<ByUnit>,
}

/// The unit-major orientation of [`Pairs`].
#[derive(Debug, Clone, Default)]
struct ByUnit {
    start: Vec<u32>,
    places: Vec<u32>,
    costs: Vec<f64>,
}

/// Two pair sets are equal when they list the same pairs in the same order by place.
impl PartialEq for Pairs {
    fn eq(&self, other: &Self) -> bool {
        self.n_units == other.n_units
            && self.n_places == other.n_places
            && self.place_start == other.place_start
            && self.place_units == other.place_units
            && self.place_costs == other.place_costs
    }
}

impl Pairs {
    /// Pairs from `(unit, place, cost)` triplets in any order. Duplicates are kept (as the
    /// reference library does: a pair listed twice counts twice).
    pub fn from_triplets(n_units: usize, n_places: usize, triplets: &[(u32, u32, f64)]) -> Self {
        let mut by_place = vec![Vec::new(); n_places];
        for &(u, p, c) in triplets {
            by_place[p as usize].push((u, c));
        }
        for list in &mut by_place {
            list.sort_by_key(|&(u, _)| u);
        }
        Self::from_place_lists(n_units, &by_place)
    }

    /// Pairs from one list per place of `(unit, cost)`, kept in their order.
    pub(crate) fn from_place_lists(n_units: usize, lists: &[Vec<(u32, f64)>]) -> Self {
        let mut place_start = Vec::with_capacity(lists.len() + 1);
        let total: usize = lists.iter().map(Vec::len).sum();
        let (mut units, mut costs) = (Vec::with_capacity(total), Vec::with_capacity(total));
        place_start.push(0);
        for list in lists {
            for &(u, c) in list {
                units.push(u);
                costs.push(c);
            }
            place_start.push(units.len() as u32);
        }
        Self::from_place_csr(n_units, place_start, units, costs)
    }

    /// Pairs from a by-place CSR, each place's list kept in its order; the by-unit
    /// orientation is built when first asked for.
    pub(crate) fn from_place_csr(n_units: usize, start: Vec<u32>, units: Vec<u32>, costs: Vec<f64>) -> Self {
        Self {
            n_units,
            n_places: start.len() - 1,
            place_start: start,
            place_units: units,
            place_costs: costs,
            by_unit: OnceLock::new(),
        }
    }

    /// Pairs from a by-unit CSR whose lists are in ascending place order.
    pub(crate) fn from_unit_csr(n_places: usize, start: Vec<u32>, places: Vec<u32>, costs: Vec<f64>) -> Self {
        let n_units = start.len() - 1;
        let (place_start, place_units, place_costs) = transpose(n_places, &start, &places, &costs);
        let by_unit = OnceLock::new();
        let _ = by_unit.set(ByUnit { start, places, costs });
        Self { n_units, n_places, place_start, place_units, place_costs, by_unit }
    }

    fn by_unit(&self) -> &ByUnit {
        self.by_unit.get_or_init(|| {
            let (start, places, costs) =
                transpose(self.n_units, &self.place_start, &self.place_units, &self.place_costs);
            ByUnit { start, places, costs }
        })
    }

    /// The by-place CSR, taken apart: list starts (`n_places + 1`), units, costs.
    pub(crate) fn into_place_csr(self) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
        (self.place_start, self.place_units, self.place_costs)
    }

    /// Every pair in place order (ascending), each place's units in the list order: `(unit,
    /// place, cost)`.
    pub(crate) fn place_major(&self) -> impl Iterator<Item = (usize, &[u32], &[f64])> {
        (0..self.n_places).map(|p| {
            let (us, cs) = self.of_place(p);
            (p, us, cs)
        })
    }

    pub fn len(&self) -> usize {
        self.place_units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.place_units.is_empty()
    }

    pub fn n_units(&self) -> usize {
        self.n_units
    }

    pub fn n_places(&self) -> usize {
        self.n_places
    }

    /// Units in range of a place and their costs.
    pub fn of_place(&self, place: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.place_start[place] as usize, self.place_start[place + 1] as usize);
        (&self.place_units[a..b], &self.place_costs[a..b])
    }

    /// Places in range of a unit (ascending) and their costs.
    pub fn of_unit(&self, unit: usize) -> (&[u32], &[f64]) {
        let by_unit = self.by_unit();
        let (a, b) = (by_unit.start[unit] as usize, by_unit.start[unit + 1] as usize);
        (&by_unit.places[a..b], &by_unit.costs[a..b])
    }

    /// The same pairs restricted to cost ≤ `max_cost`.
    pub fn within(&self, max_cost: f64) -> Self {
        let mut start = Vec::with_capacity(self.n_places + 1);
        start.push(0);
        let (mut units, mut costs) = (Vec::new(), Vec::new());
        for p in 0..self.n_places {
            let (us, cs) = self.of_place(p);
            for (&u, &c) in us.iter().zip(cs) {
                if c <= max_cost {
                    units.push(u);
                    costs.push(c);
                }
            }
            start.push(units.len() as u32);
        }
        Self::from_place_csr(self.n_units, start, units, costs)
    }
}

/// Counting-sort transpose of a CSR: rows become columns, each output row in ascending order
/// of the input rows.
fn transpose(n_out: usize, start: &[u32], targets: &[u32], costs: &[f64]) -> (Vec<u32>, Vec<u32>, Vec<f64>) {
    let mut out_start = vec![0u32; n_out + 1];
    for &t in targets {
        out_start[t as usize + 1] += 1;
    }
    for i in 0..n_out {
        out_start[i + 1] += out_start[i];
    }
    let mut cursor = out_start.clone();
    let mut out_targets = vec![0u32; targets.len()];
    let mut out_costs = vec![0f64; targets.len()];
    for row in 0..start.len() - 1 {
        for k in start[row] as usize..start[row + 1] as usize {
            let t = targets[k] as usize;
            let at = cursor[t] as usize;
            out_targets[at] = row as u32;
            out_costs[at] = costs[k];
            cursor[t] += 1;
        }
    }
    (out_start, out_targets, out_costs)
}

/// The least cost from a unit to a place.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NearestPlace {
    /// `f64::INFINITY` when no place is reachable.
    pub cost: f64,
    /// Index of the place in the supply; `None` when none is reachable.
    pub place: Option<u32>,
}

/// How far each place is from each unit. Implementations must be deterministic.
pub trait CostModel {
    /// Every (unit, place) pair with cost ≤ `max_cost` (inclusive); `max_cost` may be
    /// `f64::INFINITY` for all pairs the model knows.
    fn pairs(&self, units: &DemandUnits, places: &Supply, max_cost: f64) -> Result<Pairs, AnalysisError>;

    /// For each unit, the least cost to a place among those with `keep[j]` (all when `None`).
    /// Ties go to the smaller place index.
    fn nearest(
        &self,
        units: &DemandUnits,
        places: &Supply,
        keep: Option<&[bool]>,
    ) -> Result<Vec<NearestPlace>, AnalysisError> {
        let pairs = self.pairs(units, places, f64::INFINITY)?;
        Ok((0..units.len())
            .map(|i| {
                let (ps, cs) = pairs.of_unit(i);
                let mut best = NearestPlace { cost: f64::INFINITY, place: None };
                for (&p, &c) in ps.iter().zip(cs) {
                    if keep.is_none_or(|k| k[p as usize]) && (c < best.cost || best.place.is_none()) {
                        best = NearestPlace { cost: c, place: Some(p) };
                    }
                }
                best
            })
            .collect())
    }

    /// For each unit, whether some place is within `max_cost` (inclusive).
    fn covered(
        &self,
        units: &DemandUnits,
        places: &Supply,
        max_cost: f64,
    ) -> Result<Vec<bool>, AnalysisError> {
        Ok(self.nearest(units, places, None)?.iter().map(|n| n.cost <= max_cost).collect())
    }

    /// The pairs of [`CostModel::pairs`] whose unit has `keep[i]` (the others have none). The
    /// optimisers ask for the few units not yet covered: a model may answer faster than
    /// listing every pair.
    fn pairs_of_units(
        &self,
        units: &DemandUnits,
        keep: &[bool],
        places: &Supply,
        max_cost: f64,
    ) -> Result<Pairs, AnalysisError> {
        let all = self.pairs(units, places, max_cost)?;
        let mut start = vec![0u32];
        let (mut kept, mut costs) = (Vec::new(), Vec::new());
        for i in 0..units.len() {
            if keep.get(i).copied().unwrap_or(false) {
                let (ps, cs) = all.of_unit(i);
                kept.extend_from_slice(ps);
                costs.extend_from_slice(cs);
            }
            start.push(kept.len() as u32);
        }
        Ok(Pairs::from_unit_csr(places.len(), start, kept, costs))
    }

    /// Every cost as a dense unit-major matrix (`matrix[i * places.len() + j]`), ∞ where the
    /// model knows none (the least cost when a pair is listed twice). For a région at most.
    fn matrix(&self, units: &DemandUnits, places: &Supply) -> Result<Vec<f64>, AnalysisError> {
        let pairs = self.pairs(units, places, f64::INFINITY)?;
        let n = places.len();
        let mut matrix = vec![f64::INFINITY; n * units.len()];
        for j in 0..n {
            let (us, cs) = pairs.of_place(j);
            for (&u, &c) in us.iter().zip(cs) {
                let cell = &mut matrix[u as usize * n + j];
                *cell = cell.min(c);
            }
        }
        Ok(matrix)
    }

    /// Both stages of a two-stage floating catchment over the pairs with cost ≤ `catchment`
    /// (see [`super::accessibility`] for the semantics). The default lists the pairs with
    /// [`CostModel::pairs`]; a model that can enumerate its pairs twice faster than it can
    /// store them may compute the stages directly, with the same sums in the same order.
    fn two_stage(
        &self,
        units: &DemandUnits,
        places: &Supply,
        catchment: f64,
        weight: &Weight,
    ) -> Result<Catchment, AnalysisError> {
        Ok(stages_from_pairs(self.pairs(units, places, catchment)?, units, places, weight, None))
    }

    /// Short description for reports (`great-circle km`, `cost table`).
    fn describe(&self) -> &str;

    /// Whether the cost from a unit to a place at another unit's point equals, bit for bit,
    /// the cost the other way: then [`CostModel::matrix`] over candidate sites at every unit,
    /// in unit order, is symmetric, which p-median uses to read a site's costs to every unit
    /// as a row. `false` unless the model guarantees it (a road table usually does not).
    fn symmetric(&self) -> bool {
        false
    }
}

/// Great-circle (haversine) distance in km on the sphere of radius 6371.0088 km, computed on
/// the fly by scanning latitude bands of the units ([`BandGrid`]): no dense matrix.
#[derive(Debug, Clone, Copy, Default)]
pub struct GreatCircle;

impl CostModel for GreatCircle {
    fn pairs(&self, units: &DemandUnits, places: &Supply, max_cost: f64) -> Result<Pairs, AnalysisError> {
        // Chunks of places on each core. Each first plans its queries: the points they will
        // look at bound its number of pairs, so the pair arrays are allocated once, by the
        // caller's thread, and each chunk writes its pairs into its own part of them.
        let ranges = parallel::ranges(places.len(), 256);
        let plans = parallel::each(ranges.clone(), |range| {
            let mut runs = Vec::new();
            let mut ends = Vec::with_capacity(range.len());
            for place in &places.geo[range] {
                let small = units.grid.plan(place, max_cost, &mut runs);
                ends.push((runs.len(), small));
            }
            let scanned = BandGrid::scanned(&runs);
            (runs, ends, scanned)
        });
        // The caller's thread allocates every chunk's arrays (the first with room for all),
        // so that they are freed where they were allocated and the allocator reuses them.
        let total: usize = plans.iter().map(|p| p.2).sum();
        let work: Vec<_> = ranges
            .into_iter()
            .zip(&plans)
            .enumerate()
            .map(|(k, (range, plan))| {
                let room = if k == 0 { total } else { plan.2 };
                (range, plan, Vec::with_capacity(room), Vec::with_capacity(room))
            })
            .collect();
        let mut parts = parallel::each(work, |(range, (runs, ends, _), mut found, mut costs)| {
            let mut first_run = 0;
            let mut lengths = Vec::with_capacity(range.len());
            for (place, &(last_run, small)) in places.geo[range].iter().zip(ends) {
                let before = found.len();
                units.grid.scan(place, max_cost, (&runs[first_run..last_run], small), &mut found, &mut costs);
                first_run = last_run;
                lengths.push((found.len() - before) as u32);
            }
            (lengths, found, costs)
        })
        .into_iter();
        let Some((lengths, mut found, mut costs)) = parts.next() else {
            return Ok(Pairs::from_place_csr(units.len(), vec![0], Vec::new(), Vec::new()));
        };
        let mut start = Vec::with_capacity(places.len() + 1);
        start.push(0u32);
        let mut push_lengths = |lengths: &[u32]| {
            for &n in lengths {
                let last = *start.last().unwrap_or(&0);
                start.push(last + n);
            }
        };
        push_lengths(&lengths);
        for (lengths, more_found, more_costs) in parts {
            push_lengths(&lengths);
            found.extend_from_slice(&more_found);
            costs.extend_from_slice(&more_costs);
        }
        Ok(Pairs::from_place_csr(units.len(), start, found, costs))
    }

    fn nearest(
        &self,
        units: &DemandUnits,
        places: &Supply,
        keep: Option<&[bool]>,
    ) -> Result<Vec<NearestPlace>, AnalysisError> {
        let grid = BandGrid::new(
            places.geo.iter().copied().zip(0..).filter(|(_, j)| keep.is_none_or(|k| k[*j as usize])),
        );
        let mut out = vec![NearestPlace { cost: f64::INFINITY, place: None }; units.len()];
        // Units in grid order are spatially coherent: the previous unit's nearest place bounds
        // this one's distance (triangle inequality), so a small search finds it. Each chunk of
        // that order is searched on its own core.
        let order = units.grid.items();
        let found = parallel::chunks(order.len(), 2_048, |range| {
            let mut found = Vec::with_capacity(range.len());
            let mut previous: Option<(u32, f64)> = None;
            for &u in &order[range] {
                let q = &units.geo[u as usize];
                let guess = previous.map_or(grid.spacing_km(), |(v, d)| {
                    let jump = distance_km(q, &units.geo[v as usize]);
                    if jump <= d + grid.spacing_km() { d + jump } else { d.max(grid.spacing_km()) }
                });
                if let Some((d, p)) = grid.nearest(q, guess) {
                    found.push((u, NearestPlace { cost: d, place: Some(p) }));
                    previous = Some((u, d));
                }
            }
            found
        });
        for (u, nearest) in found.into_iter().flatten() {
            out[u as usize] = nearest;
        }
        Ok(out)
    }

    /// Each place marks the units of its cap (no pair is stored).
    fn covered(
        &self,
        units: &DemandUnits,
        places: &Supply,
        max_cost: f64,
    ) -> Result<Vec<bool>, AnalysisError> {
        let grid = &units.grid;
        let mut at_position = vec![false; units.len()];
        let (mut runs, mut km) = (Vec::new(), Vec::new());
        for place in &places.geo {
            runs.clear();
            let small = grid.plan(place, max_cost, &mut runs);
            for &(s, e) in &runs {
                let (s, e) = (s as usize, e as usize);
                km.clear();
                km.resize(e - s, 0.0);
                grid.distances_into(place, (s, e), small, &mut km);
                for (flag, &d) in at_position[s..e].iter_mut().zip(&km) {
                    *flag |= d <= max_cost;
                }
            }
        }
        let mut covered = vec![false; units.len()];
        for (&u, &flag) in grid.items().iter().zip(&at_position) {
            covered[u as usize] = flag;
        }
        Ok(covered)
    }

    /// Distance is symmetric: each kept unit queries an index of the places.
    fn pairs_of_units(
        &self,
        units: &DemandUnits,
        keep: &[bool],
        places: &Supply,
        max_cost: f64,
    ) -> Result<Pairs, AnalysisError> {
        // Candidate sites at every unit (the optimisers' default) are the units' own points:
        // their index is already built.
        let own;
        let grid = if places.geo == units.geo {
            &units.grid
        } else {
            own = BandGrid::new(places.geo.iter().copied().zip(0..));
            &own
        };
        // Lists found in grid order of the units, a chunk of that order on each core, then
        // laid out in unit order.
        let order = units.grid.items();
        let parts = parallel::chunks(order.len(), 4_096, |range| {
            let mut runs = Vec::new();
            let (mut found, mut costs) = (Vec::new(), Vec::new());
            let mut segments = Vec::new();
            let mut sorted: Vec<(u32, f64)> = Vec::new();
            let (mut items, mut km) = (Vec::new(), Vec::new());
            for &u in &order[range] {
                if !keep.get(u as usize).copied().unwrap_or(false) {
                    continue;
                }
                let q = &units.geo[u as usize];
                runs.clear();
                let small = grid.plan(q, max_cost, &mut runs);
                items.clear();
                km.clear();
                grid.scan(q, max_cost, (&runs, small), &mut items, &mut km);
                sorted.clear();
                sorted.extend(items.iter().copied().zip(km.iter().copied()));
                sorted.sort_unstable_by_key(|&(p, _)| p);
                let at = found.len() as u32;
                for &(p, d) in &sorted {
                    found.push(p);
                    costs.push(d);
                }
                segments.push((u, at, found.len() as u32));
            }
            (segments, found, costs)
        });
        let mut spans = vec![(0usize, 0u32, 0u32); units.len()];
        for (k, (segments, _, _)) in parts.iter().enumerate() {
            for &(u, a, b) in segments {
                spans[u as usize] = (k, a, b);
            }
        }
        let total: usize = parts.iter().map(|p| p.1.len()).sum();
        let mut start = Vec::with_capacity(units.len() + 1);
        start.push(0u32);
        let (mut places_out, mut costs_out) = (Vec::with_capacity(total), Vec::with_capacity(total));
        for &(k, a, b) in &spans {
            let (_, found, costs) = &parts[k];
            places_out.extend_from_slice(&found[a as usize..b as usize]);
            costs_out.extend_from_slice(&costs[a as usize..b as usize]);
            start.push(places_out.len() as u32);
        }
        Ok(Pairs::from_unit_csr(places.len(), start, places_out, costs_out))
    }

    fn matrix(&self, units: &DemandUnits, places: &Supply) -> Result<Vec<f64>, AnalysisError> {
        // Each unit's row is its distances from every place. One thread: the matrix is written
        // as it is allocated (first touches from several threads cost more than the rows,
        // measured).
        let columns = Columns::new(&places.geo);
        let n = columns.len();
        let same_points = n == units.len()
            && places.geo.iter().zip(&units.geo).all(|(p, u)| p.lat == u.lat && p.lon == u.lon);
        if !same_points {
            let mut matrix = Vec::with_capacity(n * units.len());
            for unit in &units.geo {
                let start = matrix.len();
                matrix.resize(start + n, 0.0);
                columns.distances_from(unit, 0, &mut matrix[start..]);
            }
            return Ok(matrix);
        }
        // Places at the units' points (p-median's candidate sites): distance is symmetric,
        // bit for bit ([`CostModel::symmetric`]), so only the tiles on and above the diagonal
        // are computed, each copied to its mirror while it is in cache.
        const TILE: usize = 64;
        let mut matrix = vec![0.0; n * n];
        for bi in (0..n).step_by(TILE) {
            let ie = (bi + TILE).min(n);
            for bj in (bi..n).step_by(TILE) {
                let je = (bj + TILE).min(n);
                for a in bi..ie {
                    columns.distances_from(&units.geo[a], bj, &mut matrix[a * n + bj..a * n + je]);
                }
                if bj != bi {
                    for a in bi..ie {
                        for j in bj..je {
                            matrix[j * n + a] = matrix[a * n + j];
                        }
                    }
                }
            }
        }
        Ok(matrix)
    }

    fn two_stage(
        &self,
        units: &DemandUnits,
        places: &Supply,
        catchment: f64,
        weight: &Weight,
    ) -> Result<Catchment, AnalysisError> {
        Ok(great_circle_two_stage(units, places, catchment, weight))
    }

    fn describe(&self) -> &str {
        "great-circle km"
    }

    /// The haversine terms are odd or even in the coordinate differences and products
    /// commute, so both directions round alike (see the test of the matrix).
    fn symmetric(&self) -> bool {
        true
    }
}

/// An explicit cost table of `(unit code, place id, cost)` rows, e.g. a road travel-time
/// matrix. Rows whose unit is not among the analysed units are ignored (so one table serves
/// any sub-territory); a row naming an unknown place or with a NaN cost is an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CostTable {
    rows: Vec<(String, String, f64)>,
}

impl CostTable {
    pub fn new(rows: Vec<(String, String, f64)>) -> Self {
        Self { rows }
    }

    pub fn rows(&self) -> &[(String, String, f64)] {
        &self.rows
    }
}

impl CostModel for CostTable {
    fn pairs(&self, units: &DemandUnits, places: &Supply, max_cost: f64) -> Result<Pairs, AnalysisError> {
        let mut place_index: HashMap<&str, u32> = HashMap::with_capacity(places.len());
        for (j, p) in places.places().iter().enumerate() {
            place_index.insert(p.id.as_str(), j as u32);
        }
        let mut triplets = Vec::new();
        for (k, (origin, dest, cost)) in self.rows.iter().enumerate() {
            if cost.is_nan() {
                return Err(AnalysisError::InvalidCostRow {
                    field: format!("costs[{k}].cost"),
                    reason_fr: format!("Coût manquant entre « {origin} » et « {dest} »."),
                    reason_en: format!("Missing cost between “{origin}” and “{dest}”."),
                });
            }
            let Some(&p) = place_index.get(dest.as_str()) else {
                return Err(AnalysisError::InvalidCostRow {
                    field: format!("costs[{k}].dest"),
                    reason_fr: format!("Lieu inconnu dans la table des coûts : « {dest} »."),
                    reason_en: format!("Unknown place in the cost table: “{dest}”."),
                });
            };
            if let Some(u) = units.index_of(origin)
                && *cost <= max_cost
            {
                triplets.push((u as u32, p, *cost));
            }
        }
        Ok(Pairs::from_triplets(units.len(), places.len(), &triplets))
    }

    fn describe(&self) -> &str {
        "cost table"
    }
}
