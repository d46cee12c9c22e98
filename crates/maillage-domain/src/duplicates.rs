//! Potential duplicates of the directory: two records of the same place, from two imports
//! or a person adding a place that was already there.
//!
//! The rule, as the national cartography of *lieux de médiation numérique* does it, with
//! its scores made explicit:
//! - the same SIRET (a legal entity's establishment number) is the same place;
//! - otherwise both places are in the same commune (or within [`NEAR_KM`] of each other
//!   across a commune boundary), and a score mixes the similarity of their names (half:
//!   the share of the shorter name's words found in the other, accents, case, articles and
//!   the commune's name ignored, so "Médiathèque de la Forge" and "La Forge" match and
//!   "Fablab de Rodez" and "Coworking de Rodez" do not), of their addresses (three
//!   tenths: the street number and name, "rue", "avenue"… ignored) and their distance
//!   (a fifth: 1 at the same point, 0 at [`NEAR_KM`]).
//!
//! A pair scoring at least [`THRESHOLD`] is a potential duplicate, for a person to merge or
//! to mark "not a duplicate". Candidates are compared within blocks of a commune and its
//! neighbouring grid cells, so 20,000 places take well under a second (`benches/`).

use crate::text::fold;
use std::collections::{HashMap, HashSet};

/// Two places farther apart than this are never duplicates (km), unless they share a SIRET.
pub const NEAR_KM: f64 = 0.5;
/// The score from which a pair is shown as a potential duplicate.
pub const THRESHOLD: f64 = 0.6;

/// What the detector compares of a place.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub address: String,
    pub commune_code: String,
    /// Its words are left out of names: "Médiathèque de Rodez" and "Fablab de Rodez" share
    /// only the town.
    pub commune_name: String,
    pub lat: f64,
    pub lon: f64,
    pub siret: Option<String>,
}

impl From<&crate::Place> for Candidate {
    fn from(p: &crate::Place) -> Self {
        Candidate {
            id: p.id.to_string(),
            name: p.data.name.clone(),
            address: p.data.address.clone(),
            commune_code: p.data.commune_code.to_string(),
            commune_name: p.data.commune_name.clone(),
            lat: p.data.location.lat,
            lon: p.data.location.lon,
            siret: p.data.siret.as_ref().map(|s| s.to_string()),
        }
    }
}

/// Why two places look like one.
#[derive(Debug, Clone, PartialEq)]
pub struct Similarity {
    /// 0 to 1.
    pub score: f64,
    pub same_siret: bool,
    pub name: f64,
    pub address: f64,
    pub distance_km: f64,
}

/// Words that say nothing about which place it is: articles and prepositions.
const ARTICLES: &[&str] =
    &["de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "sous"];
/// Words of an address that say nothing about where it is.
const STREET_WORDS: &[&str] = &[
    "rue",
    "avenue",
    "av",
    "bd",
    "boulevard",
    "place",
    "pl",
    "chemin",
    "allee",
    "route",
    "impasse",
    "quai",
    "cours",
    "bis",
    "ter",
];

fn words(s: &str, leave_out: &[&str], also: &HashSet<String>) -> HashSet<String> {
    fold(s)
        .split(' ')
        .filter(|w| !w.is_empty() && !ARTICLES.contains(w) && !leave_out.contains(w) && !also.contains(*w))
        .map(str::to_owned)
        .collect()
}

fn name_words(p: &Candidate) -> HashSet<String> {
    let town: HashSet<String> = fold(&p.commune_name).split(' ').map(str::to_owned).collect();
    words(&p.name, &[], &town)
}

fn address_words(p: &Candidate) -> HashSet<String> {
    words(&p.address, STREET_WORDS, &HashSet::new())
}

/// Shared words over the smaller set (so that "La Forge" and "Fablab La Forge" match), in 0–1.
fn overlap(a: &HashSet<String>, b: &HashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count() as f64;
    shared / a.len().min(b.len()) as f64
}

/// Distance on the sphere, km.
fn km(a: &Candidate, b: &Candidate) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().min(1.0).asin()
}

/// The similarity of two places, or `None` when they cannot be the same.
pub fn similarity(a: &Candidate, b: &Candidate) -> Option<Similarity> {
    let distance_km = km(a, b);
    let same_siret = matches!((&a.siret, &b.siret), (Some(x), Some(y)) if !x.is_empty() && x == y);
    if !same_siret && a.commune_code != b.commune_code && distance_km > NEAR_KM {
        return None;
    }
    let name = overlap(&name_words(a), &name_words(b));
    let address = overlap(&address_words(a), &address_words(b));
    let near = (1.0 - distance_km / NEAR_KM).max(0.0);
    let score = if same_siret { 1.0 } else { 0.5 * name + 0.3 * address + 0.2 * near };
    Some(Similarity { score, same_siret, name, address, distance_km })
}

/// Every pair of `places` scoring at least [`THRESHOLD`], best first, as indexes into it.
pub fn find_duplicates(places: &[Candidate]) -> Vec<(usize, usize, Similarity)> {
    // Blocks: each commune, each ~1 km grid cell (neighbouring communes), each SIRET.
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in places.iter().enumerate() {
        blocks.entry(format!("c:{}", p.commune_code)).or_default().push(i);
        let cell = ((p.lat * 100.0).floor() as i64, (p.lon * 70.0).floor() as i64);
        blocks.entry(format!("g:{}:{}", cell.0, cell.1)).or_default().push(i);
        if let Some(s) = p.siret.as_deref().filter(|s| !s.is_empty()) {
            blocks.entry(format!("s:{s}")).or_default().push(i);
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut out = Vec::new();
    let mut compare = |i: usize, j: usize, out: &mut Vec<(usize, usize, Similarity)>| {
        let key = (i.min(j), i.max(j));
        if i == j || !seen.insert(key) {
            return;
        }
        if let Some(s) = similarity(&places[key.0], &places[key.1]).filter(|s| s.score >= THRESHOLD) {
            out.push((key.0, key.1, s));
        }
    };
    for members in blocks.values() {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                compare(i, j, &mut out);
            }
        }
    }
    // Places just across a grid line: the cells east, south and south-east.
    let mut cells: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, p) in places.iter().enumerate() {
        cells.entry(((p.lat * 100.0).floor() as i64, (p.lon * 70.0).floor() as i64)).or_default().push(i);
    }
    for (&(y, x), members) in &cells {
        for other in [(y, x + 1), (y + 1, x), (y + 1, x + 1), (y + 1, x - 1)] {
            for &j in cells.get(&other).into_iter().flatten() {
                for &i in members {
                    compare(i, j, &mut out);
                }
            }
        }
    }
    out.sort_by(|a, b| b.2.score.total_cmp(&a.2.score).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(id: &str, name: &str, address: &str, commune: &str, lat: f64, lon: f64) -> Candidate {
        Candidate {
            id: id.into(),
            name: name.into(),
            address: address.into(),
            commune_code: commune.into(),
            commune_name: String::new(),
            lat,
            lon,
            siret: None,
        }
    }

    #[test]
    fn the_same_place_written_twice_is_found_and_neighbours_are_not() {
        let places = vec![
            place("a", "Fablab La Forge", "12 rue de la République", "42218", 45.4397, 4.3872),
            place("b", "La Forge", "12, rue de la Republique", "42218", 45.4398, 4.3873),
            place("c", "Médiathèque Jean-Moulin", "3 place de la Mairie", "42218", 45.4400, 4.3875),
            place("d", "La Forge", "1 avenue Foch", "69123", 45.7600, 4.8300),
        ];
        let found = find_duplicates(&places);
        assert_eq!(found.len(), 1, "{found:?}");
        let (i, j, s) = &found[0];
        assert_eq!((*i, *j), (0, 1));
        assert!(s.score > 0.9 && s.name == 1.0, "{s:?}");
    }

    #[test]
    fn the_commune_in_a_name_is_not_a_likeness() {
        let mut a = place("a", "Fablab de Rodez", "4 rue Béteille", "12202", 44.35, 2.57);
        let mut b = place("b", "Coworking de Rodez", "9 avenue Tarayre", "12202", 44.351, 2.571);
        a.commune_name = "Rodez".into();
        b.commune_name = "Rodez".into();
        assert!(find_duplicates(&[a.clone(), b]).is_empty());
        let mut c = place("c", "FABLAB DE RODEZ", "4, rue Beteille", "12202", 44.3501, 2.5701);
        c.commune_name = "Rodez".into();
        assert_eq!(find_duplicates(&[a, c]).len(), 1);
    }

    #[test]
    fn a_shared_siret_is_the_same_place_even_far_apart() {
        let mut a = place("a", "EPN de Lorette", "1 rue A", "42123", 45.51, 4.55);
        let mut b = place("b", "Point numérique", "9 rue B", "42218", 45.43, 4.39);
        a.siret = Some("12345678900011".into());
        b.siret = Some("12345678900011".into());
        let found = find_duplicates(&[a, b]);
        assert_eq!(found.len(), 1);
        assert!(found[0].2.same_siret);
    }

    #[test]
    fn places_across_a_commune_boundary_compare_by_distance() {
        let a = place("a", "Atelier du Vélo", "2 rue X", "69123", 45.7500, 4.8500);
        let b = place("b", "L'Atelier du vélo", "2 rue X", "69259", 45.7502, 4.8502);
        assert!(similarity(&a, &b).unwrap().score > THRESHOLD);
        let far = place("c", "Atelier du vélo", "2 rue X", "69259", 45.80, 4.90);
        assert!(similarity(&a, &far).is_none());
    }
}
