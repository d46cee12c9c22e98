//! Floating catchment accessibility reproduces PySAL `access` 1.1.10 to 1e-12 relative.

use maillage_territory::analysis::{
    AccessOptions, AnalysisError, CostTable, DemandUnit, DemandUnits, PlaceRow, Stages, Step, Supply, Weight,
    accessibility,
};
use serde_json::Value;

fn unit(code: &str, population: f64, lat: f64, lon: f64) -> DemandUnit {
    DemandUnit {
        code: code.to_owned(),
        name: code.to_owned(),
        parent: None,
        epci: None,
        departement: "00".to_owned(),
        region: "00".to_owned(),
        population,
        lat,
        lon,
    }
}

fn place(id: &str, capacity: f64, lat: f64, lon: f64) -> PlaceRow {
    PlaceRow { id: id.to_owned(), lat, lon, capacity: Some(capacity), types: Vec::new() }
}

fn expected(value: &Value) -> f64 {
    match value {
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        Value::String(s) if s == "nan" => f64::NAN,
        other => other.as_f64().expect("a number"),
    }
}

fn assert_close(got: f64, want: f64, what: &str) {
    let ok = if want.is_nan() {
        got.is_nan()
    } else if want.is_infinite() {
        got == want
    } else {
        (got - want).abs() <= 1e-12 * want.abs()
    };
    assert!(ok, "{what}: got {got:e}, access gives {want:e}");
}

fn check(units: &DemandUnits, supply: &Supply, costs: &CostTable, options: &AccessOptions, outputs: &Value) {
    let result = accessibility(units, supply, costs, options).expect("valid input");
    let outputs = outputs.as_object().expect("an object");
    assert_eq!(outputs.len(), units.len());
    for (code, value) in outputs {
        let i = units.index_of(code).expect("known unit");
        assert_close(result.values[i], expected(value), code);
    }
}

struct Tiny {
    json: Value,
    units: DemandUnits,
    supply: Supply,
    costs: CostTable,
}

fn tiny() -> Tiny {
    let json: Value = serde_json::from_str(include_str!("fixtures/access_tiny.json")).expect("valid JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().expect("array").iter().map(|s| s.as_str().expect("string").to_owned()).collect()
    };
    let numbers = |v: &Value| -> Vec<f64> { v.as_array().expect("array").iter().map(expected).collect() };
    let codes = strings(&json["demand"]["geoid"]);
    let pops = numbers(&json["demand"]["pop"]);
    // The table carries the costs; coordinates are placeholders.
    let units = DemandUnits::new(codes.iter().zip(&pops).map(|(c, &p)| unit(c, p, 45.0, 4.0)).collect())
        .expect("valid units");
    let ids = strings(&json["supply"]["geoid"]);
    let caps = numbers(&json["supply"]["cap"]);
    let supply =
        Supply::new(ids.iter().zip(&caps).map(|(id, &c)| place(id, c, 45.0, 4.0))).expect("valid supply");
    let origins = strings(&json["cost"]["origin"]);
    let dests = strings(&json["cost"]["dest"]);
    let costs = numbers(&json["cost"]["cost"]);
    let costs =
        CostTable::new(origins.into_iter().zip(dests).zip(costs).map(|((o, d), c)| (o, d, c)).collect());
    Tiny { json, units, supply, costs }
}

#[test]
fn plain_2sfca_matches_access_with_its_infinite_ratio() {
    let t = tiny();
    let max = t.json["max_cost"].as_f64().expect("number");
    check(&t.units, &t.supply, &t.costs, &AccessOptions::two_stage(max, Weight::Uniform), &t.json["2sfca"]);
}

#[test]
fn e2sfca_steps_are_inclusive_and_match_access() {
    let t = tiny();
    check(
        &t.units,
        &t.supply,
        &t.costs,
        &AccessOptions::two_stage(30.0, Weight::e2sfca_default()),
        &t.json["e2sfca_step"],
    );
}

#[test]
fn gaussian_weights_match_access() {
    let t = tiny();
    check(
        &t.units,
        &t.supply,
        &t.costs,
        &AccessOptions::two_stage(30.0, Weight::Gaussian { sigma: 15.0 }),
        &t.json["2sfca_gauss15"],
    );
}

#[test]
fn three_stage_with_default_weights_matches_access() {
    let t = tiny();
    check(
        &t.units,
        &t.supply,
        &t.costs,
        &AccessOptions::three_stage(30.0, Weight::three_stage_default()),
        &t.json["3sfca_default"],
    );
}

#[test]
fn normalised_e2sfca_skips_nan_only_in_the_numerator() {
    let t = tiny();
    let options =
        AccessOptions { normalize: true, ..AccessOptions::two_stage(30.0, Weight::e2sfca_default()) };
    check(&t.units, &t.supply, &t.costs, &options, &t.json["e2sfca_step_normalized"]);
}

#[test]
fn a_unit_with_no_place_in_range_gets_nan() {
    let t = tiny();
    let result =
        accessibility(&t.units, &t.supply, &t.costs, &AccessOptions::two_stage(4.0, Weight::Uniform))
            .expect("valid input");
    // Only a–X (5) is beyond 4; e–Z (3) is within: a is NaN, e is infinite.
    assert!(result.values[t.units.index_of("a").unwrap_or(0)].is_nan());
    assert_eq!(result.values[t.units.index_of("e").unwrap_or(0)], f64::INFINITY);
}

fn random_instance() -> (Value, DemandUnits, Supply, CostTable) {
    let json: Value = serde_json::from_str(include_str!("fixtures/access_random.json")).expect("valid JSON");
    let units = DemandUnits::new(
        json["units"]
            .as_array()
            .expect("array")
            .iter()
            .map(|u| {
                unit(
                    u["code"].as_str().expect("code"),
                    expected(&u["population"]),
                    expected(&u["lat"]),
                    expected(&u["lon"]),
                )
            })
            .collect(),
    )
    .expect("valid units");
    let supply = Supply::new(json["places"].as_array().expect("array").iter().map(|p| {
        place(
            p["id"].as_str().expect("id"),
            expected(&p["capacity"]),
            expected(&p["lat"]),
            expected(&p["lon"]),
        )
    }))
    .expect("valid supply");
    let costs = CostTable::new(
        json["costs"]
            .as_array()
            .expect("array")
            .iter()
            .map(|r| {
                (r[0].as_str().expect("o").to_owned(), r[1].as_str().expect("d").to_owned(), expected(&r[2]))
            })
            .collect(),
    );
    (json, units, supply, costs)
}

#[test]
fn random_instance_matches_access_for_every_method() {
    let (json, units, supply, costs) = random_instance();
    let gravity = Weight::Gravity { scale: 10.0, alpha: -1.5, min_dist: 1.0 };
    let cases: Vec<(&str, AccessOptions)> = vec![
        ("2sfca_30", AccessOptions::two_stage(30.0, Weight::Uniform)),
        ("e2sfca_30", AccessOptions::two_stage(30.0, Weight::e2sfca_default())),
        (
            "e2sfca_30_normalized",
            AccessOptions { normalize: true, ..AccessOptions::two_stage(30.0, Weight::e2sfca_default()) },
        ),
        ("gaussian_15_40", AccessOptions::two_stage(40.0, Weight::Gaussian { sigma: 15.0 })),
        ("gravity_10_m1.5_1_50", AccessOptions::two_stage(50.0, gravity.clone())),
        ("gravity_normalized", AccessOptions { normalize: true, ..AccessOptions::two_stage(50.0, gravity) }),
        ("3sfca_60", AccessOptions::three_stage(60.0, Weight::three_stage_default())),
        ("3sfca_25", AccessOptions::three_stage(25.0, Weight::three_stage_default())),
        ("3sfca_gaussian_20_40", AccessOptions::three_stage(40.0, Weight::Gaussian { sigma: 20.0 })),
    ];
    for (name, options) in cases {
        let result = accessibility(&units, &supply, &costs, &options).expect("valid input");
        for (code, value) in json["outputs"][name].as_object().expect("object") {
            let i = units.index_of(code).expect("known unit");
            assert_close(result.values[i], expected(value), &format!("{name} {code}"));
        }
    }
}

#[test]
fn great_circle_costs_give_the_same_values_as_the_haversine_table() {
    let (json, units, supply, _) = random_instance();
    // The fixture's table drops p_zero's pairs except to its own unit: compare on the others.
    let others = Supply::new(
        supply.places().iter().filter(|p| p.id != "p_zero").map(|p| place(&p.id, p.capacity, p.lat, p.lon)),
    )
    .expect("valid supply");
    let table = CostTable::new(
        json["costs"]
            .as_array()
            .expect("array")
            .iter()
            .filter(|r| r[1] != "p_zero")
            .map(|r| {
                (r[0].as_str().expect("o").to_owned(), r[1].as_str().expect("d").to_owned(), expected(&r[2]))
            })
            .collect(),
    );
    for options in [
        AccessOptions::two_stage(30.0, Weight::e2sfca_default()),
        AccessOptions::two_stage(50.0, Weight::Gravity { scale: 10.0, alpha: -1.5, min_dist: 1.0 }),
        AccessOptions::three_stage(60.0, Weight::three_stage_default()),
    ] {
        let from_table = accessibility(&units, &others, &table, &options).expect("valid");
        let great_circle =
            accessibility(&units, &others, &maillage_territory::analysis::GreatCircle, &options)
                .expect("valid");
        for (i, (a, b)) in from_table.values.iter().zip(&great_circle.values).enumerate() {
            assert!(a.is_nan() && b.is_nan() || (a - b).abs() <= 1e-12 * a.abs(), "unit {i}: {a} vs {b}");
        }
    }
}

#[test]
fn bad_parameters_are_refused_with_their_field() {
    let t = tiny();
    let run = |options: AccessOptions| accessibility(&t.units, &t.supply, &t.costs, &options).unwrap_err();
    assert_eq!(run(AccessOptions::two_stage(0.0, Weight::Uniform)).field(), "catchment_km");
    assert_eq!(run(AccessOptions::two_stage(f64::NAN, Weight::Uniform)).field(), "catchment_km");
    assert_eq!(run(AccessOptions::two_stage(30.0, Weight::Gaussian { sigma: 0.0 })).field(), "sigma_km");
    let negative = Weight::Steps(vec![Step { up_to: 10.0, weight: -1.0 }]);
    assert_eq!(run(AccessOptions::two_stage(30.0, negative)).field(), "steps");
    let nan_alpha = Weight::Gravity { scale: 1.0, alpha: f64::NAN, min_dist: 0.0 };
    assert_eq!(run(AccessOptions::two_stage(30.0, nan_alpha)).field(), "alpha");
    let empty = Supply::new(Vec::new()).expect("empty is valid");
    let err = accessibility(&t.units, &empty, &t.costs, &AccessOptions::two_stage(30.0, Weight::Uniform))
        .unwrap_err();
    assert_eq!(err, AnalysisError::EmptySupply { field: "places" });
    let _ = Stages::Two;
}

#[test]
fn steps_parse_from_the_command_line_form() {
    assert_eq!(Weight::parse_steps("10:1,20:0.68,30:0.22"), Ok(Weight::e2sfca_default()));
    assert_eq!(Weight::parse_steps("10-1").unwrap_err().field(), "steps");
    assert_eq!(Weight::parse_steps("10:1,10:0.5").unwrap_err().field(), "steps");
    assert_eq!(Weight::parse_steps("").unwrap_err().field(), "steps");
}

#[test]
fn a_cost_row_to_an_unknown_place_is_an_error() {
    let t = tiny();
    let table = CostTable::new(vec![("a".to_owned(), "nowhere".to_owned(), 1.0)]);
    let err = accessibility(&t.units, &t.supply, &table, &AccessOptions::two_stage(30.0, Weight::Uniform))
        .unwrap_err();
    assert_eq!(err.field(), "costs[0].dest");
}
