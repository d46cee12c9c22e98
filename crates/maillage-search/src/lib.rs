#![doc = include_str!("../README.md")]

mod index;
mod items;

pub use index::{CompiledQuery, Dictionary, DocTerms, Postings, TermId, score};
pub use items::{Indexed, Items};

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
use std::sync::OnceLock;

/// French stop words, folded (no accents), so they match after folding.
const STOP_WORDS: &[&str] = &[
    "a", "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux", "il", "je",
    "la", "le", "les", "leur", "lui", "ma", "mais", "me", "meme", "mes", "moi", "mon", "ne", "nos", "notre",
    "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa", "se", "ses", "son", "sur", "ta",
    "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "c", "d", "j", "l", "m", "n", "s",
    "t", "y", "est", "sont", "the", "of", "and",
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::French))
}

/// Terms of a text: folded (lower case, no accents), stop words removed, stemmed with the
/// French Snowball stemmer. Folding comes first so that a query typed without accents and
/// a text written with them give the same terms ("numeriques" and "numérique").
pub fn analyze(text: &str) -> Vec<String> {
    maillage_domain::text::fold(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        .map(|w| stemmer().stem(w).into_owned())
        .collect()
}

/// A parsed search query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Terms that must all be present.
    pub terms: Vec<String>,
    /// The word each term comes from, folded but not stemmed (to correct typos: a stemmer
    /// may cut a mistyped word where it would not cut the right one).
    pub words: Vec<String>,
    /// The last word as typed (folded, not stemmed), matched as a prefix too, so that
    /// results come while the user is still typing ("fabl" finds "fablab").
    pub prefix: Option<String>,
}

impl Query {
    pub fn parse(text: &str) -> Self {
        let folded = maillage_domain::text::fold(text);
        let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
        let prefix = words.last().filter(|w| w.len() >= 3 && !STOP_WORDS.contains(w)).map(|w| w.to_string());
        let (mut terms, mut originals) = (Vec::new(), Vec::new());
        for word in words.iter().filter(|w| !STOP_WORDS.contains(w)) {
            let term = stemmer().stem(word).into_owned();
            if !terms.contains(&term) {
                terms.push(term);
                originals.push((*word).to_owned());
            }
        }
        Self { terms, words: originals, prefix }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

/// Weighted terms of a document made of several fields (e.g. name ×4, summary ×2,
/// description ×1): the weight of a term is the sum of its field weights, used for ranking.
pub fn document_terms(fields: &[(&str, u32)]) -> Vec<(String, u32)> {
    let mut weights: HashMap<String, u32> = HashMap::new();
    for (text, weight) in fields {
        for term in analyze(text) {
            *weights.entry(term).or_default() += weight;
        }
    }
    let mut out: Vec<(String, u32)> = weights.into_iter().collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_and_unaccented_query_matches_accented_singular_text() {
        let doc = analyze("Fabrique numérique de territoire");
        for term in analyze("fabriques numeriques") {
            assert!(doc.contains(&term), "{term} not in {doc:?}");
        }
    }

    #[test]
    fn stop_words_are_dropped() {
        assert_eq!(analyze("la maison de l'ESS"), analyze("maison ESS"));
    }

    #[test]
    fn query_keeps_the_last_word_as_prefix() {
        let q = Query::parse("atelier fabl");
        assert_eq!(q.prefix.as_deref(), Some("fabl"));
        assert_eq!(Query::parse("de").terms, Vec::<String>::new());
        assert!(Query::parse("  ").is_empty());
    }

    #[test]
    fn document_terms_sum_field_weights() {
        let terms = document_terms(&[("Médiathèque", 4), ("une médiathèque ouverte", 1)]);
        let media = terms.iter().find(|(t, _)| t.starts_with("mediath")).unwrap();
        assert_eq!(media.1, 5);
    }
}
