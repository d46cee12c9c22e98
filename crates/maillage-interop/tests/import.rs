//! Reading each format from files as people publish them.

mod common;

use common::{parse_fixture, validate};
use maillage_interop::{ColumnMapping, Format, detect_format, parse};

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn csv_with_semicolons_bom_and_decimal_commas_is_read() {
    let parsed = parse_fixture(Format::Csv, "places.csv");
    assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{parsed:?}");
    let [first, second] = parsed.rows.as_slice() else {
        panic!("two rows expected, got {}", parsed.rows.len())
    };
    assert_eq!(first.line, 2);
    assert_eq!(first.source_id.as_deref(), Some("tl-1"));
    assert_eq!(first.source.as_deref(), Some("reseau-loire"));
    assert_eq!(first.input.name.as_deref(), Some("Le Marteau"));
    assert_eq!(first.input.types, strings(&["fablab", "epn"]));
    assert_eq!(first.input.latitude, Some(45.4397));
    assert_eq!(first.input.longitude, Some(4.3872));
    assert_eq!(first.input.services, strings(&["machines", "digital_basics"]));
    assert_eq!(first.input.equipment, strings(&["Découpeuse laser", "Imprimante 3D"]));
    assert_eq!(first.input.opening_hours.as_deref(), Some("Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"));
    assert_eq!(first.source_updated_on, chrono::NaiveDate::from_ymd_opt(2026, 2, 1));
    assert_eq!(second.line, 3);
    assert_eq!(second.input.latitude, None);
    assert_eq!(second.input.status.as_deref(), Some("draft"));
    assert_eq!(second.source_updated_on, chrono::NaiveDate::from_ymd_opt(2026, 2, 3));
    let lyon = validate(&second.input).expect("commune resolved from postal code and name");
    assert_eq!(lyon.commune_code.as_str(), "69123");
}

#[test]
fn geojson_features_give_coordinates_ids_and_lists_in_either_form() {
    let parsed = parse_fixture(Format::GeoJson, "places.geojson");
    assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{parsed:?}");
    let rows = &parsed.rows;
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[0].line, rows[0].source_id.as_deref()), (1, Some("g-1")));
    assert_eq!((rows[0].input.latitude, rows[0].input.longitude), (Some(45.4397), Some(4.3872)));
    assert_eq!(rows[0].input.labels, strings(&["france_services"]));
    assert_eq!(rows[1].source_id.as_deref(), Some("g-2"));
    assert_eq!(rows[1].input.types, strings(&["maison_ess", "other"]));
    assert_eq!(rows[1].input.fees, strings(&["paid"]));
    assert_eq!(rows[2].source_id.as_deref(), Some("7"));
    assert_eq!(rows[2].input.latitude, None);
    for row in rows {
        validate(&row.input).unwrap_or_else(|e| panic!("feature {} should be valid: {e:?}", row.line));
    }
}

#[test]
fn lmn_current_csv_maps_schema_values_to_our_vocabularies() {
    let parsed = parse_fixture(Format::LmnCsv, "lmn_current.csv");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let reims = &parsed.rows[0];
    assert_eq!(reims.source_id.as_deref(), Some("lmn-1"));
    assert_eq!(reims.source.as_deref(), Some("Hubik"));
    let i = &reims.input;
    assert_eq!(i.name.as_deref(), Some("Anonymal"));
    assert_eq!(i.siret.as_deref(), Some("43493312300029"));
    assert_eq!(i.address.as_deref(), Some("12 BIS RUE DE LECLERCQ, Le patio du bois de l'Aulne"));
    assert_eq!(i.commune_code.as_deref(), Some("51454"));
    assert_eq!(i.types, strings(&["other"]), "TIERS_LIEUX and ASSO are both kept as 'other'");
    assert_eq!(i.services, strings(&["digital_basics", "digital_employment", "digital_creation"]));
    assert_eq!(i.publics, strings(&["youth", "women"]));
    assert_eq!(i.support, strings(&["deafness", "illiteracy"]));
    assert_eq!(i.fees, strings(&["free", "paid"]));
    assert_eq!(i.labels, strings(&["aidants_connect", "conseillers_numeriques", "fabrique_territoire"]));
    assert_eq!(i.access_modes, strings(&["walk_in", "phone"]));
    assert_eq!(i.email.as_deref(), Some("contact@laquincaillerie.tl"));
    assert_eq!(i.website.as_deref(), Some("https://www.laquincaillerie.tl/"));
    assert_eq!(i.opening_hours.as_deref(), Some("Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"));
    assert_eq!(
        i.accessibility_url.as_deref(),
        Some("https://acceslibre.beta.gouv.fr/app/erp/mediatheque-13/")
    );
    assert_eq!(reims.source_updated_on, chrono::NaiveDate::from_ymd_opt(2022, 6, 2));
    validate(i).expect("valid once mapped");

    let ccas = &parsed.rows[1];
    assert_eq!(ccas.input.siret, None, "00000000000000 means no SIRET");
    assert_eq!(ccas.input.types, strings(&["host_venue"]));
    assert_eq!(ccas.source_updated_on, None, "1970-01-01 is a converter's placeholder");

    let messages: Vec<String> = parsed.warnings.iter().map(ToString::to_string).collect();
    assert!(messages.iter().any(|m| m.contains("Typologie « CCAS » : pas un type de tiers-lieu, lieu classé « host_venue »")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("Typologie « ASSO »")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("« La Croix Rouge » sans équivalent")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("« Label et la bête » inconnu")), "{messages:?}");
}

#[test]
fn lmn_json_accepts_a_data_envelope_arrays_and_strings() {
    let parsed = parse_fixture(Format::LmnJson, "lmn_current.json");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows.len(), 2);
    assert_eq!(parsed.rows[0].input.types, strings(&["epn"]));
    assert_eq!(parsed.rows[0].input.services, strings(&["admin_procedures", "internet_access"]));
    assert_eq!(parsed.rows[1].line, 2);
    assert_eq!(parsed.rows[1].input.types, strings(&["fablab"]));
    assert_eq!(parsed.rows[1].input.services, strings(&["digital_creation"]));
    let unknown: Vec<String> =
        parsed.warnings.iter().filter(|w| w.code == "unknown_columns").map(|w| w.message.fr()).collect();
    assert_eq!(unknown.len(), 1);
    assert!(unknown[0].contains("couleur"), "{unknown:?}");
    for row in &parsed.rows {
        validate(&row.input).unwrap_or_else(|e| panic!("record {} should be valid: {e:?}", row.line));
    }
}

#[test]
fn lmn_json_accepts_a_bare_array() {
    let json = br#"[{"id": "1", "nom": "Anonymal", "commune": "Reims", "code_postal": "51100", "typologie": "BIB"}]"#;
    let parsed = parse(Format::LmnJson, json, &ColumnMapping::default()).expect("readable");
    assert_eq!(parsed.rows[0].input.types, strings(&["library"]));
}

#[test]
fn lmn_version_1_0_files_are_read_with_old_names_and_labels() {
    let parsed = parse_fixture(Format::LmnCsv, "lmn_v1_0.csv");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let reims = &parsed.rows[0].input;
    assert_eq!(reims.commune_code, None, "no code_insee in 1.0: resolved from postal code and name");
    assert_eq!((reims.postal_code.as_deref(), reims.commune_name.as_deref()), (Some("51100"), Some("Reims")));
    assert_eq!(reims.services, strings(&["admin_procedures", "digital_basics", "internet_access"]));
    assert_eq!(reims.publics, strings(&["families"]));
    assert_eq!(reims.support, strings(&["blindness"]));
    assert_eq!(reims.fees, strings(&["free"]));
    assert_eq!(reims.labels, strings(&["pass_numerique", "france_services"]));
    assert_eq!(reims.email.as_deref(), Some("contact@laquincaillerie.tl"));
    assert_eq!(
        reims.accessibility_url.as_deref(),
        Some(
            "https://acceslibre.beta.gouv.fr/app/29-lampaul-plouarzel/a/bibliotheque-mediatheque/erp/mediatheque-13/"
        )
    );
    let data = validate(reims).expect("valid once mapped");
    assert_eq!(data.commune_code.as_str(), "51454");

    let lampaul = &parsed.rows[1].input;
    assert_eq!(lampaul.rna.as_deref(), Some("W294001234"));
    assert_eq!(lampaul.siret, None);
    assert_eq!(lampaul.types, strings(&["library"]));
    assert_eq!(lampaul.services, strings(&["digital_culture", "digital_parenting"]));
    assert_eq!(lampaul.publics, strings(&["seniors"]));
    assert_eq!(lampaul.support, strings(&["deafness"]));
    assert_eq!(lampaul.fees, strings(&["paid"]));
    assert_eq!(validate(lampaul).expect("valid").commune_code.as_str(), "29124");

    assert!(
        parsed.warnings.iter().any(|w| w.message.fr().contains("« Point relais CAF » sans équivalent")),
        "{:?}",
        parsed.warnings
    );
    assert!(
        !parsed.warnings.iter().any(|w| w.code == "unknown_columns"),
        "old names are known: {:?}",
        parsed.warnings
    );
}

#[test]
fn unknown_vocabulary_values_are_passed_through_for_validation_to_name() {
    let csv = "id,nom,commune,code_postal,code_insee,typologie,services\n1,Anonymal,Reims,51100,51454,EPN,Cours de poterie|Aide aux démarches administratives\n";
    let parsed = parse(Format::LmnCsv, csv.as_bytes(), &ColumnMapping::default()).expect("readable");
    let input = &parsed.rows[0].input;
    assert_eq!(input.services, strings(&["Cours de poterie", "admin_procedures"]));
    let errors = validate(input).unwrap_err();
    assert_eq!(errors, vec!["services[0]: unknown_Service".to_owned()]);
}

#[test]
fn formats_are_detected_from_the_fixtures() {
    for (name, format) in [
        ("places.csv", Format::Csv),
        ("places.geojson", Format::GeoJson),
        ("lmn_current.csv", Format::LmnCsv),
        ("lmn_current.json", Format::LmnJson),
        ("lmn_v1_0.csv", Format::LmnCsv),
    ] {
        assert_eq!(detect_format(name, &common::fixture(name)), Some(format), "{name}");
    }
}

#[test]
fn format_names_parse_as_on_the_command_line() {
    assert_eq!("lmn-json".parse::<Format>(), Ok(Format::LmnJson));
    assert_eq!(" GeoJSON ".parse::<Format>(), Ok(Format::GeoJson));
    assert_eq!("xlsx".parse::<Format>(), Ok(Format::Xlsx));
    assert_eq!("LMN-CSV-EXCEL".parse::<Format>(), Ok(Format::LmnCsvExcel));
    let err = "ods".parse::<Format>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "format inconnu « ods » (formats possibles : csv, csv-excel, xlsx, geojson, lmn-json, lmn-csv, lmn-csv-excel, lmn-xlsx)"
    );
}
