//! CSV files as French offices save them (Excel, LibreOffice): `;`, `,` or tab separated,
//! UTF-8 with or without BOM, Windows-1252 or UTF-16, decimal commas, CRLF line ends.
//! They are read, not refused; the encoding assumed is said; what is really broken is
//! named by line and column; a spreadsheet sent as CSV is refused with advice.

mod common;

use common::fixture;
use maillage_interop::{ColumnMapping, FILE_LINE, FileError, Format, ParsedFile, parse};

const HEADER: &str = "id;name;types;postal_code;commune_name;latitude;longitude";
const ROW: &str = "r1;Café des élèves;coworking;42000;Saint-Étienne;45,4397;4,3872";

fn read(format: Format, bytes: &[u8]) -> ParsedFile {
    parse(format, bytes, &ColumnMapping::default()).expect("the file is read")
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let units = std::iter::once(0xFEFF_u16).chain(text.encode_utf16());
    if little_endian {
        units.flat_map(u16::to_le_bytes).collect()
    } else {
        units.flat_map(u16::to_be_bytes).collect()
    }
}

fn encoding_warnings(parsed: &ParsedFile) -> Vec<String> {
    parsed.warnings.iter().filter(|w| w.code == "encoding_assumed").map(|w| w.message.fr()).collect()
}

/// The one row of [`ROW`], whatever the file's encoding and separator.
fn assert_the_cafe(parsed: &ParsedFile) {
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows.len(), 1, "{parsed:?}");
    let row = &parsed.rows[0];
    assert_eq!(row.line, 2);
    assert_eq!(row.source_id.as_deref(), Some("r1"));
    assert_eq!(row.input.name.as_deref(), Some("Café des élèves"));
    assert_eq!(row.input.commune_name.as_deref(), Some("Saint-Étienne"));
    assert_eq!((row.input.latitude, row.input.longitude), (Some(45.4397), Some(4.3872)));
}

#[test]
fn a_windows_1252_file_is_read_with_a_warning_saying_so() {
    let parsed = read(Format::Csv, &fixture("latin1.csv"));
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows[0].input.name.as_deref(), Some("Café des élèves"));
    assert_eq!(parsed.rows[0].input.commune_name.as_deref(), Some("Saint-Étienne"));
    let warning = parsed.warnings.iter().find(|w| w.code == "encoding_assumed").expect("a warning");
    assert_eq!(warning.line, FILE_LINE, "about the file, not a row");
    assert!(warning.message.fr().contains("Windows-1252"), "{warning}");

    let text = format!("{HEADER}\r\n{ROW}\r\n");
    let (encoded, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    assert_the_cafe(&read(Format::Csv, &encoded));
}

#[test]
fn utf8_with_or_without_bom_is_read_without_remark() {
    for bytes in
        [format!("{HEADER}\n{ROW}\n").into_bytes(), format!("\u{feff}{HEADER}\r\n{ROW}\r\n").into_bytes()]
    {
        let parsed = read(Format::Csv, &bytes);
        assert_the_cafe(&parsed);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    }
}

#[test]
fn utf16_with_its_bom_is_read_in_both_byte_orders_and_named() {
    for (little_endian, name) in [(true, "UTF-16 LE"), (false, "UTF-16 BE")] {
        let parsed = read(Format::Csv, &utf16(&format!("{HEADER}\r\n{ROW}\r\n"), little_endian));
        assert_the_cafe(&parsed);
        assert_eq!(encoding_warnings(&parsed).len(), 1, "{name}");
        assert!(encoding_warnings(&parsed)[0].contains(name), "{:?}", parsed.warnings);
    }
}

#[test]
fn semicolon_comma_and_tab_separators_are_detected() {
    let comma = format!(
        "{}\n{}\n",
        HEADER.replace(';', ","),
        "r1,Café des élèves,coworking,42000,Saint-Étienne,\"45,4397\",\"4,3872\""
    );
    let tab = format!("{}\n{}\n", HEADER.replace(';', "\t"), ROW.replace(';', "\t"));
    for text in [format!("{HEADER}\n{ROW}\n"), comma, tab] {
        assert_the_cafe(&read(Format::Csv, text.as_bytes()));
    }
}

#[test]
fn a_semicolon_that_is_inside_quotes_does_not_decide_the_separator() {
    let text =
        "name,types,postal_code,opening_hours\n\"A; B\",coworking,42000,\"Mo 09:00-12:00; Tu 10:00-12:00\"\n";
    let parsed = read(Format::Csv, text.as_bytes());
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.rows[0].input.name.as_deref(), Some("A; B"));
}

#[test]
fn decimal_commas_are_accepted_in_coordinates_of_both_csv_formats() {
    let ours = read(Format::Csv, format!("{HEADER}\n{ROW}\n").as_bytes());
    assert_eq!(ours.rows[0].input.latitude, Some(45.4397));
    let lmn = read(
        Format::LmnCsv,
        "id;nom;commune;code_postal;latitude;longitude;typologie\nl1;Le Quai;Saint-Étienne;42000;45,44;-4,39;EPN\n"
            .as_bytes(),
    );
    assert!(lmn.errors.is_empty(), "{:?}", lmn.errors);
    assert_eq!((lmn.rows[0].input.latitude, lmn.rows[0].input.longitude), (Some(45.44), Some(-4.39)));
}

#[test]
fn line_numbers_stay_right_with_crlf_and_cells_on_several_lines() {
    let text = "name;types;postal_code;latitude\r\n\
                A;coworking;42000;45\r\n\
                \"B\r\nsur deux lignes\";coworking;42000;45\r\n\
                \r\n\
                C;coworking;42000;nord\r\n";
    let parsed = read(Format::Csv, text.as_bytes());
    assert_eq!(parsed.rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    assert_eq!((parsed.errors[0].line, parsed.errors[0].field.as_str()), (6, "latitude"));
}

#[test]
fn a_row_with_another_separator_than_the_header_is_named_by_line_and_column() {
    let text = format!("{HEADER}\r\n{ROW}\r\nr2,Le Quai,coworking,42000,Saint-Étienne,,\r\n");
    let parsed = read(Format::Csv, text.as_bytes());
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.errors.len(), 1, "{:?}", parsed.errors);
    let error = &parsed.errors[0];
    assert_eq!((error.line, error.code.as_str()), (3, "mixed_separators"));
    assert!(error.message.fr().contains("colonne 3"), "{error}");
    assert!(error.message.fr().contains("« , »") && error.message.fr().contains("« ; »"), "{error}");
}

#[test]
fn a_header_mixing_separators_is_refused_naming_the_column() {
    let err = parse(Format::Csv, b"name;types,postal_code\nA;coworking;42000\n", &ColumnMapping::default())
        .unwrap_err();
    assert_eq!(
        err,
        FileError::MixedSeparators { line: 1, column: 11, found: ",".into(), expected: ";".into() }
    );
    assert!(err.to_string().starts_with("séparateurs mélangés ligne 1, colonne 11"), "{err}");
}

#[test]
fn a_spreadsheet_sent_as_csv_is_refused_with_advice_to_save_as_csv() {
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml";
    let ods = b"PK\x03\x04\x14\x00\x00\x08\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet";
    for (bytes, kind) in [(&xlsx[..], "XLSX"), (&ods[..], "ODS")] {
        for format in [Format::Csv, Format::LmnCsv] {
            let err = parse(format, bytes, &ColumnMapping::default()).unwrap_err();
            assert!(matches!(err, FileError::Spreadsheet { .. }), "{err:?}");
            let message = err.to_string();
            assert!(
                message.contains(kind) && message.contains("enregistrez-le au format « CSV UTF-8 »"),
                "{message}"
            );
        }
    }
}

#[test]
fn bytes_that_no_encoding_explains_are_named_by_line_and_column() {
    let err =
        parse(Format::Csv, b"name;types\r\nA;\x00\x9d\x81\x8d\n", &ColumnMapping::default()).unwrap_err();
    assert!(matches!(err, FileError::NotUtf8 { line: 2, column: 4, .. }), "{err:?}");
}

#[test]
fn the_import_template_has_every_column_and_an_example_that_imports_clean_in_both_flavours() {
    for excel in [false, true] {
        let bytes = maillage_interop::import_template(excel);
        assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), excel, "a BOM for Excel only");
        let parsed = read(Format::Csv, &bytes);
        assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{parsed:?}");
        assert_eq!(parsed.rows.len(), 1, "one example line");
        let text = String::from_utf8(bytes).unwrap();
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap().to_owned();
        let separator = if excel { ";" } else { "," };
        assert_eq!(header, maillage_interop::CSV_COLUMNS.join(separator), "every column");
        assert!(text.contains(if excel { ";45,4397;" } else { ",45.4397," }), "{text}");
        let valid = common::validate(&parsed.rows[0].input).expect("the example is a valid place");
        assert_eq!(valid.commune_name, "Saint-Étienne");
    }
}
