//! Exports for spreadsheets: "CSV pour Excel" (BOM, `;`, decimal commas) and XLSX, in our
//! columns and in the national schema's. XLSX files are read back by a real reader
//! (calamine) and compared value by value with the plain CSV export.

mod common;

use calamine::{Data, Reader, Xlsx};
use common::{comparable, full_place, place, places};
use maillage_domain::PlaceInput;
use maillage_interop::{CSV_COLUMNS, ColumnMapping, Format, LMN_FIELDS, export, parse};

const ATTRIBUTION: &str = "Données : Maillage";

/// The rows of a CSV export (header included), read as a spreadsheet user sees them: the
/// formula escape's `'` is the spreadsheet's, not part of the value.
fn csv_rows(bytes: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).from_reader(bytes);
    reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect()).collect()
}

fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The cells of the workbook's only sheet, as calamine reads them.
fn xlsx_sheet(bytes: Vec<u8>) -> (Vec<Vec<Data>>, calamine::Range<String>) {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
    assert_eq!(workbook.sheet_names(), ["lieux"]);
    let range = workbook.worksheet_range("lieux").expect("the sheet");
    let formulas = workbook.worksheet_formula("lieux").expect("the sheet's formulas");
    (range.rows().map(<[Data]>::to_vec).collect(), formulas)
}

/// A workbook's rows compared with the plain CSV export of the same places.
fn assert_same_values(format: Format, plain: Format, header: &[&str]) {
    let places = places();
    let csv = csv_rows(&export(plain, &places, None, ATTRIBUTION).expect("CSV export"), b',');
    let (rows, formulas) = xlsx_sheet(export(format, &places, None, ATTRIBUTION).expect("XLSX export"));
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{format}: no formula anywhere");
    assert_eq!(rows.len(), places.len() + 1, "{format}: a header and a row per place");
    let names: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    assert_eq!(names, header, "{format}");
    for (r, (sheet_row, csv_row)) in rows.iter().zip(&csv).enumerate().skip(1) {
        for (c, csv_cell) in csv_row.iter().enumerate() {
            let expected = unescape(csv_cell);
            let column = header[c];
            match sheet_row.get(c).unwrap_or(&Data::Empty) {
                Data::String(s) => assert_eq!(s, expected, "{format} row {r} {column}"),
                Data::Float(f) => {
                    assert_eq!(Some(*f), expected.parse::<f64>().ok(), "{format} row {r} {column}: a number")
                }
                Data::Int(i) => assert_eq!(i.to_string(), expected, "{format} row {r} {column}"),
                Data::Bool(b) => assert_eq!(b.to_string(), expected, "{format} row {r} {column}"),
                Data::Empty => assert_eq!("", expected, "{format} row {r} {column}"),
                other => panic!("{format} row {r} {column}: unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn an_xlsx_export_holds_the_values_of_the_csv_export_read_by_a_real_reader() {
    assert_same_values(Format::Xlsx, Format::Csv, CSV_COLUMNS);
}

#[test]
fn an_lmn_xlsx_export_holds_the_values_of_the_lmn_csv_export() {
    assert_same_values(Format::LmnXlsx, Format::LmnCsv, LMN_FIELDS);
}

#[test]
fn coordinates_are_numbers_in_xlsx_and_text_is_text() {
    let (rows, _) = xlsx_sheet(export(Format::Xlsx, &[full_place()], None, ATTRIBUTION).unwrap());
    let at = |name: &str| CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(rows[1][at("latitude")], Data::Float(45.439_712));
    assert_eq!(rows[1][at("postal_code")], Data::String("42000".into()), "a code keeps its zeros: text");
    assert_eq!(rows[1][at("location_precise")], Data::Bool(true));
}

fn hyperlink_place() -> maillage_domain::Place {
    place(PlaceInput {
        name: Some("=HYPERLINK(\"http://evil.example\",\"Cliquez\")".into()),
        types: vec!["coworking".into()],
        summary: Some("@SUM(1+1)".into()),
        postal_code: Some("42000".into()),
        commune_code: Some("42218".into()),
        phone: Some("+33477000000".into()),
        ..PlaceInput::default()
    })
}

#[test]
fn a_formula_in_a_name_stays_inert_text_in_xlsx() {
    for format in [Format::Xlsx, Format::LmnXlsx] {
        let (rows, formulas) = xlsx_sheet(export(format, &[hyperlink_place()], None, ATTRIBUTION).unwrap());
        let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
        let name = header.iter().position(|h| h == "name" || h == "nom").unwrap();
        assert_eq!(
            rows[1][name],
            Data::String("=HYPERLINK(\"http://evil.example\",\"Cliquez\")".into()),
            "{format}"
        );
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{format}: no formula");
    }
    // The cell carries Excel's quote prefix, so that editing it does not make it a formula.
    let bytes = export(Format::Xlsx, &[hyperlink_place()], None, ATTRIBUTION).unwrap();
    assert!(zip_entry(&bytes, "xl/styles.xml").contains("quotePrefix=\"1\""));
}

/// The text of one member of an XLSX (ZIP) archive.
fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    let mut text = String::new();
    archive.by_name(name).expect("the member").read_to_string(&mut text).expect("UTF-8 XML");
    text
}

#[test]
fn csv_for_excel_has_a_bom_semicolons_and_decimal_commas_and_escapes_formulas() {
    for (format, header) in [(Format::CsvExcel, CSV_COLUMNS), (Format::LmnCsvExcel, LMN_FIELDS)] {
        let bytes = export(format, &[full_place(), hyperlink_place()], None, ATTRIBUTION).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{format}: Excel reads UTF-8 only after a BOM");
        let rows = csv_rows(&bytes, b';');
        assert_eq!(rows[0], header, "{format}: separated by ;");
        let latitude = header.iter().position(|c| *c == "latitude").unwrap();
        assert_eq!(rows[1][latitude], "45,439712", "{format}: a decimal comma");
        let name = header.iter().position(|h| *h == "name" || *h == "nom").unwrap();
        assert_eq!(rows[2][name], "'=HYPERLINK(\"http://evil.example\",\"Cliquez\")", "{format}: escaped");
    }
}

#[test]
fn csv_for_excel_imports_back_into_the_same_places() {
    let places = places();
    let bytes = export(Format::CsvExcel, &places, None, ATTRIBUTION).unwrap();
    for format in [Format::Csv, Format::CsvExcel] {
        let parsed = parse(format, &bytes, &ColumnMapping::default()).expect("readable");
        assert!(parsed.errors.is_empty() && parsed.warnings.is_empty(), "{parsed:?}");
        for (row, place) in parsed.rows.iter().zip(&places) {
            assert_eq!(comparable(row.input.clone()), comparable(PlaceInput::from(place)));
        }
    }
}

#[test]
fn an_xlsx_file_cannot_be_imported_and_the_message_says_to_save_it_as_csv() {
    let bytes = export(Format::Xlsx, &places(), None, ATTRIBUTION).unwrap();
    for format in [Format::Xlsx, Format::Csv] {
        let err = parse(format, &bytes, &ColumnMapping::default()).unwrap_err();
        assert!(err.to_string().contains("« CSV UTF-8 »"), "{err}");
    }
    let err = parse(Format::LmnXlsx, b"id,nom\n", &ColumnMapping::default()).unwrap_err();
    assert!(err.to_string().starts_with("le format lmn-xlsx sert à l'export"), "{err}");
    assert!(!Format::Xlsx.importable() && Format::CsvExcel.importable());
}

#[test]
fn every_format_has_its_own_download_name_and_type() {
    let names: Vec<&str> = Format::ALL.iter().map(|f| f.file_name()).collect();
    assert_eq!(
        names,
        [
            "lieux.csv",
            "lieux-excel.csv",
            "lieux.xlsx",
            "lieux.geojson",
            "lieux-lmn.json",
            "lieux-lmn.csv",
            "lieux-lmn-excel.csv",
            "lieux-lmn.xlsx"
        ]
    );
    for format in Format::ALL {
        assert!(format.file_name().ends_with(&format!(".{}", format.extension())), "{format}");
    }
    assert_eq!(
        Format::Xlsx.content_type(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(Format::CsvExcel.content_type(), "text/csv; charset=utf-8");
}
