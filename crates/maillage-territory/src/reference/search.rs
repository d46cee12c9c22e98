//! Finding communes by what people type: names with or without accents, abbreviations,
//! word prefixes, INSEE codes and postal codes.

use std::cmp::Reverse;

use maillage_domain::text::fold;

use super::{Commune, Reference};

/// How the French abbreviate "saint" in place names.
pub(super) fn expand(word: &str) -> &str {
    match word {
        "st" => "saint",
        "ste" => "sainte",
        "sts" => "saints",
        "stes" => "saintes",
        other => other,
    }
}

/// A name folded for comparison: lower case, no accents, hyphens and apostrophes as spaces,
/// abbreviations spelt out: `"St-Étienne"` → `"saint etienne"`.
pub(super) fn name_key(name: &str) -> String {
    let folded = fold(name);
    let mut key = String::with_capacity(folded.len() + 8);
    for word in folded.split(' ').filter(|w| !w.is_empty()) {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(expand(word));
    }
    key
}

/// How well a name matches a query; lower ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Code,
    PostalCode,
    ExactName,
    NamePrefix,
    WordPrefixes,
}

/// Each query word starts a word of the name, in order: "saint eti" matches
/// "saint etienne", "st eti" too (an abbreviation may still be a prefix being typed).
fn words_match(query_words: &[&str], name_key: &str) -> bool {
    let mut name_words = name_key.split(' ');
    query_words.iter().all(|&q| {
        let expanded = expand(q);
        name_words.any(|w| w.starts_with(q) || (expanded != q && w.starts_with(expanded)))
    })
}

impl Reference {
    /// Communes and arrondissements matching a free-text query, best first, at most `limit`.
    ///
    /// The query may be a name written any way ("saint etienne", "ST-ÉTIENNE", "saint eti"),
    /// an INSEE code (`42218`, `2A004`) or a postal code (`42000`). Ranking: exact code, then
    /// exact name, then names starting with the query, then names whose words start with
    /// the query's words; within each, larger population first. An empty query finds nothing.
    pub fn search_communes(&self, query: &str, limit: usize) -> Vec<&Commune> {
        let query = query.trim();
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<(Tier, usize)> = Vec::new();
        if query.len() == 5 && query.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let upper = query.to_ascii_uppercase();
            if let Some(&i) = self.commune_by_code.get(&upper) {
                hits.push((Tier::Code, i as usize));
            }
            if let Some(indexes) = self.by_postal_code.get(query) {
                hits.extend(indexes.iter().map(|&i| (Tier::PostalCode, i as usize)));
            }
        }
        let key = name_key(query);
        let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
        let raw = fold(query);
        let raw_words: Vec<&str> = raw.split(' ').filter(|w| !w.is_empty()).collect();
        // No commune name is made of digits alone: a postal code needs no name scan.
        if !words.is_empty() && !query.bytes().all(|b| b.is_ascii_digit()) {
            for (i, name) in self.name_keys.iter().enumerate() {
                let tier = if *name == key {
                    Tier::ExactName
                } else if name.starts_with(&key) {
                    Tier::NamePrefix
                } else if words_match(&raw_words, name) {
                    Tier::WordPrefixes
                } else {
                    continue;
                };
                hits.push((tier, i));
            }
        }
        hits.sort_unstable_by_key(|&(tier, i)| (tier, Reverse(self.communes[i].population), i));
        let mut seen = std::collections::HashSet::new();
        hits.into_iter()
            .filter(|&(_, i)| seen.insert(i))
            .take(limit)
            .map(|(_, i)| &self.communes[i])
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_key_folds_accents_punctuation_and_abbreviations() {
        assert_eq!(name_key("Saint-Étienne"), "saint etienne");
        assert_eq!(name_key("ST ETIENNE"), "saint etienne");
        assert_eq!(name_key("Ste-Foy-lès-Lyon"), "sainte foy les lyon");
        assert_eq!(name_key("L'Haÿ-les-Roses"), "l hay les roses");
        assert_eq!(name_key("  "), "");
    }

    #[test]
    fn query_words_are_prefixes_of_name_words_in_order() {
        assert!(words_match(&["saint", "eti"], "saint etienne"));
        assert!(words_match(&["st", "eti"], "saint etienne"));
        assert!(words_match(&["etienne"], "saint etienne"));
        assert!(!words_match(&["etienne", "saint"], "saint etienne"));
        assert!(!words_match(&["saint", "xyz"], "saint etienne"));
    }
}
