//! A format-neutral view of one record of a file (a CSV row or a JSON object), so that
//! the CSV and JSON forms of a format share one conversion to `PlaceInput`.

use crate::mapping::{ColumnMapping, normalise};
use crate::report::{FileError, RowError};
use maillage_domain::messages::Message;
use std::borrow::Cow;

/// One value as found in the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Text(Cow<'a, str>),
    List(Vec<Cow<'a, str>>),
    Number(f64),
    Bool(bool),
    Null,
}

impl<'a> Cell<'a> {
    pub(crate) fn from_json(value: &'a serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Cell::Null,
            Value::Bool(b) => Cell::Bool(*b),
            Value::Number(n) => {
                n.as_f64().map_or_else(|| Cell::Text(Cow::Owned(n.to_string())), Cell::Number)
            }
            Value::String(s) => Cell::Text(Cow::Borrowed(s)),
            Value::Array(items) => Cell::List(
                items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                        Value::Null => None,
                        other => Some(Cow::Owned(other.to_string())),
                    })
                    .collect(),
            ),
            Value::Object(_) => Cell::Text(Cow::Owned(value.to_string())),
        }
    }
}

/// One record: cells by (canonical) field name.
#[derive(Debug, Default)]
pub(crate) struct Row<'a> {
    pub line: usize,
    cells: Vec<(&'a str, Cell<'a>)>,
}

impl<'a> Row<'a> {
    pub(crate) fn new(line: usize) -> Self {
        Self { line, cells: Vec::with_capacity(32) }
    }

    pub(crate) fn push(&mut self, name: &'a str, cell: Cell<'a>) {
        self.cells.push((name, cell));
    }

    /// Replace the value of `name`, or add it.
    pub(crate) fn set(&mut self, name: &'a str, cell: Cell<'a>) {
        match self.cells.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = cell,
            None => self.cells.push((name, cell)),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Cell<'a>> {
        self.cells.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
    }

    /// A trimmed, non-empty text value.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Cell::Text(t) => Some(t.trim()).filter(|t| !t.is_empty()).map(str::to_owned),
            Cell::Number(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(b.to_string()),
            Cell::List(items) => {
                let joined =
                    items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).collect::<Vec<_>>().join("|");
                Some(joined).filter(|j| !j.is_empty())
            }
            Cell::Null => None,
        }
    }

    /// A list: a JSON array, or a text split by `split`.
    pub(crate) fn list(&self, name: &str, split: impl Fn(&str) -> Vec<String>) -> Vec<String> {
        match self.get(name) {
            Some(Cell::List(items)) => {
                items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).map(str::to_owned).collect()
            }
            Some(Cell::Text(t)) => split(t),
            Some(Cell::Number(n)) => vec![n.to_string()],
            _ => Vec::new(),
        }
    }

    /// A decimal number, `.` or `,` as decimal separator.
    pub(crate) fn number(&self, name: &str) -> Result<Option<f64>, RowError> {
        match self.get(name) {
            Some(Cell::Number(n)) => Ok(Some(*n)),
            Some(Cell::Text(t)) if !t.trim().is_empty() => {
                let t = t.trim();
                let normalised: Cow<'_, str> = if t.contains(',') && !t.contains('.') {
                    Cow::Owned(t.replace(',', "."))
                } else {
                    Cow::Borrowed(t)
                };
                normalised.parse::<f64>().ok().filter(|n| n.is_finite()).map(Some).ok_or_else(|| {
                    RowError::new(
                        self.line,
                        name,
                        "invalid_number",
                        Message::new("import.row.not_a_number").with("value", t),
                    )
                })
            }
            Some(Cell::Text(_) | Cell::Null) | None => Ok(None),
            Some(_) => Err(RowError::new(
                self.line,
                name,
                "invalid_number",
                Message::new("import.row.number_expected"),
            )),
        }
    }

    /// A boolean (`true/false`, `oui/non`, `1/0`); `None` when absent.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, RowError> {
        match self.get(name) {
            Some(Cell::Bool(b)) => Ok(Some(*b)),
            Some(Cell::Text(t)) => match t.trim().to_lowercase().as_str() {
                "" => Ok(None),
                "true" | "vrai" | "oui" | "yes" | "1" => Ok(Some(true)),
                "false" | "faux" | "non" | "no" | "0" => Ok(Some(false)),
                other => Err(RowError::new(
                    self.line,
                    name,
                    "invalid_boolean",
                    Message::new("import.row.not_a_boolean").with("value", other),
                )),
            },
            Some(Cell::Null) | None => Ok(None),
            Some(_) => Err(RowError::new(
                self.line,
                name,
                "invalid_boolean",
                Message::new("import.row.boolean_expected"),
            )),
        }
    }

    /// A postal or INSEE code. Spreadsheets and JSON numbers drop the leading zero of
    /// codes such as `01000`: a 4-digit code gets it back, with a warning.
    pub(crate) fn code(&self, name: &str, warnings: &mut Vec<RowError>) -> Option<String> {
        let text = self.text(name)?;
        if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
            let padded = format!("0{text}");
            warnings.push(RowError::new(
                self.line,
                name,
                "leading_zero_restored",
                Message::new("import.row.leading_zero_restored").with("code", &text).with("padded", &padded),
            ));
            return Some(padded);
        }
        Some(text)
    }

    /// A date `YYYY-MM-DD`, or the date part of an RFC 3339 timestamp. An unreadable date
    /// is a warning, not an error: it is provenance, not content.
    pub(crate) fn date(&self, name: &str, warnings: &mut Vec<RowError>) -> Option<chrono::NaiveDate> {
        let text = self.text(name)?;
        let day = text.get(..10).unwrap_or(&text);
        match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                warnings.push(RowError::new(
                    self.line,
                    name,
                    "invalid_date",
                    Message::new("import.row.invalid_date").with("value", &text),
                ));
                None
            }
        }
    }
}

/// Split a text list on `|`, trimming items and dropping empty ones.
pub(crate) fn split_pipe(text: &str) -> Vec<String> {
    text.split('|').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A warning that is about the whole file, not one of its rows, has line 0.
pub const FILE_LINE: usize = 0;

/// The file as text, and the warning saying which encoding was assumed when it was not
/// UTF-8: UTF-8 (with or without BOM), UTF-16 LE or BE announced by their BOM, or
/// Windows-1252 when the bytes are not UTF-8 but read as French text. Spreadsheet files
/// (XLSX, ODS, XLS) are refused with advice, recognised by their first bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<RowError>), FileError> {
    if let Some(kind) = spreadsheet_kind(bytes) {
        return Err(FileError::Spreadsheet { kind });
    }
    let (text, warning) = if let Some((encoding, name, rest)) = utf16(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(rest);
        if had_errors {
            let at = text.find('\u{fffd}').unwrap_or(text.len());
            let (line, column) = line_and_column(&text[..at]);
            return Err(FileError::Malformed { encoding: name, line, column });
        }
        let warning = RowError::new(
            FILE_LINE,
            "",
            "encoding_assumed",
            Message::new("import.file.read_as_bom").with("encoding", name),
        );
        (Cow::Owned(text.into_owned()), Some(warning))
    } else if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        // The BOM says UTF-8: no other encoding is tried.
        (Cow::Borrowed(utf8(rest, None)?), None)
    } else {
        match std::str::from_utf8(bytes) {
            Ok(text) => (Cow::Borrowed(text), None),
            Err(_) if looks_like_windows_1252(bytes) => {
                let text = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0;
                let warning = RowError::new(
                    FILE_LINE,
                    "",
                    "encoding_assumed",
                    Message::new("import.file.read_as_windows_1252"),
                );
                (Cow::Owned(text.into_owned()), Some(warning))
            }
            Err(_) => {
                let guess =
                    looks_like_utf16_without_bom(bytes).then_some("UTF-16 sans marque d'ordre des octets");
                (Cow::Borrowed(utf8(bytes, guess)?), None)
            }
        }
    };
    if text.trim().is_empty() {
        return Err(FileError::Empty);
    }
    Ok((text, warning))
}

/// The bytes as UTF-8, or the error naming the first invalid byte by line and column.
fn utf8<'b>(bytes: &'b [u8], guess: Option<&'static str>) -> Result<&'b str, FileError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        // Valid up to `offset`, by definition.
        let (line, column) = line_and_column(std::str::from_utf8(&bytes[..offset]).unwrap_or(""));
        FileError::NotUtf8 { offset, line, column, guess }
    })
}

/// 1-based line and column (in characters) of the position just after `before`.
fn line_and_column(before: &str) -> (usize, usize) {
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// UTF-16 announced by its BOM: the decoder, its name and the bytes after the BOM.
fn utf16(bytes: &[u8]) -> Option<(&'static encoding_rs::Encoding, &'static str, &[u8])> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        Some((encoding_rs::UTF_16LE, "UTF-16 LE", rest))
    } else {
        bytes.strip_prefix(b"\xFE\xFF").map(|rest| (encoding_rs::UTF_16BE, "UTF-16 BE", rest))
    }
}

/// A file of spreadsheet software rather than text, by its first bytes: a ZIP archive
/// (XLSX, ODS) or an OLE compound file (XLS).
pub fn spreadsheet_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        let head = &bytes[..bytes.len().min(512)];
        let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
        Some(if has(b"application/vnd.oasis.opendocument") {
            "ODS (LibreOffice, OpenOffice)"
        } else if has(b"[Content_Types].xml") || has(b"xl/") || has(b"docProps/") {
            "XLSX (Excel)"
        } else {
            "ZIP"
        })
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        Some("XLS (Excel 97-2003)")
    } else {
        None
    }
}

/// Windows-1252 decodes almost any byte sequence: only claim it when there are no control
/// characters and the non-ASCII characters are mostly the letters and signs French text is
/// made of.
fn looks_like_windows_1252(bytes: &[u8]) -> bool {
    let Some(text) = encoding_rs::WINDOWS_1252.decode_without_bom_handling_and_without_replacement(bytes)
    else {
        return false;
    };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return false;
    }
    let non_ascii: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    let french = |c: &char| "àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»°€’–—…".contains(*c);
    !non_ascii.is_empty() && non_ascii.iter().filter(|c| french(c)).count() * 2 >= non_ascii.len()
}

/// Text saved as UTF-16 without a BOM: every other byte of its ASCII letters is zero.
fn looks_like_utf16_without_bom(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    head.len() >= 4 && head.iter().filter(|b| **b == 0).count() * 3 >= head.len()
}

/// A CSV file whose header is read (and mapped to canonical names); records are read
/// one at a time with [`CsvTable::for_each_row`].
pub(crate) struct CsvTable<'t> {
    /// Canonical name of each column (`None`: unknown or ignored column).
    pub columns: Vec<Option<&'static str>>,
    pub unknown: Vec<String>,
    reader: csv::Reader<&'t [u8]>,
    text: &'t str,
    delimiter: u8,
}

/// The separators a CSV file may use: what spreadsheets write (`,` in English, `;` in
/// French, tab for "text" exports).
const SEPARATORS: [u8; 3] = [b';', b',', b'\t'];

/// How many times each separator occurs outside double quotes in `line`, with the
/// 0-based character index of its first occurrence.
fn separator_counts(line: &str) -> [(usize, Option<usize>); 3] {
    let mut counts = [(0, None); 3];
    let mut quoted = false;
    for (index, c) in line.chars().enumerate() {
        if c == '"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = SEPARATORS.iter().position(|s| char::from(*s) == c) {
            counts[i].0 += 1;
            counts[i].1.get_or_insert(index);
        }
    }
    counts
}

/// Read a CSV text whose separator (`,`, `;` or tab) is the one the header line uses most,
/// mapping headers to `known` names (directly, or through `mapping`, or through `aliases`).
/// A header using two separators is refused, naming the column of the odd one.
pub(crate) fn read_csv<'t>(
    text: &'t str,
    known: &[&'static str],
    aliases: &[(&str, &'static str)],
    mapping: &ColumnMapping,
) -> Result<CsvTable<'t>, FileError> {
    let header_line = text.lines().next().unwrap_or("");
    let counts = separator_counts(header_line);
    // Ties go to the earlier separator of `SEPARATORS` (`;`, as French files have it).
    let chosen = (0..SEPARATORS.len()).rev().max_by_key(|i| counts[*i].0).unwrap_or(0);
    let delimiter = SEPARATORS[chosen];
    if counts[chosen].0 > 0
        && let Some((other, (_, Some(column)))) =
            counts.iter().enumerate().find(|(i, (n, _))| *i != chosen && *n > 0)
    {
        return Err(FileError::MixedSeparators {
            line: 1,
            column: column + 1,
            found: crate::report::separator_name(SEPARATORS[other]),
            expected: crate::report::separator_name(delimiter),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(&e))?.clone();
    let mut columns = Vec::with_capacity(headers.len());
    let mut unknown = Vec::new();
    for header in &headers {
        let name = normalise(header);
        let canonical = match mapping.target(header) {
            Some("") => None,
            Some(target) => known.iter().copied().find(|k| *k == target),
            None => known
                .iter()
                .copied()
                .find(|k| *k == name)
                .or_else(|| aliases.iter().find(|(alias, _)| *alias == name).map(|(_, k)| *k)),
        };
        match canonical {
            Some(c) if columns.contains(&Some(c)) => {
                return Err(FileError::DuplicateColumn { column: header.trim().to_owned() });
            }
            None if mapping.target(header).is_none() && !name.is_empty() => {
                unknown.push(header.trim().to_owned())
            }
            _ => {}
        }
        columns.push(canonical);
    }
    Ok(CsvTable { columns, unknown, reader, text, delimiter })
}

fn csv_error(e: &csv::Error) -> FileError {
    let line = e.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
    FileError::Csv { line, message: e.to_string() }
}

impl CsvTable<'_> {
    pub(crate) fn has(&self, name: &str) -> bool {
        self.columns.contains(&Some(name))
    }

    /// Call `f` with each non-blank record (or the error that makes it unreadable).
    pub(crate) fn for_each_row(
        mut self,
        mut f: impl FnMut(Result<Row<'_>, RowError>),
    ) -> Result<(), FileError> {
        let mut record = csv::StringRecord::new();
        // Lines are counted here: the reader's own count is one short after a CRLF (its
        // position is taken before the LF of the previous line end).
        let (mut counted_to, mut line) = (0, 1);
        while self.reader.read_record(&mut record).map_err(|e| csv_error(&e))? {
            let position = record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
            let bytes = self.text.as_bytes();
            let mut start = position.min(bytes.len());
            while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                start += 1;
            }
            line += bytes[counted_to.min(start)..start].iter().filter(|b| **b == b'\n').count();
            counted_to = start;
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            f(self.row(&record, line, start));
        }
        Ok(())
    }

    /// The row view of a record starting at byte `start` of line `line`, or a row error
    /// when it has more cells than the header.
    fn row<'a>(&self, record: &'a csv::StringRecord, line: usize, start: usize) -> Result<Row<'a>, RowError> {
        if record.len() > self.columns.len() {
            return Err(RowError::new(
                line,
                "",
                "too_many_cells",
                Message::new("import.row.too_many_cells")
                    .with("cells", record.len())
                    .with("columns", self.columns.len()),
            ));
        }
        if record.len() == 1 && self.columns.len() > 1 {
            // The whole line is one cell: it may use another separator than the header.
            let raw = self.text.get(start..).and_then(|rest| rest.lines().next()).unwrap_or("");
            let counts = separator_counts(raw);
            if let Some((other, (_, Some(column)))) =
                counts.iter().enumerate().find(|(i, (n, _))| SEPARATORS[*i] != self.delimiter && *n > 0)
            {
                let error = FileError::MixedSeparators {
                    line,
                    column: column + 1,
                    found: crate::report::separator_name(SEPARATORS[other]),
                    expected: crate::report::separator_name(self.delimiter),
                };
                let text = capitalise(&error.to_string());
                return Err(RowError::new(
                    line,
                    "",
                    "mixed_separators",
                    Message::translated(text.clone(), text),
                ));
            }
        }
        let mut row = Row::new(line);
        for (column, cell) in self.columns.iter().zip(record.iter()) {
            if let Some(name) = column {
                row.push(name, Cell::Text(Cow::Borrowed(unescape_formula(cell))));
            }
        }
        Ok(row)
    }
}

/// A message of a [`FileError`] used as a row's message.
fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// What surrounded the records of a JSON file read by [`each_json_record`].
pub(crate) enum JsonShape {
    /// The file is an array of records.
    Array,
    /// The file is an object; `records` says whether the records' member was there and an
    /// array (else the kind of value found there), `members` holds its other members.
    Object { records: Result<(), Option<String>>, members: serde_json::Map<String, serde_json::Value> },
    /// The file is a single value of this kind.
    Other(String),
}

/// Visit the records of a JSON file one at a time, without building the whole file's
/// values: an import of 200,000 records holds one record at a time, not a tree of them
/// all. The records are the elements of the top-level array (when `array_ok`) or of the
/// array under `key` of the top-level object. Syntax errors and trailing data are reported
/// with their line and column.
pub(crate) fn each_json_record(
    text: &str,
    key: &str,
    array_ok: bool,
    visit: &mut dyn FnMut(usize, serde_json::Value),
) -> Result<JsonShape, FileError> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    let shape = Top { key, array_ok, visit }.deserialize(&mut de).and_then(|shape| de.end().map(|()| shape));
    shape.map_err(|e| FileError::InvalidJson {
        line: e.line(),
        column: e.column(),
        message: json_message(&e),
    })
}

struct Top<'a> {
    key: &'a str,
    array_ok: bool,
    visit: &'a mut dyn FnMut(usize, serde_json::Value),
}

impl<'de> serde::de::DeserializeSeed<'de> for Top<'_> {
    type Value = JsonShape;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<JsonShape, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The kind of a scalar, as `json_kind` names it.
macro_rules! other_kind {
    ($($method:ident: $ty:ty => $kind:expr),* $(,)?) => {
        $(fn $method<E: serde::de::Error>(self, _: $ty) -> Result<Self::Value, E> {
            Ok(Self::Value::other($kind))
        })*
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Self::Value::other("null"))
        }
    };
}

impl JsonShape {
    fn other(kind: &str) -> Self {
        JsonShape::Other(kind.to_owned())
    }
}

impl<'de> serde::de::Visitor<'de> for Top<'_> {
    type Value = JsonShape;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("un tableau ou un objet")
    }

    other_kind!(
        visit_bool: bool => "un booléen",
        visit_i64: i64 => "un nombre",
        visit_u64: u64 => "un nombre",
        visit_f64: f64 => "un nombre",
        visit_str: &str => "une chaîne",
    );

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonShape, A::Error> {
        if self.array_ok {
            // Elements of an array: always `Ok(())`, nothing to tell.
            let _: Result<(), Option<String>> = serde::de::Visitor::visit_seq(Records(self.visit), seq)?;
        } else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        }
        Ok(JsonShape::Array)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonShape, A::Error> {
        let mut records = Err(None);
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if name == self.key && records == Err(None) {
                records = map.next_value_seed(RecordsSeed(&mut *self.visit))?;
            } else {
                members.insert(name, map.next_value()?);
            }
        }
        Ok(JsonShape::Object { records, members })
    }
}

/// The array of records under the key: `Ok(())` when it was one, else the kind found.
struct RecordsSeed<'a>(&'a mut dyn FnMut(usize, serde_json::Value));

impl<'de> serde::de::DeserializeSeed<'de> for RecordsSeed<'_> {
    type Value = Result<(), Option<String>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(Records(self.0))
    }
}

struct Records<'a>(&'a mut dyn FnMut(usize, serde_json::Value));

impl<'de> serde::de::Visitor<'de> for Records<'_> {
    type Value = Result<(), Option<String>>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("un tableau")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut index = 0;
        while let Some(record) = seq.next_element::<serde_json::Value>()? {
            (self.0)(index, record);
            index += 1;
        }
        Ok(Ok(()))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Err(Some("un objet".into())))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Some("un booléen".into())))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Some("un nombre".into())))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Some("un nombre".into())))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Some("un nombre".into())))
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err(Some("une chaîne".into())))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(Some("null".into())))
    }
}

fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => "fin de fichier inattendue (accolade ou crochet non fermé ?)".to_owned(),
        Category::Syntax => format!("syntaxe incorrecte ({e})"),
        Category::Data | Category::Io => e.to_string(),
    }
}

/// Short description of a JSON value's kind, for error messages.
pub(crate) fn json_kind(value: &serde_json::Value) -> Message {
    use serde_json::Value;
    match value {
        Value::Null => Message::new("json.null"),
        Value::Bool(_) => Message::new("json.boolean"),
        Value::Number(_) => Message::new("json.number"),
        Value::String(_) => Message::new("json.string"),
        Value::Array(_) => Message::new("json.array"),
        Value::Object(o) => match o.get("type").and_then(|t| t.as_str()) {
            Some(t) => Message::new("json.typed_object").with("type", t),
            None => Message::new("json.object"),
        },
    }
}

/// Map a JSON object's keys to canonical names; unknown keys are added to `unknown`.
pub(crate) fn json_row<'a>(
    line: usize,
    object: &'a serde_json::Map<String, serde_json::Value>,
    known: &[&'static str],
    aliases: &[(&str, &'static str)],
    mapping: &ColumnMapping,
    unknown: &mut Vec<(String, usize)>,
) -> Row<'a> {
    let mut row = Row::new(line);
    for (key, value) in object {
        let name = normalise(key);
        let canonical = match mapping.target(key) {
            Some("") => continue,
            Some(target) => known.iter().copied().find(|k| *k == target),
            None => known
                .iter()
                .copied()
                .find(|k| *k == name)
                .or_else(|| aliases.iter().find(|(alias, _)| *alias == name).map(|(_, k)| *k)),
        };
        match canonical {
            Some(c) => row.push(c, Cell::from_json(value)),
            None => {
                if !unknown.iter().any(|(k, _)| k == key) {
                    unknown.push((key.clone(), line));
                }
            }
        }
    }
    row
}

/// The warning listing the columns nobody will read.
pub(crate) fn unknown_columns_warning(line: usize, unknown: &[String], what: Message) -> RowError {
    RowError::new(
        line,
        "",
        "unknown_columns",
        Message::new("import.row.unknown_columns")
            .with_message("what", what)
            .with("names", unknown.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_accepts_a_decimal_comma() {
        let mut row = Row::new(2);
        row.push("latitude", Cell::Text(Cow::Borrowed("45,4397")));
        assert_eq!(row.number("latitude").expect("a number"), Some(45.4397));
    }

    #[test]
    fn number_refuses_text() {
        let mut row = Row::new(3);
        row.push("latitude", Cell::Text(Cow::Borrowed("nord")));
        let e = row.number("latitude").unwrap_err();
        assert_eq!((e.line, e.field.as_str(), e.code.as_str()), (3, "latitude", "invalid_number"));
    }

    #[test]
    fn decode_strips_a_bom_and_refuses_empty_files() {
        assert_eq!(decode(b"\xEF\xBB\xBFname\n").expect("utf-8").0, "name\n");
        assert_eq!(decode(b"\xEF\xBB\xBF \n"), Err(FileError::Empty));
        assert_eq!(decode(b"\xFF\xFE \x00\n\x00"), Err(FileError::Empty));
    }

    #[test]
    fn decode_reads_windows_1252_with_a_warning_naming_it() {
        let (text, warning) = decode(b"nom\nCaf\xe9 des \xe9l\xe8ves\n").expect("read as Windows-1252");
        assert_eq!(text, "nom\nCafé des élèves\n");
        let warning = warning.expect("the encoding assumed is said");
        assert_eq!((warning.line, warning.code.as_str()), (FILE_LINE, "encoding_assumed"));
        assert!(warning.message.fr().contains("Windows-1252"), "{warning}");
    }

    #[test]
    fn decode_reads_utf16_announced_by_its_bom_both_ways() {
        let le: Vec<u8> = b"\xFF\xFE"
            .iter()
            .copied()
            .chain("nom\r\nÉcole".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = b"\xFE\xFF"
            .iter()
            .copied()
            .chain("nom\r\nÉcole".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for (bytes, name) in [(le, "UTF-16 LE"), (be, "UTF-16 BE")] {
            let (text, warning) = decode(&bytes).expect("UTF-16 with a BOM is read");
            assert_eq!(text, "nom\r\nÉcole");
            assert!(warning.expect("named").message.fr().contains(name));
        }
    }

    #[test]
    fn undecodable_bytes_are_named_by_line_and_column() {
        // After a UTF-8 BOM, nothing else is tried.
        let e = decode(b"\xEF\xBB\xBFnom\r\nCaf\xe9\n").unwrap_err();
        assert_eq!(e, FileError::NotUtf8 { offset: 8, line: 2, column: 4, guess: None });
        assert!(e.to_string().contains("ligne 2, colonne 4"), "{e}");
        // A lone surrogate in UTF-16.
        let bytes: Vec<u8> =
            [0xFEFF_u16, u16::from(b'a'), u16::from(b'\n'), u16::from(b'b'), 0xD800, u16::from(b'c')]
                .iter()
                .flat_map(|u| u.to_le_bytes())
                .collect();
        assert_eq!(
            decode(&bytes).unwrap_err(),
            FileError::Malformed { encoding: "UTF-16 LE", line: 2, column: 2 }
        );
    }

    #[test]
    fn spreadsheets_are_recognised_by_their_first_bytes() {
        assert_eq!(spreadsheet_kind(b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml"), Some("XLSX (Excel)"));
        assert_eq!(
            spreadsheet_kind(
                b"PK\x03\x04\x14\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
            ),
            Some("ODS (LibreOffice, OpenOffice)")
        );
        assert_eq!(spreadsheet_kind(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00"), Some("XLS (Excel 97-2003)"));
        assert_eq!(spreadsheet_kind(b"name;types\n"), None);
        assert!(matches!(decode(b"PK\x03\x04xl/"), Err(FileError::Spreadsheet { .. })));
    }
}

/// What a spreadsheet would read as the start of a formula (OWASP "CSV injection").
fn starts_like_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// The text cell written to CSV: a value that a spreadsheet would take for a formula gets
/// a `'` in front (so would a value that already starts with quotes before such a
/// character, so that [`unescape_formula`] gives back exactly the value). A phone number
/// in E.164 (`+33…`, validated: only digits after the `+`) is written as it is: it
/// cannot call anything, and the LMN schema expects it so. Numeric columns (latitude,
/// longitude) are numbers, never text cells, and are never escaped.
pub(crate) fn escape_formula(cell: &str) -> Cow<'_, str> {
    let e164 = cell.strip_prefix('+').is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    if starts_like_formula(cell) && !e164 { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// Undo [`escape_formula`] on a CSV cell: `'=…`, `'+…`, `'-…`, `'@…`, `'` + tab or CR
/// (after any further quotes) lose their first quote; every other cell is unchanged.
pub(crate) fn unescape_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_like_formula(rest) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod formula_tests {
    use super::*;

    #[test]
    fn formulas_are_escaped_and_unescaped_exactly() {
        for value in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+cmd",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=déjà cité",
            "''+deux",
            "'simple",
            "'",
            "Le Quai",
            "",
            "+",
            "+33477123456",
            "a=b",
        ] {
            let escaped = escape_formula(value);
            let raw = escaped.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(!raw || value == "+33477123456", "{value:?} → {escaped:?}");
            assert_eq!(unescape_formula(&escaped), value, "{value:?} → {escaped:?}");
        }
        assert_eq!(escape_formula("=1+1"), "'=1+1");
        assert_eq!(escape_formula("+33477123456"), "+33477123456", "E.164 stays as it is");
        assert_eq!(escape_formula("+33 4 77"), "'+33 4 77");
        assert_eq!(escape_formula("Le Quai"), "Le Quai");
        assert_eq!(unescape_formula("'Le Quai"), "'Le Quai", "other quotes are text");
    }
}
