#![doc = include_str!("../README.md")]

mod csv;
mod detect;
mod export;
mod geojson;
mod lmn;
mod mapping;
mod report;
mod row;

pub use detect::detect_format;
pub use export::{
    ExportError, allowed_fields, export, export_each, export_to, import_template, selected_fields,
};
pub use geojson::{MapWriter, geojson_feature_collection};
pub use mapping::ColumnMapping;
pub use report::{FileError, MappingError, RowError};
pub use row::{FILE_LINE, spreadsheet_kind};

/// Column names of Maillage's own CSV format (also the GeoJSON property names).
pub use csv::COLUMNS as CSV_COLUMNS;
/// Field names of the national LMN schema as Maillage writes them.
pub use lmn::FIELDS as LMN_FIELDS;

use maillage_domain::PlaceInput;
use maillage_domain::messages::Message;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A file format for places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Maillage's CSV: one column per field, lists separated by `|`.
    Csv,
    /// Maillage's CSV as Excel opens it by a double click in France: UTF-8 BOM, `;`,
    /// decimal commas.
    CsvExcel,
    /// Maillage's columns in an Excel workbook (export only).
    Xlsx,
    /// A GeoJSON FeatureCollection of points, properties named as the CSV columns.
    GeoJson,
    /// The national schema of *lieux de médiation numérique*, JSON form.
    LmnJson,
    /// The national schema of *lieux de médiation numérique*, CSV form.
    LmnCsv,
    /// The national schema's CSV for Excel: UTF-8 BOM, `;`, decimal commas.
    LmnCsvExcel,
    /// The national schema's fields in an Excel workbook (export only).
    LmnXlsx,
}

impl Format {
    /// Every format, in the order downloads are offered.
    pub const ALL: [Format; 8] = [
        Self::Csv,
        Self::CsvExcel,
        Self::Xlsx,
        Self::GeoJson,
        Self::LmnJson,
        Self::LmnCsv,
        Self::LmnCsvExcel,
        Self::LmnXlsx,
    ];

    /// The formats a file can be imported from (the CSV for Excel is read by the CSV
    /// readers, which detect its BOM, separator and decimal commas).
    pub const IMPORT: [Format; 4] = [Self::Csv, Self::GeoJson, Self::LmnJson, Self::LmnCsv];

    /// Name used on the command line and in URLs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::CsvExcel => "csv-excel",
            Self::Xlsx => "xlsx",
            Self::GeoJson => "geojson",
            Self::LmnJson => "lmn-json",
            Self::LmnCsv => "lmn-csv",
            Self::LmnCsvExcel => "lmn-csv-excel",
            Self::LmnXlsx => "lmn-xlsx",
        }
    }

    /// MIME type of an export.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv | Self::LmnCsv | Self::CsvExcel | Self::LmnCsvExcel => "text/csv; charset=utf-8",
            Self::Xlsx | Self::LmnXlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::GeoJson => "application/geo+json",
            Self::LmnJson => "application/json",
        }
    }

    /// File extension of an export.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv | Self::LmnCsv | Self::CsvExcel | Self::LmnCsvExcel => "csv",
            Self::Xlsx | Self::LmnXlsx => "xlsx",
            Self::GeoJson => "geojson",
            Self::LmnJson => "json",
        }
    }

    /// File name of a download: distinct for every format, so that several downloads
    /// side by side do not overwrite each other.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Csv => "lieux.csv",
            Self::CsvExcel => "lieux-excel.csv",
            Self::Xlsx => "lieux.xlsx",
            Self::GeoJson => "lieux.geojson",
            Self::LmnJson => "lieux-lmn.json",
            Self::LmnCsv => "lieux-lmn.csv",
            Self::LmnCsvExcel => "lieux-lmn-excel.csv",
            Self::LmnXlsx => "lieux-lmn.xlsx",
        }
    }

    /// Whether files in this format can be imported (XLSX cannot: save it as CSV).
    pub fn importable(self) -> bool {
        !matches!(self, Self::Xlsx | Self::LmnXlsx)
    }

    /// Whether an export is binary (not text to print on a terminal).
    pub fn is_binary(self) -> bool {
        matches!(self, Self::Xlsx | Self::LmnXlsx)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "format inconnu « {0} » (formats possibles : csv, csv-excel, xlsx, geojson, lmn-json, lmn-csv, lmn-csv-excel, lmn-xlsx)"
)]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.name() == wanted).ok_or_else(|| UnknownFormat(s.trim().to_owned()))
    }
}

/// One record of an imported file, ready for validation.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    /// 1-based line in a CSV file (the header is line 1), or feature/record index + 1 in a
    /// JSON file.
    pub line: usize,
    /// The record's identifier in its source (`id` column or property).
    pub source_id: Option<String>,
    /// The source named by the record itself (`source` column), if any.
    pub source: Option<String>,
    pub input: PlaceInput,
    /// Last update declared by the source (`updated_at`, LMN `date_maj`).
    pub source_updated_on: Option<chrono::NaiveDate>,
}

/// The readable content of a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFile {
    /// Records to validate, in file order.
    pub rows: Vec<ImportRow>,
    /// Records that could not even be read (bad number, duplicate identifier…): they are
    /// not in `rows`.
    pub errors: Vec<RowError>,
    /// Remarks that do not stop a record (unknown columns, values without equivalent…).
    pub warnings: Vec<RowError>,
}

/// What reading a file found besides its records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileReport {
    /// Records that could not even be read (bad number, duplicate identifier…).
    pub errors: Vec<RowError>,
    /// Remarks that do not stop a record (unknown columns, values without equivalent…).
    pub warnings: Vec<RowError>,
    /// Records handed over.
    pub rows: usize,
}

/// Hands records over one by one, refusing the second and later occurrences of a source
/// identifier.
pub(crate) struct Collector<'a> {
    sink: &'a mut dyn FnMut(ImportRow),
    report: FileReport,
    seen: HashMap<String, usize>,
}

impl Collector<'_> {
    pub(crate) fn push(&mut self, result: Result<(ImportRow, Vec<RowError>), RowError>) {
        match result {
            Ok((row, warnings)) => {
                if let Some(id) = &row.source_id {
                    if let Some(first) = self.seen.get(id) {
                        self.report.errors.push(RowError::new(
                            row.line,
                            "id",
                            "duplicate_id",
                            Message::new("import.row.duplicate_id").with("id", id).with("first", first),
                        ));
                        return;
                    }
                    self.seen.insert(id.clone(), row.line);
                }
                self.report.warnings.extend(warnings);
                self.report.rows += 1;
                (self.sink)(row);
            }
            Err(e) => self.report.errors.push(e),
        }
    }

    pub(crate) fn warn(&mut self, warning: RowError) {
        self.report.warnings.push(warning);
    }
}

/// Read a whole file. `Err` when the file cannot be read at all; otherwise every record
/// is either in `rows` or reported in `errors`.
pub fn parse(format: Format, bytes: &[u8], mapping: &ColumnMapping) -> Result<ParsedFile, FileError> {
    let mut rows = Vec::new();
    let report = parse_each(format, bytes, mapping, &mut |row| rows.push(row))?;
    Ok(ParsedFile { rows, errors: report.errors, warnings: report.warnings })
}

/// Read a file record by record: each readable record goes to `sink` as soon as it is
/// read, so that a caller storing records in batches holds one batch at a time, whatever
/// the file's size (CSV files are read row by row; JSON files are parsed whole first).
/// `Err` when the file cannot be read at all (nothing was handed over then, or the caller
/// must drop what it was given).
pub fn parse_each(
    format: Format,
    bytes: &[u8],
    mapping: &ColumnMapping,
    sink: &mut dyn FnMut(ImportRow),
) -> Result<FileReport, FileError> {
    let (text, encoding) = row::decode(bytes)?;
    let text = text.as_ref();
    let mut collector = Collector { sink, report: FileReport::default(), seen: HashMap::new() };
    if let Some(warning) = encoding {
        collector.warn(warning);
    }
    match format {
        Format::Csv | Format::CsvExcel => csv::parse(text, mapping, &mut collector)?,
        Format::GeoJson => geojson::parse(text, mapping, &mut collector)?,
        Format::LmnJson => lmn::parse_json(text, mapping, &mut collector)?,
        Format::LmnCsv | Format::LmnCsvExcel => lmn::parse_csv(text, mapping, &mut collector)?,
        Format::Xlsx | Format::LmnXlsx => return Err(FileError::ExportOnly { format: format.name() }),
    }
    Ok(collector.report)
}
