//! What an import reports: problems with the file as a whole ([`FileError`]) and
//! problems with one row ([`RowError`]), both with French messages for the people who
//! produced the file.

use maillage_domain::messages::{Lang, Message};
use serde::Serialize;
use std::fmt;

/// A problem with one row (or one feature) of a file, or a remark about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line in a CSV file (the header is line 1), or feature/record index + 1 in
    /// a JSON file.
    pub line: usize,
    /// Column or property concerned, as named in the file (empty for the whole row).
    pub field: String,
    /// What people read, from the catalogue (the report is shown in the page's language;
    /// the command line prints French).
    pub message: Message,
    /// Stable machine code, e.g. `duplicate_id`.
    pub code: String,
}

impl RowError {
    pub fn new(line: usize, field: impl Into<String>, code: &str, message: Message) -> Self {
        Self { line, field: field.into(), message, code: code.to_owned() }
    }

    /// The message in a language.
    pub fn text(&self, lang: Lang) -> String {
        self.message.render(lang)
    }

    /// The message in a language given by its code (`"en"`, else French), for templates.
    pub fn message_in(&self, lang: &str) -> String {
        self.message.render(Lang::from_code(lang))
    }
}

/// Serialised with its message in both languages.
impl Serialize for RowError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("RowError", 5)?;
        s.serialize_field("line", &self.line)?;
        s.serialize_field("field", &self.field)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("message", &self.message.fr())?;
        s.serialize_field("message_en", &self.message.en())?;
        s.end()
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "ligne {} : {}", self.line, self.message)
        } else {
            write!(f, "ligne {}, {} : {}", self.line, self.field, self.message)
        }
    }
}

/// The file cannot be read at all: nothing in it is imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    Empty,
    NotUtf8 {
        /// Byte offset of the first invalid sequence (after a BOM).
        offset: usize,
        /// 1-based line and column (in characters) of that sequence.
        line: usize,
        column: usize,
        /// Encoding the bytes most probably are in, when recognisable.
        guess: Option<&'static str>,
    },
    Malformed {
        encoding: &'static str,
        line: usize,
        column: usize,
    },
    Spreadsheet {
        kind: &'static str,
    },
    ExportOnly {
        format: &'static str,
    },
    MixedSeparators {
        line: usize,
        column: usize,
        found: String,
        expected: String,
    },
    InvalidJson {
        line: usize,
        column: usize,
        message: String,
    },
    NotFeatureCollection {
        found: String,
    },
    NotPlaceList {
        found: String,
    },
    MissingColumns {
        missing: Vec<String>,
    },
    DuplicateColumn {
        column: String,
    },
    Csv {
        line: usize,
        message: String,
    },
    Mapping(MappingError),
}

/// The French text of [`FileError::message`] (the command line, logs).
impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().fr())
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Mapping(e) => Some(e),
            _ => None,
        }
    }
}

impl From<MappingError> for FileError {
    fn from(e: MappingError) -> Self {
        FileError::Mapping(e)
    }
}

impl FileError {
    /// What people read, in the catalogue (the `Display` is its French text).
    pub fn message(&self) -> Message {
        match self {
            FileError::Empty => Message::new("import.file.empty"),
            FileError::NotUtf8 { line, column, guess: Some(encoding), .. } => {
                Message::new("import.file.not_utf8_guess")
                    .with("line", line)
                    .with("column", column)
                    .with("encoding", encoding)
            }
            FileError::NotUtf8 { line, column, guess: None, .. } => {
                Message::new("import.file.not_utf8").with("line", line).with("column", column)
            }
            FileError::Malformed { encoding, line, column } => Message::new("import.file.malformed")
                .with("encoding", encoding)
                .with("line", line)
                .with("column", column),
            FileError::Spreadsheet { kind } => Message::new("import.file.spreadsheet").with("kind", kind),
            FileError::ExportOnly { format } => {
                Message::new("import.file.export_only").with("format", format)
            }
            FileError::MixedSeparators { line, column, found, expected } => {
                Message::new("import.file.mixed_separators")
                    .with("line", line)
                    .with("column", column)
                    .with("found", found)
                    .with("expected", expected)
            }
            FileError::InvalidJson { line, column, message } => Message::new("import.file.invalid_json")
                .with("line", line)
                .with("column", column)
                .with("detail", message),
            FileError::NotFeatureCollection { found } => {
                Message::new("import.file.not_feature_collection").with("found", found)
            }
            FileError::NotPlaceList { found } => {
                Message::new("import.file.not_place_list").with("found", found)
            }
            FileError::MissingColumns { missing } => {
                Message::new("import.file.missing_columns").with("columns", missing.join(", "))
            }
            FileError::DuplicateColumn { column } => {
                Message::new("import.file.duplicate_column").with("column", column)
            }
            FileError::Csv { line, message } => {
                Message::new("import.file.csv").with("line", line).with("detail", message)
            }
            // The mapping's own messages are French (they quote what was typed).
            FileError::Mapping(e) => Message::new("import.file.mapping").with("detail", e),
        }
    }
}

/// How a separator is named in messages.
pub(crate) fn separator_name(separator: u8) -> String {
    match separator {
        b'\t' => "tabulation".to_owned(),
        other => char::from(other).to_string(),
    }
}

/// A column mapping that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("« {0} » n'a pas la forme colonne=champ")]
    Syntax(String),
    #[error("JSON de correspondance invalide : {0}")]
    Json(String),
    #[error("champ cible inconnu « {target} » pour la colonne « {column} » ; champs possibles : {allowed}")]
    UnknownTarget { column: String, target: String, allowed: String },
}
