//! Finding the commune of a record from what it says (INSEE code, postal code, name,
//! point), as real files write it: former communes merged since, names without their
//! article or suffix, postal town lines, CEDEX or neighbouring postal codes.
//!
//! Rules, in order (the first that designates exactly one commune wins; one that
//! designates several stops the search, ambiguous):
//! 1. the INSEE code: a current commune's, or a former commune's (→ its current commune);
//!    a code that is neither is refused, whatever else the record says;
//! 2. the name among the postal code's communes, then the names of their former
//!    communes, then the postal code's town lines (*libellés d'acheminement*): first as
//!    written (case, accents, hyphens, "St"), then without a leading article, then with or
//!    without a suffix ("Loriol" ↔ Loriol-sur-Drôme, "Sciez-sur-Léman" ↔ Sciez);
//! 3. the same names among the communes and former communes of the postal code's
//!    département (CEDEX codes, a neighbouring commune's code); without a postal code,
//!    among all of France;
//! 4. when the name is no commune's at all (a hamlet, a lieu-dit): the only commune of the
//!    postal code;
//! 5. the commune whose point is nearest to the record's point, among those of the postal
//!    code, or of its département when the code serves none, within [`NEAREST_MAX_KM`].

use maillage_domain::{CommuneMatch, CommuneQuery, NotLocated};

use super::search::name_key;
use super::{Commune, CommuneKind, Reference};
use crate::geo::haversine_km;

/// Farthest a record's point may be from the reference point of the commune chosen for it
/// by rule 5 (a large commune's outskirts are within it; another town is not).
pub const NEAREST_MAX_KM: f64 = 20.0;

/// Words that join a commune's name to its suffix ("Loriol-sur-Drôme", "Saint-Gervais-les-Bains").
const LINKING_WORDS: &[&str] =
    &["sur", "sous", "les", "lez", "en", "de", "du", "des", "d", "la", "le", "l", "aux", "au", "a", "pres"];
const ARTICLES: &[&str] = &["le", "la", "les", "l"];

/// A name reduced to what identifies a commune in an address: the name key without the
/// word "arrondissement", without "CEDEX" and what follows it, and with ordinals as
/// numbers, so that "PARIS 11", "Paris 11e" and "Paris 11e Arrondissement" all read `paris 11`.
pub(super) fn address_key(name: &str) -> String {
    let key = name_key(name);
    let mut out = String::with_capacity(key.len());
    for word in key.split(' ') {
        let word = match word {
            "arrondissement" | "arr" | "arrt" | "" => continue,
            "cedex" => break,
            w => ordinal_number(w).unwrap_or(w),
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `1er` → `1`, `11e` → `11`, `2eme` → `2`, `2nd` → `2`.
fn ordinal_number(word: &str) -> Option<&str> {
    let digits = word.find(|c: char| !c.is_ascii_digit())?;
    let (number, suffix) = word.split_at(digits);
    (!number.is_empty() && matches!(suffix, "e" | "er" | "eme" | "ere" | "nd" | "nde")).then_some(number)
}

/// Départements a postal code may belong to: its first two digits, three overseas, and
/// both Corsican départements for `20`.
pub(super) fn departements_of_postal_code(postal_code: &str) -> Vec<String> {
    if postal_code.len() != 5 || !postal_code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    match &postal_code[..2] {
        "20" => vec!["2A".to_owned(), "2B".to_owned()],
        "97" | "98" => vec![postal_code[..3].to_owned()],
        prefix => vec![prefix.to_owned()],
    }
}

/// How closely two address keys agree, closest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Closeness {
    /// Same key: only case, accents, punctuation or "St" differ.
    Exact,
    /// Same once a leading article is dropped ("Pont de Claix", Le Pont-de-Claix).
    Article,
    /// One is the other with a suffix ("Loriol", Loriol-sur-Drôme).
    Suffix,
}

/// The key without a leading article, when something follows it.
fn without_article(key: &str) -> &str {
    match key.split_once(' ') {
        Some((first, rest)) if ARTICLES.contains(&first) => rest,
        _ => key,
    }
}

/// `long` is `short` followed by a linking word and more: "loriol sur drome" extends "loriol".
fn extends(short: &str, long: &str) -> bool {
    long.strip_prefix(short)
        .and_then(|rest| rest.strip_prefix(' '))
        .and_then(|rest| rest.split(' ').next())
        .is_some_and(|word| LINKING_WORDS.contains(&word))
}

pub(super) fn closeness(query: &str, name: &str) -> Option<Closeness> {
    if query.is_empty() || name.is_empty() {
        return None;
    }
    if query == name {
        return Some(Closeness::Exact);
    }
    let (q, n) = (without_article(query), without_article(name));
    if q == n {
        Some(Closeness::Article)
    } else if extends(q, n) || extends(n, q) {
        Some(Closeness::Suffix)
    } else {
        None
    }
}

/// A former commune (delegated, associated, or a former code of a current commune).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Former {
    pub code: String,
    pub name: Option<String>,
    /// Index of the current commune.
    pub current: u32,
    /// `address_key` of the name, empty without a name.
    pub key: String,
}

/// A postal town line (*libellé d'acheminement*) that is not its commune's name.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PostalLabel {
    pub commune: u32,
    pub label: String,
    pub key: String,
}

/// One candidate of a rule: a commune index and how it was found.
type Hit = (u32, CommuneMatch);

impl Reference {
    /// The commune a record designates and the rule that found it (see the module doc).
    pub fn locate_commune(&self, query: &CommuneQuery<'_>) -> Result<(&Commune, CommuneMatch), NotLocated> {
        fn text(v: Option<&str>) -> Option<&str> {
            v.map(str::trim).filter(|v| !v.is_empty())
        }
        if let Some(code) = text(query.code) {
            let code = code.to_ascii_uppercase();
            if let Some(commune) = self.commune(&code) {
                return Ok((commune, CommuneMatch::Code));
            }
            return match self.former_by_code.get(&code) {
                Some(&f) => {
                    let former = &self.formers[f as usize];
                    Ok((
                        &self.communes[former.current as usize],
                        CommuneMatch::FormerCode {
                            former_code: former.code.clone(),
                            former_name: former.name.clone(),
                        },
                    ))
                }
                None => Err(NotLocated::UnknownCode),
            };
        }
        let postal_code = text(query.postal_code).unwrap_or("");
        let key = text(query.name).map(address_key).unwrap_or_default();
        let in_postal_code = self.by_postal_code.get(postal_code).map(Vec::as_slice).unwrap_or_default();
        let departements = departements_of_postal_code(postal_code);

        if !key.is_empty()
            && let Some(found) = self.by_name(postal_code, &key, in_postal_code, &departements)?
        {
            return Ok(found);
        }
        // Rule 4: a name that is no commune's (a hamlet) leaves the postal code to decide;
        // a name that is another commune's contradicts it.
        let name_is_a_commune =
            !key.is_empty() && (self.match_keys.contains(&key) || self.formers.iter().any(|f| f.key == key));
        if !in_postal_code.is_empty() && !name_is_a_commune {
            let communes: Vec<&Commune> =
                in_postal_code.iter().map(|&i| &self.communes[i as usize]).collect();
            if let Some(commune) = self.single(postal_code, communes) {
                return Ok((commune, CommuneMatch::PostalCode));
            }
        }
        // Rule 5: the nearest commune to the point.
        if let Some((lat, lon)) = query.point.filter(|(lat, lon)| lat.is_finite() && lon.is_finite()) {
            let candidates: Vec<u32> = if in_postal_code.is_empty() {
                departements
                    .iter()
                    .flat_map(|d| self.by_departement.get(d).into_iter().flatten().copied())
                    .collect()
            } else {
                in_postal_code.to_vec()
            };
            let nearest = candidates
                .into_iter()
                .map(|i| &self.communes[i as usize])
                // A city with arrondissements is represented by them.
                .filter(|c| !self.arrondissements_by_city.contains_key(&c.code))
                .map(|c| (c, haversine_km(lat, lon, c.lat, c.lon)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((commune, km)) = nearest.filter(|(_, km)| *km <= NEAREST_MAX_KM) {
                return Ok((commune, CommuneMatch::Nearest { km }));
            }
        }
        if !key.is_empty() || in_postal_code.is_empty() {
            return Err(NotLocated::Unknown);
        }
        Err(NotLocated::Ambiguous(self.describe(in_postal_code.iter().copied())))
    }

    /// Rules 2 and 3: the name, among ever wider sets of communes, ever more loosely.
    /// `Ok(None)` when nothing matches; `Err` when a rule finds several communes.
    fn by_name(
        &self,
        postal_code: &str,
        key: &str,
        in_postal_code: &[u32],
        departements: &[String],
    ) -> Result<Option<(&Commune, CommuneMatch)>, NotLocated> {
        let serves = |i: u32| in_postal_code.contains(&i);
        let labels = self.postal_labels.get(postal_code).map(Vec::as_slice).unwrap_or_default();
        let in_departements =
            |i: u32| departements.iter().any(|d| *d == self.communes[i as usize].departement);
        let tiers = [Closeness::Exact, Closeness::Article, Closeness::Suffix];
        // Within the postal code: current names, former names, town lines.
        for level in tiers {
            let hits: Vec<Hit> = in_postal_code
                .iter()
                .filter(|&&i| closeness(key, &self.match_keys[i as usize]) == Some(level))
                .map(|&i| {
                    (
                        i,
                        if level == Closeness::Exact {
                            CommuneMatch::Name
                        } else {
                            CommuneMatch::NameVariant
                        },
                    )
                })
                .collect();
            if let Some(found) = self.decide(postal_code, hits)? {
                return Ok(Some(found));
            }
            if let Some(found) = self.decide(postal_code, self.former_hits(key, level, serves))? {
                return Ok(Some(found));
            }
            let hits: Vec<Hit> = labels
                .iter()
                .filter(|l| closeness(key, &l.key) == Some(level))
                .map(|l| (l.commune, CommuneMatch::PostalLabel { label: l.label.clone() }))
                .collect();
            if let Some(found) = self.decide(postal_code, hits)? {
                return Ok(Some(found));
            }
        }
        // A postal code that does not serve the commune named: its département(s); no
        // postal code: all of France (a postal code of the wrong form: nowhere).
        if postal_code.is_empty() || !departements.is_empty() {
            let scope: Vec<u32> = if postal_code.is_empty() {
                self.by_departement.values().flatten().copied().collect()
            } else {
                departements
                    .iter()
                    .flat_map(|d| self.by_departement.get(d).into_iter().flatten().copied())
                    .collect()
            };
            for level in tiers {
                let hits: Vec<Hit> = scope
                    .iter()
                    .filter(|&&i| closeness(key, &self.match_keys[i as usize]) == Some(level))
                    .map(|&i| {
                        let how = match (postal_code.is_empty(), level) {
                            (true, Closeness::Exact) => CommuneMatch::Name,
                            (true, _) => CommuneMatch::NameVariant,
                            (false, _) => CommuneMatch::NameInDepartement {
                                departement: self.communes[i as usize].departement.clone(),
                            },
                        };
                        (i, how)
                    })
                    .collect();
                if let Some(found) = self.decide(postal_code, hits)? {
                    return Ok(Some(found));
                }
                let hits = self.former_hits(key, level, |i| postal_code.is_empty() || in_departements(i));
                if let Some(found) = self.decide(postal_code, hits)? {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }

    /// Former communes whose name matches at `level`, whose current commune passes `keep`.
    fn former_hits(&self, key: &str, level: Closeness, keep: impl Fn(u32) -> bool) -> Vec<Hit> {
        self.formers
            .iter()
            .filter(|f| keep(f.current) && closeness(key, &f.key) == Some(level))
            .map(|f| {
                let how = CommuneMatch::FormerName {
                    former_name: f.name.clone().unwrap_or_default(),
                    former_code: f.code.clone(),
                };
                (f.current, how)
            })
            .collect()
    }

    /// The one commune of a rule's hits (a city and its arrondissements count as one, see
    /// [`Reference::single`]); `Ok(None)` when there is none, `Err` when there are several.
    fn decide(
        &self,
        postal_code: &str,
        mut hits: Vec<Hit>,
    ) -> Result<Option<(&Commune, CommuneMatch)>, NotLocated> {
        hits.sort_by_key(|(i, _)| *i);
        hits.dedup_by_key(|(i, _)| *i);
        match hits.len() {
            0 => Ok(None),
            _ => {
                let communes: Vec<&Commune> = hits.iter().map(|(i, _)| &self.communes[*i as usize]).collect();
                match self.single(postal_code, communes) {
                    Some(commune) => {
                        let how = hits
                            .iter()
                            .find(|(i, _)| {
                                let c = &self.communes[*i as usize];
                                c.code == commune.code || commune.parent.as_deref() == Some(c.code.as_str())
                            })
                            .map(|(_, how)| how.clone())
                            .unwrap_or(CommuneMatch::Name);
                        Ok(Some((commune, how)))
                    }
                    None => Err(NotLocated::Ambiguous(self.describe(hits.iter().map(|(i, _)| *i)))),
                }
            }
        }
    }

    /// "Name (département)" of a few communes, for messages.
    fn describe(&self, indexes: impl Iterator<Item = u32>) -> Vec<String> {
        indexes
            .take(5)
            .map(|i| {
                let c = &self.communes[i as usize];
                format!("{} ({})", c.name, c.departement)
            })
            .collect()
    }

    /// The one commune among `found`, where a city counts as its arrondissement when the
    /// postal code designates exactly one of them (`Lyon` + `69003` → Lyon 3e).
    pub(super) fn single<'a>(&'a self, postal_code: &str, found: Vec<&'a Commune>) -> Option<&'a Commune> {
        let parent_listed = |c: &&Commune| {
            c.kind == CommuneKind::Arrondissement && found.iter().any(|f| Some(&f.code) == c.parent.as_ref())
        };
        // A city listed beside one of its arrondissements stands for that arrondissement.
        let found: Vec<&Commune> = if found.iter().any(parent_listed) {
            found.iter().copied().filter(|c| !self.arrondissements(&c.code).any(|_| true)).collect()
        } else {
            found
        };
        let [commune] = found.as_slice() else { return None };
        let mut in_postal_code =
            self.arrondissements(&commune.code).filter(|a| a.postal_codes.iter().any(|p| p == postal_code));
        match (in_postal_code.next(), in_postal_code.next()) {
            (Some(arrondissement), None) => Some(arrondissement),
            _ => Some(commune),
        }
    }

    /// Whether a name designates this commune: its own name (loosely: article, suffix), its
    /// city's or one of its arrondissements', a former commune's, or one of its town lines.
    pub fn name_designates(&self, commune: &Commune, name: &str) -> bool {
        let key = address_key(name);
        let Some(&index) = self.commune_by_code.get(&commune.code) else { return false };
        let close = |other: &str| closeness(&key, other).is_some();
        if close(&self.match_keys[index as usize]) {
            return true;
        }
        let parent = commune.parent.as_deref().and_then(|p| self.commune_by_code.get(p));
        if parent.is_some_and(|&p| close(&self.match_keys[p as usize])) {
            return true;
        }
        if self
            .arrondissements_by_city
            .get(&commune.code)
            .into_iter()
            .flatten()
            .any(|&a| close(&self.match_keys[a as usize]))
        {
            return true;
        }
        let mut owners = vec![index];
        owners.extend(parent.copied());
        if owners.iter().any(|o| {
            self.formers_of.get(o).into_iter().flatten().any(|&f| close(&self.formers[f as usize].key))
        }) {
            return true;
        }
        commune.postal_codes.iter().any(|pc| {
            self.postal_labels
                .get(pc)
                .into_iter()
                .flatten()
                .any(|l| owners.contains(&l.commune) && close(&l.key))
        })
    }

    /// The commune a postal code and a name, as people write them, point to; `None` when
    /// unknown or ambiguous (rules 2 to 4 of [`Reference::locate_commune`]).
    pub fn resolve_commune(&self, postal_code: &str, name: &str) -> Option<&Commune> {
        let query =
            CommuneQuery { postal_code: Some(postal_code), name: Some(name), ..CommuneQuery::default() };
        self.locate_commune(&query).ok().map(|(commune, _)| commune)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_key_reads_arrondissement_spellings_alike() {
        assert_eq!(address_key("PARIS 11"), "paris 11");
        assert_eq!(address_key("Paris 11e Arrondissement"), "paris 11");
        assert_eq!(address_key("Paris 11ème"), "paris 11");
        assert_eq!(address_key("Marseille 1er Arrondissement"), "marseille 1");
        assert_eq!(address_key("Lyon Cedex 03"), "lyon");
        assert_eq!(address_key("St-Étienne"), "saint etienne");
    }

    #[test]
    fn postal_code_designates_its_departements() {
        assert_eq!(departements_of_postal_code("42000"), ["42"]);
        assert_eq!(departements_of_postal_code("20000"), ["2A", "2B"]);
        assert_eq!(departements_of_postal_code("97400"), ["974"]);
        assert!(departements_of_postal_code("4200").is_empty());
        assert!(departements_of_postal_code("abcde").is_empty());
    }

    #[test]
    fn closeness_knows_articles_and_suffixes() {
        let close = |a: &str, b: &str| closeness(&address_key(a), &address_key(b));
        assert_eq!(close("SAINT-ETIENNE", "Saint-Étienne"), Some(Closeness::Exact));
        assert_eq!(close("Pont de Claix", "Le Pont-de-Claix"), Some(Closeness::Article));
        assert_eq!(close("Loriol", "Loriol-sur-Drôme"), Some(Closeness::Suffix));
        assert_eq!(close("Sciez-sur-Léman", "Sciez"), Some(Closeness::Suffix));
        assert_eq!(close("SAINT GERVAIS", "Saint-Gervais-les-Bains"), Some(Closeness::Suffix));
        assert_eq!(close("Saint", "Saint-Étienne"), None);
        assert_eq!(close("Annecy", "Annecy-le-Vieux"), Some(Closeness::Suffix));
        assert_eq!(close("Lyon", "Lyonnais"), None);
        assert_eq!(close("", "Lyon"), None);
    }
}
