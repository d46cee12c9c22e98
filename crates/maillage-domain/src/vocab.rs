//! Controlled vocabularies: place types, services, publics, support, fees, access modes,
//! labels and national programmes.
//!
//! Each term has a stable snake_case `code` (used in URLs, the API and the database), a
//! French and an English label, and, where one exists, its value in the national schema of
//! *lieux de médiation numérique* (LMN) so that imports and exports speak that schema.

use serde::{Deserialize, Serialize};

/// Common behaviour of every vocabulary.
pub trait Vocabulary: Sized + Copy + 'static {
    /// All terms, in display order.
    const ALL: &'static [Self];
    /// Stable code.
    fn code(self) -> &'static str;
    fn label_fr(self) -> &'static str;
    fn label_en(self) -> &'static str;
    /// Value in the national LMN schema, when the schema has one.
    fn lmn(self) -> Option<&'static str>;

    fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_fr() }
    }

    /// Parse a code (exact, case-insensitive).
    fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL.iter().copied().find(|t| t.code().eq_ignore_ascii_case(code))
    }

    /// Parse a code, a French or English label, or an LMN value, ignoring case and accents.
    fn parse_loose(value: &str) -> Option<Self> {
        if let Some(t) = Self::from_code(value) {
            return Some(t);
        }
        let wanted = crate::text::fold(value);
        Self::ALL.iter().copied().find(|t| {
            crate::text::fold(t.label_fr()) == wanted
                || crate::text::fold(t.label_en()) == wanted
                || t.lmn().is_some_and(|l| crate::text::fold(l) == wanted)
        })
    }
}

macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $variant:ident => ($code:literal, $fr:literal, $en:literal, $lmn:expr) ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $( $variant ),+ }

        impl Vocabulary for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            fn code(self) -> &'static str { match self { $( Self::$variant => $code ),+ } }
            fn label_fr(self) -> &'static str { match self { $( Self::$variant => $fr ),+ } }
            fn label_en(self) -> &'static str { match self { $( Self::$variant => $en ),+ } }
            fn lmn(self) -> Option<&'static str> { match self { $( Self::$variant => $lmn ),+ } }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::FieldError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <Self as Vocabulary>::parse_loose(s).ok_or_else(|| crate::FieldError::new(
                    "",
                    concat!("unknown_", stringify!($name)),
                    format!("Valeur inconnue « {} ». Valeurs possibles : {}.", s.trim(),
                        Self::ALL.iter().map(|t| t.code()).collect::<Vec<_>>().join(", ")),
                    format!("Unknown value “{}”. Allowed values: {}.", s.trim(),
                        Self::ALL.iter().map(|t| t.code()).collect::<Vec<_>>().join(", ")),
                ))
            }
        }
    };
}

vocabulary! {
    /// Kind of place. The LMN value is the schema's `typologie` code.
    PlaceType {
        Coworking => ("coworking", "Espace de coworking", "Coworking space", Some("TIERS_LIEUX")),
        Fablab => ("fablab", "Fablab / makerspace", "Fablab / makerspace", Some("FABLAB")),
        LivingLab => ("living_lab", "Living lab", "Living lab", Some("TIERS_LIEUX")),
        Epn => ("epn", "Espace public numérique (EPN)", "Public digital space (EPN)", Some("EPN")),
        Library => ("library", "Bibliothèque / médiathèque ouverte", "Open library / media library", Some("BIB")),
        MaisonEss => ("maison_ess", "Maison de l'ESS", "Social and solidarity economy centre", Some("ESS")),
        Educational => ("educational", "Tiers-lieu éducatif", "Educational third place", Some("TIERS_LIEUX")),
        CampusConnecte => ("campus_connecte", "Campus connecté", "Connected campus", Some("TIERS_LIEUX")),
        FabriqueTerritoire => ("fabrique_territoire", "Fabrique de territoire", "Fabrique de territoire (territorial hub)", Some("FABRIQUE")),
        FabriqueNumerique => ("fabrique_numerique", "Fabrique numérique de territoire", "Digital Fabrique de territoire", Some("FABRIQUE")),
        SharedWorkshop => ("shared_workshop", "Atelier partagé", "Shared workshop", Some("TIERS_LIEUX")),
        SharedKitchen => ("shared_kitchen", "Cuisine partagée", "Shared kitchen", Some("TIERS_LIEUX")),
        HostVenue => ("host_venue", "Lieu d'accueil (musée, centre social…)", "Host venue (museum, community centre…)", Some("CSC")),
        Other => ("other", "Autre tiers-lieu", "Other third place", Some("TIERS_LIEUX")),
    }
}

vocabulary! {
    /// Services offered: the national LMN schema's services, then tiers-lieux services.
    Service {
        AdminProcedures => ("admin_procedures", "Aide aux démarches administratives", "Help with administrative procedures", Some("Aide aux démarches administratives")),
        DigitalBasics => ("digital_basics", "Maîtrise des outils numériques du quotidien", "Everyday digital skills", Some("Maîtrise des outils numériques du quotidien")),
        DigitalEmployment => ("digital_employment", "Insertion professionnelle via le numérique", "Employability through digital skills", Some("Insertion professionnelle via le numérique")),
        DigitalSafety => ("digital_safety", "Utilisation sécurisée du numérique", "Safe use of digital tools", Some("Utilisation sécurisée du numérique")),
        DigitalParenting => ("digital_parenting", "Parentalité et éducation avec le numérique", "Parenting and education with digital tools", Some("Parentalité et éducation avec le numérique")),
        DigitalCreation => ("digital_creation", "Loisirs et créations numériques", "Digital leisure and creation", Some("Loisirs et créations numériques")),
        DigitalCulture => ("digital_culture", "Compréhension du monde numérique", "Understanding the digital world", Some("Compréhension du monde numérique")),
        InternetAccess => ("internet_access", "Accès internet et matériel informatique", "Internet and computer access", Some("Accès internet et matériel informatique")),
        EquipmentPurchase => ("equipment_purchase", "Acquisition de matériel informatique à prix solidaire", "Low-cost computer equipment", Some("Acquisition de matériel informatique à prix solidaire")),
        TeleworkDesk => ("telework_desk", "Postes de travail / télétravail", "Desks for telework", None),
        MeetingRoom => ("meeting_room", "Salles de réunion", "Meeting rooms", None),
        Machines => ("machines", "Accès à des machines (fabrication)", "Access to machines (making)", None),
        Training => ("training", "Formations", "Training", None),
        PublicServiceAccess => ("public_service_access", "Point d'accès aux services publics", "Public-service access point", None),
        Culture => ("culture", "Offre culturelle", "Cultural programme", None),
        EventSpace => ("event_space", "Espace pour événements", "Event space", None),
        BusinessSupport => ("business_support", "Accompagnement à la création d'activité", "Support for starting a business", None),
        Domiciliation => ("domiciliation", "Domiciliation d'entreprise", "Business address", None),
        Repair => ("repair", "Réparation / repair café", "Repair café", None),
        Food => ("food", "Restauration / cuisine partagée", "Food / shared kitchen", None),
    }
}

vocabulary! {
    /// Publics specifically addressed (LMN `publics_specifiquement_adresses`).
    Public {
        Youth => ("youth", "Jeunes", "Young people", Some("Jeunes")),
        Students => ("students", "Étudiants", "Students", Some("Étudiants")),
        Families => ("families", "Familles et/ou enfants", "Families and children", Some("Familles et/ou enfants")),
        Seniors => ("seniors", "Seniors", "Seniors", Some("Seniors")),
        Women => ("women", "Femmes", "Women", Some("Femmes")),
        JobSeekers => ("job_seekers", "Demandeurs d'emploi", "Job seekers", None),
        Entrepreneurs => ("entrepreneurs", "Entrepreneurs et indépendants", "Entrepreneurs and freelancers", None),
        Associations => ("associations", "Associations", "Associations", None),
    }
}

vocabulary! {
    /// Specific support offered (LMN `prise_en_charge_specifique`).
    Support {
        Disability => ("disability", "Situation de handicap", "Disabilities", Some("Situation de handicap")),
        Languages => ("languages", "Langues étrangères (anglais)", "Foreign languages", Some("Langues étrangères (anglais)")),
        Illiteracy => ("illiteracy", "Illettrisme", "Illiteracy", Some("Illettrisme")),
        Deafness => ("deafness", "Surdité", "Deafness", Some("Surdité")),
        Blindness => ("blindness", "Déficience visuelle", "Visual impairment", Some("Déficience visuelle")),
        Cognitive => ("cognitive", "Handicaps mentaux", "Cognitive disabilities", Some("Handicaps mentaux")),
        Mobility => ("mobility", "Handicaps moteurs", "Reduced mobility", Some("Handicaps moteurs")),
    }
}

vocabulary! {
    /// Fees (LMN `frais_a_charge`).
    Fee {
        Free => ("free", "Gratuit", "Free", Some("Gratuit")),
        FreeWithConditions => ("free_with_conditions", "Gratuit sous condition", "Free under conditions", Some("Gratuit sous condition")),
        Paid => ("paid", "Payant", "Paid", Some("Payant")),
        Membership => ("membership", "Adhésion", "Membership", None),
    }
}

vocabulary! {
    /// How to get access (LMN `modalites_acces`).
    AccessMode {
        WalkIn => ("walk_in", "Se présenter", "Walk in", Some("Se présenter")),
        Phone => ("phone", "Téléphoner", "Call", Some("Téléphoner")),
        Email => ("email", "Envoyer un e-mail", "Send an email", Some("Envoyer un mail")),
        Appointment => ("appointment", "Prendre un RDV en ligne", "Book online", Some("Prendre un RDV en ligne")),
        Referral => ("referral", "Orientation par un professionnel", "Referral by a professional", Some("Orientation par un professionnel")),
        Membership => ("membership", "Sur adhésion", "Members only", None),
    }
}

vocabulary! {
    /// Labels and national programmes (LMN `dispositif_programmes_nationaux`).
    Label {
        FabriqueTerritoire => ("fabrique_territoire", "Fabrique de territoire", "Fabrique de territoire", None),
        FabriqueNumerique => ("fabrique_numerique", "Fabrique numérique de territoire", "Digital Fabrique de territoire", None),
        FranceServices => ("france_services", "France Services", "France Services", Some("France Services")),
        ConseillersNumeriques => ("conseillers_numeriques", "Conseillers numériques", "Digital advisers (Conseillers numériques)", Some("Conseillers numériques")),
        AidantsConnect => ("aidants_connect", "Aidants Connect", "Aidants Connect", Some("Aidants Connect")),
        PassNumerique => ("pass_numerique", "Pass numérique", "Pass numérique", Some("Pass numérique")),
        CampusConnecte => ("campus_connecte", "Campus connecté", "Campus connecté", None),
        NouveauxLieuxNouveauxLiens => ("nouveaux_lieux_nouveaux_liens", "Nouveaux lieux, nouveaux liens", "Nouveaux lieux, nouveaux liens", None),
        France2030 => ("france_2030", "France 2030", "France 2030", None),
    }
}

/// Suggested equipment vocabulary (equipment stays a free list; these feed autocompletion).
pub const SUGGESTED_EQUIPMENT: &[(&str, &str)] = &[
    ("Découpeuse laser", "Laser cutter"),
    ("Imprimante 3D", "3D printer"),
    ("Fraiseuse numérique (CNC)", "CNC milling machine"),
    ("Découpeuse vinyle", "Vinyl cutter"),
    ("Brodeuse numérique", "Embroidery machine"),
    ("Machine à coudre", "Sewing machine"),
    ("Presse à chaud", "Heat press"),
    ("Scanner 3D", "3D scanner"),
    ("Poste de soudure électronique", "Soldering station"),
    ("Ordinateurs en libre accès", "Public computers"),
    ("Imprimante / photocopieur", "Printer / copier"),
    ("Visioconférence", "Video conferencing"),
    ("Studio son / vidéo", "Audio / video studio"),
    ("Outillage bois", "Woodworking tools"),
    ("Four de cuisine professionnel", "Professional oven"),
];
