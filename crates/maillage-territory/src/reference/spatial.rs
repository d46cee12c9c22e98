//! A static 3-d tree over unit vectors: exact nearest-point queries on the sphere, with
//! no special case at the poles or the antimeridian (Wallis, Polynesia…), and no dependency.

/// Balanced k-d tree stored implicitly in one array: the median of each range is its node,
/// split on axis `depth % 3`.
#[derive(Debug)]
pub(super) struct PointTree {
    points: Vec<([f64; 3], u32)>,
}

impl PointTree {
    pub(super) fn new(mut points: Vec<([f64; 3], u32)>) -> Self {
        build(&mut points, 0);
        Self { points }
    }

    /// The item nearest to `query` (a unit vector) by straight-line distance, which orders
    /// points the same way as great-circle distance.
    pub(super) fn nearest(&self, query: [f64; 3]) -> Option<u32> {
        let mut best = (f64::INFINITY, None);
        search(&self.points, 0, query, &mut best);
        best.1
    }
}

fn build(points: &mut [([f64; 3], u32)], depth: usize) {
    if points.len() <= 1 {
        return;
    }
    let axis = depth % 3;
    let mid = points.len() / 2;
    points.select_nth_unstable_by(mid, |a, b| a.0[axis].total_cmp(&b.0[axis]));
    let (left, right) = points.split_at_mut(mid);
    build(left, depth + 1);
    build(&mut right[1..], depth + 1);
}

fn search(points: &[([f64; 3], u32)], depth: usize, query: [f64; 3], best: &mut (f64, Option<u32>)) {
    if points.is_empty() {
        return;
    }
    let mid = points.len() / 2;
    let (point, item) = points[mid];
    let d2 = (0..3).map(|k| (point[k] - query[k]).powi(2)).sum::<f64>();
    if d2 < best.0 {
        *best = (d2, Some(item));
    }
    let axis = depth % 3;
    let diff = query[axis] - point[axis];
    let (near, far) =
        if diff < 0.0 { (&points[..mid], &points[mid + 1..]) } else { (&points[mid + 1..], &points[..mid]) };
    search(near, depth + 1, query, best);
    if diff * diff < best.0 {
        search(far, depth + 1, query, best);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::unit_vector;
    use crate::test_support::uniform;

    /// Deterministic pseudo-random points (xorshift), spread over the whole sphere.
    fn points(n: u32) -> Vec<(f64, f64)> {
        let mut next = uniform(0x2545_f491_4f6c_dd1d);
        (0..n).map(|_| (next() * 180.0 - 90.0, next() * 360.0 - 180.0)).collect()
    }

    #[test]
    fn nearest_matches_brute_force_everywhere_on_the_sphere() {
        let data = points(2_000);
        let tree =
            PointTree::new(data.iter().zip(0..).map(|(&(lat, lon), i)| (unit_vector(lat, lon), i)).collect());
        for (lat, lon) in points(300).into_iter().map(|(lat, lon)| (lat * 0.999, -lon)) {
            let expected = (0..data.len())
                .min_by(|&a, &b| {
                    let da = crate::haversine_km(lat, lon, data[a].0, data[a].1);
                    let db = crate::haversine_km(lat, lon, data[b].0, data[b].1);
                    da.total_cmp(&db)
                })
                .map(|i| i as u32);
            assert_eq!(tree.nearest(unit_vector(lat, lon)), expected, "query {lat},{lon}");
        }
    }

    #[test]
    fn empty_tree_finds_nothing() {
        assert_eq!(PointTree::new(Vec::new()).nearest(unit_vector(45.0, 4.0)), None);
    }
}
