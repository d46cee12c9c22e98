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
}

/// Field names an export in `format` can be restricted to.
pub fn allowed_fields(format: Format) -> &'static [&'static str] {
    match format {
        Format::Csv | Format::GeoJson => COLUMNS,
        Format::LmnJson | Format::LmnCsv => lmn::FIELDS,
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
        Format::Csv => write_csv(w, &selected, places.map(|p| our_record(p.borrow()))),
        Format::LmnCsv => write_csv(w, &selected, places.map(|p| lmn_record(p.borrow()))),
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
    fn csv(&self) -> String {
        match self {
            // Text is escaped against formulas (see `row::escape_formula`); numbers are not.
            Self::Text(t) => crate::row::escape_formula(t).into_owned(),
            Self::List(items) => crate::row::escape_formula(&items.join("|")).into_owned(),
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

fn write_csv(
    w: impl Write,
    selected: &[&'static str],
    records: impl Iterator<Item = Vec<(&'static str, Cell)>>,
) -> Result<(), ExportError> {
    let mut writer = csv::WriterBuilder::new().from_writer(w);
    writer.write_record(selected)?;
    for record in records {
        writer.write_record(
            record.iter().filter(|(name, _)| selected.contains(name)).map(|(_, cell)| cell.csv()),
        )?;
    }
    writer.flush()?;
    Ok(())
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
