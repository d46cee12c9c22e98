#![doc = include_str!("../README.md")]

//! The demo: about 3,500 believable tiers-lieux over France, their managers, and networks of
//! places (national, regional, departmental, thematic) with their coordinators, for
//! `maillage demo` and `serve --demo`.
//!
//! Everything is generated from a seed so that a demo looks the same on every machine and
//! screenshots or bug reports stay reproducible. The generator has its own small PRNG
//! (SplitMix64) rather than `rand`'s `StdRng`, whose algorithm may change between `rand`
//! releases and would silently change the demo.
//!
//! Places are spread over real communes of the reference geography: a commune is drawn with
//! a probability that grows with its population (`population^1.15` for most kinds, flatter
//! for EPN, libraries and Fabriques de territoire which are typical of small towns, steeper
//! and restricted to towns of 10,000+ for Fabriques numériques, living labs and maisons de
//! l'ESS). With the 2026 populations that puts about 40 % of places in communes under
//! 10,000 inhabitants and 15 % under 2,000 (a plain `population^0.8` would put 65 % and
//! 35 % there: France has very many small communes). Paris, Lyon and Marseille are drawn
//! through their arrondissements; overseas communes come in with their populations.
//!
//! No SIRET or RNA number is generated: a checksum-valid number could belong to a real
//! organisation, and demo data must not impersonate anyone. Contacts use the reserved
//! `.example` top-level domain.

use std::collections::{BTreeMap, HashSet};

use maillage_domain::PlaceInput;
use maillage_domain::fields::Coordinates;
use maillage_domain::text::fold;
use maillage_domain::vocab::{
    AccessMode, Fee, Label, PlaceType, Public, SUGGESTED_EQUIPMENT, Service, Support, Vocabulary,
};
use maillage_territory::{Commune, CommuneKind, Reference, Zone};

mod communities;
mod networks;
pub use communities::{DemoCommunity, DemoPublication};
pub use networks::{DemoMembership, DemoNetwork, METROPOLITAN_REGIONS};

/// Provenance source of every demo place (stored with `is_demo = true`).
pub const DEMO_SOURCE: &str = "demo";
/// Password of every demo account (documented in the README; demo data only).
pub const DEMO_PASSWORD: &str = "demo-maillage";
/// Domain of the demo accounts' email addresses.
pub const DEMO_EMAIL_DOMAIN: &str = "demo.maillage.example";
/// Number of places of the default demo network (about the number of tiers-lieux in France).
pub const DEFAULT_COUNT: usize = 3_500;
/// Seed of the default demo network.
pub const DEFAULT_SEED: u64 = 2019;

/// A generated place: the raw input to validate and store, and its id in the demo source.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoPlace {
    pub input: PlaceInput,
    /// `demo-<n>`, unique in the [`DEMO_SOURCE`] source.
    pub source_id: String,
}

/// A demo account. Its password is [`DEMO_PASSWORD`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    /// Indexes into [`DemoData::places`] of the places this account manages.
    pub manages: Vec<usize>,
}

/// The whole demo: places, accounts and networks of places.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoData {
    pub places: Vec<DemoPlace>,
    pub users: Vec<DemoUser>,
    pub networks: Vec<DemoNetwork>,
    pub communities: Vec<DemoCommunity>,
    /// Edits proposed by demo accounts on places they do not manage, waiting in the queue
    /// of those places' managers.
    pub proposals: Vec<DemoProposal>,
    /// Problems reported by visitors on managed places.
    pub reports: Vec<DemoReport>,
}

/// A demo edit proposal: the place's input with a new summary and hours.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoProposal {
    /// Indexes into [`DemoData::places`] and [`DemoData::users`].
    pub place: usize,
    pub proposer: usize,
    pub input: PlaceInput,
    pub message: String,
}

/// A demo report: a place, a kind code (`hours`, `closed`…) and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    pub place: usize,
    pub kind: &'static str,
    pub message: String,
}

/// Generate a demo network of `count` places (use [`DEFAULT_COUNT`] for the full network).
/// The same reference, count and seed always give the same network.
pub fn demo_data(reference: &Reference, count: usize, seed: u64) -> DemoData {
    let mut rng = Rng::new(seed);
    let samplers = Samplers::new(reference);
    let types = type_sequence(count, &mut rng);

    let mut names_in_commune: HashSet<(String, String)> = HashSet::new();
    let mut epci_names: HashSet<String> = HashSet::new();
    let mut places = Vec::with_capacity(count);
    for (n, place_type) in types.into_iter().enumerate() {
        let profile = profile(place_type);
        let commune = samplers.sample(profile.spread, &mut rng);
        let town = Town::new(reference, commune);
        let name = unique_name(place_type, &town, &mut rng, &mut names_in_commune, &mut epci_names);
        let input = place_input(place_type, &profile, &town, name, &mut rng);
        places.push(DemoPlace { input, source_id: format!("demo-{}", n + 1) });
    }
    let mut users = users(&places, &mut rng);
    let networks = networks::networks(reference, &places, &mut users, &mut rng);
    let communities = communities::communities(&users, &mut rng);
    let (proposals, reports) = moderation(&places, &users);
    DemoData { places, users, networks, communities, proposals, reports }
}

// ---------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: tiny, fast, and fixed forever (see the module documentation).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        // 53 random bits: the precision of an f64 mantissa.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        // The modulo bias is below 2^-40 for the sizes used here.
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// One item of a non-empty slice.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Where places are

/// How the places of one kind spread over communes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spread {
    /// Most kinds: by `population^1.15`.
    General,
    /// Kinds typical of small towns (EPN, libraries, Fabriques de territoire…).
    Rural,
    /// Kinds of towns of 10,000 inhabitants or more (Fabriques numériques near a QPV…).
    Urban,
    /// Campus connectés: towns of 5,000 to 120,000 inhabitants, far from big universities.
    MidTown,
}

/// A weighted draw of communes: cumulative weights and binary search.
struct Sampler<'a> {
    communes: Vec<&'a Commune>,
    cumulative: Vec<f64>,
}

impl<'a> Sampler<'a> {
    fn new(communes: &[&'a Commune], weight: impl Fn(f64) -> f64) -> Self {
        let mut total = 0.0;
        let mut kept = Vec::new();
        let mut cumulative = Vec::new();
        for &commune in communes {
            let w = weight(commune.population as f64);
            if w > 0.0 {
                total += w;
                kept.push(commune);
                cumulative.push(total);
            }
        }
        Self { communes: kept, cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> &'a Commune {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.unit() * total;
        let i = self.cumulative.partition_point(|&c| c <= target);
        self.communes[i.min(self.communes.len() - 1)]
    }
}

struct Samplers<'a> {
    general: Sampler<'a>,
    rural: Sampler<'a>,
    urban: Sampler<'a>,
    mid_town: Sampler<'a>,
}

impl<'a> Samplers<'a> {
    fn new(reference: &'a Reference) -> Self {
        let divided: HashSet<&str> = reference
            .communes()
            .filter(|c| c.kind == CommuneKind::Arrondissement)
            .filter_map(|c| c.parent.as_deref())
            .collect();
        // Paris, Lyon and Marseille are drawn through their arrondissements; overseas
        // collectivities have no reference points and are left out.
        let eligible: Vec<&Commune> = reference
            .communes()
            .filter(|c| !divided.contains(c.code.as_str()))
            .filter(|c| c.zone != Zone::Com && c.population > 0 && !c.postal_codes.is_empty())
            .collect();
        Self {
            general: Sampler::new(&eligible, |p| p.powf(1.15)),
            rural: Sampler::new(&eligible, |p| p.powf(0.95)),
            urban: Sampler::new(&eligible, |p| if p >= 10_000.0 { p.powf(1.3) } else { 0.0 }),
            mid_town: Sampler::new(&eligible, |p| {
                if (5_000.0..=120_000.0).contains(&p) { p.sqrt() } else { 0.0 }
            }),
        }
    }

    fn sample(&self, spread: Spread, rng: &mut Rng) -> &'a Commune {
        match spread {
            Spread::General => self.general.sample(rng),
            Spread::Rural => self.rural.sample(rng),
            Spread::Urban => self.urban.sample(rng),
            Spread::MidTown => self.mid_town.sample(rng),
        }
    }
}

/// A commune as the generated texts name it.
struct Town<'a> {
    commune: &'a Commune,
    /// In place names: "Rodez", "Lyon 7e".
    short: String,
    /// In sentences: "Lyon" for an arrondissement of Lyon.
    city: String,
    /// "CC du Pays de Gex" → "du Pays de Gex", when the EPCI is a "pays".
    pays: Option<String>,
}

impl<'a> Town<'a> {
    fn new(reference: &Reference, commune: &'a Commune) -> Self {
        let short = commune.name.trim_end_matches(" Arrondissement").to_owned();
        let city = match commune.kind {
            CommuneKind::Arrondissement => short.split(' ').next().unwrap_or(&short).to_owned(),
            CommuneKind::Commune => short.clone(),
        };
        let pays = commune.epci.as_deref().and_then(|code| reference.epci(code)).and_then(|epci| {
            ["CC ", "CA "]
                .iter()
                .find_map(|prefix| epci.name.strip_prefix(prefix))
                .filter(|rest| rest.starts_with("du Pays ") || rest.starts_with("des Pays "))
                .map(str::to_owned)
        });
        Self { commune, short, city, pays }
    }

    /// "de Rodez", "d'Annecy", "du Mans", "des Sables-d'Olonne".
    fn of(&self) -> String {
        of_name(&self.short)
    }

    /// "à Rodez", "au Mans", "aux Sables-d'Olonne".
    fn at(&self) -> String {
        at_name(&self.city)
    }

    /// "au cœur de Rodez", "au cœur du Mans".
    fn heart(&self) -> String {
        format!("au cœur {}", of_name(&self.city))
    }
}

fn starts_with_vowel_sound(name: &str) -> bool {
    name.chars().next().is_some_and(|c| "AEIOUYÂÉÈÊÎÏÔÛHaeiouyéèêîïôûh".contains(c))
}

fn of_name(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = name.strip_prefix("Les ") {
        format!("des {rest}")
    } else if starts_with_vowel_sound(name) {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

fn at_name(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("Le ") {
        format!("au {rest}")
    } else if let Some(rest) = name.strip_prefix("Les ") {
        format!("aux {rest}")
    } else {
        format!("à {name}")
    }
}

/// Scatter a point within 1.5 km of the commune's point (uniform over the disc), keeping it
/// inside France's territories.
fn near(commune: &Commune, rng: &mut Rng) -> (f64, f64) {
    const KM_PER_DEGREE: f64 = 111.32;
    let distance_km = 1.5 * rng.unit().sqrt();
    let angle = rng.unit() * std::f64::consts::TAU;
    let lat = commune.lat + distance_km * angle.cos() / KM_PER_DEGREE;
    let lon = commune.lon + distance_km * angle.sin() / (KM_PER_DEGREE * commune.lat.to_radians().cos());
    let round = |x: f64| (x * 1e6).round() / 1e6;
    let (lat, lon) = (round(lat), round(lon));
    if Coordinates::parse(lat, lon).is_ok() { (lat, lon) } else { (commune.lat, commune.lon) }
}

// ---------------------------------------------------------------------------------------
// What places are

/// The mix of kinds, per 3,500 places, with how each spreads.
const MIX: &[(PlaceType, usize, Spread)] = &[
    (PlaceType::Coworking, 700, Spread::General),
    (PlaceType::Other, 450, Spread::General),
    (PlaceType::Epn, 450, Spread::Rural),
    (PlaceType::Library, 400, Spread::Rural),
    (PlaceType::Fablab, 350, Spread::General),
    (PlaceType::SharedWorkshop, 150, Spread::General),
    (PlaceType::FabriqueTerritoire, 150, Spread::Rural),
    (PlaceType::FabriqueNumerique, 150, Spread::Urban),
    (PlaceType::Educational, 120, Spread::General),
    (PlaceType::SocialCentre, 120, Spread::General),
    (PlaceType::Mjc, 100, Spread::General),
    (PlaceType::CampusConnecte, 90, Spread::MidTown),
    (PlaceType::MaisonEss, 80, Spread::Urban),
    (PlaceType::HostVenue, 70, Spread::Rural),
    (PlaceType::LivingLab, 60, Spread::Urban),
    (PlaceType::SharedKitchen, 60, Spread::General),
];

/// The main type of each place, in random order, in the proportions of [`MIX`].
fn type_sequence(count: usize, rng: &mut Rng) -> Vec<PlaceType> {
    let total: usize = MIX.iter().map(|(_, n, _)| n).sum();
    let mut types = Vec::with_capacity(count);
    let mut cumulative = 0;
    for &(place_type, n, _) in MIX {
        let start = cumulative * count / total;
        cumulative += n;
        let end = cumulative * count / total;
        types.extend(std::iter::repeat_n(place_type, end - start));
    }
    rng.shuffle(&mut types);
    types
}

/// What a kind of place usually offers.
struct Profile {
    spread: Spread,
    /// Other types a place of this kind often also has, with their probability.
    extra_types: &'static [(PlaceType, f64)],
    services: &'static [Service],
    optional_services: &'static [Service],
    equipment: &'static [(&'static str, f64)],
    labels: &'static [(Label, f64)],
    publics: &'static [(Public, f64)],
    fees: &'static [Fee],
    access_modes: &'static [AccessMode],
    hours: &'static [&'static str],
}

const MAKING: &[(&str, f64)] = &[
    ("Imprimante 3D", 0.9),
    ("Découpeuse laser", 0.75),
    ("Fraiseuse numérique (CNC)", 0.4),
    ("Découpeuse vinyle", 0.5),
    ("Brodeuse numérique", 0.2),
    ("Machine à coudre", 0.35),
    ("Presse à chaud", 0.25),
    ("Scanner 3D", 0.2),
    ("Poste de soudure électronique", 0.5),
    ("Outillage bois", 0.35),
];
const OFFICE: &[(&str, f64)] = &[("Visioconférence", 0.7), ("Imprimante / photocopieur", 0.8)];
const PUBLIC_COMPUTERS: &[(&str, f64)] =
    &[("Ordinateurs en libre accès", 0.95), ("Imprimante / photocopieur", 0.7), ("Visioconférence", 0.15)];

const OFFICE_HOURS: &[&str] = &[
    "Mo-Fr 09:00-18:00; PH off",
    "Mo-Fr 08:30-19:00; Sa 09:00-13:00",
    "Mo-Fr 08:30-19:00; PH off",
    "Mo-Fr 08:00-20:00",
    "Mo-Th 09:00-18:00; Fr 09:00-17:00; PH off",
];
const PUBLIC_HOURS: &[&str] = &[
    "Tu-Sa 10:00-12:30,14:00-18:00; PH off",
    "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
    "Mo,We,Fr 14:00-18:00; PH off",
    "Tu 16:00-19:00; We 10:00-18:00; Fr 16:00-19:00; Sa 10:00-17:00; PH off",
    "We 14:00-18:00; Sa 10:00-17:00",
    "Mo-Fr 09:00-12:30,13:30-17:00; PH off",
];
const MAKER_HOURS: &[&str] = &[
    "We 14:00-20:00; Th 18:00-22:00; Sa 10:00-18:00",
    "Tu-Fr 14:00-19:00; Sa 10:00-17:00; PH off",
    "Tu,Th 18:00-22:00; Sa 14:00-18:00",
    "Mo-Fr 10:00-18:00; PH off",
];
const EVENING_HOURS: &[&str] = &[
    "Mo-Fr 14:00-19:00; We 10:00-19:00; PH off",
    "Tu-Fr 14:00-21:00; Sa 14:00-18:00",
    "Mo-Sa 10:00-18:00; PH off",
];
const OTHER_HOURS: &[&str] = &[
    "Mo-Fr 09:00-18:00; PH off",
    "Mo-Fr 08:30-19:00; Sa 09:00-13:00",
    "Mo-Sa 10:00-18:00; PH off",
    "Tu-Sa 10:00-12:30,14:00-18:00; PH off",
    "We-Sa 10:00-19:00; Su 10:00-14:00",
];

fn profile(place_type: PlaceType) -> Profile {
    use PlaceType as T;
    use Service as S;
    let spread = MIX.iter().find(|(t, _, _)| *t == place_type).map_or(Spread::General, |(_, _, s)| *s);
    match place_type {
        T::Coworking => Profile {
            spread,
            extra_types: &[(T::Other, 0.05), (T::LivingLab, 0.03)],
            services: &[S::TeleworkDesk, S::MeetingRoom],
            optional_services: &[
                S::EventSpace,
                S::Domiciliation,
                S::BusinessSupport,
                S::Training,
                S::InternetAccess,
            ],
            equipment: OFFICE,
            labels: &[(Label::NouveauxLieuxNouveauxLiens, 0.05), (Label::France2030, 0.02)],
            publics: &[(Public::Entrepreneurs, 0.7), (Public::Associations, 0.2), (Public::Students, 0.1)],
            fees: &[Fee::Paid, Fee::Membership],
            access_modes: &[
                AccessMode::Email,
                AccessMode::Appointment,
                AccessMode::Phone,
                AccessMode::Membership,
            ],
            hours: OFFICE_HOURS,
        },
        T::Fablab => Profile {
            spread,
            extra_types: &[(T::SharedWorkshop, 0.15), (T::Coworking, 0.1)],
            services: &[S::Machines, S::Training],
            optional_services: &[S::DigitalCreation, S::Repair, S::EventSpace, S::DigitalCulture],
            equipment: MAKING,
            labels: &[(Label::NouveauxLieuxNouveauxLiens, 0.03)],
            publics: &[(Public::Youth, 0.3), (Public::Entrepreneurs, 0.3), (Public::Students, 0.25)],
            fees: &[Fee::Membership, Fee::Paid, Fee::FreeWithConditions],
            access_modes: &[AccessMode::WalkIn, AccessMode::Membership, AccessMode::Email],
            hours: MAKER_HOURS,
        },
        T::LivingLab => Profile {
            spread,
            extra_types: &[(T::Fablab, 0.2)],
            services: &[S::EventSpace, S::Training],
            optional_services: &[S::MeetingRoom, S::DigitalCulture, S::BusinessSupport],
            equipment: &[("Visioconférence", 0.5), ("Imprimante 3D", 0.3)],
            labels: &[(Label::France2030, 0.1)],
            publics: &[(Public::Entrepreneurs, 0.4), (Public::Associations, 0.4), (Public::Students, 0.3)],
            fees: &[Fee::Free, Fee::Membership],
            access_modes: &[AccessMode::Email, AccessMode::Appointment],
            hours: OFFICE_HOURS,
        },
        T::Epn => Profile {
            spread,
            extra_types: &[(T::Library, 0.1), (T::SocialCentre, 0.05)],
            services: &[S::AdminProcedures, S::DigitalBasics, S::InternetAccess],
            optional_services: &[
                S::DigitalSafety,
                S::DigitalEmployment,
                S::DigitalParenting,
                S::PublicServiceAccess,
                S::EquipmentPurchase,
                S::Training,
            ],
            equipment: PUBLIC_COMPUTERS,
            labels: &[
                (Label::ConseillersNumeriques, 0.5),
                (Label::AidantsConnect, 0.25),
                (Label::FranceServices, 0.2),
                (Label::PassNumerique, 0.2),
                (Label::PointNumeriqueCaf, 0.15),
                (Label::CertificationPix, 0.1),
            ],
            publics: &[
                (Public::Seniors, 0.5),
                (Public::JobSeekers, 0.4),
                (Public::Families, 0.3),
                (Public::Youth, 0.2),
            ],
            fees: &[Fee::Free, Fee::FreeWithConditions],
            access_modes: &[
                AccessMode::WalkIn,
                AccessMode::Phone,
                AccessMode::Appointment,
                AccessMode::Referral,
            ],
            hours: PUBLIC_HOURS,
        },
        T::Library => Profile {
            spread,
            extra_types: &[(T::Epn, 0.2)],
            services: &[S::Culture, S::InternetAccess],
            optional_services: &[
                S::DigitalBasics,
                S::DigitalCreation,
                S::EventSpace,
                S::DigitalParenting,
                S::AdminProcedures,
            ],
            equipment: PUBLIC_COMPUTERS,
            labels: &[(Label::ConseillersNumeriques, 0.2), (Label::BibliothequeNumeriqueReference, 0.05)],
            publics: &[(Public::Families, 0.5), (Public::Youth, 0.3), (Public::Seniors, 0.3)],
            fees: &[Fee::Free, Fee::Membership],
            access_modes: &[AccessMode::WalkIn],
            hours: PUBLIC_HOURS,
        },
        T::MaisonEss => Profile {
            spread,
            extra_types: &[(T::Coworking, 0.3)],
            services: &[S::BusinessSupport, S::MeetingRoom],
            optional_services: &[S::TeleworkDesk, S::Training, S::Domiciliation, S::EventSpace],
            equipment: OFFICE,
            labels: &[(Label::NouveauxLieuxNouveauxLiens, 0.1)],
            publics: &[(Public::Associations, 0.8), (Public::Entrepreneurs, 0.5), (Public::JobSeekers, 0.2)],
            fees: &[Fee::Free, Fee::Membership, Fee::Paid],
            access_modes: &[AccessMode::Email, AccessMode::Phone, AccessMode::Appointment],
            hours: OFFICE_HOURS,
        },
        T::Educational => Profile {
            spread,
            extra_types: &[(T::Fablab, 0.15), (T::Library, 0.1)],
            services: &[S::Training, S::DigitalParenting],
            optional_services: &[S::DigitalCreation, S::Culture, S::DigitalCulture, S::EventSpace],
            equipment: &[
                ("Imprimante 3D", 0.4),
                ("Studio son / vidéo", 0.3),
                ("Ordinateurs en libre accès", 0.5),
            ],
            labels: &[(Label::PromeneursDuNet, 0.1)],
            publics: &[(Public::Youth, 0.8), (Public::Families, 0.5), (Public::Students, 0.3)],
            fees: &[Fee::Free, Fee::FreeWithConditions],
            access_modes: &[AccessMode::Email, AccessMode::Phone, AccessMode::Referral],
            hours: EVENING_HOURS,
        },
        T::CampusConnecte => Profile {
            spread,
            extra_types: &[(T::Coworking, 0.2)],
            services: &[S::TeleworkDesk, S::InternetAccess, S::Training],
            optional_services: &[S::MeetingRoom, S::DigitalBasics],
            equipment: &[
                ("Visioconférence", 0.9),
                ("Ordinateurs en libre accès", 0.7),
                ("Imprimante / photocopieur", 0.6),
            ],
            labels: &[],
            publics: &[(Public::Students, 1.0), (Public::Youth, 0.4)],
            fees: &[Fee::Free],
            access_modes: &[AccessMode::Appointment, AccessMode::Email, AccessMode::Referral],
            hours: &["Mo-Fr 08:30-18:00; PH off", "Mo-Fr 08:00-19:00; PH off", "Mo-Fr 09:00-17:30"],
        },
        T::FabriqueTerritoire => Profile {
            spread,
            extra_types: &[(T::Coworking, 0.4), (T::Fablab, 0.2), (T::SharedKitchen, 0.05), (T::Other, 0.2)],
            services: &[S::Training, S::BusinessSupport, S::MeetingRoom],
            optional_services: &[
                S::TeleworkDesk,
                S::EventSpace,
                S::Machines,
                S::PublicServiceAccess,
                S::Food,
                S::DigitalBasics,
            ],
            equipment: &[("Visioconférence", 0.6), ("Imprimante 3D", 0.3), ("Outillage bois", 0.2)],
            labels: &[(Label::NouveauxLieuxNouveauxLiens, 0.3), (Label::FranceServices, 0.1)],
            publics: &[(Public::Associations, 0.6), (Public::Entrepreneurs, 0.5), (Public::JobSeekers, 0.3)],
            fees: &[Fee::Membership, Fee::Paid, Fee::Free],
            access_modes: &[AccessMode::WalkIn, AccessMode::Email, AccessMode::Phone],
            hours: OFFICE_HOURS,
        },
        T::FabriqueNumerique => Profile {
            spread,
            extra_types: &[(T::Fablab, 0.5), (T::Epn, 0.2)],
            services: &[S::Training, S::DigitalBasics, S::Machines],
            optional_services: &[
                S::DigitalEmployment,
                S::DigitalCreation,
                S::BusinessSupport,
                S::InternetAccess,
                S::DigitalCulture,
            ],
            equipment: MAKING,
            labels: &[(Label::ConseillersNumeriques, 0.3), (Label::GrandeEcoleNumerique, 0.15)],
            publics: &[(Public::Youth, 0.6), (Public::JobSeekers, 0.5), (Public::Women, 0.15)],
            fees: &[Fee::Free, Fee::FreeWithConditions],
            access_modes: &[AccessMode::WalkIn, AccessMode::Referral, AccessMode::Phone],
            hours: MAKER_HOURS,
        },
        T::SharedWorkshop => Profile {
            spread,
            extra_types: &[(T::Other, 0.1)],
            services: &[S::Machines, S::Repair],
            optional_services: &[S::Training, S::EventSpace],
            equipment: &[
                ("Outillage bois", 0.8),
                ("Machine à coudre", 0.5),
                ("Poste de soudure électronique", 0.4),
                ("Imprimante 3D", 0.3),
            ],
            labels: &[],
            publics: &[(Public::Families, 0.3), (Public::Associations, 0.2)],
            fees: &[Fee::Membership, Fee::Free],
            access_modes: &[AccessMode::WalkIn, AccessMode::Membership],
            hours: MAKER_HOURS,
        },
        T::SharedKitchen => Profile {
            spread,
            extra_types: &[(T::Other, 0.3)],
            services: &[S::Food],
            optional_services: &[S::EventSpace, S::Training, S::BusinessSupport],
            equipment: &[("Four de cuisine professionnel", 0.9)],
            labels: &[],
            publics: &[(Public::Entrepreneurs, 0.4), (Public::Associations, 0.4), (Public::Families, 0.2)],
            fees: &[Fee::Paid, Fee::Membership],
            access_modes: &[AccessMode::Phone, AccessMode::Email, AccessMode::Membership],
            hours: &["Mo-Sa 08:00-20:00", "Tu-Sa 09:00-18:00; PH off"],
        },
        T::Mjc => Profile {
            spread,
            extra_types: &[(T::Epn, 0.15)],
            services: &[S::Culture, S::EventSpace],
            optional_services: &[S::DigitalCreation, S::Training, S::DigitalParenting],
            equipment: &[("Studio son / vidéo", 0.4), ("Ordinateurs en libre accès", 0.3)],
            labels: &[(Label::PromeneursDuNet, 0.3)],
            publics: &[(Public::Youth, 0.8), (Public::Families, 0.4)],
            fees: &[Fee::Membership, Fee::FreeWithConditions],
            access_modes: &[AccessMode::WalkIn, AccessMode::Membership],
            hours: EVENING_HOURS,
        },
        T::SocialCentre => Profile {
            spread,
            extra_types: &[(T::Epn, 0.2)],
            services: &[S::AdminProcedures, S::DigitalBasics],
            optional_services: &[
                S::InternetAccess,
                S::Food,
                S::DigitalParenting,
                S::Culture,
                S::PublicServiceAccess,
            ],
            equipment: PUBLIC_COMPUTERS,
            labels: &[
                (Label::ConseillersNumeriques, 0.25),
                (Label::PointNumeriqueCaf, 0.2),
                (Label::PromeneursDuNet, 0.15),
            ],
            publics: &[(Public::Families, 0.7), (Public::Seniors, 0.3), (Public::JobSeekers, 0.3)],
            fees: &[Fee::Free, Fee::FreeWithConditions, Fee::Membership],
            access_modes: &[AccessMode::WalkIn, AccessMode::Phone, AccessMode::Referral],
            hours: PUBLIC_HOURS,
        },
        T::HostVenue => Profile {
            spread,
            extra_types: &[],
            services: &[S::EventSpace],
            optional_services: &[S::Culture, S::PublicServiceAccess, S::InternetAccess, S::MeetingRoom],
            equipment: &[("Visioconférence", 0.2)],
            labels: &[(Label::FranceServices, 0.25)],
            publics: &[(Public::Families, 0.3), (Public::Associations, 0.3)],
            fees: &[Fee::Free, Fee::Paid],
            access_modes: &[AccessMode::WalkIn, AccessMode::Phone],
            hours: PUBLIC_HOURS,
        },
        T::Other => Profile {
            spread,
            extra_types: &[(T::Coworking, 0.3), (T::SharedWorkshop, 0.1), (T::SharedKitchen, 0.05)],
            services: &[S::TeleworkDesk, S::EventSpace],
            optional_services: &[
                S::MeetingRoom,
                S::Food,
                S::Culture,
                S::Training,
                S::Repair,
                S::BusinessSupport,
            ],
            equipment: &[
                ("Visioconférence", 0.4),
                ("Imprimante / photocopieur", 0.4),
                ("Outillage bois", 0.15),
            ],
            labels: &[(Label::NouveauxLieuxNouveauxLiens, 0.08), (Label::France2030, 0.02)],
            publics: &[(Public::Associations, 0.4), (Public::Entrepreneurs, 0.3), (Public::Families, 0.2)],
            fees: &[Fee::Membership, Fee::Paid, Fee::Free],
            access_modes: &[AccessMode::WalkIn, AccessMode::Email, AccessMode::Membership],
            hours: OTHER_HOURS,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Names

const WORDS: &[&str] = &[
    "La Ruche",
    "Le Hangar",
    "L'Atelier",
    "La Filature",
    "Le Quai",
    "La Coop",
    "Le Bocal",
    "La Station",
    "La Grange",
    "La Verrière",
    "Les Ateliers",
    "Le Moulin",
    "La Forge",
    "La Cordée",
    "Le Relais",
    "La Passerelle",
    "L'Établi",
    "La Serre",
    "La Canopée",
    "L'Escale",
    "Le Phare",
    "La Gare",
    "La Manufacture",
    "Le Lavoir",
    "La Tannerie",
    "Le Préau",
    "La Minoterie",
    "L'Usine",
    "La Halle",
    "Le Cargo",
    "La Boussole",
    "Le Fournil",
    "La Scierie",
    "Le Chai",
    "La Fabrik",
    "Le 109",
    "La Base",
    "Le Local",
];

const PEOPLE: &[&str] = &[
    "Jean-Moulin",
    "Simone-Veil",
    "Victor-Hugo",
    "George-Sand",
    "Louise-Michel",
    "Jules-Verne",
    "Albert-Camus",
    "Marie-Curie",
    "Colette",
    "Aimé-Césaire",
    "Olympe-de-Gouges",
    "Jean-Jaurès",
    "Elsa-Triolet",
    "Louis-Aragon",
    "Marguerite-Yourcenar",
    "Jacques-Prévert",
    "Gisèle-Halimi",
    "Josephine-Baker",
    "Émile-Zola",
    "Andrée-Chedid",
];

/// The name of a place from its type and commune, with a chosen word or person.
fn name_variant(place_type: PlaceType, town: &Town<'_>, variant: usize, word: &str, person: &str) -> String {
    use PlaceType as T;
    let short = &town.short;
    let of = town.of();
    let options: Vec<String> = match place_type {
        T::Coworking => vec![
            format!("Coworking {word} – {short}"),
            format!("{word} Coworking ({short})"),
            format!("Espace de coworking {of}"),
            format!("{word}, bureaux partagés ({short})"),
        ],
        T::Fablab => vec![
            format!("FabLab {of}"),
            format!("{word} Fablab ({short})"),
            format!("Fablab {word} – {short}"),
            format!("Makerspace {of}"),
        ],
        T::LivingLab => vec![format!("Living Lab {of}"), format!("{word} Lab ({short})")],
        T::Epn => vec![
            format!("EPN {of}"),
            format!("Espace numérique {of}"),
            format!("Cyber-base {of}"),
            format!("Point numérique {person} ({short})"),
        ],
        T::Library => vec![
            format!("Médiathèque {person} {of}"),
            format!("Médiathèque {of}"),
            format!("Bibliothèque {person} ({short})"),
            format!("Médiathèque intercommunale {of}"),
        ],
        T::MaisonEss => vec![format!("Maison de l'ESS {of}"), format!("Pôle ESS {word} ({short})")],
        T::Educational => vec![
            format!("Tiers-lieu éducatif {of}"),
            format!("{word}, tiers-lieu éducatif ({short})"),
            format!("Tiers-lieu éducatif {person} ({short})"),
        ],
        T::CampusConnecte => {
            vec![format!("Campus connecté {of}"), format!("Campus connecté {word} ({short})")]
        }
        T::FabriqueTerritoire => vec![
            format!("La Fabrique {of}"),
            format!("Fabrique de territoire {word} ({short})"),
            format!("{word} – Fabrique de territoire {of}"),
        ],
        T::FabriqueNumerique => vec![
            format!("Fabrique numérique {of}"),
            format!("{word} numérique ({short})"),
            format!("Fabrique numérique {word} – {short}"),
        ],
        T::SharedWorkshop => vec![
            format!("Atelier partagé {of}"),
            format!("Ressourcerie {word} ({short})"),
            format!("Repair café {of}"),
            format!("Atelier partagé {word} – {short}"),
        ],
        T::SharedKitchen => {
            vec![format!("Cuisine partagée {word} ({short})"), format!("Cuisine partagée {of}")]
        }
        T::Mjc => vec![format!("MJC {of}"), format!("MJC {person} ({short})")],
        T::SocialCentre => vec![
            format!("Centre social {person} ({short})"),
            format!("Centre socioculturel {of}"),
            format!("Espace de vie sociale {word} ({short})"),
        ],
        T::HostVenue => vec![
            format!("Maison pour tous {of}"),
            format!("Salle {person} ({short})"),
            format!("Musée {of}"),
            format!("Maison des associations {of}"),
        ],
        T::Other => vec![
            format!("Tiers-lieu {word} ({short})"),
            format!("{word} ({short})"),
            format!("{word}, tiers-lieu {of}"),
            format!("Tiers-lieu {of}"),
        ],
    };
    options[variant % options.len()].clone()
}

/// A name not yet used in the place's commune. Names after an intercommunal "pays" are
/// kept unique over the whole network.
fn unique_name(
    place_type: PlaceType,
    town: &Town<'_>,
    rng: &mut Rng,
    names_in_commune: &mut HashSet<(String, String)>,
    pays_names: &mut HashSet<String>,
) -> String {
    if let Some(pays) = &town.pays
        && matches!(place_type, PlaceType::Fablab | PlaceType::Other | PlaceType::FabriqueTerritoire)
        && rng.chance(0.15)
    {
        let name = match place_type {
            PlaceType::Fablab => format!("FabLab {pays}"),
            PlaceType::FabriqueTerritoire => format!("La Fabrique {pays}"),
            _ => format!("Tiers-lieu {pays}"),
        };
        if pays_names.insert(name.clone()) {
            names_in_commune.insert((town.commune.code.clone(), name.clone()));
            return name;
        }
    }
    let start = rng.next_u64() as usize;
    let word_start = rng.below(WORDS.len());
    let person_start = rng.below(PEOPLE.len());
    // Walk through the variants, then the words and people, from a random start: the
    // first unused name wins. 4 variants × 38 words exceed any commune's share.
    for attempt in 0..(4 * WORDS.len()) {
        let word = WORDS[(word_start + attempt / 4) % WORDS.len()];
        let person = PEOPLE[(person_start + attempt / 4) % PEOPLE.len()];
        let name = name_variant(place_type, town, start.wrapping_add(attempt), word, person);
        if names_in_commune.insert((town.commune.code.clone(), name.clone())) {
            return name;
        }
    }
    // Only reachable with far more places than France has communes' worth of names.
    let mut n = 2;
    loop {
        let name = format!("{} – site {n}", name_variant(place_type, town, start, WORDS[0], PEOPLE[0]));
        if names_in_commune.insert((town.commune.code.clone(), name.clone())) {
            return name;
        }
        n += 1;
    }
}

/// `"Coworking La Ruche – Lyon 7e"` → `"coworking-la-ruche-lyon-7e"`, at most `max` bytes,
/// cut at a word boundary.
fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in fold(text).split(' ').filter(|w| !w.is_empty()) {
        let extra = if out.is_empty() { word.len() } else { word.len() + 1 };
        if out.len() + extra > max {
            if out.is_empty() {
                out.push_str(&word[..max.min(word.len())]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Texts and contacts

const STREETS: &[&str] = &[
    "rue de la République",
    "place de la Mairie",
    "avenue Jean-Jaurès",
    "rue Victor-Hugo",
    "Grande Rue",
    "rue de la Gare",
    "place du Marché",
    "rue du Général-de-Gaulle",
    "rue Pasteur",
    "boulevard Gambetta",
    "rue des Écoles",
    "rue de l'Église",
    "allée des Tilleuls",
    "impasse des Artisans",
    "rue de l'Industrie",
    "chemin du Moulin",
    "rue Nationale",
    "avenue de la Libération",
    "rue du Stade",
    "quai des Tanneurs",
];

fn address(rng: &mut Rng) -> String {
    let street = rng.pick(STREETS);
    if street.starts_with("place") && rng.chance(0.3) {
        return capitalise(street);
    }
    let number = rng.between(1, 120);
    let bis = if rng.chance(0.06) { " bis" } else { "" };
    format!("{number}{bis} {street}")
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn summary(place_type: PlaceType, town: &Town<'_>, rng: &mut Rng) -> String {
    use PlaceType as T;
    let (at, heart) = (town.at(), town.heart());
    let options: [String; 2] = match place_type {
        T::Coworking => [
            format!("Espace de coworking et de rencontres {heart}."),
            format!("Bureaux partagés, salles de réunion et café {at}."),
        ],
        T::Fablab => [
            format!("Atelier de fabrication numérique ouvert à tous {at}."),
            format!("Fablab associatif : machines, formations et projets partagés {at}."),
        ],
        T::LivingLab => [
            format!("Laboratoire d'innovation ouverte avec les habitants {at}."),
            format!("Living lab où usagers, chercheurs et entreprises conçoivent ensemble {at}."),
        ],
        T::Epn => [
            format!("Accompagnement au numérique et aux démarches en ligne {at}."),
            format!("Espace public numérique : ordinateurs, ateliers et aide aux démarches {at}."),
        ],
        T::Library => [
            format!("Médiathèque ouverte, lieu de culture et de rencontres {heart}."),
            format!("Bibliothèque, postes internet et ateliers numériques {at}."),
        ],
        T::MaisonEss => [
            format!("Lieu ressource de l'économie sociale et solidaire {at}."),
            format!("Maison de l'ESS : accompagnement, réunions et bureaux partagés {at}."),
        ],
        T::Educational => [
            format!("Tiers-lieu éducatif pour les jeunes, les familles et les enseignants {at}."),
            format!("Ateliers, aide aux devoirs et projets numériques {at}."),
        ],
        T::CampusConnecte => [
            format!("Campus connecté : suivre des études supérieures à distance, accompagné, {at}."),
            format!("Un lieu pour étudier à distance avec un tuteur {at}."),
        ],
        T::FabriqueTerritoire => [
            format!("Fabrique de territoire, lieu ressource pour les tiers-lieux du bassin {at}."),
            format!("Tiers-lieu ressource : coworking, formations et accompagnement de projets {at}."),
        ],
        T::FabriqueNumerique => [
            format!("Fabrique numérique de territoire : formations et fabrication numérique {at}."),
            format!("Des formations aux métiers du numérique pour les habitants du quartier {at}."),
        ],
        T::SharedWorkshop => [
            format!("Atelier partagé pour bricoler, réparer et réemployer {at}."),
            format!("Outils, machines et conseils pour réparer plutôt que jeter {at}."),
        ],
        T::SharedKitchen => [
            format!("Cuisine professionnelle partagée pour producteurs et traiteurs {at}."),
            format!("Cuisine partagée, ateliers culinaires et repas solidaires {at}."),
        ],
        T::Mjc => [
            format!("Maison des jeunes et de la culture : activités, ateliers et concerts {at}."),
            format!("MJC ouverte à tous les âges {heart}."),
        ],
        T::SocialCentre => [
            format!("Centre social : accueil, aide aux démarches et activités pour tous {at}."),
            format!("Lieu d'accueil et d'animation pour les habitants {at}."),
        ],
        T::HostVenue => [
            format!("Lieu municipal qui accueille ateliers et permanences numériques {at}."),
            format!("Salle ouverte aux associations et aux ateliers hors les murs {at}."),
        ],
        T::Other => [
            format!("Tiers-lieu associatif : travail partagé, ateliers et événements {at}."),
            format!("Un lieu hybride pour travailler, apprendre et se rencontrer {heart}."),
        ],
    };
    options[rng.below(options.len())].clone()
}

fn description(place_type: PlaceType, town: &Town<'_>, rng: &mut Rng) -> String {
    use PlaceType as T;
    let at = town.at();
    let first = match place_type {
        T::Coworking => format!("Un espace de **travail partagé** {at}, pour indépendants, salariés en télétravail et associations."),
        T::Fablab => "Un atelier de **fabrication numérique** où l'on apprend en faisant, seul ou accompagné.".to_owned(),
        T::LivingLab => "Un lieu où l'on **expérimente** de nouveaux services avec les personnes qui les utiliseront.".to_owned(),
        T::Epn => "Des médiateurs numériques vous accompagnent pour **prendre en main** ordinateur, smartphone et démarches en ligne.".to_owned(),
        T::Library => format!("La médiathèque est un **lieu de vie** ouvert à tous {at}, avec ou sans abonnement."),
        T::MaisonEss => "La maison réunit les acteurs de l'**économie sociale et solidaire** du territoire.".to_owned(),
        T::Educational => "Un tiers-lieu où élèves, parents et enseignants **apprennent ensemble** autrement.".to_owned(),
        T::CampusConnecte => "Les étudiants suivent une **formation à distance** dans un lieu équipé, avec un tuteur et d'autres étudiants.".to_owned(),
        T::FabriqueTerritoire => "Cette **Fabrique de territoire** anime le réseau des lieux du bassin de vie et partage ses ressources.".to_owned(),
        T::FabriqueNumerique => "Cette **Fabrique numérique de territoire** forme aux métiers du numérique, au plus près du quartier.".to_owned(),
        T::SharedWorkshop => "Un atelier où l'on **répare**, bricole et réemploie, avec des bénévoles pour conseiller.".to_owned(),
        T::SharedKitchen => "Une **cuisine professionnelle** partagée, louée à l'heure ou à la journée.".to_owned(),
        T::Mjc => "La MJC propose des **activités culturelles** et numériques pour les jeunes et leurs familles.".to_owned(),
        T::SocialCentre => "Le centre social accueille les habitants et les **accompagne** dans leurs démarches.".to_owned(),
        T::HostVenue => "Ce lieu municipal accueille des **ateliers hors les murs** et des permanences.".to_owned(),
        T::Other => format!("Un tiers-lieu **hybride** {at} : on y travaille, on y apprend et on s'y rencontre."),
    };
    let second = rng.pick(&[
        "Ateliers réguliers et événements : le programme est affiché sur place.",
        "Le lieu est animé par une équipe de salariés et de bénévoles.",
        "Ouvert à toutes et à tous, le lieu s'appuie sur une communauté d'usagers active.",
        "Le lieu partage ses outils et ses recettes sous licence libre.",
    ]);
    let since = 2008 + rng.below(16);
    let third = match rng.below(3) {
        0 => format!("Porté par une association depuis {since}."),
        1 => format!("Ouvert en {since}, le lieu est accessible aux personnes à mobilité réduite."),
        _ => format!("Né en {since} d'un collectif d'habitants."),
    };
    if rng.chance(0.3) { format!("{first} {second}") } else { format!("{first} {second}\n\n{third}") }
}

/// The national prefix of a commune's phone numbers (after the trunk 0): the region's
/// digit in metropolitan France, the département's three digits overseas.
fn phone_prefix(commune: &Commune) -> &'static str {
    match commune.departement.as_str() {
        "971" => "590",
        "972" => "596",
        "973" => "594",
        "974" => "262",
        "976" => "269",
        "30" | "34" | "48" | "66" | "11" => "4",
        _ => match commune.region.as_str() {
            "11" => "1",
            "24" | "28" | "52" | "53" => "2",
            "27" | "32" | "44" => "3",
            "84" | "93" | "94" => "4",
            _ => "5",
        },
    }
}

/// A national-format number, e.g. `04 77 12 34 56` or `02 62 12 34 56`.
fn phone(commune: &Commune, rng: &mut Rng) -> String {
    let mut digits = format!("0{}", phone_prefix(commune));
    while digits.len() < 10 {
        // The first subscriber digit is never 0 to avoid numbers such as 01 00…
        let low = usize::from(digits.len() == 2);
        digits.push(char::from(b'0' + rng.between(low, 9) as u8));
    }
    let pairs: Vec<&str> = (0..5).map(|i| &digits[2 * i..2 * i + 2]).collect();
    pairs.join(" ")
}

fn place_input(
    place_type: PlaceType,
    profile: &Profile,
    town: &Town<'_>,
    name: String,
    rng: &mut Rng,
) -> PlaceInput {
    let commune = town.commune;
    let mut types = vec![place_type];
    for &(extra, probability) in profile.extra_types {
        if types.len() < 3 && rng.chance(probability) {
            types.push(extra);
        }
    }
    let mut services: Vec<Service> = profile.services.to_vec();
    for &service in profile.optional_services {
        if rng.chance(0.35) {
            services.push(service);
        }
    }
    let equipment: Vec<String> = profile
        .equipment
        .iter()
        .filter(|(_, p)| rng.chance(*p))
        .map(|(item, _)| (*item).to_owned())
        .collect();
    let mut labels: Vec<Label> = match place_type {
        PlaceType::FabriqueTerritoire => vec![Label::FabriqueTerritoire],
        PlaceType::FabriqueNumerique => vec![Label::FabriqueNumerique],
        PlaceType::CampusConnecte => vec![Label::CampusConnecte],
        _ => Vec::new(),
    };
    labels.extend(profile.labels.iter().filter(|(_, p)| rng.chance(*p)).map(|(label, _)| *label));
    let publics: Vec<Public> =
        profile.publics.iter().filter(|(_, p)| rng.chance(*p)).map(|(x, _)| *x).collect();
    let support: Vec<Support> =
        if matches!(place_type, PlaceType::Epn | PlaceType::SocialCentre | PlaceType::Library) {
            [Support::Mobility, Support::Illiteracy, Support::LanguagesOther, Support::Deafness]
                .into_iter()
                .filter(|_| rng.chance(0.15))
                .collect()
        } else {
            Vec::new()
        };
    let fees: Vec<Fee> = if rng.chance(0.75) {
        let first = rng.pick(profile.fees);
        let second = rng.pick(profile.fees);
        if first == second || rng.chance(0.6) { vec![first] } else { vec![first, second] }
    } else {
        Vec::new()
    };
    let access_modes: Vec<AccessMode> = if rng.chance(0.6) {
        profile.access_modes.iter().copied().filter(|_| rng.chance(0.5)).collect()
    } else {
        Vec::new()
    };
    let hours = (!rng.chance(0.04)).then(|| rng.pick(profile.hours).to_owned());

    let site = slug(&name, 48);
    let email =
        rng.chance(0.9).then(|| format!("{}@{site}.example", rng.pick(&["contact", "bonjour", "accueil"])));
    let phone = rng.chance(0.85).then(|| phone(commune, rng));
    let website = rng.chance(0.8).then(|| format!("https://{site}.example"));
    let accessibility_url =
        (website.is_some() && rng.chance(0.1)).then(|| format!("https://{site}.example/accessibilite"));
    let (latitude, longitude) = near(commune, rng);
    let status = match rng.unit() {
        x if x < 0.97 => "published",
        x if x < 0.985 => "draft",
        _ => "archived",
    };
    let codes = |items: Vec<&'static str>| items.into_iter().map(str::to_owned).collect::<Vec<_>>();

    PlaceInput {
        name: Some(name),
        types: codes(types.iter().map(|t| t.code()).collect()),
        summary: Some(summary(place_type, town, rng)),
        description: Some(description(place_type, town, rng)),
        address: Some(address(rng)),
        postal_code: commune.postal_codes.first().cloned(),
        commune_code: Some(commune.code.clone()),
        commune_name: Some(commune.name.clone()),
        latitude: Some(latitude),
        longitude: Some(longitude),
        services: codes(services.iter().map(|s| s.code()).collect()),
        equipment,
        opening_hours: hours,
        publics: codes(publics.iter().map(|p| p.code()).collect()),
        support: codes(support.iter().map(|s| s.code()).collect()),
        fees: codes(fees.iter().map(|f| f.code()).collect()),
        access_modes: codes(access_modes.iter().map(|a| a.code()).collect()),
        accessibility_url,
        labels: codes(labels.iter().map(|l| l.code()).collect()),
        email,
        phone,
        website,
        status: Some(status.to_owned()),
        ..PlaceInput::default()
    }
}

/// Whether an equipment name is one of the suggested vocabulary's French names.
pub fn is_suggested_equipment(name: &str) -> bool {
    SUGGESTED_EQUIPMENT.iter().any(|(fr, _)| *fr == name)
}

// ---------------------------------------------------------------------------------------
// Accounts

const FIRST_NAMES: &[&str] = &[
    "Camille", "Léa", "Hugo", "Inès", "Lucas", "Manon", "Nathan", "Chloé", "Karim", "Sarah", "Yann",
    "Maëlle", "Thomas", "Aïcha", "Julien", "Élodie", "Mathieu", "Nadia", "Pierre", "Sophie", "Bastien",
    "Fatou",
];
const LAST_NAMES: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Garnier", "Lefebvre", "Roux", "Fournier", "Girard",
    "Bonnet", "Mercier", "Le Gall", "Benali", "Diallo", "Nguyen", "Rousseau", "Blanc", "Guerin", "Perrin",
];

const MANAGERS: usize = 20;

fn users(places: &[DemoPlace], rng: &mut Rng) -> Vec<DemoUser> {
    let mut users = vec![
        admin("admin", "Administration de la démo"),
        admin("coordination", "Coordination nationale (démo)"),
        admin("animation", "Animation des réseaux (démo)"),
    ];
    // A manager runs a few places of one département, like a local association would.
    let mut by_departement: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut order: Vec<usize> = (0..places.len()).collect();
    rng.shuffle(&mut order);
    for &i in &order {
        let departement = places[i].input.commune_code.as_deref().map_or("", departement_of);
        by_departement.entry(departement).or_default().push(i);
    }
    let mut taken = vec![false; places.len()];
    let mut emails: HashSet<String> = users.iter().map(|u| u.email.clone()).collect();
    for &first in order.iter().take(MANAGERS) {
        if taken[first] {
            continue;
        }
        taken[first] = true;
        let mut manages = vec![first];
        let wanted = rng.between(1, 5);
        let departement = places[first].input.commune_code.as_deref().map_or("", departement_of);
        for &other in by_departement.get(departement).into_iter().flatten() {
            if manages.len() >= wanted {
                break;
            }
            if !taken[other] {
                taken[other] = true;
                manages.push(other);
            }
        }
        let place_name = places[first].input.name.as_deref().unwrap_or("lieu");
        let base = format!("gestion.{}", slug(place_name, 40));
        let mut email = format!("{base}@{DEMO_EMAIL_DOMAIN}");
        let mut n = 2;
        while !emails.insert(email.clone()) {
            email = format!("{base}-{n}@{DEMO_EMAIL_DOMAIN}");
            n += 1;
        }
        let display_name = format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES));
        users.push(DemoUser { email, display_name, is_admin: false, manages });
    }
    users
}

fn admin(local: &str, display_name: &str) -> DemoUser {
    DemoUser {
        email: format!("{local}@{DEMO_EMAIL_DOMAIN}"),
        display_name: display_name.to_owned(),
        is_admin: true,
        manages: Vec::new(),
    }
}

/// A few proposals and reports on the published places of the first managers, so that a
/// manager's moderation queue is not empty: each proposal comes from another manager.
fn moderation(places: &[DemoPlace], users: &[DemoUser]) -> (Vec<DemoProposal>, Vec<DemoReport>) {
    let managers: Vec<usize> = (0..users.len()).filter(|&i| users[i].email.starts_with("gestion.")).collect();
    let mut proposals = Vec::new();
    let mut reports = Vec::new();
    for (n, &m) in managers.iter().take(3).enumerate() {
        let Some(&place) =
            users[m].manages.iter().find(|&&p| places[p].input.status.as_deref() == Some("published"))
        else {
            continue;
        };
        let proposer = managers[(n + 3) % managers.len()];
        if proposer != m {
            let mut input = places[place].input.clone();
            input.summary =
                Some("Lieu ouvert à tous : ateliers, permanences et accompagnement au numérique.".into());
            input.opening_hours = Some("Tu-Sa 10:00-18:00; PH off".into());
            proposals.push(DemoProposal {
                place,
                proposer,
                input,
                message: "Horaires relevés sur place la semaine dernière.".into(),
            });
        }
        reports.push(DemoReport {
            place,
            kind: if n % 2 == 0 { "hours" } else { "contact" },
            message: if n % 2 == 0 {
                "Fermé le samedi depuis septembre.".into()
            } else {
                "Le numéro de téléphone ne répond plus.".into()
            },
        });
    }
    (proposals, reports)
}

/// Département of an INSEE code: `2A`, `974`, `42`…
fn departement_of(code: &str) -> &str {
    if code.starts_with("97") { code.get(..3).unwrap_or(code) } else { code.get(..2).unwrap_or(code) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elision_follows_french_usage() {
        assert_eq!(of_name("Rodez"), "de Rodez");
        assert_eq!(of_name("Annecy"), "d'Annecy");
        assert_eq!(of_name("Le Mans"), "du Mans");
        assert_eq!(of_name("Les Sables-d'Olonne"), "des Sables-d'Olonne");
        assert_eq!(of_name("La Rochelle"), "de La Rochelle");
        assert_eq!(of_name("Évreux"), "d'Évreux");
        assert_eq!(at_name("Le Mans"), "au Mans");
        assert_eq!(at_name("Les Mureaux"), "aux Mureaux");
    }

    #[test]
    fn slugs_are_ascii_and_bounded() {
        assert_eq!(slug("Coworking La Ruche – Lyon 7e", 48), "coworking-la-ruche-lyon-7e");
        assert_eq!(slug("Médiathèque Jean-Moulin de Rodez", 20), "mediatheque-jean");
        assert!(slug(&"a".repeat(100), 10).len() <= 10);
    }

    #[test]
    fn phone_numbers_follow_the_regional_plan() {
        let mut rng = Rng::new(1);
        let mut commune = Reference::shared().commune("42218").cloned().expect("Saint-Étienne");
        assert!(phone(&commune, &mut rng).starts_with("04 "));
        commune.departement = "974".into();
        assert!(phone(&commune, &mut rng).starts_with("02 62 "));
    }

    #[test]
    fn the_rng_is_uniform_enough_and_stable() {
        let mut rng = Rng::new(7);
        let first = rng.next_u64();
        assert_eq!(Rng::new(7).next_u64(), first);
        let mut counts = [0usize; 4];
        for _ in 0..4000 {
            counts[rng.below(4)] += 1;
        }
        assert!(counts.iter().all(|&c| (900..1100).contains(&c)), "{counts:?}");
    }
}
