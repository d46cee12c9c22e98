//! Files that cannot be read, rows that cannot be read, and content left for validation
//! to refuse: each gives a message naming the line, the field or the column.

mod common;

use common::{fixture, parse_fixture, validate};
use maillage_interop::{ColumnMapping, FileError, Format, MappingError, parse};

fn file_error(format: Format, name: &str) -> FileError {
    parse(format, &fixture(name), &ColumnMapping::default()).expect_err("the file must be refused")
}

#[test]
fn binary_garbage_is_refused_as_not_utf8_naming_line_and_column() {
    let err =
        parse(Format::LmnCsv, b"id,nom\n\x00\xff\xfe\x80\x81,x\n", &ColumnMapping::default()).unwrap_err();
    assert!(matches!(err, FileError::NotUtf8 { offset: 8, line: 2, column: 2, guess: None }), "{err:?}");
    assert!(err.to_string().contains("ligne 2, colonne 2"), "{err}");
}

#[test]
fn missing_required_columns_are_named() {
    let err = file_error(Format::Csv, "missing_columns.csv");
    assert_eq!(
        err,
        FileError::MissingColumns { missing: vec!["name".into(), "types".into(), "postal_code".into()] }
    );
    assert_eq!(err.to_string(), "colonne(s) obligatoire(s) manquante(s) : name, types, postal_code");
    let err = file_error(Format::LmnCsv, "lmn_missing_columns.csv");
    assert_eq!(err.to_string(), "colonne(s) obligatoire(s) manquante(s) : code_postal, commune");
}

#[test]
fn malformed_json_is_located_by_line_and_column() {
    let err = file_error(Format::GeoJson, "malformed.geojson");
    match &err {
        FileError::InvalidJson { line, column, .. } => assert_eq!((*line, *column), (2, 59)),
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().starts_with("JSON invalide ligne 2, colonne 59 : "), "{err}");
    let truncated = parse(Format::LmnJson, b"[{\"id\": \"1\"", &ColumnMapping::default()).unwrap_err();
    assert!(truncated.to_string().contains("fin de fichier inattendue"), "{truncated}");
}

#[test]
fn json_that_is_not_a_feature_collection_or_place_list_is_refused() {
    let err = file_error(Format::GeoJson, "not_a_collection.geojson");
    assert_eq!(
        err.to_string(),
        "le fichier GeoJSON doit être une FeatureCollection (trouvé : un objet de type « Feature »)"
    );
    let err = parse(Format::LmnJson, br#"{"lieux": []}"#, &ColumnMapping::default()).unwrap_err();
    assert!(matches!(err, FileError::NotPlaceList { .. }), "{err:?}");
}

#[test]
fn empty_files_are_refused() {
    for format in Format::ALL {
        assert_eq!(parse(format, b"", &ColumnMapping::default()), Err(FileError::Empty));
        assert_eq!(parse(format, b"\xEF\xBB\xBF\n  \n", &ColumnMapping::default()), Err(FileError::Empty));
    }
}

#[test]
fn a_header_naming_a_column_twice_is_refused() {
    let err = parse(Format::Csv, b"name,types,postal_code,Name\n", &ColumnMapping::default()).unwrap_err();
    assert_eq!(err.to_string(), "colonne « Name » présente deux fois dans l'en-tête");
}

#[test]
fn later_occurrences_of_a_source_id_are_row_errors() {
    let parsed = parse_fixture(Format::Csv, "duplicate_ids.csv");
    let names: Vec<&str> = parsed.rows.iter().filter_map(|r| r.input.name.as_deref()).collect();
    assert_eq!(names, ["Premier", "Deuxième"]);
    let errors: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "ligne 4, id : Identifiant en double « a », déjà vu ligne 2.",
            "ligne 5, id : Identifiant en double « a », déjà vu ligne 2.",
        ]
    );
    assert!(parsed.errors.iter().all(|e| e.code == "duplicate_id"));
}

#[test]
fn duplicate_ids_in_json_are_reported_by_record_number() {
    let json = br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"x","geometry":null,"properties":{"name":"A"}},
        {"type":"Feature","geometry":null,"properties":{"id":"x","name":"B"}}]}"#;
    let parsed = parse(Format::GeoJson, json, &ColumnMapping::default()).expect("readable");
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.errors[0].to_string(), "ligne 2, id : Identifiant en double « x », déjà vu ligne 1.");
}

#[test]
fn unknown_columns_are_one_warning_and_a_mapping_imports_them() {
    let bytes = fixture("foreign_columns.csv");
    let err = parse(Format::Csv, &bytes, &ColumnMapping::default()).unwrap_err();
    // "Type" is a known alias of "types"; the others need the mapping.
    assert_eq!(err.to_string(), "colonne(s) obligatoire(s) manquante(s) : name, postal_code");

    let mapping =
        ColumnMapping::parse("Nom du lieu=name,Type=types,CP=postal_code,Ville=commune_name,Couleur=")
            .expect("mapping");
    let parsed = parse(Format::Csv, &bytes, &mapping).expect("readable with the mapping");
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    let warning = &parsed.warnings[0];
    assert_eq!((warning.line, warning.code.as_str()), (1, "unknown_columns"));
    assert!(
        warning.message.fr().contains("Surface (m²)") && !warning.message.fr().contains("Couleur"),
        "{}",
        warning.message
    );
    let input = &parsed.rows[0].input;
    assert_eq!(input.name.as_deref(), Some("Le Marteau"));
    assert_eq!(validate(input).expect("valid").commune_code.as_str(), "42218");
}

#[test]
fn a_mapping_to_an_unknown_field_is_refused_with_the_allowed_ones() {
    let mapping = ColumnMapping::parse("Nom du lieu=nom").expect("syntax is fine");
    let err = parse(Format::Csv, &fixture("foreign_columns.csv"), &mapping).unwrap_err();
    match err {
        FileError::Mapping(MappingError::UnknownTarget { ref target, ref allowed, .. }) => {
            assert_eq!(target, "nom");
            assert!(allowed.starts_with("id, name, types"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn unreadable_cells_make_row_errors_and_other_rows_go_on() {
    let parsed = parse_fixture(Format::Csv, "bad_cells.csv");
    let ids: Vec<&str> = parsed.rows.iter().filter_map(|r| r.source_id.as_deref()).collect();
    assert_eq!(ids, ["ok"]);
    let errors: Vec<(usize, &str, &str)> =
        parsed.errors.iter().map(|e| (e.line, e.field.as_str(), e.code.as_str())).collect();
    assert_eq!(
        errors,
        [
            (3, "latitude", "invalid_number"),
            (4, "", "too_many_cells"),
            (5, "location_precise", "invalid_boolean")
        ]
    );
    assert_eq!(parsed.errors[0].message.fr(), "« quarante-cinq » n'est pas un nombre décimal.");
}

#[test]
fn geojson_features_with_other_geometries_are_row_errors() {
    let json = br#"{"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{"name":"A"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":["4.3","45.4"]},"properties":{"name":"B"}},
        "pas un objet"]}"#;
    let parsed = parse(Format::GeoJson, json, &ColumnMapping::default()).expect("readable");
    assert!(parsed.rows.is_empty());
    let messages: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "ligne 1, geometry : Géométrie « Polygon » non prise en charge : un Point est attendu.",
            "ligne 2, geometry : Les coordonnées doivent être des nombres [longitude, latitude].",
            "ligne 3 : Un objet Feature est attendu, trouvé une chaîne.",
        ]
    );
}

#[test]
fn html_in_text_fields_is_kept_for_validation_to_refuse() {
    let parsed = parse_fixture(Format::Csv, "html_in_text.csv");
    let input = &parsed.rows[0].input;
    assert_eq!(input.name.as_deref(), Some("<script>alert(1)</script>Le Marteau"));
    assert_eq!(input.summary.as_deref(), Some("<b>Gras</b> et <a href=\"javascript:alert(1)\">lien</a>"));
    assert_eq!(input.description.as_deref(), Some("Du **Markdown** et <img src=x onerror=alert(1)>"));
    let errors = validate(input).unwrap_err();
    assert!(errors.contains(&"name: markup_not_allowed".to_owned()), "{errors:?}");
    assert!(errors.contains(&"summary: markup_not_allowed".to_owned()), "{errors:?}");
}

#[test]
fn codes_that_lost_their_leading_zero_get_it_back_with_a_warning() {
    let json = br#"[{"id": "1", "nom": "Fablab de Bourg", "commune": "Bourg-en-Bresse", "code_postal": 1000, "code_insee": "1053"}]"#;
    let parsed = parse(Format::LmnJson, json, &ColumnMapping::default()).expect("readable");
    let input = &parsed.rows[0].input;
    assert_eq!((input.postal_code.as_deref(), input.commune_code.as_deref()), (Some("01000"), Some("01053")));
    let fields: Vec<(&str, String)> = parsed
        .warnings
        .iter()
        .filter(|w| w.code == "leading_zero_restored")
        .map(|w| (w.field.as_str(), w.message.fr()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "code_postal",
                "Code « 1000 » complété en « 01000 » (zéro initial perdu par un tableur ?).".to_owned()
            ),
            (
                "code_insee",
                "Code « 1053 » complété en « 01053 » (zéro initial perdu par un tableur ?).".to_owned()
            ),
        ]
    );
}

#[test]
fn lmn_json_records_that_are_not_objects_are_row_errors() {
    let json = br#"{"data": [{"id": "1", "nom": "A", "commune": "Reims", "code_postal": "51100"}, ["pas", "un", "lieu"], 42]}"#;
    let parsed = parse(Format::LmnJson, json, &ColumnMapping::default()).expect("readable");
    assert_eq!(parsed.rows.len(), 1);
    let messages: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "ligne 2 : Un objet est attendu, trouvé un tableau.",
            "ligne 3 : Un objet est attendu, trouvé un nombre."
        ]
    );
}

#[test]
fn lmn_duplicate_ids_and_mapped_columns() {
    let csv = "identifiant;nom;commune;code_postal;typologie\nA;Un;Reims;51100;EPN\nA;Deux;Reims;51100;EPN\n";
    let err = parse(Format::LmnCsv, csv.as_bytes(), &ColumnMapping::default()).unwrap_err();
    assert_eq!(err.to_string(), "colonne(s) obligatoire(s) manquante(s) : id");
    let mapping = ColumnMapping::parse("identifiant=id").expect("mapping");
    let parsed = parse(Format::LmnCsv, csv.as_bytes(), &mapping).expect("readable");
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.errors[0].to_string(), "ligne 3, id : Identifiant en double « A », déjà vu ligne 2.");
}

#[test]
fn an_invalid_siret_in_pivot_is_kept_for_validation_to_refuse() {
    let csv = "id,pivot,nom,commune,code_postal,code_insee,typologie\n1,12345678901234,Anonymal,Reims,51100,51454,EPN\n";
    let parsed = parse(Format::LmnCsv, csv.as_bytes(), &ColumnMapping::default()).expect("readable");
    let input = &parsed.rows[0].input;
    assert_eq!(input.siret.as_deref(), Some("12345678901234"));
    assert_eq!(validate(input).unwrap_err(), ["siret: invalid_siret"]);
}

#[test]
fn json_records_are_read_whatever_the_order_of_the_members_and_trailing_data_is_refused() {
    let mapping = ColumnMapping::default();
    // `type` after `features`, and members the importer does not need around them.
    let geojson = r#"{"name": "export", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [4.39, 45.43]},
        "properties": {"name": "La Forge", "types": ["fablab"], "postal_code": "42000", "commune_name": "Saint-Étienne"}}],
        "type": "FeatureCollection"}"#;
    let parsed = parse(Format::GeoJson, geojson.as_bytes(), &mapping).unwrap();
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.errors);
    assert_eq!(parsed.rows[0].line, 1);
    let no_features = parse(Format::GeoJson, br#"{"type": "FeatureCollection", "features": {}}"#, &mapping);
    assert_eq!(
        no_features.unwrap_err().to_string(),
        "le fichier GeoJSON doit être une FeatureCollection (trouvé : une FeatureCollection sans tableau « features »)"
    );
    let lmn = br#"{"schema": "x", "data": [{"nom": "La Forge"}], "attribution": "y"} {"#;
    let err = parse(Format::LmnJson, lmn, &mapping).unwrap_err().to_string();
    assert!(err.contains("ligne 1"), "trailing data named with its place: {err}");
    let not_data = parse(Format::LmnJson, br#"{"data": "rien"}"#, &mapping).unwrap_err().to_string();
    assert!(not_data.contains("sans tableau « data »"), "{not_data}");
}
