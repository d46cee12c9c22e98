//! The demo network: believable, valid and reproducible.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use maillage_demo::{DEMO_PASSWORD, DEMO_SOURCE, DemoData, demo_data, is_suggested_equipment};
use maillage_domain::place::FarLocation;
use maillage_domain::vocab::{Label, PlaceType, Vocabulary};
use maillage_domain::{PlaceStatus, fields::Email};
use maillage_territory::{CommuneKind, Reference, Zone};

const FULL: usize = 3_500;
const SEED: u64 = 2019;

fn network() -> &'static DemoData {
    static NETWORK: OnceLock<DemoData> = OnceLock::new();
    NETWORK.get_or_init(|| demo_data(Reference::shared(), FULL, SEED))
}

fn share(count: usize, total: usize) -> f64 {
    count as f64 / total as f64
}

#[test]
fn every_demo_place_validates_like_a_form_submission() {
    let reference = Reference::shared();
    let mut failures = Vec::new();
    for place in &network().places {
        match place.input.validate(reference, FarLocation::RefuseUnlessConfirmed) {
            Ok((data, warnings)) => {
                assert!(warnings.is_empty(), "{}: warnings {warnings:?}", place.source_id);
                assert!(data.location_precise, "{} has no precise point", place.source_id);
            }
            Err(errors) => {
                failures.push(format!("{} {:?}: {:?}", place.source_id, place.input.name, errors.errors))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} invalid places, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
}

#[test]
fn the_network_has_the_requested_size_and_demo_source_ids() {
    let net = network();
    assert_eq!(net.places.len(), FULL);
    let ids: HashSet<&str> = net.places.iter().map(|p| p.source_id.as_str()).collect();
    assert_eq!(ids.len(), FULL, "source ids are unique");
    assert!(net.places.iter().all(|p| p.source_id.starts_with("demo-")));
    assert_eq!(DEMO_SOURCE, "demo");
    assert!(!DEMO_PASSWORD.is_empty());
}

#[test]
fn the_same_seed_gives_the_same_network_and_another_seed_another() {
    let reference = Reference::shared();
    let a = demo_data(reference, 300, 7);
    let b = demo_data(reference, 300, 7);
    let c = demo_data(reference, 300, 8);
    assert_eq!(a, b);
    assert_ne!(a.places, c.places);
    let names_a: HashSet<_> = a.places.iter().map(|p| p.input.name.clone()).collect();
    let names_c: HashSet<_> = c.places.iter().map(|p| p.input.name.clone()).collect();
    assert!(names_a.intersection(&names_c).count() < 100, "another seed gives mostly other places");
}

#[test]
fn every_place_type_is_present_with_a_realistic_mix() {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for place in &network().places {
        // The first type is the place's main kind.
        *counts.entry(place.input.types[0].as_str()).or_default() += 1;
    }
    for place_type in PlaceType::ALL {
        let n = counts.get(place_type.code()).copied().unwrap_or(0);
        assert!(n >= 20, "{} places of type {}", n, place_type.code());
    }
    let count = |t: PlaceType| counts.get(t.code()).copied().unwrap_or(0);
    assert!((70..=110).contains(&count(PlaceType::CampusConnecte)));
    let fabriques = count(PlaceType::FabriqueTerritoire) + count(PlaceType::FabriqueNumerique);
    assert!((250..=350).contains(&fabriques), "{fabriques} Fabriques");
    for common in
        [PlaceType::Coworking, PlaceType::Epn, PlaceType::Library, PlaceType::Fablab, PlaceType::Other]
    {
        assert!(count(common) > 300, "{} {}", count(common), common.code());
    }
}

#[test]
fn places_spread_over_small_towns_and_big_cities() {
    let reference = Reference::shared();
    let net = network();
    let populations: Vec<u64> = net
        .places
        .iter()
        .map(|p| {
            let code = p.input.commune_code.as_deref().expect("commune code");
            reference.commune(code).expect("known commune").population
        })
        .collect();
    let under_10k = share(populations.iter().filter(|&&p| p < 10_000).count(), FULL);
    let under_2k = share(populations.iter().filter(|&&p| p < 2_000).count(), FULL);
    assert!((0.33..=0.47).contains(&under_10k), "{under_10k:.3} of places in communes under 10,000");
    assert!((0.10..=0.20).contains(&under_2k), "{under_2k:.3} of places in communes under 2,000");

    let communes: HashSet<&str> = net.places.iter().filter_map(|p| p.input.commune_code.as_deref()).collect();
    assert!(communes.len() > 1_500, "{} distinct communes", communes.len());
    let departements: HashSet<&str> =
        communes.iter().map(|c| reference.commune(c).expect("known").departement.as_str()).collect();
    assert!(departements.len() >= 100, "{} départements", departements.len());
}

#[test]
fn paris_lyon_and_marseille_are_placed_by_arrondissement_and_overseas_is_included() {
    let reference = Reference::shared();
    let communes: Vec<_> = network()
        .places
        .iter()
        .map(|p| reference.commune(p.input.commune_code.as_deref().expect("code")).expect("known"))
        .collect();
    for city in ["75056", "69123", "13055"] {
        assert!(communes.iter().all(|c| c.code != city), "no place on the city row {city}");
    }
    let paris = communes
        .iter()
        .filter(|c| c.kind == CommuneKind::Arrondissement && c.code.starts_with("751"))
        .count();
    assert!(paris >= 30, "{paris} places in Paris");
    let overseas = communes.iter().filter(|c| c.zone == Zone::Drom).count();
    assert!(overseas >= 40, "{overseas} places overseas");
}

#[test]
fn names_are_unique_in_each_commune_and_say_where_they_are() {
    let mut seen = HashSet::new();
    for place in &network().places {
        let name = place.input.name.clone().expect("name");
        let commune = place.input.commune_code.clone().expect("commune");
        assert!(seen.insert((commune, name.clone())), "duplicate name {name}");
        assert!(name.chars().count() <= 120, "{name}");
    }
    let names: Vec<&str> = network().places.iter().filter_map(|p| p.input.name.as_deref()).collect();
    assert!(names.iter().any(|n| n.starts_with("Médiathèque ")));
    assert!(names.iter().any(|n| n.starts_with("EPN d")));
    assert!(names.iter().any(|n| n.starts_with("Campus connecté ")));
    assert!(names.iter().any(|n| n.starts_with("La Fabrique ")));
}

#[test]
fn places_stay_within_two_kilometres_of_their_commune() {
    let reference = Reference::shared();
    for place in &network().places {
        let commune = reference.commune(place.input.commune_code.as_deref().expect("code")).expect("known");
        let (lat, lon) = (place.input.latitude.expect("lat"), place.input.longitude.expect("lon"));
        let km = maillage_territory::haversine_km(lat, lon, commune.lat, commune.lon);
        assert!(km <= 2.0, "{} is {km:.2} km from {}", place.source_id, commune.name);
        assert_eq!(place.input.postal_code.as_ref(), commune.postal_codes.first());
    }
}

#[test]
fn most_places_are_published_with_hours_and_contacts() {
    let places = &network().places;
    let status = |s: PlaceStatus| places.iter().filter(|p| p.input.requested_status() == Some(s)).count();
    let published = share(status(PlaceStatus::Published), FULL);
    assert!((0.95..=0.99).contains(&published), "{published:.3} published");
    assert!(status(PlaceStatus::Draft) > 0);
    assert!(status(PlaceStatus::Archived) > 0);
    assert_eq!(
        status(PlaceStatus::Published) + status(PlaceStatus::Draft) + status(PlaceStatus::Archived),
        FULL
    );

    let without_hours = places.iter().filter(|p| p.input.opening_hours.is_none()).count();
    assert!(without_hours > 0 && share(without_hours, FULL) < 0.1, "{without_hours} without hours");
    for place in places {
        if let Some(email) = &place.input.email {
            assert!(email.ends_with(".example"), "{email}");
        }
        if let Some(site) = &place.input.website {
            assert!(site.starts_with("https://") && site.ends_with(".example"), "{site}");
        }
        let summary = place.input.summary.as_deref().expect("summary");
        assert!(summary.ends_with('.') && !summary.contains('\n'), "{summary}");
        let description = place.input.description.as_deref().expect("description");
        assert!(description.len() > summary.len(), "{description}");
    }
}

#[test]
fn phones_use_the_prefix_of_their_region() {
    let reference = Reference::shared();
    for place in &network().places {
        let Some(phone) = &place.input.phone else { continue };
        let commune = reference.commune(place.input.commune_code.as_deref().expect("code")).expect("known");
        let expected = match (commune.departement.as_str(), commune.region.as_str()) {
            ("974", _) => "02 62",
            ("971", _) => "05 90",
            ("972", _) => "05 96",
            ("973", _) => "05 94",
            ("976", _) => "02 69",
            (_, "11") => "01",
            (_, "53") => "02",
            (_, "44") => "03",
            (_, "84") => "04",
            (_, "75") => "05",
            _ => continue,
        };
        assert!(phone.starts_with(expected), "{phone} in {}", commune.name);
    }
}

#[test]
fn services_labels_and_equipment_fit_the_kind_of_place() {
    for place in &network().places {
        let input = &place.input;
        let has = |service: &str| input.services.iter().any(|s| s == service);
        match input.types[0].as_str() {
            "coworking" => assert!(has("telework_desk") && has("meeting_room")),
            "fablab" => assert!(has("machines") && has("training")),
            "epn" => assert!(has("admin_procedures") && has("digital_basics") && has("internet_access")),
            "library" => assert!(has("culture") && has("internet_access")),
            "fabrique_territoire" => {
                assert!(has("training") && input.labels.iter().any(|l| l == Label::FabriqueTerritoire.code()))
            }
            "fabrique_numerique" => {
                assert!(has("training") && input.labels.iter().any(|l| l == Label::FabriqueNumerique.code()))
            }
            _ => {}
        }
        for item in &input.equipment {
            assert!(is_suggested_equipment(item), "{item} is not in the suggested vocabulary");
        }
    }
    let fablabs_with_machines = network()
        .places
        .iter()
        .filter(|p| p.input.types[0] == "fablab")
        .filter(|p| p.input.equipment.iter().any(|e| e == "Imprimante 3D" || e == "Découpeuse laser"))
        .count();
    assert!(fablabs_with_machines > 250, "{fablabs_with_machines} fablabs with a 3D printer or laser cutter");
    let epn_with_label = network()
        .places
        .iter()
        .filter(|p| p.input.types[0] == "epn")
        .filter(|p| p.input.labels.iter().any(|l| l == "conseillers_numeriques" || l == "france_services"))
        .count();
    assert!(epn_with_label > 150, "{epn_with_label} EPN with a national programme");
}

#[test]
fn users_are_three_admins_and_managers_of_existing_places() {
    let net = network();
    let admins: Vec<_> = net.users.iter().filter(|u| u.is_admin).collect();
    assert_eq!(admins.len(), 3);
    assert!(admins.iter().any(|u| u.email == "admin@demo.maillage.example"));
    assert!(admins.iter().any(|u| u.email == "coordination@demo.maillage.example"));
    let managers: Vec<_> = net.users.iter().filter(|u| u.email.starts_with("gestion.")).collect();
    assert!((15..=20).contains(&managers.len()), "{} managers", managers.len());

    let mut emails = HashSet::new();
    let mut managed = HashSet::new();
    for user in &net.users {
        assert!(Email::parse(&user.email).is_ok(), "{}", user.email);
        assert!(user.email.ends_with("@demo.maillage.example"), "{}", user.email);
        assert!(emails.insert(user.email.clone()), "duplicate {}", user.email);
        assert!(!user.display_name.trim().is_empty());
        if !user.is_admin && !user.email.starts_with("coordination.") {
            assert!(user.email.starts_with("gestion."), "{}", user.email);
            assert!((1..=5).contains(&user.manages.len()), "{} manages {}", user.email, user.manages.len());
        }
        for &i in &user.manages {
            assert!(i < net.places.len(), "{} manages a missing place {i}", user.email);
            assert!(managed.insert(i), "place {i} has two managers");
        }
    }
}

#[test]
fn small_and_empty_networks_are_consistent() {
    let reference = Reference::shared();
    let empty = demo_data(reference, 0, 1);
    assert!(empty.places.is_empty());
    assert!(empty.users.iter().all(|u| u.manages.is_empty()));
    assert_eq!(empty.users.iter().filter(|u| u.is_admin).count(), 3, "the admins exist even without places");
    assert!(empty.networks.iter().all(|n| n.members.is_empty()), "networks without places have no members");

    let tiny = demo_data(reference, 5, 1);
    assert_eq!(tiny.places.len(), 5);
    for user in &tiny.users {
        assert!(user.manages.iter().all(|&i| i < 5));
    }
}

#[test]
fn the_demo_has_a_national_network_over_the_13_metropolitan_regional_networks() {
    let reference = Reference::shared();
    let net = network();
    let national: Vec<usize> = (0..net.networks.len())
        .filter(|&i| net.networks[i].input.kind.as_deref() == Some("national"))
        .collect();
    assert_eq!(national.len(), 1);
    let regional: Vec<_> =
        net.networks.iter().filter(|n| n.input.kind.as_deref() == Some("regional")).collect();
    assert_eq!(regional.len(), 13);
    let mut regions: Vec<String> = Vec::new();
    for n in &regional {
        assert_eq!(n.parent, Some(national[0]), "{:?} hangs under the national network", n.input.name);
        let [area] = n.input.areas.as_slice() else { panic!("one région: {:?}", n.input.areas) };
        let code = area.strip_prefix("region:").expect("a région key");
        regions.push(code.to_owned());
        // Members, requests and invitations are places of the région.
        assert!(n.members.len() > 10, "{:?} has {} places", n.input.name, n.members.len());
        for &(i, _) in &n.members {
            let commune = net.places[i].input.commune_code.as_deref().unwrap();
            let dep = if commune.starts_with("97") { &commune[..3] } else { &commune[..2] };
            assert_eq!(reference.departement(dep).unwrap().region, code);
        }
    }
    regions.sort();
    assert_eq!(regions, maillage_demo::METROPOLITAN_REGIONS.map(str::to_owned).to_vec());
}

#[test]
fn demo_networks_validate_and_hang_under_earlier_networks_of_the_right_kind() {
    let reference = Reference::shared();
    let net = network();
    let kinds = |k: &str| net.networks.iter().filter(|n| n.input.kind.as_deref() == Some(k)).count();
    assert!(kinds("departmental") >= 5, "some departmental networks");
    assert!(kinds("thematic") >= 3, "some thematic networks");
    for (i, n) in net.networks.iter().enumerate() {
        n.input.validate(reference).unwrap_or_else(|e| panic!("{:?}: {:?}", n.input.name, e.errors));
        if let Some(parent) = n.parent {
            assert!(parent < i, "parents come first");
            let expected = match n.input.kind.as_deref() {
                Some("regional") => "national",
                Some("departmental") => "regional",
                other => panic!("{other:?} has no parent in the demo"),
            };
            assert_eq!(net.networks[parent].input.kind.as_deref(), Some(expected));
        }
        let places: HashSet<usize> = n.members.iter().map(|(p, _)| *p).collect();
        assert_eq!(places.len(), n.members.len(), "a place is listed once per network");
    }
    let names: HashSet<&str> = net.networks.iter().filter_map(|n| n.input.name.as_deref()).collect();
    assert_eq!(names.len(), net.networks.len(), "names are unique");
}

#[test]
fn every_demo_network_has_its_own_coordinator_and_a_queue_of_requests() {
    use maillage_demo::DemoMembership;
    let net = network();
    let mut coordinators = HashSet::new();
    for n in &net.networks {
        assert_eq!(n.coordinators.len(), 1);
        let user = &net.users[n.coordinators[0]];
        assert!(!user.is_admin, "coordinators are not administrators");
        assert!(user.email.starts_with("coordination."), "{}", user.email);
        assert!(coordinators.insert(n.coordinators[0]), "one coordinator per network");
    }
    let all: Vec<_> = net.networks.iter().flat_map(|n| n.members.iter().map(|(_, s)| *s)).collect();
    let count = |s: DemoMembership| all.iter().filter(|&&x| x == s).count();
    assert!(count(DemoMembership::Member) > 1_500, "{} members", count(DemoMembership::Member));
    assert!(count(DemoMembership::Requested) > 50);
    assert!(count(DemoMembership::Invited) > 20);
    // Thematic networks gather the places of their types.
    let fablabs =
        net.networks.iter().find(|n| n.input.name.as_deref().is_some_and(|s| s.contains("fablabs"))).unwrap();
    for &(i, _) in &fablabs.members {
        let types = &net.places[i].input.types;
        assert!(types.iter().any(|t| t == "fablab" || t == "shared_workshop"), "{types:?}");
    }
}

#[test]
fn only_published_demo_places_join_networks() {
    let net = network();
    for n in &net.networks {
        for &(i, _) in &n.members {
            assert_eq!(net.places[i].input.status.as_deref(), Some("published"), "{:?}", n.input.name);
        }
    }
}

#[test]
fn demo_communities_validate_and_their_people_are_demo_accounts() {
    let net = network();
    assert_eq!(net.communities.len(), 4);
    for c in &net.communities {
        let data = c
            .input
            .validate(Reference::shared())
            .unwrap_or_else(|e| panic!("{:?}: {:?}", c.input.name, e.errors));
        assert_eq!(c.referents.len(), 1, "{}", data.name);
        let mut people: HashSet<usize> = HashSet::new();
        for &i in c.referents.iter().chain(&c.members).chain(c.requests.iter().map(|(i, _)| i)) {
            assert!(!net.users[i].is_admin, "{}: people are not the administrators", data.name);
            assert!(people.insert(i), "{}: a person is listed once", data.name);
        }
        assert!(!c.publications.is_empty(), "{} has a feed", data.name);
        for p in &c.publications {
            assert!(c.referents.contains(&p.author) || c.members.contains(&p.author), "authors are members");
            maillage_domain::PublicationInput { title: Some(p.title.clone()), body: Some(p.body.clone()) }
                .validate()
                .unwrap();
        }
        let approval = data.join_policy == maillage_domain::community::JoinPolicy::Approval;
        assert_eq!(
            !c.requests.is_empty(),
            approval,
            "{}: requests wait only where joining is approved",
            data.name
        );
    }
}

#[test]
fn demo_proposals_come_from_another_account_and_validate() {
    let net = network();
    assert!(!net.proposals.is_empty() && !net.reports.is_empty());
    for p in &net.proposals {
        assert!(!net.users[p.proposer].manages.contains(&p.place), "a proposal comes from someone else");
        p.input.validate(Reference::shared(), FarLocation::RefuseUnlessConfirmed).unwrap();
        assert_ne!(p.input, net.places[p.place].input, "it changes something");
    }
    for r in &net.reports {
        assert!(r.kind.parse::<maillage_domain::moderation::ReportKind>().is_ok());
    }
}
