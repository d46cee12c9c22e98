//! The demo's networks of places: a national network, the 13 metropolitan regional
//! networks under it, departmental networks under some of them, and thematic networks
//! (fablabs, educational tiers-lieux, Fabriques de territoire) over all of France.
//!
//! Each network has a coordinator account of its own (not an administrator), so a demo
//! shows what a coordinator sees and may do. Most places of a région are members of its
//! network; a few have asked to join and wait for a decision, a few were invited and have
//! not answered: the coordinators' queues are not empty.

use std::collections::BTreeMap;

use maillage_domain::NetworkInput;
use maillage_territory::{Reference, Zone};

use super::{DEMO_EMAIL_DOMAIN, DemoPlace, DemoUser, FIRST_NAMES, LAST_NAMES, Rng, departement_of, slug};

/// Where a demo place stands with a demo network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoMembership {
    /// Accepted by the network's coordinator.
    Member,
    /// Asked to join; the coordinator has not decided.
    Requested,
    /// Invited by the coordinator; the place has not answered.
    Invited,
}

/// A demo network: its content (the parent is given by index, the store gives ids), its
/// coordinators and its places.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoNetwork {
    /// Raw input, validated by the use case like a form's; `parent` is left empty.
    pub input: NetworkInput,
    /// Index into [`crate::DemoData::networks`] of the parent, always an earlier one.
    pub parent: Option<usize>,
    /// Indexes into [`crate::DemoData::users`].
    pub coordinators: Vec<usize>,
    /// Indexes into [`crate::DemoData::places`], each once.
    pub members: Vec<(usize, DemoMembership)>,
}

/// The 13 metropolitan régions (INSEE codes).
pub const METROPOLITAN_REGIONS: [&str; 13] =
    ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"];

/// How many departmental networks the demo has (in the départements with most places).
const DEPARTMENTAL: usize = 8;

/// Share of a région's places that are members of its network, that asked, that were invited.
const REGIONAL_SHARES: (f64, f64, f64) = (0.55, 0.04, 0.02);
/// The same for a département's network (drawn independently of the région's).
const DEPARTMENTAL_SHARES: (f64, f64, f64) = (0.45, 0.05, 0.02);
/// The same for a thematic network, among the places of its types.
const THEMATIC_SHARES: (f64, f64, f64) = (0.7, 0.05, 0.03);

struct Thematic {
    slug: &'static str,
    name: &'static str,
    summary: &'static str,
    types: &'static [&'static str],
}

const THEMATIC: [Thematic; 3] = [
    Thematic {
        slug: "fablabs",
        name: "Réseau des fablabs et ateliers partagés",
        summary: "Les fablabs, makerspaces et ateliers partagés qui ouvrent leurs machines et leurs savoir-faire.",
        types: &["fablab", "shared_workshop"],
    },
    Thematic {
        slug: "tiers-lieux-educatifs",
        name: "Réseau des tiers-lieux éducatifs",
        summary: "Les tiers-lieux qui accueillent élèves, enseignants et familles autour de projets éducatifs.",
        types: &["educational"],
    },
    Thematic {
        slug: "fabriques",
        name: "Réseau des Fabriques de territoire",
        summary: "Les Fabriques de territoire et Fabriques numériques, lieux ressources de leur bassin de vie.",
        types: &["fabrique_territoire", "fabrique_numerique"],
    },
];

/// The demo's networks. New coordinator accounts are appended to `users`.
pub(crate) fn networks(
    reference: &Reference,
    places: &[DemoPlace],
    users: &mut Vec<DemoUser>,
    rng: &mut Rng,
) -> Vec<DemoNetwork> {
    fn departement(p: &DemoPlace) -> &str {
        p.input.commune_code.as_deref().map(departement_of).unwrap_or("")
    }
    let region =
        |p: &DemoPlace| reference.departement(departement(p)).map(|d| d.region.clone()).unwrap_or_default();
    let mut out = Vec::new();

    let national = coordinator(users, "national", "Coordination nationale", rng);
    out.push(DemoNetwork {
        input: input(
            "Réseau national des tiers-lieux",
            "national",
            Vec::new(),
            "Le réseau national qui relie les réseaux régionaux de tiers-lieux.",
            "national",
        ),
        parent: None,
        coordinators: vec![national],
        members: Vec::new(),
    });

    let mut regional_index: BTreeMap<&str, usize> = BTreeMap::new();
    for code in METROPOLITAN_REGIONS {
        let Some(r) = reference.region(code).filter(|r| r.zone == Zone::Metro) else { continue };
        let key = slug(&r.name, 40);
        let who = coordinator(users, &key, &format!("Coordination {}", r.name), rng);
        let in_region: Vec<usize> = (0..places.len()).filter(|&i| region(&places[i]) == code).collect();
        regional_index.insert(code, out.len());
        out.push(DemoNetwork {
            input: input(
                &format!("Tiers-lieux {}", of_region(&r.name)),
                "regional",
                vec![format!("region:{code}")],
                &format!(
                    "Le réseau régional des tiers-lieux {} : rencontres, formations, ressources partagées.",
                    of_region(&r.name)
                ),
                &key,
            ),
            parent: Some(0),
            coordinators: vec![who],
            members: draw(places, &in_region, REGIONAL_SHARES, rng),
        });
    }

    // Departmental networks in the départements with most places, under their région's.
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in places {
        *counts.entry(departement(p)).or_default() += 1;
    }
    let mut busiest: Vec<(&str, usize)> = counts.into_iter().collect();
    busiest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut departmental = 0;
    for (code, _) in busiest {
        if departmental == DEPARTMENTAL {
            break;
        }
        let Some(d) = reference.departement(code) else { continue };
        let Some(&parent) = regional_index.get(d.region.as_str()) else { continue };
        let key = slug(&d.name, 40);
        let who = coordinator(users, &key, &format!("Coordination {}", d.name), rng);
        let in_departement: Vec<usize> =
            (0..places.len()).filter(|&i| departement(&places[i]) == code).collect();
        out.push(DemoNetwork {
            input: input(
                &format!("Tiers-lieux — {} ({code})", d.name),
                "departmental",
                vec![format!("departement:{code}")],
                &format!("Le réseau départemental des tiers-lieux : {}.", d.name),
                &key,
            ),
            parent: Some(parent),
            coordinators: vec![who],
            members: draw(places, &in_departement, DEPARTMENTAL_SHARES, rng),
        });
        departmental += 1;
    }

    for t in &THEMATIC {
        let who = coordinator(users, t.slug, &format!("Animation {}", t.name), rng);
        let of_types: Vec<usize> = (0..places.len())
            .filter(|&i| places[i].input.types.iter().any(|ty| t.types.contains(&ty.as_str())))
            .collect();
        out.push(DemoNetwork {
            input: input(t.name, "thematic", Vec::new(), t.summary, t.slug),
            parent: None,
            coordinators: vec![who],
            members: draw(places, &of_types, THEMATIC_SHARES, rng),
        });
    }
    out
}

/// "de Bretagne", "d'Occitanie", "des Hauts-de-France", "du Grand Est".
fn of_region(name: &str) -> String {
    match name {
        "Hauts-de-France" | "Pays de la Loire" => format!("des {name}"),
        "Grand Est" | "Centre-Val de Loire" => format!("du {name}"),
        _ => super::of_name(name),
    }
}

fn input(name: &str, kind: &str, areas: Vec<String>, summary: &str, key: &str) -> NetworkInput {
    NetworkInput {
        name: Some(name.to_owned()),
        kind: Some(kind.to_owned()),
        areas,
        parent: None,
        summary: Some(summary.to_owned()),
        description: Some(format!(
            "{summary}\n\n*Réseau de démonstration* : ses lieux, ses coordinateurs et ses chiffres sont \
             générés pour montrer Maillage.\n\n- Rencontres régulières entre lieux\n- Annuaire et carte des membres\n\
             - Chiffres de couverture du territoire"
        )),
        email: Some(format!("contact.{key}@{DEMO_EMAIL_DOMAIN}")),
        website: None,
        logo_url: None,
        version: None,
    }
}

/// A new coordinator account (`coordination.<key>@…`), by its index in `users`.
fn coordinator(users: &mut Vec<DemoUser>, key: &str, role: &str, rng: &mut Rng) -> usize {
    let person = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
    users.push(DemoUser {
        email: format!("coordination.{key}@{DEMO_EMAIL_DOMAIN}"),
        display_name: format!("{person} ({role})"),
        is_admin: false,
        manages: Vec::new(),
    });
    users.len() - 1
}

/// Members, requests and invitations among `candidates`, by the shares given. Only
/// published places join (as in the use case: a draft cannot ask).
fn draw(
    places: &[DemoPlace],
    candidates: &[usize],
    (member, requested, invited): (f64, f64, f64),
    rng: &mut Rng,
) -> Vec<(usize, DemoMembership)> {
    let mut out = Vec::new();
    for &i in candidates {
        if places[i].input.status.as_deref() != Some("published") {
            continue;
        }
        let x = rng.unit();
        let status = if x < member {
            DemoMembership::Member
        } else if x < member + requested {
            DemoMembership::Requested
        } else if x < member + requested + invited {
            DemoMembership::Invited
        } else {
            continue;
        };
        out.push((i, status));
    }
    out
}
