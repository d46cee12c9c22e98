//! Distances on the Earth's surface.

/// Mean Earth radius (IUGG), in kilometres: the sphere that best fits the ellipsoid.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in **kilometres** between two WGS84 points given in degrees,
/// by the haversine formula on a sphere of radius [`EARTH_RADIUS_KM`]. Its error against the
/// ellipsoid stays under 0.5 %, far below what a town-hall point means.
///
/// ```
/// use maillage_territory::haversine_km;
/// // Paris (Hôtel de Ville) to Lyon (Hôtel de Ville): about 392 km as the crow flies.
/// let d = haversine_km(48.8566, 2.3522, 45.7676, 4.8357);
/// assert!((d - 392.0).abs() < 2.0);
/// ```
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let a = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    // min() guards asin against rounding just above 1 for antipodal points.
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Unit vector of a point on the sphere: straight-line (chord) distance between these
/// vectors grows with great-circle distance, which lets a 3-d tree find nearest points.
pub(crate) fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (phi, lambda) = (lat.to_radians(), lon.to_radians());
    [phi.cos() * lambda.cos(), phi.cos() * lambda.sin(), phi.sin()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_to_itself_is_zero() {
        assert_eq!(haversine_km(45.0, 4.0, 45.0, 4.0), 0.0);
    }

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_km(45.0, 4.0, 46.0, 4.0);
        assert!((d - 111.19).abs() < 0.05, "{d}");
    }

    #[test]
    fn distance_is_symmetric_and_wraps_the_antimeridian() {
        let a = haversine_km(-17.5, 179.9, -17.5, -179.9);
        let b = haversine_km(-17.5, -179.9, -17.5, 179.9);
        assert_eq!(a, b);
        assert!(a < 25.0, "{a}");
    }

    #[test]
    fn antipodes_are_half_a_circumference_apart() {
        let d = haversine_km(0.0, 0.0, 0.0, 180.0);
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_KM).abs() < 1e-6, "{d}");
    }
}
