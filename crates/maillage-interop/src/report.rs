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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("le fichier est vide")]
    Empty,
    #[error("{}", not_utf8_message(*.line, *.column, *.guess))]
    NotUtf8 {
        /// Byte offset of the first invalid sequence (after a BOM).
        offset: usize,
        /// 1-based line and column (in characters) of that sequence.
        line: usize,
        column: usize,
        /// Encoding the bytes most probably are in, when recognisable.
        guess: Option<&'static str>,
    },
    #[error(
        "le fichier, annoncé en {encoding}, contient une séquence illisible ligne {line}, colonne {column} : enregistrez-le en UTF-8"
    )]
    Malformed { encoding: &'static str, line: usize, column: usize },
    #[error(
        "le fichier est un classeur {kind}, pas un fichier texte : ouvrez-le dans votre tableur et enregistrez-le au format « CSV UTF-8 » (ou « CSV (séparateur : point-virgule) »), puis importez ce fichier CSV"
    )]
    Spreadsheet { kind: &'static str },
    #[error(
        "le format {format} sert à l'export : pour importer un classeur, enregistrez-le au format « CSV UTF-8 » et importez ce fichier CSV"
    )]
    ExportOnly { format: &'static str },
    #[error(
        "séparateurs mélangés ligne {line}, colonne {column} : « {found} » alors que l'en-tête sépare ses colonnes par « {expected} » ; utilisez le même séparateur partout"
    )]
    MixedSeparators { line: usize, column: usize, found: String, expected: String },
    #[error("JSON invalide ligne {line}, colonne {column} : {message}")]
    InvalidJson { line: usize, column: usize, message: String },
    #[error("le fichier GeoJSON doit être une FeatureCollection (trouvé : {found})")]
    NotFeatureCollection { found: String },
    #[error(
        "le fichier JSON doit contenir un tableau de lieux, ou un objet dont le champ « data » en contient un (trouvé : {found})"
    )]
    NotPlaceList { found: String },
    #[error("colonne(s) obligatoire(s) manquante(s) : {}", .missing.join(", "))]
    MissingColumns { missing: Vec<String> },
    #[error("colonne « {column} » présente deux fois dans l'en-tête")]
    DuplicateColumn { column: String },
    #[error("CSV illisible ligne {line} : {message}")]
    Csv { line: usize, message: String },
    #[error("correspondance de colonnes invalide : {0}")]
    Mapping(#[from] MappingError),
}

fn not_utf8_message(line: usize, column: usize, guess: Option<&'static str>) -> String {
    match guess {
        Some(encoding) => format!(
            "le fichier n'est pas en UTF-8 valide (octet illisible ligne {line}, colonne {column}) : le fichier semble encodé en {encoding} : enregistrez-le en UTF-8"
        ),
        None => format!(
            "le fichier n'est pas en UTF-8 valide (octet illisible ligne {line}, colonne {column}) : enregistrez-le en UTF-8"
        ),
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
