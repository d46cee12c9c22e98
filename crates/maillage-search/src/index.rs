//! A compact inverted index held in memory: a dictionary of terms shared by every
//! snapshot of a content kind, each document's terms as packed numbers, and postings
//! rebuilt from those numbers when the documents change.
//!
//! Memory is what this layout is for: a directory of 200,000 places keeps a few bytes per
//! (document, term) pair — 4 in the document's own list (its term and weight, for
//! scoring), 4 in the postings — instead of a string per term and document.

use crate::Query;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;

/// A term's number in a [`Dictionary`].
pub type TermId = u32;

/// A document's terms: `(term << 8) | weight`, sorted by term (see [`Dictionary::document`]).
pub type DocTerms = Box<[u32]>;

/// Terms are numbered on 24 bits (the low 8 bits of a packed term hold its weight).
const TERM_LIMIT: usize = 1 << 24;

/// Every term seen, numbered in order of arrival. Append-only, so the numbers held by
/// documents and postings never change; shared (behind an `Arc`) by the snapshots built on
/// it. Terms of documents since deleted stay until the owner starts a new dictionary
/// (see [`Dictionary::is_oversized`]).
#[derive(Debug, Default)]
pub struct Dictionary {
    terms: RwLock<BTreeMap<Box<str>, TermId>>,
}

/// A query with its terms looked up in a dictionary.
#[derive(Debug, Clone, Default)]
pub struct CompiledQuery {
    /// The query's terms; `None` for a term no document has (nothing matches).
    terms: Vec<Option<TermId>>,
    /// Terms that start with the query's last word as typed (search as you type).
    prefixed: Vec<TermId>,
}

impl CompiledQuery {
    /// Whether the query filters at all (a query of stop words only does not).
    pub fn filters(&self) -> bool {
        !self.terms.is_empty()
    }
}

impl Dictionary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of distinct terms held.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the dictionary should be replaced by a new one: it holds many more terms than
    /// `live` (the terms still in use), or is close to the numbering limit.
    pub fn is_oversized(&self, live: usize) -> bool {
        let len = self.len();
        len >= TERM_LIMIT - 1_000_000 || len > 4 * live + 1_000_000
    }

    /// The packed terms of a document made of weighted fields (see
    /// [`document_terms`](crate::document_terms)), numbering the terms not seen before.
    /// Weights above 255 are capped.
    pub fn document(&self, fields: &[(&str, u32)]) -> DocTerms {
        let terms = crate::document_terms(fields);
        let mut ids: Vec<Option<TermId>> = {
            let known = self.read();
            terms.iter().map(|(t, _)| known.get(t.as_str()).copied()).collect()
        };
        if ids.iter().any(Option::is_none) {
            let mut known = self.terms.write().unwrap_or_else(|p| p.into_inner());
            for ((term, _), id) in terms.iter().zip(ids.iter_mut()).filter(|(_, id)| id.is_none()) {
                let next = known.len() as TermId;
                *id = Some(*known.entry(term.as_str().into()).or_insert(next));
            }
        }
        let mut packed: Vec<u32> = terms
            .iter()
            .zip(ids)
            // Every id was set above; `TERM_LIMIT` is far above any real vocabulary (the
            // owner replaces the dictionary well before, see `is_oversized`).
            .filter_map(|((_, weight), id)| id.map(|id| ((id & 0xFF_FFFF) << 8) | (*weight).min(255)))
            .collect();
        packed.sort_unstable();
        packed.into_boxed_slice()
    }

    /// Look the query's terms up.
    pub fn compile(&self, query: &Query) -> CompiledQuery {
        let known = self.read();
        let terms = query.terms.iter().map(|t| known.get(t.as_str()).copied()).collect();
        let prefixed = match &query.prefix {
            Some(prefix) if !query.terms.is_empty() => known
                .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                .take_while(|(t, _)| t.starts_with(prefix.as_str()))
                .map(|(_, id)| *id)
                .collect(),
            _ => Vec::new(),
        };
        CompiledQuery { terms, prefixed }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<Box<str>, TermId>> {
        self.terms.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// The term of a packed term.
fn term_of(packed: u32) -> TermId {
    packed >> 8
}

/// Documents numbered `0..n` with their terms: for each term, the documents that have it,
/// in order (compressed sparse rows: one array of documents, one of offsets per term).
#[derive(Debug, Clone, Default)]
pub struct Postings {
    offsets: Vec<u32>,
    docs: Vec<u32>,
    /// Terms that some document has.
    live_terms: usize,
}

impl Postings {
    /// Postings of `documents`, numbered in the order given. `terms` is the dictionary's
    /// size when the documents were made (every term number is below it).
    pub fn build<'a>(terms: usize, documents: impl Iterator<Item = &'a [u32]> + Clone) -> Self {
        let mut counts = vec![0u32; terms + 1];
        for doc in documents.clone() {
            for packed in doc {
                if let Some(c) = counts.get_mut(term_of(*packed) as usize + 1) {
                    *c += 1;
                }
            }
        }
        let live_terms = counts.iter().filter(|c| **c > 0).count();
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let mut docs = vec![0u32; counts.last().copied().unwrap_or(0) as usize];
        let mut next = counts.clone();
        for (n, doc) in documents.enumerate() {
            for packed in doc {
                if let Some(at) = next.get_mut(term_of(*packed) as usize) {
                    docs[*at as usize] = n as u32;
                    *at += 1;
                }
            }
        }
        Self { offsets: counts, docs, live_terms }
    }

    /// Number of distinct terms the documents have (to tell when a dictionary has grown
    /// far beyond them, see [`Dictionary::is_oversized`]).
    pub fn live_terms(&self) -> usize {
        self.live_terms
    }

    /// Number of (document, term) pairs.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Bytes held (for the owner's reports).
    pub fn heap_bytes(&self) -> usize {
        (self.offsets.capacity() + self.docs.capacity()) * 4
    }

    fn docs_of(&self, term: TermId) -> &[u32] {
        let t = term as usize;
        match (self.offsets.get(t), self.offsets.get(t + 1)) {
            (Some(from), Some(to)) => &self.docs[*from as usize..*to as usize],
            // A term numbered after these postings were built: no document here has it.
            _ => &[],
        }
    }

    /// The documents that contain every term of the query (the last one may also match as a
    /// prefix of a term, for search as you type), in document order. `None` when the query
    /// has no term: it does not filter.
    pub fn search(&self, query: &CompiledQuery) -> Option<Vec<u32>> {
        if query.terms.is_empty() {
            return None;
        }
        let last = query.terms.len() - 1;
        let mut matching: Option<Vec<u32>> = None;
        for (i, term) in query.terms.iter().enumerate() {
            let mut docs: Vec<u32> = term.map(|t| self.docs_of(t).to_vec()).unwrap_or_default();
            if i == last && !query.prefixed.is_empty() {
                for t in &query.prefixed {
                    docs.extend_from_slice(self.docs_of(*t));
                }
                docs.sort_unstable();
                docs.dedup();
            }
            let next = match matching {
                None => docs,
                Some(previous) => intersect(&previous, &docs),
            };
            let empty = next.is_empty();
            matching = Some(next);
            if empty {
                break;
            }
        }
        matching
    }
}

/// How well a document matches a query: the sum of the weights of the query's terms in it
/// (0 when none is).
pub fn score(doc: &[u32], query: &CompiledQuery) -> u32 {
    query
        .terms
        .iter()
        .flatten()
        .filter_map(|t| doc.binary_search_by_key(t, |p| term_of(*p)).ok().map(|at| doc[at] & 0xFF))
        .sum()
}

/// Intersection of two sorted lists.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        dict: Dictionary,
        docs: Vec<DocTerms>,
        postings: Postings,
    }

    fn index(fields: &[&[(&str, u32)]]) -> Fixture {
        let dict = Dictionary::new();
        let docs: Vec<DocTerms> = fields.iter().map(|f| dict.document(f)).collect();
        let postings = Postings::build(dict.len(), docs.iter().map(|d| &d[..]));
        Fixture { dict, docs, postings }
    }

    fn texts(texts: &[&str]) -> Fixture {
        let fields: Vec<Vec<(&str, u32)>> = texts.iter().map(|t| vec![(*t, 1)]).collect();
        let refs: Vec<&[(&str, u32)]> = fields.iter().map(Vec::as_slice).collect();
        index(&refs)
    }

    fn found(f: &Fixture, q: &str) -> Vec<u32> {
        f.postings.search(&f.dict.compile(&Query::parse(q))).unwrap_or_default()
    }

    #[test]
    fn every_query_term_must_be_present() {
        let idx = texts(&["Fabrique numérique de Lyon", "Fabrique de territoire", "Espace numérique"]);
        assert_eq!(found(&idx, "fabriques numeriques"), vec![0]);
        assert_eq!(found(&idx, "fabrique"), vec![0, 1]);
        assert_eq!(found(&idx, "cuisine"), Vec::<u32>::new());
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_while_typing() {
        let idx = texts(&["Fablab de la Vallée", "Coworking", "Le Fabuleux atelier"]);
        assert_eq!(found(&idx, "fabl"), vec![0]);
        assert_eq!(found(&idx, "fab"), vec![0, 2]);
        // Only the last word: "fab" typed first must be a whole term.
        assert_eq!(found(&idx, "fab atelier"), Vec::<u32>::new());
    }

    #[test]
    fn score_sums_the_weights_of_the_query_terms() {
        let idx = index(&[
            &[("Médiathèque", 8), ("médiathèque et ludothèque", 1)],
            &[("Ludothèque", 8), ("une médiathèque", 1)],
        ]);
        let q = idx.dict.compile(&Query::parse("mediatheque"));
        assert_eq!(idx.postings.search(&q).unwrap(), vec![0, 1]);
        assert_eq!((score(&idx.docs[0], &q), score(&idx.docs[1], &q)), (9, 1));
    }

    #[test]
    fn a_query_without_terms_does_not_filter() {
        let idx = texts(&["Coworking"]);
        assert!(idx.postings.search(&idx.dict.compile(&Query::parse("de la"))).is_none());
    }

    #[test]
    fn terms_keep_their_numbers_across_documents_and_rebuilds() {
        let dict = Dictionary::new();
        let a = dict.document(&[("atelier partagé", 1)]);
        let b = dict.document(&[("atelier", 1)]);
        assert_eq!(dict.len(), 2);
        assert_eq!(term_of(b[0]), term_of(a.iter().copied().find(|p| term_of(*p) == term_of(b[0])).unwrap()));
        // Postings built before a term existed answer "no document" for it.
        let old = Postings::build(dict.len(), [&a[..]].into_iter());
        let c = dict.document(&[("cuisine", 1)]);
        let q = dict.compile(&Query::parse("cuisine"));
        assert_eq!(old.search(&q), Some(vec![]));
        let new = Postings::build(dict.len(), [&a[..], &c[..]].into_iter());
        assert_eq!(new.search(&q), Some(vec![1]));
    }

    #[test]
    fn weights_are_capped_not_wrapped() {
        let dict = Dictionary::new();
        let doc = dict.document(&[("lieu", 300)]);
        assert_eq!(doc[0] & 0xFF, 255);
    }

    #[test]
    fn a_dictionary_is_oversized_when_most_of_its_terms_are_gone() {
        let dict = Dictionary::new();
        for i in 0..10 {
            dict.document(&[(&format!("mot{i}"), 1)]);
        }
        assert!(!dict.is_oversized(10));
        assert!(!dict.is_oversized(0), "a small dictionary is never worth replacing");
    }
}
