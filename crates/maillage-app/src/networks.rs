//! Networks of places as use cases: list and read them, create and edit them (the tree is
//! checked: no cycle, the parent exists), places asking to join or invited, the decisions
//! of coordinators and place teams, leaving, coordinators named and removed, and the
//! network's figures from the territory engine (places by type and by département, the
//! population within R km of a member place over its territory, its white zones).
//!
//! Who may do what is `can` ([`crate::permissions`]): coordinators act on their network and
//! its sub-networks, a place's team on its place, administrators on everything.

use crate::error::{AppError, AppResult};
use crate::history::author_of;
use crate::permissions::{Action, Grant, Resource, require};
use crate::territory::france_units;
use crate::{App, PlaceFilter};
use chrono::Utc;
use maillage_domain::messages::Message;
use maillage_domain::network::{
    Area, AreaLevel, Membership, MembershipStatus, Network, NetworkInput, NetworkKind, membership_message,
};
use maillage_domain::user::Actor;
use maillage_domain::vocab::{PlaceType, Vocabulary};
use maillage_domain::{FieldError, Gazetteer, NetworkId, PlaceId, PlaceStatus, ValidationErrors};
use maillage_store::NetworkSnapshot;
use maillage_territory::analysis::{GreatCircle, PlaceRow, Supply, Territory, WhiteZone, coverage};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The radius of a network's coverage figure unless asked otherwise, in km.
pub const DEFAULT_RADIUS_KM: f64 = 10.0;
/// Radii a network page offers, in km.
pub const RADII_KM: [f64; 5] = [5.0, 10.0, 15.0, 20.0, 30.0];
/// White zones listed on a network page (the most populated first).
pub const WHITE_ZONES_SHOWN: usize = 20;

/// A part of a network's territory, named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaView {
    /// `region:53`…
    pub key: String,
    /// `region`, `departement`, `epci`, `commune`.
    pub level: &'static str,
    pub code: String,
    pub name: String,
}

/// Another network, named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkRef {
    pub id: NetworkId,
    pub name: String,
    pub kind: NetworkKind,
}

/// A network in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkSummary {
    pub id: NetworkId,
    pub name: String,
    pub kind: NetworkKind,
    pub summary: String,
    pub parent: Option<NetworkRef>,
    pub areas: Vec<AreaView>,
    /// Published member places (those visitors see), its sub-networks' included.
    pub places: usize,
    pub sub_networks: usize,
    pub logo_url: Option<String>,
}

/// A coordinator, as everyone sees them (the name only: the network's contact is its
/// email).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordinatorView {
    pub name: String,
    /// Only for those who manage the network's coordinators.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A membership with the place's name, for those who decide on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipView {
    pub place: PlaceId,
    pub place_name: String,
    pub commune: String,
    pub status: MembershipStatus,
    pub message: String,
    pub asked_at: chrono::DateTime<Utc>,
    pub decision_message: String,
    pub version: i64,
}

/// A network's page.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkDetail {
    #[serde(flatten)]
    pub summary: NetworkSummary,
    pub network: Network,
    /// From the parent up to the top of the tree.
    pub ancestors: Vec<NetworkRef>,
    pub sub_networks: Vec<NetworkSummary>,
    pub coordinators: Vec<CoordinatorView>,
    /// Requests and invitations waiting (for those who manage the members; else empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<MembershipView>,
    #[serde(skip)]
    pub may_edit: bool,
    #[serde(skip)]
    pub may_manage: bool,
    #[serde(skip)]
    pub may_create_sub: bool,
}

/// Filters of the list of networks.
#[derive(Debug, Clone, Default)]
pub struct NetworkFilter {
    pub text: Option<String>,
    pub kind: Option<NetworkKind>,
    /// Networks whose territory meets this région or département (a national network
    /// meets every one).
    pub area: Option<Area>,
}

/// Counts by a code, with its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Count {
    pub code: String,
    pub name: String,
    pub count: usize,
}

/// A network's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkFigures {
    /// Published places of the network (its sub-networks' included).
    pub places: usize,
    pub by_type: Vec<Count>,
    pub by_departement: Vec<Count>,
    pub radius_km: f64,
    /// Legal population of the network's territory, and within `radius_km` of one of its
    /// places (`None` without places).
    pub population: f64,
    pub covered_population: Option<f64>,
    pub covered_share: Option<f64>,
    /// Communes of the territory beyond the radius, most populated first (at most
    /// [`WHITE_ZONES_SHOWN`]), and how many there are in all.
    pub white_zones: Vec<WhiteZone>,
    pub white_zones_total: usize,
    pub white_zones_population: f64,
}

/// Figures computed, by network, revisions and radius.
#[derive(Debug, Default)]
pub(crate) struct FiguresCache(Mutex<HashMap<FiguresKey, Arc<NetworkFigures>>>);

/// A network, the networks' and the places' revisions, and the radius's bits.
type FiguresKey = (NetworkId, i64, i64, u64);

/// At most this many figures are kept (a network page asked at every radius, for every
/// network of a large platform, stays small).
const FIGURES_KEPT: usize = 256;

pub(crate) fn area_view(gazetteer: &dyn Gazetteer, area: &Area) -> AreaView {
    AreaView {
        key: area.key(),
        level: area.level.code(),
        code: area.code.clone(),
        name: gazetteer.area_name(area).unwrap_or_else(|| area.code.clone()),
    }
}

fn reference_of(n: &Network) -> NetworkRef {
    NetworkRef { id: n.id, name: n.data.name.clone(), kind: n.data.kind }
}

impl App {
    /// `published`: the member places counted are those visitors can see.
    fn summary_of(
        &self,
        snapshot: &NetworkSnapshot,
        published: &maillage_store::PublishedPlaces,
        n: &Network,
    ) -> NetworkSummary {
        NetworkSummary {
            id: n.id,
            name: n.data.name.clone(),
            kind: n.data.kind,
            summary: n.data.summary.clone(),
            parent: n.data.parent.and_then(|p| snapshot.get(p)).map(|p| reference_of(p)),
            areas: n.data.areas.iter().map(|a| area_view(self.reference, a)).collect(),
            places: published.count(&snapshot.places(n.id)),
            sub_networks: snapshot.children(n.id).len(),
            logo_url: n.data.logo_url.as_ref().map(|u| u.as_str().to_owned()),
        }
    }

    /// Every network matching the filter: best first for a text, else in name order.
    pub async fn networks(&self, filter: &NetworkFilter) -> AppResult<Vec<NetworkSummary>> {
        let text = filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text
            && t.chars().count() > crate::search::QUERY_MAX
        {
            return Err(FieldError::new(
                "q",
                "too_long",
                Message::new("search.too_long").with("max", crate::search::QUERY_MAX),
            )
            .into());
        }
        let query = text.map(maillage_search::Query::parse).filter(|q| !q.is_empty());
        let snapshot = self.store.network_snapshot().await?;
        let published = self.store.published_places().await?;
        Ok(snapshot
            .search(query.as_ref(), filter.kind)
            .into_iter()
            .filter(|n| filter.area.as_ref().is_none_or(|a| self.meets(n, a)))
            .map(|n| self.summary_of(&snapshot, &published, n))
            .collect())
    }

    /// Whether a network's territory meets a région or département.
    fn meets(&self, network: &Network, wanted: &Area) -> bool {
        if network.data.areas.is_empty() {
            return true;
        }
        let r = self.reference;
        let region_of = |area: &Area| -> Option<String> {
            match area.level {
                AreaLevel::Region => Some(area.code.clone()),
                AreaLevel::Departement => r.departement(&area.code).map(|d| d.region.clone()),
                AreaLevel::Commune => r.commune(&area.code).map(|c| c.region.clone()),
                AreaLevel::Epci => r.communes_in_epci(&area.code).next().map(|c| c.region.clone()),
            }
        };
        network.data.areas.iter().any(|a| match wanted.level {
            AreaLevel::Region => region_of(a).as_deref() == Some(wanted.code.as_str()),
            AreaLevel::Departement => match a.level {
                AreaLevel::Region => r.departement(&wanted.code).is_some_and(|d| d.region == a.code),
                AreaLevel::Departement => a.code == wanted.code,
                AreaLevel::Commune => r.commune(&a.code).is_some_and(|c| c.departement == wanted.code),
                AreaLevel::Epci => r.communes_in_epci(&a.code).any(|c| c.departement == wanted.code),
            },
            _ => a == wanted,
        })
    }

    /// The network's page, as `actor` may see it.
    pub async fn network_detail(&self, actor: &Actor, id: NetworkId) -> AppResult<NetworkDetail> {
        let snapshot = self.store.network_snapshot().await?;
        let network = snapshot.get(id).ok_or(AppError::NotFound)?;
        let resource = network_resource(&snapshot, id);
        let may_manage = actor.can(Action::ManageMembers, &resource);
        let see_emails = actor.can(Action::ManageCoordinators, &resource);
        let coordinators = self
            .store
            .coordinators(id)
            .await?
            .into_iter()
            .map(|c| CoordinatorView { name: c.display_name, email: see_emails.then_some(c.email) })
            .collect();
        let pending = if may_manage {
            self.membership_views(
                self.store
                    .memberships_of_network(id, &[MembershipStatus::Requested, MembershipStatus::Invited])
                    .await?,
            )
            .await?
        } else {
            Vec::new()
        };
        let published = self.store.published_places().await?;
        Ok(NetworkDetail {
            summary: self.summary_of(&snapshot, &published, network),
            network: Network::clone(network),
            ancestors: snapshot
                .ancestors(id)
                .iter()
                .filter_map(|a| snapshot.get(*a))
                .map(|n| reference_of(n))
                .collect(),
            sub_networks: snapshot
                .children(id)
                .into_iter()
                .map(|c| self.summary_of(&snapshot, &published, c))
                .collect(),
            coordinators,
            pending,
            may_edit: actor.can(Action::EditNetwork, &resource),
            may_manage,
            may_create_sub: actor.can(Action::CreateSubNetwork, &resource),
        })
    }

    async fn membership_views(&self, memberships: Vec<Membership>) -> AppResult<Vec<MembershipView>> {
        let mut out = Vec::with_capacity(memberships.len());
        for m in memberships {
            // A place deleted since has taken its membership with it (cascade).
            let Some(place) = self.store.place(m.place).await? else { continue };
            out.push(MembershipView {
                place: m.place,
                place_name: place.data.name.clone(),
                commune: place.data.commune_name.clone(),
                status: m.status,
                message: m.message,
                asked_at: m.asked_at,
                decision_message: m.decision_message,
                version: m.version,
            });
        }
        Ok(out)
    }

    /// Every network, as `(id, name)` in name order (for the parent's choice of a form).
    pub async fn network_choices(&self) -> AppResult<Vec<NetworkRef>> {
        Ok(self.store.network_snapshot().await?.all().map(|n| reference_of(n)).collect())
    }

    /// Create a network: a top network by an administrator, a sub-network by the
    /// coordinators of its parent (or an administrator). The creator, unless an
    /// administrator, becomes its coordinator.
    pub async fn create_network(&self, actor: &Actor, input: &NetworkInput) -> AppResult<Network> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.network_snapshot().await?;
        // Who may create it depends on its parent: checked before anything else is.
        let parent = input.parent.as_deref().map(str::trim).filter(|p| !p.is_empty());
        match parent {
            None => require(actor, Action::CreateNetwork, &Resource::Platform)?,
            Some(parent) => {
                let Some(parent) = parent.parse().ok().filter(|p| snapshot.get(*p).is_some()) else {
                    // Only someone who may create a top network learns that a parent is unknown.
                    require(actor, Action::CreateNetwork, &Resource::Platform)?;
                    return Err(unknown_parent().into());
                };
                require(actor, Action::CreateSubNetwork, &network_resource(&snapshot, parent))?;
            }
        }
        let data = input.validate(self.reference)?;
        let now = Utc::now();
        let network = Network {
            id: NetworkId::new(),
            data,
            version: 1,
            is_demo: false,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.transaction().await?;
        tx.insert_network(&network, &author_of(actor)).await?;
        if !actor.can(Action::CreateNetwork, &Resource::Platform) {
            tx.grant(user.id, Grant::coordinator(network.id), Some(user.id)).await?;
        }
        tx.commit().await?;
        tracing::info!(network = %network.id, user = %user.id, "network created");
        Ok(network)
    }

    /// Replace a network's content at the version the input names (409 when stale). A new
    /// parent must exist and not be the network itself or one of its sub-networks; moving a
    /// network needs the right to create a sub-network under its new parent.
    pub async fn update_network(
        &self,
        actor: &Actor,
        id: NetworkId,
        input: &NetworkInput,
    ) -> AppResult<Network> {
        actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.network_snapshot().await?;
        let current = snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::EditNetwork, &network_resource(&snapshot, id))?;
        let Some(version) = input.version else {
            return Err(FieldError::new("version", "required", Message::new("places.required")).into());
        };
        let data = input.validate(self.reference)?;
        if data.parent != current.data.parent {
            match data.parent {
                Some(parent) if parent == id => {
                    return Err(
                        FieldError::new("parent", "cycle", Message::new("networks.parent_self")).into()
                    );
                }
                Some(parent) => {
                    let Some(p) = snapshot.get(parent) else { return Err(unknown_parent().into()) };
                    if snapshot.with_descendants(id).contains(&parent) {
                        return Err(FieldError::new(
                            "parent",
                            "cycle",
                            Message::new("networks.parent_cycle").with("parent", &p.data.name),
                        )
                        .into());
                    }
                    require(actor, Action::CreateSubNetwork, &network_resource(&snapshot, parent))?;
                }
                None => require(actor, Action::CreateNetwork, &Resource::Platform)?,
            }
        }
        let network =
            Network { data, version: version + 1, updated_at: Utc::now(), ..Network::clone(current) };
        let mut tx = self.store.transaction().await?;
        tx.update_network(&network, version, &author_of(actor)).await?;
        tx.commit().await?;
        tracing::info!(network = %id, version = network.version, "network updated");
        Ok(network)
    }

    /// A place's team asks for it to join a network (`network`: the id as sent). When the
    /// person also manages the network's members (a coordinator of it, an administrator),
    /// the place is a member at once.
    pub async fn ask_to_join(
        &self,
        actor: &Actor,
        place: PlaceId,
        network: &str,
        message: Option<&str>,
    ) -> AppResult<Membership> {
        actor.user().ok_or(AppError::Unauthenticated)?;
        let stored = self.place(actor, place).await?;
        require(actor, Action::JoinNetwork, &self.resource_of(&stored).await?)?;
        let snapshot = self.store.network_snapshot().await?;
        let Some(network) = network.trim().parse().ok().filter(|n| snapshot.get(*n).is_some()) else {
            return Err(
                FieldError::new("network", "unknown", Message::new("networks.unknown_network")).into()
            );
        };
        let for_network = actor.can(Action::ManageMembers, &network_resource(&snapshot, network));
        self.open_membership(actor, network, &stored, true, for_network, message).await
    }

    /// A network's coordinators invite a place (`place`: its id or the address of its page,
    /// as sent). When the person also answers for the place, it is a member at once.
    pub async fn invite_place(
        &self,
        actor: &Actor,
        network: NetworkId,
        place: &str,
        message: Option<&str>,
    ) -> AppResult<Membership> {
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(network).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageMembers, &network_resource(&snapshot, network))?;
        let unknown =
            || AppError::from(FieldError::new("place", "unknown", Message::new("networks.unknown_place")));
        let id = place.trim().trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let id: PlaceId = id.parse().map_err(|_| unknown())?;
        let stored = self.place(actor, id).await.map_err(|e| match e {
            AppError::NotFound => unknown(),
            other => other,
        })?;
        let for_place = actor.can(Action::JoinNetwork, &self.resource_of(&stored).await?);
        self.open_membership(actor, network, &stored, for_place, true, message).await
    }

    async fn open_membership(
        &self,
        actor: &Actor,
        network: NetworkId,
        place: &maillage_domain::Place,
        for_place: bool,
        for_network: bool,
        message: Option<&str>,
    ) -> AppResult<Membership> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if place.status != PlaceStatus::Published {
            return Err(FieldError::new(
                "place",
                "not_published",
                Message::new("networks.place_not_published"),
            )
            .into());
        }
        let message = membership_message("message", message)?;
        let now = Utc::now();
        let status = if for_place { MembershipStatus::Requested } else { MembershipStatus::Invited };
        let mut membership = Membership {
            network,
            place: place.id,
            status,
            message,
            asked_by: Some(user.id),
            asked_at: now,
            decided_by: None,
            decided_at: None,
            decision_message: String::new(),
            version: 1,
        };
        let mut tx = self.store.transaction().await?;
        let version = tx.ask_membership(&membership).await.map_err(|e| match e {
            maillage_store::StoreError::Duplicate(_) => {
                AppError::from(FieldError::new("place", "already", Message::new("networks.already_asked")))
            }
            other => other.into(),
        })?;
        membership.version = version;
        if for_place && for_network {
            tx.decide_membership(
                network,
                place.id,
                version,
                MembershipStatus::Member,
                Some(user.id),
                "",
                now,
            )
            .await?;
            membership.status = MembershipStatus::Member;
            membership.decided_by = Some(user.id);
            membership.decided_at = Some(now);
            membership.version = version + 1;
        }
        tx.commit().await?;
        tracing::info!(network = %network, place = %place.id, status = membership.status.code(), "membership asked");
        Ok(membership)
    }

    /// Accept or decline a request (its network's coordinators) or an invitation (the
    /// place's team), at the version shown to the person deciding: of two decisions on the
    /// same request, the second gets a conflict.
    pub async fn decide_membership(
        &self,
        actor: &Actor,
        network: NetworkId,
        place: PlaceId,
        accept: bool,
        version: i64,
        message: Option<&str>,
    ) -> AppResult<Membership> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(network).ok_or(AppError::NotFound)?;
        let current = self.store.membership(network, place).await?.ok_or(AppError::NotFound)?;
        let allowed = match current.status {
            MembershipStatus::Requested => {
                actor.can(Action::ManageMembers, &network_resource(&snapshot, network))
            }
            MembershipStatus::Invited => match self.store.place(place).await? {
                Some(p) => actor.can(Action::JoinNetwork, &self.resource_of(&p).await?),
                None => false,
            },
            // Decided already: the version says whether this person saw it so.
            MembershipStatus::Member | MembershipStatus::Declined => {
                return Err(AppError::Conflict { current: current.version });
            }
        };
        if !allowed {
            return Err(AppError::Forbidden);
        }
        let message = membership_message("message", message)?;
        let status = if accept { MembershipStatus::Member } else { MembershipStatus::Declined };
        let now = Utc::now();
        let mut tx = self.store.transaction().await?;
        tx.decide_membership(network, place, version, status, Some(user.id), &message, now).await?;
        tx.commit().await?;
        tracing::info!(network = %network, place = %place, status = status.code(), "membership decided");
        Ok(Membership {
            status,
            decided_by: Some(user.id),
            decided_at: Some(now),
            decision_message: message,
            version: version + 1,
            ..current
        })
    }

    /// A place leaves a network (its team), or is removed from it (its coordinators); a
    /// pending request is withdrawn the same way.
    pub async fn leave_network(&self, actor: &Actor, network: NetworkId, place: PlaceId) -> AppResult<()> {
        actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(network).ok_or(AppError::NotFound)?;
        // Memberships are public (a network's page lists its places): an unknown one is
        // "not found" to anyone signed in.
        self.store.membership(network, place).await?.ok_or(AppError::NotFound)?;
        let for_network = actor.can(Action::ManageMembers, &network_resource(&snapshot, network));
        let for_place = match self.store.place(place).await? {
            Some(p) => actor.can(Action::JoinNetwork, &self.resource_of(&p).await?),
            None => false,
        };
        if !for_network && !for_place {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.store.transaction().await?;
        let removed = tx.remove_membership(network, place).await?;
        tx.commit().await?;
        if !removed {
            return Err(AppError::NotFound);
        }
        tracing::info!(network = %network, place = %place, "membership ended");
        Ok(())
    }

    /// The networks of a place with where it stands in each (its page), and the networks
    /// it could still ask to join (for its team).
    pub async fn place_networks(&self, place: PlaceId) -> AppResult<Vec<(NetworkRef, Membership)>> {
        let snapshot = self.store.network_snapshot().await?;
        Ok(self
            .store
            .memberships_of_place(place)
            .await?
            .into_iter()
            .filter_map(|m| snapshot.get(m.network).map(|n| (reference_of(n), m)))
            .collect())
    }

    /// Whether the actor answers for the place in its networks (its team, its networks'
    /// coordinators, the administrators).
    pub async fn may_join_networks(&self, actor: &Actor, place: &maillage_domain::Place) -> AppResult<bool> {
        Ok(actor.can(Action::JoinNetwork, &self.resource_of(place).await?))
    }

    /// Name a coordinator of a network (its coordinators, those of a parent, the
    /// administrators); `false` when they were one already.
    pub async fn add_coordinator(&self, actor: &Actor, network: NetworkId, email: &str) -> AppResult<bool> {
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(network).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageCoordinators, &network_resource(&snapshot, network))?;
        let email = maillage_domain::fields::Email::parse(email)
            .map_err(|e| ValidationErrors::from(e.at("email")))?;
        let user = self
            .store
            .user_by_email(&email)
            .await?
            .ok_or_else(|| FieldError::new("email", "unknown", Message::new("networks.unknown_account")))?
            .user;
        let by = actor.user().map(|u| u.id);
        Ok(self.store.grant(user.id, Grant::coordinator(network), by).await?)
    }

    /// Remove a coordinator of a network.
    pub async fn remove_coordinator(&self, actor: &Actor, network: NetworkId, email: &str) -> AppResult<()> {
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(network).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageCoordinators, &network_resource(&snapshot, network))?;
        let email = maillage_domain::fields::Email::parse(email)
            .map_err(|e| ValidationErrors::from(e.at("email")))?;
        let user = self.store.user_by_email(&email).await?.ok_or(AppError::NotFound)?.user;
        match self.store.revoke(user.id, Grant::coordinator(network)).await? {
            maillage_store::Revoked::Done => Ok(()),
            _ => Err(FieldError::new("email", "not_held", Message::new("networks.not_coordinator")).into()),
        }
    }

    /// The network's figures within `radius_km` of its places (computed once per revision
    /// of the places and of the networks, then kept).
    pub async fn network_figures(&self, id: NetworkId, radius_km: f64) -> AppResult<Arc<NetworkFigures>> {
        check_radius(radius_km)?;
        let snapshot = self.store.network_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        let places_revision = self.store.places_revision().await?;
        let key = (id, snapshot.revision(), places_revision, radius_km.to_bits());
        if let Some(found) = self.figures.0.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(Arc::clone(found));
        }
        let figures = Arc::new(self.network_figures_fresh(id, radius_km).await?);
        let mut cache = self.figures.0.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= FIGURES_KEPT {
            cache.clear();
        }
        cache.insert(key, Arc::clone(&figures));
        Ok(figures)
    }

    /// The network's figures computed anew, without the cache of [`App::network_figures`]
    /// (what a page pays on the first visit after a change; measured by the benchmarks).
    pub async fn network_figures_fresh(&self, id: NetworkId, radius_km: f64) -> AppResult<NetworkFigures> {
        check_radius(radius_km)?;
        let snapshot = self.store.network_snapshot().await?;
        let network = Network::clone(snapshot.get(id).ok_or(AppError::NotFound)?);
        let filter = PlaceFilter { network: Some(id), ..PlaceFilter::default() };
        let points = self.store.place_points(&filter).await?;
        let reference = self.reference;
        tokio::task::spawn_blocking(move || figures_of(reference, &network, points, radius_km))
            .await
            .map_err(|e| AppError::failed("network figures", e))?
    }

    /// The resource of a network (with its ancestors), for permission checks by callers
    /// that show links.
    pub async fn network_resource(&self, id: NetworkId) -> AppResult<Resource> {
        Ok(network_resource(&*self.store.network_snapshot().await?, id))
    }
}

fn check_radius(radius_km: f64) -> AppResult<()> {
    if !radius_km.is_finite() || !(1.0..=100.0).contains(&radius_km) {
        return Err(FieldError::new(
            "radius_km",
            "out_of_range",
            Message::new("networks.radius_range").with("min", 1).with("max", 100),
        )
        .into());
    }
    Ok(())
}

fn unknown_parent() -> FieldError {
    FieldError::new("parent", "unknown", Message::new("networks.unknown_parent"))
}

fn network_resource(snapshot: &NetworkSnapshot, id: NetworkId) -> Resource {
    Resource::Network { id, ancestors: snapshot.ancestors(id) }
}

/// The demand units of a network's territory (all of France without areas).
fn territory_of(
    network: &Network,
) -> AppResult<std::borrow::Cow<'static, maillage_territory::analysis::DemandUnits>> {
    let units = france_units();
    if network.data.areas.is_empty() {
        return Ok(std::borrow::Cow::Borrowed(units));
    }
    let mut codes: Vec<String> = Vec::new();
    for u in units.units() {
        let inside = network.data.areas.iter().any(|a| match a.level {
            AreaLevel::Region => u.region == a.code,
            AreaLevel::Departement => u.departement == a.code,
            AreaLevel::Epci => u.epci.as_deref() == Some(a.code.as_str()),
            AreaLevel::Commune => false,
        });
        if inside {
            codes.push(u.code.clone());
        }
    }
    // Communes by their code: a city with arrondissements stands for all of them.
    codes.extend(network.data.areas.iter().filter(|a| a.level == AreaLevel::Commune).map(|a| a.code.clone()));
    codes.sort();
    codes.dedup();
    Ok(std::borrow::Cow::Owned(units.restrict(&Territory::Codes(codes))?))
}

fn figures_of(
    reference: &maillage_territory::Reference,
    network: &Network,
    points: Vec<maillage_store::PlacePoint>,
    radius_km: f64,
) -> AppResult<NetworkFigures> {
    let mut by_type: BTreeMap<PlaceType, usize> = BTreeMap::new();
    let mut by_departement: BTreeMap<String, usize> = BTreeMap::new();
    for p in &points {
        for t in &p.types {
            *by_type.entry(*t).or_default() += 1;
        }
        *by_departement.entry(p.departement.clone()).or_default() += 1;
    }
    let mut by_type: Vec<Count> = by_type
        .into_iter()
        .map(|(t, count)| Count { code: t.code().to_owned(), name: t.label_fr().to_owned(), count })
        .collect();
    by_type.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    let by_departement = by_departement
        .into_iter()
        .map(|(code, count)| Count {
            name: reference.departement(&code).map_or_else(|| code.clone(), |d| d.name.clone()),
            code,
            count,
        })
        .collect();
    let units = territory_of(network)?;
    let population = units.total_population();
    let mut figures = NetworkFigures {
        places: points.len(),
        by_type,
        by_departement,
        radius_km,
        population,
        covered_population: None,
        covered_share: None,
        white_zones: Vec::new(),
        white_zones_total: 0,
        white_zones_population: 0.0,
    };
    if points.is_empty() {
        return Ok(figures);
    }
    let rows = points.into_iter().map(|p| PlaceRow {
        id: p.id.to_string(),
        lat: p.lat,
        lon: p.lon,
        capacity: None,
        types: Vec::new(),
    });
    let supply = Supply::new(rows)?;
    let result = coverage(&units, &supply, &GreatCircle, radius_km)?;
    figures.covered_population = Some(result.france.covered_population);
    figures.covered_share = Some(result.france.share);
    figures.white_zones_total = result.white_zones.len();
    figures.white_zones_population = result.white_zones.iter().map(|z| z.population).sum();
    figures.white_zones = result.white_zones.into_iter().take(WHITE_ZONES_SHOWN).collect();
    Ok(figures)
}
