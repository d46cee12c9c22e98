//! The distance kernel and the spatial index behind the great-circle cost model.
//!
//! Distances are the haversine formula of [`crate::haversine_km`] with each point's cosine of
//! latitude computed once and, for the short arcs that analyses look at, `sin` and `asin`
//! replaced by their Taylor series (exact to the last bits below 0.05 rad, about 640 km).
//! The result agrees with `haversine_km` to a few units in the last place; a test checks
//! 1e-13 relative on random pairs.
//!
//! The index is a [`BandGrid`]: points in latitude bands, sorted by longitude within a band, so
//! that a range query reads a few contiguous runs and computes distances in a vectorised loop.

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

/// Below this, `sin` is its series to the x⁹ term and `asin` to the s¹¹ term: the next terms
/// are under 1e-17 relative (about 640 km of arc), so no libm call for a région's distances.
const SMALL: f64 = 0.05;
/// Below this, the series are cut after the x⁵ term: the next one is under 1e-18 relative.
const TINY: f64 = 0.004;

#[inline]
fn sin_tiny(x: f64) -> f64 {
    let x2 = x * x;
    x * (1.0 - x2 * (1.0 / 6.0) * (1.0 - x2 * (1.0 / 20.0)))
}

#[inline]
fn asin_tiny(s: f64) -> f64 {
    let s2 = s * s;
    s * (1.0 + s2 * (1.0 / 6.0 + s2 * (3.0 / 40.0)))
}

/// Both series are computed and one selected: no branch to mispredict on mixed distances.
#[inline]
fn sin_small(x: f64) -> f64 {
    if x.abs() < SMALL { sin_select(x) } else { x.sin() }
}

#[inline]
fn asin_small(s: f64) -> f64 {
    if s < SMALL {
        let s2 = s * s;
        let mid = s
            * (1.0
                + s2 * (1.0 / 6.0
                    + s2 * (3.0 / 40.0 + s2 * (5.0 / 112.0 + s2 * (35.0 / 1152.0 + s2 * (63.0 / 2816.0))))));
        let tiny = asin_tiny(s);
        if s < TINY { tiny } else { mid }
    } else {
        s.min(1.0).asin()
    }
}

/// Great-circle distance in km (haversine, sphere of radius [`EARTH_RADIUS_KM`]).
#[inline]
pub(crate) fn distance_km(a: &GeoPoint, b: &GeoPoint) -> f64 {
    let d_phi = (b.lat - a.lat).to_radians();
    let d_lambda = (b.lon - a.lon).to_radians();
    let s_phi = sin_small(d_phi * 0.5);
    let s_lambda = sin_small(d_lambda * 0.5);
    let h = s_phi * s_phi + a.cos_lat * b.cos_lat * (s_lambda * s_lambda);
    2.0 * EARTH_RADIUS_KM * asin_small(h.sqrt())
}

/// Points as columns (latitude, longitude, cosine of latitude), for vectorised loops.
pub(crate) struct Columns {
    lat: Vec<f64>,
    lon: Vec<f64>,
    cos_lat: Vec<f64>,
    /// Latitude and longitude ranges.
    bbox: (f64, f64, f64, f64),
}

impl Columns {
    pub fn new(points: &[GeoPoint]) -> Self {
        let mut bbox = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for p in points {
            bbox = (bbox.0.min(p.lat), bbox.1.max(p.lat), bbox.2.min(p.lon), bbox.3.max(p.lon));
        }
        Self {
            lat: points.iter().map(|p| p.lat).collect(),
            lon: points.iter().map(|p| p.lon).collect(),
            cos_lat: points.iter().map(|p| p.cos_lat).collect(),
            bbox,
        }
    }

    /// How many points.
    pub fn len(&self) -> usize {
        self.lat.len()
    }

    /// Writes into `out` [`distance_km`] from `c` to the points `first..first + out.len()`.
    /// When every half-difference (and so the half-arc's sine) is below [`SMALL`], both series
    /// are computed and one selected: the same arithmetic as [`distance_km`], without
    /// branches, so that the loop vectorises.
    pub fn distances_from(&self, c: &GeoPoint, first: usize, out: &mut [f64]) {
        let (lat, lon, cos_lat) = (&self.lat[first..], &self.lon[first..], &self.cos_lat[first..]);
        let (lat_min, lat_max, lon_min, lon_max) = self.bbox;
        let x = (c.lat - lat_min).abs().max((c.lat - lat_max).abs()).to_radians() * 0.5;
        let y = (c.lon - lon_min).abs().max((c.lon - lon_max).abs()).to_radians() * 0.5;
        if x.is_nan() || y.is_nan() || (x * x + y * y).sqrt() >= SMALL * 0.999 {
            for (((d, &lat), &lon), &cos_lat) in out.iter_mut().zip(lat).zip(lon).zip(cos_lat) {
                *d = distance_km(&GeoPoint { lat, lon, cos_lat, xyz: [0.0; 3] }, c);
            }
            return;
        }
        let (c_lat, c_lon, c_cos) = (c.lat, c.lon, c.cos_lat);
        for (((d, &lat), &lon), &cos_lat) in out.iter_mut().zip(lat).zip(lon).zip(cos_lat) {
            let s_phi = sin_select((c_lat - lat).to_radians() * 0.5);
            let s_lambda = sin_select((c_lon - lon).to_radians() * 0.5);
            let h = s_phi * s_phi + cos_lat * c_cos * (s_lambda * s_lambda);
            let s = h.sqrt();
            let s2 = s * s;
            let mid = s
                * (1.0
                    + s2 * (1.0 / 6.0
                        + s2 * (3.0 / 40.0
                            + s2 * (5.0 / 112.0 + s2 * (35.0 / 1152.0 + s2 * (63.0 / 2816.0))))));
            let tiny = asin_tiny(s);
            *d = 2.0 * EARTH_RADIUS_KM * if s < TINY { tiny } else { mid };
        }
    }
}

/// [`sin_small`] below [`SMALL`], without branches.
#[inline]
fn sin_select(x: f64) -> f64 {
    let x2 = x * x;
    let mid = x
        * (1.0
            - x2 * (1.0 / 6.0)
                * (1.0 - x2 * (1.0 / 20.0) * (1.0 - x2 * (1.0 / 42.0) * (1.0 - x2 * (1.0 / 72.0)))));
    let tiny = sin_tiny(x);
    if x.abs() < TINY { tiny } else { mid }
}

/// [`distance_km`] when both half-differences and the result's half-angle sine are below
/// [`TINY`]: the same arithmetic without branches (so that it vectorises).
#[inline]
fn distance_tiny_km(lat: f64, lon: f64, cos_lat: f64, (c_lat, c_lon, c_cos_lat): (f64, f64, f64)) -> f64 {
    let s_phi = sin_tiny((c_lat - lat).to_radians() * 0.5);
    let s_lambda = sin_tiny((c_lon - lon).to_radians() * 0.5);
    let h = s_phi * s_phi + cos_lat * c_cos_lat * (s_lambda * s_lambda);
    2.0 * EARTH_RADIUS_KM * asin_tiny(h.sqrt())
}

/// Up to four step thresholds and a catchment, in km, as ranges of squared chords in single
/// precision: a point whose squared chord to the centre lies outside every range is on the
/// same side of each threshold as its [`distance_km`]. The code of a point is 0 beyond the
/// catchment, else 1 + the number of thresholds below its distance.
///
/// Error bound: unit vectors rounded to `f32` are within 2⁻²⁵ of the exact ones, so each
/// coordinate difference is within 2⁻²⁴(1 + |d|) of the exact one, and the squared chord
/// computed in `f32` (three products, two sums) is within 2.1e-7·chord + 1.8e-7·chord² +
/// 4.3e-14 of the exact one; [`distance_km`] is within 1e-13 relative of the exact distance.
/// The ranges, 4e-7·chord + 4e-7·chord² + 1e-13 on each side (about 1.3 m of distance),
/// rounded outwards to `f32`, hold every point where the two could disagree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepBounds {
    /// How many thresholds are finite (the first ones).
    count: usize,
    lo: [f32; 4],
    hi: [f32; 4],
    catchment: (f32, f32),
}

impl StepBounds {
    /// `thresholds` padded with +∞ (never below a distance).
    pub fn new(thresholds: [f64; 4], catchment_km: f64) -> Self {
        let range = |km: f64| {
            if km.is_nan() {
                return (f32::NEG_INFINITY, f32::INFINITY);
            }
            if km >= std::f64::consts::PI * EARTH_RADIUS_KM {
                return (f32::INFINITY, f32::INFINITY);
            }
            let chord = 2.0 * (km.max(0.0) / (2.0 * EARTH_RADIUS_KM)).sin();
            let c2 = chord * chord;
            let margin = 4e-7 * (chord + c2) + 1e-13;
            let (lo, hi) = (c2 - margin, c2 + margin);
            let (mut lo32, mut hi32) = (lo as f32, hi as f32);
            if f64::from(lo32) > lo {
                lo32 = lo32.next_down();
            }
            if f64::from(hi32) < hi {
                hi32 = hi32.next_up();
            }
            (lo32, hi32)
        };
        let mut lo = [f32::INFINITY; 4];
        let mut hi = [f32::INFINITY; 4];
        for (k, &t) in thresholds.iter().enumerate() {
            (lo[k], hi[k]) = range(t);
        }
        let count = thresholds.iter().rposition(|t| *t != f64::INFINITY).map_or(0, |k| k + 1);
        Self { count, lo, hi, catchment: range(catchment_km) }
    }
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

/// Points sorted into latitude bands, and by longitude within each band: within a band, the
/// points of any spherical cap (all points within a distance of a centre) form one contiguous
/// run, found by two binary searches. Queries scan those runs, reading points that are close
/// on the sphere from memory together, column by column (so the distance loop vectorises).
#[derive(Debug, Clone, Default)]
pub(crate) struct BandGrid {
    /// Latitude of the southern edge of band 0, and band height, in degrees.
    lat0: f64,
    height: f64,
    /// Points of band b: `band_start[b]..band_start[b + 1]`.
    band_start: Vec<u32>,
    /// Longitude normalised to [-180, 180), ascending within each band.
    lon_key: Vec<f64>,
    /// Where to start looking for a longitude in a band.
    buckets: Buckets,
    lat: Vec<f64>,
    lon: Vec<f64>,
    cos_lat: Vec<f64>,
    /// Unit vectors, one column per coordinate.
    x: Vec<f64>,
    y: Vec<f64>,
    z: Vec<f64>,
    /// The same in single precision, for [`Self::step_codes`]: twice as many per instruction.
    x32: Vec<f32>,
    y32: Vec<f32>,
    z32: Vec<f32>,
    items: Vec<u32>,
    /// Sine and cosine of the latitude of every band edge (`n_bands + 1`).
    edge_sin_cos: Vec<(f64, f64)>,
    /// Typical distance between neighbouring points, km: a first guess for nearest searches.
    spacing_km: f64,
    /// Whether every longitude is given in [-180, 180) (then equal to its key).
    raw_lon_normal: bool,
}

fn normalised_lon(lon: f64) -> f64 {
    if (-180.0..180.0).contains(&lon) {
        return lon;
    }
    let l = (lon + 180.0).rem_euclid(360.0) - 180.0;
    if l >= 180.0 { -180.0 } else { l }
}

/// Each band's longitude keys cut into as many buckets of equal width as the band has points,
/// and where each bucket starts: finding a longitude in a band is a bucket lookup and a binary
/// search within one bucket (a point or two) instead of within the band.
#[derive(Debug, Clone, Default)]
struct Buckets {
    /// Per band: its smallest key, buckets per degree, how many buckets, its first entry in
    /// `start`.
    bands: Vec<(f64, f64, u32, u32)>,
    /// Per band, the grid position of the first point of each bucket, then the band's end.
    start: Vec<u32>,
}

impl Buckets {
    fn new(band_start: &[u32], keys: &[f64]) -> Self {
        let mut buckets = Self::default();
        for w in band_start.windows(2) {
            let (a, z) = (w[0] as usize, w[1] as usize);
            let n = (z - a).max(1);
            let origin = keys.get(a).copied().filter(|_| z > a).unwrap_or(0.0);
            let span = if z > a { keys[z - 1] - origin } else { 0.0 };
            let per_degree = if span > 0.0 { n as f64 / span } else { 0.0 };
            let band = (origin, per_degree, n as u32, buckets.start.len() as u32);
            // Bucket q starts at the first point whose bucket is ≥ q.
            let mut k = a;
            for q in 0..n {
                while k < z && Self::bucket(&band, keys[k]) < q {
                    k += 1;
                }
                buckets.start.push(k as u32);
            }
            buckets.start.push(z as u32);
            buckets.bands.push(band);
        }
        buckets
    }

    /// The bucket of `key`: nondecreasing in `key`, so every key of an earlier bucket than
    /// `key`'s is below it, and every key of a later bucket above it.
    #[inline]
    fn bucket(&(origin, per_degree, n, _): &(f64, f64, u32, u32), key: f64) -> usize {
        // Truncation is the floor here: the value is clamped to [0, n − 1] first (NaN to 0).
        ((key - origin) * per_degree).max(0.0).min(f64::from(n - 1)) as usize
    }

    /// The grid position in band `b` where `before` turns false, for a predicate `key < x` or
    /// `key <= x` ascending keys turn false on: it lies within `x`'s bucket.
    #[inline]
    fn partition_point(&self, b: usize, keys: &[f64], x: f64, before: impl Fn(f64) -> bool) -> usize {
        let band = &self.bands[b];
        let q = band.3 as usize + Self::bucket(band, x);
        let (s, e) = (self.start[q] as usize, self.start[q + 1] as usize);
        s + keys[s..e].partition_point(|&l| before(l))
    }
}

impl BandGrid {
    pub fn new(points: impl IntoIterator<Item = (GeoPoint, u32)>) -> Self {
        let mut all: Vec<(GeoPoint, u32)> = points.into_iter().collect();
        if all.is_empty() {
            return Self {
                height: 1.0,
                band_start: vec![0, 0],
                buckets: Buckets::new(&[0, 0], &[]),
                edge_sin_cos: vec![(0.0, 1.0); 2],
                spacing_km: 1.0,
                ..Self::default()
            };
        }
        let (mut lat_min, mut lat_max) = (f64::INFINITY, f64::NEG_INFINITY);
        for (p, _) in &all {
            lat_min = lat_min.min(p.lat);
            lat_max = lat_max.max(p.lat);
        }
        // Bands twice as high as the typical spacing of the points, estimated on the middle
        // half of the latitudes and longitudes so that a few far-away points (overseas
        // territories) do not make it coarse: a query of radius r scans r / spacing + 1 bands.
        // Twice rather than once: half as many runs to plan for a few more points to scan, which
        // costs less for every analysis on France (measured).
        let km_per_degree = EARTH_RADIUS_KM.to_radians();
        let quartiles = |mut v: Vec<f64>| {
            let n = v.len();
            let q1 = *v.select_nth_unstable_by(n / 4, f64::total_cmp).1;
            let mid = *v.select_nth_unstable_by(n / 2, f64::total_cmp).1;
            let q3 = *v.select_nth_unstable_by((3 * n) / 4, f64::total_cmp).1;
            (q1, q3, mid)
        };
        let (lat_q1, lat_q3, lat_mid) = quartiles(all.iter().map(|(p, _)| p.lat).collect());
        let (lon_q1, lon_q3, _) = quartiles(all.iter().map(|(p, _)| normalised_lon(p.lon)).collect());
        let mid_cos = lat_mid.to_radians().cos().max(0.01);
        let area = ((lat_q3 - lat_q1) * km_per_degree).max(0.1)
            * ((lon_q3 - lon_q1) * km_per_degree * mid_cos).max(0.1);
        let spacing_km = (area / (all.len() as f64 / 4.0).max(1.0)).sqrt().max(0.01);
        let height = (2.0 * spacing_km / km_per_degree).clamp(1e-3, 10.0);
        let n_bands = (((lat_max - lat_min) / height).floor() as usize + 1).min(1 << 20);
        let band_of = |lat: f64| (((lat - lat_min) / height).floor().max(0.0) as usize).min(n_bands - 1);
        let mut keyed: Vec<(usize, f64, GeoPoint, u32)> =
            all.drain(..).map(|(p, i)| (band_of(p.lat), normalised_lon(p.lon), p, i)).collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.3.cmp(&b.3)));
        let mut band_start = vec![0u32; n_bands + 1];
        for k in &keyed {
            band_start[k.0 + 1] += 1;
        }
        for b in 0..n_bands {
            band_start[b + 1] += band_start[b];
        }
        let lon_key: Vec<f64> = keyed.iter().map(|k| k.1).collect();
        Self {
            lat0: lat_min,
            height,
            buckets: Buckets::new(&band_start, &lon_key),
            band_start,
            lon_key,
            lat: keyed.iter().map(|k| k.2.lat).collect(),
            lon: keyed.iter().map(|k| k.2.lon).collect(),
            cos_lat: keyed.iter().map(|k| k.2.cos_lat).collect(),
            x: keyed.iter().map(|k| k.2.xyz[0]).collect(),
            y: keyed.iter().map(|k| k.2.xyz[1]).collect(),
            z: keyed.iter().map(|k| k.2.xyz[2]).collect(),
            x32: keyed.iter().map(|k| k.2.xyz[0] as f32).collect(),
            y32: keyed.iter().map(|k| k.2.xyz[1] as f32).collect(),
            z32: keyed.iter().map(|k| k.2.xyz[2] as f32).collect(),
            edge_sin_cos: (0..=n_bands)
                .map(|b| (lat_min + b as f64 * height).to_radians().sin_cos())
                .collect(),
            items: keyed.iter().map(|k| k.3).collect(),
            spacing_km,
            raw_lon_normal: keyed.iter().all(|k| k.1 == k.2.lon),
        }
    }

    /// Item order of the grid: spatially coherent, good for processing queries in.
    pub fn items(&self) -> &[u32] {
        &self.items
    }

    pub fn spacing_km(&self) -> f64 {
        self.spacing_km
    }

    /// Calls `scan(start..end)` on runs of grid positions that together hold every point
    /// within `radius_km` of `centre` (and a few more: callers check the distance). Returns
    /// whether every point of the runs has both half-differences of latitude and longitude to
    /// the centre below [`TINY`] rad (so [`distance_tiny_km`] equals [`distance_km`] for them).
    pub fn runs(
        &self,
        centre: &GeoPoint,
        radius_km: f64,
        per_band: bool,
        mut scan: impl FnMut(usize, usize),
    ) -> bool {
        use std::f64::consts::{FRAC_PI_2, PI};
        let n_bands = self.band_start.len() - 1;
        if self.items.is_empty() {
            return true;
        }
        // Angular radius, enlarged so that rounding never loses a point on the boundary.
        let r = radius_km / EARTH_RADIUS_KM * (1.0 + 1e-9) + 1e-12;
        if r >= PI || r.is_nan() {
            scan(0, self.items.len());
            return false;
        }
        let phi0 = centre.lat.to_radians();
        let r_deg = r.to_degrees();
        // Band numbers as reals: truncating a nonnegative one is its floor (no libm call).
        let first = (centre.lat - r_deg - self.lat0) / self.height;
        let last = (centre.lat + r_deg - self.lat0) / self.height;
        if last < 0.0 || first >= n_bands as f64 {
            return true;
        }
        let (first, last) = (first.max(0.0) as usize, (last as usize).min(n_bands - 1));
        let polar = phi0.abs() + r >= FRAC_PI_2;
        let margin = |half_rad: f64| (half_rad.to_degrees() * (1.0 + 1e-9) + 1e-7).min(180.0);
        // The cap is widest in longitude at latitude φ_t (sin φ_t = sin φ0 / cos r), where its
        // half-width is asin(sin r / cos φ0); it narrows away from φ_t.
        let (sin0, cos0) = (centre.xyz[2], centre.cos_lat);
        // asin(sin r / cos φ0) ≤ asin(x) ≤ x / √(1 − x²) with x = r / cos φ0: no trigonometry.
        let x = r / cos0;
        let widest = if polar || x >= 0.5 {
            if polar { 180.0 } else { margin((r.sin() / cos0).min(1.0).asin()) }
        } else {
            margin(x / (1.0 - x * x).sqrt())
        };
        let per_band = per_band && !polar && last > first;
        let cos_r = if per_band { r.cos() } else { 1.0 };
        let sin_t = sin0 / cos_r;
        let mut small = r / 2.0 < TINY;
        let c = normalised_lon(centre.lon);
        for b in first..=last {
            // Narrower bound for a band away from φ_t: the half-width at its edge nearest φ_t.
            let (s_lo, s_hi) = (self.edge_sin_cos[b].0, self.edge_sin_cos[b + 1].0);
            let half = if polar || !per_band || (s_lo <= sin_t && sin_t <= s_hi) {
                widest
            } else {
                let (s, co) = if sin_t < s_lo { self.edge_sin_cos[b] } else { self.edge_sin_cos[b + 1] };
                let x = (cos_r - s * sin0) / (co * cos0);
                let t = 1.0 - x;
                if t <= 0.0 {
                    margin(0.0)
                } else if t <= 0.1 {
                    // acos(1 − t) = √(2t)·(1 + t/12 + 3t²/160 + …) ≤ √(2t)·(1 + t/6) here.
                    margin((2.0 * t).sqrt() * (1.0 + t * (1.0 / 6.0))).min(widest)
                } else {
                    margin(x.max(-1.0).acos()).min(widest)
                }
            };
            let mut intervals = [(0.0, 0.0); 2];
            let count = if half >= 180.0 {
                intervals[0] = (-180.0, 180.0);
                1
            } else if c - half < -180.0 {
                intervals[0] = (-180.0, c + half);
                intervals[1] = (c - half + 360.0, 180.0);
                2
            } else if c + half >= 180.0 {
                intervals[0] = (-180.0, c + half - 360.0);
                intervals[1] = (c - half, 180.0);
                2
            } else {
                intervals[0] = (c - half, c + half);
                1
            };
            small &= count == 1 && half < 180.0 && half.to_radians() / 2.0 < TINY;
            for &(lo, hi) in &intervals[..count] {
                let s = self.buckets.partition_point(b, &self.lon_key, lo, |l| l < lo);
                let e = self.buckets.partition_point(b, &self.lon_key, hi, |l| l <= hi);
                if s < e {
                    scan(s, e);
                }
            }
        }
        // Longitudes are compared normalised, but the distance formula uses them as given:
        // the Taylor path is only taken when no wrap-around can make the raw difference large.
        small && self.raw_lon_normal && (-180.0..180.0).contains(&centre.lon)
    }

    /// The runs to scan for the points within `radius_km` of `centre`, appended to `runs`;
    /// returns whether [`distance_tiny_km`] equals [`distance_km`] for all of them (see [`Self::runs`]).
    pub fn plan(&self, centre: &GeoPoint, radius_km: f64, runs: &mut Vec<(u32, u32)>) -> bool {
        self.runs(centre, radius_km, true, |s, e| runs.push((s as u32, e as u32)))
    }

    /// Appends to `items` and `km` every point of `runs` (from [`Self::plan`] with the same
    /// centre and radius) within `radius_km` (inclusive) of `centre`, in grid order. They grow
    /// by at most [`Self::scanned`] points: with that much spare capacity, nothing is
    /// reallocated.
    pub fn scan(
        &self,
        centre: &GeoPoint,
        radius_km: f64,
        (runs, small): (&[(u32, u32)], bool),
        items: &mut Vec<u32>,
        km: &mut Vec<f64>,
    ) {
        for &(s, e) in runs {
            let (s, e) = (s as usize, e as usize);
            // Distances are written straight after the pairs found so far, then the run is
            // compacted in place (branch-free: every point is copied, those in range advance).
            let base = km.len();
            km.resize(base + (e - s), 0.0);
            items.resize(base + (e - s), 0);
            self.distances_into(centre, (s, e), small, &mut km[base..]);
            let mut n = base;
            for (k, &item) in (base..).zip(&self.items[s..e]) {
                let d = km[k];
                km[n] = d;
                items[n] = item;
                n += usize::from(d <= radius_km);
            }
            items.truncate(n);
            km.truncate(n);
        }
    }

    /// Writes into `out` (as long as the run) the distance from `centre` of every point of the
    /// run `s..e` of grid positions; `small` as returned by [`Self::plan`].
    #[inline]
    pub fn distances_into(&self, centre: &GeoPoint, (s, e): (usize, usize), small: bool, out: &mut [f64]) {
        if small {
            let c = (centre.lat, centre.lon, centre.cos_lat);
            for (((d, &lat), &lon), &cos_lat) in
                out.iter_mut().zip(&self.lat[s..e]).zip(&self.lon[s..e]).zip(&self.cos_lat[s..e])
            {
                *d = distance_tiny_km(lat, lon, cos_lat, c);
            }
        } else {
            for (d, k) in out.iter_mut().zip(s..e) {
                *d = self.distance_at(k, centre);
            }
        }
    }

    /// Writes into `codes` (as long as the run `s..e` of grid positions) the [`StepBounds`]
    /// code of every point of the run, computed from squared chords in single precision (no
    /// trigonometry, no square root), and returns how many are inside the catchment. Returns
    /// `None` when some point lies too close to a threshold for its chord to decide: the
    /// caller then codes the run from [`Self::distances_into`].
    #[inline]
    pub fn step_codes(
        &self,
        centre: &GeoPoint,
        run: (usize, usize),
        bounds: &StepBounds,
        codes: &mut [u8],
    ) -> Option<usize> {
        match bounds.count {
            0 => self.step_codes_n::<0>(centre, run, bounds, codes),
            1 => self.step_codes_n::<1>(centre, run, bounds, codes),
            2 => self.step_codes_n::<2>(centre, run, bounds, codes),
            3 => self.step_codes_n::<3>(centre, run, bounds, codes),
            _ => self.step_codes_n::<4>(centre, run, bounds, codes),
        }
    }

    /// [`Self::step_codes`] with the first `N` thresholds (the others are +∞).
    #[inline]
    fn step_codes_n<const N: usize>(
        &self,
        centre: &GeoPoint,
        (s, e): (usize, usize),
        bounds: &StepBounds,
        codes: &mut [u8],
    ) -> Option<usize> {
        let [cx, cy, cz] = centre.xyz.map(|c| c as f32);
        let (in_below, out_above) = bounds.catchment;
        // A threshold surely below a point's distance is also perhaps below it, and a point
        // surely inside is perhaps inside: the counts are equal only if every point is decided.
        let (mut surely, mut perhaps, mut inside_count) = (0u32, 0u32, 0u32);
        let points = self.x32[s..e].iter().zip(&self.y32[s..e]).zip(&self.z32[s..e]);
        for (code, ((&x, &y), &z)) in codes.iter_mut().zip(points) {
            let (dx, dy, dz) = (x - cx, y - cy, z - cz);
            let c2 = dx * dx + dy * dy + dz * dz;
            let mut above = 0u32;
            for t in 0..N {
                above += u32::from(c2 > bounds.hi[t]);
                perhaps += u32::from(c2 >= bounds.lo[t]);
            }
            let inside = u32::from(c2 < in_below);
            inside_count += inside;
            surely += above + inside;
            perhaps += u32::from(c2 <= out_above);
            *code = (inside * (1 + above)) as u8;
        }
        (surely == perhaps).then_some(inside_count as usize)
    }

    /// How many points `runs` hold: the most a [`Self::scan`] of them can add.
    pub fn scanned(runs: &[(u32, u32)]) -> usize {
        runs.iter().map(|&(s, e)| (e - s) as usize).sum()
    }

    #[inline]
    fn distance_at(&self, k: usize, centre: &GeoPoint) -> f64 {
        let p = GeoPoint { lat: self.lat[k], lon: self.lon[k], cos_lat: self.cos_lat[k], xyz: [0.0; 3] };
        distance_km(&p, centre)
    }

    /// The nearest point to `centre` within `radius_km`: `(km, item)`, ties to the smaller
    /// item.
    pub fn nearest_within(&self, centre: &GeoPoint, radius_km: f64) -> Option<(f64, u32)> {
        // Chord length orders points like great-circle distance: find the least chord, then
        // the distance of that point only.
        let max_chord2 = chord2_for_km(radius_km);
        let mut best: Option<(f64, u32, usize)> = None;
        self.runs(centre, radius_km, false, |s, e| {
            let [cx, cy, cz] = centre.xyz;
            let points = self.x[s..e].iter().zip(&self.y[s..e]).zip(&self.z[s..e]);
            for (k, ((&x, &y), &z)) in (s..e).zip(points) {
                let (d2, item) = (chord2(&[x, y, z], &[cx, cy, cz]), self.items[k]);
                if d2 <= max_chord2 && best.is_none_or(|(bd, bi, _)| d2 < bd || (d2 == bd && item < bi)) {
                    best = Some((d2, item, k));
                }
            }
        });
        best.map(|(_, item, k)| (self.distance_at(k, centre), item))
    }

    /// The nearest point to `centre`, `(km, item)`, ties to the smaller item; `guess_km` is a
    /// radius likely to hold one (the search widens until it does).
    pub fn nearest(&self, centre: &GeoPoint, guess_km: f64) -> Option<(f64, u32)> {
        if self.items.is_empty() {
            return None;
        }
        let mut radius = guess_km.max(1e-6);
        loop {
            if let Some(found) = self.nearest_within(centre, radius) {
                return Some(found);
            }
            if radius >= std::f64::consts::PI * EARTH_RADIUS_KM {
                return None;
            }
            radius *= 2.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::haversine_km;
    use crate::test_support::uniform;

    fn random_points(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut next = uniform(seed);
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

    /// Random points worldwide, plus clusters near the poles and the antimeridian, some with
    /// longitudes given outside [-180, 180).
    fn awkward_points(n: usize, seed: u64) -> Vec<(f64, f64)> {
        let mut points = random_points(n, seed);
        for (k, p) in points.iter_mut().enumerate() {
            match k % 5 {
                1 => p.0 = 89.0 + (p.0 / 85.0).abs(),
                2 => p.1 = 179.5 + p.1 / 360.0,
                3 => p.1 += 360.0 * if p.1 < 0.0 { 1.0 } else { -1.0 },
                4 => *p = (46.0 + p.0 / 40.0, 2.0 + p.1 / 40.0),
                _ => {}
            }
        }
        points
    }

    #[test]
    fn grid_range_query_finds_exactly_the_points_within_the_radius() {
        let points = awkward_points(3_000, 11);
        let geo: Vec<GeoPoint> = points.iter().map(|&(a, b)| GeoPoint::new(a, b)).collect();
        let grid = BandGrid::new(geo.iter().copied().zip(0..));
        let mut runs = Vec::new();
        for (q, radius) in
            awkward_points(60, 5).iter().zip([0.5, 3.0, 30.0, 400.0, 5_000.0, 30_000.0].iter().cycle())
        {
            let q = GeoPoint::new(q.0, q.1);
            runs.clear();
            let small = grid.plan(&q, *radius, &mut runs);
            let (mut items, mut km) = (Vec::new(), Vec::new());
            grid.scan(&q, *radius, (&runs, small), &mut items, &mut km);
            let mut found: Vec<(u32, f64)> = items.into_iter().zip(km).collect();
            found.sort_by_key(|f| f.0);
            let expected: Vec<(u32, f64)> = (0..points.len() as u32)
                .map(|i| (i, distance_km(&geo[i as usize], &q)))
                .filter(|&(_, d)| d <= *radius)
                .collect();
            assert_eq!(found, expected, "query ({}, {}) radius {radius}", q.lat, q.lon);
        }
    }

    #[test]
    fn grid_nearest_matches_brute_force() {
        let points = awkward_points(2_000, 3);
        let geo: Vec<GeoPoint> = points.iter().map(|&(a, b)| GeoPoint::new(a, b)).collect();
        let grid = BandGrid::new(geo.iter().copied().zip(0..));
        for (k, &(lat, lon)) in awkward_points(300, 9).iter().enumerate() {
            let q = GeoPoint::new(lat, lon);
            let (d, item) = grid.nearest(&q, [0.1, 10.0, 1_000.0][k % 3]).expect("a point");
            let best = geo.iter().map(|g| distance_km(g, &q)).fold(f64::INFINITY, f64::min);
            assert!((d - best).abs() <= 1e-12 * best.max(1e-3), "{d} vs {best}");
            assert_eq!(distance_km(&geo[item as usize], &q), d);
        }
    }

    /// The point at `km` from (lat, lon) along `bearing` (degrees), on the sphere.
    fn destination(lat: f64, lon: f64, bearing: f64, km: f64) -> (f64, f64) {
        let (phi, lambda, theta, delta) =
            (lat.to_radians(), lon.to_radians(), bearing.to_radians(), km / EARTH_RADIUS_KM);
        let phi2 = (phi.sin() * delta.cos() + phi.cos() * delta.sin() * theta.cos()).asin();
        let lambda2 =
            lambda + (theta.sin() * delta.sin() * phi.cos()).atan2(delta.cos() - phi.sin() * phi2.sin());
        (phi2.to_degrees(), lambda2.to_degrees())
    }

    #[test]
    fn step_codes_agree_with_distances_or_give_way_next_to_a_threshold() {
        let thresholds = [10.0, 20.0, 30.0, f64::INFINITY];
        let catchment = 30.0;
        let bounds = StepBounds::new(thresholds, catchment);
        let exact = |d: f64| -> u8 {
            let step: u8 = thresholds.iter().map(|&t| u8::from(t < d)).sum();
            if d <= catchment { 1 + step } else { 0 }
        };
        for (k, &(lat, lon)) in
            [(48.85, 2.35), (43.3, 5.4), (-21.1, 55.5), (16.2, -61.5), (64.0, -20.0)].iter().enumerate()
        {
            let centre = GeoPoint::new(lat, lon);
            // Points on many bearings from a millimetre to 10 cm from each threshold, and 3 m or
            // more from any (the ranges are about 1.3 m wide: those must be decided).
            let mut near = Vec::new();
            let mut far = Vec::new();
            for b in 0..36 {
                let bearing = b as f64 * 10.0 + k as f64;
                for t in [10.0, 20.0, 30.0] {
                    for offset in [-1e-4, -1e-6, 0.0, 1e-6, 1e-4] {
                        near.push(destination(lat, lon, bearing, t + offset));
                    }
                }
                for km in [0.0, 0.5, 5.0, 9.997, 10.003, 15.0, 19.997, 20.003, 25.0, 29.997, 30.003, 45.0] {
                    far.push(destination(lat, lon, bearing, km));
                }
            }
            for (points, all_decided) in [(&near, false), (&far, true)] {
                let geo: Vec<GeoPoint> = points.iter().map(|&(a, b)| GeoPoint::new(a, b)).collect();
                let grid = BandGrid::new(geo.iter().copied().zip(0..));
                let mut codes = vec![0u8; geo.len()];
                let decided = grid.step_codes(&centre, (0, geo.len()), &bounds, &mut codes);
                let expected: Vec<u8> =
                    grid.items().iter().map(|&i| exact(distance_km(&geo[i as usize], &centre))).collect();
                match decided {
                    Some(inside) => {
                        assert_eq!(codes, expected, "centre ({lat}, {lon})");
                        assert_eq!(inside, expected.iter().filter(|&&c| c != 0).count());
                    }
                    None => assert!(!all_decided, "points far from every threshold are decided"),
                }
                // Each point alone: decided and right, or left to the distances.
                for (k, &want) in expected.iter().enumerate() {
                    let mut code = [0u8];
                    if grid.step_codes(&centre, (k, k + 1), &bounds, &mut code).is_some() {
                        assert_eq!(code[0], want, "centre ({lat}, {lon}), point {k}");
                    } else {
                        assert!(!all_decided);
                    }
                }
            }
        }
    }

    #[test]
    fn bucketed_search_finds_what_a_binary_search_finds() {
        let mut next = uniform(7);
        // Bands of 0 to 60 keys: spread out, clustered with an outlier, repeated.
        let mut band_start = vec![0u32];
        let mut keys = Vec::new();
        for band in 0..40 {
            let n = band * 3 % 61;
            let mut band_keys: Vec<f64> = (0..n)
                .map(|k| match band % 3 {
                    0 => next() * 360.0 - 180.0,
                    1 if k == 0 => 170.0,
                    1 => 2.0 + next() * 0.01,
                    _ => (next() * 4.0).floor() - 1.0,
                })
                .collect();
            band_keys.sort_by(f64::total_cmp);
            keys.extend(band_keys);
            band_start.push(keys.len() as u32);
        }
        let buckets = Buckets::new(&band_start, &keys);
        for b in 0..40 {
            let (a, z) = (band_start[b] as usize, band_start[b + 1] as usize);
            let mut probes: Vec<f64> = keys[a..z].to_vec();
            probes.extend([-180.0, 180.0, -1.0, 0.0, 2.0, 2.005, 170.0, 1e-12]);
            probes.extend((0..20).map(|_| next() * 360.0 - 180.0));
            for x in probes {
                assert_eq!(
                    buckets.partition_point(b, &keys, x, |l| l < x),
                    a + keys[a..z].partition_point(|&l| l < x),
                    "band {b}, below {x}"
                );
                assert_eq!(
                    buckets.partition_point(b, &keys, x, |l| l <= x),
                    a + keys[a..z].partition_point(|&l| l <= x),
                    "band {b}, up to {x}"
                );
            }
        }
    }

    #[test]
    fn an_empty_grid_finds_nothing() {
        let grid = BandGrid::new(std::iter::empty());
        assert_eq!(grid.nearest(&GeoPoint::new(45.0, 3.0), 10.0), None);
    }
}
