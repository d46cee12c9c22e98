//! Roles held on a scope, and the one rule that says who may do what: [`can`].
//!
//! A person holds [`Grant`]s: a [`Role`] on a [`Scope`] (administrator of the platform,
//! coordinator of a network, referent or member of a community, manager of a place). A
//! [`Resource`] lists the scopes that cover it (a place: itself, the networks it belongs to
//! and their ancestors, the platform); a grant counts for a resource when its scope is one
//! of them. So a coordinator of a regional network acts on the places of its departmental
//! sub-networks, and an administrator on everything.
//!
//! The who-may-do-what table of `docs/PERMISSIONS.md` is generated from [`can`]
//! (`maillage_app::permissions::table_markdown`); never write a permission check elsewhere.

use crate::ids::{CommunityId, NetworkId, PlaceId};
use crate::place::PlaceStatus;
use crate::user::Actor;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Where a role is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Platform,
    Network(NetworkId),
    Community(CommunityId),
    Place(PlaceId),
}

impl Scope {
    /// The kind, as stored (`role_grants.scope_kind`) and typed (`place:…`).
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Platform => "platform",
            Scope::Network(_) => "network",
            Scope::Community(_) => "community",
            Scope::Place(_) => "place",
        }
    }

    /// The id, as stored (`role_grants.scope_id`): empty for the platform.
    pub fn id(&self) -> String {
        match self {
            Scope::Platform => String::new(),
            Scope::Network(id) => id.to_string(),
            Scope::Community(id) => id.to_string(),
            Scope::Place(id) => id.to_string(),
        }
    }

    /// From its stored parts.
    pub fn from_parts(kind: &str, id: &str) -> Result<Self, RoleError> {
        let bad =
            || RoleError::UnknownScope(if id.is_empty() { kind.to_owned() } else { format!("{kind}:{id}") });
        match kind {
            "platform" if id.is_empty() => Ok(Scope::Platform),
            "network" => id.parse().map(Scope::Network).map_err(|_| bad()),
            "community" => id.parse().map(Scope::Community).map_err(|_| bad()),
            "place" => id.parse().map(Scope::Place).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Platform => f.write_str("platform"),
            other => write!(f, "{}:{}", other.kind(), other.id()),
        }
    }
}

/// `platform`, `network:ID`, `community:ID`, `place:ID`.
impl FromStr for Scope {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, RoleError> {
        let s = s.trim();
        match s.split_once(':') {
            Some((kind, id)) if !id.is_empty() && kind != "platform" => Scope::from_parts(kind, id),
            None => Scope::from_parts(s, ""),
            _ => Err(RoleError::UnknownScope(s.to_owned())),
        }
    }
}

/// What a person is, on a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Administrator of the platform: every right.
    Admin,
    /// Coordinator of a network, and so of its sub-networks: validates and edits the
    /// places of the network.
    Coordinator,
    /// Referent of a community of practice: moderates it.
    Referent,
    /// Member of a community of practice.
    Member,
    /// Manager of a place (its team): edits it.
    Manager,
    /// Reviewer of a call for projects. Reserved: calls do not exist yet, so it cannot be
    /// granted.
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Coordinator, Role::Referent, Role::Member, Role::Manager, Role::Reviewer];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Referent => "referent",
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Reviewer => "reviewer",
        }
    }

    /// The kind of scope the role is held on (`None`: not grantable yet).
    pub fn scope_kind(self) -> Option<&'static str> {
        match self {
            Role::Admin => Some("platform"),
            Role::Coordinator => Some("network"),
            Role::Referent | Role::Member => Some("community"),
            Role::Manager => Some("place"),
            Role::Reviewer => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, RoleError> {
        let s = s.trim();
        Role::ALL.into_iter().find(|r| r.code() == s).ok_or_else(|| RoleError::UnknownRole(s.to_owned()))
    }
}

/// Why a role or a grant is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("rôle inconnu / unknown role: {0} (admin, coordinator, referent, member, manager)")]
    UnknownRole(String),
    #[error("portée inconnue / unknown scope: {0} (platform, network:ID, community:ID, place:ID)")]
    UnknownScope(String),
    #[error("le rôle {role} se tient sur / the role {role} is held on: {expected} (pas / not {scope})")]
    WrongScope { role: Role, expected: &'static str, scope: String },
    #[error(
        "le rôle {0} est réservé aux appels à projets, pas encore disponibles / the role {0} is reserved for calls for projects, not available yet"
    )]
    NotGrantable(Role),
}

/// A role on a scope. Only valid pairs exist (an admin on the platform, a manager on a
/// place…): see [`Grant::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    role: Role,
    scope: Scope,
}

impl Grant {
    pub fn new(role: Role, scope: Scope) -> Result<Self, RoleError> {
        let Some(expected) = role.scope_kind() else { return Err(RoleError::NotGrantable(role)) };
        if scope.kind() != expected {
            return Err(RoleError::WrongScope { role, expected, scope: scope.to_string() });
        }
        Ok(Grant { role, scope })
    }
    pub fn admin() -> Self {
        Grant { role: Role::Admin, scope: Scope::Platform }
    }
    pub fn manager(place: PlaceId) -> Self {
        Grant { role: Role::Manager, scope: Scope::Place(place) }
    }
    pub fn coordinator(network: NetworkId) -> Self {
        Grant { role: Role::Coordinator, scope: Scope::Network(network) }
    }
    pub fn referent(community: CommunityId) -> Self {
        Grant { role: Role::Referent, scope: Scope::Community(community) }
    }
    pub fn member(community: CommunityId) -> Self {
        Grant { role: Role::Member, scope: Scope::Community(community) }
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn scope(&self) -> Scope {
        self.scope
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.role, self.scope)
    }
}

/// The grants an actor holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roles(BTreeSet<Grant>);

impl Roles {
    pub const fn none() -> Self {
        Roles(BTreeSet::new())
    }
    pub fn insert(&mut self, grant: Grant) {
        self.0.insert(grant);
    }
    pub fn with(mut self, grant: Grant) -> Self {
        self.insert(grant);
        self
    }
    pub fn iter(&self) -> impl Iterator<Item = &Grant> {
        self.0.iter()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn holds(&self, grant: &Grant) -> bool {
        self.0.contains(grant)
    }
    /// Whether one of `roles` is held on one of `scopes`.
    fn any_on(&self, roles: &[Role], scopes: &[Scope]) -> bool {
        self.0.iter().any(|g| roles.contains(&g.role) && scopes.contains(&g.scope))
    }
}

impl FromIterator<Grant> for Roles {
    fn from_iter<I: IntoIterator<Item = Grant>>(iter: I) -> Self {
        Roles(iter.into_iter().collect())
    }
}

/// What the actor asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See a published place (page, API, search, map, territory pages).
    ViewPublished,
    /// See a draft or archived place.
    ViewUnpublished,
    /// List every unpublished place (`status=` in the API without `mine=1`).
    ListUnpublished,
    /// Create a place, as a draft.
    CreatePlace,
    /// Edit a place, archive it, put it back to draft.
    Edit,
    /// Publish a place (moderation).
    Publish,
    /// See who made each change of a place's history (name and email of the account).
    SeeHistoryAuthors,
    /// Put back a field's earlier value from the history.
    Revert,
    /// Import files of places.
    Import,
    /// Export the published places.
    Export,
    /// See and retry background jobs.
    ManageJobs,
    /// Operate the platform: the account list, backups, removing the demo network.
    Operate,
    /// Grant and revoke roles.
    ManageRoles,
    /// Create a network at the top of the tree (no parent).
    CreateNetwork,
    /// Create a sub-network of a network.
    CreateSubNetwork,
    /// Edit a network's profile and territory.
    EditNetwork,
    /// Accept or decline a place's request, invite a place, remove a member.
    ManageMembers,
    /// Name and remove the coordinators of a network.
    ManageCoordinators,
    /// Ask for a place to join a network, answer an invitation, leave a network.
    JoinNetwork,
    /// Create a community of practice.
    CreateCommunity,
    /// Edit a community's profile.
    EditCommunity,
    /// Decide on requests to join, remove members, name and remove referents.
    ManageCommunity,
    /// Join a community (or ask to), leave it.
    JoinCommunity,
    /// Write in a community's feed.
    PostInCommunity,
    /// Remove a publication from a community's feed.
    ModerateCommunity,
    /// Propose an edit of a place one does not answer for (it waits for moderation).
    ProposeEdit,
}

/// What an action applies to, for the generated table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Platform,
    Place,
    Network,
    Community,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::ViewPublished,
        Action::ViewUnpublished,
        Action::ListUnpublished,
        Action::CreatePlace,
        Action::Edit,
        Action::Publish,
        Action::SeeHistoryAuthors,
        Action::Revert,
        Action::Import,
        Action::Export,
        Action::ManageJobs,
        Action::Operate,
        Action::ManageRoles,
        Action::CreateNetwork,
        Action::CreateSubNetwork,
        Action::EditNetwork,
        Action::ManageMembers,
        Action::ManageCoordinators,
        Action::JoinNetwork,
        Action::CreateCommunity,
        Action::EditCommunity,
        Action::ManageCommunity,
        Action::JoinCommunity,
        Action::PostInCommunity,
        Action::ModerateCommunity,
        Action::ProposeEdit,
    ];

    /// Seeing a place of this status.
    pub fn view(status: PlaceStatus) -> Action {
        if status == PlaceStatus::Published { Action::ViewPublished } else { Action::ViewUnpublished }
    }

    pub fn target(self) -> Target {
        match self {
            Action::ViewPublished
            | Action::ViewUnpublished
            | Action::Edit
            | Action::Publish
            | Action::SeeHistoryAuthors
            | Action::Revert
            | Action::JoinNetwork
            | Action::ProposeEdit => Target::Place,
            Action::CreateSubNetwork
            | Action::EditNetwork
            | Action::ManageMembers
            | Action::ManageCoordinators => Target::Network,
            Action::EditCommunity
            | Action::ManageCommunity
            | Action::JoinCommunity
            | Action::PostInCommunity
            | Action::ModerateCommunity => Target::Community,
            Action::CreateNetwork
            | Action::CreateCommunity
            | Action::ListUnpublished
            | Action::CreatePlace
            | Action::Import
            | Action::Export
            | Action::ManageJobs
            | Action::Operate
            | Action::ManageRoles => Target::Platform,
        }
    }

    /// A line of the generated table.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ViewPublished => "see a published place, search, map, territory pages",
            Action::ViewUnpublished => "see a draft or archived place (else 404)",
            Action::ListUnpublished => "list all unpublished places (`status=` in the API)",
            Action::CreatePlace => "create a place (as a draft; its creator becomes its manager)",
            Action::Edit => "edit a place, archive it, put it back to draft",
            Action::Publish => "publish a place",
            Action::SeeHistoryAuthors => {
                "see who made each change of a place's history (everyone sees their own)"
            }
            Action::Revert => "revert a field from the history",
            Action::Import => "import files (`/admin/import`, `maillage import`)",
            Action::Export => "export published places",
            Action::ManageJobs => "see and retry background jobs",
            Action::Operate => "list accounts, back up, remove the demo network",
            Action::ManageRoles => "grant and revoke roles",
            Action::CreateNetwork => "create a network without parent",
            Action::CreateSubNetwork => "create a sub-network of a network",
            Action::EditNetwork => "edit a network (profile, territory, parent)",
            Action::ManageMembers => "accept or decline a place's request, invite or remove a place",
            Action::ManageCoordinators => "name or remove a network's coordinators",
            Action::JoinNetwork => "ask for the place to join a network, answer an invitation, leave",
            Action::CreateCommunity => "create a community of practice",
            Action::EditCommunity => "edit a community's profile",
            Action::ManageCommunity => "accept or decline requests to join, remove members, name referents",
            Action::JoinCommunity => "join a community (or ask to, when on approval), leave it",
            Action::PostInCommunity => "write in a community's feed",
            Action::ModerateCommunity => {
                "remove a publication from a community's feed (authors remove their own)"
            }
            Action::ProposeEdit => {
                "propose an edit of a place, for those who answer for it to accept or reject"
            }
        }
    }
}

/// What an action is done on, with the scopes that cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The platform as a whole (imports, jobs, operations, creating places…).
    Platform,
    /// One place. `networks`: the networks it belongs to *and their ancestors* (the caller
    /// resolves the tree), so that coordinators of a parent network are covered.
    Place { id: PlaceId, status: PlaceStatus, networks: Vec<NetworkId> },
    /// One network. `ancestors`: its parent, the parent's parent… (the caller resolves
    /// the tree), so that coordinators of a parent network are covered.
    Network { id: NetworkId, ancestors: Vec<NetworkId> },
    /// One community of practice.
    Community { id: CommunityId },
}

impl Resource {
    /// A place that belongs to no network (there are none yet).
    pub fn place(id: PlaceId, status: PlaceStatus) -> Self {
        Resource::Place { id, status, networks: Vec::new() }
    }

    /// The scopes that cover the resource: a grant on any of them counts for it.
    pub fn scopes(&self) -> Vec<Scope> {
        match self {
            Resource::Platform => vec![Scope::Platform],
            Resource::Place { id, networks, .. } => {
                let mut scopes = vec![Scope::Place(*id)];
                scopes.extend(networks.iter().map(|n| Scope::Network(*n)));
                scopes.push(Scope::Platform);
                scopes
            }
            Resource::Network { id, ancestors } => {
                let mut scopes = vec![Scope::Network(*id)];
                scopes.extend(ancestors.iter().map(|n| Scope::Network(*n)));
                scopes.push(Scope::Platform);
                scopes
            }
            Resource::Community { id } => vec![Scope::Community(*id), Scope::Platform],
        }
    }
}

/// Who answers for a place: its managers, its networks' coordinators, the administrators.
const PLACE_EDITORS: [Role; 3] = [Role::Admin, Role::Coordinator, Role::Manager];
/// Who validates a place: its networks' coordinators and the administrators.
const MODERATORS: [Role; 2] = [Role::Admin, Role::Coordinator];
/// Who runs a community: its referents and the administrators.
const REFERENTS: [Role; 2] = [Role::Admin, Role::Referent];
/// Who writes in a community: its members, its referents, the administrators.
const COMMUNITY_MEMBERS: [Role; 3] = [Role::Admin, Role::Referent, Role::Member];

/// The one rule: whether `actor` may do `action` on `resource`.
pub fn can(actor: &Actor, action: Action, resource: &Resource) -> bool {
    let roles = actor.roles();
    let scopes = resource.scopes();
    let signed_in = actor.user().is_some();
    let unpublished = matches!(resource, Resource::Place { status, .. } if *status != PlaceStatus::Published);
    match action {
        Action::ViewPublished if unpublished => roles.any_on(&PLACE_EDITORS, &scopes),
        Action::ViewPublished | Action::Export => true,
        Action::CreatePlace => signed_in,
        Action::ViewUnpublished | Action::Edit | Action::SeeHistoryAuthors | Action::Revert => {
            signed_in && roles.any_on(&PLACE_EDITORS, &scopes)
        }
        Action::Publish => signed_in && roles.any_on(&MODERATORS, &scopes),
        Action::CreateSubNetwork
        | Action::EditNetwork
        | Action::ManageMembers
        | Action::ManageCoordinators => signed_in && roles.any_on(&MODERATORS, &scopes),
        // The place's team answers for it (coordinators and admins too).
        Action::JoinNetwork => signed_in && roles.any_on(&PLACE_EDITORS, &scopes),
        Action::EditCommunity | Action::ManageCommunity | Action::ModerateCommunity => {
            signed_in && roles.any_on(&REFERENTS, &scopes)
        }
        Action::PostInCommunity => signed_in && roles.any_on(&COMMUNITY_MEMBERS, &scopes),
        Action::JoinCommunity => signed_in,
        // Of a place one may see; those who answer for it edit it directly (and may too).
        Action::ProposeEdit => signed_in && (!unpublished || roles.any_on(&PLACE_EDITORS, &scopes)),
        Action::CreateNetwork
        | Action::CreateCommunity
        | Action::ListUnpublished
        | Action::Import
        | Action::ManageJobs
        | Action::Operate
        | Action::ManageRoles => signed_in && roles.any_on(&[Role::Admin], &[Scope::Platform]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::Email;
    use crate::user::User;

    fn person(roles: Roles) -> Actor {
        Actor::User(
            User {
                id: crate::UserId::new(),
                email: Email::parse("a@exemple.fr").unwrap(),
                display_name: "A".into(),
                created_at: chrono::Utc::now(),
            },
            roles,
        )
    }

    #[test]
    fn grants_only_pair_a_role_with_its_kind_of_scope() {
        let place = Scope::Place(PlaceId::new());
        assert!(Grant::new(Role::Manager, place).is_ok());
        assert!(Grant::new(Role::Admin, Scope::Platform).is_ok());
        assert!(matches!(Grant::new(Role::Admin, place), Err(RoleError::WrongScope { .. })));
        assert!(matches!(Grant::new(Role::Manager, Scope::Platform), Err(RoleError::WrongScope { .. })));
        assert!(matches!(
            Grant::new(Role::Referent, Scope::Network(NetworkId::new())),
            Err(RoleError::WrongScope { .. })
        ));
        assert_eq!(Grant::new(Role::Reviewer, Scope::Platform), Err(RoleError::NotGrantable(Role::Reviewer)));
    }

    #[test]
    fn roles_and_scopes_parse_from_their_codes_and_refuse_the_rest() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        assert_eq!("superuser".parse::<Role>(), Err(RoleError::UnknownRole("superuser".into())));
        let id = PlaceId::new();
        assert_eq!(format!("place:{id}").parse::<Scope>(), Ok(Scope::Place(id)));
        assert_eq!(Scope::Place(id).to_string().parse::<Scope>(), Ok(Scope::Place(id)));
        assert_eq!("platform".parse::<Scope>(), Ok(Scope::Platform));
        for bad in ["", "planet", "place:", "place:not-a-uuid", "platform:x", "call:1"] {
            assert!(matches!(bad.parse::<Scope>(), Err(RoleError::UnknownScope(_))), "{bad:?}");
        }
    }

    #[test]
    fn a_place_is_covered_by_itself_its_networks_and_the_platform() {
        let (id, n) = (PlaceId::new(), NetworkId::new());
        let r = Resource::Place { id, status: PlaceStatus::Draft, networks: vec![n] };
        assert_eq!(r.scopes(), vec![Scope::Place(id), Scope::Network(n), Scope::Platform]);
        assert_eq!(Resource::Platform.scopes(), vec![Scope::Platform]);
    }

    #[test]
    fn the_current_table_holds() {
        let id = PlaceId::new();
        let draft = Resource::place(id, PlaceStatus::Draft);
        let published = Resource::place(id, PlaceStatus::Published);
        let visitor = Actor::Anonymous;
        let contributor = person(Roles::none());
        let manager = person(Roles::none().with(Grant::manager(id)));
        let other_manager = person(Roles::none().with(Grant::manager(PlaceId::new())));
        let admin = person(Roles::none().with(Grant::admin()));

        for a in [&visitor, &contributor, &manager, &admin] {
            assert!(a.can(Action::ViewPublished, &published));
            assert!(a.can(Action::Export, &Resource::Platform));
        }
        for (a, yes) in [
            (&visitor, false),
            (&contributor, false),
            (&other_manager, false),
            (&manager, true),
            (&admin, true),
        ] {
            for action in [Action::ViewUnpublished, Action::Edit, Action::SeeHistoryAuthors, Action::Revert] {
                assert_eq!(a.can(action, &draft), yes, "{action:?} as {a:?}");
            }
            assert_eq!(a.can(Action::ViewPublished, &draft), yes, "a draft is not published");
        }
        assert!(!visitor.can(Action::CreatePlace, &Resource::Platform));
        assert!(contributor.can(Action::CreatePlace, &Resource::Platform));
        assert!(!manager.can(Action::Publish, &draft), "managers do not publish");
        assert!(admin.can(Action::Publish, &draft));
        for action in [
            Action::ListUnpublished,
            Action::Import,
            Action::ManageJobs,
            Action::Operate,
            Action::ManageRoles,
        ] {
            assert!(admin.can(action, &Resource::Platform));
            for a in [&visitor, &contributor, &manager] {
                assert!(!a.can(action, &Resource::Platform), "{action:?} as {a:?}");
            }
        }
    }

    #[test]
    fn coordinators_act_on_the_places_of_their_network_and_its_sub_networks_only() {
        let (region, departement, elsewhere) = (NetworkId::new(), NetworkId::new(), NetworkId::new());
        // A place of the departmental network: its networks include the regional parent.
        let ours = Resource::Place {
            id: PlaceId::new(),
            status: PlaceStatus::Draft,
            networks: vec![departement, region],
        };
        let theirs =
            Resource::Place { id: PlaceId::new(), status: PlaceStatus::Draft, networks: vec![elsewhere] };
        let regional = person(Roles::none().with(Grant::coordinator(region)));
        let departmental = person(Roles::none().with(Grant::coordinator(departement)));
        for c in [&regional, &departmental] {
            for action in [Action::ViewUnpublished, Action::Edit, Action::Publish, Action::Revert] {
                assert!(c.can(action, &ours), "{action:?}");
                assert!(!c.can(action, &theirs), "{action:?} outside the network");
            }
            assert!(!c.can(Action::Import, &Resource::Platform), "coordinators are not admins");
        }
    }

    #[test]
    fn referents_run_their_community_members_write_in_it_others_only_join() {
        let (ours, other) = (CommunityId::new(), CommunityId::new());
        let community = Resource::Community { id: ours };
        let referent = person(Roles::none().with(Grant::referent(ours)));
        let member = person(Roles::none().with(Grant::member(ours)));
        let elsewhere = person(Roles::none().with(Grant::referent(other)));
        let admin = person(Roles::none().with(Grant::admin()));
        for action in [Action::EditCommunity, Action::ManageCommunity, Action::ModerateCommunity] {
            assert!(can(&referent, action, &community), "{action:?}");
            assert!(can(&admin, action, &community), "{action:?}");
            assert!(!can(&member, action, &community), "{action:?}");
            assert!(!can(&elsewhere, action, &community), "{action:?}: another community's referent");
        }
        assert!(can(&member, Action::PostInCommunity, &community));
        assert!(can(&referent, Action::PostInCommunity, &community));
        assert!(!can(&elsewhere, Action::PostInCommunity, &community));
        assert!(can(&elsewhere, Action::JoinCommunity, &community));
        assert!(!can(&Actor::Anonymous, Action::JoinCommunity, &community));
        assert!(!can(&referent, Action::CreateCommunity, &Resource::Platform));
        assert!(can(&admin, Action::CreateCommunity, &Resource::Platform));
    }

    #[test]
    fn coordinators_manage_their_network_and_its_sub_networks_not_the_parent_or_others() {
        let (national, region, departement) = (NetworkId::new(), NetworkId::new(), NetworkId::new());
        let of = |id, ancestors: &[NetworkId]| Resource::Network { id, ancestors: ancestors.to_vec() };
        let regional = person(Roles::none().with(Grant::coordinator(region)));
        let sub = of(departement, &[region, national]);
        let own = of(region, &[national]);
        let parent = of(national, &[]);
        for action in
            [Action::EditNetwork, Action::ManageMembers, Action::ManageCoordinators, Action::CreateSubNetwork]
        {
            assert!(regional.can(action, &own), "{action:?} on its network");
            assert!(regional.can(action, &sub), "{action:?} on a sub-network");
            assert!(!regional.can(action, &parent), "{action:?} on the parent");
            assert!(!regional.can(action, &of(NetworkId::new(), &[])), "{action:?} elsewhere");
            assert!(!Actor::Anonymous.can(action, &own));
        }
        assert!(!regional.can(Action::CreateNetwork, &Resource::Platform), "a top network is the admins'");
        let admin = person(Roles::none().with(Grant::admin()));
        assert!(admin.can(Action::CreateNetwork, &Resource::Platform));
        assert!(admin.can(Action::ManageMembers, &parent));
    }

    #[test]
    fn a_place_joins_a_network_through_its_team() {
        let id = PlaceId::new();
        let place = Resource::place(id, PlaceStatus::Published);
        assert!(person(Roles::none().with(Grant::manager(id))).can(Action::JoinNetwork, &place));
        assert!(!person(Roles::none()).can(Action::JoinNetwork, &place));
        assert!(!person(Roles::none().with(Grant::manager(PlaceId::new()))).can(Action::JoinNetwork, &place));
    }

    #[test]
    fn community_roles_give_no_right_on_places() {
        let referent = person(
            Roles::none().with(Grant::new(Role::Referent, Scope::Community(CommunityId::new())).unwrap()),
        );
        let draft = Resource::place(PlaceId::new(), PlaceStatus::Draft);
        assert!(!referent.can(Action::Edit, &draft));
        assert!(referent.can(Action::CreatePlace, &Resource::Platform));
    }
}
