//! Opening hours as people read them: a weekly table in the page's language, consecutive
//! days with the same hours on one line ("lundi – vendredi : 10:00–18:00"), what public
//! holidays change, and the state now ("Fermé — ouvre mardi à 10:00"). The OSM syntax
//! itself is only in exports and in the edit form.

use crate::context::Lang;
use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use maillage_domain::fields::{DayHours, OpeningHours};
use maillage_domain::messages::{Message, text};

/// What the place page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursView {
    /// "Ouvert — ferme à 18:00", "Fermé — ouvre mardi à 10:00".
    pub status: String,
    pub open_now: bool,
    /// (days, hours) lines, Monday first.
    pub rows: Vec<(String, String)>,
}

fn day_name(lang: Lang, weekday: usize) -> &'static str {
    const KEYS: [&str; 7] = ["day.0", "day.1", "day.2", "day.3", "day.4", "day.5", "day.6"];
    text(lang, KEYS[weekday % 7])
}

fn spans(lang: Lang, day: &DayHours) -> String {
    if day.is_empty() {
        return text(lang, "hours.closed").to_owned();
    }
    day.iter()
        .map(|s| {
            let span = Message::new("hours.span").with("start", &s.start).with("end", &s.end);
            if s.uncertain { Message::new("hours.uncertain").with_message("span", span) } else { span }
                .render(lang)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The view of a place's hours at `now`, in the place's time zone.
pub fn hours_view(hours: &OpeningHours, now: DateTime<Utc>, tz: Tz, lang: Lang) -> HoursView {
    let local = now.with_timezone(&tz);
    let week = hours.week(local.date_naive());
    let mut rows = Vec::new();
    let mut i = 0;
    while i < 7 {
        let mut j = i;
        while j + 1 < 7 && week.days[j + 1] == week.days[i] {
            j += 1;
        }
        let days = if i == j {
            day_name(lang, i).to_owned()
        } else {
            Message::new("hours.days")
                .with("from", day_name(lang, i))
                .with("to", day_name(lang, j))
                .render(lang)
        };
        rows.push((days, spans(lang, &week.days[i])));
        i = j + 1;
    }
    if let Some(holidays) = &week.public_holidays {
        rows.push((text(lang, "hours.public_holidays").to_owned(), spans(lang, holidays)));
    }
    let open_now = hours.is_open_at_tz(now, tz);
    let status = match hours.next_change_tz(now, tz) {
        None if open_now => Message::new("hours.always_open"),
        None => Message::new("hours.closed_now"),
        Some(change) => {
            let at = change.with_timezone(&tz);
            let time = at.format("%H:%M").to_string();
            let days_ahead = (at.date_naive() - local.date_naive()).num_days();
            let day = day_name(lang, at.weekday().num_days_from_monday() as usize);
            match (open_now, days_ahead) {
                (true, 0) => Message::new("hours.open_until").with("time", time),
                (true, _) => Message::new("hours.open_until_day").with("day", day).with("time", time),
                (false, 0) => Message::new("hours.closed_until").with("time", time),
                (false, 1) => Message::new("hours.closed_until_tomorrow").with("time", time),
                // Beyond a week the weekday alone would mislead: say the date.
                (false, 2..=6) => Message::new("hours.closed_until_day").with("day", day).with("time", time),
                (false, _) => Message::new("hours.closed_until_day")
                    .with("day", format!("{day} {}", at.format("%d/%m")))
                    .with("time", time),
            }
        }
    };
    HoursView { status: status.render(lang), open_now, rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Europe::Paris.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
    }

    fn view(text: &str, at: DateTime<Utc>, lang: Lang) -> HoursView {
        hours_view(&OpeningHours::parse(text).unwrap(), at, chrono_tz::Europe::Paris, lang)
    }

    #[test]
    fn a_weekday_schedule_reads_as_a_few_lines_in_french() {
        // Monday 7 December 2026, 09:00.
        let v = view("Mo-Fr 10:00-18:00; Sa 10:00-12:00; PH off", paris(2026, 12, 7, 9, 0), Lang::Fr);
        assert_eq!(
            v.rows,
            vec![
                ("lundi – vendredi".to_owned(), "10:00–18:00".to_owned()),
                ("samedi".to_owned(), "10:00–12:00".to_owned()),
                ("dimanche".to_owned(), "fermé".to_owned()),
                ("Jours fériés".to_owned(), "fermé".to_owned()),
            ]
        );
        assert_eq!(v.status, "Fermé — ouvre à 10:00");
        assert!(!v.open_now);
    }

    #[test]
    fn the_state_names_the_next_opening_day_and_speaks_english_too() {
        // Saturday 12 December 2026, 13:00: closed until Monday 10:00.
        let v = view("Mo-Fr 10:00-18:00; Sa 10:00-12:00", paris(2026, 12, 12, 13, 0), Lang::En);
        assert_eq!(v.status, "Closed — opens Monday at 10:00");
        assert_eq!(v.rows[0], ("Monday – Friday".to_owned(), "10:00–18:00".to_owned()));
        let fr = view("Mo-Fr 10:00-18:00", paris(2026, 12, 10, 11, 0), Lang::Fr);
        assert_eq!(fr.status, "Ouvert — ferme à 18:00");
        let tomorrow = view("Mo-Fr 10:00-18:00", paris(2026, 12, 10, 19, 0), Lang::Fr);
        assert_eq!(tomorrow.status, "Fermé — ouvre demain à 10:00");
    }

    #[test]
    fn split_days_and_always_open_places() {
        let v = view("Tu,Th 09:00-12:00,14:00-17:30", paris(2026, 12, 7, 9, 0), Lang::Fr);
        assert_eq!(v.rows[0], ("lundi".to_owned(), "fermé".to_owned()));
        assert_eq!(v.rows[1], ("mardi".to_owned(), "09:00–12:00, 14:00–17:30".to_owned()));
        assert_eq!(v.rows.len(), 5, "{:?}", v.rows);
        let always = view("24/7", paris(2026, 12, 7, 9, 0), Lang::Fr);
        assert_eq!(always.status, "Ouvert en permanence");
        assert_eq!(always.rows, vec![("lundi – dimanche".to_owned(), "00:00–24:00".to_owned())]);
    }

    #[test]
    fn a_holiday_this_week_does_not_pass_for_the_usual_hours() {
        // Monday 21 December 2026; Friday 25 December is Christmas.
        let v = view("Mo-Fr 10:00-18:00; PH off", paris(2026, 12, 21, 9, 0), Lang::Fr);
        assert_eq!(v.rows[0], ("lundi – vendredi".to_owned(), "10:00–18:00".to_owned()));
        assert_eq!(v.rows.last().unwrap(), &("Jours fériés".to_owned(), "fermé".to_owned()));
        // Hours that say nothing of holidays get no holiday line.
        let plain = view("Mo-Fr 10:00-18:00", paris(2026, 12, 21, 9, 0), Lang::Fr);
        assert!(plain.rows.iter().all(|(d, _)| d != "Jours fériés"), "{:?}", plain.rows);
    }
}
