//! The places as an in-memory index: filters, sorting and full-text search over a snapshot
//! of the `places` table, which the store rebuilds whenever the places revision changes
//! (see `Store::place_snapshot`). Reading the revision is one small query, so every server
//! sharing a database answers from data at least as new as the last committed write.
//!
//! A snapshot is immutable and shared (`Arc`): requests filter it without locks or copies,
//! and a rebuild reuses the entries whose `(id, version)` did not change. It holds what
//! filters, sorting and scoring need (keys, folded name, term numbers), never whole places:
//! the page shown is read by id (see `Store::list_places`).

use crate::places::{PlaceFilter, PlaceSort};
use chrono::{DateTime, Utc};
use maillage_domain::fields::{Coordinates, OpeningHours};
use maillage_domain::place::PlaceData;
use maillage_domain::text::fold;
use maillage_domain::vocab::PlaceType;
use maillage_domain::vocab::Vocabulary;
use maillage_domain::{Place, PlaceId, PlaceStatus};
use maillage_search::{Dictionary, DocTerms, Indexed, Items};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// One place with what filtering, sorting and scoring need, computed once per version.
/// The place itself is not kept: a page reads its places by id ([`crate::places`]'s bounded
/// cache), so the index of 200,000 places weighs tens of megabytes, not a gigabyte.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) id: PlaceId,
    pub(crate) version: i64,
    /// For "most recently updated first".
    updated_at: DateTime<Utc>,
    name_folded: Box<str>,
    /// Folded equipment items, each followed by a newline.
    equipment_folded: Box<str>,
    /// Shared by every place with the same hours text.
    hours: Option<Arc<OpeningHours>>,
    terms: DocTerms,
}

/// What a rebuild shares between the places it reads: the term dictionary, the territory
/// codes' numbers, and opening hours by text.
pub(crate) struct Interner<'a> {
    pub(crate) dict: &'a Dictionary,
    pub(crate) codes: &'a mut Codes,
    pub(crate) hours: HashMap<String, Arc<OpeningHours>>,
}

impl Entry {
    /// The entry of a place and its filter key.
    pub(crate) fn new(place: Place, interner: &mut Interner<'_>) -> (Self, Key) {
        let d = &place.data;
        let mut equipment_folded = String::new();
        for item in &d.equipment {
            equipment_folded.push_str(&fold(item));
            equipment_folded.push('\n');
        }
        let hours = d.opening_hours.as_ref().map(|h| {
            let text = h.to_string();
            Arc::clone(interner.hours.entry(text).or_insert_with(|| Arc::new(h.clone())))
        });
        let codes = &mut *interner.codes;
        let key = Key {
            status: place.status,
            is_demo: place.is_demo,
            types: mask(&d.types),
            services: mask(&d.services),
            labels: mask(&d.labels),
            publics: mask(&d.publics),
            support: mask(&d.support),
            fees: mask(&d.fees),
            commune: codes.intern(d.commune_code.as_str()),
            city: d.commune_code.city().map_or(NONE, |c| codes.intern(c)),
            epci: d.epci.as_deref().map_or(NONE, |e| codes.intern(e)),
            departement: codes.intern(&d.departement),
            region: codes.intern(&d.region),
            lat: d.location.lat,
            lon: d.location.lon,
        };
        let entry = Self {
            id: place.id,
            version: place.version,
            updated_at: place.updated_at,
            name_folded: fold(&d.name).into_boxed_str(),
            equipment_folded: equipment_folded.into_boxed_str(),
            hours,
            terms: search_terms_of(d, interner.dict),
        };
        (entry, key)
    }
}

/// The fields most filters test, packed side by side for all places: a filter scans this
/// array (16 MB for 200,000 places) and reads an entry only when it passes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Key {
    status: PlaceStatus,
    is_demo: bool,
    types: u64,
    services: u64,
    labels: u64,
    publics: u64,
    support: u64,
    fees: u64,
    commune: u32,
    /// Paris, Lyon or Marseille for a place in one of their arrondissements.
    city: u32,
    epci: u32,
    departement: u32,
    region: u32,
    lat: f64,
    lon: f64,
}

impl Key {
    /// The place's types, from their bits.
    fn types(&self) -> Vec<PlaceType> {
        PlaceType::ALL
            .iter()
            .enumerate()
            .filter(|(i, _)| self.types & (1u64 << i) != 0)
            .map(|(_, t)| *t)
            .collect()
    }
}

/// A set of vocabulary terms as bits, by their position in the vocabulary.
/// Vocabularies have a few dozen terms at most (checked by a test): 64 bits hold them.
fn mask<T: Vocabulary + PartialEq>(values: &[T]) -> u64 {
    values.iter().filter_map(|v| T::ALL.iter().position(|t| t == v)).fold(0, |m, i| m | (1u64 << i))
}

/// Small numbers for the codes of communes, EPCI, départements and régions. Carried from
/// one snapshot to the next (numbers never change), so that reused keys stay right.
#[derive(Debug, Default, Clone)]
pub(crate) struct Codes(HashMap<String, u32>);

impl Codes {
    fn intern(&mut self, code: &str) -> u32 {
        if let Some(n) = self.0.get(code) {
            return *n;
        }
        let next = self.0.len() as u32;
        self.0.insert(code.to_owned(), next);
        next
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
fn search_terms_of(data: &PlaceData, dict: &Dictionary) -> DocTerms {
    let types: Vec<&str> = data.types.iter().map(|t| t.label_fr()).collect();
    let services: Vec<&str> = data.services.iter().map(|t| t.label_fr()).collect();
    let labels: Vec<&str> = data.labels.iter().map(|t| t.label_fr()).collect();
    dict.document(&[
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

/// All places at one revision, sorted by folded name then id, with their text index: the
/// generic index of a content kind ([`Items`]) with places' entries and keys, and the
/// numbers of the territory codes their keys use.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) revision: i64,
    pub(crate) items: Items<Entry, Key>,
    pub(crate) codes: Codes,
    /// The published places' ids, gathered on first use ([`PublishedPlaces`]).
    pub(crate) published: std::sync::OnceLock<HashSet<PlaceId>>,
}

/// The places published at one revision of the index: to count a network's visible places.
#[derive(Debug, Clone)]
pub struct PublishedPlaces(pub(crate) Arc<Snapshot>);

impl PublishedPlaces {
    /// How many of `ids` are published.
    pub fn count<'a>(&self, ids: impl IntoIterator<Item = &'a PlaceId>) -> usize {
        let snapshot = &self.0;
        let published = snapshot.published.get_or_init(|| {
            (0..snapshot.items.len())
                .filter(|&i| snapshot.items.key(i).status == PlaceStatus::Published)
                .map(|i| snapshot.items.entry(i).id)
                .collect()
        });
        ids.into_iter().filter(|id| published.contains(id)).count()
    }
}

impl crate::kinds::Revisioned for Snapshot {
    fn revision(&self) -> i64 {
        self.revision
    }
}

impl Indexed for Entry {
    type Id = PlaceId;
    fn id(&self) -> PlaceId {
        self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
    fn order(&self) -> &str {
        &self.name_folded
    }
    fn terms(&self) -> &DocTerms {
        &self.terms
    }
    fn heap_bytes(&self) -> usize {
        self.name_folded.len() + self.equipment_folded.len() + self.terms.len() * 4
    }
}

/// A selection: one page of entries with their distance to `near`'s point.
pub(crate) struct Selection {
    pub(crate) entries: Vec<Arc<Entry>>,
    pub(crate) distances_km: Vec<f64>,
    pub(crate) total: u64,
}

/// A place's point and types, for analyses (no need to read the place).
#[derive(Debug, Clone)]
pub struct PlacePoint {
    pub id: PlaceId,
    pub lat: f64,
    pub lon: f64,
    pub types: Vec<PlaceType>,
    /// Its département's code.
    pub departement: String,
}

impl Snapshot {
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Approximate heap bytes held (for the rebuild's log).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.items.heap_bytes()
    }

    /// The places matching a filter, sorted as it asks, one page of them. `managed` is the
    /// set of places the filter is restricted to (those its `managed_by` user manages, those
    /// of its network: read by the caller).
    pub(crate) fn select(
        &self,
        filter: &PlaceFilter,
        managed: Option<&HashSet<PlaceId>>,
        offset: u64,
        limit: u64,
    ) -> Selection {
        let matches = self.matches(filter, managed);
        let center = filter.near.is_some();
        let total = matches.len() as u64;
        let page = matches.iter().skip(usize::try_from(offset).unwrap_or(usize::MAX)).take(limit as usize);
        let mut entries = Vec::new();
        let mut distances_km = Vec::new();
        for (i, _, distance) in page {
            entries.push(Arc::clone(self.items.entry(*i)));
            if center {
                distances_km.push(*distance);
            }
        }
        Selection { entries, distances_km, total }
    }

    /// Every matching place's id and version, in the filter's order (exports, maps).
    pub(crate) fn select_all(
        &self,
        filter: &PlaceFilter,
        managed: Option<&HashSet<PlaceId>>,
    ) -> Vec<(PlaceId, i64)> {
        self.matches(filter, managed)
            .into_iter()
            .map(|(i, _, _)| (self.items.entry(i).id, self.items.entry(i).version))
            .collect()
    }

    /// Every matching place's point and types, read from the index alone.
    pub(crate) fn points(&self, filter: &PlaceFilter, managed: Option<&HashSet<PlaceId>>) -> Vec<PlacePoint> {
        let names: HashMap<u32, &str> = self.codes.0.iter().map(|(code, n)| (*n, code.as_str())).collect();
        self.matches(filter, managed)
            .into_iter()
            .map(|(i, _, _)| {
                let k = self.items.key(i);
                PlacePoint {
                    id: self.items.entry(i).id,
                    lat: k.lat,
                    lon: k.lon,
                    types: k.types(),
                    departement: names.get(&k.departement).map_or_else(String::new, |c| (*c).to_owned()),
                }
            })
            .collect()
    }

    /// `(entry, score, distance)` of every match, sorted.
    fn matches(&self, filter: &PlaceFilter, managed: Option<&HashSet<PlaceId>>) -> Vec<(usize, u32, f64)> {
        let statuses: &[PlaceStatus] =
            if filter.statuses.is_empty() { &[PlaceStatus::Published] } else { &filter.statuses };
        let (types, services, labels, publics) =
            (mask(&filter.types), mask(&filter.services), mask(&filter.labels), mask(&filter.publics));
        let (support, fees) = (mask(&filter.support), mask(&filter.fees));
        let wanted = [
            self.codes.wanted(filter.commune.as_ref()),
            self.codes.wanted(filter.epci.as_ref()),
            self.codes.wanted(filter.departement.as_ref()),
            self.codes.wanted(filter.region.as_ref()),
        ];
        let equipment = filter.equipment.as_deref().map(fold).filter(|e| !e.is_empty());
        let query = filter.text.as_ref().map(|q| self.items.dict().compile(q));
        // Candidates in name order; without a query, every place.
        let (candidates, text_matched) = self.items.candidates(query.as_ref());
        let center = filter.near.map(|(lat, lon, radius)| (Coordinates { lat, lon }, radius));
        let mut matches: Vec<(usize, u32, f64)> = Vec::new();
        for i in candidates {
            let k = self.items.key(i);
            let codes = [k.commune, k.epci, k.departement, k.region];
            if !statuses.contains(&k.status)
                || (types != 0 && k.types & types == 0)
                || (services != 0 && k.services & services == 0)
                || (labels != 0 && k.labels & labels == 0)
                || (publics != 0 && k.publics & publics == 0)
                || (support != 0 && k.support & support == 0)
                || (fees != 0 && k.fees & fees == 0)
                || wanted[1..].iter().zip(&codes[1..]).any(|(w, code)| w.is_some_and(|w| w != Some(*code)))
                || wanted[0].is_some_and(|w| w != Some(k.commune) && w != Some(k.city))
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
            // Rarer filters read the entry.
            let entry = self.items.entry(i);
            if managed.is_some_and(|ids| !ids.contains(&entry.id)) {
                continue;
            }
            if let Some(eq) = &equipment
                && !entry.equipment_folded.split('\n').any(|e| !e.is_empty() && e.contains(eq.as_str()))
            {
                continue;
            }
            if let Some(at) = filter.open_at
                && !entry.hours.as_ref().is_some_and(|h| h.is_open_at(at))
            {
                continue;
            }
            matches.push((i, 0, distance));
        }
        // Candidates come in name order: stable sorts keep it among equals.
        match filter.sort {
            PlaceSort::Relevance if let Some(query) = query.as_ref().filter(|_| text_matched) => {
                // Scored only now, for the places that passed every filter.
                for m in matches.iter_mut() {
                    m.1 = maillage_search::score(&self.items.entry(m.0).terms, query);
                }
                matches.sort_by_key(|m| std::cmp::Reverse(m.1));
            }
            PlaceSort::Distance if center.is_some() => matches.sort_by(|a, b| a.2.total_cmp(&b.2)),
            PlaceSort::Updated => {
                let updated = |i: usize| self.items.entry(i).updated_at;
                matches.sort_by_key(|m| std::cmp::Reverse(updated(m.0)))
            }
            _ => {}
        }
        matches
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::vocab::{Fee, Label, Public, Service, Support};

    #[test]
    fn every_vocabulary_fits_in_a_mask() {
        assert!(PlaceType::ALL.len() <= 64);
        assert!(Service::ALL.len() <= 64);
        assert!(Label::ALL.len() <= 64);
        assert!(Public::ALL.len() <= 64);
        assert!(Support::ALL.len() <= 64);
        assert!(Fee::ALL.len() <= 64);
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
