//! The great-circle model's own implementations (work split over cores, floating catchment
//! without listing the pairs, coverage flags without pairs) give exactly what the generic
//! implementations of [`CostModel`] give from the same pairs, on instances large enough to be
//! split (thousands of units and places), and on small random ones.

#[path = "../src/test_support.rs"]
mod support;
use support::uniform;

use maillage_territory::analysis::{
    AccessOptions, AnalysisError, CostModel, DemandUnit, DemandUnits, GreatCircle, Pairs, PlaceRow, Supply,
    Weight, accessibility,
};
use proptest::prelude::*;

/// Great-circle pairs, but every other method left to the trait's generic default.
struct Generic;

impl CostModel for Generic {
    fn pairs(&self, units: &DemandUnits, places: &Supply, max_cost: f64) -> Result<Pairs, AnalysisError> {
        GreatCircle.pairs(units, places, max_cost)
    }

    fn describe(&self) -> &str {
        "generic"
    }
}

fn units_at(points: &[(f64, f64, f64)]) -> DemandUnits {
    DemandUnits::new(
        points
            .iter()
            .enumerate()
            .map(|(i, &(lat, lon, population))| DemandUnit {
                code: format!("u{i}"),
                name: format!("Unit {i}"),
                parent: None,
                epci: None,
                departement: format!("d{}", i % 5),
                region: "r".to_owned(),
                population,
                lat,
                lon,
            })
            .collect(),
    )
    .expect("valid units")
}

fn supply_at(points: &[(f64, f64, f64)]) -> Supply {
    Supply::new(points.iter().enumerate().map(|(j, &(lat, lon, capacity))| PlaceRow {
        id: format!("p{j}"),
        lat,
        lon,
        capacity: Some(capacity),
        types: Vec::new(),
    }))
    .expect("valid places")
}

/// Units and places over metropolitan France, denser in a few clusters (as towns are), some
/// units without inhabitants and some places without capacity.
fn france_like(n_units: usize, n_places: usize, seed: u64) -> (DemandUnits, Supply) {
    let mut next = uniform(seed);
    let point = |next: &mut dyn FnMut() -> f64| {
        if next() < 0.4 {
            let centre =
                [(48.85, 2.35), (45.76, 4.83), (43.3, 5.37), (50.63, 3.06)][(next() * 4.0) as usize % 4];
            (centre.0 + (next() - 0.5) * 0.6, centre.1 + (next() - 0.5) * 0.6)
        } else {
            (42.5 + next() * 8.5, -4.5 + next() * 12.5)
        }
    };
    let units: Vec<(f64, f64, f64)> = (0..n_units)
        .map(|i| {
            let (lat, lon) = point(&mut next);
            (lat, lon, if i % 17 == 0 { 0.0 } else { (1.0 + 3000.0 * next()).round() })
        })
        .collect();
    let places: Vec<(f64, f64, f64)> = (0..n_places)
        .map(|j| {
            let (lat, lon) = point(&mut next);
            (lat, lon, if j % 23 == 0 { 0.0 } else { (1.0 + 9.0 * next()).round() })
        })
        .collect();
    (units_at(&units), supply_at(&places))
}

/// Same floats, bit for bit (NaN equal to NaN).
fn same_bits(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn weights() -> Vec<Weight> {
    vec![
        Weight::e2sfca_default(),
        Weight::Uniform,
        Weight::Gaussian { sigma: 12.0 },
        Weight::Gravity { scale: 1.0, alpha: -1.0, min_dist: 0.0 },
        Weight::parse_steps("5:1,10:0.8,15:0.5,20:0.3,25:0.1").expect("valid steps"),
    ]
}

#[test]
fn floating_catchment_without_pairs_equals_the_one_over_listed_pairs_bit_for_bit() {
    let (units, supply) = france_like(12_000, 1_500, 7);
    for weight in weights() {
        for normalize in [false, true] {
            let options = AccessOptions { normalize, ..AccessOptions::two_stage(30.0, weight.clone()) };
            let fast = accessibility(&units, &supply, &GreatCircle, &options).expect("valid");
            let generic = accessibility(&units, &supply, &Generic, &options).expect("valid");
            assert_eq!(fast.pairs, generic.pairs, "{weight:?}");
            assert!(same_bits(&fast.ratios, &generic.ratios), "ratios differ for {weight:?}");
            assert!(same_bits(&fast.values, &generic.values), "values differ for {weight:?}");
            assert_eq!(
                fast.normalized_by.map(f64::to_bits),
                generic.normalized_by.map(f64::to_bits),
                "{weight:?}"
            );
        }
    }
}

#[test]
fn split_nearest_coverage_flags_and_pairs_equal_the_generic_ones() {
    let (units, supply) = france_like(12_000, 1_500, 11);
    let fast = GreatCircle.nearest(&units, &supply, None).expect("valid");
    let pairs = GreatCircle.pairs(&units, &supply, 25.0).expect("valid");
    for radius in [3.0, 12.0, 25.0] {
        let flags = GreatCircle.covered(&units, &supply, radius).expect("valid");
        let expected: Vec<bool> = fast.iter().map(|n| n.cost <= radius).collect();
        assert_eq!(flags, expected, "radius {radius}");
    }
    // Every unit's nearest place is the least of its listed pairs, when it has any.
    for (i, n) in fast.iter().enumerate() {
        let (places, costs) = pairs.of_unit(i);
        if let Some(least) = costs.iter().copied().reduce(f64::min) {
            assert_eq!(n.cost, least, "unit {i}");
            let at = costs.iter().position(|&c| c == least).expect("the least cost");
            assert_eq!(n.place, Some(places[at]), "unit {i}");
        } else {
            assert!(n.cost > 25.0, "unit {i}");
        }
    }
    // Pairs of some units, found unit by unit on several cores: exactly their pairs.
    let keep: Vec<bool> = (0..units.len()).map(|i| i % 3 != 0).collect();
    let some = GreatCircle.pairs_of_units(&units, &keep, &supply, 25.0).expect("valid");
    for (i, &kept) in keep.iter().enumerate() {
        let expected = if kept { pairs.of_unit(i) } else { (&[][..], &[][..]) };
        assert_eq!(some.of_unit(i), expected, "unit {i}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn small_instances_agree_too(
        demand in prop::collection::vec((45.0..46.0f64, 3.0..4.4f64, prop_oneof![Just(0.0), 1.0..5000.0f64]), 1..80),
        places in prop::collection::vec((45.0..46.0f64, 3.0..4.4f64, prop_oneof![Just(0.0), 1.0..20.0f64]), 1..40),
        catchment in 1.0..60.0f64,
        which in 0..5usize,
    ) {
        let (units, supply) = (units_at(&demand), supply_at(&places));
        let options = AccessOptions::two_stage(catchment, weights()[which].clone());
        let fast = accessibility(&units, &supply, &GreatCircle, &options).expect("valid");
        let generic = accessibility(&units, &supply, &Generic, &options).expect("valid");
        prop_assert_eq!(fast.pairs, generic.pairs);
        prop_assert!(same_bits(&fast.ratios, &generic.ratios));
        prop_assert!(same_bits(&fast.values, &generic.values));
        let flags = GreatCircle.covered(&units, &supply, catchment).expect("valid");
        let expected = Generic.covered(&units, &supply, catchment).expect("valid");
        prop_assert_eq!(flags, expected);
    }
}
