//! The national schema of *lieux de médiation numérique* (LMN), CSV and JSON forms, in
//! its current version and the earlier ones still published (see the README).

use crate::mapping::ColumnMapping;
use crate::report::{FileError, RowError};
use crate::row::{self, Row, json_kind};
use crate::{Collector, ImportRow};
use maillage_domain::messages::Message;
use maillage_domain::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{Place, PlaceInput, text::fold};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Fields of the current schema, in the order Maillage writes them.
pub const FIELDS: &[&str] = &[
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
];

/// Every field read, current and earlier versions (0.1 / 1.0: `publics_accueillis`,
/// `conditions_acces`, `labels_nationaux`, `labels_autres`, `accessibilite`, `courriel`,
/// `cle_ban`; until 1.0.x: `structure_parente`).
const KNOWN: &[&str] = &[
    "id",
    "pivot",
    "nom",
    "commune",
    "code_postal",
    "code_insee",
    "adresse",
    "complement_adresse",
    "latitude",
    "longitude",
    "typologie",
    "telephone",
    "courriels",
    "site_web",
    "horaires",
    "presentation_resume",
    "presentation_detail",
    "source",
    "itinerance",
    "date_maj",
    "services",
    "publics_specifiquement_adresses",
    "prise_en_charge_specifique",
    "frais_a_charge",
    "dispositif_programmes_nationaux",
    "formations_labels",
    "autres_formations_labels",
    "modalites_acces",
    "modalites_accompagnement",
    "fiche_acces_libre",
    "prise_rdv",
    "structure_parente",
    "publics_accueillis",
    "conditions_acces",
    "labels_nationaux",
    "labels_autres",
    "accessibilite",
    "courriel",
    "cle_ban",
];

/// Misspellings found in published files.
const ALIASES: &[(&str, &str)] = &[
    ("conditions_access", "conditions_acces"),
    ("presentation_resumee", "presentation_resume"),
    ("modalites_access", "modalites_acces"),
];

/// Without these no record can be located or updated on re-import.
pub const REQUIRED: &[&str] = &["id", "nom", "code_postal", "commune"];

pub(crate) fn parse_csv(
    text: &str,
    mapping: &ColumnMapping,
    collector: &mut Collector<'_>,
) -> Result<(), FileError> {
    mapping.check_targets(KNOWN)?;
    let table = row::read_csv(text, KNOWN, ALIASES, mapping)?;
    let missing: Vec<String> = REQUIRED.iter().filter(|c| !table.has(c)).map(|c| (*c).to_owned()).collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns { missing });
    }
    if !table.unknown.is_empty() {
        collector.warn(row::unknown_columns_warning(1, &table.unknown, Message::new("import.row.columns")));
    }
    let mut resolver = Resolver::default();
    table.for_each_row(|row| collector.push(row.and_then(|row| resolver.import_row(&row))))?;
    resolver.report(collector);
    Ok(())
}

pub(crate) fn parse_json(
    text: &str,
    mapping: &ColumnMapping,
    collector: &mut Collector<'_>,
) -> Result<(), FileError> {
    mapping.check_targets(KNOWN)?;
    let mut resolver = Resolver::default();
    let mut unknown = Vec::new();
    // Records are read one at a time (a national file holds hundreds of thousands).
    let shape = row::each_json_record(text, "data", true, &mut |index, record| {
        let line = index + 1;
        let result = match &record {
            Value::Object(object) => {
                let row = row::json_row(line, object, KNOWN, ALIASES, mapping, &mut unknown);
                resolver.import_row(&row)
            }
            other => Err(RowError::new(
                line,
                "",
                "not_an_object",
                Message::new("import.row.object_expected").with_message("found", json_kind(other)),
            )),
        };
        collector.push(result);
    })?;
    match shape {
        row::JsonShape::Array | row::JsonShape::Object { records: Ok(()), .. } => {}
        row::JsonShape::Object { .. } => {
            return Err(FileError::NotPlaceList { found: "un objet sans tableau « data »".into() });
        }
        row::JsonShape::Other(found) => return Err(FileError::NotPlaceList { found }),
    }
    if !unknown.is_empty() {
        let line = unknown.iter().map(|(_, line)| *line).min().unwrap_or(1);
        let names: Vec<String> = unknown.into_iter().map(|(k, _)| k).collect();
        collector.warn(row::unknown_columns_warning(line, &names, Message::new("import.row.json_fields")));
    }
    resolver.report(collector);
    Ok(())
}

/// A term of one of our vocabularies.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    Service(Service),
    Public(Public),
    Support(Support),
    Fee(Fee),
    Label(Label),
    Access(AccessMode),
}

impl Term {
    fn push_into(self, input: &mut PlaceInput) {
        let (list, code) = match self {
            Self::Service(t) => (&mut input.services, t.code()),
            Self::Public(t) => (&mut input.publics, t.code()),
            Self::Support(t) => (&mut input.support, t.code()),
            Self::Fee(t) => (&mut input.fees, t.code()),
            Self::Label(t) => (&mut input.labels, t.code()),
            Self::Access(t) => (&mut input.access_modes, t.code()),
        };
        if !list.iter().any(|c| c == code) {
            list.push(code.to_owned());
        }
    }
}

/// What a value of a vocabulary field of the file becomes.
#[derive(Debug, Clone, PartialEq)]
enum Resolution {
    Terms(Vec<Term>),
    /// A value of the schema with no equivalent here: dropped, with a warning.
    NoEquivalent,
    /// Not a value we know: kept as written so validation names it.
    Unknown,
}

/// LMN fields holding vocabulary values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Field {
    Services,
    Publics,
    PublicsAccueillis,
    Support,
    Fees,
    Dispositifs,
    Formations,
    AutresLabels,
    AccessModes,
}

impl Field {
    /// Our vocabulary for this field, matched on codes, labels and `lmn()` values.
    fn parse_loose(self, value: &str) -> Option<Term> {
        match self {
            Self::Services => Service::parse_loose(value).map(Term::Service),
            Self::Publics => Public::parse_loose(value).map(Term::Public),
            Self::PublicsAccueillis => Public::parse_loose(value)
                .map(Term::Public)
                .or_else(|| Support::parse_loose(value).map(Term::Support)),
            Self::Support => Support::parse_loose(value).map(Term::Support),
            Self::Fees => Fee::parse_loose(value).map(Term::Fee),
            Self::Dispositifs | Self::Formations | Self::AutresLabels => {
                Label::parse_loose(value).map(Term::Label)
            }
            Self::AccessModes => AccessMode::parse_loose(value).map(Term::Access),
        }
    }

    /// Where an unknown value goes to be reported by validation (`None`: free text,
    /// dropped with a warning instead).
    fn passthrough(self, input: &mut PlaceInput, value: &str) -> bool {
        let list = match self {
            Self::Services => &mut input.services,
            Self::Publics | Self::PublicsAccueillis => &mut input.publics,
            Self::Support => &mut input.support,
            Self::Fees => &mut input.fees,
            Self::Dispositifs => &mut input.labels,
            Self::AccessModes => &mut input.access_modes,
            Self::Formations | Self::AutresLabels => return false,
        };
        list.push(value.to_owned());
        true
    }
}

/// Values of the schema (current and earlier versions) and how they map to ours. The
/// current values also match through `Vocabulary::parse_loose` on `lmn()`; they are
/// listed here too so that imports do not depend on how our labels are worded.
const TABLE: &[(Field, &str, Option<Term>)] = {
    use Field as F;
    use Term as T;
    &[
        // services, current schema (1.x, 2.0)
        (F::Services, "Aide aux démarches administratives", Some(T::Service(Service::AdminProcedures))),
        (
            F::Services,
            "Maîtrise des outils numériques du quotidien",
            Some(T::Service(Service::DigitalBasics)),
        ),
        (
            F::Services,
            "Insertion professionnelle via le numérique",
            Some(T::Service(Service::DigitalEmployment)),
        ),
        (F::Services, "Utilisation sécurisée du numérique", Some(T::Service(Service::DigitalSafety))),
        (
            F::Services,
            "Parentalité et éducation avec le numérique",
            Some(T::Service(Service::DigitalParenting)),
        ),
        (F::Services, "Loisirs et créations numériques", Some(T::Service(Service::DigitalCreation))),
        (F::Services, "Compréhension du monde numérique", Some(T::Service(Service::DigitalCulture))),
        (F::Services, "Accès internet et matériel informatique", Some(T::Service(Service::InternetAccess))),
        (
            F::Services,
            "Acquisition de matériel informatique à prix solidaire",
            Some(T::Service(Service::EquipmentPurchase)),
        ),
        // services, schema 0.1 / 1.0 (15 services condensed into 9 in 1.0.1)
        (
            F::Services,
            "Devenir autonome dans les démarches administratives",
            Some(T::Service(Service::AdminProcedures)),
        ),
        (
            F::Services,
            "Gagner en autonomie dans les démarches administratives",
            Some(T::Service(Service::AdminProcedures)),
        ),
        (
            F::Services,
            "Réaliser des démarches administratives avec un accompagnement",
            Some(T::Service(Service::AdminProcedures)),
        ),
        (
            F::Services,
            "Etre accompagné dans les démarches administratives",
            Some(T::Service(Service::AdminProcedures)),
        ),
        (F::Services, "Accompagner les démarches de santé", Some(T::Service(Service::AdminProcedures))),
        (
            F::Services,
            "Prendre en main un smartphone ou une tablette",
            Some(T::Service(Service::DigitalBasics)),
        ),
        (F::Services, "Prendre en main un ordinateur", Some(T::Service(Service::DigitalBasics))),
        (F::Services, "Utiliser le numérique au quotidien", Some(T::Service(Service::DigitalBasics))),
        (F::Services, "Approfondir ma culture numérique", Some(T::Service(Service::DigitalCulture))),
        (F::Services, "Promouvoir la citoyenneté numérique", Some(T::Service(Service::DigitalCulture))),
        (
            F::Services,
            "Favoriser mon insertion professionnelle",
            Some(T::Service(Service::DigitalEmployment)),
        ),
        (F::Services, "Créer et développer mon entreprise", Some(T::Service(Service::BusinessSupport))),
        (F::Services, "Accéder à une connexion internet", Some(T::Service(Service::InternetAccess))),
        (F::Services, "Accéder à du matériel", Some(T::Service(Service::InternetAccess))),
        (F::Services, "S'équiper en matériel informatique", Some(T::Service(Service::EquipmentPurchase))),
        (F::Services, "Créer avec le numérique", Some(T::Service(Service::DigitalCreation))),
        (
            F::Services,
            "Soutenir la parentalité et l'éducation avec le numérique",
            Some(T::Service(Service::DigitalParenting)),
        ),
        // publics_specifiquement_adresses (1.x)
        (F::Publics, "Jeunes", Some(T::Public(Public::Youth))),
        (F::Publics, "Étudiants", Some(T::Public(Public::Students))),
        (F::Publics, "Familles et/ou enfants", Some(T::Public(Public::Families))),
        (F::Publics, "Seniors", Some(T::Public(Public::Seniors))),
        (F::Publics, "Femmes", Some(T::Public(Public::Women))),
        // publics_accueillis (0.1 / 1.0), split into publics and specific support in 1.0.1
        (F::PublicsAccueillis, "Seniors (+ 65 ans)", Some(T::Public(Public::Seniors))),
        (F::PublicsAccueillis, "Familles/enfants", Some(T::Public(Public::Families))),
        (F::PublicsAccueillis, "Adultes", None),
        (F::PublicsAccueillis, "Jeunes (16-26 ans)", Some(T::Public(Public::Youth))),
        (F::PublicsAccueillis, "Uniquement femmes", Some(T::Public(Public::Women))),
        (F::PublicsAccueillis, "Public langues étrangères", Some(T::Support(Support::Languages))),
        (F::PublicsAccueillis, "Déficience visuelle", Some(T::Support(Support::Blindness))),
        (F::PublicsAccueillis, "Surdité", Some(T::Support(Support::Deafness))),
        (F::PublicsAccueillis, "Handicaps psychiques", Some(T::Support(Support::Cognitive))),
        (F::PublicsAccueillis, "Handicaps mentaux", Some(T::Support(Support::Cognitive))),
        (F::PublicsAccueillis, "Personnes en situation d'illettrisme", Some(T::Support(Support::Illiteracy))),
        // prise_en_charge_specifique (1.x)
        (F::Support, "Surdité", Some(T::Support(Support::Deafness))),
        (F::Support, "Handicaps moteurs", Some(T::Support(Support::Mobility))),
        (F::Support, "Handicaps mentaux", Some(T::Support(Support::Cognitive))),
        (F::Support, "Illettrisme", Some(T::Support(Support::Illiteracy))),
        (F::Support, "Langues étrangères (anglais)", Some(T::Support(Support::Languages))),
        (F::Support, "Langues étrangères (autres)", Some(T::Support(Support::Languages))),
        (F::Support, "Déficience visuelle", Some(T::Support(Support::Blindness))),
        // frais_a_charge (1.x) and conditions_acces (0.1 / 1.0, long labels "X : explication")
        (F::Fees, "Gratuit", Some(T::Fee(Fee::Free))),
        (F::Fees, "Gratuit sous condition", Some(T::Fee(Fee::FreeWithConditions))),
        (F::Fees, "Payant", Some(T::Fee(Fee::Paid))),
        (F::Fees, "Adhésion", Some(T::Fee(Fee::Membership))),
        (F::Fees, "Accepte le Pass numérique", Some(T::Label(Label::PassNumerique))),
        // modalites_acces (1.x)
        (F::AccessModes, "Se présenter", Some(T::Access(AccessMode::WalkIn))),
        (F::AccessModes, "Téléphoner", Some(T::Access(AccessMode::Phone))),
        (F::AccessModes, "Contacter par mail", Some(T::Access(AccessMode::Email))),
        (F::AccessModes, "Envoyer un mail", Some(T::Access(AccessMode::Email))),
        (F::AccessModes, "Prendre un RDV en ligne", Some(T::Access(AccessMode::Appointment))),
        (
            F::AccessModes,
            "Envoyer un mail avec une fiche de prescription",
            Some(T::Access(AccessMode::Referral)),
        ),
        (F::AccessModes, "Ce lieu n'accueille pas de public", None),
        // dispositif_programmes_nationaux (1.x) and labels_nationaux (0.1 / 1.0)
        (F::Dispositifs, "France Services", Some(T::Label(Label::FranceServices))),
        (F::Dispositifs, "Conseillers numériques", Some(T::Label(Label::ConseillersNumeriques))),
        (F::Dispositifs, "CNFS", Some(T::Label(Label::ConseillersNumeriques))),
        (F::Dispositifs, "Aidants Connect", Some(T::Label(Label::AidantsConnect))),
        (F::Dispositifs, "Pass numérique", Some(T::Label(Label::PassNumerique))),
        (F::Dispositifs, "APTIC", Some(T::Label(Label::PassNumerique))),
        (F::Dispositifs, "Fabriques de Territoire", Some(T::Label(Label::FabriqueTerritoire))),
        (F::Dispositifs, "Campus connecté", Some(T::Label(Label::CampusConnecte))),
        (F::Dispositifs, "Bibliothèques numérique de référence", None),
        (F::Dispositifs, "Certification PIX", None),
        (F::Dispositifs, "Emmaüs Connect", None),
        (F::Dispositifs, "Grande école du numérique", None),
        (F::Dispositifs, "Grandes écoles du numérique", None),
        (F::Dispositifs, "La Croix Rouge", None),
        (F::Dispositifs, "Point d'accès numérique CAF", None),
        (F::Dispositifs, "Point numérique CAF", None),
        (F::Dispositifs, "Point relais CAF", None),
        (F::Dispositifs, "Promeneurs du net", None),
        (F::Dispositifs, "Relais numérique (Emmaüs Connect)", None),
        (F::Dispositifs, "Relais pôle emploi", None),
        (F::Dispositifs, "French Tech", None),
        // formations_labels (1.x): the one we have
        (F::Formations, "Fabriques de Territoire", Some(T::Label(Label::FabriqueTerritoire))),
    ]
};

/// `typologie` codes of third places and the type they become.
const THIRD_PLACE_TYPOLOGIES: &[(&str, PlaceType)] = &[
    ("TIERS_LIEUX", PlaceType::Other),
    ("FABLAB", PlaceType::Fablab),
    ("FABRIQUE", PlaceType::FabriqueTerritoire),
    ("EPN", PlaceType::Epn),
    ("BIB", PlaceType::Library),
    ("MED", PlaceType::Library),
    ("ESS", PlaceType::MaisonEss),
];

/// `typologie` codes of public venues that host activities without being third places.
const HOST_VENUE_TYPOLOGIES: &[&str] = &[
    "CCAS", "CIAS", "CSC", "CS", "MJC", "MQ", "MUNI", "MAIRIE", "COMMUNE", "MDS", "CAF", "LA_POSTE", "MSAP",
    "RFS", "PIMMS", "MDPH", "PIJ_BIJ", "ML", "MDE", "MDEF", "CC", "CD", "EPCI", "DEPT", "REG", "PREF",
];

/// Resolves vocabulary values with a cache (files repeat the same few values on every
/// row, and folding accents is the costly part), and gathers per-value remarks so that a
/// value is reported once per file, not once per row.
#[derive(Default)]
struct Resolver {
    cache: HashMap<Field, HashMap<String, Resolution>>,
    typologies: HashMap<String, (PlaceType, bool)>,
    /// column → value → (first line, count, message)
    notes: BTreeMap<&'static str, HashMap<String, (usize, usize, Message)>>,
}

impl Resolver {
    fn resolve(&mut self, field: Field, value: &str) -> Resolution {
        let cache = self.cache.entry(field).or_default();
        if let Some(r) = cache.get(value) {
            return r.clone();
        }
        let r = resolve_uncached(field, value);
        cache.insert(value.to_owned(), r.clone());
        r
    }

    /// Remember a remark about a value; `message` is only built the first time.
    fn note(&mut self, column: &'static str, value: &str, line: usize, message: impl FnOnce() -> Message) {
        let values = self.notes.entry(column).or_default();
        match values.get_mut(value) {
            Some(entry) => entry.1 += 1,
            None => {
                values.insert(value.to_owned(), (line, 1, message()));
            }
        }
    }

    fn report(self, collector: &mut Collector<'_>) {
        for (column, values) in self.notes {
            let mut values: Vec<(usize, usize, Message)> = values.into_values().collect();
            values.sort_by_key(|(line, _, _)| *line);
            for (line, count, message) in values {
                let message = if count > 1 {
                    Message::new("import.row.repeated")
                        .with_message("message", message)
                        .with("count", count)
                        .with("line", line)
                } else {
                    message
                };
                collector.warn(RowError::new(line, column, "no_equivalent", message));
            }
        }
    }

    fn vocabulary(&mut self, row: &Row<'_>, column: &'static str, field: Field, input: &mut PlaceInput) {
        for value in row.list(column, split_lmn) {
            let resolution = match self.resolve(field, &value) {
                // Files of 0.1 joined some lists with commas: retry on them.
                Resolution::Unknown if value.contains(',') => {
                    let parts: Vec<Resolution> = value
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(|p| self.resolve(field, p))
                        .collect();
                    if parts.iter().all(|p| !matches!(p, Resolution::Unknown)) {
                        Resolution::Terms(
                            parts
                                .into_iter()
                                .flat_map(|p| if let Resolution::Terms(t) = p { t } else { Vec::new() })
                                .collect(),
                        )
                    } else {
                        Resolution::Unknown
                    }
                }
                other => other,
            };
            match resolution {
                Resolution::Terms(terms) => terms.into_iter().for_each(|t| t.push_into(input)),
                Resolution::NoEquivalent => self.note(column, &value, row.line, || {
                    Message::new("import.row.no_equivalent").with("value", &value)
                }),
                Resolution::Unknown => {
                    if !field.passthrough(input, &value) {
                        self.note(column, &value, row.line, || {
                            Message::new("import.row.unknown_label").with("value", &value)
                        });
                    }
                }
            }
        }
    }

    fn typologie(&mut self, code: &str) -> (PlaceType, bool) {
        if let Some(r) = self.typologies.get(code) {
            return *r;
        }
        let upper = code.trim().to_uppercase();
        let r = if let Some((_, t)) = THIRD_PLACE_TYPOLOGIES.iter().find(|(c, _)| *c == upper) {
            (*t, true)
        } else if HOST_VENUE_TYPOLOGIES.contains(&upper.as_str()) {
            (PlaceType::HostVenue, false)
        } else if let Some(t) = PlaceType::parse_loose(code) {
            (t, true)
        } else {
            (PlaceType::Other, false)
        };
        self.typologies.insert(code.to_owned(), r);
        r
    }

    fn import_row(&mut self, row: &Row<'_>) -> Result<(ImportRow, Vec<RowError>), RowError> {
        let mut warnings = Vec::new();
        let mut input = PlaceInput {
            name: row.text("nom"),
            postal_code: row.code("code_postal", &mut warnings),
            commune_code: row.code("code_insee", &mut warnings),
            commune_name: row.text("commune"),
            latitude: row.number("latitude")?,
            longitude: row.number("longitude")?,
            summary: row.text("presentation_resume"),
            description: row.text("presentation_detail"),
            opening_hours: row.text("horaires"),
            phone: first(row, "telephone"),
            email: first(row, "courriels").or_else(|| first(row, "courriel")),
            website: first(row, "site_web"),
            accessibility_url: row.text("fiche_acces_libre").or_else(|| row.text("accessibilite")),
            ..PlaceInput::default()
        };
        input.address = match (row.text("adresse"), row.text("complement_adresse")) {
            (Some(a), Some(c)) => Some(format!("{a}, {c}")),
            (a, c) => a.or(c),
        };
        match row.text("pivot").map(|p| p.replace(' ', "")) {
            Some(p) if p.chars().all(|c| c == '0') => {}
            Some(p) if p.starts_with(['W', 'w']) => input.rna = Some(p),
            Some(p) => input.siret = Some(p),
            None => {}
        }
        let typologies = row.list("typologie", split_lmn);
        if typologies.is_empty() {
            self.note("typologie", "", row.line, || Message::new("import.row.no_typologie"));
            input.types.push(PlaceType::Other.code().to_owned());
        }
        for code in typologies {
            let (t, third_place) = self.typologie(&code);
            if !third_place {
                self.note("typologie", &code, row.line, || {
                    Message::new("import.row.typologie_not_third_place")
                        .with("code", &code)
                        .with("type", t.code())
                });
            }
            if !input.types.iter().any(|c| c == t.code()) {
                input.types.push(t.code().to_owned());
            }
        }
        self.vocabulary(row, "services", Field::Services, &mut input);
        self.vocabulary(row, "publics_specifiquement_adresses", Field::Publics, &mut input);
        self.vocabulary(row, "publics_accueillis", Field::PublicsAccueillis, &mut input);
        self.vocabulary(row, "prise_en_charge_specifique", Field::Support, &mut input);
        self.vocabulary(row, "frais_a_charge", Field::Fees, &mut input);
        self.vocabulary(row, "conditions_acces", Field::Fees, &mut input);
        self.vocabulary(row, "dispositif_programmes_nationaux", Field::Dispositifs, &mut input);
        self.vocabulary(row, "labels_nationaux", Field::Dispositifs, &mut input);
        self.vocabulary(row, "formations_labels", Field::Formations, &mut input);
        self.vocabulary(row, "autres_formations_labels", Field::AutresLabels, &mut input);
        self.vocabulary(row, "labels_autres", Field::AutresLabels, &mut input);
        self.vocabulary(row, "modalites_acces", Field::AccessModes, &mut input);
        // 1970-01-01 is what broken converters publish when they could not read a date.
        let date_maj = row.date("date_maj", &mut warnings).filter(|d| d.to_string() != "1970-01-01");
        let import = ImportRow {
            line: row.line,
            source_id: row.text("id"),
            source: row.text("source"),
            input,
            source_updated_on: date_maj,
        };
        Ok((import, warnings))
    }
}

fn resolve_uncached(field: Field, value: &str) -> Resolution {
    let value = value.trim();
    // Earlier versions wrote "Label : explanation".
    let short = value.split(" : ").next().unwrap_or(value).trim();
    let folded = fold(value);
    let folded_short = fold(short);
    let from_table =
        |f: &str| TABLE.iter().find(|(tf, label, _)| *tf == field && fold(label) == f).map(|(_, _, t)| *t);
    let found = from_table(&folded)
        .or_else(|| from_table(&folded_short))
        .map(|t| t.map_or(Resolution::NoEquivalent, |t| Resolution::Terms(vec![t])));
    if let Some(r) = found {
        return r;
    }
    match field.parse_loose(value).or_else(|| field.parse_loose(short)) {
        Some(t) => Resolution::Terms(vec![t]),
        None => Resolution::Unknown,
    }
}

/// Lists are separated by `|` since schema 1.0.1, by `;` before.
fn split_lmn(text: &str) -> Vec<String> {
    let separator = if text.contains('|') { '|' } else { ';' };
    text.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The first of a multi-valued contact field (the schema allows several; we keep one).
fn first(row: &Row<'_>, name: &str) -> Option<String> {
    row.list(name, split_lmn).into_iter().next()
}

/// A value written to an LMN record.
pub(crate) enum LmnValue {
    Text(String),
    Number(f64),
}

/// The record of a place in the current schema, in [`FIELDS`] order (empty values are
/// `Text("")`).
pub(crate) fn record(place: &Place) -> Vec<(&'static str, LmnValue)> {
    use LmnValue::{Number, Text};
    let d = &place.data;
    fn lmn_list<T: Vocabulary>(terms: &[T]) -> String {
        let mut out: Vec<&str> = Vec::new();
        for v in terms.iter().filter_map(|t| t.lmn()) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
        out.join("|")
    }
    let opt = |v: Option<&str>| Text(v.unwrap_or("").to_owned());
    let precise = |x: f64| if d.location_precise { Number(x) } else { Text(String::new()) };
    let types: Vec<&str> = {
        let mut out = Vec::new();
        for t in &d.types {
            let code = t.lmn().unwrap_or("TIERS_LIEUX");
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    };
    let formations: Vec<&str> = d
        .labels
        .iter()
        .filter(|l| l.lmn().is_none() && **l == Label::FabriqueTerritoire)
        .map(|_| "Fabriques de Territoire")
        .collect();
    let autres: Vec<&str> = d
        .labels
        .iter()
        .filter(|l| l.lmn().is_none() && **l != Label::FabriqueTerritoire)
        .map(|l| l.label_fr())
        .collect();
    FIELDS
        .iter()
        .map(|&name| {
            let value = match name {
                "id" => Text(place.id.to_string()),
                "pivot" => opt(d.siret.as_ref().map(|s| s.as_str())),
                "nom" => Text(d.name.clone()),
                "commune" => Text(d.commune_name.clone()),
                "code_postal" => Text(d.postal_code.to_string()),
                "code_insee" => Text(d.commune_code.to_string()),
                "adresse" => Text(d.address.clone()),
                "latitude" => precise(d.location.lat),
                "longitude" => precise(d.location.lon),
                "typologie" => Text(types.join("|")),
                "telephone" => opt(d.phone.as_ref().map(|p| p.as_str())),
                "courriels" => opt(d.email.as_ref().map(|e| e.as_str())),
                "site_web" => opt(d.website.as_ref().map(|w| w.as_str())),
                "horaires" => opt(d.opening_hours.as_ref().map(|h| h.as_str())),
                "presentation_resume" => Text(d.summary.clone()),
                "presentation_detail" => Text(d.description.clone()),
                "source" => Text(place.provenance.source.clone()),
                "date_maj" => Text(place.updated_at.date_naive().to_string()),
                "services" => Text(lmn_list(&d.services)),
                "publics_specifiquement_adresses" => Text(lmn_list(&d.publics)),
                "prise_en_charge_specifique" => Text(lmn_list(&d.support)),
                "frais_a_charge" => Text(lmn_list(&d.fees)),
                "dispositif_programmes_nationaux" => Text(lmn_list(&d.labels)),
                "formations_labels" => Text(formations.join("|")),
                "autres_formations_labels" => Text(autres.join("|")),
                "modalites_acces" => Text(lmn_list(&d.access_modes)),
                "fiche_acces_libre" => opt(d.accessibility_url.as_ref().map(|u| u.as_str())),
                _ => Text(String::new()),
            };
            (name, value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_long_fee_labels_resolve_on_their_short_form() {
        let r = resolve_uncached(Field::Fees, "Payant : L'accès au lieu et/ou à ses services est payant");
        assert_eq!(r, Resolution::Terms(vec![Term::Fee(Fee::Paid)]));
    }

    #[test]
    fn old_service_labels_map_to_current_services() {
        assert_eq!(
            resolve_uncached(Field::Services, "Prendre en main un ordinateur"),
            Resolution::Terms(vec![Term::Service(Service::DigitalBasics)])
        );
        assert_eq!(
            resolve_uncached(Field::Services, "S’équiper en matériel informatique"),
            Resolution::Terms(vec![Term::Service(Service::EquipmentPurchase)])
        );
    }

    #[test]
    fn unknown_values_stay_unknown() {
        assert_eq!(resolve_uncached(Field::Services, "Cours de poterie"), Resolution::Unknown);
    }

    #[test]
    fn lists_split_on_pipe_first_then_semicolon() {
        assert_eq!(split_lmn("a | b;c"), vec!["a", "b;c"]);
        assert_eq!(split_lmn("a;b ; c"), vec!["a", "b", "c"]);
    }
}
