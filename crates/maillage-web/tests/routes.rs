//! Permission tests derived from the route list (`maillage_web::routes::route_list`): every
//! route is requested as each role — visitor, contributor, manager, coordinator, admin,
//! member and referent of a community —
//! and the status must be the one its rule gives, computed by `can` itself. A route the
//! router serves but the list lacks fails the second test, so no route goes untested.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use maillage_app::Actor;
use maillage_app::permissions::{Action, Grant, Resource, can};
use maillage_domain::{NetworkId, Place};
use maillage_web::routes::{Route, Rule, route_list};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Visitor,
    Contributor,
    Manager,
    Coordinator,
    Admin,
    Member,
    Referent,
}
use Role::*;
const ROLES: [Role; 7] = [Visitor, Contributor, Manager, Coordinator, Admin, Member, Referent];

fn email(role: Role) -> &'static str {
    match role {
        Visitor => "",
        Contributor => "contrib@exemple.fr",
        Manager => "gestion@exemple.fr",
        Coordinator => "coord@exemple.fr",
        Admin => "admin@exemple.fr",
        Member => "membre@exemple.fr",
        Referent => "referent@exemple.fr",
    }
}

/// What a request sends: `{role}` in a value is replaced by the role's name (each role
/// its own address, so that per-address limits do not mix roles).
enum Body {
    None,
    Form(&'static [(&'static str, &'static str)]),
    Json(Value),
    Multipart,
}

/// How a route is exercised: the URI (`{id}` a place, `{change}` its creation), the body,
/// the status when the rule allows the role, and whether the request needs a session of
/// its own (signing out ends it).
struct Sample {
    uri: &'static str,
    body: Body,
    allowed: u16,
    fresh_session: bool,
}

fn s(uri: &'static str, body: Body, allowed: u16) -> Sample {
    Sample { uri, body, allowed, fresh_session: false }
}

/// Writes name a stale version: an allowed role gets 409 and nothing changes, so the
/// places stay as they are for the next requests.
fn sample(route: &Route) -> Option<Sample> {
    use maillage_web::routes::Method as M;
    let stale_form: &'static [(&str, &str)] = &[
        ("name", "Renommé"),
        ("types", "fablab"),
        ("postal_code", "42000"),
        ("commune_code", "42218"),
        ("version", "999"),
    ];
    let mut stale_json = place_json("Renommé");
    stale_json["version"] = json!(999);
    Some(match (route.method, route.path) {
        (M::Get, "/") => s("/", Body::None, 200),
        (M::Get, "/healthz") => s("/healthz", Body::None, 200),
        (M::Get, "/lieux/nouveau") => s("/lieux/nouveau", Body::None, 200),
        (M::Post, "/lieux/nouveau") => s("/lieux/nouveau", Body::Form(&[("name", "")]), 422),
        (M::Get, "/lieux/{id}") => s("/lieux/{id}", Body::None, 200),
        (M::Get, "/lieux/{id}/modifier") => s("/lieux/{id}/modifier", Body::None, 200),
        (M::Post, "/lieux/{id}/modifier") => s("/lieux/{id}/modifier", Body::Form(stale_form), 409),
        (M::Post, "/lieux/{id}/archiver") => {
            s("/lieux/{id}/archiver", Body::Form(&[("version", "999")]), 409)
        }
        (M::Get, "/lieux/{id}/historique") => s("/lieux/{id}/historique", Body::None, 200),
        // The creation has no earlier value: refused on `field` (422) once allowed.
        (M::Post, "/lieux/{id}/historique/{change}/retablir") => s(
            "/lieux/{id}/historique/{change}/retablir",
            Body::Form(&[("field", "name"), ("version", "999")]),
            422,
        ),
        (M::Get, "/mes-lieux") => s("/mes-lieux", Body::None, 200),
        // An unknown network: refused on `network` (422) once allowed.
        (M::Post, "/lieux/{id}/reseaux") => {
            s("/lieux/{id}/reseaux", Body::Form(&[("network", "00000000-0000-0000-0000-000000000000")]), 422)
        }
        (M::Get, "/reseaux") => s("/reseaux", Body::None, 200),
        (M::Get, "/reseaux/nouveau") => s("/reseaux/nouveau", Body::None, 200),
        (M::Post, "/reseaux/nouveau") => s("/reseaux/nouveau", Body::Form(&[("name", "")]), 422),
        (M::Get, "/reseaux/{id}") => s("/reseaux/{network}", Body::None, 200),
        (M::Get, "/reseaux/{id}/modifier") => s("/reseaux/{network}/modifier", Body::None, 200),
        (M::Post, "/reseaux/{id}/modifier") => s(
            "/reseaux/{network}/modifier",
            Body::Form(&[("name", "Renommé"), ("kind", "national"), ("version", "999")]),
            409,
        ),
        (M::Get, "/reseaux/{id}/sous-reseau") => s("/reseaux/{network}/sous-reseau", Body::None, 200),
        (M::Post, "/reseaux/{id}/sous-reseau") => {
            s("/reseaux/{network}/sous-reseau", Body::Form(&[("name", "")]), 422)
        }
        (M::Post, "/reseaux/{id}/adhesions") => {
            s("/reseaux/{network}/adhesions", Body::Form(&[("place", "pas-un-lieu")]), 422)
        }
        // No such membership: 404 for whoever is signed in.
        (M::Post, "/reseaux/{id}/adhesions/{place}/decision") => s(
            "/reseaux/{network}/adhesions/00000000-0000-0000-0000-000000000001/decision",
            Body::Form(&[("decision", "accept"), ("version", "1")]),
            404,
        ),
        (M::Post, "/reseaux/{id}/adhesions/{place}/retrait") => s(
            "/reseaux/{network}/adhesions/00000000-0000-0000-0000-000000000001/retrait",
            Body::Form(&[]),
            404,
        ),
        (M::Post, "/reseaux/{id}/coordination") => {
            s("/reseaux/{network}/coordination", Body::Form(&[("email", "personne@exemple.fr")]), 422)
        }
        (M::Get, "/reseaux/{id}/carte") => s("/reseaux/{network}/carte", Body::None, 200),
        (M::Get, "/lieux/{id}/proposer") => s("/lieux/{id}/proposer", Body::None, 200),
        // A proposal on a stale version: a conflict for whoever may propose.
        (M::Post, "/lieux/{id}/proposer") => s("/lieux/{id}/proposer", Body::Form(stale_form), 409),
        (M::Get, "/lieux/{id}/signaler") => s("/lieux/{id}/signaler", Body::None, 200),
        (M::Post, "/lieux/{id}/signaler") => {
            s("/lieux/{id}/signaler", Body::Form(&[("kind", "inconnu")]), 422)
        }
        (M::Get, "/moderation") => s("/moderation", Body::None, 200),
        // No such item: 404 for whoever is signed in.
        (M::Post, "/moderation/propositions/{id}/decision") => s(
            "/moderation/propositions/00000000-0000-0000-0000-000000000001/decision",
            Body::Form(&[("decision", "accept"), ("version", "1")]),
            404,
        ),
        (M::Post, "/moderation/signalements/{id}/decision") => s(
            "/moderation/signalements/00000000-0000-0000-0000-000000000001/decision",
            Body::Form(&[("decision", "accept"), ("version", "1")]),
            404,
        ),
        // Two places that do not exist: 404 for whoever is signed in.
        (M::Post, "/moderation/doublons") => s(
            "/moderation/doublons",
            Body::Form(&[
                ("a", "00000000-0000-0000-0000-000000000001"),
                ("b", "00000000-0000-0000-0000-000000000002"),
            ]),
            404,
        ),
        (M::Get, "/moderation/fusion") => s(
            "/moderation/fusion?a=00000000-0000-0000-0000-000000000001&b=00000000-0000-0000-0000-000000000002",
            Body::None,
            404,
        ),
        (M::Post, "/moderation/fusion") => s(
            "/moderation/fusion",
            Body::Form(&[
                ("a", "00000000-0000-0000-0000-000000000001"),
                ("b", "00000000-0000-0000-0000-000000000002"),
            ]),
            404,
        ),
        (M::Get, "/communautes") => s("/communautes", Body::None, 200),
        (M::Get, "/communautes/nouveau") => s("/communautes/nouveau", Body::None, 200),
        (M::Post, "/communautes/nouveau") => s("/communautes/nouveau", Body::Form(&[("name", "")]), 422),
        (M::Get, "/communautes/{id}") => s("/communautes/{community}", Body::None, 200),
        (M::Get, "/communautes/{id}/modifier") => s("/communautes/{community}/modifier", Body::None, 200),
        (M::Post, "/communautes/{id}/modifier") => s(
            "/communautes/{community}/modifier",
            Body::Form(&[
                ("name", "Renommée"),
                ("scope", "national"),
                ("summary", "Résumé"),
                ("version", "999"),
            ]),
            409,
        ),
        // A message too long: 422 for whoever may join (members: "already a member").
        (M::Post, "/communautes/{id}/adhesion") => {
            let long: &'static str = Box::leak("a".repeat(1_001).into_boxed_str());
            let fields: &'static [(&str, &str)] = Box::leak(vec![("message", long)].into_boxed_slice());
            s("/communautes/{community}/adhesion", Body::Form(fields), 422)
        }
        // No such request: a conflict for whoever decides.
        (M::Post, "/communautes/{id}/demandes/{user}/decision") => s(
            "/communautes/{community}/demandes/00000000-0000-0000-0000-000000000001/decision",
            Body::Form(&[("decision", "accept"), ("version", "1")]),
            409,
        ),
        (M::Post, "/communautes/{id}/membres/{user}/retrait") => s(
            "/communautes/{community}/membres/00000000-0000-0000-0000-000000000001/retrait",
            Body::Form(&[]),
            404,
        ),
        (M::Post, "/communautes/{id}/referents") => {
            s("/communautes/{community}/referents", Body::Form(&[("email", "personne@exemple.fr")]), 422)
        }
        (M::Post, "/communautes/{id}/publications") => {
            s("/communautes/{community}/publications", Body::Form(&[("title", "")]), 422)
        }
        (M::Post, "/communautes/{id}/publications/{publication}/retrait") => s(
            "/communautes/{community}/publications/00000000-0000-0000-0000-000000000001/retrait",
            Body::Form(&[]),
            404,
        ),
        (M::Get, "/api/v1/communities") => s("/api/v1/communities", Body::None, 200),
        (M::Get, "/api/v1/communities/{id}") => s("/api/v1/communities/{community}", Body::None, 200),
        (M::Get, "/api/v1/networks") => s("/api/v1/networks", Body::None, 200),
        (M::Get, "/api/v1/networks/{id}") => s("/api/v1/networks/{network}", Body::None, 200),
        (M::Get, "/territoires/communes/{code}") => s("/territoires/communes/42218", Body::None, 200),
        (M::Get, "/territoires/departements/{code}") => s("/territoires/departements/42", Body::None, 200),
        (M::Get, "/territoires/regions/{code}") => s("/territoires/regions/84", Body::None, 200),
        (M::Get, "/territoire") => s("/territoire", Body::None, 200),
        (M::Get, "/connexion") => s("/connexion", Body::None, 200),
        (M::Post, "/connexion") => s(
            "/connexion",
            Body::Form(&[("email", "personne-{role}@exemple.fr"), ("password", "pas-le-bon")]),
            401,
        ),
        (M::Post, "/deconnexion") => {
            Sample { fresh_session: true, ..s("/deconnexion", Body::Form(&[]), 303) }
        }
        (M::Get, "/mot-de-passe/oubli") => s("/mot-de-passe/oubli", Body::None, 200),
        (M::Post, "/mot-de-passe/oubli") => {
            s("/mot-de-passe/oubli", Body::Form(&[("email", "oubli-{role}@exemple.fr")]), 200)
        }
        (M::Get, "/mot-de-passe/nouveau") => s("/mot-de-passe/nouveau?token=inconnu", Body::None, 200),
        (M::Post, "/mot-de-passe/nouveau") => s(
            "/mot-de-passe/nouveau",
            Body::Form(&[
                ("token", "inconnu"),
                ("password", "un-mot-de-passe-long"),
                ("confirm", "un-mot-de-passe-long"),
            ]),
            422,
        ),
        (M::Get, "/admin/import") => s("/admin/import", Body::None, 200),
        (M::Get, "/admin/import/modele.csv") => s("/admin/import/modele.csv", Body::None, 200),
        (M::Get, "/admin/import/modele-excel.csv") => s("/admin/import/modele-excel.csv", Body::None, 200),
        (M::Post, "/admin/import") => s("/admin/import", Body::Multipart, 422),
        (M::Get, "/compte") => s("/compte", Body::None, 200),
        (M::Get, "/compte/donnees.json") => s("/compte/donnees.json", Body::None, 200),
        (M::Post, "/compte/supprimer") => {
            s("/compte/supprimer", Body::Form(&[("password", "pas-le-bon"), ("confirm", "1")]), 422)
        }
        (M::Get, "/api/v1/places") => s("/api/v1/places", Body::None, 200),
        (M::Post, "/api/v1/places") => s("/api/v1/places", Body::Json(json!({})), 422),
        (M::Get, "/api/v1/places.geojson") => s("/api/v1/places.geojson", Body::None, 200),
        (M::Get, "/api/v1/places/{id}") => s("/api/v1/places/{id}", Body::None, 200),
        (M::Put, "/api/v1/places/{id}") => s("/api/v1/places/{id}", Body::Json(stale_json), 409),
        (M::Post, "/api/v1/places/{id}/archive") => {
            s("/api/v1/places/{id}/archive", Body::Json(json!({ "version": 999 })), 409)
        }
        (M::Get, "/api/v1/places/{id}/history") => s("/api/v1/places/{id}/history", Body::None, 200),
        (M::Post, "/api/v1/places/{id}/history/{change}/revert") => s(
            "/api/v1/places/{id}/history/{change}/revert",
            Body::Json(json!({ "field": "name", "version": 999 })),
            422,
        ),
        (M::Get, "/api/v1/export") => s("/api/v1/export?format=csv", Body::None, 200),
        (M::Get, "/api/v1/search") => s("/api/v1/search?q=lieu", Body::None, 200),
        (M::Get, "/api/v1/communes") => s("/api/v1/communes?q=lyon", Body::None, 200),
        (M::Get, "/api/v1/vocabularies") => s("/api/v1/vocabularies", Body::None, 200),
        (M::Get, "/api/v1/territory/nearest") => s("/api/v1/territory/nearest?territory=42", Body::None, 200),
        (M::Get, "/api/v1/territory/coverage") => {
            s("/api/v1/territory/coverage?radius_km=10&by=region", Body::None, 200)
        }
        (M::Get, "/api/v1/territory/access") => {
            s("/api/v1/territory/access?method=2sfca&catchment_km=10&territory=42", Body::None, 200)
        }
        (M::Get, "/api/v1/territory/recommend") => {
            s("/api/v1/territory/recommend?objective=mclp&k=1&radius_km=10&territory=42", Body::None, 200)
        }
        (M::Get, "/api/v1/session") => s("/api/v1/session", Body::None, 200),
        (M::Post, "/api/v1/session") => s(
            "/api/v1/session",
            Body::Json(json!({ "email": "personne-{role}@exemple.fr", "password": "pas-le-bon" })),
            401,
        ),
        (M::Delete, "/api/v1/session") => {
            Sample { fresh_session: true, ..s("/api/v1/session", Body::Json(json!({})), 204) }
        }
        (M::Get, "/assets/departements.geojson") => s("/assets/departements.geojson", Body::None, 200),
        (M::Get, "/assets/{*path}") => s("/assets/site.css", Body::None, 200),
        (M::Get, "/favicon.ico") => s("/favicon.ico", Body::None, 200),
        (M::Get, "/api/v1/openapi.json") => s("/api/v1/openapi.json", Body::None, 200),
        (M::Get, "/api/docs") => s("/api/docs", Body::None, 303),
        (M::Get, "/api/docs/") => s("/api/docs/", Body::None, 200),
        (M::Get, "/api/docs/{*path}") => s("/api/docs/swagger-ui.css", Body::None, 200),
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Allowed,
    /// Sent to sign in: 303 to `/connexion` (pages) or 401.
    Login,
    NotFound,
    Forbidden,
}

/// What the rule says for `actor` on `route` (and `place` for place routes, `network` for
/// network routes).
fn expect(
    rule: Rule,
    actor: &Actor,
    place: Option<&Place>,
    network: NetworkId,
    community: maillage_domain::CommunityId,
) -> Expect {
    let signed_in = actor.user().is_some();
    let refused = |action: Action, resource: &Resource| {
        if can(actor, action, resource) {
            Expect::Allowed
        } else if !signed_in {
            Expect::Login
        } else {
            Expect::Forbidden
        }
    };
    match rule {
        Rule::Open => Expect::Allowed,
        Rule::SignedIn if signed_in => Expect::Allowed,
        Rule::SignedIn => Expect::Login,
        Rule::Platform(action) => refused(action, &Resource::Platform),
        Rule::Network(action) => refused(action, &Resource::Network { id: network, ancestors: Vec::new() }),
        Rule::Community(action) => refused(action, &Resource::Community { id: community }),
        Rule::Place(action) => {
            let place = place.expect("a place route");
            let resource = Resource::place(place.id, place.status);
            let sees = can(actor, Action::view(place.status), &resource);
            if can(actor, action, &resource) {
                Expect::Allowed
            } else if action == Action::ViewPublished {
                // Reading what one may not see: it does not exist.
                Expect::NotFound
            } else if !signed_in {
                Expect::Login
            } else if !sees {
                Expect::NotFound
            } else {
                Expect::Forbidden
            }
        }
    }
}

fn method(m: maillage_web::routes::Method) -> Method {
    match m {
        maillage_web::routes::Method::Get => Method::GET,
        maillage_web::routes::Method::Post => Method::POST,
        maillage_web::routes::Method::Put => Method::PUT,
        maillage_web::routes::Method::Delete => Method::DELETE,
    }
}

fn role_name(role: Role) -> String {
    format!("{role:?}").to_lowercase()
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_rule_says() {
    let app = spawn().await;
    for role in [Contributor, Manager, Coordinator, Member, Referent] {
        app.create_user(email(role), false).await;
    }
    app.create_user(email(Admin), true).await;
    let store = app.state.app().store();
    let coordinator = store
        .user_by_email(&maillage_domain::fields::Email::parse(email(Coordinator)).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user;
    // A network the places are not in, and its coordinator.
    let admin_user = store
        .user_by_email(&maillage_domain::fields::Email::parse(email(Admin)).unwrap())
        .await
        .unwrap()
        .unwrap()
        .user;
    let admin_actor = app.state.app().actor_of(&admin_user).await.unwrap();
    let network = app
        .state
        .app()
        .create_network(
            &admin_actor,
            &maillage_domain::NetworkInput {
                name: Some("Réseau de la Loire".into()),
                kind: Some("departmental".into()),
                areas: vec!["departement:42".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store.grant(coordinator.id, Grant::coordinator(network.id), None).await.unwrap();
    // A community on approval, its referent and a member.
    let community = app
        .state
        .app()
        .create_community(
            &admin_actor,
            &maillage_domain::CommunityInput {
                name: Some("Tiers-lieux éducatifs".into()),
                scope: Some("national".into()),
                summary: Some("Une communauté".into()),
                join_policy: Some("approval".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for (role, grant) in [(Member, Grant::member(community.id)), (Referent, Grant::referent(community.id))] {
        let user = store
            .user_by_email(&maillage_domain::fields::Email::parse(email(role)).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user;
        store.grant(user.id, grant, None).await.unwrap();
    }
    let mut clients = Vec::new();
    for role in ROLES {
        clients.push(if role == Visitor { app.visitor().await } else { app.sign_in(email(role)).await });
    }

    // The manager's draft, and a place the admin published (the manager does not manage it).
    let draft = app.json(Some(&clients[2]), Method::POST, "/api/v1/places", &place_json("Brouillon")).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let mut published = place_json("Lieu publié");
    published["status"] = json!("published");
    let published = app.json(Some(&clients[4]), Method::POST, "/api/v1/places", &published).await;
    assert_eq!(published.status, StatusCode::CREATED, "{}", published.body);
    let mut places = Vec::new();
    for r in [draft, published] {
        let id: maillage_domain::PlaceId = r.json()["id"].as_str().unwrap().parse().unwrap();
        let place = store.place(id).await.unwrap().unwrap();
        let history = store.history("place", &id.to_string()).await.unwrap();
        places.push((place, history[0].id.to_string()));
    }
    // The actors the rule is asked about: the accounts with the roles they hold.
    let mut actors = vec![Actor::Anonymous];
    for role in &ROLES[1..] {
        let user = store
            .user_by_email(&maillage_domain::fields::Email::parse(email(*role)).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user;
        actors.push(app.state.app().actor_of(&user).await.unwrap());
    }

    let mut checked = 0;
    let mut failures = Vec::new();
    for route in route_list() {
        let sample = sample(&route).unwrap_or_else(|| {
            panic!("{} {} has no sample request in tests/routes.rs", route.method.as_str(), route.path)
        });
        let on: Vec<Option<&(Place, String)>> =
            if matches!(route.rule, Rule::Place(_)) { places.iter().map(Some).collect() } else { vec![None] };
        for target in on {
            for (i, role) in ROLES.iter().enumerate() {
                let client = if sample.fresh_session && *role != Visitor {
                    app.sign_in(email(*role)).await
                } else {
                    clients[i].clone()
                };
                let mut uri = sample.uri.replace("{csrf}", &client.csrf);
                if let Some((place, change)) = target {
                    uri = uri.replace("{id}", &place.id.to_string()).replace("{change}", change);
                }
                uri = uri.replace("{network}", &network.id.to_string());
                uri = uri.replace("{community}", &community.id.to_string());
                let name = role_name(*role);
                let r = match &sample.body {
                    Body::None => {
                        app.send(Some(&client), method(route.method), &uri, None, Vec::new(), &[]).await
                    }
                    Body::Form(fields) => {
                        let fields: Vec<(&str, String)> =
                            fields.iter().map(|(k, v)| (*k, v.replace("{role}", &name))).collect();
                        let fields: Vec<(&str, &str)> =
                            fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        app.post_form(&client, &uri, &fields).await
                    }
                    Body::Json(v) => {
                        let v: Value = serde_json::from_str(&v.to_string().replace("{role}", &name)).unwrap();
                        app.json(Some(&client), method(route.method), &uri, &v).await
                    }
                    Body::Multipart => {
                        app.send(
                            Some(&client),
                            Method::POST,
                            &uri,
                            Some("multipart/form-data; boundary=x"),
                            // The token as the first field, and no file: 422 for who may import.
                            format!(
                                "--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--x--\r\n",
                                client.csrf
                            )
                            .into_bytes(),
                            &[],
                        )
                        .await
                    }
                };
                let want = expect(route.rule, &actors[i], target.map(|(p, _)| p), network.id, community.id);
                let code = r.status.as_u16();
                let ok = match want {
                    Expect::Allowed => code == sample.allowed,
                    Expect::Login => code == 401 || (code == 303 && r.location().starts_with("/connexion")),
                    Expect::NotFound => code == 404,
                    Expect::Forbidden => code == 403,
                };
                if !ok {
                    failures.push(format!(
                        "{} {uri} as {name}: {code}, the rule says {want:?}{}",
                        route.method.as_str(),
                        if want == Expect::Allowed {
                            format!(" ({})", sample.allowed)
                        } else {
                            String::new()
                        }
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} requests:\n{}", failures.len(), failures.join("\n"));
    assert!(checked >= route_list().len() * ROLES.len());
}

/// The `.route("…", get(…).post(…))` calls of the web crate's sources.
fn routes_in_sources() -> Vec<(String, String)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices(".route(\"") {
            let rest = &text[at + 8..];
            let path = &rest[..rest.find('"').unwrap()];
            // The handlers: up to the next route (or the end of the chain).
            let call = &rest[..rest[1..].find(".route(").map_or(rest.len().min(400), |n| n + 1)];
            for m in ["get", "post", "put", "delete", "patch"] {
                let token = format!("{m}(");
                let mut any = false;
                for (i, _) in call.match_indices(&token) {
                    let before = call[..i].chars().last();
                    if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':')) {
                        any = true;
                    }
                }
                if any {
                    found.push((m.to_uppercase(), path.to_owned()));
                }
            }
        }
    }
    found
}

/// What the router's fallback says, in an API error and on a page.
const UNKNOWN_ROUTE: &str = "unknown_route";
const UNKNOWN_PAGE: &str = "Aucune page de Maillage ne se trouve à cette adresse";

#[tokio::test]
async fn an_unknown_address_gets_a_404_page_in_the_visitors_language_or_a_json_error() {
    let app = spawn().await;
    let page = app.get(None, "/nulle-part").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains(UNKNOWN_PAGE) && page.body.contains("<html lang=\"fr\""), "{}", page.body);
    assert!(page.body.contains("href=\"/\""), "a way back to the directory");
    let english =
        app.send(None, Method::GET, "/nowhere", None, Vec::new(), &[("accept-language", "en")]).await;
    assert!(english.body.contains("No Maillage page is at this address"), "{}", english.body);
    let api = app.get(None, "/api/v1/nulle-part").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"]["code"], UNKNOWN_ROUTE);
}

#[tokio::test]
async fn the_router_has_no_route_missing_from_the_list() {
    let listed: Vec<(String, String)> =
        route_list().iter().map(|r| (r.method.as_str().to_owned(), r.path.to_owned())).collect();
    let in_sources = routes_in_sources();
    assert!(in_sources.len() > 40, "the sources were read: {in_sources:?}");
    for route in &in_sources {
        assert!(
            listed.contains(route),
            "{} {} is served but not in route_list() (src/routes.rs)",
            route.0,
            route.1
        );
    }
    // And each listed route is served: the router answers neither 405 nor its bare 404.
    let app = spawn().await;
    let visitor = app.visitor().await;
    for route in route_list() {
        let uri = route
            .path
            .replace("{id}", &maillage_domain::PlaceId::new().to_string())
            .replace("{change}", "x")
            .replace("{code}", "42")
            .replace("{*path}", "site.css");
        let r = app.send(Some(&visitor), method(route.method), &uri, None, Vec::new(), &[]).await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{} {uri}", route.method.as_str());
        assert!(
            !(r.status == StatusCode::NOT_FOUND && r.body.contains(UNKNOWN_ROUTE)),
            "{} {uri}: the router does not know it",
            route.method.as_str()
        );
    }
}
