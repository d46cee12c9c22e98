//! Specifications of the constrained field types: what is accepted, how it is normalised,
//! and what a person sees when their input is refused.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use maillage_domain::FieldError;
use maillage_domain::fields::{
    Coordinates, Email, InseeCode, OpeningHours, Phone, PostalCode, Rna, Siret, WebUrl, luhn_valid,
};
use proptest::prelude::*;

fn refused<T: std::fmt::Debug>(result: Result<T, FieldError>) -> FieldError {
    match result {
        Ok(value) => panic!("expected a refusal, got {value:?}"),
        Err(e) => e,
    }
}

fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("unambiguous Paris time")
        .with_timezone(&Utc)
}

// ---------------------------------------------------------------- SIRET

#[test]
fn siret_accepts_spaces_and_dots_and_keeps_digits_only() {
    assert_eq!(Siret::parse("732 829 320 00074").unwrap().as_str(), "73282932000074");
    assert_eq!(Siret::parse("732.829.320.00074").unwrap().as_str(), "73282932000074");
    assert_eq!(Siret::parse(" 73282932000074 ").unwrap().to_string(), "73282932000074");
}

#[test]
fn siret_exposes_siren_and_nic() {
    let siret = Siret::parse("73282932000074").unwrap();
    assert_eq!(siret.siren(), "732829320");
    assert_eq!(siret.nic(), "00074");
}

#[test]
fn siret_with_wrong_length_says_how_many_digits_were_found() {
    let e = refused(Siret::parse("7328293200007"));
    assert_eq!(e.code, "invalid_siret");
    assert!(e.message_fr().contains("14 chiffres"), "{}", e.message_fr());
    assert!(e.message_fr().contains("13 trouvés"), "{}", e.message_fr());
}

#[test]
fn siren_given_instead_of_siret_gets_a_hint() {
    let e = refused(Siret::parse("732829320"));
    assert!(e.message_fr().contains("SIREN"), "{}", e.message_fr());
}

#[test]
fn siret_with_bad_checksum_is_refused_with_a_luhn_message() {
    let e = refused(Siret::parse("73282932000075"));
    assert_eq!(e.code, "invalid_siret");
    assert!(e.message_fr().contains("clé de contrôle"), "{}", e.message_fr());
    assert!(!e.message_fr().contains("14 chiffres"));
}

#[test]
fn siret_with_letters_names_the_character() {
    let e = refused(Siret::parse("7328293200007A"));
    assert!(e.message_fr().contains("« A »"), "{}", e.message_fr());
}

#[test]
fn empty_siret_is_refused() {
    assert_eq!(refused(Siret::parse("   ")).code, "invalid_siret");
}

#[test]
fn la_poste_establishments_use_the_sum_of_digits_rule() {
    // Fails Luhn, but La Poste's SIRETs are valid when their digit sum is a multiple of 5.
    assert!(!luhn_valid("35600000010000"));
    assert!(Siret::parse("356 000 000 10000").is_ok());
    // Its head office also passes Luhn.
    assert!(Siret::parse("35600000000048").is_ok());
    // Neither rule holds.
    assert!(Siret::parse("35600000010001").is_err());
}

#[test]
fn siret_round_trips_through_json_and_refuses_bad_json() {
    let siret = Siret::parse("73282932000074").unwrap();
    let json = serde_json::to_string(&siret).unwrap();
    assert_eq!(json, "\"73282932000074\"");
    assert_eq!(serde_json::from_str::<Siret>(&json).unwrap(), siret);
    assert!(serde_json::from_str::<Siret>("\"12345678900000\"").is_err());
}

fn with_check_digit(first13: &str) -> String {
    (0..10).map(|d| format!("{first13}{d}")).find(|s| luhn_valid(s)).expect("one check digit always fits")
}

proptest! {
    #[test]
    fn any_luhn_valid_siret_round_trips(body in "[0-9]{13}") {
        let siret = with_check_digit(&body);
        let parsed = Siret::parse(&siret).unwrap();
        prop_assert_eq!(parsed.as_str(), siret.as_str());
        prop_assert_eq!(Siret::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn changing_one_digit_breaks_the_siret(body in "[0-9]{13}", pos in 0usize..14, delta in 1u8..10) {
        let siret = with_check_digit(&body);
        // La Poste's alternative rule can accept a changed digit by design.
        prop_assume!(!siret.starts_with("356000000"));
        let mut bytes = siret.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assume!(!changed.starts_with("356000000"));
        prop_assert!(Siret::parse(&changed).is_err());
    }
}

// ---------------------------------------------------------------- RNA

#[test]
fn rna_accepts_metropolitan_corsican_and_overseas_registries() {
    assert_eq!(Rna::parse("W751234567").unwrap().as_str(), "W751234567");
    assert_eq!(Rna::parse("w2a1000123").unwrap().as_str(), "W2A1000123");
    assert_eq!(Rna::parse("W9R2001234").unwrap().as_str(), "W9R2001234");
    assert_eq!(Rna::parse("W751 234 567").unwrap().as_str(), "W751234567");
}

#[test]
fn rna_without_w_explains_old_file_numbers_are_not_accepted() {
    let e = refused(Rna::parse("0751234567"));
    assert_eq!(e.code, "invalid_rna");
    assert!(e.message_fr().contains("commence par la lettre W"), "{}", e.message_fr());
    assert!(e.message_fr().contains("anciens numéros"), "{}", e.message_fr());
}

#[test]
fn rna_with_wrong_length_or_letters_in_the_serial_is_refused() {
    assert!(refused(Rna::parse("W75123456")).message_fr().contains("10 caractères"));
    assert!(refused(Rna::parse("W75123456A")).message_fr().contains("6 chiffres"));
    assert!(refused(Rna::parse("WAB1234567")).message_fr().contains("code du greffe"));
}

// ---------------------------------------------------------------- Email

#[test]
fn email_lower_cases_the_domain_only() {
    let email = Email::parse("  Contact.Lieu@Exemple.FR ").unwrap();
    assert_eq!(email.as_str(), "Contact.Lieu@exemple.fr");
    assert_eq!(email.domain(), "exemple.fr");
    assert_eq!(Email::parse("mailto:a@b.fr").unwrap().as_str(), "a@b.fr");
}

#[test]
fn email_accepts_plus_addressing_and_subdomains() {
    assert!(Email::parse("jean-marie+lieux@mail.tiers-lieux.org").is_ok());
    assert!(Email::parse("élodie@médiathèque.fr").is_ok());
}

#[test]
fn email_refusals_say_what_is_wrong() {
    assert!(refused(Email::parse("contact.exemple.fr")).message_fr().contains("Il manque le « @ »"));
    assert!(refused(Email::parse("a@b@c.fr")).message_fr().contains("un seul « @ »"));
    assert!(refused(Email::parse("@exemple.fr")).message_fr().contains("avant le « @ »"));
    assert!(refused(Email::parse("contact@exemple")).message_fr().contains("point"));
    assert!(refused(Email::parse("contact@exemple..fr")).message_fr().contains("point en trop"));
    assert!(refused(Email::parse("contact@-exemple.fr")).message_fr().contains("tiret"));
    assert!(refused(Email::parse("con tact@exemple.fr")).message_fr().contains("espace"));
    assert!(refused(Email::parse("a<b>@exemple.fr")).message_fr().contains("non autorisés"));
    assert!(refused(Email::parse("")).message_fr().contains("vide"));
    assert_eq!(refused(Email::parse("x@1.2")).code, "invalid_email");
}

#[test]
fn email_longer_than_254_characters_is_refused() {
    let long = format!("{}@{}.fr", "a".repeat(60), "b".repeat(200));
    assert!(refused(Email::parse(&long)).message_fr().contains("trop longue"));
}

// ---------------------------------------------------------------- Phone

#[test]
fn french_numbers_in_every_usual_writing_normalise_to_e164() {
    for input in [
        "01 23 45 67 89",
        "01.23.45.67.89",
        "01-23-45-67-89",
        "0123456789",
        "+33 1 23 45 67 89",
        "+33123456789",
        "0033 1 23 45 67 89",
        "+33 (0)1 23 45 67 89",
        "+33 01 23 45 67 89",
    ] {
        assert_eq!(Phone::parse(input).unwrap().as_str(), "+33123456789", "input {input}");
    }
}

#[test]
fn french_numbers_display_in_pairs() {
    assert_eq!(Phone::parse("+33612345678").unwrap().display_national(), "06 12 34 56 78");
    assert!(Phone::parse("06 12 34 56 78").unwrap().is_french());
}

#[test]
fn overseas_prefixes_get_their_own_country_code() {
    let cases = [
        ("0262 12 34 56", "+262262123456"), // La Réunion
        ("0692 12 34 56", "+262692123456"),
        ("0269 61 23 45", "+262269612345"), // Mayotte
        ("0639 12 34 56", "+262639123456"),
        ("0590 12 34 56", "+590590123456"), // Guadeloupe
        ("0690 12 34 56", "+590690123456"),
        ("0691 12 34 56", "+590691123456"),
        ("0594 12 34 56", "+594594123456"), // Guyane
        ("0694 12 34 56", "+594694123456"),
        ("0596 12 34 56", "+596596123456"), // Martinique
        ("0696 12 34 56", "+596696123456"),
        ("0697 12 34 56", "+596697123456"),
        ("+33 262 12 34 56", "+262262123456"),
        ("+262 262 12 34 56", "+262262123456"),
    ];
    for (input, e164) in cases {
        let phone = Phone::parse(input).unwrap();
        assert_eq!(phone.as_str(), e164, "input {input}");
        assert!(phone.is_french());
    }
    assert_eq!(Phone::parse("+262262123456").unwrap().display_national(), "02 62 12 34 56");
}

#[test]
fn foreign_numbers_keep_their_e164_form() {
    let be = Phone::parse("+32 2 123 45 67").unwrap();
    assert_eq!(be.as_str(), "+3221234567");
    assert_eq!(be.display_national(), "+3221234567");
    assert!(!be.is_french());
    assert_eq!(Phone::parse("0041 22 123 45 67").unwrap().as_str(), "+41221234567");
}

#[test]
fn phone_refusals_say_what_is_wrong() {
    assert!(refused(Phone::parse("01 23 45 67")).message_fr().contains("10 chiffres"));
    assert!(refused(Phone::parse("01 23 45 67 89 10")).message_fr().contains("12 chiffres trouvés"));
    assert!(refused(Phone::parse("+33 1 23 45")).message_fr().contains("9 chiffres"));
    assert!(refused(Phone::parse("+1 234")).message_fr().contains("8 à 15 chiffres"));
    assert!(refused(Phone::parse("+1234567890123456")).message_fr().contains("8 à 15 chiffres"));
    assert!(refused(Phone::parse("01 ab 45 67 89")).message_fr().contains("lettres"));
    assert!(refused(Phone::parse("01#23#45#67#89")).message_fr().contains("« # »"));
    assert!(refused(Phone::parse("00 00 00 00 00")).message_fr().contains("indicatif"));
    assert!(refused(Phone::parse("")).message_fr().contains("vide"));
    assert_eq!(refused(Phone::parse("123")).code, "invalid_phone");
}

proptest! {
    #[test]
    fn phone_normalisation_is_idempotent(
        trunk in "[1-9]",
        rest in "[0-9]{8}",
        style in 0usize..4,
    ) {
        let national = format!("0{trunk}{rest}");
        let written = match style {
            0 => national.clone(),
            1 => national.as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(" "),
            2 => format!("+33 {}", &national[1..]),
            _ => format!("0033{}", &national[1..]),
        };
        let phone = Phone::parse(&written).unwrap();
        prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone.clone());
        prop_assert_eq!(Phone::parse(&phone.display_national()).unwrap(), phone);
    }

    #[test]
    fn international_normalisation_is_idempotent(cc in "[1-9]", rest in "[0-9]{7,13}") {
        if let Ok(phone) = Phone::parse(&format!("+{cc}{rest}")) {
            prop_assert_eq!(Phone::parse(phone.as_str()).unwrap(), phone);
        }
    }
}

// ---------------------------------------------------------------- WebUrl

#[test]
fn bare_domains_get_https() {
    assert_eq!(WebUrl::parse("www.exemple.fr").unwrap().as_str(), "https://www.exemple.fr");
    assert_eq!(WebUrl::parse("exemple.fr/lieu?id=3").unwrap().as_str(), "https://exemple.fr/lieu?id=3");
    assert_eq!(WebUrl::parse("exemple.fr:8080/x").unwrap().as_str(), "https://exemple.fr:8080/x");
}

#[test]
fn http_and_https_are_kept_with_scheme_and_host_lower_cased() {
    assert_eq!(WebUrl::parse("HTTP://Exemple.FR/Page").unwrap().as_str(), "http://exemple.fr/Page");
    let url = WebUrl::parse("https://acceslibre.beta.gouv.fr/app/erp/mediatheque-13/").unwrap();
    assert_eq!(url.host(), "acceslibre.beta.gouv.fr");
}

#[test]
fn other_schemes_and_unreachable_hosts_are_refused() {
    assert!(refused(WebUrl::parse("ftp://exemple.fr")).message_fr().contains("http:// ou https://"));
    assert!(refused(WebUrl::parse("javascript:alert(1)")).message_fr().contains("« javascript: »"));
    assert!(refused(WebUrl::parse("mailto:contact@exemple.fr")).message_fr().contains("http"));
    assert!(refused(WebUrl::parse("http://localhost:8080")).message_fr().contains("localhost"));
    assert!(refused(WebUrl::parse("https://intranet/")).message_fr().contains("point"));
    assert!(refused(WebUrl::parse("https://exemple.fr/a b")).message_fr().contains("espace"));
    assert!(refused(WebUrl::parse("https://user:pw@exemple.fr")).message_fr().contains("mot de passe"));
    assert!(refused(WebUrl::parse("https://exemple.fr:port")).message_fr().contains("port"));
    assert_eq!(refused(WebUrl::parse("")).code, "invalid_url");
}

#[test]
fn urls_longer_than_2000_characters_are_refused() {
    let long = format!("https://exemple.fr/{}", "a".repeat(2000));
    assert!(refused(WebUrl::parse(&long)).message_fr().contains("trop longue"));
}

// ---------------------------------------------------------------- Postal code and INSEE code

#[test]
fn postal_codes_keep_leading_zeros_and_get_back_a_dropped_one() {
    assert_eq!(PostalCode::parse("01000").unwrap().as_str(), "01000");
    assert_eq!(PostalCode::parse("1000").unwrap().as_str(), "01000");
    assert_eq!(PostalCode::parse("75 001").unwrap().as_str(), "75001");
    assert_eq!(PostalCode::parse("97400").unwrap().as_str(), "97400");
}

#[test]
fn postal_code_refusals_say_what_is_wrong() {
    assert!(refused(PostalCode::parse("100")).message_fr().contains("5 chiffres (3 trouvés)"));
    assert!(refused(PostalCode::parse("750011")).message_fr().contains("5 chiffres (6 trouvés)"));
    assert!(refused(PostalCode::parse("75OO1")).message_fr().contains("que des chiffres"));
    assert!(refused(PostalCode::parse("00100")).message_fr().contains("n'existe pas"));
    assert_eq!(refused(PostalCode::parse("")).code, "invalid_postal_code");
}

#[test]
fn insee_codes_cover_corsica_and_overseas() {
    assert_eq!(InseeCode::parse("69123").unwrap().as_str(), "69123");
    assert_eq!(InseeCode::parse("2a004").unwrap().as_str(), "2A004");
    assert_eq!(InseeCode::parse("1001").unwrap().as_str(), "01001");
    let reunion = InseeCode::parse("97411").unwrap();
    assert_eq!(reunion.departement(), "974");
    assert_eq!(InseeCode::parse("2B033").unwrap().departement(), "2B");
    assert!(InseeCode::parse("98818").is_ok());
}

#[test]
fn insee_code_refusals_say_what_is_wrong() {
    assert!(refused(InseeCode::parse("20004")).message_fr().contains("2A"));
    assert!(refused(InseeCode::parse("96001")).message_fr().contains("aucun département"));
    assert!(refused(InseeCode::parse("99123")).message_fr().contains("aucun département"));
    assert!(refused(InseeCode::parse("97912")).message_fr().contains("aucun département"));
    assert!(refused(InseeCode::parse("2C004")).message_fr().contains("mal formé"));
    assert!(refused(InseeCode::parse("690001")).message_fr().contains("5 caractères"));
    assert_eq!(refused(InseeCode::parse("")).code, "invalid_insee_code");
}

// ---------------------------------------------------------------- Coordinates

#[test]
fn points_in_every_territory_are_accepted() {
    let points = [
        (48.8566, 2.3522, "France métropolitaine"),  // Paris
        (41.9192, 8.7386, "France métropolitaine"),  // Ajaccio
        (48.4584, -5.0925, "France métropolitaine"), // Ouessant
        (16.2411, -61.5331, "Guadeloupe"),
        (14.6161, -61.0588, "Martinique"),
        (4.9372, -52.3260, "Guyane"),
        (-20.8823, 55.4504, "La Réunion"),
        (-12.7806, 45.2279, "Mayotte"),
        (46.7811, -56.1764, "Saint-Pierre-et-Miquelon"),
        (17.8962, -62.8498, "Saint-Barthélemy"),
        (18.0679, -63.0825, "Saint-Martin"),
        (-13.2825, -176.1740, "Wallis-et-Futuna"),
        (-17.5350, -149.5696, "Polynésie française"),
        (-22.2758, 166.4580, "Nouvelle-Calédonie"),
    ];
    for (lat, lon, territory) in points {
        let c = Coordinates::parse(lat, lon).unwrap_or_else(|e| panic!("{territory}: {e}"));
        assert_eq!(c.territory().map(|t| t.name), Some(territory));
    }
}

#[test]
fn each_territory_knows_its_time_zone() {
    assert_eq!(Coordinates::parse(48.8566, 2.3522).unwrap().timezone(), chrono_tz::Europe::Paris);
    assert_eq!(Coordinates::parse(-20.8823, 55.4504).unwrap().timezone(), chrono_tz::Indian::Reunion);
    assert_eq!(Coordinates::parse(-22.2758, 166.4580).unwrap().timezone(), chrono_tz::Pacific::Noumea);
}

#[test]
fn points_abroad_are_refused_as_outside_france() {
    for (lat, lon) in [(40.4168, -3.7038), (52.52, 13.405), (-33.87, 151.21)] {
        let e = refused(Coordinates::parse(lat, lon));
        assert_eq!(e.code, "outside_france");
        assert!(e.message_fr().contains("aucun territoire français"), "{}", e.message_fr());
        assert!(!e.message_fr().contains("inversées"));
    }
}

#[test]
fn null_island_is_refused_as_missing_coordinates() {
    let e = refused(Coordinates::parse(0.0, 0.0));
    assert_eq!(e.code, "outside_france");
    assert!(e.message_fr().contains("manquantes"), "{}", e.message_fr());
}

#[test]
fn swapped_latitude_and_longitude_get_a_hint() {
    // Paris with latitude and longitude swapped.
    let e = refused(Coordinates::parse(2.3522, 48.8566));
    assert_eq!(e.code, "outside_france");
    assert!(e.message_fr().contains("Latitude et longitude inversées ?"), "{}", e.message_fr());
    // Réunion swapped: the longitude 55 is a valid latitude but the point is in Kazakhstan.
    let e = refused(Coordinates::parse(55.4504, -20.8823));
    assert!(e.message_fr().contains("inversées"), "{}", e.message_fr());
    // Nouméa swapped: latitude out of range.
    let e = refused(Coordinates::parse(166.458, -22.2758));
    assert_eq!(e.code, "invalid_coordinates");
    assert!(e.message_fr().contains("inversées"), "{}", e.message_fr());
}

#[test]
fn non_numbers_and_out_of_range_values_are_invalid() {
    assert_eq!(refused(Coordinates::parse(f64::NAN, 2.0)).code, "invalid_coordinates");
    assert_eq!(refused(Coordinates::parse(48.0, f64::INFINITY)).code, "invalid_coordinates");
    let e = refused(Coordinates::parse(95.0, 2.0));
    assert!(e.message_fr().contains("de -90 à 90"), "{}", e.message_fr());
}

#[test]
fn distance_between_paris_and_lyon_is_about_392_km() {
    let paris = Coordinates::parse(48.8566, 2.3522).unwrap();
    let lyon = Coordinates::parse(45.7640, 4.8357).unwrap();
    let d = paris.distance_km(&lyon);
    assert!((d - 392.0).abs() < 3.0, "{d}");
}

// ---------------------------------------------------------------- Opening hours

#[test]
fn opening_hours_keep_the_normalised_text() {
    let oh = OpeningHours::parse("  Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 ").unwrap();
    assert_eq!(oh.as_str(), "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00");
    assert_eq!(OpeningHours::parse(oh.as_str()).unwrap(), oh);
    let json = serde_json::to_string(&oh).unwrap();
    assert_eq!(serde_json::from_str::<OpeningHours>(&json).unwrap(), oh);
}

#[test]
fn invalid_opening_hours_say_where_in_french_with_an_example_never_the_parser_report() {
    let e = refused(OpeningHours::parse("lundi au vendredi 9h-18h"));
    assert_eq!(e.code, "invalid_opening_hours");
    let fr = e.message_fr();
    assert!(fr.starts_with("Horaires illisibles à partir du caractère 1 (« lundi au vendredi 9h »)"), "{fr}");
    assert!(fr.contains("Mo-Fr 09:00-12:00,14:00-18:00"), "an example to copy: {fr}");
    assert!(!fr.contains('\n'), "one line for forms: {fr}");
    for report_word in ["expected", "-->", "Rule", "position"] {
        assert!(!fr.contains(report_word), "no parser report in {fr}");
    }
    let later = refused(OpeningHours::parse("Mo-Fr 09:00-18:00; Sa 10h")).message_fr();
    assert!(later.contains("caractère 23 (« 10h »)") || later.contains("(« Sa 10h »)"), "{later}");
    assert!(refused(OpeningHours::parse("lundi")).message_en().starts_with("Opening hours unreadable"));
    assert!(refused(OpeningHours::parse("")).message_fr().contains("vides"));
    assert!(serde_json::from_str::<OpeningHours>("\"n'importe quoi\"").is_err());
}

#[test]
fn the_week_reads_each_day_and_what_public_holidays_change() {
    // From Monday 7 December 2026.
    let from = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let week =
        OpeningHours::parse("Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-12:00; PH off").unwrap().week(from);
    let spans = |d: usize| week.days[d].iter().map(|s| format!("{}-{}", s.start, s.end)).collect::<Vec<_>>();
    assert_eq!(spans(0), ["09:00-12:00", "14:00-18:00"]);
    assert_eq!(spans(5), ["10:00-12:00"]);
    assert!(week.days[6].is_empty(), "Sunday closed");
    assert_eq!(week.public_holidays, Some(vec![]), "closed on public holidays");
    // Christmas falls on a Friday in 2026: Friday still shows its usual hours.
    let christmas_week = chrono::NaiveDate::from_ymd_opt(2026, 12, 21).unwrap();
    let week = OpeningHours::parse("Mo-Fr 09:00-18:00; PH off").unwrap().week(christmas_week);
    assert_eq!(week.days[4].len(), 1);
    assert_eq!(OpeningHours::parse("Mo-Fr 09:00-18:00").unwrap().week(from).public_holidays, None);
}

#[test]
fn weekday_hours_are_open_in_paris_local_time() {
    let oh = OpeningHours::parse("Mo-Fr 09:00-18:00").unwrap();
    // Tuesday 7 July 2026: 09:30 in Paris is 07:30 UTC (summer time).
    assert!(oh.is_open_at(paris(2026, 7, 7, 9, 30)));
    assert!(!oh.is_open_at(Utc.with_ymd_and_hms(2026, 7, 7, 6, 30, 0).unwrap()));
    assert!(!oh.is_open_at(paris(2026, 7, 7, 18, 0)));
    assert!(!oh.is_open_at(paris(2026, 7, 11, 10, 0))); // Saturday
    // Winter time: 08:30 UTC is 09:30 in Paris.
    assert!(oh.is_open_at(Utc.with_ymd_and_hms(2026, 1, 6, 8, 30, 0).unwrap()));
}

#[test]
fn public_holidays_off_close_on_french_holidays() {
    let oh = OpeningHours::parse("Mo-Fr 09:00-18:00; PH off").unwrap();
    assert!(!oh.is_open_at(paris(2026, 7, 14, 10, 0)), "14 July 2026 is a Tuesday holiday");
    assert!(!oh.is_open_at(paris(2026, 12, 25, 10, 0)), "Christmas 2026 is a Friday");
    assert!(!oh.is_open_at(paris(2026, 5, 1, 10, 0)), "1 May");
    assert!(oh.is_open_at(paris(2026, 7, 15, 10, 0)), "the day after is an ordinary Wednesday");
    let date = NaiveDate::from_ymd_opt(2026, 11, 11).unwrap();
    assert!(!oh.is_open_on(date, NaiveTime::from_hms_opt(10, 0, 0).unwrap()));
}

#[test]
fn is_open_on_uses_local_wall_clock() {
    let oh = OpeningHours::parse("Tu-Fr 09:00-12:00,14:00-17:00").unwrap();
    let tuesday = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
    assert!(oh.is_open_on(tuesday, NaiveTime::from_hms_opt(11, 59, 0).unwrap()));
    assert!(!oh.is_open_on(tuesday, NaiveTime::from_hms_opt(12, 30, 0).unwrap()));
    let monday = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    assert!(!oh.is_open_on(monday, NaiveTime::from_hms_opt(10, 0, 0).unwrap()));
}

#[test]
fn overseas_places_are_evaluated_in_their_own_zone() {
    let oh = OpeningHours::parse("Mo-Fr 08:00-12:00").unwrap();
    // Tuesday 7 July 2026 at 05:00 UTC: 09:00 in La Réunion (UTC+4), 07:00 in Paris.
    let at = Utc.with_ymd_and_hms(2026, 7, 7, 5, 0, 0).unwrap();
    assert!(oh.is_open_at_tz(at, chrono_tz::Indian::Reunion));
    assert!(!oh.is_open_at(at));
}

#[test]
fn next_change_is_the_next_opening_or_closing_instant() {
    let oh = OpeningHours::parse("Mo-Fr 09:00-18:00; PH off").unwrap();
    assert_eq!(oh.next_change(paris(2026, 7, 7, 10, 0)), Some(paris(2026, 7, 7, 18, 0)));
    // Monday 13 July evening: Tuesday 14 is a holiday, so it opens on Wednesday.
    assert_eq!(oh.next_change(paris(2026, 7, 13, 19, 0)), Some(paris(2026, 7, 15, 9, 0)));
    assert_eq!(OpeningHours::parse("24/7").unwrap().next_change(paris(2026, 7, 7, 10, 0)), None);
}

#[test]
fn next_change_crosses_the_spring_clock_change() {
    // Sunday 29 March 2026: clocks jump from 02:00 to 03:00 in Paris.
    let oh = OpeningHours::parse("Su 02:30-10:00").unwrap();
    let before = paris(2026, 3, 29, 1, 0);
    assert_eq!(oh.next_change(before), Some(paris(2026, 3, 29, 3, 0)));
}
