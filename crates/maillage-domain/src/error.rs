//! Field-level validation errors.
//!
//! Every parser returns a [`FieldError`]: a stable snake_case `code` that clients and
//! templates can rely on, and a message in French (first) and English.

use crate::messages::{Lang, Message};
use serde::Serialize;

/// One problem with one field of an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", message.fr())]
pub struct FieldError {
    /// The field's name in the input (JSON key or form field), e.g. `siret` or `types[2]`.
    pub field: String,
    /// Stable machine code, e.g. `invalid_siret`.
    pub code: &'static str,
    /// What people read, from the catalogue ([`crate::messages`]).
    pub message: Message,
}

/// Serialised with its message in both languages, for clients that show either.
impl Serialize for FieldError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("FieldError", 4)?;
        s.serialize_field("field", &self.field)?;
        s.serialize_field("code", self.code)?;
        s.serialize_field("message_fr", &self.message.fr())?;
        s.serialize_field("message_en", &self.message.en())?;
        s.end()
    }
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: Message) -> Self {
        Self { field: field.into(), code, message }
    }

    /// The same error, attached to another field name (parsers do not know where their
    /// value came from: the caller names the field).
    #[must_use]
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// A required value is missing.
    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, "required", Message::new("field.required"))
    }

    /// The message in a language given by its code (`"en"`, or anything else for French).
    pub fn message(&self, lang: &str) -> String {
        self.message.render(Lang::from_code(lang))
    }

    /// The message in a language.
    pub fn text(&self, lang: Lang) -> String {
        self.message.render(lang)
    }

    /// The message in French (the command line, logs).
    pub fn message_fr(&self) -> String {
        self.message.fr()
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        self.message.en()
    }
}

/// All problems found in one input; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} champ(s) invalide(s)", errors.len())]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
    /// Non-blocking remarks (e.g. a point far from its commune): shown, not refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Record the error of a parse result, returning the value when it parsed.
    pub fn check<T>(&mut self, field: &str, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                self.errors.push(e.at(field));
                None
            }
        }
    }

    /// The first error about a field, for forms.
    pub fn for_field(&self, field: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.field == field)
    }

    pub fn into_result(self) -> Result<(), Self> {
        if self.errors.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self { errors: vec![error], warnings: Vec::new() }
    }
}
