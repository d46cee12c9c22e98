//! Opening hours in OpenStreetMap `opening_hours` syntax, evaluated in local time with
//! French public holidays.
//!
//! Evaluation works on the place's local wall-clock time: callers pass the place's time
//! zone to [`OpeningHours::is_open_at_tz`] (`Europe/Paris` for the metropole and Corsica,
//! [`Coordinates::timezone`](super::Coordinates::timezone) gives it for overseas places);
//! the methods without a zone use `Europe/Paris`. `PH` (public holiday) rules use the French
//! national holidays shipped with the `opening-hours` crate (from the Nager.Date
//! database); regional days off (Alsace-Moselle's Good Friday and 26 December, the
//! abolition-of-slavery days overseas) are not in it.

use crate::FieldError;
use crate::messages::Message;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours as Expr};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

pub const HOURS_MAX: usize = 1000;

/// Expressions already parsed, by their text. Places share a few thousand distinct
/// values at most (a network's usual hours), and a parsed expression weighs about a
/// kilobyte: each distinct text is parsed and held once, its clones share it (`Arc`).
/// Bounded: past [`PARSED_MAX`] texts it starts afresh.
struct ParsedCache(std::sync::Mutex<std::collections::HashMap<String, OpeningHours>>);

const PARSED_MAX: usize = 20_000;

impl ParsedCache {
    fn get(&self, text: &str) -> Option<OpeningHours> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned()
    }
    fn put(&self, text: &str, hours: &OpeningHours) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PARSED_MAX {
            map.clear();
        }
        map.insert(text.to_owned(), hours.clone());
    }
}

fn parsed_cache() -> &'static ParsedCache {
    static CACHE: std::sync::LazyLock<ParsedCache> =
        std::sync::LazyLock::new(|| ParsedCache(Default::default()));
    &CACHE
}
const PARIS: Tz = chrono_tz::Europe::Paris;

/// A parsed `opening_hours` value. Its canonical text is the parser's rendering of the
/// expression (`mo-fr 9:00-18:00` becomes `Mo-Fr 09:00-18:00`), which is what is stored
/// and shown.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OpeningHours {
    text: String,
    expr: Expr,
}

impl OpeningHours {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(invalid_hours(Message::new("field.hours.opening_hours_are_empty")));
        }
        if v.chars().count() > HOURS_MAX {
            return Err(invalid_hours(
                Message::new("field.hours.opening_hours_too_long").with("max", HOURS_MAX),
            ));
        }
        if let Some(known) = parsed_cache().get(v) {
            return Ok(known.clone());
        }
        let parsed = Expr::from_str(v).map_err(|e| {
            let detail = explain(&e.to_string());
            invalid_hours(Message::new("field.hours.invalid_opening_hours_they").with("detail", &detail))
        })?;
        let expr = parsed.with_context(Context::default().with_holidays(Country::FR.holidays()));
        let hours = Self { text: expr.to_string(), expr };
        parsed_cache().put(v, &hours);
        Ok(hours)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the place is open at this instant, in Europe/Paris local time.
    pub fn is_open_at(&self, at: DateTime<Utc>) -> bool {
        self.is_open_at_tz(at, PARIS)
    }

    /// Whether the place is open at this instant, in the given time zone (the place's).
    pub fn is_open_at_tz(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        self.expr.is_open(at.with_timezone(&tz).naive_local())
    }

    /// Whether the place is open on this local date and time (Europe/Paris wall clock, or
    /// the place's own for overseas places: no conversion is made).
    pub fn is_open_on(&self, date: NaiveDate, time: NaiveTime) -> bool {
        self.expr.is_open(NaiveDateTime::new(date, time))
    }

    /// The next instant the state (open/closed) changes, in Europe/Paris; `None` when it
    /// never changes (`24/7`, `off`).
    pub fn next_change(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_change_tz(at, PARIS)
    }

    /// [`Self::next_change`] in the given time zone.
    pub fn next_change_tz(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = self.expr.next_change(at.with_timezone(&tz).naive_local())?;
        Some(to_utc(tz, local))
    }
}

/// A local time that falls in a daylight-saving gap (02:30 on the last Sunday of March)
/// does not exist: the change happens at the end of the gap.
fn to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    loop {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => return dt.with_timezone(&Utc),
            LocalResult::None => probe += chrono::Duration::minutes(1),
        }
    }
}

/// The parser's message is a multi-line report (position, source line, caret, expected
/// tokens); forms show one line.
fn explain(message: &str) -> String {
    let mut position = None;
    let mut expected = Vec::new();
    for line in message.lines() {
        let t = line.trim();
        if let Some(p) = t.strip_prefix("-->") {
            position = Some(p.trim().to_owned());
        } else if let Some(e) = t.strip_prefix('=') {
            expected.push(e.trim().to_owned());
        }
    }
    match (position, expected.is_empty()) {
        (Some(p), false) => format!("position {p} : {}", expected.join(" ")),
        (Some(p), true) => format!("position {p}"),
        (None, _) => message.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

fn invalid_hours(message: Message) -> FieldError {
    FieldError::new("", "invalid_opening_hours", message)
}

impl PartialEq for OpeningHours {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for OpeningHours {}

impl std::fmt::Debug for OpeningHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("OpeningHours").field(&self.text).finish()
    }
}

impl std::fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for OpeningHours {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<OpeningHours> for String {
    fn from(value: OpeningHours) -> String {
        value.text
    }
}
