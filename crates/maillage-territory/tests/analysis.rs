//! Nearest, coverage and the optimisers: checked against brute force on random instances,
//! plus bad input.

#[path = "../src/test_support.rs"]
mod support;
use support::uniform;

use maillage_territory::analysis::{
    AnalysisError, Candidates, Control, CostModel, DemandUnit, DemandUnits, GreatCircle, Level, MclpOptions,
    PMedianOptions, PlaceRow, SetCoverOptions, Supply, Territory, coverage, mclp, nearest, parse_place_types,
    pmedian, set_cover,
};
use maillage_territory::{Reference, haversine_km};
use proptest::prelude::*;

fn unit(i: usize, population: f64, lat: f64, lon: f64) -> DemandUnit {
    DemandUnit {
        code: format!("u{i}"),
        name: format!("Unit {i}"),
        parent: None,
        epci: Some(format!("e{}", i % 3)),
        departement: format!("d{}", i % 2),
        region: "r".to_owned(),
        population,
        lat,
        lon,
    }
}

fn units_from(points: &[(f64, f64, f64)]) -> DemandUnits {
    DemandUnits::new(points.iter().enumerate().map(|(i, &(lat, lon, p))| unit(i, p, lat, lon)).collect())
        .expect("valid units")
}

fn supply_from(points: &[(f64, f64)]) -> Supply {
    Supply::new(points.iter().enumerate().map(|(j, &(lat, lon))| PlaceRow {
        id: format!("p{j}"),
        lat,
        lon,
        capacity: None,
        types: Vec::new(),
    }))
    .expect("valid supply")
}

/// Points in a 1° × 1.4° box (about 110 × 110 km) around central France.
fn point() -> impl Strategy<Value = (f64, f64)> {
    (45.0..46.0f64, 3.0..4.4f64)
}

fn weighted_point() -> impl Strategy<Value = (f64, f64, f64)> {
    (45.0..46.0f64, 3.0..4.4f64, prop_oneof![Just(0.0), 1.0..5000.0f64].prop_map(f64::round))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nearest_is_the_brute_force_minimum(
        demand in prop::collection::vec(weighted_point(), 1..60),
        places in prop::collection::vec(point(), 1..30),
    ) {
        let units = units_from(&demand);
        let supply = supply_from(&places);
        let found = nearest(&units, &supply, &GreatCircle).expect("valid");
        for (i, &(lat, lon, _)) in demand.iter().enumerate() {
            let best = places.iter().map(|&(a, b)| haversine_km(lat, lon, a, b)).fold(f64::INFINITY, f64::min);
            prop_assert!((found[i].cost - best).abs() <= 1e-12 * best.max(1e-3), "{} vs {}", found[i].cost, best);
            let j = found[i].place.expect("a place") as usize;
            prop_assert!((haversine_km(lat, lon, places[j].0, places[j].1) - best).abs() <= 1e-12 * best.max(1e-3));
        }
    }

    #[test]
    fn coverage_never_decreases_when_a_place_is_added(
        demand in prop::collection::vec(weighted_point(), 1..60),
        places in prop::collection::vec(point(), 1..20),
        extra in point(),
        radius in 1.0..40.0f64,
    ) {
        let units = units_from(&demand);
        let before = coverage(&units, &supply_from(&places), &GreatCircle, radius).expect("valid");
        let mut more = places.clone();
        more.push(extra);
        let after = coverage(&units, &supply_from(&more), &GreatCircle, radius).expect("valid");
        prop_assert!(after.france.covered_population >= before.france.covered_population);
        for (a, b) in after.covered.iter().zip(&before.covered) {
            prop_assert!(*a || !*b);
        }
    }

    #[test]
    fn mclp_is_within_its_bound_of_the_brute_force_optimum(
        demand in prop::collection::vec(weighted_point(), 4..14),
        existing in prop::collection::vec(point(), 0..3),
        k in 1usize..4,
        radius in 5.0..40.0f64,
    ) {
        let units = units_from(&demand);
        let n = units.len();
        prop_assume!(k <= n);
        let supply = supply_from(&existing);
        let options = MclpOptions { k, radius_km: radius, candidates: Candidates::All };
        let result = mclp(&units, Some(&supply), &GreatCircle, &options, &mut Control::new()).expect("valid");
        // Brute force over every k-subset.
        let covered_by_existing: Vec<bool> = demand
            .iter()
            .map(|&(a, b, _)| existing.iter().any(|&(c, d)| haversine_km(a, b, c, d) <= radius))
            .collect();
        let mut optimum = 0.0f64;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != k {
                continue;
            }
            let value: f64 = (0..n)
                .filter(|&i| !covered_by_existing[i])
                .filter(|&i| (0..n).any(|j| mask & (1 << j) != 0
                    && haversine_km(demand[i].0, demand[i].1, demand[j].0, demand[j].1) <= radius))
                .map(|i| demand[i].2)
                .sum();
            optimum = optimum.max(value);
        }
        prop_assert_eq!(result.chosen.len(), k);
        // The reported value is what the chosen units really cover.
        let achieved: f64 = (0..n)
            .filter(|&i| !covered_by_existing[i])
            .filter(|&i| result.chosen.iter().any(|c| {
                haversine_km(demand[i].0, demand[i].1, demand[c.unit].0, demand[c.unit].1) <= radius
            }))
            .map(|i| demand[i].2)
            .sum();
        prop_assert!((achieved - result.covered_population).abs() <= 1e-9 * achieved.max(1.0));
        prop_assert!(result.covered_population <= optimum + 1e-6);
        prop_assert!(result.covered_population >= result.greedy_covered_population);
        prop_assert!(result.upper_bound >= optimum - 1e-6 * optimum.max(1.0), "bound {} < optimum {}", result.upper_bound, optimum);
        prop_assert!(result.gap >= 0.0);
    }

    #[test]
    fn pmedian_lower_bound_is_below_the_brute_force_optimum(
        demand in prop::collection::vec(weighted_point(), 3..12),
        p in 1usize..4,
    ) {
        let units = units_from(&demand);
        let n = units.len();
        prop_assume!(p <= n);
        let result = pmedian(&units, &GreatCircle, &PMedianOptions { p, candidates: Candidates::All }, &mut Control::new())
            .expect("valid");
        let d = |i: usize, j: usize| haversine_km(demand[i].0, demand[i].1, demand[j].0, demand[j].1);
        let mut optimum = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != p {
                continue;
            }
            let value: f64 = (0..n)
                .map(|i| demand[i].2 * (0..n).filter(|&j| mask & (1 << j) != 0).map(|j| d(i, j)).fold(f64::INFINITY, f64::min))
                .sum();
            optimum = optimum.min(value);
        }
        prop_assert_eq!(result.chosen.len(), p);
        prop_assert!(result.objective >= optimum - 1e-9 * optimum.max(1.0));
        prop_assert!(result.objective <= result.greedy_objective + 1e-9 * optimum.max(1.0));
        prop_assert!(result.lower_bound <= optimum + 1e-9 * optimum.max(1.0), "bound {} > optimum {}", result.lower_bound, optimum);
    }

    #[test]
    fn set_cover_covers_everyone_and_its_bound_is_below_the_optimum(
        demand in prop::collection::vec(weighted_point(), 3..12),
        radius in 10.0..60.0f64,
    ) {
        let units = units_from(&demand);
        let n = units.len();
        let options = SetCoverOptions { radius_km: radius, candidates: Candidates::All, include_unpopulated: true };
        let result = set_cover(&units, None, &GreatCircle, &options, &mut Control::new()).expect("every unit is its own candidate");
        let d = |i: usize, j: usize| haversine_km(demand[i].0, demand[i].1, demand[j].0, demand[j].1);
        let chosen: Vec<usize> = result.chosen.iter().map(|c| c.unit).collect();
        for i in 0..n {
            prop_assert!(chosen.iter().any(|&j| d(i, j) <= radius), "unit {i} uncovered");
        }
        let optimum = (0u32..(1 << n))
            .filter(|mask| (0..n).all(|i| (0..n).any(|j| mask & (1 << j) != 0 && d(i, j) <= radius)))
            .map(u32::count_ones)
            .min()
            .unwrap_or(0) as usize;
        prop_assert!(result.lower_bound <= optimum && optimum <= chosen.len());
    }
}

#[test]
fn france_has_34917_units_with_arrondissements_instead_of_their_cities() {
    let units = DemandUnits::from_reference(Reference::shared());
    assert_eq!(units.len(), 34_917);
    for city in ["75056", "69123", "13055"] {
        assert_eq!(units.index_of(city), None);
    }
    let paris_11 = &units.units()[units.index_of("75111").expect("Paris 11e")];
    assert_eq!(paris_11.departement, "75");
    assert_eq!(paris_11.region, "11");
    assert_eq!(paris_11.epci.as_deref(), Some("200054781"));
    assert_eq!(paris_11.parent.as_deref(), Some("75056"));
    let paris = units.restrict(&Territory::Codes(vec!["75056".to_owned()])).expect("Paris");
    assert_eq!(paris.len(), 20);
    let bretagne = units.restrict(&Territory::Region("53".to_owned())).expect("Bretagne");
    assert!(bretagne.units().iter().all(|u| u.region == "53"));
    assert_eq!(
        units.restrict(&Territory::Departement("99".to_owned())).unwrap_err(),
        AnalysisError::UnknownCode { field: "territory", code: "99".to_owned() }
    );
}

#[test]
fn coverage_rows_add_up_and_white_zones_come_largest_first() {
    let demand = [(45.0, 3.0, 100.0), (45.5, 3.5, 300.0), (46.0, 4.0, 200.0), (45.01, 3.0, 50.0)];
    let units = units_from(&demand);
    let supply = supply_from(&[(45.0, 3.0)]);
    let result = coverage(&units, &supply, &GreatCircle, 5.0).expect("valid");
    assert_eq!(result.france.covered_population, 150.0);
    assert_eq!(result.france.total_population, 650.0);
    assert_eq!(result.white_zones.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(), ["u1", "u2"]);
    let by_departement = result.by(&units, Level::Departement);
    assert_eq!(by_departement.iter().map(|r| r.total_population).sum::<f64>(), 650.0);
    assert_eq!(result.by(&units, Level::Commune).len(), 4);
}

#[test]
fn bad_input_is_a_typed_error_naming_its_field() {
    let units = units_from(&[(45.0, 3.0, 10.0), (45.1, 3.1, 20.0)]);
    let supply = supply_from(&[(45.0, 3.0)]);
    let cover = |k: usize, radius_km: f64| {
        mclp(
            &units,
            Some(&supply),
            &GreatCircle,
            &MclpOptions { k, radius_km, candidates: Candidates::All },
            &mut Control::new(),
        )
    };
    assert_eq!(cover(0, 5.0).unwrap_err().field(), "k");
    assert_eq!(cover(3, 5.0).unwrap_err().field(), "k");
    assert_eq!(cover(1, -1.0).unwrap_err().field(), "radius_km");
    assert_eq!(cover(1, f64::NAN).unwrap_err().field(), "radius_km");
    assert_eq!(coverage(&units, &supply, &GreatCircle, 0.0).unwrap_err().field(), "radius_km");
    let none = Supply::new(Vec::new()).expect("empty list");
    assert_eq!(
        nearest(&units, &none, &GreatCircle).unwrap_err(),
        AnalysisError::EmptySupply { field: "places" }
    );
    let too_high = MclpOptions { k: 1, radius_km: 5.0, candidates: Candidates::MinPopulation(1e9) };
    assert_eq!(
        mclp(&units, None, &GreatCircle, &too_high, &mut Control::new()).unwrap_err().field(),
        "min_population"
    );

    let row = |id: &str, lat: f64, capacity: Option<f64>, types: &[&str]| PlaceRow {
        id: id.to_owned(),
        lat,
        lon: 3.0,
        capacity,
        types: types.iter().map(|t| (*t).to_owned()).collect(),
    };
    assert_eq!(Supply::new([row("a", f64::NAN, None, &[])]).unwrap_err().field(), "places[0].lat");
    assert_eq!(Supply::new([row("a", 91.0, None, &[])]).unwrap_err().field(), "places[0].lat");
    assert_eq!(Supply::new([row("a", 45.0, Some(-1.0), &[])]).unwrap_err().field(), "places[0].capacity");
    assert_eq!(
        Supply::new([row("a", 45.0, None, &[]), row("a", 45.0, None, &[])]).unwrap_err().field(),
        "places[1].id"
    );
    let unknown = Supply::new([row("a", 45.0, None, &["castle"])]).unwrap_err();
    assert_eq!(unknown.field(), "places[0].types");
    assert!(unknown.to_string().contains("fablab"), "{unknown}");
    assert!(unknown.message_en().starts_with("Unknown place type “castle”"));
    assert_eq!(parse_place_types("types", &["FabLab"]).expect("case-insensitive").len(), 1);

    let typed = Supply::new([row("a", 45.0, None, &["epn"])]).expect("valid");
    let fablabs = parse_place_types("types", &["fablab"]).expect("known");
    assert_eq!(typed.with_types(&fablabs).unwrap_err(), AnalysisError::EmptySupply { field: "types" });
}

#[test]
fn impossible_set_cover_names_the_units_out_of_reach() {
    let units = units_from(&[(45.0, 3.0, 10.0), (46.0, 4.0, 20.0), (45.0, 3.01, 5.0)]);
    let options = SetCoverOptions {
        radius_km: 5.0,
        candidates: Candidates::Codes(vec!["u0".to_owned()]),
        include_unpopulated: false,
    };
    let err = set_cover(&units, None, &GreatCircle, &options, &mut Control::new()).unwrap_err();
    assert_eq!(err.field(), "radius_km");
    assert_eq!(
        err,
        AnalysisError::SetCoverInfeasible {
            field: "radius_km",
            radius_km: 5.0,
            count: 1,
            first_codes: vec!["u1".to_owned()]
        }
    );
    assert!(err.to_string().contains("u1"));
}

#[test]
fn progress_is_reported_and_a_zero_time_limit_still_returns_a_valid_answer() {
    let demand: Vec<(f64, f64, f64)> = (0..200)
        .map(|i| (45.0 + (i % 20) as f64 * 0.05, 3.0 + (i / 20) as f64 * 0.07, 100.0 + i as f64))
        .collect();
    let units = units_from(&demand);
    let mut reports = Vec::new();
    let mut callback = |p: &maillage_territory::analysis::Progress| reports.push(p.phase);
    let mut control = Control::new().with_progress(&mut callback);
    let options = MclpOptions { k: 5, radius_km: 8.0, candidates: Candidates::All };
    let full = mclp(&units, None, &GreatCircle, &options, &mut control).expect("valid");
    assert!(reports.len() >= 3);
    let stopped = mclp(
        &units,
        None,
        &GreatCircle,
        &options,
        &mut Control::new().with_time_limit(std::time::Duration::ZERO),
    )
    .expect("valid");
    assert!(stopped.timed_out);
    assert_eq!(stopped.chosen.len(), 5);
    assert!(stopped.upper_bound >= full.covered_population - 1e-6);
    assert!(stopped.covered_population <= stopped.upper_bound);
}

#[test]
fn cost_table_nearest_ignores_units_outside_the_table() {
    let units = units_from(&[(45.0, 3.0, 10.0), (46.0, 4.0, 20.0)]);
    let supply = supply_from(&[(45.0, 3.0)]);
    let table = maillage_territory::analysis::CostTable::new(vec![("u0".to_owned(), "p0".to_owned(), 7.5)]);
    let found = table.nearest(&units, &supply, None).expect("valid");
    assert_eq!((found[0].cost, found[0].place), (7.5, Some(0)));
    assert_eq!((found[1].cost, found[1].place), (f64::INFINITY, None));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn pairs_of_some_units_are_exactly_their_pairs_among_all(
        demand in prop::collection::vec(weighted_point(), 1..50),
        places in prop::collection::vec(point(), 1..30),
        keep in prop::collection::vec(any::<bool>(), 50),
        radius in 1.0..60.0f64,
    ) {
        let units = units_from(&demand);
        let supply = supply_from(&places);
        let keep = &keep[..units.len()];
        let all = GreatCircle.pairs(&units, &supply, radius).expect("valid");
        let some = GreatCircle.pairs_of_units(&units, keep, &supply, radius).expect("valid");
        for (i, &kept) in keep.iter().enumerate() {
            let expected = if kept { all.of_unit(i) } else { (&[][..], &[][..]) };
            prop_assert_eq!(some.of_unit(i), expected);
        }
        let mut listed = 0;
        for j in 0..supply.len() {
            let (us, _) = some.of_place(j);
            prop_assert!(us.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(us.iter().all(|&u| keep[u as usize]));
            listed += us.len();
        }
        prop_assert_eq!(listed, some.len());
    }
}

#[test]
fn pmedian_on_more_candidates_than_the_sorted_lists_hold_reports_what_its_sites_achieve() {
    // 600 units: each unit's sorted candidate list is truncated, so swaps and bound fall back
    // on the matrix for the far units.
    let mut next = uniform(12345);
    let demand: Vec<(f64, f64, f64)> =
        (0..600).map(|_| (47.0 + 2.0 * next(), -4.0 + 3.0 * next(), (next() * 5000.0).round())).collect();
    let units = units_from(&demand);
    let result = pmedian(
        &units,
        &GreatCircle,
        &PMedianOptions { p: 4, candidates: Candidates::All },
        &mut Control::new(),
    )
    .expect("valid");
    let objective: f64 = demand
        .iter()
        .map(|&(lat, lon, w)| {
            w * result
                .chosen
                .iter()
                .map(|c| haversine_km(lat, lon, demand[c.unit].0, demand[c.unit].1))
                .fold(f64::INFINITY, f64::min)
        })
        .sum();
    assert!((objective - result.objective).abs() <= 1e-9 * objective, "{objective} vs {}", result.objective);
    assert!(result.objective <= result.greedy_objective);
    assert!(result.lower_bound > 0.0 && result.lower_bound <= result.objective);
    assert!(result.gap < 0.05, "gap {}", result.gap);
}

#[test]
fn one_median_bound_holds_when_prices_pass_the_sorted_lists() {
    // p = 1 on 600 units: the best site is far beyond the 384 nearest candidates of the
    // units at the edges, so their bound terms are read on whole matrix rows. The answer is
    // checked against the brute-force 1-median, and the bound must stay below it.
    let mut next = uniform(777);
    let demand: Vec<(f64, f64, f64)> = (0..600)
        .map(|_| (45.0 + 3.0 * next(), 0.0 + 4.0 * next(), (next() * 3000.0).round() + 1.0))
        .collect();
    let units = units_from(&demand);
    let cost_of = |site: usize| -> f64 {
        demand.iter().map(|&(lat, lon, w)| w * haversine_km(lat, lon, demand[site].0, demand[site].1)).sum()
    };
    let optimum = (0..demand.len()).map(cost_of).fold(f64::INFINITY, f64::min);
    let result = pmedian(
        &units,
        &GreatCircle,
        &PMedianOptions { p: 1, candidates: Candidates::All },
        &mut Control::new(),
    )
    .expect("valid");
    assert!((result.objective - optimum).abs() <= 1e-9 * optimum, "{} vs {optimum}", result.objective);
    assert!(result.lower_bound <= optimum * (1.0 + 1e-12), "bound {} above {optimum}", result.lower_bound);
    assert!(result.gap < 0.05, "gap {}", result.gap);
}

#[test]
fn great_circle_costs_between_unit_points_are_the_same_bits_both_ways() {
    // p-median reads a site's costs to every unit as its row when the model says so, and the
    // matrix of sites at the units' points is computed by halves: check both on points a few
    // metres to thousands of kilometres apart, within one région (the series path of the
    // distance) and across the world (the general path).
    assert!(GreatCircle.symmetric());
    let mut next = uniform(4242);
    let near: Vec<(f64, f64, f64)> = (0..200)
        .map(|k| {
            if k % 2 == 0 {
                (47.0 + next(), 2.0 + next(), 1.0)
            } else {
                (47.5 + 1e-4 * next(), 2.5 + 1e-4 * next(), 1.0)
            }
        })
        .collect();
    let mut world = near.clone();
    world.extend((0..100).map(|_| (-21.0 + 70.0 * next(), -61.0 + 120.0 * next(), 1.0)));
    for points in [near, world] {
        let units = units_from(&points);
        let rows: Vec<PlaceRow> = points
            .iter()
            .enumerate()
            .map(|(k, &(lat, lon, _))| PlaceRow {
                id: format!("s{k}"),
                lat,
                lon,
                capacity: None,
                types: Vec::new(),
            })
            .collect();
        let n = points.len();
        // Sites in reverse order: every cost computed (no mirroring).
        let reversed = Supply::new(rows.iter().rev().cloned().collect::<Vec<_>>()).expect("valid sites");
        let full = GreatCircle.matrix(&units, &reversed).expect("a matrix");
        let cost = |a: usize, j: usize| full[a * n + (n - 1 - j)].to_bits();
        // Sites in unit order: the matrix computes half and mirrors it.
        let mirrored =
            GreatCircle.matrix(&units, &Supply::new(rows).expect("valid sites")).expect("a matrix");
        for a in 0..n {
            for j in 0..n {
                assert_eq!(cost(a, j), cost(j, a), "{n} points: ({a}, {j})");
                assert_eq!(mirrored[a * n + j].to_bits(), cost(a, j), "{n} points: ({a}, {j}) mirrored");
            }
        }
    }
}
