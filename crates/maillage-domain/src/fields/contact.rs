//! Contact fields: email, phone (normalised to E.164), website.

use super::legal::string_conversions;
use crate::FieldError;
use crate::messages::Message;
use serde::{Deserialize, Serialize};

pub const EMAIL_MAX: usize = 254;
pub const URL_MAX: usize = 2000;

/// An email address. The domain is lower-cased; the local part is kept as written (mail
/// servers may treat it case-sensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let mut v = value.trim();
        // Links copied from a web page.
        if v.len() > 7 && v[..7].eq_ignore_ascii_case("mailto:") {
            v = &v[7..];
        }
        if v.is_empty() {
            return Err(invalid_email(Message::new("field.contact.email_address_empty")));
        }
        if v.chars().any(char::is_whitespace) {
            return Err(invalid_email(Message::new("field.contact.email_address_contains_no")));
        }
        if v.chars().count() > EMAIL_MAX {
            return Err(invalid_email(
                Message::new("field.contact.email_address_too_long").with("max", EMAIL_MAX),
            ));
        }
        let Some((local, domain)) = v.split_once('@') else {
            return Err(invalid_email(Message::new("field.contact.missing_from_email_address")));
        };
        if domain.contains('@') {
            return Err(invalid_email(Message::new("field.contact.email_address_has_single")));
        }
        if local.is_empty() {
            return Err(invalid_email(Message::new("field.contact.part_before_missing_e")));
        }
        if local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return Err(invalid_email(
                Message::new("field.contact.part_local_before_contains").with("local", local),
            ));
        }
        let domain = domain.to_lowercase();
        if let Err(why) = check_domain(&domain) {
            return Err(invalid_email(
                Message::new("field.contact.invalid_email_domain")
                    .with("domain", &domain)
                    .with_message("why", why),
            ));
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain part (lower case).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

fn invalid_email(message: Message) -> FieldError {
    FieldError::new("", "invalid_email", message)
}

/// Checks a lower-cased host name: at least two labels, each 1–63 letters, digits or
/// inner hyphens, and a top-level label that is not numeric. Returns the reason.
fn check_domain(domain: &str) -> Result<(), Message> {
    if domain.is_empty() {
        return Err(Message::new("field.contact.empty"));
    }
    if domain.len() > 253 {
        return Err(Message::new("field.contact.too_long"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(Message::new("field.contact.domain_without_dot"));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(Message::new("field.contact.contains_stray_dot"));
        }
        if label.chars().count() > 63 {
            return Err(Message::new("field.contact.one_its_parts_exceeds"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(Message::new("field.contact.one_its_parts_starts"));
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err(Message::new("field.contact.contains_characters_that_are"));
        }
    }
    if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return Err(Message::new("field.contact.its_top_level_part"));
    }
    Ok(())
}

/// A phone number normalised to E.164 (`+33123456789`).
///
/// French numbers may be written nationally (`01 23 45 67 89`) or internationally
/// (`+33 1 23 45 67 89`, `0033 1…`, `+33 (0)1…`). Overseas departments are given their own
/// country code from their national prefix: Réunion `0262/0263/0692/0693` and Mayotte
/// `0269/0639` → `+262`; Guadeloupe, Saint-Martin and Saint-Barthélemy `0590/0690/0691` →
/// `+590`; Guyane `0594/0694` → `+594`; Martinique `0596/0696/0697` → `+596`. (`+269` is
/// the Comoros, not Mayotte.) Other countries are accepted in `+` form with 8 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

/// National prefixes (after the trunk `0`) of the overseas departments, with their country
/// code. Numbers keep their 9 national digits after the country code.
const OVERSEAS_PREFIXES: &[(&str, &str)] = &[
    ("262", "262"),
    ("263", "262"),
    ("692", "262"),
    ("693", "262"),
    ("269", "262"),
    ("639", "262"),
    ("590", "590"),
    ("690", "590"),
    ("691", "590"),
    ("594", "594"),
    ("694", "594"),
    ("596", "596"),
    ("696", "596"),
    ("697", "596"),
];

/// Country codes that share the French 9-digit national plan (overseas departments).
const FRENCH_PLAN_CODES: &[&str] = &["33", "262", "590", "594", "596"];

impl Phone {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(invalid_phone(Message::new("field.contact.phone_number_empty")));
        }
        if v.chars().any(char::is_alphabetic) {
            return Err(invalid_phone(Message::new("field.contact.phone_number_contains_no")));
        }
        // `+33 (0)1 23…`: the bracketed trunk zero is not dialled from abroad.
        let without_trunk = v.replace("(0)", "");
        let mut digits = String::with_capacity(16);
        let mut international = false;
        for (i, c) in without_trunk.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => international = true,
                ' ' | '.' | '-' | '/' | '(' | ')' | '\u{a0}' | '\u{202f}' => {}
                other => {
                    return Err(invalid_phone(
                        Message::new("field.contact.character_other_not_allowed").with("other", other),
                    ));
                }
            }
        }
        if !international && digits.starts_with("00") {
            international = true;
            digits.drain(..2);
        }
        if international { Self::from_international(&digits) } else { Self::from_national(&digits) }
    }

    fn from_national(digits: &str) -> Result<Self, FieldError> {
        if digits.len() != 10 || !digits.starts_with('0') {
            return Err(invalid_phone(
                Message::new("field.contact.french_number_has_digits").with("digits_count", digits.len()),
            ));
        }
        Self::french(&digits[1..])
    }

    fn from_international(digits: &str) -> Result<Self, FieldError> {
        if digits.starts_with('0') {
            return Err(invalid_phone(Message::new("field.contact.after_country_code_does")));
        }
        for code in FRENCH_PLAN_CODES {
            if let Some(national) = digits.strip_prefix(code) {
                // `+33 0 1 23…` is a common mistake; the trunk zero is dropped.
                let national = if national.len() == 10 {
                    national.strip_prefix('0').unwrap_or(national)
                } else {
                    national
                };
                if national.len() == 9 {
                    return Self::french(national);
                }
                return Err(invalid_phone(
                    Message::new("field.contact.after_code_country_code")
                        .with("code", code)
                        .with("national_count", national.len()),
                ));
            }
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(invalid_phone(
                Message::new("field.contact.international_number_has_digits")
                    .with("digits_count", digits.len()),
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// `national`: the 9 digits after the trunk zero.
    fn french(national: &str) -> Result<Self, FieldError> {
        if national.starts_with('0') {
            return Err(invalid_phone(Message::new("field.contact.invalid_french_number_digit")));
        }
        let code = OVERSEAS_PREFIXES
            .iter()
            .find(|(prefix, _)| national.starts_with(prefix))
            .map_or("33", |(_, code)| code);
        Ok(Self(format!("+{code}{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 9 national digits when this number is on the French numbering plan (metropolitan
    /// France and the overseas departments).
    fn french_national(&self) -> Option<&str> {
        let digits = self.0.strip_prefix('+')?;
        FRENCH_PLAN_CODES
            .iter()
            .filter_map(|code| digits.strip_prefix(code))
            .find(|national| national.len() == 9)
    }

    /// Whether the number is on the French numbering plan (metropole or overseas
    /// departments).
    pub fn is_french(&self) -> bool {
        self.french_national().is_some()
    }

    /// National display form, e.g. `01 23 45 67 89` for French numbers (overseas
    /// departments included: `02 62 12 34 56`); the E.164 form for other countries.
    pub fn display_national(&self) -> String {
        match self.french_national() {
            Some(national) => {
                let ten = format!("0{national}");
                let mut out = String::with_capacity(14);
                for (i, c) in ten.chars().enumerate() {
                    if i > 0 && i % 2 == 0 {
                        out.push(' ');
                    }
                    out.push(c);
                }
                out
            }
            None => self.0.clone(),
        }
    }

    /// `tel:` URI for links.
    pub fn tel_uri(&self) -> String {
        format!("tel:{}", self.0)
    }
}

fn invalid_phone(message: Message) -> FieldError {
    FieldError::new("", "invalid_phone", message)
}

/// An http(s) URL. A bare domain (`exemple.fr`, `www.exemple.fr/page`) gets `https://`
/// prepended; the scheme and host are lower-cased, the rest is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(invalid_url(Message::new("field.contact.web_address_empty")));
        }
        if v.chars().count() > URL_MAX {
            return Err(invalid_url(Message::new("field.contact.web_address_too_long").with("max", URL_MAX)));
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid_url(Message::new("field.contact.web_address_contains_no")));
        }
        let (scheme, rest) = match v.find("://") {
            Some(i) => (v[..i].to_ascii_lowercase(), &v[i + 3..]),
            None => {
                // `mailto:x`, `javascript:x`… : a scheme without `//`. A colon after a
                // dotted host (`exemple.fr:8080`) is a port, not a scheme.
                if let Some((before, _)) = v.split_once(':')
                    && !before.contains('.')
                    && !before.contains('/')
                {
                    return Err(only_http(before));
                }
                ("https".to_owned(), v)
            }
        };
        if scheme != "http" && scheme != "https" {
            return Err(only_http(&scheme));
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(invalid_url(Message::new("field.contact.web_address_not_contain")));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if let Some(p) = port
            && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid_url(Message::new("field.contact.port_p_web_address").with("p", p)));
        }
        let host = host.to_lowercase();
        if host == "localhost" || host.ends_with(".localhost") {
            return Err(invalid_url(Message::new("field.contact.local_address_localhost_not")));
        }
        if let Err(why) = check_domain(&host) {
            return Err(invalid_url(
                Message::new("field.contact.invalid_site_name").with("host", &host).with_message("why", why),
            ));
        }
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Self(format!("{scheme}://{host}{port}{tail}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host name, e.g. `www.exemple.fr` (for display).
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        let end = rest.find([':', '/', '?', '#']).unwrap_or(rest.len());
        &rest[..end]
    }
}

fn only_http(scheme: &str) -> FieldError {
    invalid_url(Message::new("field.contact.only_http_https_web").with("scheme", scheme))
}

fn invalid_url(message: Message) -> FieldError {
    FieldError::new("", "invalid_url", message)
}

string_conversions!(Email, Phone, WebUrl);
