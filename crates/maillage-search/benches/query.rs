//! A text query over a large directory: 200,000 documents whose names draw on ~100,000
//! distinct words, as a national directory has. An exact word is a dictionary look-up; a
//! mistyped word scans the dictionary for terms a typo away; a pair written apart ("fab
//! lab") looks the joined word up too. The issue's target for a list with a text search is
//! p99 < 20 ms for the whole request.

use criterion::{Criterion, criterion_group, criterion_main};
use maillage_search::{Dictionary, Postings, Query};
use std::hint::black_box;

/// A pronounceable word from a number (deterministic, ~100,000 distinct).
fn word(mut n: u64) -> String {
    const SYLLABLES: &[&str] =
        &["ba", "co", "di", "fa", "ge", "lo", "mu", "ni", "pa", "ro", "sa", "tu", "ve", "zo"];
    let mut w = String::new();
    for _ in 0..4 {
        w.push_str(SYLLABLES[(n % SYLLABLES.len() as u64) as usize]);
        n /= SYLLABLES.len() as u64;
    }
    w
}

fn query(c: &mut Criterion) {
    let dict = Dictionary::new();
    let mut seed = 7u64;
    let mut next = || {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % 100_000
    };
    let docs: Vec<_> = (0..200_000)
        .map(|i| {
            let name = format!(
                "{} {} fablab {}",
                word(next()),
                word(next()),
                if i % 3 == 0 { "lyon" } else { "nantes" }
            );
            dict.document(&[(&name, 8), ("espace numérique", 1)])
        })
        .collect();
    let postings = Postings::build(dict.len(), docs.iter().map(|d| &d[..]));
    let run = |text: &str| {
        let q = dict.compile(&Query::parse(text));
        postings.search(&q).map_or(0, |hits| hits.len())
    };
    assert!(run("lyom fablab") > 60_000, "the typo finds Lyon");
    assert!(run("fab lab lyon") > 60_000, "the pair finds fablab");
    c.bench_function("query, exact words (lyon fablab)", |b| b.iter(|| run(black_box("lyon fablab"))));
    c.bench_function("query, one typo (lyom fablab)", |b| b.iter(|| run(black_box("lyom fablab"))));
    c.bench_function("query, a pair written apart (fab lab lyon)", |b| {
        b.iter(|| run(black_box("fab lab lyon")))
    });
    c.bench_function("compile only, a word nobody has (xqzwvk)", |b| {
        b.iter(|| dict.compile(&Query::parse(black_box("xqzwvk"))))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = query
}
criterion_main!(benches);
