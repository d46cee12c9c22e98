//! Controlled vocabularies: place types, services, publics, support, fees, access modes,
//! labels and national programmes.
//!
//! Each term has a stable snake_case `code` (used in URLs, the API and the database), a
//! French and an English label, and, where one exists, its value in the national schema of
//! *lieux de médiation numérique* (LMN) so that imports and exports speak that schema.
//!
//! LMN values match the schema **2.0.0** (LaMednum/standard-mediation-num, published on
//! schema.data.gouv.fr). Its closed vocabularies (services, publics, prise en charge, frais,
//! modalités d'accès et d'accompagnement, dispositifs) are those introduced in 1.0 and left
//! unchanged by 2.0.0; `typologie` follows the data·inclusion / ANCT structure types (92
//! codes in 2.0.0, `FABRIQUE` among them). The values of the earlier 0.x versions (15
//! services, `publics_accueillis`, `conditions_acces`, `labels_nationaux`, the old
//! `modalites_accompagnement`) are kept as [`Vocabulary::lmn_aliases`] so that files
//! published under them still resolve.

use crate::messages::Message;
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
    /// Other values that mean this term: the schema's earlier versions and long forms.
    /// Several terms of an old version may map to one current term.
    fn lmn_aliases(self) -> &'static [&'static str];

    /// Parse an LMN value (current or older version), ignoring case and accents.
    fn from_lmn(value: &str) -> Option<Self> {
        let wanted = crate::text::fold(value);
        Self::ALL.iter().copied().find(|t| t.lmn().is_some_and(|l| crate::text::fold(l) == wanted)).or_else(
            || {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|t| t.lmn_aliases().iter().any(|a| crate::text::fold(a) == wanted))
            },
        )
    }

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
        Self::ALL
            .iter()
            .copied()
            .find(|t| {
                crate::text::fold(t.label_fr()) == wanted
                    || crate::text::fold(t.label_en()) == wanted
                    || t.lmn().is_some_and(|l| crate::text::fold(l) == wanted)
            })
            .or_else(|| Self::from_lmn(value))
    }
}

macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $variant:ident => ($code:literal, $fr:literal, $en:literal, $lmn:expr $(, [$($alias:literal),* $(,)?])? ) ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $variant ),+ }

        // Serialised as the stable code, so JSON, the database and URLs agree.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                <Self as Vocabulary>::from_code(&code)
                    .ok_or_else(|| serde::de::Error::custom(format!("unknown {} code {code:?}", stringify!($name))))
            }
        }

        impl Vocabulary for $name {
            const ALL: &'static [Self] = &[ $( Self::$variant ),+ ];
            fn code(self) -> &'static str { match self { $( Self::$variant => $code ),+ } }
            fn label_fr(self) -> &'static str { match self { $( Self::$variant => $fr ),+ } }
            fn label_en(self) -> &'static str { match self { $( Self::$variant => $en ),+ } }
            fn lmn(self) -> Option<&'static str> { match self { $( Self::$variant => $lmn ),+ } }
            fn lmn_aliases(self) -> &'static [&'static str] {
                match self { $( Self::$variant => &[ $($($alias),*)? ] ),+ }
            }
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
                    Message::new("vocab_value.unknown").with("value", s.trim()).with("allowed", Self::ALL.iter().map(|t| t.code()).collect::<Vec<_>>().join(", ")),
                ))
            }
        }
    };
}

vocabulary! {
    /// Kind of place. The LMN value is the schema's `typologie` code: `TIERS_LIEUX` ("tiers
    /// lieu & coworking") for most kinds, and the dedicated codes where the typology has one
    /// (`FABLAB`, `FABRIQUE`, `EPN`, `BIB`, `ESS`, `MJC`, `CS`, `CSC`).
    PlaceType {
        Coworking => ("coworking", "Espace de coworking", "Coworking space", Some("TIERS_LIEUX")),
        Fablab => ("fablab", "Fablab / makerspace", "Fablab / makerspace", Some("FABLAB")),
        LivingLab => ("living_lab", "Living lab", "Living lab", Some("TIERS_LIEUX")),
        Epn => ("epn", "Espace public numérique (EPN)", "Public digital space (EPN)", Some("EPN"), ["EPI", "ENM"]),
        Library => ("library", "Bibliothèque / médiathèque ouverte", "Open library / media library", Some("BIB"), ["RELAIS_LECTURE"]),
        MaisonEss => ("maison_ess", "Maison de l'ESS", "Social and solidarity economy centre", Some("ESS")),
        Educational => ("educational", "Tiers-lieu éducatif", "Educational third place", Some("TIERS_LIEUX")),
        CampusConnecte => ("campus_connecte", "Campus connecté", "Connected campus", Some("TIERS_LIEUX")),
        FabriqueTerritoire => ("fabrique_territoire", "Fabrique de territoire", "Fabrique de territoire (territorial hub)", Some("FABRIQUE")),
        FabriqueNumerique => ("fabrique_numerique", "Fabrique numérique de territoire", "Digital Fabrique de territoire", Some("FABRIQUE")),
        SharedWorkshop => ("shared_workshop", "Atelier partagé", "Shared workshop", Some("TIERS_LIEUX"), ["RESSOURCERIE"]),
        SharedKitchen => ("shared_kitchen", "Cuisine partagée", "Shared kitchen", Some("TIERS_LIEUX")),
        Mjc => ("mjc", "Maison des jeunes et de la culture (MJC)", "Youth and culture centre (MJC)", Some("MJC")),
        SocialCentre => ("social_centre", "Centre social / socioculturel", "Social or community centre", Some("CS"), ["CSC", "EVS", "MQ", "MDH"]),
        HostVenue => ("host_venue", "Lieu d'accueil (musée, piscine, salle communale…)", "Host venue (museum, pool, village hall…)", Some("Autre")),
        Other => ("other", "Autre tiers-lieu", "Other third place", Some("TIERS_LIEUX")),
    }
}

vocabulary! {
    /// Services offered: the national LMN schema's `services`, then tiers-lieux services.
    /// Aliases are the 15 services of schema 0.x, mapped as the national cartography maps them.
    Service {
        AdminProcedures => ("admin_procedures", "Aide aux démarches administratives", "Help with administrative procedures", Some("Aide aux démarches administratives"),
            ["Devenir autonome dans les démarches administratives", "Réaliser des démarches administratives avec un accompagnement", "Accompagner les démarches de santé"]),
        DigitalBasics => ("digital_basics", "Maîtrise des outils numériques du quotidien", "Everyday digital skills", Some("Maîtrise des outils numériques du quotidien"),
            ["Prendre en main un smartphone ou une tablette", "Prendre en main un ordinateur", "Utiliser le numérique au quotidien"]),
        DigitalEmployment => ("digital_employment", "Insertion professionnelle via le numérique", "Employability through digital skills", Some("Insertion professionnelle via le numérique"),
            ["Favoriser mon insertion professionnelle", "Créer et développer mon entreprise"]),
        DigitalSafety => ("digital_safety", "Utilisation sécurisée du numérique", "Safe use of digital tools", Some("Utilisation sécurisée du numérique")),
        DigitalParenting => ("digital_parenting", "Parentalité et éducation avec le numérique", "Parenting and education with digital tools", Some("Parentalité et éducation avec le numérique"),
            ["Soutenir la parentalité et l'éducation avec le numérique"]),
        DigitalCreation => ("digital_creation", "Loisirs et créations numériques", "Digital leisure and creation", Some("Loisirs et créations numériques"),
            ["Créer avec le numérique"]),
        DigitalCulture => ("digital_culture", "Compréhension du monde numérique", "Understanding the digital world", Some("Compréhension du monde numérique"),
            ["Approfondir ma culture numérique", "Promouvoir la citoyenneté numérique"]),
        InternetAccess => ("internet_access", "Accès internet et matériel informatique", "Internet and computer access", Some("Accès internet et matériel informatique"),
            ["Accéder à une connexion internet", "Accéder à du matériel"]),
        EquipmentPurchase => ("equipment_purchase", "Acquisition de matériel informatique à prix solidaire", "Low-cost computer equipment", Some("Acquisition de matériel informatique à prix solidaire"),
            ["S'équiper en matériel informatique"]),
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
    /// Publics specifically addressed (LMN `publics_specifiquement_adresses`; aliases from the
    /// 0.x `publics_accueillis`).
    Public {
        Youth => ("youth", "Jeunes", "Young people", Some("Jeunes"), ["Jeunes (16-26 ans)"]),
        Students => ("students", "Étudiants", "Students", Some("Étudiants")),
        Families => ("families", "Familles et/ou enfants", "Families and children", Some("Familles et/ou enfants"), ["Familles/enfants"]),
        Seniors => ("seniors", "Seniors", "Seniors", Some("Seniors"), ["Seniors (+ 65 ans)"]),
        Women => ("women", "Femmes", "Women", Some("Femmes"), ["Uniquement femmes"]),
        JobSeekers => ("job_seekers", "Demandeurs d'emploi", "Job seekers", None),
        Entrepreneurs => ("entrepreneurs", "Entrepreneurs et indépendants", "Entrepreneurs and freelancers", None),
        Associations => ("associations", "Associations", "Associations", None),
    }
}

vocabulary! {
    /// Specific support offered (LMN `prise_en_charge_specifique`; aliases from the 0.x
    /// `publics_accueillis`).
    Support {
        Disability => ("disability", "Situation de handicap", "Disabilities", None),
        Languages => ("languages", "Langues étrangères (anglais)", "Foreign languages (English)", Some("Langues étrangères (anglais)"), ["Public langues étrangères"]),
        LanguagesOther => ("languages_other", "Langues étrangères (autres)", "Foreign languages (others)", Some("Langues étrangères (autres)")),
        Illiteracy => ("illiteracy", "Illettrisme", "Illiteracy", Some("Illettrisme"), ["Personnes en situation d'illettrisme"]),
        Deafness => ("deafness", "Surdité", "Deafness", Some("Surdité")),
        Blindness => ("blindness", "Déficience visuelle", "Visual impairment", Some("Déficience visuelle")),
        Cognitive => ("cognitive", "Handicaps mentaux", "Cognitive disabilities", Some("Handicaps mentaux"),
            ["Handicaps mentaux : déficiences limitant les activités d'une personne", "Handicaps psychiques : troubles psychiatriques donnant lieu à des atteintes comportementales"]),
        Mobility => ("mobility", "Handicaps moteurs", "Reduced mobility", Some("Handicaps moteurs")),
    }
}

vocabulary! {
    /// Fees (LMN `frais_a_charge`; aliases from the 0.x `conditions_acces` and the long forms
    /// of 1.0's description).
    Fee {
        Free => ("free", "Gratuit", "Free", Some("Gratuit"), ["Gratuit : Je peux accéder gratuitement au lieu et à ses services"]),
        FreeWithConditions => ("free_with_conditions", "Gratuit sous condition", "Free under conditions", Some("Gratuit sous condition"),
            ["Gratuit sous condition : La gratuité est conditionnée à des critères (situation familiale, convention avec un organisme social...)",
             "Gratuit sous condition : La gratuité est conditionnée à des critères (adhésion, situation familiale, convention avec un organisme social, pass numériques…)",
             "Accepte le Pass numérique : Il est possible d'utiliser un Pass numérique pour accéder au lieu"]),
        Paid => ("paid", "Payant", "Paid", Some("Payant"), ["Payant : L'accès au lieu et/ou à ses services est payant"]),
        Membership => ("membership", "Adhésion", "Membership", None, ["Adhésion : L'accès au lieu et/ou à ses services nécessite d'y adhérer"]),
    }
}

vocabulary! {
    /// How to get access (LMN `modalites_acces`).
    AccessMode {
        WalkIn => ("walk_in", "Se présenter sur place", "Walk in", Some("Se présenter")),
        Phone => ("phone", "Téléphoner", "Call", Some("Téléphoner")),
        Email => ("email", "Contacter par e-mail", "Send an email", Some("Contacter par mail"), ["Envoyer un mail"]),
        Appointment => ("appointment", "Prendre un RDV en ligne", "Book online", Some("Prendre un RDV en ligne")),
        Referral => ("referral", "Sur orientation d'un professionnel (fiche de prescription)", "Referral by a professional (prescription form)", Some("Envoyer un mail avec une fiche de prescription"), ["Orientation par un professionnel"]),
        NoPublic => ("no_public", "N'accueille pas de public", "Not open to the public", Some("Ce lieu n'accueille pas de public")),
        Membership => ("membership", "Sur adhésion", "Members only", None),
    }
}

vocabulary! {
    /// Kind of help given (LMN `modalites_accompagnement`). The 0.x values ("Seul", "Avec de
    /// l'aide", "Dans un atelier", "À ma place") are aliases. "À ma place" (someone does the
    /// procedure for the person) has no value of its own since 1.0: it is exported as
    /// "Accompagnement individuel", as the national cartography does.
    SupportMode {
        Autonomous => ("autonomous", "En autonomie", "On one's own", Some("En autonomie"),
            ["Seul", "Seul : j'ai accès à du matériel et une connexion"]),
        Individual => ("individual", "Accompagnement individuel", "One-to-one help", Some("Accompagnement individuel"),
            ["Avec de l'aide", "Avec de l'aide : je suis accompagné seul dans l'usage du numérique"]),
        Workshop => ("workshop", "Dans un atelier collectif", "In a group workshop", Some("Dans un atelier collectif"),
            ["Dans un atelier", "Dans un atelier : j'apprends collectivement à utiliser le numérique", "Dans un atelier collectif : j'apprends collectivement à utiliser le numérique"]),
        Remote => ("remote", "À distance", "Remotely", Some("À distance"), ["À distance (par téléphone ou en visioconférence)"]),
        OnBehalf => ("on_behalf", "À ma place", "Done on the person's behalf", Some("Accompagnement individuel"),
            ["À ma place", "A ma place : une personne habilitée fait les démarches à ma place"]),
    }
}

vocabulary! {
    /// Labels and national programmes (LMN `dispositif_programmes_nationaux`; the Fabriques
    /// are in LMN `formations_labels`, see [`Label::lmn_formation_label`]). Aliases come from
    /// the 0.x `labels_nationaux`.
    Label {
        FabriqueTerritoire => ("fabrique_territoire", "Fabrique de territoire", "Fabrique de territoire", None, ["Fabriques de Territoire"]),
        FabriqueNumerique => ("fabrique_numerique", "Fabrique numérique de territoire", "Digital Fabrique de territoire", None),
        FranceServices => ("france_services", "France Services", "France Services", Some("France Services")),
        ConseillersNumeriques => ("conseillers_numeriques", "Conseillers numériques", "Digital advisers (Conseillers numériques)", Some("Conseillers numériques"), ["CNFS"]),
        AidantsConnect => ("aidants_connect", "Aidants Connect", "Aidants Connect", Some("Aidants Connect")),
        PassNumerique => ("pass_numerique", "Pass numérique", "Pass numérique", None, ["APTIC"]),
        CampusConnecte => ("campus_connecte", "Campus connecté", "Campus connecté", None, ["Campus connecté"]),
        NouveauxLieuxNouveauxLiens => ("nouveaux_lieux_nouveaux_liens", "Nouveaux lieux, nouveaux liens", "Nouveaux lieux, nouveaux liens", None),
        France2030 => ("france_2030", "France 2030", "France 2030", None),
        BibliothequeNumeriqueReference => ("bibliotheque_numerique_reference", "Bibliothèque numérique de référence", "Digital reference library", Some("Bibliothèques numérique de référence")),
        CertificationPix => ("certification_pix", "Certification PIX", "PIX certification centre", Some("Certification PIX")),
        EmmausConnect => ("emmaus_connect", "Emmaüs Connect", "Emmaüs Connect", Some("Emmaüs Connect")),
        GrandeEcoleNumerique => ("grande_ecole_numerique", "Grande école du numérique", "Grande école du numérique", Some("Grande école du numérique"), ["Grandes écoles du numérique"]),
        CroixRouge => ("croix_rouge", "La Croix-Rouge", "French Red Cross", Some("La Croix Rouge")),
        PointNumeriqueCaf => ("point_numerique_caf", "Point d'accès numérique CAF", "CAF digital access point", Some("Point d'accès numérique CAF"), ["Point numérique CAF", "Point relais CAF"]),
        PromeneursDuNet => ("promeneurs_du_net", "Promeneurs du net", "Promeneurs du net", Some("Promeneurs du net")),
        RelaisNumeriqueEmmaus => ("relais_numerique_emmaus", "Relais numérique (Emmaüs Connect)", "Digital relay (Emmaüs Connect)", Some("Relais numérique (Emmaüs Connect)")),
    }
}

impl Label {
    /// Value in LMN `formations_labels`, where the schema files the Fabriques de territoire
    /// (both kinds share one value there).
    pub fn lmn_formation_label(self) -> Option<&'static str> {
        match self {
            Self::FabriqueTerritoire | Self::FabriqueNumerique => Some("Fabriques de Territoire"),
            _ => None,
        }
    }
}

vocabulary! {
    /// What a community knows how to do (the profile of the community of educational
    /// tiers-lieux). A community adds its own beside these ([`CommunityData::other_expertises`]).
    Expertise {
        CoDesign => ("co_design", "Co-conception", "Co-design", None),
        Design => ("design", "Design", "Design", None),
        UserListening => ("user_listening", "Écoute des usagers", "User listening", None),
        Innovation => ("innovation", "Innovation", "Innovation", None),
        ImpactMeasurement => ("impact_measurement", "Mesure d'impact", "Impact measurement", None),
        Digital => ("digital", "Numérique", "Digital", None),
        Facilitation => ("facilitation", "Animation de communauté", "Community facilitation", None),
        Training => ("training", "Formation", "Training", None),
        Transverse => ("transverse", "Transverse", "Cross-cutting", None),
    }
}

vocabulary! {
    /// The fields a community works in.
    CommunityDomain {
        Education => ("education", "Éducation", "Education", None),
        Culture => ("culture", "Culture", "Culture", None),
        EmploymentTraining => ("employment_training", "Emploi / formation", "Employment / training", None),
        YouthSports => ("youth_sports", "Jeunesse / sports", "Youth / sports", None),
        DigitalInclusion => ("digital_inclusion", "Inclusion numérique", "Digital inclusion", None),
        Social => ("social", "Action sociale / solidarité", "Social action / solidarity", None),
        Environment => ("environment", "Transition écologique", "Ecological transition", None),
        Economy => ("economy", "Économie / ESS", "Economy / social economy", None),
        Health => ("health", "Santé", "Health", None),
        Agriculture => ("agriculture", "Agriculture / alimentation", "Agriculture / food", None),
    }
}

vocabulary! {
    /// How far a community reaches.
    CommunityScope {
        National => ("national", "Nationale", "National", None),
        Regional => ("regional", "Régionale", "Regional", None),
        Departmental => ("departmental", "Départementale", "Departmental", None),
        Local => ("local", "Locale", "Local", None),
    }
}

vocabulary! {
    /// How people join.
    JoinPolicy {
        Open => ("open", "Ouverte : on rejoint librement", "Open: anyone joins", None),
        Approval => ("approval", "Sur validation d'un référent", "On a referent's approval", None),
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

/// The label of a term by the catalogue key `vocab.<vocabulary>.<code>` (see
/// [`crate::messages`]): vocabularies are named in snake case (`place_type`, `service`…).
pub fn label_by_key(vocabulary: &str, code: &str, lang: crate::messages::Lang) -> Option<&'static str> {
    fn of<T: Vocabulary>(code: &str, lang: crate::messages::Lang) -> Option<&'static str> {
        T::ALL.iter().find(|t| t.code() == code).map(|t| t.label(lang.code()))
    }
    match vocabulary {
        "place_type" => of::<PlaceType>(code, lang),
        "service" => of::<Service>(code, lang),
        "public" => of::<Public>(code, lang),
        "support" => of::<Support>(code, lang),
        "fee" => of::<Fee>(code, lang),
        "access_mode" => of::<AccessMode>(code, lang),
        "support_mode" => of::<SupportMode>(code, lang),
        "label" => of::<Label>(code, lang),
        "expertise" => of::<Expertise>(code, lang),
        "community_domain" => of::<CommunityDomain>(code, lang),
        "community_scope" => of::<CommunityScope>(code, lang),
        "join_policy" => of::<JoinPolicy>(code, lang),
        _ => None,
    }
}
