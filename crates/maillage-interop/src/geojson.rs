//! GeoJSON: a FeatureCollection of Point features whose properties carry the CSV
//! columns' names. Also the minimal collection the map draws.

use crate::Collector;
use crate::csv::{COLUMNS, to_import_row};
use crate::mapping::ColumnMapping;
use crate::report::{FileError, RowError};
use crate::row::{self, Cell, json_kind};
use maillage_domain::Place;
use maillage_domain::messages::Message;
use maillage_domain::vocab::Vocabulary;
use serde_json::Value;

pub(crate) fn parse(
    text: &str,
    mapping: &ColumnMapping,
    collector: &mut Collector<'_>,
) -> Result<(), FileError> {
    mapping.check_targets(COLUMNS)?;
    let mut unknown = Vec::new();
    // Features are read one at a time (a national file holds hundreds of thousands). Rows
    // are pushed before the collection's `type` is known (it may come after `features`): a
    // file that turns out not to be a FeatureCollection is an error, and the import that
    // received its rows stores nothing.
    let shape = row::each_json_record(text, "features", false, &mut |index, feature| {
        collector.push(feature_row(index + 1, &feature, mapping, &mut unknown));
    })?;
    match shape {
        row::JsonShape::Object { records, members } => {
            if members.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
                return Err(FileError::NotFeatureCollection {
                    found: json_kind(&Value::Object(members)).fr(),
                });
            }
            if records.is_err() {
                return Err(FileError::NotFeatureCollection {
                    found: "une FeatureCollection sans tableau « features »".into(),
                });
            }
        }
        row::JsonShape::Array => return Err(FileError::NotFeatureCollection { found: "un tableau".into() }),
        row::JsonShape::Other(found) => return Err(FileError::NotFeatureCollection { found }),
    }
    if !unknown.is_empty() {
        let line = unknown.iter().map(|(_, line)| *line).min().unwrap_or(1);
        let names: Vec<String> = unknown.into_iter().map(|(k, _)| k).collect();
        collector.warn(row::unknown_columns_warning(line, &names, Message::new("import.row.properties")));
    }
    Ok(())
}

type RowResult = Result<(crate::ImportRow, Vec<RowError>), RowError>;

fn feature_row(
    line: usize,
    feature: &Value,
    mapping: &ColumnMapping,
    unknown: &mut Vec<(String, usize)>,
) -> RowResult {
    let Value::Object(feature) = feature else {
        return Err(RowError::new(
            line,
            "",
            "not_a_feature",
            Message::new("import.row.feature_expected").with_message("found", json_kind(feature)),
        ));
    };
    let empty = serde_json::Map::new();
    let properties = match feature.get("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => &empty,
        Some(other) => {
            return Err(RowError::new(
                line,
                "properties",
                "invalid_properties",
                Message::new("import.row.object_expected").with_message("found", json_kind(other)),
            ));
        }
    };
    let mut row = row::json_row(line, properties, COLUMNS, &[], mapping, unknown);
    match feature.get("geometry") {
        None | Some(Value::Null) => {}
        Some(geometry) => {
            let (lon, lat) = point(line, geometry)?;
            row.set("longitude", Cell::Number(lon));
            row.set("latitude", Cell::Number(lat));
        }
    }
    if row.get("id").is_none() {
        match feature.get("id") {
            Some(Value::String(id)) => row.set("id", Cell::Text(id.as_str().into())),
            Some(Value::Number(n)) => row.set("id", Cell::Text(n.to_string().into())),
            _ => {}
        }
    }
    to_import_row(&row)
}

fn point(line: usize, geometry: &Value) -> Result<(f64, f64), RowError> {
    let invalid = |message: Message| RowError::new(line, "geometry", "invalid_geometry", message);
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    if kind != "Point" {
        return Err(invalid(Message::new("import.row.not_a_point").with("kind", kind)));
    }
    match geometry.get("coordinates").and_then(Value::as_array).map(Vec::as_slice) {
        Some([lon, lat, ..]) => match (lon.as_f64(), lat.as_f64()) {
            (Some(lon), Some(lat)) => Ok((lon, lat)),
            _ => Err(invalid(Message::new("import.row.coordinates_not_numbers"))),
        },
        _ => Err(invalid(Message::new("import.row.coordinates_missing"))),
    }
}

/// Round to 6 decimals (about 10 cm): more is noise, and it keeps the map payload small.
pub(crate) fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The FeatureCollection the map draws: one Point per place with only `id`, `name`,
/// `types` (codes), `commune_name`, `commune_code` and `postal_code`.
pub fn geojson_feature_collection<P: std::borrow::Borrow<Place>>(places: &[P]) -> String {
    let mut map = MapWriter::new();
    map.out.reserve(places.len() * 220);
    for place in places {
        map.push(place.borrow());
    }
    map.finish()
}

/// The map's feature collection written a place at a time (see
/// [`geojson_feature_collection`]), taken by pieces ([`MapWriter::take`]) by callers that
/// read places by chunks and compress or send as they go.
pub struct MapWriter {
    out: String,
    first: bool,
}

impl Default for MapWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl MapWriter {
    pub fn new() -> Self {
        Self { out: r#"{"type":"FeatureCollection","features":["#.to_owned(), first: true }
    }

    /// The text written since the last take.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    pub fn push(&mut self, place: &Place) {
        // Written by hand: this runs on every change of the data for the whole of France and
        // has nothing to gain from building intermediate values.
        let out = &mut self.out;
        if !self.first {
            out.push(',');
        }
        self.first = false;
        let d = &place.data;
        out.push_str(r#"{"type":"Feature","id":""#);
        out.push_str(&place.id.to_string());
        out.push_str(r#"","geometry":{"type":"Point","coordinates":["#);
        push_number(out, round6(d.location.lon));
        out.push(',');
        push_number(out, round6(d.location.lat));
        out.push_str(r#"]},"properties":{"id":""#);
        out.push_str(&place.id.to_string());
        out.push_str(r#"","name":"#);
        push_json_str(out, &d.name);
        out.push_str(r#","types":["#);
        for (j, t) in d.types.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            push_json_str(out, t.code());
        }
        out.push_str(r#"],"commune_name":"#);
        push_json_str(out, &d.commune_name);
        out.push_str(r#","commune_code":"#);
        push_json_str(out, d.commune_code.as_str());
        out.push_str(r#","postal_code":"#);
        push_json_str(out, d.postal_code.as_str());
        out.push_str("}}");
    }

    /// The rest of the text, closing the collection.
    pub fn finish(mut self) -> String {
        self.out.push_str("]}");
        self.out
    }
}

fn push_number(out: &mut String, x: f64) {
    use std::fmt::Write;
    if x.is_finite() {
        let _ = write!(out, "{x}");
    } else {
        out.push_str("null");
    }
}

/// Append `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    use std::fmt::Write;
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_like_serde_does() {
        for s in ["plain", "quote \" and \\ backslash", "line\nbreak\ttab", "ctrl \u{1} char", "accents éà"]
        {
            let mut out = String::new();
            push_json_str(&mut out, s);
            let back: String = serde_json::from_str(&out).expect("valid JSON string");
            assert_eq!(back, s);
        }
    }
}
