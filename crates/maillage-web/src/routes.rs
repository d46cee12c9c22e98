//! Every route of the site and the API with the rule that guards it. The handlers ask the
//! app, which asks `can`; this list says which rule each route answers to, so that
//! `tests/routes.rs` derives the expected status of every route for every role from the
//! rule itself, and fails when the router has a route this list lacks.

use maillage_app::permissions::Action;

/// The method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// What guards a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Everyone, signed in or not (public pages and data, forms to sign in, assets).
    Open,
    /// A signed-in person, acting on their own account or session.
    SignedIn,
    /// `action` on the place named by `{id}` in the path.
    Place(Action),
    /// `action` on the platform.
    Platform(Action),
    /// `action` on the network named by `{id}` in the path.
    Network(Action),
    /// `action` on the community named by `{id}` in the path.
    Community(Action),
}

/// A route: method, path (axum syntax) and rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub rule: Rule,
}

const fn r(method: Method, path: &'static str, rule: Rule) -> Route {
    Route { method, path, rule }
}

use Method::{Delete, Get, Post, Put};
use Rule::{Community, Network, Open, Place, Platform, SignedIn};

/// Every route of [`crate::router`].
pub fn route_list() -> Vec<Route> {
    vec![
        // Pages (pages.rs).
        r(Get, "/", Open),
        r(Get, "/healthz", Open),
        r(Get, "/lieux/nouveau", Platform(Action::CreatePlace)),
        r(Post, "/lieux/nouveau", Platform(Action::CreatePlace)),
        r(Get, "/lieux/{id}", Place(Action::ViewPublished)),
        r(Get, "/lieux/{id}/modifier", Place(Action::Edit)),
        r(Post, "/lieux/{id}/modifier", Place(Action::Edit)),
        r(Post, "/lieux/{id}/archiver", Place(Action::Edit)),
        r(Get, "/lieux/{id}/historique", Place(Action::ViewPublished)),
        r(Post, "/lieux/{id}/historique/{change}/retablir", Place(Action::Revert)),
        r(Post, "/lieux/{id}/reseaux", Place(Action::JoinNetwork)),
        r(Get, "/mes-lieux", SignedIn),
        // Networks (pages/networks.rs).
        r(Get, "/reseaux", Open),
        r(Get, "/reseaux/nouveau", Platform(Action::CreateNetwork)),
        r(Post, "/reseaux/nouveau", Platform(Action::CreateNetwork)),
        r(Get, "/reseaux/{id}", Open),
        r(Get, "/reseaux/{id}/modifier", Network(Action::EditNetwork)),
        r(Post, "/reseaux/{id}/modifier", Network(Action::EditNetwork)),
        r(Get, "/reseaux/{id}/sous-reseau", Network(Action::CreateSubNetwork)),
        r(Post, "/reseaux/{id}/sous-reseau", Network(Action::CreateSubNetwork)),
        r(Post, "/reseaux/{id}/adhesions", Network(Action::ManageMembers)),
        // Either side decides or ends a membership: the network's coordinators or the
        // place's team (checked by the app on the membership itself).
        r(Post, "/reseaux/{id}/adhesions/{place}/decision", SignedIn),
        r(Post, "/reseaux/{id}/adhesions/{place}/retrait", SignedIn),
        r(Post, "/reseaux/{id}/coordination", Network(Action::ManageCoordinators)),
        r(Get, "/reseaux/{id}/carte", Open),
        r(Get, "/lieux/{id}/proposer", Place(Action::ProposeEdit)),
        r(Post, "/lieux/{id}/proposer", Place(Action::ProposeEdit)),
        r(Get, "/lieux/{id}/signaler", Place(Action::ViewPublished)),
        r(Post, "/lieux/{id}/signaler", Place(Action::ViewPublished)),
        // The queue holds what the person answers for; the use cases check each decision.
        r(Get, "/moderation", SignedIn),
        r(Post, "/moderation/propositions/{id}/decision", SignedIn),
        r(Post, "/moderation/signalements/{id}/decision", SignedIn),
        r(Post, "/moderation/doublons", SignedIn),
        r(Get, "/moderation/fusion", SignedIn),
        r(Post, "/moderation/fusion", SignedIn),
        r(Get, "/communautes", Open),
        r(Get, "/communautes/nouveau", Platform(Action::CreateCommunity)),
        r(Post, "/communautes/nouveau", Platform(Action::CreateCommunity)),
        r(Get, "/communautes/{id}", Open),
        r(Get, "/communautes/{id}/modifier", Community(Action::EditCommunity)),
        r(Post, "/communautes/{id}/modifier", Community(Action::EditCommunity)),
        r(Post, "/communautes/{id}/adhesion", Community(Action::JoinCommunity)),
        r(Post, "/communautes/{id}/demandes/{user}/decision", Community(Action::ManageCommunity)),
        r(Post, "/communautes/{id}/membres/{user}/retrait", Community(Action::ManageCommunity)),
        r(Post, "/communautes/{id}/referents", Community(Action::ManageCommunity)),
        r(Post, "/communautes/{id}/publications", Community(Action::PostInCommunity)),
        // Its author, or the community's referents: the use case checks which.
        r(Post, "/communautes/{id}/publications/{publication}/retrait", SignedIn),
        r(Get, "/territoires/communes/{code}", Open),
        r(Get, "/territoires/departements/{code}", Open),
        r(Get, "/territoires/regions/{code}", Open),
        r(Get, "/territoire", Open),
        r(Get, "/connexion", Open),
        r(Post, "/connexion", Open),
        r(Post, "/deconnexion", Open),
        r(Get, "/mot-de-passe/oubli", Open),
        r(Post, "/mot-de-passe/oubli", Open),
        r(Get, "/mot-de-passe/nouveau", Open),
        r(Post, "/mot-de-passe/nouveau", Open),
        r(Get, "/admin/import", Platform(Action::Import)),
        r(Post, "/admin/import", Platform(Action::Import)),
        r(Get, "/admin/import/modele.csv", Platform(Action::Import)),
        r(Get, "/admin/import/modele-excel.csv", Platform(Action::Import)),
        // The account (account.rs).
        r(Get, "/compte", SignedIn),
        r(Get, "/compte/donnees.json", SignedIn),
        r(Post, "/compte/supprimer", SignedIn),
        // The API (api.rs).
        r(Get, "/api/v1/places", Open),
        r(Post, "/api/v1/places", Platform(Action::CreatePlace)),
        r(Get, "/api/v1/places.geojson", Open),
        r(Get, "/api/v1/places/{id}", Place(Action::ViewPublished)),
        r(Put, "/api/v1/places/{id}", Place(Action::Edit)),
        r(Post, "/api/v1/places/{id}/archive", Place(Action::Edit)),
        r(Get, "/api/v1/places/{id}/history", Place(Action::ViewPublished)),
        r(Post, "/api/v1/places/{id}/history/{change}/revert", Place(Action::Revert)),
        r(Get, "/api/v1/export", Platform(Action::Export)),
        r(Get, "/api/v1/networks", Open),
        r(Get, "/api/v1/networks/{id}", Open),
        r(Get, "/api/v1/communities", Open),
        r(Get, "/api/v1/communities/{id}", Open),
        r(Get, "/api/v1/search", Open),
        r(Get, "/api/v1/communes", Open),
        r(Get, "/api/v1/vocabularies", Open),
        r(Get, "/api/v1/territory/nearest", Open),
        r(Get, "/api/v1/territory/coverage", Open),
        r(Get, "/api/v1/territory/access", Open),
        r(Get, "/api/v1/territory/recommend", Open),
        r(Get, "/api/v1/session", SignedIn),
        r(Post, "/api/v1/session", Open),
        r(Delete, "/api/v1/session", SignedIn),
        // Assets (assets.rs).
        r(Get, "/assets/departements.geojson", Open),
        r(Get, "/assets/{*path}", Open),
        r(Get, "/favicon.ico", Open),
        // The OpenAPI document and its viewer (openapi.rs): our page, Swagger UI's files.
        r(Get, "/api/v1/openapi.json", Open),
        r(Get, "/api/docs", Open),
        r(Get, "/api/docs/", Open),
        r(Get, "/api/docs/{*path}", Open),
    ]
}
