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
