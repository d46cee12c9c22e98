//! The distance kernel and the spatial index behind the great-circle cost model.
//!
//! Distances are the haversine formula of [`crate::haversine_km`] with each point's cosine of
//! latitude computed once and, for the short arcs that analyses look at, `sin` and `asin`
//! replaced by their Taylor series (exact to the last bits below 0.01 rad, about 64 km).
//! The result agrees with `haversine_km` to a few units in the last place; a test checks
//! 1e-13 relative on random pairs.

use crate::geo::EARTH_RADIUS_KM;

/// A point prepared for repeated distance computations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GeoPoint {
    pub lat: f64,
    pub lon: f64,
    cos_lat: f64,
    /// Unit vector: chord length orders points like great-circle distance.
    pub xyz: [f64; 3],
}

impl GeoPoint {
    pub fn new(lat: f64, lon: f64) -> Self {
        let (phi, lambda) = (lat.to_radians(), lon.to_radians());
        let cos_lat = phi.cos();
        Self { lat, lon, cos_lat, xyz: [cos_lat * lambda.cos(), cos_lat * lambda.sin(), phi.sin()] }
    }
}

const SMALL: f64 = 0.01;

#[inline]
fn sin_small(x: f64) -> f64 {
    if x.abs() < SMALL {
        let x2 = x * x;
        x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))))
    } else {
        x.sin()
    }
}

#[inline]
fn asin_small(s: f64) -> f64 {
    if s < SMALL {
        let s2 = s * s;
        s * (1.0 + s2 * (1.0 / 6.0 + s2 * (3.0 / 40.0 + s2 * (5.0 / 112.0 + s2 * (35.0 / 1152.0)))))
    } else {
        s.min(1.0).asin()
    }
}

/// Great-circle distance in km (haversine, sphere of radius [`EARTH_RADIUS_KM`]).
#[inline]
pub(crate) fn distance_km(a: &GeoPoint, b: &GeoPoint) -> f64 {
    let d_phi = (b.lat - a.lat).to_radians();
    let d_lambda = (b.lon - a.lon).to_radians();
    let s_phi = sin_small(d_phi / 2.0);
    let s_lambda = sin_small(d_lambda / 2.0);
    let h = s_phi * s_phi + a.cos_lat * b.cos_lat * (s_lambda * s_lambda);
    2.0 * EARTH_RADIUS_KM * asin_small(h.sqrt())
}

/// Squared chord (between unit vectors) of an arc of `km`, slightly enlarged so that rounding
/// never drops a point the exact distance keeps; callers re-check with [`distance_km`].
pub(crate) fn chord2_for_km(km: f64) -> f64 {
    if !km.is_finite() || km >= std::f64::consts::PI * EARTH_RADIUS_KM {
        return f64::INFINITY;
    }
    let chord = 2.0 * (km / (2.0 * EARTH_RADIUS_KM)).sin();
    chord * chord * (1.0 + 1e-9) + 1e-18
}

#[inline]
fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    dx * dx + dy * dy + dz * dz
}

/// Points below this count are scanned linearly rather than split.
const LEAF: usize = 24;

/// A static 3-d tree over unit vectors, stored implicitly (median of each range is its
/// node), with small leaves scanned linearly.
#[derive(Debug, Clone, Default)]
pub(crate) struct KdTree {
    xyz: Vec<[f64; 3]>,
    items: Vec<u32>,
}

impl KdTree {
    pub fn new(points: impl IntoIterator<Item = ([f64; 3], u32)>) -> Self {
        let mut pairs: Vec<([f64; 3], u32)> = points.into_iter().collect();
        build(&mut pairs, 0);
        let (xyz, items) = pairs.into_iter().unzip();
        Self { xyz, items }
    }

    /// Item order of the tree: spatially coherent, good for processing queries in.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    /// The nearest item to `query` by chord, starting from a known upper bound on the squared
    /// chord (`f64::INFINITY` when none): returns `(chord², item)`.
    pub fn nearest(&self, query: &[f64; 3], bound: (f64, Option<u32>)) -> (f64, Option<u32>) {
        let mut best = bound;
        nearest(&self.xyz, &self.items, 0, query, &mut best);
        best
    }

    /// Calls `found(item)` for every item within squared chord `max_chord2` of `query`.
    pub fn within(&self, query: &[f64; 3], max_chord2: f64, found: &mut impl FnMut(u32)) {
        within(&self.xyz, &self.items, 0, query, max_chord2, found);
    }
}

fn build(points: &mut [([f64; 3], u32)], depth: usize) {
    if points.len() <= LEAF {
        return;
    }
    let axis = depth % 3;
    let mid = points.len() / 2;
    points.select_nth_unstable_by(mid, |a, b| a.0[axis].total_cmp(&b.0[axis]).then(a.1.cmp(&b.1)));
    let (left, right) = points.split_at_mut(mid);
    build(left, depth + 1);
    build(&mut right[1..], depth + 1);
}

fn nearest(xyz: &[[f64; 3]], items: &[u32], depth: usize, query: &[f64; 3], best: &mut (f64, Option<u32>)) {
    if xyz.len() <= LEAF {
        for (p, &item) in xyz.iter().zip(items) {
            let d2 = chord2(p, query);
            // Ties go to the smaller item so that results do not depend on the tree's shape.
            if d2 < best.0 || (d2 == best.0 && best.1.is_none_or(|b| item < b)) {
                *best = (d2, Some(item));
            }
        }
        return;
    }
    let mid = xyz.len() / 2;
    let (point, item) = (&xyz[mid], items[mid]);
    let d2 = chord2(point, query);
    if d2 < best.0 || (d2 == best.0 && best.1.is_none_or(|b| item < b)) {
        *best = (d2, Some(item));
    }
    let axis = depth % 3;
    let diff = query[axis] - point[axis];
    let (near, far) = if diff < 0.0 { (0..mid, mid + 1..xyz.len()) } else { (mid + 1..xyz.len(), 0..mid) };
    nearest(&xyz[near.clone()], &items[near], depth + 1, query, best);
    if diff * diff <= best.0 {
        nearest(&xyz[far.clone()], &items[far], depth + 1, query, best);
    }
}

fn within(
    xyz: &[[f64; 3]],
    items: &[u32],
    depth: usize,
    query: &[f64; 3],
    max_chord2: f64,
    found: &mut impl FnMut(u32),
) {
    if xyz.len() <= LEAF {
        for (p, &item) in xyz.iter().zip(items) {
            if chord2(p, query) <= max_chord2 {
                found(item);
            }
        }
        return;
    }
    let mid = xyz.len() / 2;
    let axis = depth % 3;
    let diff = query[axis] - xyz[mid][axis];
    if diff <= 0.0 || diff * diff <= max_chord2 {
        within(&xyz[..mid], &items[..mid], depth + 1, query, max_chord2, found);
    }
    if chord2(&xyz[mid], query) <= max_chord2 {
        found(items[mid]);
    }
    if diff >= 0.0 || diff * diff <= max_chord2 {
        within(&xyz[mid + 1..], &items[mid + 1..], depth + 1, query, max_chord2, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::haversine_km;

    fn random_points(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n).map(|_| (next() * 170.0 - 85.0, next() * 360.0 - 180.0)).collect()
    }

    #[test]
    fn fast_distance_agrees_with_haversine_at_every_scale() {
        let points = random_points(400, 7);
        for (i, &(lat, lon)) in points.iter().enumerate() {
            // Far pairs, then pairs a few metres to a few hundred km apart.
            let (lat2, lon2) = points[(i * 7 + 3) % points.len()];
            let scale = 10f64.powi((i % 7) as i32 - 4);
            let near = ((lat + scale * (lat2 / 90.0)).clamp(-89.0, 89.0), lon + scale * (lon2 / 180.0));
            for (b_lat, b_lon) in [(lat2, lon2), near] {
                let expected = haversine_km(lat, lon, b_lat, b_lon);
                let got = distance_km(&GeoPoint::new(lat, lon), &GeoPoint::new(b_lat, b_lon));
                assert!(
                    (got - expected).abs() <= 1e-13 * expected,
                    "({lat},{lon})-({b_lat},{b_lon}): {got} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn range_query_finds_exactly_the_points_within_the_chord() {
        let points = random_points(3_000, 11);
        let tree =
            KdTree::new(points.iter().zip(0..).map(|(&(lat, lon), i)| (GeoPoint::new(lat, lon).xyz, i)));
        for &(lat, lon) in random_points(50, 5).iter() {
            let q = GeoPoint::new(lat, lon);
            let max = chord2_for_km(1_500.0);
            let mut found = Vec::new();
            tree.within(&q.xyz, max, &mut |i| found.push(i));
            found.sort_unstable();
            let expected: Vec<u32> = (0..points.len() as u32)
                .filter(|&i| {
                    chord2(&GeoPoint::new(points[i as usize].0, points[i as usize].1).xyz, &q.xyz) <= max
                })
                .collect();
            assert_eq!(found, expected);
        }
    }

    #[test]
    fn nearest_matches_brute_force() {
        let points = random_points(2_000, 3);
        let geo: Vec<GeoPoint> = points.iter().map(|&(a, b)| GeoPoint::new(a, b)).collect();
        let tree = KdTree::new(geo.iter().zip(0..).map(|(g, i)| (g.xyz, i)));
        for &(lat, lon) in random_points(200, 9).iter() {
            let q = GeoPoint::new(lat, lon);
            let (_, item) = tree.nearest(&q.xyz, (f64::INFINITY, None));
            let best = geo.iter().map(|g| distance_km(&q, g)).fold(f64::INFINITY, f64::min);
            let got = distance_km(&q, &geo[item.unwrap_or(0) as usize]);
            assert!((got - best).abs() <= 1e-9 * best.max(1.0), "{got} vs {best}");
        }
    }
}
