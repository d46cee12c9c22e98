//! Runs every analysis on all of France with the demo network's places and prints the
//! figures (times, gaps). Also the program measured for peak memory:
//!
//! ```sh
//! cargo build --release -p maillage-territory --example france
//! /usr/bin/time -v target/release/examples/france
//! ```

use std::time::Instant;

use maillage_territory::Reference;
use maillage_territory::analysis::{
    AccessOptions, Candidates, Control, DemandUnits, GreatCircle, Level, MclpOptions, PMedianOptions,
    SetCoverOptions, Territory, Weight, accessibility, coverage, mclp, nearest, pmedian, set_cover,
};

#[path = "../benches/support/demo_places.rs"]
mod demo_places;
use demo_places::places;

fn main() {
    let t = Instant::now();
    let units = DemandUnits::from_reference(Reference::shared());
    let supply = places();
    println!(
        "units {} places {} (load {:.0} ms)",
        units.len(),
        supply.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let cost = GreatCircle;

    let t = Instant::now();
    let near = nearest(&units, &supply, &cost).expect("nearest");
    let max = near.iter().map(|n| n.cost).fold(0.0, f64::max);
    println!("nearest: {:.2} ms, max {max:.1} km", t.elapsed().as_secs_f64() * 1e3);

    let t = Instant::now();
    let cov = coverage(&units, &supply, &cost, 15.0).expect("coverage");
    println!(
        "coverage 15 km: {:.2} ms, share {:.4}, {} white zones, {} départements",
        t.elapsed().as_secs_f64() * 1e3,
        cov.france.share,
        cov.white_zones.len(),
        cov.by(&units, Level::Departement).len()
    );

    use maillage_territory::analysis::CostModel;
    for _ in 0..3 {
        let t = Instant::now();
        let pairs = cost.pairs(&units, &supply, 30.0).expect("pairs");
        println!("pairs 30 km: {:.2} ms, {} pairs", t.elapsed().as_secs_f64() * 1e3, pairs.len());
    }
    let t = Instant::now();
    let steps = Weight::parse_steps("10:1,20:0.68,30:0.22").expect("steps");
    let acc = accessibility(&units, &supply, &cost, &AccessOptions::two_stage(30.0, steps)).expect("access");
    println!("e2sfca 30 km: {:.2} ms, {} pairs", t.elapsed().as_secs_f64() * 1e3, acc.pairs);

    let t = Instant::now();
    let acc3 = accessibility(
        &units,
        &supply,
        &cost,
        &AccessOptions::three_stage(30.0, Weight::three_stage_default()),
    )
    .expect("access");
    println!("3sfca 30 km: {:.2} ms, {} pairs", t.elapsed().as_secs_f64() * 1e3, acc3.pairs);

    let options = MclpOptions { k: 50, radius_km: 15.0, candidates: Candidates::All };
    let r = mclp(&units, Some(&supply), &cost, &options, &mut Control::new()).expect("mclp");
    println!(
        "mclp existing k=50 15 km: {:.1} ms, new {} (greedy {}), existing {}, bound {:.1}, gap {:.5} % (total {:.6} %)",
        r.seconds * 1e3,
        r.covered_population,
        r.greedy_covered_population,
        r.existing_covered_population,
        r.upper_bound,
        r.gap * 100.0,
        r.gap_total * 100.0
    );

    let options = MclpOptions { k: 50, radius_km: 15.0, candidates: Candidates::MinPopulation(2000.0) };
    let r = mclp(&units, None, &cost, &options, &mut Control::new()).expect("mclp");
    println!(
        "mclp greenfield k=50 15 km ≥2000: {:.1} ms, {} candidates, covered {} (greedy {}), bound {:.1}, gap {:.5} %",
        r.seconds * 1e3,
        r.candidates,
        r.covered_population,
        r.greedy_covered_population,
        r.upper_bound,
        r.gap * 100.0
    );

    let bretagne = units.restrict(&Territory::Region("53".to_owned())).expect("Bretagne");
    let r = pmedian(
        &bretagne,
        &cost,
        &PMedianOptions { p: 10, candidates: Candidates::All },
        &mut Control::new(),
    )
    .expect("pmedian");
    println!(
        "p-median Bretagne p=10 ({} units): {:.1} ms, objective {:.1} (greedy {:.1}), mean {:.2} km, lower bound {:.1}, gap {:.3} %",
        bretagne.len(),
        r.seconds * 1e3,
        r.objective,
        r.greedy_objective,
        r.mean_cost,
        r.lower_bound,
        r.gap * 100.0
    );

    let options =
        SetCoverOptions { radius_km: 15.0, candidates: Candidates::All, include_unpopulated: false };
    let r = set_cover(&units, Some(&supply), &cost, &options, &mut Control::new()).expect("set cover");
    println!(
        "set cover 15 km with existing: {:.1} ms, {} sites, lower bound {}, gap {:.2} %",
        r.seconds * 1e3,
        r.chosen.len(),
        r.lower_bound,
        r.gap * 100.0
    );
}
