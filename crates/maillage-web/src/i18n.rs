//! Page texts come from the one message catalogue (`maillage_domain::messages`); `t` is
//! its short name for templates and handlers.

use crate::context::Lang;

/// The text of a key in a language (see `maillage_domain::messages`).
pub fn t(lang: Lang, key: &str) -> &'static str {
    maillage_domain::messages::text(lang, key)
}

/// Whether a key exists.
pub fn has_key(key: &str) -> bool {
    maillage_domain::messages::has_key(key)
}

/// The label of a form field: the catalogue's `{prefix}{field}` when there is one, else
/// the field's own name.
pub fn field_label(lang: Lang, prefix: &str, field: &str) -> String {
    let key = format!("{prefix}{field}");
    if has_key(&key) { t(lang, &key).to_owned() } else { field.to_owned() }
}
