//! Text helpers shared by validation and search: folding and plain-text checks.

use crate::FieldError;

/// Lower-case, strip accents and turn every run of non-alphanumeric characters into one
/// space: `"Saint-Étienne"` → `"saint etienne"`.
pub fn fold(s: &str) -> String {
    let ascii = deunicode::deunicode(s).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A trimmed plain-text value: no markup, no control characters, at most `max` characters.
/// Markup is refused rather than silently stripped so that nobody is surprised by what is
/// stored.
pub fn plain_text(value: &str, max: usize) -> Result<String, FieldError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(FieldError::new(
            "",
            "too_long",
            format!("Ce texte dépasse {max} caractères."),
            format!("This text is longer than {max} characters."),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(
            "",
            "control_characters",
            "Ce texte contient des caractères de contrôle.",
            "This text contains control characters.",
        ));
    }
    if looks_like_markup(value) {
        return Err(FieldError::new(
            "",
            "markup_not_allowed",
            "Le HTML et les scripts ne sont pas acceptés dans ce champ.",
            "HTML and scripts are not allowed in this field.",
        ));
    }
    Ok(value.to_owned())
}

/// A required plain-text value.
pub fn required_text(value: Option<&str>, max: usize) -> Result<String, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Err(FieldError::required("")),
        Some(v) => plain_text(v, max),
    }
}

fn looks_like_markup(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.contains("javascript:") {
        return true;
    }
    // A tag is '<' followed by a letter, '/' or '!'; "a < b" or "<3" stay allowed.
    let bytes = lower.as_bytes();
    bytes.windows(2).any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_accents_case_and_punctuation() {
        assert_eq!(fold("Saint-Étienne"), "saint etienne");
        assert_eq!(fold("  L'Haÿ-les-Roses "), "l hay les roses");
        assert_eq!(fold("ŒUVRE"), "oeuvre");
    }

    #[test]
    fn plain_text_refuses_tags_and_scripts() {
        assert!(plain_text("<script>alert(1)</script>", 100).is_err());
        assert!(plain_text("<b>gras</b>", 100).is_err());
        assert!(plain_text("javascript:alert(1)", 100).is_err());
        assert_eq!(plain_text(" a < b et 3 > 2 ", 100).unwrap(), "a < b et 3 > 2");
    }

    #[test]
    fn plain_text_limits_length_in_characters() {
        assert!(plain_text("é".repeat(10).as_str(), 10).is_ok());
        assert_eq!(plain_text("é".repeat(11).as_str(), 10).unwrap_err().code, "too_long");
    }
}
