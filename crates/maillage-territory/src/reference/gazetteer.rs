//! The domain's [`Gazetteer`]: what validation and import need of the reference data.

use maillage_domain::{CommuneRef, Gazetteer};

use super::search::name_key;
use super::{Commune, CommuneKind, Reference};

impl From<&Commune> for CommuneRef {
    fn from(c: &Commune) -> Self {
        CommuneRef {
            code: c.code.clone(),
            name: c.name.clone(),
            departement: c.departement.clone(),
            region: c.region.clone(),
            epci: c.epci.clone(),
            postal_codes: c.postal_codes.clone(),
            population: c.population,
            lon: c.lon,
            lat: c.lat,
        }
    }
}

/// A name reduced to what identifies a commune in an address: the name key without the
/// word "arrondissement", without "CEDEX" and what follows it, and with ordinals as
/// numbers, so that "PARIS 11", "Paris 11e" and "Paris 11e Arrondissement" all read `paris 11`.
fn address_key(name: &str) -> String {
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
fn departements_of_postal_code(postal_code: &str) -> Vec<String> {
    if postal_code.len() != 5 || !postal_code.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    match &postal_code[..2] {
        "20" => vec!["2A".to_owned(), "2B".to_owned()],
        "97" | "98" => vec![postal_code[..3].to_owned()],
        prefix => vec![prefix.to_owned()],
    }
}

impl Reference {
    /// The commune a postal code and a name, as people write them, point to; `None` when
    /// unknown or ambiguous. See the [`Gazetteer::resolve`] implementation.
    pub fn resolve_commune(&self, postal_code: &str, name: &str) -> Option<&Commune> {
        let postal_code = postal_code.trim();
        let key = address_key(name);
        let candidates = self.communes_by_postal_code(postal_code);
        if key.is_empty() {
            return self.single(postal_code, candidates);
        }
        let same_name = |c: &&Commune| address_key(&c.name) == key;
        let matches: Vec<&Commune> = candidates.iter().copied().filter(same_name).collect();
        if !matches.is_empty() {
            return self.single(postal_code, matches);
        }
        // Business postal codes (CEDEX) and typos in them are common: fall back on the
        // name within the département(s) the postal code designates, or all of France
        // when no postal code is given.
        let departements = departements_of_postal_code(postal_code);
        let matches: Vec<&Commune> = if postal_code.is_empty() {
            self.communes().filter(same_name).collect()
        } else {
            departements.iter().flat_map(|d| self.communes_in_departement(d)).filter(same_name).collect()
        };
        self.single(postal_code, matches)
    }

    /// The one commune among `found`, where a city counts as its arrondissement when the
    /// postal code designates exactly one of them (`Lyon` + `69003` → Lyon 3e).
    fn single<'a>(&'a self, postal_code: &str, found: Vec<&'a Commune>) -> Option<&'a Commune> {
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
}

impl Gazetteer for Reference {
    fn commune(&self, code: &str) -> Option<CommuneRef> {
        Reference::commune(self, code.trim()).map(CommuneRef::from)
    }

    fn communes_by_postal_code(&self, postal_code: &str) -> Vec<CommuneRef> {
        Reference::communes_by_postal_code(self, postal_code).into_iter().map(CommuneRef::from).collect()
    }

    /// Matches the name, written any way (accents, case, hyphens, "St", "11e
    /// Arrondissement"), against the communes of the postal code; then, for CEDEX or
    /// mistyped codes, against the communes of the postal code's département. A city with
    /// arrondissements resolves to the arrondissement of the postal code when there is
    /// exactly one. With an empty name, the postal code alone must designate one commune.
    fn resolve(&self, postal_code: &str, name: &str) -> Option<CommuneRef> {
        self.resolve_commune(postal_code, name).map(CommuneRef::from)
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
}
