//! Target: the whole reference geography loads in under 200 ms (release).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use maillage_territory::Reference;

fn reference(c: &mut Criterion) {
    let mut group = c.benchmark_group("reference");
    group.sample_size(20);
    group.bench_function("load", |b| b.iter(|| Reference::load().map(|r| r.communes().len())));
    group.finish();

    let reference = Reference::shared();
    c.bench_function("search_communes saint etienne", |b| {
        b.iter(|| reference.search_communes(black_box("saint etienne"), 10).len())
    });
    c.bench_function("search_communes postal code", |b| {
        b.iter(|| reference.search_communes(black_box("69003"), 10).len())
    });
    c.bench_function("nearest_commune", |b| {
        b.iter(|| reference.nearest_commune(black_box(45.4397), black_box(4.3872)).map(|(c, _)| c.population))
    });
    c.bench_function("resolve_commune", |b| {
        b.iter(|| reference.resolve_commune(black_box("75011"), black_box("PARIS 11")).map(|c| c.population))
    });
    c.bench_function("locate_commune former name", |b| {
        let query = maillage_domain::CommuneQuery {
            postal_code: Some("74600"),
            name: Some("Seynod"),
            ..maillage_domain::CommuneQuery::default()
        };
        b.iter(|| reference.locate_commune(black_box(&query)).map(|(c, _)| c.population))
    });
    c.bench_function("locate_commune nearest", |b| {
        let query = maillage_domain::CommuneQuery {
            postal_code: Some("74370"),
            name: Some("Lieu-dit Les Contamines"),
            point: Some((45.938, 6.131)),
            ..maillage_domain::CommuneQuery::default()
        };
        b.iter(|| reference.locate_commune(black_box(&query)).map(|(c, _)| c.population))
    });
}

criterion_group!(benches, reference);
criterion_main!(benches);
