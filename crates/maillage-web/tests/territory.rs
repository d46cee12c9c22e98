//! The Territoire page and the territorial analysis API, on a demo network: what people
//! see on the page, what each endpoint answers, and a 422 naming the field for every kind
//! of bad input.

mod common;

use axum::http::StatusCode;
use common::*;
use maillage_app::territory::{france_units, nearest_rows};
use serde_json::Value;

/// A test server with a small demo network (about 400 places, most published).
async fn with_places() -> TestApp {
    let app = spawn().await;
    app.state.app().load_demo(400, 2026, &|_, _| {}).await.expect("demo network");
    app
}

fn fields(r: &Response) -> Vec<String> {
    r.json()["error"]["fields"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["field"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

// ---- the page --------------------------------------------------------------------------------

#[tokio::test]
async fn the_page_draws_every_departement_with_a_legend_a_table_and_a_histogram() {
    let app = with_places().await;
    let r = app.get(None, "/territoire").await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(2000)]);
    let text = r.text();
    assert!(text.contains(r#"<html lang="fr">"#));
    assert!(text.contains("Territoire : où sont les lieux"), "French heading");
    assert!(text.contains(r#"<svg class="choropleth""#), "the map is inline SVG");
    assert_eq!(r.body.matches("<path").count(), 101, "one shape per département");
    assert!(text.contains("<title>Loire (42) : "), "each département says its value on hover");
    for class in ["moins de 5 km", "5 à 10 km", "20 km ou plus"] {
        assert!(text.contains(class), "legend class {class}");
    }
    assert!(text.contains(r#"<table id="map-values">"#), "the map's text alternative");
    assert_eq!(
        r.body
            .split(r#"<table id="map-values">"#)
            .nth(1)
            .unwrap()
            .split("</table>")
            .next()
            .unwrap()
            .matches("<tr>")
            .count(),
        102,
        "a header and one row per département"
    );
    assert!(text.contains(r#"<svg class="chart""#) && text.contains("30+ km"), "the distance histogram");
    assert!(text.contains(r#"<table id="histogram-values">"#));
    assert!(text.contains("/api/v1/territory/nearest?format=csv"), "CSV download of the analysis");
    assert!(text.contains("/api/v1/territory/nearest?format=geojson"), "GeoJSON download");
    assert!(text.contains(r#"href="/territoire""#), "linked from the site navigation");
}

#[tokio::test]
async fn the_page_speaks_english_with_lang_en() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?lang=en&analysis=coverage&radius_km=10").await;
    assert_eq!(r.status, StatusCode::OK);
    let text = r.text();
    assert!(text.contains(r#"<html lang="en">"#));
    assert!(text.contains("Where to open the next places?"));
    assert!(text.contains("Most populated white zones"));
    assert!(text.contains(r#"<input type="hidden" name="lang" value="en">"#), "the forms keep the language");
}

#[tokio::test]
async fn the_coverage_form_lists_the_most_populated_white_zones_first() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?analysis=coverage&radius_km=5&type=&territory=").await;
    assert_eq!(r.status, StatusCode::OK);
    let table = r
        .body
        .split(r#"<table id="white-zones">"#)
        .nth(1)
        .expect("white zones table")
        .split("</table>")
        .next()
        .unwrap()
        .to_owned();
    let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
    assert_eq!(rows.len(), 50, "the 50 most populated white zones");
    let population = |row: &str| -> f64 {
        let cells: Vec<&str> =
            row.split(r#"<td class="num">"#).skip(1).map(|c| c.split('<').next().unwrap()).collect();
        cells[0].replace('\u{202f}', "").parse().unwrap()
    };
    assert!(population(rows[0]) >= population(rows[49]), "sorted by population");
    assert!(r.text().contains("Zones blanches les plus peuplées : communes à plus de 5,0\u{a0}km"));
    let link = r
        .body
        .split("/api/v1/territory/coverage?")
        .nth(1)
        .unwrap_or_default()
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(link, "radius_km=5&#38;by=departement&#38;format=csv", "download keeps R");
}

#[tokio::test]
async fn communes_are_drawn_as_circles_within_a_departement() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?level=commune&territory=42").await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(1500)]);
    let communes = france_units().units().iter().filter(|u| u.departement == "42").count();
    assert_eq!(r.body.matches("<circle").count(), communes, "one circle per commune of the Loire");
    assert_eq!(r.body.matches("<path").count(), 1, "only the Loire's outline");
}

#[tokio::test]
async fn communes_of_all_france_are_refused_naming_the_level() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?level=commune").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r##"href="#f-level""##), "the error summary links to the field");
    assert!(r.text().contains("La carte par commune demande un territoire"));
}

#[tokio::test]
async fn a_bad_radius_on_the_page_is_shown_beside_its_field() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?analysis=coverage&radius_km=-3").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains(r#"id="err-radius_km""#), "{}", &r.body[..r.body.len().min(3000)]);
    assert!(r.body.contains(r#"value="-3""#), "the form keeps what was typed");
}

/// A field of the page's forms as a person reads it: from its label to the end of its block
/// (hint, error, input).
fn form_field(r: &Response, name: &str) -> String {
    r.text()
        .split(&format!(r#"<label for="f-{name}">"#))
        .nth(1)
        .unwrap_or_else(|| panic!("no field {name}"))
        .split("</div>")
        .next()
        .unwrap()
        .to_owned()
}

fn map_values(r: &Response) -> String {
    r.body
        .split(r#"<table id="map-values">"#)
        .nth(1)
        .expect("map values")
        .split("</table>")
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn custom_steps_change_the_accessibility_shown_and_stay_in_the_form() {
    let app = with_places().await;
    let base = "/territoire?analysis=access&method=e2sfca&catchment_km=30&level=commune&territory=42";
    let default = app.get(None, base).await;
    assert_eq!(default.status, StatusCode::OK, "{}", &default.body[..default.body.len().min(3000)]);
    let field = form_field(&default, "steps");
    assert!(field.starts_with("Paliers (km:poids)</label>"), "labelled in French: {field}");
    assert!(field.contains("par exemple 10:1,20:0.68,30:0.22"), "the hint shows how to write steps");
    assert!(field.contains(r#"aria-describedby="hint-steps""#));

    let custom = app.get(None, &format!("{base}&steps=10:1,20:1,30:1")).await;
    assert_eq!(custom.status, StatusCode::OK, "{}", &custom.body[..custom.body.len().min(3000)]);
    assert_ne!(map_values(&custom), map_values(&default), "the steps change the values shown");
    assert!(form_field(&custom, "steps").contains(r#"value="10:1,20:1,30:1""#), "the form keeps the steps");
    assert!(
        custom.body.contains(r#"<input type="hidden" name="steps" value="10:1,20:1,30:1">"#),
        "the recommendation form carries the steps along"
    );
    assert!(custom.body.contains("steps=10%3A1%2C20%3A1%2C30%3A1"), "the downloads give the same analysis");

    let en = app.get(None, &format!("{base}&steps=10:1,20:1,30:1&lang=en")).await;
    assert!(form_field(&en, "steps").starts_with("Steps (km:weight)</label>"), "labelled in English");
}

#[tokio::test]
async fn malformed_steps_are_refused_beside_their_field_keeping_what_was_typed() {
    let app = with_places().await;
    let r = app.get(None, "/territoire?analysis=access&method=e2sfca&catchment_km=30&steps=10:1,abc").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", &r.body[..r.body.len().min(3000)]);
    let field = form_field(&r, "steps");
    assert!(
        field.contains(r#"<p class="error" id="err-steps">« 10:1,abc » : paliers attendus sous la forme 10:1,20:0.68,30:0.22.</p>"#),
        "the message is beside the field: {field}"
    );
    assert!(field.contains(r#"value="10:1,abc""#), "the form keeps what was typed");
    assert!(field.contains(r#"aria-invalid="true" aria-describedby="err-steps hint-steps""#));
    assert!(r.body.contains(r##"href="#f-steps""##), "the error summary links to the field");
    assert!(!r.body.contains(r#"<svg class="choropleth""#), "nothing is computed with other steps");

    let en = app
        .get(None, "/territoire?lang=en&analysis=access&method=e2sfca&catchment_km=30&steps=10:1,abc")
        .await;
    assert_eq!(en.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form_field(&en, "steps").contains("“10:1,abc”: expected steps like 10:1,20:0.68,30:0.22."));
}

#[tokio::test]
async fn a_time_limit_is_kept_in_the_recommendation_form_and_must_be_positive() {
    let app = with_places().await;
    let base = "/territoire?territory=42&objective=mclp&k=2&rec_radius_km=10";
    let r = app.get(None, &format!("{base}&time_limit_s=2")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(3000)]);
    let table = r.body.split(r#"<table id="chosen-sites">"#).nth(1).expect("chosen sites").to_owned();
    assert_eq!(table.split("</table>").next().unwrap().matches("<tr>").count(), 3, "a header and two sites");
    let field = form_field(&r, "time_limit_s");
    assert!(field.starts_with("Limite de temps (secondes)</label>"), "{field}");
    assert!(field.contains("Facultatif : 5 s par défaut, 10 s au plus."), "the hint gives the default");
    assert!(field.contains(r#"value="2""#), "the form keeps the time limit");
    assert!(r.body.contains("time_limit_s=2&#38;"), "the downloads give the same search");

    for (typed, message) in [
        ("0", "La limite de temps doit être un nombre de secondes positif (reçu 0)."),
        ("-3", "La limite de temps doit être un nombre de secondes positif (reçu -3)."),
        ("vite", "« vite » n'est pas un nombre."),
    ] {
        let r = app.get(None, &format!("{base}&time_limit_s={typed}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "time_limit_s={typed}");
        let field = form_field(&r, "time_limit_s");
        assert!(
            field.contains(&format!(r#"<p class="error" id="err-time_limit_s">{message}</p>"#)),
            "the message is beside the field: {field}"
        );
        assert!(field.contains(&format!(r#"value="{typed}""#)), "the form keeps {typed}");
        assert!(field.contains(r#"aria-invalid="true""#));
        assert!(r.body.contains(r##"href="#f-time_limit_s""##), "the error summary links to the field");
        assert!(
            !r.body.contains(r#"<table id="chosen-sites">"#),
            "nothing is searched with another time limit"
        );
    }
}

#[tokio::test]
async fn a_recommendation_lists_the_chosen_sites_with_their_gain_and_marks_them_on_the_map() {
    let app = with_places().await;
    let r = app
        .get(None, "/territoire?analysis=coverage&radius_km=10&territory=42&objective=mclp&k=3&rec_radius_km=10&greenfield=true")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(3000)]);
    let table = r
        .body
        .split(r#"<table id="chosen-sites">"#)
        .nth(1)
        .expect("chosen sites")
        .split("</table>")
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(table.matches("<tr>").count(), 4, "a header and three sites");
    assert!(table.contains("Habitants gagnés"));
    assert_eq!(r.body.matches(r#"class="site-marker""#).count(), 3, "three numbered markers");
    let text = r.text();
    assert!(text.contains("borne prouvée"), "the bound is stated");
    assert!(text.contains("de l'optimum") || text.contains("optimale"), "the gap is said in words");
    assert!(
        text.replace("&#38;", "&").contains("/api/v1/territory/recommend?objective=mclp&k=3&radius_km=10&greenfield=true&territory=42&format=geojson"),
        "the recommendation can be downloaded"
    );
}

// ---- the API ---------------------------------------------------------------------------------

#[tokio::test]
async fn nearest_answers_every_unit_in_json_csv_and_geojson_with_full_precision() {
    let app = with_places().await;
    let r = app.get(None, "/api/v1/territory/nearest").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let units = r.json()["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 34_917);
    assert!(units.iter().all(|u| u["distance_km"].as_f64().is_some_and(|d| d >= 0.0)));

    let csv = app.get(None, "/api/v1/territory/nearest?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut lines = csv.body.lines();
    assert_eq!(lines.next(), Some("code,distance_km"));
    // The same numbers as the use case, to the last bit.
    let supply = app.state.app().published_supply(&[]).await.unwrap();
    let expected = nearest_rows(france_units(), &supply).unwrap();
    for ((code, d), line) in expected.iter().zip(lines) {
        let (c, v) = line.split_once(',').unwrap();
        assert_eq!(c, code);
        assert_eq!(v.parse::<f64>().unwrap().to_bits(), d.to_bits(), "{line}");
    }
    assert!(
        csv.body.lines().skip(1).any(|l| l.split(',').nth(1).unwrap().len() > 10),
        "full precision, not rounded"
    );

    let geo = app.get(None, "/api/v1/territory/nearest?format=geojson&territory=42").await;
    assert_eq!(geo.status, StatusCode::OK);
    let doc = geo.json();
    let loire = france_units().units().iter().filter(|u| u.departement == "42").count();
    assert_eq!(doc["features"].as_array().unwrap().len(), loire);
    assert_eq!(doc["features"][0]["geometry"]["type"], "Point");
    assert!(doc["features"][0]["properties"]["distance_km"].is_number());
}

#[tokio::test]
async fn coverage_gives_the_share_rows_and_white_zones_by_population() {
    let app = with_places().await;
    let r = app.get(None, "/api/v1/territory/coverage?radius_km=5&by=departement").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let share = v["france"]["share"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&share));
    assert!(
        (v["france"]["covered_population"].as_f64().unwrap()
            / v["france"]["total_population"].as_f64().unwrap()
            - share)
            .abs()
            < 1e-12
    );
    assert_eq!(v["rows"].as_array().unwrap().len(), 101);
    let zones = v["white_zones"].as_array().unwrap();
    assert_eq!(zones.len(), 100, "the first 100");
    assert!(v["white_zone_count"].as_u64().unwrap() >= 100);
    let pops: Vec<f64> = zones.iter().map(|z| z["population"].as_f64().unwrap()).collect();
    assert!(pops.windows(2).all(|w| w[0] >= w[1]), "sorted by population");
    assert!(zones.iter().all(|z| z["distance_km"].as_f64().unwrap() > 5.0));

    let csv = app.get(None, "/api/v1/territory/coverage?radius_km=5&by=region&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("code,covered_population,total_population,share\n"));
    assert!(csv.body.lines().count() >= 18);
}

#[tokio::test]
async fn accessibility_spells_nan_where_no_place_is_within_reach() {
    let app = with_places().await;
    let r = app.get(None, "/api/v1/territory/access?method=2sfca&catchment_km=5").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let units = r.json()["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 34_917);
    let nan: Vec<&Value> = units.iter().filter(|u| u["value"].is_null()).collect();
    assert!(!nan.is_empty(), "400 places leave communes with no place within 5 km");
    assert!(nan.iter().all(|u| u["value_text"] == "nan"), "JSON has no NaN: null plus its spelling");
    assert!(units.iter().any(|u| u["value"].as_f64().is_some_and(|x| x > 0.0)));

    let csv = app
        .get(None, "/api/v1/territory/access?method=e2sfca&catchment_km=30&format=csv&normalize=true")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.starts_with("code,value\n"));
    assert!(csv.body.lines().any(|l| l.ends_with(",nan")));
}

#[tokio::test]
async fn a_recommendation_returns_its_sites_with_coordinates_bound_and_gap() {
    let app = with_places().await;
    let r = app
        .get(
            None,
            "/api/v1/territory/recommend?objective=mclp&k=4&radius_km=10&territory=42&time_limit_s=3600",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["chosen"].as_array().unwrap().len(), 4);
    assert_eq!(v["time_limit_s"], 10.0, "the server caps the search time");
    let site = &v["sites"][0];
    assert!(site["lat"].as_f64().is_some_and(|lat| (45.0..46.5).contains(&lat)), "{site}");
    assert!(site["lon"].is_number() && site["gain"].is_number());
    let covered = v["covered_population"].as_f64().unwrap();
    assert!(v["upper_bound"].as_f64().unwrap() >= covered);
    assert!((0.0..=1.0).contains(&v["gap"].as_f64().unwrap()));

    let geo =
        app.get(None, "/api/v1/territory/recommend?objective=pmedian&k=3&territory=42&format=geojson").await;
    assert_eq!(geo.status, StatusCode::OK, "{}", geo.body);
    assert_eq!(geo.json()["features"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn every_bad_input_is_a_422_naming_its_field() {
    let app = with_places().await;
    for (uri, field) in [
        ("/api/v1/territory/nearest?type=boulangerie", "type"),
        ("/api/v1/territory/nearest?territory=999", "territory"),
        ("/api/v1/territory/nearest?rayon=3", "rayon"),
        ("/api/v1/territory/nearest?format=xml", "format"),
        ("/api/v1/territory/coverage", "radius_km"),
        ("/api/v1/territory/coverage?radius_km=-5", "radius_km"),
        ("/api/v1/territory/coverage?radius_km=0", "radius_km"),
        ("/api/v1/territory/coverage?radius_km=dix", "radius_km"),
        ("/api/v1/territory/coverage?radius_km=10&by=canton", "by"),
        ("/api/v1/territory/access?method=4sfca&catchment_km=30", "method"),
        ("/api/v1/territory/access?catchment_km=30", "method"),
        ("/api/v1/territory/access?method=e2sfca", "catchment_km"),
        ("/api/v1/territory/access?method=e2sfca&catchment_km=-1", "catchment_km"),
        ("/api/v1/territory/access?method=gaussian&catchment_km=30", "sigma_km"),
        ("/api/v1/territory/access?method=e2sfca&catchment_km=30&steps=abc", "steps"),
        ("/api/v1/territory/access?method=2sfca&catchment_km=30&normalize=peut-etre", "normalize"),
        ("/api/v1/territory/recommend?objective=best&k=3&radius_km=10", "objective"),
        ("/api/v1/territory/recommend?k=3&radius_km=10", "objective"),
        ("/api/v1/territory/recommend?objective=mclp&k=abc&radius_km=10&territory=42", "k"),
        ("/api/v1/territory/recommend?objective=mclp&k=0&radius_km=10&territory=42", "k"),
        ("/api/v1/territory/recommend?objective=mclp&k=999999&radius_km=10&territory=42", "k"),
        ("/api/v1/territory/recommend?objective=mclp&k=3&territory=42", "radius_km"),
        ("/api/v1/territory/recommend?objective=mclp&k=3&radius_km=-2&territory=42", "radius_km"),
        (
            "/api/v1/territory/recommend?objective=mclp&k=3&radius_km=10&min_population=-5&territory=42",
            "min_population",
        ),
        (
            "/api/v1/territory/recommend?objective=mclp&k=3&radius_km=10&territory=42&time_limit_s=0",
            "time_limit_s",
        ),
        ("/api/v1/territory/recommend?objective=mclp&k=3&radius_km=10&format=csv", "format"),
        (
            "/api/v1/territory/recommend?objective=setcover&radius_km=1&territory=42&greenfield=true&min_population=50000",
            "radius_km",
        ),
        ("/api/v1/territory/recommend?objective=pmedian&k=3", "territory"),
    ] {
        let r = app.get(None, uri).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "GET {uri}: {}", r.body);
        assert!(fields(&r).iter().any(|f| f == field), "GET {uri} should name {field}: {}", r.body);
        let message = r.json()["error"]["fields"][0]["message"].as_str().unwrap().to_owned();
        assert!(!message.is_empty());
    }
    // English messages with ?lang=en.
    let fr = app.get(None, "/api/v1/territory/coverage?radius_km=dix").await;
    let en = app.get(None, "/api/v1/territory/coverage?radius_km=dix&lang=en").await;
    assert_eq!(fr.json()["error"]["fields"][0]["message"], "« dix » n'est pas un nombre.");
    assert_eq!(en.json()["error"]["fields"][0]["message"], "“dix” is not a number.");
    // All the problems at once.
    let r = app.get(None, "/api/v1/territory/recommend?objective=mclp&k=x&radius_km=y&greenfield=z").await;
    assert_eq!(fields(&r), ["k", "radius_km", "greenfield"]);
}

#[tokio::test]
async fn without_any_published_place_an_analysis_says_so() {
    let app = spawn().await;
    let r = app.get(None, "/api/v1/territory/nearest").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fields(&r), ["places"]);
    let page = app.get(None, "/territoire").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text().contains("Territoire : où sont les lieux"), "the form is still there");
}

#[tokio::test]
async fn a_code_shared_by_a_region_and_a_departement_is_analysed_as_chosen() {
    let app = with_places().await;
    let region = app.get(None, "/territoire?analysis=nearest&territory=region%3A53").await;
    assert_eq!(region.status, StatusCode::OK);
    assert!(region.body.contains("Bretagne (région 53)"), "the result names Bretagne");
    assert!(region.body.contains(r#"<option value="region:53" selected>"#), "the select keeps the région");
    let departement = app.get(None, "/territoire?analysis=nearest&territory=departement%3A53").await;
    assert_eq!(departement.status, StatusCode::OK);
    assert!(departement.body.contains("Mayenne (département 53)"), "the result names Mayenne");
    assert!(!departement.body.contains("Bretagne (région 53)"));

    // Paris is a département (75) and Nouvelle-Aquitaine a région (75): a bare 75 is refused.
    let bare = app.get(None, "/territoire?analysis=nearest&territory=75").await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("region:75") && bare.body.contains("departement:75"), "both readings named");
    let api = app.get(None, "/api/v1/territory/nearest?territory=75").await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(api.body.contains("\"territory\""), "{}", api.body);
    let typed = app.get(None, "/api/v1/territory/nearest?territory=departement:75").await;
    assert_eq!(typed.status, StatusCode::OK);
    assert_eq!(
        typed.body.matches("\"code\"").count(),
        20,
        "Paris's 20 arrondissements: {}",
        &typed.body[..200.min(typed.body.len())]
    );
}
