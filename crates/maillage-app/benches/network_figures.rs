//! A network page's territory figures, computed anew (the first visit after a change of
//! the places or the networks; later visits read them from the cache): places by type
//! and by département, the population of the network's territory within 10 km of a member
//! place, and its white zones, from the territory engine over the communes' population.
//!
//! On the demo (3,500 places, the national network over 13 regional ones) and on a demo
//! of 20,000 places (a national directory of tiers-lieux and digital-inclusion places).
//! The targets: the national network (all of France) under 200 ms, a regional one
//! under 50 ms.

use criterion::{Criterion, criterion_group, criterion_main};
use maillage_app::mail::Mailer;
use maillage_app::networks::NetworkFilter;
use maillage_app::{App, AppConfig};
use maillage_domain::NetworkKind;
use maillage_store::testing::fresh_store;
use std::hint::black_box;

fn figures(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    for count in [3_500, 20_000] {
        let outbox = tempfile::tempdir().unwrap();
        let (db, app) = runtime.block_on(async {
            let db = fresh_store().await.unwrap();
            let app =
                App::new(db.store.clone(), Mailer::Outbox(outbox.path().to_owned()), AppConfig::default());
            app.load_demo(count, maillage_demo::DEFAULT_SEED, &|_, _| {}).await.unwrap();
            (db, app)
        });
        let networks = runtime.block_on(app.networks(&NetworkFilter::default())).unwrap();
        let national = networks.iter().find(|n| n.kind == NetworkKind::National).unwrap();
        // The largest regional network, and a small one.
        let mut regional: Vec<_> = networks.iter().filter(|n| n.kind == NetworkKind::Regional).collect();
        regional.sort_by_key(|n| std::cmp::Reverse(n.places));
        let (largest, smallest) = (regional[0], regional[regional.len() - 1]);
        for (label, network) in
            [("national", national), ("regional, largest", largest), ("regional, smallest", smallest)]
        {
            let once = runtime.block_on(app.network_figures_fresh(network.id, 10.0)).unwrap();
            assert!(once.covered_share.is_some(), "{} has member places", network.name);
            eprintln!(
                "{count} places, {label}: {} ({} places, {:.0} inhabitants, {:.1} % within 10 km)",
                network.name,
                once.places,
                once.population,
                once.covered_share.unwrap() * 100.0
            );
            c.bench_function(&format!("network figures, {count} places, {label}"), |b| {
                b.iter(|| runtime.block_on(app.network_figures_fresh(black_box(network.id), 10.0)).unwrap())
            });
        }
        drop(app);
        drop(db);
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = figures
}
criterion_main!(benches);
