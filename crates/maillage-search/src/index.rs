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

/// A query with its terms looked up in a dictionary: one slot per word, each satisfied by
/// any of its terms. A word the dictionary does not know is looked for among the terms one
/// typo away ("lyom" → lyon; two typos for long words); two words written apart that the
/// documents write as one ("fab lab" → fablab) make one slot satisfied either way.
#[derive(Debug, Clone, Default)]
pub struct CompiledQuery {
    slots: Vec<Slot>,
    /// Terms that start with the query's last word as typed (search as you type).
    prefixed: Vec<TermId>,
}

#[derive(Debug, Clone, Default)]
struct Slot {
    /// The terms that satisfy the slot, with how much their weight is divided by when
    /// scoring (as a shift: 0 for the word itself, 1 for a term a typo away). Empty when
    /// nothing is near: nothing matches.
    any: Vec<(TermId, u8)>,
    /// For a joined pair: the two words' own slots, which together also satisfy it.
    apart: Option<Box<(Slot, Slot)>>,
}

/// Typos tolerated in a word of `len` characters: none under 4, one up to 7, two beyond.
fn typos_allowed(len: usize) -> usize {
    match len {
        0..4 => 0,
        4..8 => 1,
        _ => 2,
    }
}

/// At most this many terms stand for one mistyped word (the nearest first).
const FUZZY_MAX: usize = 16;

/// Optimal string alignment distance (insertions, deletions, substitutions and swaps of
/// two neighbours), or `None` beyond `max`.
fn distance_within(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    let mut two_back: Vec<usize> = vec![0; n + 1];
    let mut previous: Vec<usize> = (0..=n).collect();
    let mut current = vec![0; n + 1];
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1).min(current[j - 1] + 1).min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(two_back[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut two_back, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    Some(previous[n]).filter(|d| *d <= max)
}

impl CompiledQuery {
    /// Whether the query filters at all (a query of stop words only does not).
    pub fn filters(&self) -> bool {
        !self.slots.is_empty()
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

    /// Look the query's terms up (see [`CompiledQuery`]).
    pub fn compile(&self, query: &Query) -> CompiledQuery {
        let known = self.read();
        let slot_of = |i: usize| {
            let term = query.terms[i].as_str();
            match known.get(term) {
                Some(id) => Slot { any: vec![(*id, 0)], apart: None },
                None => Slot {
                    any: Self::near(&known, term, query.words.get(i).map_or(term, String::as_str)),
                    apart: None,
                },
            }
        };
        let mut slots = Vec::with_capacity(query.terms.len());
        let mut i = 0;
        while i < query.terms.len() {
            let joined = query.terms.get(i + 1).map(|next| format!("{}{next}", query.terms[i]));
            match joined.as_deref().and_then(|j| known.get(j)) {
                Some(id) => {
                    let apart = (slot_of(i), slot_of(i + 1));
                    slots.push(Slot { any: vec![(*id, 0)], apart: Some(Box::new(apart)) });
                    i += 2;
                }
                None => {
                    slots.push(slot_of(i));
                    i += 1;
                }
            }
        }
        let prefixed = match &query.prefix {
            Some(prefix) if !query.terms.is_empty() => known
                .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                .take_while(|(t, _)| t.starts_with(prefix.as_str()))
                .map(|(_, id)| *id)
                .collect(),
            _ => Vec::new(),
        };
        // The last word is still being typed: when it starts terms, it is not a typo.
        if !prefixed.is_empty()
            && let Some(last) = slots.last_mut()
            && last.apart.is_none()
        {
            last.any.retain(|(_, shift)| *shift == 0);
        }
        CompiledQuery { slots, prefixed }
    }

    /// The terms a typo or two away from a word no document has (see [`typos_allowed`]):
    /// its stem `term` compared with each term, or the word as typed compared with a term
    /// as long as the term (a term is a stem: the word's ending is not compared).
    fn near(known: &BTreeMap<Box<str>, TermId>, term: &str, word: &str) -> Vec<(TermId, u8)> {
        let stem: Vec<char> = term.chars().collect();
        let typed: Vec<char> = word.chars().collect();
        let max = typos_allowed(typed.len().max(stem.len()));
        if max == 0 {
            return Vec::new();
        }
        let mut found: Vec<(usize, TermId)> = known
            .iter()
            // Lengths far apart cannot be near: skipped before any work.
            .filter(|(candidate, _)| {
                let n = candidate.len();
                n.abs_diff(term.len()) <= max || (n >= 4 && word.len() > n && word.len() - n <= 4 + max)
            })
            .filter_map(|(candidate, id)| {
                let candidate: Vec<char> = candidate.chars().collect();
                let by_stem = distance_within(&stem, &candidate, max);
                // The typed word's start, as long as the candidate (a stem of four letters
                // or more, and an ending of at most four letters beyond it).
                let by_word = (candidate.len() >= 4
                    && typed.len() > candidate.len()
                    && typed.len() - candidate.len() <= 4)
                    .then(|| {
                        distance_within(&typed[..candidate.len()], &candidate, typos_allowed(candidate.len()))
                    })
                    .flatten();
                by_stem.into_iter().chain(by_word).min().map(|d| (d, *id))
            })
            .collect();
        found.sort_unstable();
        found.into_iter().take(FUZZY_MAX).map(|(_, id)| (id, 1)).collect()
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
        if query.slots.is_empty() {
            return None;
        }
        let last = query.slots.len() - 1;
        let mut matching: Option<Vec<u32>> = None;
        for (i, slot) in query.slots.iter().enumerate() {
            let mut docs = self.docs_of_slot(slot);
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

    /// The documents that satisfy a slot, in order.
    fn docs_of_slot(&self, slot: &Slot) -> Vec<u32> {
        let mut docs: Vec<u32> = Vec::new();
        for (term, _) in &slot.any {
            docs.extend_from_slice(self.docs_of(*term));
        }
        if let Some(apart) = &slot.apart {
            docs.extend(intersect(&self.docs_of_slot(&apart.0), &self.docs_of_slot(&apart.1)));
        }
        if slot.any.len() > 1 || slot.apart.is_some() {
            docs.sort_unstable();
            docs.dedup();
        }
        docs
    }
}

/// How well a document matches a query: for each word, the weight of its best term in the
/// document (halved for a term a typo away; both words for a pair written apart), summed
/// (0 when none is).
pub fn score(doc: &[u32], query: &CompiledQuery) -> u32 {
    fn slot_score(doc: &[u32], slot: &Slot) -> u32 {
        let best = slot
            .any
            .iter()
            .filter_map(|(t, shift)| {
                doc.binary_search_by_key(t, |p| term_of(*p)).ok().map(|at| ((doc[at] & 0xFF) >> shift).max(1))
            })
            .max()
            .unwrap_or(0);
        let apart = slot.apart.as_ref().map_or(0, |a| {
            let (x, y) = (slot_score(doc, &a.0), slot_score(doc, &a.1));
            if x > 0 && y > 0 { x + y } else { 0 }
        });
        best.max(apart)
    }
    query.slots.iter().map(|s| slot_score(doc, s)).sum()
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
    fn a_typo_still_finds_the_word_and_ranks_below_the_right_spelling() {
        let idx = texts(&["Espace numérique de Lyon", "Fablab de Lille", "Coworking de Nantes"]);
        assert_eq!(found(&idx, "lyom"), vec![0], "one typo in a 4-letter word");
        assert_eq!(found(&idx, "numerqiue"), vec![0], "two letters swapped");
        assert_eq!(found(&idx, "nantse lyon"), Vec::<u32>::new(), "every word must still match");
        assert_eq!(found(&idx, "cowroking nantes"), vec![2]);
        assert_eq!(found(&idx, "zzzz"), Vec::<u32>::new(), "far from everything: nothing");
        assert_eq!(found(&idx, "lyo"), vec![0], "short words are not corrected, only completed");
        assert_eq!(found(&idx, "lil"), vec![1]);
        let weighted = index(&[&[("Espace numérique de Lyon", 8)]]);
        let exact = weighted.dict.compile(&Query::parse("lyon"));
        let typo = weighted.dict.compile(&Query::parse("lyom"));
        assert_eq!(
            (score(&weighted.docs[0], &exact), score(&weighted.docs[0], &typo)),
            (8, 4),
            "a typo counts half"
        );
    }

    #[test]
    fn two_words_written_as_one_in_the_documents_are_found_either_way() {
        let idx = texts(&["Fablab des Quais", "Le Fab et son lab", "Atelier"]);
        assert_eq!(found(&idx, "fab lab"), vec![0, 1], "joined in one, apart in the other");
        assert_eq!(found(&idx, "fablab"), vec![0]);
    }

    #[test]
    fn the_distance_counts_swaps_and_stops_early() {
        let d = |a: &str, b: &str, max| {
            distance_within(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>(), max)
        };
        assert_eq!(d("lyon", "lyom", 1), Some(1));
        assert_eq!(d("numerique", "numerqiue", 1), Some(1), "a swap is one edit");
        assert_eq!(d("lyon", "paris", 2), None);
        assert_eq!(d("abc", "abc", 0), Some(0));
        assert_eq!(d("fablab", "fablabs", 1), Some(1));
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
