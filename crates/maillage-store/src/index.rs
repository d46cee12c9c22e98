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
    pub(crate) place: Place,
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
        Self { place, name_folded, equipment_folded, terms }
    }
}

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
    text: maillage_search::Index,
}

/// A selection: positions in the snapshot with their distance to `near`'s point.
pub(crate) struct Selection<'a> {
    pub(crate) places: Vec<&'a Place>,
    pub(crate) distances_km: Vec<f64>,
    pub(crate) total: u64,
}

impl Snapshot {
    pub(crate) fn new(revision: i64, mut entries: Vec<Arc<Entry>>) -> Self {
        entries.sort_by(|a, b| a.name_folded.cmp(&b.name_folded).then(a.place.id.cmp(&b.place.id)));
        let mut text = maillage_search::Index::new();
        for (i, entry) in entries.iter().enumerate() {
            text.add(i as u32, &entry.terms);
        }
        Self { revision, entries, text }
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
    ) -> Selection<'_> {
        let statuses: &[PlaceStatus] =
            if filter.statuses.is_empty() { &[PlaceStatus::Published] } else { &filter.statuses };
        let equipment = filter.equipment.as_deref().map(fold).filter(|e| !e.is_empty());
        let text_hits = filter.text.as_ref().and_then(|q| self.text.search(q));
        // Candidates in name order with their text score; without a query, every place.
        let candidates: Box<dyn Iterator<Item = (usize, u32)> + '_> = match &text_hits {
            Some(hits) => Box::new(hits.iter().map(|(doc, score)| (*doc as usize, *score))),
            None => Box::new((0..self.entries.len()).map(|i| (i, 0))),
        };
        let center = filter.near.map(|(lat, lon, radius)| (Coordinates { lat, lon }, radius));
        let mut matches: Vec<(usize, u32, f64)> = Vec::new();
        for (i, score) in candidates {
            let entry = &self.entries[i];
            let place = &entry.place;
            let d = &place.data;
            if !statuses.contains(&place.status)
                || !any_of(&filter.types, &d.types)
                || !any_of(&filter.services, &d.services)
                || !any_of(&filter.labels, &d.labels)
                || !any_of(&filter.publics, &d.publics)
                || filter.commune.as_ref().is_some_and(|c| *c != d.commune_code.as_str())
                || filter.epci.as_ref().is_some_and(|c| Some(c) != d.epci.as_ref())
                || filter.departement.as_ref().is_some_and(|c| *c != d.departement)
                || filter.region.as_ref().is_some_and(|c| *c != d.region)
                || filter.is_demo.is_some_and(|demo| demo != place.is_demo)
                || managed.is_some_and(|ids| !ids.contains(&place.id))
            {
                continue;
            }
            if let Some(eq) = &equipment
                && !entry.equipment_folded.iter().any(|e| e.contains(eq.as_str()))
            {
                continue;
            }
            if let Some((min_lon, min_lat, max_lon, max_lat)) = filter.bbox {
                let (lat, lon) = (d.location.lat, d.location.lon);
                if lat < min_lat || lat > max_lat || lon < min_lon || lon > max_lon {
                    continue;
                }
            }
            let mut distance = 0.0;
            if let Some((point, radius)) = &center {
                distance = point.distance_km(&d.location);
                if distance > *radius {
                    continue;
                }
            }
            if let Some(at) = filter.open_at
                && !d.opening_hours.as_ref().is_some_and(|h| h.is_open_at(at))
            {
                continue;
            }
            matches.push((i, score, distance));
        }
        // Candidates come in name order: stable sorts keep it among equals.
        match filter.sort {
            PlaceSort::Relevance if text_hits.is_some() => matches.sort_by(|a, b| b.1.cmp(&a.1)),
            PlaceSort::Distance if center.is_some() => matches.sort_by(|a, b| a.2.total_cmp(&b.2)),
            PlaceSort::Updated => matches
                .sort_by(|a, b| self.entries[b.0].place.updated_at.cmp(&self.entries[a.0].place.updated_at)),
            _ => {}
        }
        let total = matches.len() as u64;
        let page = matches.iter().skip(usize::try_from(offset).unwrap_or(usize::MAX)).take(limit as usize);
        let (places, distances_km): (Vec<&Place>, Vec<f64>) =
            page.map(|(i, _, distance)| (&self.entries[*i].place, *distance)).unzip();
        let distances_km = if center.is_some() { distances_km } else { Vec::new() };
        Selection { places, distances_km, total }
    }
}

/// An empty filter lets everything through; otherwise one of its values must be present.
fn any_of<T: PartialEq>(wanted: &[T], present: &[T]) -> bool {
    wanted.is_empty() || wanted.iter().any(|w| present.contains(w))
}
