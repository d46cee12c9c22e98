//! Territorial analyses on all of France (34,917 units) with the 3,387 places of
//! `data/bench/places_demo.csv`. Targets (issue 3): nearest ≤ 10 ms; E2SFCA 30 km with the
//! pairs ≤ 10 ms; MCLP k=50 15 km with existing places ≤ 100 ms (gap ≤ 0.1 %); greenfield
//! MCLP k=50 15 km on candidates ≥ 2,000 inhabitants ≤ 1 s (gap ≤ 0.5 %); p-median p=10 on
//! Bretagne ≤ 100 ms. The gaps are printed once before the timings.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use maillage_territory::Reference;
use maillage_territory::analysis::{
    AccessOptions, Candidates, Control, DemandUnits, GreatCircle, MclpOptions, PMedianOptions, Territory,
    Weight, accessibility, coverage, mclp, nearest, pmedian,
};

#[path = "support/demo_places.rs"]
mod demo_places;
use demo_places::places;

fn analysis(c: &mut Criterion) {
    let units = DemandUnits::from_reference(Reference::shared());
    let supply = places();
    let cost = GreatCircle;
    let existing = MclpOptions { k: 50, radius_km: 15.0, candidates: Candidates::All };
    let greenfield = MclpOptions { k: 50, radius_km: 15.0, candidates: Candidates::MinPopulation(2000.0) };
    let bretagne = units.restrict(&Territory::Region("53".to_owned())).expect("Bretagne");
    let pmed = PMedianOptions { p: 10, candidates: Candidates::All };

    let r = mclp(&units, Some(&supply), &cost, &existing, &mut Control::new()).expect("mclp");
    println!(
        "mclp existing: covered {} bound {} gap {:.5} %",
        r.covered_population,
        r.upper_bound,
        r.gap * 100.0
    );
    let r = mclp(&units, None, &cost, &greenfield, &mut Control::new()).expect("mclp");
    println!(
        "mclp greenfield: covered {} bound {} gap {:.5} %",
        r.covered_population,
        r.upper_bound,
        r.gap * 100.0
    );
    let r = pmedian(&bretagne, &cost, &pmed, &mut Control::new()).expect("pmedian");
    println!(
        "p-median Bretagne: objective {} lower bound {} gap {:.4} %",
        r.objective,
        r.lower_bound,
        r.gap * 100.0
    );

    let mut group = c.benchmark_group("france");
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    group.bench_function("nearest", |b| b.iter(|| nearest(&units, &supply, &cost).map(|n| n.len())));
    group.bench_function("coverage 15 km", |b| {
        b.iter(|| coverage(&units, &supply, &cost, black_box(15.0)).map(|c| c.white_zones.len()))
    });
    let e2sfca = AccessOptions::two_stage(30.0, Weight::e2sfca_default());
    group.bench_function("e2sfca 30 km", |b| {
        b.iter(|| accessibility(&units, &supply, &cost, &e2sfca).map(|a| a.values.len()))
    });
    group.bench_function("mclp k=50 15 km existing", |b| {
        b.iter(|| {
            mclp(&units, Some(&supply), &cost, &existing, &mut Control::new()).map(|r| r.covered_population)
        })
    });
    group.bench_function("mclp k=50 15 km greenfield >= 2000", |b| {
        b.iter(|| mclp(&units, None, &cost, &greenfield, &mut Control::new()).map(|r| r.covered_population))
    });
    group.bench_function("pmedian p=10 Bretagne", |b| {
        b.iter(|| pmedian(&bretagne, &cost, &pmed, &mut Control::new()).map(|r| r.objective))
    });
    group.finish();
}

criterion_group!(benches, analysis);
criterion_main!(benches);
