//! `maillage territory …` as scripts use it: CSV with full precision, JSON answers with their
//! bound, and bad input that exits non-zero naming the field — never a panic.

use std::process::{Command, Output};

struct Env {
    dir: tempfile::TempDir,
}

/// Three places: Saint-Étienne, Lyon, Brest.
const PLACES: &str =
    "id,lon,lat,capacity,type\nse,4.39,45.43,1,fablab\nly,4.83,45.76,2,coworking\nbr,-4.49,48.39,1,epn\n";

impl Env {
    fn new() -> Self {
        Self { dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_maillage"))
            .args(args)
            .env("MAILLAGE_DATA_DIR", self.dir.path().join("data"))
            .env("MAILLAGE_LOG", "warn")
            .env_remove("MAILLAGE_DATABASE_URL")
            .output()
            .unwrap()
    }

    fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn nearest_writes_every_unit_of_france_with_its_distance() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let out = env.run(&["territory", "nearest", "--places", &places]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "code,distance_km");
    assert_eq!(lines.len(), 1 + 34_917);
    // Saint-Étienne's town hall is about 0.5 km from the point given; full precision kept.
    let se = lines.iter().find(|l| l.starts_with("42218,")).unwrap();
    let d: f64 = se.split(',').nth(1).unwrap().parse().unwrap();
    assert!(d < 3.0, "{se}");
    assert!(se.len() > "42218,0.5".len() + 8, "{se}");
}

#[test]
fn nearest_restricted_to_a_type_and_a_departement() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let out = env.run(&["territory", "nearest", "--places", &places, "--type", "epn", "--territory", "42"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert!(csv.lines().skip(1).all(|l| l.starts_with("42")), "only Loire communes");
    // The nearest EPN is in Brest: hundreds of km from the Loire.
    let se = csv.lines().find(|l| l.starts_with("42218,")).unwrap();
    let d: f64 = se.split(',').nth(1).unwrap().parse().unwrap();
    assert!(d > 500.0, "{se}");
}

#[test]
fn access_marks_units_without_a_place_in_range_as_nan() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let out_file = env.dir.path().join("access.csv").display().to_string();
    let out = env.run(&[
        "territory",
        "access",
        "--places",
        &places,
        "--method",
        "e2sfca",
        "--catchment-km",
        "30",
        "--out",
        &out_file,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&out_file).unwrap();
    assert!(csv.starts_with("code,value\n"));
    assert!(csv.lines().any(|l| l == "13201,nan"), "Marseille is far from every place");
    let se: f64 = csv.lines().find(|l| l.starts_with("42218,")).unwrap()[6..].parse().unwrap();
    assert!(se > 0.0 && se.is_finite());
}

#[test]
fn coverage_by_departement_and_white_zones() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let zones = env.dir.path().join("zones.csv").display().to_string();
    let out = env.run(&[
        "territory",
        "coverage",
        "--places",
        &places,
        "--radius-km",
        "20",
        "--by",
        "departement",
        "--white-zones",
        &zones,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert_eq!(csv.lines().next(), Some("code,covered_population,total_population,share"));
    let paris = csv.lines().find(|l| l.starts_with("75,")).unwrap();
    assert!(paris.starts_with("75,0,"), "{paris}");
    let zones = std::fs::read_to_string(zones).unwrap();
    // The most populated white zone comes first: Toulouse, far from the three places.
    assert!(
        zones.lines().nth(1).unwrap().starts_with("31555,Toulouse,"),
        "{}",
        zones.lines().nth(1).unwrap()
    );
    let populations: Vec<f64> =
        zones.lines().skip(1).map(|l| l.split(',').nth(2).unwrap().parse().unwrap()).collect();
    assert!(populations.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn recommend_answers_json_with_a_bound_never_below_the_answer() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let out = env.run(&[
        "territory",
        "recommend",
        "--places",
        &places,
        "--objective",
        "mclp",
        "--k",
        "3",
        "--radius-km",
        "15",
        "--territory",
        "42",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["chosen"].as_array().unwrap().len(), 3);
    let found = json["covered_population"].as_f64().unwrap();
    let bound = json["upper_bound"].as_f64().unwrap();
    assert!(found > 0.0 && bound >= found, "{json}");
    assert!(json["existing_covered_population"].as_f64().unwrap() > 0.0);
    assert!(json["gap"].as_f64().unwrap() >= 0.0);
}

#[test]
fn bad_parameters_exit_2_naming_the_field() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let cases: &[(&[&str], &str)] = &[
        (&["coverage", "--radius-km", "-5"], "radius_km"),
        (&["coverage", "--radius-km", "0"], "radius_km"),
        (&["coverage", "--radius-km", "10", "--by", "canton"], "by"),
        (&["nearest", "--type", "boulangerie"], "type"),
        (&["nearest", "--territory", "999"], "territory"),
        (&["access", "--method", "4sfca", "--catchment-km", "30"], "method"),
        (&["access", "--method", "gaussian", "--catchment-km", "30"], "sigma_km"),
        (&["access", "--method", "e2sfca", "--catchment-km", "30", "--steps", "10:x"], "steps"),
        (
            &["recommend", "--objective", "mclp", "--k", "99999", "--radius-km", "10", "--territory", "42"],
            "k",
        ),
        (&["recommend", "--objective", "best", "--k", "2"], "objective"),
        (&["recommend", "--objective", "mclp", "--k", "2"], "radius_km"),
    ];
    for (args, field) in cases {
        let mut all = vec!["territory"];
        all.push(args[0]);
        all.extend(["--places", places.as_str()]);
        all.extend(&args[1..]);
        let out = env.run(&all);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with(field), "{args:?}: expected the field {field}, got {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn bad_places_files_name_the_line_and_field() {
    let env = Env::new();
    let missing = env.file("missing.csv", "id,lon,lat\na,4.39,45.43\nb,,45.76\n");
    let out = env.run(&["territory", "nearest", "--places", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("places[ligne 3].lon"), "{}", text(&out.stderr));

    let abroad = env.file("abroad.csv", "id,lon,lat\nberlin,13.40,52.52\n");
    let out = env.run(&["territory", "nearest", "--places", &abroad]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    let geojson = env.file(
        "p.geojson",
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"x","name":"Sans lieu"},"geometry":null}]}"#,
    );
    let out = env.run(&["territory", "nearest", "--places", &geojson]);
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = env.run(&["territory", "nearest", "--places", "/nonexistent/places.csv"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_impossible_set_cover_is_an_error_not_an_answer() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    // Candidates of at least 100,000 inhabitants cannot bring every Loire commune within 1 km.
    let out = env.run(&[
        "territory",
        "recommend",
        "--places",
        &places,
        "--objective",
        "setcover",
        "--radius-km",
        "1",
        "--min-population",
        "100000",
        "--territory",
        "42",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn the_database_places_are_used_without_a_file() {
    let env = Env::new();
    let out = env.run(&["demo", "--count", "300"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = env.run(&["territory", "coverage", "--radius-km", "30", "--by", "france"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let share: f64 = text(&out.stdout).lines().nth(1).unwrap().rsplit(',').next().unwrap().parse().unwrap();
    assert!(share > 0.2 && share < 1.0, "{share}");
}

#[test]
fn every_result_names_the_territory_analysed_in_french() {
    let env = Env::new();
    let places = env.file("p.csv", PLACES);
    let out = env.run(&[
        "territory",
        "coverage",
        "--places",
        &places,
        "--territory",
        "region:53",
        "--radius-km",
        "10",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("Territoire analysé : Bretagne (région 53)"), "{err}");
    assert!(err.contains("% de la population à 10 km ou moins d'un lieu"), "{err}");
    assert!(!err.contains("within"), "one language: {err}");
    let out = env.run(&["territory", "nearest", "--places", &places]);
    assert!(text(&out.stderr).contains("Territoire analysé : France entière"), "{}", text(&out.stderr));
    // A shared code is refused, naming both readings.
    let out = env.run(&["territory", "nearest", "--places", &places, "--territory", "53"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("region:53") && err.contains("departement:53"), "{err}");
}
