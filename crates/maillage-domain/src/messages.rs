//! The one message catalogue: every text people read — page texts, field errors, import
//! reports, analysis labels, vocabulary labels — is found here by a stable key, in French
//! first and English second.
//!
//! - Texts are written once, in [`catalogue`], as `(key, French, English)`; parameters are
//!   written `{name}` and given by name ([`Message::with`]).
//! - Vocabulary labels live beside their codes (`vocab.rs`, they are data of the
//!   vocabulary) and are reached through the same lookup as `vocab.<vocabulary>.<code>`,
//!   e.g. `vocab.place_type.fablab`.
//! - Code names a key with [`Message::new`] (or `t(lang, "key")` in the web crate's
//!   templates); a test reads every source file and template of the workspace and checks
//!   that every key named exists, and that every catalogue entry has both languages and
//!   the same parameters in both.

mod catalogue;

use serde::{Deserialize, Serialize};

/// A language of the interface: French first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// A language from a tag (`fr`, `en-GB`, `FR`…): its first two letters.
    pub fn parse(tag: &str) -> Option<Lang> {
        match tag.trim().get(..2).map(|s| s.to_ascii_lowercase()).as_deref() {
            Some("fr") => Some(Lang::Fr),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    /// `"en"` is English; anything else French (the interface's first language).
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Fr }
    }
}

/// The text of a key in a language, parameters not filled in. A missing key shows itself
/// as `???` (and is logged): the catalogue test makes sure none is.
pub fn text(lang: Lang, key: &str) -> &'static str {
    lookup(lang, key).unwrap_or_else(|| {
        tracing::warn!(key, "missing message key");
        "???"
    })
}

/// Whether a key exists.
pub fn has_key(key: &str) -> bool {
    lookup(Lang::Fr, key).is_some()
}

fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    if let Some(rest) = key.strip_prefix("vocab.") {
        let (vocabulary, code) = rest.split_once('.')?;
        return crate::vocab::label_by_key(vocabulary, code, lang);
    }
    catalogue::find(key).map(|(fr, en)| match lang {
        Lang::Fr => fr,
        Lang::En => en,
    })
}

/// The text of a key with its parameters filled in (`{name}` → value).
pub fn render(lang: Lang, key: &str, params: &[(&str, &str)]) -> String {
    fill(text(lang, key), params)
}

fn fill(template: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() || !template.contains('{') {
        return template.to_owned();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if params.iter().any(|(name, _)| *name == &after[..close]) => {
                let name = &after[..close];
                out.push_str(params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v));
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A message to show later in a language not known yet: a key and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: &'static str,
    params: Vec<(&'static str, Param)>,
    /// Texts already written in both languages by a library with its own messages (the
    /// territory engine, usable without the rest of Maillage): shown as they are.
    translated: Option<Box<(String, String)>>,
}

/// A parameter: a value written the same in every language, or a message of its own
/// (rendered in the language of the message that holds it).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Param {
    Text(String),
    Message(Message),
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Self { key, params: Vec::new(), translated: None }
    }

    /// A text a library already wrote in French and English (see the `translated` field):
    /// the one way in for texts that are not in the catalogue.
    pub fn translated(fr: impl Into<String>, en: impl Into<String>) -> Self {
        Self { key: "", params: Vec::new(), translated: Some(Box::new((fr.into(), en.into()))) }
    }

    /// No text: a hint or a part of a message that does not apply.
    pub fn empty() -> Self {
        Self::new("")
    }

    /// The same message with one more parameter.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.params.push((name, Param::Text(value.to_string())));
        self
    }

    /// The same message with a parameter that is itself a message.
    #[must_use]
    pub fn with_message(mut self, name: &'static str, value: Message) -> Self {
        self.params.push((name, Param::Message(value)));
        self
    }

    pub fn key(&self) -> &'static str {
        self.key
    }

    /// The text in a language, parameters filled in.
    pub fn render(&self, lang: Lang) -> String {
        if let Some(texts) = &self.translated {
            return match lang {
                Lang::Fr => texts.0.clone(),
                Lang::En => texts.1.clone(),
            };
        }
        if self.key.is_empty() {
            return String::new();
        }
        let values: Vec<(&str, std::borrow::Cow<'_, str>)> = self
            .params
            .iter()
            .map(|(n, v)| match v {
                Param::Text(t) => (*n, std::borrow::Cow::Borrowed(t.as_str())),
                Param::Message(m) => (*n, std::borrow::Cow::Owned(m.render(lang))),
            })
            .collect();
        let params: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_ref())).collect();
        render(lang, self.key, &params)
    }

    /// The text in French (logs, the command line).
    pub fn fr(&self) -> String {
        self.render(Lang::Fr)
    }

    /// The text in English.
    pub fn en(&self) -> String {
        self.render(Lang::En)
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.fr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_filled_by_name_and_unknown_braces_are_kept() {
        assert_eq!(fill("{n} lieux sur {total}", &[("n", "3"), ("total", "10")]), "3 lieux sur 10");
        assert_eq!(fill("JSON {invalide} {n}", &[("n", "1")]), "JSON {invalide} 1");
        assert_eq!(fill("sans paramètre", &[]), "sans paramètre");
    }

    #[test]
    fn a_message_renders_in_each_language() {
        let m = Message::new("field.required");
        assert_eq!(m.render(Lang::Fr), "Ce champ est obligatoire.");
        assert_eq!(m.render(Lang::En), "This field is required.");
    }

    #[test]
    fn a_message_inside_a_message_follows_its_language() {
        let inner = Message::new("field.required");
        let outer = Message::new("field.line").with("line", 4).with_message("message", inner);
        assert_eq!(outer.render(Lang::Fr), "ligne 4 : Ce champ est obligatoire.");
        assert_eq!(outer.render(Lang::En), "line 4: This field is required.");
    }

    #[test]
    fn vocabulary_labels_are_in_the_catalogue() {
        assert_eq!(text(Lang::Fr, "vocab.place_type.fablab"), "Fablab / makerspace");
        assert!(has_key("vocab.service.acces_internet") || has_key("vocab.place_type.coworking"));
        assert!(!has_key("vocab.place_type.nothing_like_this"));
        assert!(!has_key("no.such.key"));
    }

    /// Every key the workspace names — `Message::new("…")` and `t(…, "…")` in Rust,
    /// `t("…")` in templates — is in the catalogue. The test reads the sources of every
    /// crate beside this one, so that no use escapes it.
    #[test]
    fn every_key_named_anywhere_exists() {
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    files(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs" || e == "html") {
                    out.push(path);
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut paths = Vec::new();
        for krate in std::fs::read_dir(crates).unwrap() {
            let krate = krate.unwrap().path();
            for sub in ["src", "templates"] {
                if krate.join(sub).is_dir() {
                    files(&krate.join(sub), &mut paths);
                }
            }
        }
        assert!(paths.len() > 50, "the sources were found ({} files)", paths.len());
        let named = |source: &str, opening: &str, out: &mut Vec<String>| {
            for (at, _) in source.match_indices(opening) {
                // Comments show uses; they are not uses.
                let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
                if source[line_start..at].trim_start().starts_with("//") {
                    continue;
                }
                // `t(` alone, not `expect(` or `.t(` followed by something else.
                if opening.starts_with('t')
                    && source[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                let rest = &source[at + opening.len()..];
                // `t(lang, "key")`: skip the language argument.
                let rest = if opening == "t(" {
                    match rest.split_once(", \"") {
                        Some((lang, key)) if !lang.contains(['(', ')', '"', '\n']) => key,
                        _ => match rest.strip_prefix('"') {
                            Some(key) => key,
                            None => continue,
                        },
                    }
                } else {
                    rest
                };
                out.push(rest.split('"').next().unwrap().to_owned());
            }
        };
        let mut keys = Vec::new();
        for path in paths.iter().filter(|p| !p.ends_with("messages.rs")) {
            let source = std::fs::read_to_string(path).unwrap();
            named(&source, "Message::new(\"", &mut keys);
            named(&source, "t(", &mut keys);
        }
        assert!(keys.len() > 300, "uses were found ({})", keys.len());
        let missing: Vec<&String> = keys.iter().filter(|k| !k.is_empty() && !has_key(k)).collect();
        assert!(missing.is_empty(), "keys named but not in the catalogue: {missing:?}");
    }

    #[test]
    fn languages_parse_from_tags() {
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("FR"), Some(Lang::Fr));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::from_code("xx"), Lang::Fr);
    }

    #[test]
    fn every_entry_has_both_languages_the_same_parameters_and_a_unique_key() {
        let entries = catalogue::ENTRIES;
        let params = |s: &str| {
            let mut names: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                .filter(|n| {
                    !n.is_empty()
                        && n.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                })
                .collect();
            names.sort();
            names.dedup();
            names
        };
        let mut seen = std::collections::HashSet::new();
        for (key, fr, en) in entries {
            assert!(!fr.is_empty() && !en.is_empty(), "{key}: both languages");
            assert!(seen.insert(*key), "{key}: duplicate key");
            assert!(!key.starts_with("vocab."), "{key}: vocab.* keys come from the vocabularies");
            assert_eq!(params(fr), params(en), "{key}: the same parameters in French and English");
        }
    }
}
