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
use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
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
            let message = match stop_position(&e.to_string()) {
                Some(at) => {
                    let rest: String = v.chars().skip(at.saturating_sub(1)).take(20).collect();
                    Message::new("field.hours.unreadable_from").with("at", at).with("rest", rest.trim_end())
                }
                None => Message::new("field.hours.unreadable"),
            };
            invalid_hours(message)
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

/// Where the parser stopped, as a character position in `text` (1-based), from its
/// report (`--> 1:7`); the report itself (grammar rule names) is not for people.
fn stop_position(report: &str) -> Option<usize> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("-->"))
        .and_then(|p| p.trim().rsplit(':').next()?.parse().ok())
}

/// A span of a day, from `start` to `end` (`"10:00"`, `"18:00"`; an end past midnight is
/// written `24:00` or more, as in the OSM syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: String,
    pub end: String,
    /// The place says it may be open then, without promising it (`unknown` in the syntax).
    pub uncertain: bool,
}

/// A day's hours: the spans it is open (empty: closed all day).
pub type DayHours = Vec<Span>;

/// The week as people read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// Monday to Sunday, each taken on the next date with that weekday that is not a
    /// public holiday, so that a holiday does not pass for the usual hours.
    pub days: [DayHours; 7],
    /// The hours of public holidays when they differ from the usual day's (`Some(vec![])`
    /// for "closed on public holidays"), `None` when the hours say nothing of them.
    pub public_holidays: Option<DayHours>,
}

impl OpeningHours {
    /// The usual week from `from` (a local date of the place), and what public holidays
    /// change. Evaluated on real dates, so it follows every rule of the syntax (weeks,
    /// months, holidays) as it applies in the coming weeks.
    pub fn week(&self, from: NaiveDate) -> Week {
        let holidays = Country::FR.holidays();
        let public = holidays.get_public();
        let is_holiday = |d: NaiveDate| public.contains(d);
        let mut days: [DayHours; 7] = Default::default();
        for (i, day) in days.iter_mut().enumerate() {
            // The next date with this weekday that is not a holiday (within five weeks).
            let first = from
                + chrono::Duration::days(
                    ((i as i64) - from.weekday().num_days_from_monday() as i64).rem_euclid(7),
                );
            let date =
                (0..5).map(|w| first + chrono::Duration::weeks(w)).find(|d| !is_holiday(*d)).unwrap_or(first);
            *day = self.day(date);
        }
        let public_holidays = public.first_after(from - chrono::Duration::days(1)).and_then(|holiday| {
            let on_holiday = self.day(holiday);
            let usual = &days[holiday.weekday().num_days_from_monday() as usize];
            (on_holiday != *usual).then_some(on_holiday)
        });
        Week { days, public_holidays }
    }

    /// The open spans of one local date.
    fn day(&self, date: NaiveDate) -> DayHours {
        let time = |t: &opening_hours_syntax::ExtendedTime| format!("{:02}:{:02}", t.hour(), t.minute());
        self.expr
            .schedule_at(date)
            .into_iter()
            .filter(|r| r.kind != opening_hours::RuleKind::Closed)
            .map(|r| Span {
                start: time(&r.range.start),
                end: time(&r.range.end),
                uncertain: r.kind == opening_hours::RuleKind::Unknown,
            })
            .collect()
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
