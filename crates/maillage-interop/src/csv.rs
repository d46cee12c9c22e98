//! Maillage's own CSV format: one column per `PlaceInput` field, lists separated by `|`.
//! The conversion of a record to a `PlaceInput` is shared with GeoJSON, whose properties
//! carry the same names.

use crate::mapping::ColumnMapping;
use crate::report::{FileError, RowError};
use crate::row::{self, Row, split_pipe};
use crate::{Collector, ImportRow};
use maillage_domain::PlaceInput;
use maillage_domain::messages::Message;

/// Columns of the CSV format, in the order they are written.
pub const COLUMNS: &[&str] = &[
    "id",
    "name",
    "types",
    "summary",
    "description",
    "address",
    "postal_code",
    "commune_code",
    "commune_name",
    "latitude",
    "longitude",
    "location_precise",
    "siret",
    "rna",
    "services",
    "equipment",
    "opening_hours",
    "publics",
    "support",
    "fees",
    "access_modes",
    "accessibility_url",
    "labels",
    "email",
    "phone",
    "website",
    "status",
    "source",
    "updated_at",
];

/// Columns without which no row could be valid.
pub const REQUIRED_COLUMNS: &[&str] = &["name", "types", "postal_code"];

/// Names people commonly give our columns (English/French variants).
const ALIASES: &[(&str, &str)] = &[
    ("nom", "name"),
    ("type", "types"),
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("lng", "longitude"),
    ("code_postal", "postal_code"),
    ("code_insee", "commune_code"),
    ("commune", "commune_name"),
];

pub(crate) fn parse(
    text: &str,
    mapping: &ColumnMapping,
    collector: &mut Collector<'_>,
) -> Result<(), FileError> {
    mapping.check_targets(COLUMNS)?;
    let table = row::read_csv(text, COLUMNS, ALIASES, mapping)?;
    let missing: Vec<String> =
        REQUIRED_COLUMNS.iter().filter(|c| !table.has(c)).map(|c| (*c).to_owned()).collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns { missing });
    }
    if !table.unknown.is_empty() {
        collector.warn(row::unknown_columns_warning(1, &table.unknown, Message::new("import.row.columns")));
    }
    table.for_each_row(|row| collector.push(row.and_then(|row| to_import_row(&row))))?;
    Ok(())
}

/// Convert one record of our format (CSV row or GeoJSON properties, with coordinates
/// already in `latitude`/`longitude`).
pub(crate) fn to_import_row(row: &Row<'_>) -> Result<(ImportRow, Vec<RowError>), RowError> {
    let mut warnings = Vec::new();
    let list = |name: &str| row.list(name, split_pipe);
    let precise = row.boolean("location_precise")?.unwrap_or(true);
    let (latitude, longitude) =
        if precise { (row.number("latitude")?, row.number("longitude")?) } else { (None, None) };
    let input = PlaceInput {
        name: row.text("name"),
        types: list("types"),
        summary: row.text("summary"),
        description: row.text("description"),
        address: row.text("address"),
        postal_code: row.code("postal_code", &mut warnings),
        commune_code: row.code("commune_code", &mut warnings),
        commune_name: row.text("commune_name"),
        latitude,
        longitude,
        siret: row.text("siret"),
        rna: row.text("rna"),
        services: list("services"),
        equipment: list("equipment"),
        opening_hours: row.text("opening_hours"),
        publics: list("publics"),
        support: list("support"),
        fees: list("fees"),
        access_modes: list("access_modes"),
        accessibility_url: row.text("accessibility_url"),
        labels: list("labels"),
        email: row.text("email"),
        phone: row.text("phone"),
        website: row.text("website"),
        status: row.text("status"),
        ..PlaceInput::default()
    };
    let import = ImportRow {
        line: row.line,
        source_id: row.text("id"),
        source: row.text("source"),
        source_updated_on: row.date("updated_at", &mut warnings),
        input,
    };
    Ok((import, warnings))
}
