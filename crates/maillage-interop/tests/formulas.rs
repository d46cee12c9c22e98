//! CSV exports cannot carry a formula into a spreadsheet (OWASP "CSV injection"), and the
//! importer undoes exactly that escape, so export → import gives back the same places.

mod common;

use common::{comparable, place, validate};
use maillage_domain::PlaceInput;
use maillage_interop::{ColumnMapping, Format, export, parse};

const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example\",\"Cliquez\")";

fn hostile() -> maillage_domain::Place {
    place(PlaceInput {
        name: Some(HYPERLINK.into()),
        types: vec!["fablab".into()],
        summary: Some("+cmd|' /C calc'!A0".into()),
        address: Some("@SUM(1+1)".into()),
        postal_code: Some("29810".into()),
        commune_code: Some("29124".into()),
        latitude: Some(48.4469),
        longitude: Some(-4.7655),
        equipment: vec!["-2+3".into(), "Laser".into()],
        description: Some("'=déjà précédé d'une apostrophe".into()),
        phone: Some("+33 2 98 00 00 00".into()),
        ..PlaceInput::default()
    })
}

fn cells(csv: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

fn column<'a>(table: &'a [Vec<String>], name: &str) -> &'a str {
    let i = table[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    &table[1][i]
}

#[test]
fn text_cells_that_look_like_formulas_are_exported_with_a_quote_and_numbers_are_not() {
    let place = hostile();
    let csv =
        String::from_utf8(export(Format::Csv, std::slice::from_ref(&place), None, "").unwrap()).unwrap();
    let table = cells(&csv);
    assert_eq!(column(&table, "name"), format!("'{HYPERLINK}"));
    assert_eq!(column(&table, "summary"), "'+cmd|' /C calc'!A0");
    assert_eq!(column(&table, "address"), "'@SUM(1+1)");
    assert_eq!(column(&table, "equipment"), "'-2+3|Laser");
    assert_eq!(column(&table, "description"), "''=déjà précédé d'une apostrophe");
    assert_eq!(column(&table, "longitude"), "-4.7655", "numbers are numbers");
    assert_eq!(column(&table, "phone"), "+33298000000", "E.164 phones stay as they are");

    let lmn =
        String::from_utf8(export(Format::LmnCsv, std::slice::from_ref(&place), None, "").unwrap()).unwrap();
    let table = cells(&lmn);
    assert_eq!(column(&table, "nom"), format!("'{HYPERLINK}"));
    assert_eq!(column(&table, "longitude"), "-4.7655");
    assert_eq!(column(&table, "telephone"), "+33298000000");
    for row in &table[1..] {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<f64>().is_ok()),
                "raw formula cell {cell:?}"
            );
        }
    }
}

#[test]
fn escaped_cells_come_back_exactly_as_they_were() {
    let place = hostile();
    for format in [Format::Csv, Format::LmnCsv] {
        let bytes = export(format, std::slice::from_ref(&place), None, "").unwrap();
        let parsed = parse(format, &bytes, &ColumnMapping::default()).unwrap();
        assert!(parsed.errors.is_empty(), "{format}: {:?}", parsed.errors);
        let input = &parsed.rows[0].input;
        assert_eq!(input.name.as_deref(), Some(HYPERLINK), "{format}");
        assert_eq!(input.longitude, Some(-4.7655), "{format}");
        assert_eq!(input.phone.as_deref(), Some("+33298000000"), "{format}");
        assert_eq!(input.description.as_deref(), Some("'=déjà précédé d'une apostrophe"), "{format}");
        if format == Format::Csv {
            assert_eq!(comparable(input.clone()), comparable(PlaceInput::from(&place)));
            assert_eq!(validate(input).unwrap(), place.data);
        }
    }
}

#[test]
fn a_quote_before_ordinary_text_is_text() {
    let csv = "name,types,postal_code,commune_code\n'Le Quai,fablab,42000,42218\n'=1+1,fablab,42000,42218\n";
    let parsed = parse(Format::Csv, csv.as_bytes(), &ColumnMapping::default()).unwrap();
    assert_eq!(parsed.rows[0].input.name.as_deref(), Some("'Le Quai"));
    assert_eq!(parsed.rows[1].input.name.as_deref(), Some("=1+1"));
}
