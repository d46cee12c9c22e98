//! Contact fields: email, phone (normalised to E.164), website.

use super::legal::string_conversions;
use crate::FieldError;
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
            return Err(invalid_email("L'adresse e-mail est vide.", "The email address is empty."));
        }
        if v.chars().any(char::is_whitespace) {
            return Err(invalid_email(
                "Une adresse e-mail ne contient pas d'espace.",
                "An email address contains no spaces.",
            ));
        }
        if v.chars().count() > EMAIL_MAX {
            return Err(invalid_email(
                format!("Adresse e-mail trop longue ({EMAIL_MAX} caractères au plus)."),
                format!("Email address too long (at most {EMAIL_MAX} characters)."),
            ));
        }
        let Some((local, domain)) = v.split_once('@') else {
            return Err(invalid_email(
                "Il manque le « @ » dans l'adresse e-mail (ex. contact@exemple.fr).",
                "The “@” is missing from the email address (e.g. contact@example.org).",
            ));
        };
        if domain.contains('@') {
            return Err(invalid_email(
                "Une adresse e-mail ne contient qu'un seul « @ ». Pour plusieurs adresses, \
                 n'en saisissez qu'une ici.",
                "An email address has a single “@”. For several addresses, enter only one here.",
            ));
        }
        if local.is_empty() {
            return Err(invalid_email(
                "Il manque la partie avant le « @ » (ex. contact@exemple.fr).",
                "The part before the “@” is missing (e.g. contact@example.org).",
            ));
        }
        if local.len() > 64
            || local.starts_with('.')
            || local.ends_with('.')
            || local.contains("..")
            || !local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        {
            return Err(invalid_email(
                format!("La partie « {local} » avant le « @ » contient des caractères non autorisés."),
                format!("The part “{local}” before the “@” contains characters that are not allowed."),
            ));
        }
        let domain = domain.to_lowercase();
        if let Err(why) = check_domain(&domain) {
            return Err(invalid_email(
                format!("Le domaine « {domain} » de l'adresse e-mail est invalide : {}.", why.0),
                format!("The email domain “{domain}” is invalid: {}.", why.1),
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

fn invalid_email(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_email", fr, en)
}

/// Checks a lower-cased host name: at least two labels, each 1–63 letters, digits or
/// inner hyphens, and a top-level label that is not numeric. Returns a (fr, en) reason.
fn check_domain(domain: &str) -> Result<(), (&'static str, &'static str)> {
    if domain.is_empty() {
        return Err(("il est vide", "it is empty"));
    }
    if domain.len() > 253 {
        return Err(("il est trop long", "it is too long"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err((
            "il doit contenir un point (ex. exemple.fr)",
            "it must contain a dot (e.g. example.org)",
        ));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(("il contient un point en trop", "it contains a stray dot"));
        }
        if label.chars().count() > 63 {
            return Err((
                "une de ses parties dépasse 63 caractères",
                "one of its parts exceeds 63 characters",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err((
                "une de ses parties commence ou finit par un tiret",
                "one of its parts starts or ends with a hyphen",
            ));
        }
        if !label.chars().all(|c| c.is_alphanumeric() || c == '-') {
            return Err((
                "il contient des caractères non autorisés",
                "it contains characters that are not allowed",
            ));
        }
    }
    if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return Err(("son extension ne peut pas être numérique", "its top-level part cannot be numeric"));
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
            return Err(invalid_phone("Le numéro de téléphone est vide.", "The phone number is empty."));
        }
        if v.chars().any(char::is_alphabetic) {
            return Err(invalid_phone(
                "Un numéro de téléphone ne contient pas de lettres.",
                "A phone number contains no letters.",
            ));
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
                        format!("Caractère « {other} » non autorisé dans un numéro de téléphone."),
                        format!("Character “{other}” is not allowed in a phone number."),
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
                format!(
                    "Un numéro français compte 10 chiffres et commence par 0 (ex. 01 23 45 67 89) ; \
                     {} chiffres trouvés. Pour un numéro étranger, commencez par + et l'indicatif.",
                    digits.len()
                ),
                format!(
                    "A French number has 10 digits starting with 0 (e.g. 01 23 45 67 89); {} digits \
                     found. For a foreign number, start with + and the country code.",
                    digits.len()
                ),
            ));
        }
        Self::french(&digits[1..])
    }

    fn from_international(digits: &str) -> Result<Self, FieldError> {
        if digits.starts_with('0') {
            return Err(invalid_phone(
                "Après le +, l'indicatif du pays ne commence pas par 0 (ex. +33 1 23 45 67 89).",
                "After the +, the country code does not start with 0 (e.g. +33 1 23 45 67 89).",
            ));
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
                    format!(
                        "Après l'indicatif +{code}, un numéro compte 9 chiffres ({} trouvés).",
                        national.len()
                    ),
                    format!(
                        "After the +{code} country code, a number has 9 digits ({} found).",
                        national.len()
                    ),
                ));
            }
        }
        if !(8..=15).contains(&digits.len()) {
            return Err(invalid_phone(
                format!(
                    "Un numéro international compte de 8 à 15 chiffres, indicatif compris ({} trouvés).",
                    digits.len()
                ),
                format!(
                    "An international number has 8 to 15 digits including the country code ({} found).",
                    digits.len()
                ),
            ));
        }
        Ok(Self(format!("+{digits}")))
    }

    /// `national`: the 9 digits after the trunk zero.
    fn french(national: &str) -> Result<Self, FieldError> {
        if national.starts_with('0') {
            return Err(invalid_phone(
                "Numéro français invalide : le chiffre qui suit le 0 initial ne peut pas être 0.",
                "Invalid French number: the digit after the leading 0 cannot be 0.",
            ));
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

fn invalid_phone(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_phone", fr, en)
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
            return Err(invalid_url("L'adresse web est vide.", "The web address is empty."));
        }
        if v.chars().count() > URL_MAX {
            return Err(invalid_url(
                format!("Adresse web trop longue ({URL_MAX} caractères au plus)."),
                format!("Web address too long (at most {URL_MAX} characters)."),
            ));
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid_url(
                "Une adresse web ne contient pas d'espace. Pour plusieurs sites, n'en saisissez qu'un ici.",
                "A web address contains no spaces. For several sites, enter only one here.",
            ));
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
            return Err(invalid_url(
                "Une adresse web ne doit pas contenir d'identifiant ou de mot de passe (« @ » avant le nom du site).",
                "A web address must not contain a user name or password (“@” before the site name).",
            ));
        }
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if let Some(p) = port
            && (p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid_url(
                format!("Le port « {p} » de l'adresse web est invalide."),
                format!("The port “{p}” of the web address is invalid."),
            ));
        }
        let host = host.to_lowercase();
        if host == "localhost" || host.ends_with(".localhost") {
            return Err(invalid_url(
                "Une adresse locale (localhost) n'est pas accessible au public.",
                "A local address (localhost) is not reachable by the public.",
            ));
        }
        if let Err(why) = check_domain(&host) {
            return Err(invalid_url(
                format!("Le nom de site « {host} » est invalide : {}.", why.0),
                format!("The site name “{host}” is invalid: {}.", why.1),
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
    invalid_url(
        format!("Seules les adresses web en http:// ou https:// sont acceptées (« {scheme}: » refusé)."),
        format!("Only http:// or https:// web addresses are accepted (“{scheme}:” refused)."),
    )
}

fn invalid_url(fr: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new("", "invalid_url", fr, en)
}

string_conversions!(Email, Phone, WebUrl);
