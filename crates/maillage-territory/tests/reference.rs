//! What users of the reference geography see: counts, look-ups, search, resolution of
//! addresses and points.

use maillage_domain::Gazetteer;
use maillage_territory::{ATTRIBUTION, CommuneKind, EpciKind, Reference, Zone, haversine_km};

fn reference() -> &'static Reference {
    Reference::shared()
}

fn codes(communes: &[&maillage_territory::Commune]) -> Vec<String> {
    communes.iter().map(|c| c.code.clone()).collect()
}

#[test]
fn ships_the_2026_geography_with_arrondissements() {
    let r = reference();
    assert_eq!(r.communes().len(), 34_920);
    assert_eq!(r.communes().filter(|c| c.kind == CommuneKind::Commune).count(), 34_875);
    assert_eq!(r.communes().filter(|c| c.kind == CommuneKind::Arrondissement).count(), 45);
    assert_eq!(r.departements().len(), 109);
    assert_eq!(r.regions().len(), 26);
    assert_eq!(r.epcis().len(), 1_255);
}

#[test]
fn arrondissement_populations_sum_to_their_city() {
    let r = reference();
    for (city, count) in [("75056", 20), ("69123", 9), ("13055", 16)] {
        let arrondissements: Vec<_> = r.arrondissements(city).collect();
        assert_eq!(arrondissements.len(), count, "{city}");
        let sum: u64 = arrondissements.iter().map(|a| a.population).sum();
        assert_eq!(sum, r.commune(city).map(|c| c.population).unwrap_or_default(), "{city}");
    }
}

#[test]
fn looks_up_a_commune_and_its_territories() {
    let r = reference();
    let saint_etienne = r.commune("42218").expect("Saint-Étienne");
    assert_eq!(saint_etienne.name, "Saint-Étienne");
    assert_eq!(saint_etienne.kind, CommuneKind::Commune);
    assert_eq!(saint_etienne.departement, "42");
    assert_eq!(saint_etienne.region, "84");
    assert_eq!(saint_etienne.zone, Zone::Metro);
    assert!(saint_etienne.postal_codes.iter().any(|p| p == "42000"));
    assert!(saint_etienne.population > 150_000);
    assert!((saint_etienne.lat - 45.43).abs() < 0.05 && (saint_etienne.lon - 4.39).abs() < 0.05);

    let epci = r.epci(saint_etienne.epci.as_deref().expect("in an EPCI")).expect("known EPCI");
    assert_eq!(epci.kind, EpciKind::Metropole);
    assert!(r.communes_in_epci(&epci.code).any(|c| c.code == "42218"));

    assert_eq!(r.departement("42").map(|d| d.name.as_str()), Some("Loire"));
    assert_eq!(r.departement("2A").map(|d| d.name.as_str()), Some("Corse-du-Sud"));
    assert_eq!(r.region("84").map(|d| d.name.as_str()), Some("Auvergne-Rhône-Alpes"));
    assert_eq!(r.commune("97411").map(|c| (c.name.as_str(), c.zone)), Some(("Saint-Denis", Zone::Drom)));
}

#[test]
fn territory_listings_count_each_commune_once() {
    let r = reference();
    let in_paris: Vec<_> = r.communes_in_departement("75").collect();
    assert_eq!(codes(&in_paris), ["75056"]);
    let in_loire = r.communes_in_departement("42").count();
    assert!((300..400).contains(&in_loire), "{in_loire}");
    let ara_population: u64 = r.communes_in_region("84").map(|c| c.population).sum();
    assert!((8_000_000..9_000_000).contains(&ara_population), "{ara_population}");
    let by_departement: usize = r.departements().map(|d| r.communes_in_departement(&d.code).count()).sum();
    assert_eq!(by_departement, 34_875);
}

#[test]
fn arrondissements_belong_to_their_citys_epci() {
    let r = reference();
    let paris = r.commune("75056").expect("Paris");
    let paris_11 = r.commune("75111").expect("Paris 11e");
    assert_eq!(paris_11.parent.as_deref(), Some("75056"));
    assert_eq!(paris_11.epci, paris.epci);
    assert!(paris.epci.is_some());
}

#[test]
fn unknown_codes_find_nothing() {
    let r = reference();
    for code in ["", "00000", "99999", "4221", "422180", "abcde", "🙂"] {
        assert!(r.commune(code).is_none(), "{code:?}");
        assert!(r.departement(code).is_none(), "{code:?}");
        assert!(r.region(code).is_none(), "{code:?}");
        assert!(r.epci(code).is_none(), "{code:?}");
        assert!(r.communes_by_postal_code(code).is_empty(), "{code:?}");
        assert_eq!(r.communes_in_departement(code).count(), 0, "{code:?}");
        assert_eq!(r.communes_in_epci(code).count(), 0, "{code:?}");
        assert_eq!(r.communes_in_region(code).count(), 0, "{code:?}");
    }
}

#[test]
fn postal_codes_list_their_communes_and_arrondissements() {
    let r = reference();
    assert_eq!(codes(&r.communes_by_postal_code("42000")), ["42218"]);
    assert_eq!(codes(&r.communes_by_postal_code("69003")), ["69123", "69383"]);
    assert_eq!(codes(&r.communes_by_postal_code("75116")), ["75056", "75116"]);
    assert!(r.communes_by_postal_code("01400").len() > 1);
}

#[test]
fn search_finds_saint_etienne_however_it_is_written() {
    let r = reference();
    for query in
        ["saint etienne", "Saint-Étienne", "SAINT-ETIENNE", "st etienne", "St-Étienne", "saint eti", "42218"]
    {
        let found = r.search_communes(query, 5);
        assert_eq!(found.first().map(|c| c.code.as_str()), Some("42218"), "{query:?}");
    }
}

#[test]
fn search_ranks_exact_names_then_population() {
    let r = reference();
    let found = r.search_communes("paris", 5);
    assert_eq!(found[0].code, "75056");
    assert!(found[1..].iter().all(|c| c.parent.as_deref() == Some("75056")), "{:?}", codes(&found));
    assert!(found.windows(2).skip(1).all(|w| w[0].population >= w[1].population));

    let found = r.search_communes("saint etienne", 10);
    assert_eq!(found.len(), 10);
    assert!(found[1..].iter().all(|c| c.name.starts_with("Saint-Étienne")), "{:?}", codes(&found));
}

#[test]
fn search_understands_accents_apostrophes_and_word_prefixes() {
    let r = reference();
    let first = |q: &str| r.search_communes(q, 1).first().map(|c| c.code.clone());
    assert_eq!(first("l hay les roses"), Some("94038".to_owned()));
    assert_eq!(first("L'Haÿ-les-Roses"), Some("94038".to_owned()));
    assert_eq!(first("besancon"), Some("25056".to_owned()));
    assert_eq!(first("Besançon"), Some("25056".to_owned()));
    assert_eq!(first("ajacc"), Some("2A004".to_owned()));
    assert_eq!(first("2a004"), Some("2A004".to_owned()));
}

#[test]
fn search_by_postal_code_lists_the_communes_it_serves() {
    let r = reference();
    // 69003 is also the INSEE code of Albigny-sur-Saône: the exact code comes first.
    let found = r.search_communes("69003", 10);
    assert_eq!(codes(&found), ["69003", "69123", "69383"]);
    let found = r.search_communes(" 42000 ", 10);
    assert_eq!(codes(&found), ["42218"]);
}

#[test]
fn search_respects_the_limit_and_ignores_empty_or_nonsense_queries() {
    let r = reference();
    assert_eq!(r.search_communes("saint", 7).len(), 7);
    assert!(r.search_communes("saint", 0).is_empty());
    for query in ["", "   ", "-'-", "zzzzqqq", "99999", "<script>"] {
        assert!(r.search_communes(query, 10).is_empty(), "{query:?}");
    }
}

#[test]
fn resolves_addresses_as_people_write_them() {
    let r = reference();
    let resolve = |pc: &str, name: &str| r.resolve(pc, name).map(|c| c.code);
    assert_eq!(resolve("75011", "PARIS 11"), Some("75111".to_owned()));
    assert_eq!(resolve("75011", "Paris 11e Arrondissement"), Some("75111".to_owned()));
    assert_eq!(resolve("75011", "Paris"), Some("75111".to_owned()));
    assert_eq!(resolve("42000", "St Etienne"), Some("42218".to_owned()));
    assert_eq!(resolve("42000", "SAINT-ÉTIENNE"), Some("42218".to_owned()));
    assert_eq!(resolve("69003", "Lyon"), Some("69383".to_owned()));
    assert_eq!(resolve("13001", "Marseille 1er"), Some("13201".to_owned()));
    assert_eq!(resolve("94240", "l'hay les roses"), Some("94038".to_owned()));
}

#[test]
fn resolves_cedex_and_missing_postal_codes_by_name() {
    let r = reference();
    let resolve = |pc: &str, name: &str| r.resolve(pc, name).map(|c| c.code);
    assert_eq!(resolve("42007", "Saint-Etienne Cedex 1"), Some("42218".to_owned()));
    assert_eq!(resolve("", "Saint-Étienne"), Some("42218".to_owned()));
    assert_eq!(resolve("", "Lyon"), Some("69123".to_owned()));
    assert_eq!(resolve("42000", ""), Some("42218".to_owned()));
    assert_eq!(resolve("75011", ""), Some("75111".to_owned()));
}

#[test]
fn resolve_refuses_unknown_or_ambiguous_communes() {
    let r = reference();
    assert_eq!(r.resolve("42000", "Lyon"), None);
    assert_eq!(r.resolve("99999", "Nowhere"), None);
    assert_eq!(r.resolve("", ""), None);
    assert_eq!(r.resolve("not a code", "Saint-Étienne").map(|c| c.code), None);
    // Many communes are called Sainte-Colombe: without a postal code, nobody can tell which.
    assert_eq!(r.resolve("", "Sainte-Colombe"), None);
    // Several communes share 01400.
    assert_eq!(r.resolve("01400", ""), None);
}

#[test]
fn gazetteer_answers_like_the_reference() {
    let r = reference();
    let commune = Gazetteer::commune(r, "42218").expect("Saint-Étienne");
    assert_eq!(commune.name, "Saint-Étienne");
    assert_eq!(commune.departement, "42");
    assert!(Gazetteer::commune(r, "00000").is_none());
    let by_pc = Gazetteer::communes_by_postal_code(r, "69003");
    assert_eq!(by_pc.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["69123", "69383"]);
}

#[test]
fn nearest_commune_of_a_town_hall_is_that_commune() {
    let r = reference();
    let lyon_1 = r.commune("69381").expect("Lyon 1er");
    let (found, km) = r.nearest_commune(lyon_1.lat, lyon_1.lon).expect("a commune");
    assert_eq!(found.code, "69381");
    assert!(km < 1e-6);

    let saint_etienne = r.commune("42218").expect("Saint-Étienne");
    let (found, km) = r.nearest_commune(saint_etienne.lat + 0.001, saint_etienne.lon).expect("a commune");
    assert_eq!(found.code, "42218");
    assert!((km - 0.111).abs() < 0.01, "{km}");
}

#[test]
fn nearest_commune_matches_brute_force() {
    let r = reference();
    for (lat, lon) in [(48.85, 2.35), (43.3, 5.4), (-21.1, 55.5), (4.9, -52.3), (46.0, -30.0), (52.52, 13.40)]
    {
        let (found, km) = r.nearest_commune(lat, lon).expect("a commune");
        let best = r
            .communes()
            .filter(|c| r.arrondissements(&c.code).next().is_none())
            .map(|c| haversine_km(lat, lon, c.lat, c.lon))
            .fold(f64::INFINITY, f64::min);
        assert!((km - best).abs() < 1e-9, "{lat},{lon}: {} at {km} km, best {best}", found.code);
    }
}

#[test]
fn nearest_commune_refuses_impossible_points() {
    let r = reference();
    assert!(r.nearest_commune(f64::NAN, 2.0).is_none());
    assert!(r.nearest_commune(48.0, f64::INFINITY).is_none());
    assert!(r.nearest_commune(91.0, 2.0).is_none());
}

#[test]
fn tells_whether_a_point_is_in_france() {
    let r = reference();
    assert!(r.is_in_france(48.8566, 2.3522), "Paris");
    assert!(r.is_in_france(-21.1151, 55.5364), "La Réunion");
    assert!(r.is_in_france(4.9372, -52.3260), "Cayenne");
    assert!(r.is_in_france(-12.78, 45.23), "Mayotte");
    assert!(r.is_in_france(42.15, 9.10), "Corsica");
    assert!(!r.is_in_france(45.0, -30.0), "middle of the Atlantic");
    assert!(!r.is_in_france(52.52, 13.405), "Berlin");
    assert!(!r.is_in_france(40.4168, -3.7038), "Madrid");
    assert!(!r.is_in_france(f64::NAN, f64::NAN));
}

#[test]
fn attribution_names_the_sources_and_licence() {
    assert!(ATTRIBUTION.contains("INSEE"));
    assert!(ATTRIBUTION.contains("IGN"));
    assert!(ATTRIBUTION.contains("Licence Ouverte / Etalab 2.0"));
}

/// Where `locate` puts a record, and the name of the rule that did it.
fn locate(
    code: &str,
    postal_code: &str,
    name: &str,
    point: Option<(f64, f64)>,
) -> Result<(String, String), String> {
    use maillage_domain::{CommuneMatch, CommuneQuery};
    let query = CommuneQuery {
        code: Some(code).filter(|c| !c.is_empty()),
        postal_code: Some(postal_code),
        name: Some(name).filter(|n| !n.is_empty()),
        point,
    };
    match reference().locate_commune(&query) {
        Ok((commune, how)) => {
            let rule = match how {
                CommuneMatch::Code => "code",
                CommuneMatch::FormerCode { .. } => "former_code",
                CommuneMatch::Name => "name",
                CommuneMatch::NameVariant => "name_variant",
                CommuneMatch::PostalLabel { .. } => "postal_label",
                CommuneMatch::NameInDepartement { .. } => "other_postal_code",
                CommuneMatch::FormerName { .. } => "former_name",
                CommuneMatch::PostalCode => "postal_code",
                CommuneMatch::Nearest { .. } => "nearest",
            };
            Ok((commune.code.clone(), rule.to_owned()))
        }
        Err(e) => Err(format!("{e:?}")),
    }
}

fn found(code: &str, rule: &str) -> Result<(String, String), String> {
    Ok((code.to_owned(), rule.to_owned()))
}

#[test]
fn ships_the_former_communes_and_the_postal_town_lines() {
    let r = reference();
    assert!((4_000..6_000).contains(&r.former_communes_count()), "{}", r.former_communes_count());
    let (name, current) = r.former_commune("74268").expect("Seynod");
    assert_eq!((name, current.code.as_str()), (Some("Seynod"), "74010"));
    let (_, current) = r.former_commune("69152").expect("Pierre-Bénite");
    assert_eq!(current.name, "Oullins-Pierre-Bénite");
    // A current code is never a former one.
    assert!(r.former_commune("74010").is_none());
    assert!(r.former_commune("99999").is_none());
}

#[test]
fn former_communes_merged_since_resolve_to_their_current_commune() {
    assert_eq!(locate("", "74600", "Seynod", None), found("74010", "former_name"));
    assert_eq!(locate("", "74960", "MEYTHET", None), found("74010", "former_name"));
    assert_eq!(locate("", "74370", "Pringy", None), found("74010", "former_name"));
    assert_eq!(locate("", "74940", "Annecy-le-Vieux", None), found("74010", "former_name"));
    assert_eq!(locate("", "69600", "Oullins", None), found("69149", "former_name"));
    assert_eq!(locate("", "69310", "Pierre-Bénite", None), found("69149", "former_name"));
    assert_eq!(locate("", "74290", "Talloires", None), found("74275", "former_name"));
    // By former code too, and by former name alone when it is unique in France.
    assert_eq!(locate("74268", "74600", "Seynod", None), found("74010", "former_code"));
    assert_eq!(locate("", "", "Annecy-le-Vieux", None), found("74010", "former_name"));
    // Pringy is also a current commune of Marne and of Seine-et-Marne: alone, ambiguous.
    assert!(locate("", "", "Pringy", None).is_err_and(|e| e.contains("Ambiguous")));
    assert_eq!(locate("", "77310", "Pringy", None), found("77378", "name"));
}

#[test]
fn names_without_their_article_or_suffix_resolve_within_the_postal_code() {
    assert_eq!(locate("", "26270", "Loriol", None), found("26166", "name_variant"));
    assert_eq!(locate("", "26250", "LIVRON", None), found("26165", "name_variant"));
    assert_eq!(locate("", "38800", "Pont de Claix", None), found("38317", "name_variant"));
    assert_eq!(locate("", "74170", "SAINT GERVAIS", None), found("74236", "name_variant"));
    assert_eq!(locate("", "74140", "Sciez-sur-Léman", None), found("74263", "name_variant"));
    assert_eq!(locate("", "43800", "Vorey sur Arzon", None), found("43267", "name_variant"));
    assert_eq!(locate("", "42000", "ST-ETIENNE", None), found("42218", "name"));
}

#[test]
fn cedex_and_neighbouring_postal_codes_resolve_by_name_in_the_departement() {
    assert_eq!(locate("", "74012", "Annecy Cedex", None), found("74010", "other_postal_code"));
    assert_eq!(locate("", "74200", "Sciez", None), found("74263", "other_postal_code"));
    assert_eq!(locate("", "74008", "Seynod Cedex", None), found("74010", "former_name"));
}

#[test]
fn the_postal_code_then_the_point_decide_when_the_name_is_no_communes() {
    // A place name of Annecy, whose postal code 74000 serves no other commune.
    assert_eq!(locate("", "74000", "Le Semnoz", None), found("74010", "postal_code"));
    let sciez = reference().commune("74263").expect("Sciez");
    assert_eq!(locate("", "74140", "Les Bois", Some((sciez.lat, sciez.lon))), found("74263", "nearest"));
    // 74370 serves several communes: only a point can choose among them.
    let argonay = reference().commune("74019").expect("Argonay");
    assert_eq!(
        locate("", "74370", "Lieu-dit Les Contamines", Some((argonay.lat + 0.002, argonay.lon))),
        found("74019", "nearest")
    );
    assert!(locate("", "74370", "Lieu-dit Les Contamines", None).is_err());
    // A CEDEX code with a point and no known name: the nearest commune of its département.
    assert_eq!(locate("", "74012", "", Some((argonay.lat, argonay.lon))), found("74019", "nearest"));
}

#[test]
fn what_nothing_places_is_refused() {
    assert_eq!(locate("74999", "74000", "Annecy", None), Err("UnknownCode".to_owned()));
    assert_eq!(locate("", "99999", "Villebidon-sur-Mer", None), Err("Unknown".to_owned()));
    assert_eq!(locate("", "", "Villebidon-sur-Mer", None), Err("Unknown".to_owned()));
    // A name that is another commune's contradicts the postal code.
    assert_eq!(locate("", "42000", "Lyon", None), Err("Unknown".to_owned()));
    // A point far from every commune of the postal code places nothing.
    let far = locate("", "74370", "", Some((48.85, 2.35)));
    assert!(far.as_ref().is_err_and(|e| e.starts_with("Ambiguous") && e.contains("Argonay (74)")), "{far:?}");
}

#[test]
fn a_name_designates_a_commune_by_its_own_former_or_postal_names() {
    let r = reference();
    let annecy = r.commune("74010").expect("Annecy");
    for name in ["Annecy", "ANNECY", "Seynod", "Cran-Gevrier", "Annecy-le-Vieux"] {
        assert!(r.name_designates(annecy, name), "{name}");
    }
    assert!(!r.name_designates(annecy, "Chambéry"));
    let oullins = r.commune("69149").expect("Oullins-Pierre-Bénite");
    assert!(r.name_designates(oullins, "PIERRE BENITE"));
    let lyon_3 = r.commune("69383").expect("Lyon 3e");
    assert!(r.name_designates(lyon_3, "Lyon"));
    assert!(r.name_designates(r.commune("69123").expect("Lyon"), "Lyon 3e"));
}
