//! The demo network's 3,387 places (`data/bench/places_demo.csv`: `id,lon,lat,capacity,type`),
//! shared by the benchmarks and the `france` example.

use maillage_territory::analysis::{PlaceRow, Supply};

pub fn places() -> Supply {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/bench/places_demo.csv");
    let mut reader = csv::Reader::from_path(path).expect("data/bench/places_demo.csv is readable");
    let rows: Vec<PlaceRow> = reader
        .records()
        .map(|r| {
            let r = r.expect("a CSV record");
            PlaceRow {
                id: r[0].to_owned(),
                lon: r[1].parse().expect("lon"),
                lat: r[2].parse().expect("lat"),
                capacity: r[3].parse().ok(),
                types: vec![r[4].to_owned()],
            }
        })
        .collect();
    Supply::new(rows).expect("valid places")
}
