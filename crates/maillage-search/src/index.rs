//! An inverted index held in memory, rebuilt from the database when it changes.

use crate::Query;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Documents numbered `0..n` by their owner, with weighted terms (see
/// [`document_terms`](crate::document_terms)). Terms are kept in order, so a prefix is a
/// range of the map.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Term → `(document, weight)`, in document order.
    postings: BTreeMap<Box<str>, Vec<(u32, u32)>>,
    documents: u32,
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a document's terms. Documents must be added in increasing order of their
    /// number (postings then stay sorted without a sort).
    ///
    /// # Panics
    /// When `doc` is not above every document added before: a programming error.
    pub fn add(&mut self, doc: u32, terms: &[(String, u32)]) {
        assert!(doc >= self.documents, "documents must be added in increasing order");
        self.documents = doc + 1;
        for (term, weight) in terms {
            match self.postings.get_mut(term.as_str()) {
                Some(list) => list.push((doc, *weight)),
                None => {
                    self.postings.insert(term.as_str().into(), vec![(doc, *weight)]);
                }
            }
        }
    }

    /// Number of distinct terms.
    pub fn terms(&self) -> usize {
        self.postings.len()
    }

    /// The documents that contain every term of the query (the last one may also match as a
    /// prefix of a term, for search as you type), in document order. `None` when the query
    /// has no term: it does not filter.
    pub fn search(&self, query: &Query) -> Option<Vec<u32>> {
        if query.terms.is_empty() {
            return None;
        }
        let last = query.terms.len() - 1;
        let mut matching: Option<Vec<u32>> = None;
        for (i, term) in query.terms.iter().enumerate() {
            let mut docs: Vec<u32> = self.docs_of(term).collect();
            if let (true, Some(prefix)) = (i == last, &query.prefix) {
                let range = self
                    .postings
                    .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                    .take_while(|(t, _)| t.starts_with(prefix.as_str()));
                for (_, list) in range {
                    docs.extend(list.iter().map(|(d, _)| *d));
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

    /// How well a document matches a query: the sum of the weights of the query's terms in
    /// it (0 when none is).
    pub fn score(&self, query: &Query, doc: u32) -> u32 {
        query
            .terms
            .iter()
            .filter_map(|t| self.postings.get(t.as_str()))
            .filter_map(|list| list.binary_search_by_key(&doc, |(d, _)| *d).ok().map(|at| list[at].1))
            .sum()
    }

    fn docs_of<'a>(&'a self, term: &str) -> impl Iterator<Item = u32> + 'a {
        self.postings.get(term).into_iter().flat_map(|list| list.iter().map(|(d, _)| *d))
    }
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
    use crate::document_terms;

    fn index(texts: &[&str]) -> Index {
        let mut index = Index::new();
        for (i, text) in texts.iter().enumerate() {
            index.add(i as u32, &document_terms(&[(text, 1)]));
        }
        index
    }

    fn found(index: &Index, q: &str) -> Vec<u32> {
        index.search(&Query::parse(q)).unwrap_or_default()
    }

    #[test]
    fn every_query_term_must_be_present() {
        let idx = index(&["Fabrique numérique de Lyon", "Fabrique de territoire", "Espace numérique"]);
        assert_eq!(found(&idx, "fabriques numeriques"), vec![0]);
        assert_eq!(found(&idx, "fabrique"), vec![0, 1]);
        assert_eq!(found(&idx, "cuisine"), Vec::<u32>::new());
    }

    #[test]
    fn the_last_word_matches_as_a_prefix_while_typing() {
        let idx = index(&["Fablab de la Vallée", "Coworking", "Le Fabuleux atelier"]);
        assert_eq!(found(&idx, "fabl"), vec![0]);
        assert_eq!(found(&idx, "fab"), vec![0, 2]);
        // Only the last word: "fab" typed first must be a whole term.
        assert_eq!(found(&idx, "fab atelier"), Vec::<u32>::new());
    }

    #[test]
    fn score_sums_the_weights_of_the_query_terms() {
        let mut idx = Index::new();
        idx.add(0, &document_terms(&[("Médiathèque", 8), ("médiathèque et ludothèque", 1)]));
        idx.add(1, &document_terms(&[("Ludothèque", 8), ("une médiathèque", 1)]));
        let q = Query::parse("mediatheque");
        assert_eq!(idx.search(&q).unwrap(), vec![0, 1]);
        assert_eq!((idx.score(&q, 0), idx.score(&q, 1)), (9, 1));
    }

    #[test]
    fn a_query_without_terms_does_not_filter() {
        let idx = index(&["Coworking"]);
        assert!(idx.search(&Query::parse("de la")).is_none());
    }
}
