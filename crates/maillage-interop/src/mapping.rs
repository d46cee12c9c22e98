//! Mapping of a file's own column names to the names a format expects.

use crate::report::MappingError;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Renames columns of a CSV file (or properties of a JSON file) before reading it:
/// `{"Nom du lieu": "name", "CP": "postal_code"}`. A column mapped to an empty name is
/// deliberately ignored (and not reported as unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    map: BTreeMap<String, String>,
}

impl ColumnMapping {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse `col=field,col2=field2` (spaces around names are ignored). Column names
    /// containing `,` or `=` need the JSON form.
    pub fn parse(spec: &str) -> Result<Self, MappingError> {
        let mut mapping = Self::new();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (column, target) =
                pair.split_once('=').ok_or_else(|| MappingError::Syntax(pair.to_owned()))?;
            if column.trim().is_empty() {
                return Err(MappingError::Syntax(pair.to_owned()));
            }
            mapping.insert(column, target);
        }
        Ok(mapping)
    }

    /// Parse a JSON object of strings: `{"Nom du lieu": "name"}`.
    pub fn from_json(json: &str) -> Result<Self, MappingError> {
        let map: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|e| MappingError::Json(e.to_string()))?;
        let mut mapping = Self::new();
        for (column, target) in &map {
            mapping.insert(column, target);
        }
        Ok(mapping)
    }

    pub fn insert(&mut self, column: &str, target: &str) {
        self.map.insert(normalise(column), target.trim().to_owned());
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The target of a column of the file, if mapped (`Some("")` = ignore the column).
    pub fn target(&self, column: &str) -> Option<&str> {
        self.map.get(&normalise(column)).map(String::as_str)
    }

    /// Check every target is one of `allowed`.
    pub(crate) fn check_targets(&self, allowed: &[&str]) -> Result<(), MappingError> {
        for (column, target) in &self.map {
            if !target.is_empty() && !allowed.contains(&target.as_str()) {
                return Err(MappingError::UnknownTarget {
                    column: column.clone(),
                    target: target.clone(),
                    allowed: allowed.join(", "),
                });
            }
        }
        Ok(())
    }
}

impl FromStr for ColumnMapping {
    type Err = MappingError;
    /// JSON when it starts with `{`, `col=field,…` otherwise.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim_start().starts_with('{') { Self::from_json(s) } else { Self::parse(s) }
    }
}

/// Column names are compared trimmed and case-insensitively: spreadsheets add spaces and
/// people retype headers.
pub(crate) fn normalise(column: &str) -> String {
    column.trim().trim_start_matches('\u{feff}').trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_with_spaces_in_column_names() {
        let m = ColumnMapping::parse("Nom du lieu=name, CP = postal_code").expect("valid mapping");
        assert_eq!(m.target("nom du lieu"), Some("name"));
        assert_eq!(m.target(" CP "), Some("postal_code"));
        assert_eq!(m.target("Ville"), None);
    }

    #[test]
    fn refuses_a_pair_without_equal_sign() {
        assert_eq!(
            ColumnMapping::parse("Nom du lieu").unwrap_err(),
            MappingError::Syntax("Nom du lieu".into())
        );
    }

    #[test]
    fn parses_json_and_detects_it_in_from_str() {
        let m: ColumnMapping = r#"{"Nom, officiel": "name"}"#.parse().expect("valid JSON mapping");
        assert_eq!(m.target("nom, officiel"), Some("name"));
        assert!(matches!("{oops".parse::<ColumnMapping>(), Err(MappingError::Json(_))));
    }
}
