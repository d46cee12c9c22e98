//! Writing places in every format.

use crate::Format;
use crate::csv::COLUMNS;
use crate::geojson::round6;
use crate::lmn::{self, LmnValue};
use maillage_domain::Place;
use maillage_domain::vocab::Vocabulary;
use serde_json::{Map, Value, json};
use std::borrow::Borrow;
use std::io::Write;

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("champ(s) inconnu(s) : {} ; champs possibles : {}", .unknown.join(", "), .allowed.join(", "))]
    UnknownFields { unknown: Vec<String>, allowed: Vec<&'static str> },
    #[error("écriture impossible : {0}")]
    Io(#[from] std::io::Error),
    #[error("écriture CSV impossible : {0}")]
    Csv(#[from] csv::Error),
    #[error("écriture JSON impossible : {0}")]
    Json(#[from] serde_json::Error),
    #[error("écriture XLSX impossible : {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Field names an export in `format` can be restricted to.
pub fn allowed_fields(format: Format) -> &'static [&'static str] {
    match format {
        Format::Csv | Format::CsvExcel | Format::Xlsx | Format::GeoJson => COLUMNS,
        Format::LmnJson | Format::LmnCsv | Format::LmnCsvExcel | Format::LmnXlsx => lmn::FIELDS,
    }
}

/// Export `places` into a buffer. See [`export_to`].
pub fn export<P: Borrow<Place>>(
    format: Format,
    places: &[P],
    fields: Option<&[&str]>,
    attribution: &str,
) -> Result<Vec<u8>, ExportError> {
    let mut out = Vec::with_capacity(places.len() * 1024);
    export_to(&mut out, format, places, fields, attribution)?;
    Ok(out)
}

/// Write `places` in `format`. `fields` restricts the columns (CSV) or properties
/// (JSON) to those named, in the format's own field names; GeoJSON always keeps its
/// geometry. `attribution` is written as metadata by GeoJSON and LMN JSON; CSV has no
/// place for it, so the caller shows it beside the file.
pub fn export_to<P: Borrow<Place>>(
    w: impl Write,
    format: Format,
    places: &[P],
    fields: Option<&[&str]>,
    attribution: &str,
) -> Result<(), ExportError> {
    export_each(w, format, places.iter().map(Borrow::borrow), fields, attribution)
}

/// Like [`export_to`], with places coming one at a time (read by chunks by the caller), so
/// that an export of the whole directory never holds it all.
pub fn export_each<P: Borrow<Place>>(
    w: impl Write,
    format: Format,
    places: impl IntoIterator<Item = P>,
    fields: Option<&[&str]>,
    attribution: &str,
) -> Result<(), ExportError> {
    let selected = selected_fields(format, fields)?;
    let places = places.into_iter();
    match format {
        Format::Csv => write_csv(w, Csv::PLAIN, &selected, places.map(|p| our_record(p.borrow()))),
        Format::LmnCsv => write_csv(w, Csv::PLAIN, &selected, places.map(|p| lmn_record(p.borrow()))),
        Format::CsvExcel => write_csv(w, Csv::EXCEL, &selected, places.map(|p| our_record(p.borrow()))),
        Format::LmnCsvExcel => write_csv(w, Csv::EXCEL, &selected, places.map(|p| lmn_record(p.borrow()))),
        Format::Xlsx => write_xlsx(w, &selected, places.map(|p| our_record(p.borrow()))),
        Format::LmnXlsx => write_xlsx(w, &selected, places.map(|p| lmn_record(p.borrow()))),
        Format::GeoJson => write_geojson(w, &selected, places, attribution),
        Format::LmnJson => write_lmn_json(w, &selected, places, attribution),
    }
}

/// The fields asked for, checked against the format's and put in its order.
pub fn selected_fields(format: Format, fields: Option<&[&str]>) -> Result<Vec<&'static str>, ExportError> {
    let allowed = allowed_fields(format);
    match fields {
        None => Ok(allowed.to_vec()),
        Some(wanted) => {
            let unknown: Vec<String> =
                wanted.iter().filter(|f| !allowed.contains(&f.trim())).map(|f| (*f).to_owned()).collect();
            if !unknown.is_empty() {
                return Err(ExportError::UnknownFields { unknown, allowed: allowed.to_vec() });
            }
            // Keep the format's order whatever the order asked.
            Ok(allowed.iter().copied().filter(|a| wanted.iter().any(|f| f.trim() == *a)).collect())
        }
    }
}

/// A value of our format.
enum Cell {
    Text(String),
    List(Vec<String>),
    Number(f64),
    Bool(bool),
    Empty,
}

impl Cell {
    fn csv(&self, flavour: Csv) -> String {
        match self {
            // Text is escaped against formulas (see `row::escape_formula`); numbers are not.
            Self::Text(t) => crate::row::escape_formula(t).into_owned(),
            Self::List(items) => crate::row::escape_formula(&items.join("|")).into_owned(),
            Self::Number(n) if flavour.decimal_comma => n.to_string().replace('.', ","),
            Self::Number(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Empty => String::new(),
        }
    }

    fn json(self) -> Value {
        match self {
            Self::Text(t) => Value::String(t),
            Self::List(items) => Value::Array(items.into_iter().map(Value::String).collect()),
            Self::Number(n) => json!(n),
            Self::Bool(b) => Value::Bool(b),
            Self::Empty => Value::Null,
        }
    }
}

fn codes<T: Vocabulary>(terms: &[T]) -> Cell {
    Cell::List(terms.iter().map(|t| t.code().to_owned()).collect())
}

fn opt(value: Option<&str>) -> Cell {
    value.map_or(Cell::Empty, |v| Cell::Text(v.to_owned()))
}

/// The record of a place in our format, in [`COLUMNS`] order.
fn our_record(place: &Place) -> Vec<(&'static str, Cell)> {
    let d = &place.data;
    COLUMNS
        .iter()
        .map(|&name| {
            let cell = match name {
                "id" => Cell::Text(place.id.to_string()),
                "name" => Cell::Text(d.name.clone()),
                "types" => codes(&d.types),
                "summary" => Cell::Text(d.summary.clone()),
                "description" => Cell::Text(d.description.clone()),
                "address" => Cell::Text(d.address.clone()),
                "postal_code" => Cell::Text(d.postal_code.to_string()),
                "commune_code" => Cell::Text(d.commune_code.to_string()),
                "commune_name" => Cell::Text(d.commune_name.clone()),
                "latitude" => Cell::Number(d.location.lat),
                "longitude" => Cell::Number(d.location.lon),
                "location_precise" => Cell::Bool(d.location_precise),
                "siret" => opt(d.siret.as_ref().map(|v| v.as_str())),
                "rna" => opt(d.rna.as_ref().map(|v| v.as_str())),
                "services" => codes(&d.services),
                "equipment" => Cell::List(d.equipment.clone()),
                "opening_hours" => opt(d.opening_hours.as_ref().map(|v| v.as_str())),
                "publics" => codes(&d.publics),
                "support" => codes(&d.support),
                "fees" => codes(&d.fees),
                "access_modes" => codes(&d.access_modes),
                "accessibility_url" => opt(d.accessibility_url.as_ref().map(|v| v.as_str())),
                "labels" => codes(&d.labels),
                "email" => opt(d.email.as_ref().map(|v| v.as_str())),
                "phone" => opt(d.phone.as_ref().map(|v| v.as_str())),
                "website" => opt(d.website.as_ref().map(|v| v.as_str())),
                "status" => Cell::Text(place.status.code().to_owned()),
                "source" => Cell::Text(place.provenance.source.clone()),
                "updated_at" => Cell::Text(place.updated_at.to_rfc3339()),
                _ => Cell::Empty,
            };
            (name, cell)
        })
        .collect()
}

fn lmn_record(place: &Place) -> Vec<(&'static str, Cell)> {
    lmn::record(place)
        .into_iter()
        .map(|(name, value)| {
            let cell = match value {
                LmnValue::Text(t) if t.is_empty() => Cell::Empty,
                LmnValue::Text(t) => Cell::Text(t),
                LmnValue::Number(n) => Cell::Number(n),
            };
            (name, cell)
        })
        .collect()
}

/// A file to fill in for an import: every column of our CSV and one example line (a
/// valid place of Saint-Étienne), as a plain CSV or, with `excel`, as the CSV for Excel
/// (BOM, `;`, decimal commas). Both import as they are.
pub fn import_template(excel: bool) -> Vec<u8> {
    let list = |items: &[&str]| Cell::List(items.iter().map(|i| (*i).to_owned()).collect());
    let text = |t: &str| if t.is_empty() { Cell::Empty } else { Cell::Text(t.to_owned()) };
    let record: Vec<(&'static str, Cell)> = COLUMNS
        .iter()
        .map(|&name| {
            let cell = match name {
                "id" => text("mon-lieu-1"),
                "name" => text("Espace numérique du Quai"),
                "types" => list(&["epn", "coworking"]),
                "summary" => text("Ordinateurs en accès libre et aide aux démarches en ligne."),
                "description" => text("Un **atelier** chaque mardi ; *sur inscription*."),
                "address" => text("2 quai Jean Moulin"),
                "postal_code" => text("42000"),
                "commune_code" => text("42218"),
                "commune_name" => text("Saint-Étienne"),
                "latitude" => Cell::Number(45.4397),
                "longitude" => Cell::Number(4.3872),
                "location_precise" => Cell::Bool(true),
                "siret" => text("43493312300029"),
                "services" => list(&["digital_basics", "admin_procedures", "internet_access"]),
                "equipment" => list(&["Ordinateurs", "Imprimante"]),
                "opening_hours" => text("Mo-Fr 09:00-12:00,14:00-18:00; PH off"),
                "publics" => list(&["seniors"]),
                "support" => list(&["disability"]),
                "fees" => list(&["free"]),
                "access_modes" => list(&["walk_in"]),
                "labels" => list(&["france_services"]),
                "email" => text("contact@exemple.fr"),
                "phone" => text("+33477000000"),
                "website" => text("https://www.exemple.fr"),
                "status" => text("published"),
                _ => Cell::Empty,
            };
            (name, cell)
        })
        .collect();
    let mut out = Vec::new();
    let flavour = if excel { Csv::EXCEL } else { Csv::PLAIN };
    // Writing to memory cannot fail.
    let _ = write_csv(&mut out, flavour, COLUMNS, std::iter::once(record));
    out
}

/// How a CSV export is written.
#[derive(Debug, Clone, Copy)]
struct Csv {
    /// A UTF-8 BOM first: Excel then reads the file as UTF-8 (without it, as Windows-1252).
    bom: bool,
    delimiter: u8,
    /// Numbers with a decimal comma, as French spreadsheets expect them.
    decimal_comma: bool,
}

impl Csv {
    const PLAIN: Self = Self { bom: false, delimiter: b',', decimal_comma: false };
    /// What Excel in French opens by a double click, columns and accents right.
    const EXCEL: Self = Self { bom: true, delimiter: b';', decimal_comma: true };
}

fn write_csv(
    mut w: impl Write,
    flavour: Csv,
    selected: &[&'static str],
    records: impl Iterator<Item = Vec<(&'static str, Cell)>>,
) -> Result<(), ExportError> {
    if flavour.bom {
        w.write_all(b"\xEF\xBB\xBF")?;
    }
    let mut writer = csv::WriterBuilder::new().delimiter(flavour.delimiter).from_writer(w);
    writer.write_record(selected)?;
    for record in records {
        writer.write_record(
            record.iter().filter(|(name, _)| selected.contains(name)).map(|(_, cell)| cell.csv(flavour)),
        )?;
    }
    writer.flush()?;
    Ok(())
}

/// One sheet, `lieux`: a bold header row kept in view, then a row per place. Text is
/// always written as a string cell, never as a formula: a name such as `=HYPERLINK(…)` is
/// shown as it is, and a text that a spreadsheet would take for a formula once edited
/// (starting with `=`, `+`, `-`, `@`, tab, CR) carries the "quote prefix" style, Excel's
/// own `'`, which is not part of the value. Numbers and booleans are typed cells.
///
/// Rows are written to a temporary file as they come (`constant_memory`); the finished
/// workbook (compressed) is then copied to `w`.
fn write_xlsx(
    mut w: impl Write,
    selected: &[&'static str],
    records: impl Iterator<Item = Vec<(&'static str, Cell)>>,
) -> Result<(), ExportError> {
    use rust_xlsxwriter::{Format as Style, Workbook};
    let mut workbook = Workbook::new();
    let bold = Style::new().set_bold();
    let quoted = Style::new().set_quote_prefix();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("lieux")?;
    sheet.set_freeze_panes(1, 0)?;
    for (col, name) in selected.iter().enumerate() {
        sheet.write_string_with_format(0, column(col)?, *name, &bold)?;
    }
    for (index, record) in records.enumerate() {
        let row = u32::try_from(index + 1).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)?;
        for (col, (_, cell)) in record.iter().filter(|(name, _)| selected.contains(name)).enumerate() {
            let col = column(col)?;
            let text = match cell {
                Cell::Text(t) => t.clone(),
                Cell::List(items) => items.join("|"),
                Cell::Number(n) => {
                    sheet.write_number(row, col, *n)?;
                    continue;
                }
                Cell::Bool(b) => {
                    sheet.write_boolean(row, col, *b)?;
                    continue;
                }
                Cell::Empty => continue,
            };
            if text.is_empty() {
                continue;
            }
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                sheet.write_string_with_format(row, col, text, &quoted)?;
            } else {
                sheet.write_string(row, col, text)?;
            }
        }
    }
    w.write_all(&workbook.save_to_buffer()?)?;
    Ok(())
}

fn column(index: usize) -> Result<u16, rust_xlsxwriter::XlsxError> {
    u16::try_from(index).map_err(|_| rust_xlsxwriter::XlsxError::RowColumnLimitError)
}

fn write_geojson<P: Borrow<Place>>(
    mut w: impl Write,
    selected: &[&'static str],
    places: impl Iterator<Item = P>,
    attribution: &str,
) -> Result<(), ExportError> {
    w.write_all(br#"{"type":"FeatureCollection","attribution":"#)?;
    serde_json::to_writer(&mut w, attribution)?;
    w.write_all(br#","features":["#)?;
    for (i, place) in places.enumerate() {
        let place = place.borrow();
        if i > 0 {
            w.write_all(b",")?;
        }
        let mut properties = Map::new();
        for (name, cell) in our_record(place) {
            if selected.contains(&name) && name != "latitude" && name != "longitude" {
                properties.insert(name.to_owned(), cell.json());
            }
        }
        let feature = json!({
            "type": "Feature",
            "id": place.id.to_string(),
            "geometry": {
                "type": "Point",
                "coordinates": [round6(place.data.location.lon), round6(place.data.location.lat)],
            },
            "properties": properties,
        });
        serde_json::to_writer(&mut w, &feature)?;
    }
    w.write_all(b"]}")?;
    Ok(())
}

fn write_lmn_json<P: Borrow<Place>>(
    mut w: impl Write,
    selected: &[&'static str],
    places: impl Iterator<Item = P>,
    attribution: &str,
) -> Result<(), ExportError> {
    w.write_all(
        br#"{"schema":"https://schema.data.gouv.fr/LaMednum/standard-mediation-num/","attribution":"#,
    )?;
    serde_json::to_writer(&mut w, attribution)?;
    w.write_all(br#","data":["#)?;
    for (i, place) in places.enumerate() {
        let place = place.borrow();
        if i > 0 {
            w.write_all(b",")?;
        }
        let mut object = Map::new();
        for (name, value) in lmn::record(place) {
            if !selected.contains(&name) {
                continue;
            }
            match value {
                // The schema's JSON form omits empty optional fields.
                LmnValue::Text(t) if t.is_empty() => {}
                LmnValue::Text(t) => {
                    object.insert(name.to_owned(), Value::String(t));
                }
                LmnValue::Number(n) => {
                    object.insert(name.to_owned(), json!(n));
                }
            }
        }
        serde_json::to_writer(&mut w, &object)?;
    }
    w.write_all(b"]}")?;
    Ok(())
}
