//! How long "open now" takes per place: the list filter evaluates it for every place
//! (about 3,500 for the whole of France), so one evaluation must stay in the microseconds.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use maillage_domain::fields::OpeningHours;
use std::hint::black_box;

const SAMPLES: &[&str] = &[
    "Mo-Fr 09:00-18:00; PH off",
    "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
    "Mo,We,Fr 14:00-19:00; Sa 10:00-12:30,14:00-18:00; Jul-Aug off; PH off",
    "24/7",
    "Mo-Su 08:00-20:00; Dec 24-Dec 26 off",
];

fn open_now(c: &mut Criterion) {
    let hours: Vec<OpeningHours> =
        SAMPLES.iter().map(|s| OpeningHours::parse(s).expect("sample hours are valid")).collect();
    // 3,500 places cycling over the samples, as the "open now" filter sees them.
    let places: Vec<&OpeningHours> = hours.iter().cycle().take(3500).collect();
    let at = Utc.with_ymd_and_hms(2026, 7, 7, 9, 30, 0).single().expect("valid instant");

    c.bench_function("is_open_at, one place", |b| b.iter(|| black_box(&hours[2]).is_open_at(black_box(at))));
    c.bench_function("is_open_at, 3500 places", |b| {
        b.iter(|| places.iter().filter(|h| h.is_open_at(black_box(at))).count())
    });
    c.bench_function("next_change, one place", |b| {
        b.iter(|| black_box(&hours[1]).next_change(black_box(at)))
    });
    c.bench_function("parse", |b| b.iter(|| OpeningHours::parse(black_box(SAMPLES[2]))));
}

criterion_group!(benches, open_now);
criterion_main!(benches);
