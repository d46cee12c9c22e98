//! Parsing of query strings and urlencoded forms (with repeated keys) into filters and
//! place inputs, with field-level errors.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use maillage_app::{PlaceFilter, PlaceSort};
use maillage_domain::messages::Message;
use maillage_domain::vocab::{Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{FieldError, PlaceInput, PlaceStatus, ValidationErrors};

/// Decoded `key=value` pairs, in order (keys may repeat).
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

/// A form body with a value (or key) that is not UTF-8 once percent-decoded: what the
/// browser sent, decoded with U+FFFD in place of the bad bytes so that the form can show it
/// again, and the first field at fault.
#[derive(Debug, Clone)]
pub struct NotUtf8 {
    pub pairs: Pairs,
    pub field: String,
}

impl NotUtf8 {
    /// The field error to show beside the field.
    pub fn error(&self) -> FieldError {
        FieldError::new(self.field.clone(), "invalid_utf8", Message::new("form.invalid_utf8"))
    }
}

impl Pairs {
    /// Decode a query string. Bytes that are not UTF-8 become U+FFFD: a query only
    /// filters, nothing is stored from it. Form bodies go through [`Pairs::parse_form`].
    pub fn parse(raw: &[u8]) -> Self {
        Pairs(form_urlencoded::parse(raw).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// Decode an `application/x-www-form-urlencoded` body strictly: a key or value that is
    /// not UTF-8 after percent-decoding is refused, naming the field, instead of being
    /// stored with U+FFFD in it. Every form handler reads its body through this.
    pub fn parse_form(raw: &[u8]) -> Result<Self, NotUtf8> {
        let mut pairs = Vec::new();
        let mut bad: Option<String> = None;
        for part in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
            let (k, v) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &part[part.len()..]),
            };
            let (k, v) = (percent_decode(k), percent_decode(v));
            let key = String::from_utf8(k).unwrap_or_else(|e| {
                let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
                bad.get_or_insert_with(|| lossy.clone());
                lossy
            });
            let value = String::from_utf8(v).unwrap_or_else(|e| {
                bad.get_or_insert_with(|| key.clone());
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            });
            pairs.push((key, value));
        }
        match bad {
            None => Ok(Pairs(pairs)),
            Some(field) => Err(NotUtf8 { pairs: Pairs(pairs), field }),
        }
    }
    pub fn first(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.trim().is_empty())
    }
    /// Every value of a key; comma-separated values count as several.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.first(key), Some("1" | "true" | "on" | "oui" | "yes"))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

/// `+` is a space and `%XX` a byte, as `form_urlencoded` decodes (a `%` not followed by two
/// hexadecimal digits stays as it is).
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match (input.get(i + 1).copied().and_then(hex), input.get(i + 2).copied().and_then(hex)) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Query parameters understood by lists (pages and API).
pub const FILTER_KEYS: &[&str] = &[
    "q",
    "type",
    "service",
    "label",
    "public",
    "support",
    "fee",
    "equipment",
    "commune",
    "epci",
    "departement",
    "region",
    "bbox",
    "near",
    "radius_km",
    "open_now",
    "open_at",
    "sort",
    "status",
    "mine",
    "network",
];

fn vocab_list<T: Vocabulary>(pairs: &Pairs, key: &str, errors: &mut ValidationErrors) -> Vec<T> {
    let mut out = Vec::new();
    for value in pairs.all(key) {
        match T::from_code(&value) {
            Some(t) => out.push(t),
            None => errors.push(FieldError::new(
                key,
                "unknown_value",
                Message::new("form.unknown_value")
                    .with("value", &value)
                    .with("t", T::ALL.iter().map(|t| t.code()).collect::<Vec<_>>().join(", ")),
            )),
        }
    }
    out
}

fn numbers(value: &str, n: usize) -> Option<Vec<f64>> {
    let parts: Vec<f64> = value.split(',').map(|p| p.trim().parse::<f64>()).collect::<Result<_, _>>().ok()?;
    (parts.len() == n && parts.iter().all(|x| x.is_finite())).then_some(parts)
}

fn invalid(key: &str, message: Message) -> FieldError {
    FieldError::new(key, "invalid_value", message)
}

/// An instant given as RFC 3339, or as a local Paris date and time (`2026-07-14T10:30`).
pub fn parse_instant(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    chrono_tz::Europe::Paris.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

/// The filter of a list request.
pub fn filter_from(pairs: &Pairs, now: DateTime<Utc>) -> Result<PlaceFilter, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let mut f = PlaceFilter {
        types: vocab_list::<PlaceType>(pairs, "type", &mut e),
        services: vocab_list::<Service>(pairs, "service", &mut e),
        labels: vocab_list::<Label>(pairs, "label", &mut e),
        publics: vocab_list::<Public>(pairs, "public", &mut e),
        support: vocab_list::<Support>(pairs, "support", &mut e),
        fees: vocab_list::<Fee>(pairs, "fee", &mut e),
        equipment: pairs.first("equipment").map(str::to_owned),
        commune: pairs.first("commune").map(str::to_owned),
        epci: pairs.first("epci").map(str::to_owned),
        departement: pairs.first("departement").map(str::to_owned),
        region: pairs.first("region").map(str::to_owned),
        ..Default::default()
    };
    if let Some(q) = pairs.first("q") {
        if q.chars().count() > 200 {
            e.push(invalid("q", Message::new("form.query_too_long_characters")));
        }
        let query = maillage_search::Query::parse(q);
        if !query.is_empty() {
            f.text = Some(query);
            f.sort = PlaceSort::Relevance;
        }
    }
    if let Some(bbox) = pairs.first("bbox") {
        match numbers(bbox, 4) {
            Some(b) if b[0] < b[2] && b[1] < b[3] => f.bbox = Some((b[0], b[1], b[2], b[3])),
            _ => e.push(invalid("bbox", Message::new("form.bbox_expects_min_lon"))),
        }
    }
    if let Some(near) = pairs.first("near") {
        let radius = match pairs.first("radius_km") {
            None => Some(10.0),
            Some(r) => r.parse::<f64>().ok().filter(|r| r.is_finite() && *r > 0.0 && *r <= 1000.0),
        };
        if radius.is_none() {
            e.push(invalid("radius_km", Message::new("form.radius_km_number_between")));
        }
        match (numbers(near, 2), radius) {
            (Some(p), Some(r)) if (-90.0..=90.0).contains(&p[0]) && (-180.0..=180.0).contains(&p[1]) => {
                f.near = Some((p[0], p[1], r));
                if f.text.is_none() {
                    f.sort = PlaceSort::Distance;
                }
            }
            (None, _) => e.push(invalid("near", Message::new("form.near_expects_lat_lon"))),
            _ => {}
        }
    }
    if pairs.flag("open_now") {
        f.open_at = Some(now);
    }
    if let Some(at) = pairs.first("open_at") {
        match parse_instant(at) {
            Some(t) => f.open_at = Some(t),
            None => e.push(invalid("open_at", Message::new("form.open_at_expects_date"))),
        }
    }
    if let Some(sort) = pairs.first("sort") {
        f.sort = match sort {
            "name" => PlaceSort::Name,
            "distance" => PlaceSort::Distance,
            "relevance" => PlaceSort::Relevance,
            "updated" => PlaceSort::Updated,
            _ => {
                e.push(invalid("sort", Message::new("form.sort_name_distance_relevance")));
                f.sort
            }
        };
    }
    for status in pairs.all("status") {
        match PlaceStatus::parse(&status) {
            Ok(s) => f.statuses.push(s),
            Err(err) => e.push(err),
        }
    }
    // The places of a network (and of its sub-networks).
    if let Some(network) = pairs.first("network").filter(|n| !n.is_empty()) {
        match network.parse() {
            Ok(id) => f.network = Some(id),
            Err(_) => e.push(invalid("network", Message::new("networks.invalid_id"))),
        }
    }
    e.into_result().map(|()| f)
}

/// Paging: `page` (1-based) and `per_page`, bounded.
pub fn paging(pairs: &Pairs, default_per_page: u64) -> Result<(u64, u64), ValidationErrors> {
    let mut e = ValidationErrors::default();
    let page = match pairs.first("page") {
        None => 1,
        Some(p) => p.parse::<u64>().ok().filter(|p| (1..=100_000).contains(p)).unwrap_or_else(|| {
            e.push(invalid("page", Message::new("form.page_positive_integer")));
            1
        }),
    };
    let per_page = match pairs.first("per_page") {
        None => default_per_page,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|p| (1..=maillage_app::places::MAX_PAGE_SIZE).contains(p))
            .unwrap_or_else(|| {
                e.push(invalid("per_page", Message::new("form.per_page_between")));
                default_per_page
            }),
    };
    e.into_result().map(|()| (page, per_page))
}

/// A place input from an HTML form (checkbox groups repeat their key; equipment is one
/// per line), with the errors of values that are not even numbers. The input is always
/// returned, so that a form in error shows again everything that was typed.
pub fn place_input_from_form(pairs: &Pairs) -> (PlaceInput, ValidationErrors) {
    let mut e = ValidationErrors::default();
    let text = |k: &str| pairs.first(k).map(str::to_owned);
    let list =
        |k: &str| pairs.0.iter().filter(|(key, _)| key == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let mut number = |k: &str| -> Option<f64> {
        let v = pairs.first(k)?;
        match v.trim().replace(',', ".").parse::<f64>() {
            Ok(x) => Some(x),
            Err(_) => {
                e.push(invalid(k, Message::new("form.number_expected")));
                None
            }
        }
    };
    let latitude = number("latitude");
    let longitude = number("longitude");
    let version = match pairs.first("version") {
        Some(v) => match v.parse::<i64>() {
            Ok(v) => Some(v),
            Err(_) => {
                e.push(invalid("version", Message::new("form.invalid_version")));
                None
            }
        },
        None => None,
    };
    let input = PlaceInput {
        name: text("name"),
        types: list("types"),
        summary: text("summary"),
        description: text("description"),
        address: text("address"),
        postal_code: text("postal_code"),
        commune_code: text("commune_code"),
        commune_name: text("commune_name"),
        latitude,
        longitude,
        confirm_location: pairs.flag("confirm_location"),
        confirm_commune: pairs.flag("confirm_commune"),
        siret: text("siret"),
        rna: text("rna"),
        services: list("services"),
        equipment: pairs
            .first("equipment")
            .map(|v| v.lines().map(str::to_owned).collect())
            .unwrap_or_default(),
        opening_hours: text("opening_hours"),
        publics: list("publics"),
        support: list("support"),
        fees: list("fees"),
        access_modes: list("access_modes"),
        accessibility_url: text("accessibility_url"),
        labels: list("labels"),
        email: text("email"),
        phone: text("phone"),
        website: text("website"),
        status: text("status"),
        version,
    };
    (input, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_repeated_and_comma_separated_values() {
        let p = Pairs::parse(b"type=fablab&type=coworking,epn&departement=42&q=fabriques&open_now=1");
        let f = filter_from(&p, Utc::now()).unwrap();
        assert_eq!(f.types, [PlaceType::Fablab, PlaceType::Coworking, PlaceType::Epn]);
        assert_eq!(f.departement.as_deref(), Some("42"));
        assert!(f.text.is_some() && f.open_at.is_some());
    }

    #[test]
    fn bad_filters_name_their_parameter() {
        let p = Pairs::parse(b"type=bakery&bbox=1,2,3&near=abc&sort=random&open_at=hier");
        let e = filter_from(&p, Utc::now()).unwrap_err();
        let fields: Vec<_> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["type", "bbox", "near", "open_at", "sort"]);
    }

    #[test]
    fn form_bodies_decode_like_form_urlencoded_when_valid() {
        for raw in [
            &b"a=1&b=%C3%A9t%C3%A9+chaud&c=&d&e=%&f=%4&g=%zz&h=50%25&&i=a=b&%C3%A9=x"[..],
            b"q=%E2%80%AE&r=caf%C3%A9",
            b"",
        ] {
            let strict = Pairs::parse_form(raw).unwrap().0;
            assert_eq!(strict, Pairs::parse(raw).0, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn form_bodies_with_invalid_utf8_name_the_field_and_keep_the_rest() {
        let e = Pairs::parse_form(b"name=La+Forge&summary=caf%E9&address=x").unwrap_err();
        assert_eq!(e.field, "summary");
        assert_eq!(e.pairs.first("name"), Some("La Forge"));
        assert_eq!(e.pairs.first("summary"), Some("caf\u{FFFD}"));
        assert_eq!(e.error().code, "invalid_utf8");
        // Raw bytes (not percent-encoded) too, and in keys.
        assert_eq!(Pairs::parse_form(b"name=\xff").unwrap_err().field, "name");
        assert_eq!(Pairs::parse_form(b"na%FFme=x").unwrap_err().field, "na\u{FFFD}me");
        // A U+FFFD that was really typed is text.
        assert_eq!(Pairs::parse_form(b"name=%EF%BF%BD").unwrap().first("name"), Some("\u{FFFD}"));
    }

    #[test]
    fn paris_local_time_is_accepted() {
        let t = parse_instant("2026-07-14T10:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-07-14T08:30:00+00:00");
    }

    #[test]
    fn form_keeps_lists_and_reports_bad_numbers() {
        let p = Pairs::parse(b"name=X&types=fablab&types=epn&equipment=Laser%0AImprimante+3D&latitude=abc");
        let (kept, e) = place_input_from_form(&p);
        assert_eq!(e.errors[0].field, "latitude");
        assert_eq!(kept.name.as_deref(), Some("X"), "the rest is kept");
        let p =
            Pairs::parse(b"name=X&types=fablab&types=epn&equipment=Laser%0AImprimante+3D&latitude=45%2C5");
        let (input, e) = place_input_from_form(&p);
        assert!(e.is_empty());
        assert_eq!(input.types, ["fablab", "epn"]);
        assert_eq!(input.equipment, ["Laser", "Imprimante 3D"]);
        assert_eq!(input.latitude, Some(45.5));
    }
}
