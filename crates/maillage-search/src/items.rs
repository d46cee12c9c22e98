//! The index of one kind of content (places today; networks, communities, resources,
//! events next): its items in a stable order, each with a compact filter key, and the text
//! index over their terms. What the items and keys hold is the kind's business; keeping
//! them sorted, reusing unchanged items from one revision to the next, and finding the
//! candidates of a text query is done once, here.
//!
//! An index is immutable: a new revision is a new index built from the previous one's
//! unchanged items (`carry`) and the items read again (`Items::new`).

use crate::{CompiledQuery, Dictionary, DocTerms, Postings};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

/// What the index needs of an item, whatever its kind.
pub trait Indexed: Send + Sync {
    type Id: Copy + Eq + Hash + Ord + Send + Sync;
    fn id(&self) -> Self::Id;
    /// Moves at every change of the item: an item still at its version is reused as is.
    fn version(&self) -> i64;
    /// Items are kept in this order (then by id): lists without another sort follow it.
    fn order(&self) -> &str;
    /// The item's weighted terms, numbered in the index's dictionary.
    fn terms(&self) -> &DocTerms;
    /// Heap bytes the item holds besides itself (for logs and benchmarks).
    fn heap_bytes(&self) -> usize {
        self.terms().len() * 4
    }
}

/// The items of one kind at one revision, sorted, with their filter keys side by side (a
/// filter scans the keys and reads an item only when its key passes) and their postings.
#[derive(Debug)]
pub struct Items<E, K> {
    entries: Vec<Arc<E>>,
    keys: Vec<K>,
    /// The dictionary the items' terms are numbered in, shared with the next revisions.
    dict: Arc<Dictionary>,
    postings: Postings,
}

fn by_order<E: Indexed, K>(a: &(Arc<E>, K), b: &(Arc<E>, K)) -> std::cmp::Ordering {
    a.0.order().cmp(b.0.order()).then(a.0.id().cmp(&b.0.id()))
}

impl<E: Indexed, K: Copy> Items<E, K> {
    /// An index of `kept` (items of the previous index still current, in its order, as
    /// given by [`Items::carry`]) and `fresh` (new versions, any order).
    pub fn new(kept: Vec<(Arc<E>, K)>, mut fresh: Vec<(Arc<E>, K)>, dict: Arc<Dictionary>) -> Self {
        fresh.sort_by(by_order);
        // Merge two sorted runs: a small change costs a pass, not a sort of every item.
        let mut merged = Vec::with_capacity(kept.len() + fresh.len());
        let (mut a, mut b) = (kept.into_iter().peekable(), fresh.into_iter().peekable());
        loop {
            let take_kept = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => by_order(x, y) != std::cmp::Ordering::Greater,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            merged.extend(if take_kept { a.next() } else { b.next() });
        }
        let (entries, keys): (Vec<Arc<E>>, Vec<K>) = merged.into_iter().unzip();
        let postings = Postings::build(dict.len(), entries.iter().map(|e| &e.terms()[..]));
        Self { entries, keys, dict, postings }
    }

    /// An empty index with a new dictionary.
    pub fn empty() -> Self {
        Self::new(Vec::new(), Vec::new(), Arc::new(Dictionary::new()))
    }

    /// The items to carry into the next revision: those whose version in `current` (every
    /// stored item's id and version) is still theirs. They are removed from `current`,
    /// which is left with the items to read again. `None` when the dictionary has grown far
    /// beyond the terms in use (many edits of long texts): everything is then read again
    /// with a new dictionary.
    #[allow(clippy::type_complexity)]
    pub fn carry(&self, current: &mut HashMap<E::Id, i64>) -> Option<(Arc<Dictionary>, Vec<(Arc<E>, K)>)> {
        if self.dict.is_oversized(self.postings.live_terms()) {
            return None;
        }
        let mut kept = Vec::with_capacity(current.len());
        for (entry, key) in self.entries.iter().zip(self.keys.iter().copied()) {
            if current.get(&entry.id()) == Some(&entry.version()) {
                current.remove(&entry.id());
                kept.push((Arc::clone(entry), key));
            }
        }
        Some((Arc::clone(&self.dict), kept))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn dict(&self) -> &Dictionary {
        &self.dict
    }

    /// The item at a position of the order.
    pub fn entry(&self, i: usize) -> &Arc<E> {
        &self.entries[i]
    }

    /// The filter key of the item at a position.
    pub fn key(&self, i: usize) -> &K {
        &self.keys[i]
    }

    /// The positions a query can match, in order: its text hits, or every item when there
    /// is no query (or nothing in it to look up). The bool says whether the text matched,
    /// so that results can then be sorted by relevance.
    pub fn candidates(&self, query: Option<&CompiledQuery>) -> (Box<dyn Iterator<Item = usize> + '_>, bool) {
        match query.and_then(|q| self.postings.search(q)) {
            Some(hits) => (Box::new(hits.into_iter().map(|doc| doc as usize)), true),
            None => (Box::new(0..self.entries.len()), false),
        }
    }

    /// Approximate heap bytes held (for logs and benchmarks).
    pub fn heap_bytes(&self) -> usize {
        self.entries.iter().map(|e| e.heap_bytes() + std::mem::size_of::<E>() + 16).sum::<usize>()
            + self.keys.capacity() * std::mem::size_of::<K>()
            + self.entries.capacity() * 8
            + self.postings.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Query;

    /// A kind of content of the tests: a named note.
    #[derive(Debug)]
    struct Note {
        id: u32,
        version: i64,
        name: String,
        terms: DocTerms,
    }

    impl Indexed for Note {
        type Id = u32;
        fn id(&self) -> u32 {
            self.id
        }
        fn version(&self) -> i64 {
            self.version
        }
        fn order(&self) -> &str {
            &self.name
        }
        fn terms(&self) -> &DocTerms {
            &self.terms
        }
    }

    fn note(dict: &Dictionary, id: u32, version: i64, name: &str) -> (Arc<Note>, bool) {
        let terms = dict.document(&[(name, 1)]);
        (Arc::new(Note { id, version, name: name.into(), terms }), id.is_multiple_of(2))
    }

    fn names<K: Copy>(items: &Items<Note, K>) -> Vec<&str> {
        (0..items.len()).map(|i| items.entry(i).name.as_str()).collect()
    }

    #[test]
    fn items_are_kept_in_order_and_a_new_revision_reuses_what_did_not_change() {
        let dict = Arc::new(Dictionary::new());
        let fresh =
            vec![note(&dict, 3, 1, "cafe"), note(&dict, 1, 1, "atelier"), note(&dict, 2, 1, "bureau")];
        let first = Items::new(Vec::new(), fresh, Arc::clone(&dict));
        assert_eq!(names(&first), ["atelier", "bureau", "cafe"]);

        // Note 2 was edited (version 2, renamed), note 3 deleted, note 4 added.
        let mut current: HashMap<u32, i64> = [(1, 1), (2, 2), (4, 1)].into();
        let (dict, kept) = first.carry(&mut current).expect("dictionary not oversized");
        assert_eq!(kept.iter().map(|(e, _)| e.id).collect::<Vec<_>>(), [1]);
        assert!(Arc::ptr_eq(&kept[0].0, first.entry(0)), "an unchanged item is shared, not rebuilt");
        let mut left: Vec<u32> = current.keys().copied().collect();
        left.sort();
        assert_eq!(left, [2, 4], "what is left is what to read again");

        let fresh = vec![note(&dict, 4, 1, "zinc"), note(&dict, 2, 2, "alpha")];
        let second = Items::new(kept, fresh, dict);
        assert_eq!(names(&second), ["alpha", "atelier", "zinc"]);
        assert_eq!((0..3).map(|i| *second.key(i)).collect::<Vec<_>>(), [true, false, true]);
    }

    #[test]
    fn a_text_query_gives_its_hits_and_no_query_gives_everything() {
        let dict = Arc::new(Dictionary::new());
        let fresh = vec![note(&dict, 1, 1, "fablab des quais"), note(&dict, 2, 1, "médiathèque")];
        let items = Items::new(Vec::new(), fresh, Arc::clone(&dict));
        let query = dict.compile(&Query::parse("mediatheque"));
        let (hits, matched) = items.candidates(Some(&query));
        assert!(matched);
        assert_eq!(hits.map(|i| items.entry(i).id).collect::<Vec<_>>(), [2]);
        let (all, matched) = items.candidates(None);
        assert!(!matched);
        assert_eq!(all.count(), 2);
        assert!(Items::<Note, bool>::empty().is_empty());
    }
}
