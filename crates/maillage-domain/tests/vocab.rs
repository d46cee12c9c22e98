//! Vocabularies speak the national LMN schema (2.0.0) and still understand its 0.x values.

use maillage_domain::vocab::{
    AccessMode, Fee, Label, PlaceType, Public, Service, Support, SupportMode, Vocabulary,
};
use std::collections::HashSet;

fn codes_are_unique_snake_case<T: Vocabulary + PartialEq + std::fmt::Debug>() {
    let mut seen = HashSet::new();
    for t in T::ALL {
        let code = t.code();
        assert!(seen.insert(code), "duplicate code {code}");
        assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{code}");
        assert_eq!(T::from_code(code), Some(*t));
    }
}

#[test]
fn every_vocabulary_has_unique_stable_codes() {
    codes_are_unique_snake_case::<PlaceType>();
    codes_are_unique_snake_case::<Service>();
    codes_are_unique_snake_case::<Public>();
    codes_are_unique_snake_case::<Support>();
    codes_are_unique_snake_case::<Fee>();
    codes_are_unique_snake_case::<AccessMode>();
    codes_are_unique_snake_case::<SupportMode>();
    codes_are_unique_snake_case::<Label>();
}

#[test]
fn the_nine_lmn_services_are_all_mapped() {
    let lmn: Vec<&str> = Service::ALL.iter().filter_map(|s| s.lmn()).collect();
    assert_eq!(
        lmn,
        [
            "Aide aux démarches administratives",
            "Maîtrise des outils numériques du quotidien",
            "Insertion professionnelle via le numérique",
            "Utilisation sécurisée du numérique",
            "Parentalité et éducation avec le numérique",
            "Loisirs et créations numériques",
            "Compréhension du monde numérique",
            "Accès internet et matériel informatique",
            "Acquisition de matériel informatique à prix solidaire",
        ]
    );
}

#[test]
fn lmn_closed_lists_match_the_schema_values() {
    let values = |v: Vec<Option<&'static str>>| v.into_iter().flatten().collect::<Vec<_>>();
    assert_eq!(
        values(Public::ALL.iter().map(|t| t.lmn()).collect()),
        ["Jeunes", "Étudiants", "Familles et/ou enfants", "Seniors", "Femmes"]
    );
    assert_eq!(
        values(Support::ALL.iter().map(|t| t.lmn()).collect()),
        [
            "Langues étrangères (anglais)",
            "Langues étrangères (autres)",
            "Illettrisme",
            "Surdité",
            "Déficience visuelle",
            "Handicaps mentaux",
            "Handicaps moteurs",
        ]
    );
    assert_eq!(
        values(Fee::ALL.iter().map(|t| t.lmn()).collect()),
        ["Gratuit", "Gratuit sous condition", "Payant"]
    );
    assert_eq!(
        values(AccessMode::ALL.iter().map(|t| t.lmn()).collect()),
        [
            "Se présenter",
            "Téléphoner",
            "Contacter par mail",
            "Prendre un RDV en ligne",
            "Envoyer un mail avec une fiche de prescription",
            "Ce lieu n'accueille pas de public",
        ]
    );
    assert_eq!(AccessMode::from_lmn("Contacter par mail"), Some(AccessMode::Email));
}

#[test]
fn place_types_map_to_typologie_codes() {
    assert_eq!(PlaceType::Coworking.lmn(), Some("TIERS_LIEUX"));
    assert_eq!(PlaceType::Fablab.lmn(), Some("FABLAB"));
    assert_eq!(PlaceType::FabriqueNumerique.lmn(), Some("FABRIQUE"));
    assert_eq!(PlaceType::Library.lmn(), Some("BIB"));
    assert_eq!(PlaceType::Mjc.lmn(), Some("MJC"));
    assert_eq!(PlaceType::MaisonEss.lmn(), Some("ESS"));
    // Several kinds share TIERS_LIEUX: reading it back gives the first, coworking.
    assert_eq!(PlaceType::from_lmn("TIERS_LIEUX"), Some(PlaceType::Coworking));
    assert_eq!(PlaceType::from_lmn("CSC"), Some(PlaceType::SocialCentre));
}

#[test]
fn schema_0x_services_resolve_to_current_services() {
    assert_eq!(Service::from_lmn("Prendre en main un ordinateur"), Some(Service::DigitalBasics));
    assert_eq!(
        Service::from_lmn("Réaliser des démarches administratives avec un accompagnement"),
        Some(Service::AdminProcedures)
    );
    assert_eq!(Service::from_lmn("S'equiper en materiel informatique"), Some(Service::EquipmentPurchase));
    assert_eq!("Accéder à du matériel".parse::<Service>(), Ok(Service::InternetAccess));
    assert_eq!(Service::from_lmn("Tricot"), None);
}

#[test]
fn schema_0x_publics_fees_and_labels_resolve() {
    assert_eq!(Public::from_lmn("Seniors (+ 65 ans)"), Some(Public::Seniors));
    assert_eq!(Public::from_lmn("Familles/enfants"), Some(Public::Families));
    assert_eq!(Support::from_lmn("Personnes en situation d'illettrisme"), Some(Support::Illiteracy));
    assert_eq!(Fee::from_lmn("Payant : L'accès au lieu et/ou à ses services est payant"), Some(Fee::Paid));
    assert_eq!(Label::from_lmn("CNFS"), Some(Label::ConseillersNumeriques));
    assert_eq!(Label::from_lmn("Fabriques de Territoire"), Some(Label::FabriqueTerritoire));
    assert_eq!(Label::FabriqueNumerique.lmn_formation_label(), Some("Fabriques de Territoire"));
    assert_eq!(Label::FranceServices.lmn_formation_label(), None);
}

#[test]
fn support_modes_read_old_and_new_values_and_export_current_ones() {
    assert_eq!(
        SupportMode::from_lmn("Seul : j'ai accès à du matériel et une connexion"),
        Some(SupportMode::Autonomous)
    );
    assert_eq!(SupportMode::from_lmn("Avec de l'aide"), Some(SupportMode::Individual));
    assert_eq!(SupportMode::from_lmn("Dans un atelier"), Some(SupportMode::Workshop));
    assert_eq!(SupportMode::from_lmn("À distance"), Some(SupportMode::Remote));
    assert_eq!(SupportMode::from_lmn("A ma place"), Some(SupportMode::OnBehalf));
    assert_eq!(SupportMode::OnBehalf.lmn(), Some("Accompagnement individuel"));
    assert_eq!(SupportMode::from_lmn("Accompagnement individuel"), Some(SupportMode::Individual));
}

#[test]
fn unknown_values_list_the_allowed_codes_in_french() {
    let e = "piscine".parse::<SupportMode>().unwrap_err();
    assert!(e.message_fr().contains("Valeur inconnue « piscine »"), "{}", e.message_fr());
    assert!(
        e.message_fr().contains("autonomous, individual, workshop, remote, on_behalf"),
        "{}",
        e.message_fr()
    );
}

#[test]
fn every_term_serialises_as_its_code_and_back() {
    use maillage_domain::vocab::*;
    fn check<T: Vocabulary + serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug>() {
        for t in T::ALL {
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.code()));
            assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), t);
        }
    }
    check::<PlaceType>();
    check::<Service>();
    check::<Public>();
    check::<Support>();
    check::<Fee>();
    check::<AccessMode>();
    check::<Label>();
}
