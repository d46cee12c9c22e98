//! Text helpers shared by validation and search: folding and plain-text checks.

use crate::FieldError;
use crate::messages::Message;

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

/// Bidirectional embeddings, overrides and isolates: U+202A–U+202E (LRE, RLE, PDF, LRO,
/// RLO) and U+2066–U+2069 (LRI, RLI, FSI, PDI). They reorder everything after them on
/// screen, so a stored text could read differently from what it is ("Trojan Source"), and
/// an unclosed one spills over the rest of a page or a spreadsheet row. They are refused in
/// every text field.
///
/// The marks U+200E (LRM), U+200F (RLM) and U+061C (ALM) are **allowed**: each is a single
/// invisible character that only gives a direction to the neutral characters beside it,
/// cannot reorder anything beyond them, and is needed to write a name that mixes Arabic or
/// Hebrew with Latin text correctly.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Which characters a text field accepts beside printable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// One line (names, equipment items, codes): no control character at all.
    Single,
    /// Short plain text (summary, address): line feed and tab allowed.
    Plain,
    /// Markdown (description): line feed, carriage return (browsers send CRLF) and tab.
    Multi,
}

/// Refuse NUL and other control characters (C0, DEL, C1) beyond what `lines` allows, and
/// bidirectional controls ([`is_bidi_control`]), with a French and an English message.
pub fn check_characters(value: &str, lines: Lines) -> Result<(), FieldError> {
    let allowed = |c: char| match lines {
        Lines::Single => false,
        Lines::Plain => c == '\n' || c == '\t',
        Lines::Multi => c == '\n' || c == '\r' || c == '\t',
    };
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        let message = match lines {
            Lines::Single => Message::new("text.text_contains_invisible_control"),
            _ => Message::new("text.text_contains_invisible_control_2"),
        };
        return Err(FieldError::new("", "control_characters", message));
    }
    if value.chars().any(is_bidi_control) {
        return Err(FieldError::new("", "bidi_control", Message::new("text.bidi_control")));
    }
    Ok(())
}

/// Refuse a value longer than `max` characters (counted after trimming).
pub fn check_length(value: &str, max: usize) -> Result<(), FieldError> {
    // Bytes bound characters from above: most values are decided without counting.
    if value.len() > max && value.chars().count() > max {
        return Err(FieldError::new("", "too_long", Message::new("text.too_long").with("max", max)));
    }
    Ok(())
}

/// A trimmed plain-text value: no markup, no control characters but line feed and tab, no
/// bidirectional controls, at most `max` characters. Markup is refused rather than
/// silently stripped so that nobody is surprised by what is stored.
pub fn plain_text(value: &str, max: usize) -> Result<String, FieldError> {
    checked_text(value, max, Lines::Plain)
}

/// A trimmed one-line plain-text value (a name, an equipment item): like [`plain_text`]
/// without line breaks or tabs.
pub fn line_text(value: &str, max: usize) -> Result<String, FieldError> {
    checked_text(value, max, Lines::Single)
}

fn checked_text(value: &str, max: usize, lines: Lines) -> Result<String, FieldError> {
    let value = value.trim();
    check_length(value, max)?;
    check_characters(value, lines)?;
    if looks_like_markup(value) {
        return Err(FieldError::new("", "markup_not_allowed", Message::new("text.markup_not_allowed")));
    }
    Ok(value.to_owned())
}

/// A required one-line plain-text value.
pub fn required_text(value: Option<&str>, max: usize) -> Result<String, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Err(FieldError::required("")),
        Some(v) => line_text(v, max),
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

    #[test]
    fn nul_control_and_bidi_characters_are_refused() {
        for bad in ["a\0b", "a\u{7}b", "a\u{1b}[31mb", "a\u{7f}b", "a\u{85}b", "a\rb"] {
            assert_eq!(plain_text(bad, 100).unwrap_err().code, "control_characters", "{bad:?}");
        }
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
            '\u{2069}',
        ] {
            let bad = format!("abc{c}def");
            assert_eq!(plain_text(&bad, 100).unwrap_err().code, "bidi_control", "{c:?}");
            assert_eq!(line_text(&bad, 100).unwrap_err().code, "bidi_control", "{c:?}");
            assert_eq!(check_characters(&bad, Lines::Multi).unwrap_err().code, "bidi_control");
        }
        // Marks only give a direction to their neighbours: allowed.
        assert!(line_text("Café \u{200F}مقهى\u{200E} 2", 100).is_ok());
    }

    #[test]
    fn line_breaks_depend_on_the_kind_of_field() {
        assert_eq!(line_text("a\nb", 100).unwrap_err().code, "control_characters");
        assert_eq!(line_text("a\tb", 100).unwrap_err().code, "control_characters");
        assert_eq!(required_text(Some("Nom\nsur deux lignes"), 100).unwrap_err().code, "control_characters");
        assert!(plain_text("a\nb\tc", 100).is_ok());
        assert!(check_characters("# Titre\r\n\r\nTexte\tok", Lines::Multi).is_ok());
        assert_eq!(check_characters("a\0b", Lines::Multi).unwrap_err().code, "control_characters");
    }
}
