//! The places as an in-memory index: filters, sorting and full-text search over a snapshot
//! of the `places` table, which the store rebuilds whenever the places revision changes
//! (see `Store::place_snapshot`). Reading the revision is one small query, so every server
//! sharing a database answers from data at least as new as the last committed write.
//!
//! A snapshot is immutable and shared (`Arc`): requests filter it without locks or copies,
//! and a rebuild reuses the entries whose `(id, version)` did not change.

use crate::places::{PlaceFilter, PlaceSort};
use maillage_domain::fields::Coordinates;
use maillage_domain::place::PlaceData;
use maillage_domain::text::fold;
use maillage_domain::vocab::Vocabulary;
use maillage_domain::{Place, PlaceId, PlaceStatus};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One place with what filtering needs, computed once per version.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) place: Arc<Place>,
    /// The place's JSON (its `Serialize`), written the first time a list shows it.
    json: std::sync::OnceLock<Arc<str>>,
    name_folded: String,
    equipment_folded: Vec<String>,
    terms: Vec<(String, u32)>,
}

impl Entry {
    pub(crate) fn new(place: Place) -> Self {
        let name_folded = fold(&place.data.name);
        let mut equipment_folded: Vec<String> = place.data.equipment.iter().map(|e| fold(e)).collect();
        equipment_folded.dedup();
        let terms = search_terms_of(&place.data);
        Self { place: Arc::new(place), json: Default::default(), name_folded, equipment_folded, terms }
    }
}

/// The fields most filters test, packed side by side for all places: a filter scans this
/// array (a few hundred kilobytes) and reads a place's full record only when it passes.
#[derive(Debug, Clone, Copy)]
struct Key {
    status: PlaceStatus,
    is_demo: bool,
    types: u128,
    services: u128,
    labels: u128,
    publics: u128,
    commune: u32,
    epci: u32,
    departement: u32,
    region: u32,
    lat: f64,
    lon: f64,
}

/// A set of vocabulary terms as bits, by their position in the vocabulary.
fn mask<T: Vocabulary + PartialEq>(values: &[T]) -> u128 {
    values.iter().filter_map(|v| T::ALL.iter().position(|t| t == v)).fold(0, |m, i| m | (1u128 << i))
}

/// Small numbers for the codes of communes, EPCI, départements and régions.
#[derive(Debug, Default)]
struct Codes(HashMap<String, u32>);

impl Codes {
    fn intern(&mut self, code: &str) -> u32 {
        let next = self.0.len() as u32;
        *self.0.entry(code.to_owned()).or_insert(next)
    }

    /// The number of a code asked for by a filter: `None` when no filter, `Some(None)` when
    /// no place has that code (nothing matches).
    fn wanted(&self, code: Option<&String>) -> Option<Option<u32>> {
        code.map(|c| self.0.get(c).copied())
    }
}

/// No EPCI (a few island communes).
const NONE: u32 = u32::MAX;

/// Weighted search terms of a place: its name counts most, then its types, commune, summary.
fn search_terms_of(data: &PlaceData) -> Vec<(String, u32)> {
    let types: Vec<&str> = data.types.iter().map(|t| t.label_fr()).collect();
    let services: Vec<&str> = data.services.iter().map(|t| t.label_fr()).collect();
    let labels: Vec<&str> = data.labels.iter().map(|t| t.label_fr()).collect();
    maillage_search::document_terms(&[
        (&data.name, 8),
        (&types.join(" "), 4),
        (&data.commune_name, 3),
        (&data.summary, 2),
        (&labels.join(" "), 2),
        (&services.join(" "), 1),
        (&data.equipment.join(" "), 1),
        (&data.description, 1),
    ])
}

/// All places at one revision, sorted by folded name then id, with their text index.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) revision: i64,
    entries: Vec<Arc<Entry>>,
    keys: Vec<Key>,
    codes: Codes,
    text: maillage_search::Index,
}

/// A selection: places with their distance to `near`'s point.
pub(crate) struct Selection {
    pub(crate) places: Vec<Arc<Place>>,
    pub(crate) json: Vec<Arc<str>>,
    pub(crate) distances_km: Vec<f64>,
    pub(crate) total: u64,
}

impl Snapshot {
    pub(crate) fn new(revision: i64, mut entries: Vec<Arc<Entry>>) -> Self {
        entries.sort_by(|a, b| a.name_folded.cmp(&b.name_folded).then(a.place.id.cmp(&b.place.id)));
        let mut text = maillage_search::Index::new();
        let mut codes = Codes::default();
        let mut keys = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            text.add(i as u32, &entry.terms);
            let (p, d) = (&entry.place, &entry.place.data);
            keys.push(Key {
                status: p.status,
                is_demo: p.is_demo,
                types: mask(&d.types),
                services: mask(&d.services),
                labels: mask(&d.labels),
                publics: mask(&d.publics),
                commune: codes.intern(d.commune_code.as_str()),
                epci: d.epci.as_deref().map_or(NONE, |e| codes.intern(e)),
                departement: codes.intern(&d.departement),
                region: codes.intern(&d.region),
                lat: d.location.lat,
                lon: d.location.lon,
            });
        }
        Self { revision, entries, keys, codes, text }
    }

    /// The entry of each `(id, version)`, to reuse in the next snapshot.
    pub(crate) fn entries_by_version(&self) -> HashMap<(PlaceId, i64), Arc<Entry>> {
        self.entries.iter().map(|e| ((e.place.id, e.place.version), Arc::clone(e))).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The places matching a filter, sorted as it asks, one page of them. `managed` is the
    /// set of places the filter's `managed_by` user manages (read by the caller).
    pub(crate) fn select(
        &self,
        filter: &PlaceFilter,
        managed: Option<&HashSet<PlaceId>>,
        offset: u64,
        limit: u64,
    ) -> Selection {
        let statuses: &[PlaceStatus] =
            if filter.statuses.is_empty() { &[PlaceStatus::Published] } else { &filter.statuses };
        let (types, services, labels, publics) =
            (mask(&filter.types), mask(&filter.services), mask(&filter.labels), mask(&filter.publics));
        let wanted = [
            self.codes.wanted(filter.commune.as_ref()),
            self.codes.wanted(filter.epci.as_ref()),
            self.codes.wanted(filter.departement.as_ref()),
            self.codes.wanted(filter.region.as_ref()),
        ];
        let equipment = filter.equipment.as_deref().map(fold).filter(|e| !e.is_empty());
        let text_hits = filter.text.as_ref().and_then(|q| self.text.search(q));
        // Candidates in name order; without a query, every place.
        let candidates: Box<dyn Iterator<Item = usize> + '_> = match &text_hits {
            Some(hits) => Box::new(hits.iter().map(|doc| *doc as usize)),
            None => Box::new(0..self.entries.len()),
        };
        let center = filter.near.map(|(lat, lon, radius)| (Coordinates { lat, lon }, radius));
        let mut matches: Vec<(usize, u32, f64)> = Vec::new();
        for i in candidates {
            let k = &self.keys[i];
            let codes = [k.commune, k.epci, k.departement, k.region];
            if !statuses.contains(&k.status)
                || (types != 0 && k.types & types == 0)
                || (services != 0 && k.services & services == 0)
                || (labels != 0 && k.labels & labels == 0)
                || (publics != 0 && k.publics & publics == 0)
                || wanted.iter().zip(codes).any(|(w, code)| w.is_some_and(|w| w != Some(code)))
                || filter.is_demo.is_some_and(|demo| demo != k.is_demo)
            {
                continue;
            }
            if let Some((min_lon, min_lat, max_lon, max_lat)) = filter.bbox
                && (k.lat < min_lat || k.lat > max_lat || k.lon < min_lon || k.lon > max_lon)
            {
                continue;
            }
            let mut distance = 0.0;
            if let Some((point, radius)) = &center {
                distance = point.distance_km(&Coordinates { lat: k.lat, lon: k.lon });
                if distance > *radius {
                    continue;
                }
            }
            // Rarer filters read the full record.
            let entry = &self.entries[i];
            if managed.is_some_and(|ids| !ids.contains(&entry.place.id)) {
                continue;
            }
            if let Some(eq) = &equipment
                && !entry.equipment_folded.iter().any(|e| e.contains(eq.as_str()))
            {
                continue;
            }
            if let Some(at) = filter.open_at
                && !entry.place.data.opening_hours.as_ref().is_some_and(|h| h.is_open_at(at))
            {
                continue;
            }
            matches.push((i, 0, distance));
        }
        // Candidates come in name order: stable sorts keep it among equals.
        match filter.sort {
            PlaceSort::Relevance
                if let Some(query) = filter.text.as_ref().filter(|_| text_hits.is_some()) =>
            {
                // Scored only now, for the places that passed every filter.
                for m in matches.iter_mut() {
                    m.1 = self.text.score(query, m.0 as u32);
                }
                matches.sort_by_key(|m| std::cmp::Reverse(m.1));
            }
            PlaceSort::Distance if center.is_some() => matches.sort_by(|a, b| a.2.total_cmp(&b.2)),
            PlaceSort::Updated => matches
                .sort_by(|a, b| self.entries[b.0].place.updated_at.cmp(&self.entries[a.0].place.updated_at)),
            _ => {}
        }
        let total = matches.len() as u64;
        let page = matches.iter().skip(usize::try_from(offset).unwrap_or(usize::MAX)).take(limit as usize);
        let mut places = Vec::new();
        let mut json = Vec::new();
        let mut distances_km = Vec::new();
        for (i, _, distance) in page {
            let entry = &self.entries[*i];
            places.push(Arc::clone(&entry.place));
            json.push(Arc::clone(entry.json.get_or_init(|| {
                // A place's fields are strings, numbers and lists: it always serialises.
                serde_json::to_string(&*entry.place).unwrap_or_else(|_| "{}".into()).into()
            })));
            if center.is_some() {
                distances_km.push(*distance);
            }
        }
        Selection { places, json, distances_km, total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::vocab::{Label, PlaceType, Public, Service};

    #[test]
    fn every_vocabulary_fits_in_a_mask() {
        assert!(PlaceType::ALL.len() <= 128);
        assert!(Service::ALL.len() <= 128);
        assert!(Label::ALL.len() <= 128);
        assert!(Public::ALL.len() <= 128);
    }

    #[test]
    fn masks_of_different_terms_do_not_overlap() {
        let all = PlaceType::ALL;
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_eq!(mask(&[*a]) & mask(&[*b]), 0);
            }
        }
        assert_eq!(mask::<PlaceType>(&[]), 0);
    }
}
