//! Duplicate detection over the whole directory: 20,000 places of the demo generator, of
//! which 1 in 20 is written a second time nearby with small differences (case, an article,
//! a place-type word, the address's punctuation, a point a few metres away), as a second
//! import or a person adding a place already there would. The target: under 2 s.
//!
//! It also prints the precision and recall of the rule on that labelled set, and those of
//! the simple rule (same commune and the same folded name).

use criterion::{Criterion, criterion_group, criterion_main};
use maillage_domain::duplicates::{Candidate, find_duplicates};
use std::collections::HashSet;
use std::hint::black_box;

fn labelled(count: usize) -> (Vec<Candidate>, HashSet<(usize, usize)>) {
    let demo =
        maillage_demo::demo_data(maillage_territory::Reference::shared(), count, maillage_demo::DEFAULT_SEED);
    let mut places: Vec<Candidate> = demo
        .places
        .iter()
        .map(|p| Candidate {
            id: p.source_id.clone(),
            name: p.input.name.clone().unwrap_or_default(),
            address: p.input.address.clone().unwrap_or_default(),
            commune_code: p.input.commune_code.clone().unwrap_or_default(),
            commune_name: p.input.commune_name.clone().unwrap_or_default(),
            lat: p.input.latitude.unwrap_or_default(),
            lon: p.input.longitude.unwrap_or_default(),
            siret: None,
        })
        .collect();
    let mut truth = HashSet::new();
    let originals = places.len();
    for i in (0..originals).step_by(20) {
        let mut copy = places[i].clone();
        copy.id = format!("{}-bis", copy.id);
        copy.name = match i % 3 {
            0 => copy.name.to_uppercase(),
            1 => format!("Espace {}", copy.name),
            _ => copy.name.replace(' ', "-"),
        };
        copy.address = copy.address.replace(' ', ", ").replace("rue", "Rue");
        copy.lat += 0.0003;
        copy.lon -= 0.0002;
        truth.insert((i, places.len()));
        places.push(copy);
    }
    (places, truth)
}

fn scores(found: &HashSet<(usize, usize)>, truth: &HashSet<(usize, usize)>) -> (f64, f64) {
    let right = found.intersection(truth).count() as f64;
    (right / found.len().max(1) as f64, right / truth.len().max(1) as f64)
}

fn detection(c: &mut Criterion) {
    let (places, truth) = labelled(20_000);
    let found: HashSet<(usize, usize)> =
        find_duplicates(&places).into_iter().map(|(i, j, _)| (i, j)).collect();
    let (precision, recall) = scores(&found, &truth);
    // The simple rule: the same commune and the same name once folded.
    let mut simple = HashSet::new();
    let mut by_key: std::collections::HashMap<(String, String), Vec<usize>> = Default::default();
    for (i, p) in places.iter().enumerate() {
        by_key.entry((p.commune_code.clone(), maillage_domain::text::fold(&p.name))).or_default().push(i);
    }
    for members in by_key.values() {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                simple.insert((i.min(j), i.max(j)));
            }
        }
    }
    let (sp, sr) = scores(&simple, &truth);
    eprintln!(
        "{} places, {} true pairs: rule precision {:.3} recall {:.3} ({} pairs); same commune + same folded name: precision {:.3} recall {:.3}",
        places.len(),
        truth.len(),
        precision,
        recall,
        found.len(),
        sp,
        sr
    );
    c.bench_function(&format!("duplicate detection, {} places", places.len()), |b| {
        b.iter(|| find_duplicates(black_box(&places)).len())
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = detection
}
criterion_main!(benches);
