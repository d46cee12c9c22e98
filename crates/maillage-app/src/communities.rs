//! Communities of practice as use cases: list and read them (with filters by domain,
//! expertise and scope, and a text search), create and edit their profile, join them
//! (openly, or on a referent's approval), leave, referents named and removed, and the feed
//! of publications (members write, referents remove with a reason, authors remove their
//! own).
//!
//! Who may do what is `can` ([`crate::permissions`]): referents run their community,
//! members write in it, administrators do everything.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::history::author_of;
use crate::networks::{AreaView, area_view};
use crate::permissions::{Action, Grant, Resource, require};
use chrono::Utc;
use maillage_domain::community::{
    Community, CommunityDomain, CommunityInput, CommunityScope, Expertise, JoinPolicy, JoinRequest,
    Publication, PublicationInput, community_message,
};
use maillage_domain::messages::Message;
use maillage_domain::user::Actor;
use maillage_domain::{CommunityId, FieldError, PublicationId, UserId, ValidationErrors};
use maillage_store::{CommunityQuery, CommunitySnapshot, FeedPage};
use serde::Serialize;

/// Publications on a page of a feed.
pub const FEED_PAGE: u64 = 10;

/// Filters of the list of communities.
#[derive(Debug, Clone, Default)]
pub struct CommunityFilter {
    pub text: Option<String>,
    pub domain: Option<CommunityDomain>,
    pub expertise: Option<Expertise>,
    pub scope: Option<CommunityScope>,
}

/// A community in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommunitySummary {
    pub id: CommunityId,
    pub name: String,
    pub scope: CommunityScope,
    pub summary: String,
    pub areas: Vec<AreaView>,
    pub domains: Vec<CommunityDomain>,
    pub expertises: Vec<Expertise>,
    pub other_expertises: Vec<String>,
    pub join_policy: JoinPolicy,
    /// Its members, referents included.
    pub members: usize,
}

/// A person of a community as others see them: the name; the email for those who run it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonView {
    #[serde(skip)]
    pub user: UserId,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A request to join, as its community's referents see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestView {
    pub user: UserId,
    pub name: String,
    pub email: String,
    pub message: String,
    pub asked_at: chrono::DateTime<Utc>,
    pub version: i64,
}

/// Where the person asking stands with the community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "standing")]
pub enum Standing {
    /// Not signed in.
    Visitor,
    /// Signed in, not a member.
    Outside,
    /// Their request waits for a referent.
    Requested,
    /// Their last request was declined, with this message.
    Declined {
        message: String,
    },
    Member,
    Referent,
}

/// A community's page.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityDetail {
    #[serde(flatten)]
    pub summary: CommunitySummary,
    pub community: Community,
    pub referents: Vec<PersonView>,
    /// Its members' names, for its members and referents (else empty: a visitor sees how
    /// many they are, not who).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members_list: Vec<PersonView>,
    #[serde(skip)]
    pub standing: Standing,
    /// Requests waiting (for those who run it; else empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<RequestView>,
    #[serde(skip)]
    pub may_edit: bool,
    #[serde(skip)]
    pub may_manage: bool,
    #[serde(skip)]
    pub may_post: bool,
    #[serde(skip)]
    pub may_moderate: bool,
}

/// What joining did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Joined {
    /// A member now (an open community).
    Member,
    /// The request waits for a referent.
    Requested,
}

fn resource(id: CommunityId) -> Resource {
    Resource::Community { id }
}

fn not_a_member() -> FieldError {
    FieldError::new("email", "not_member", Message::new("communities.unknown_account"))
}

impl App {
    fn community_summary(&self, snapshot: &CommunitySnapshot, c: &Community) -> CommunitySummary {
        CommunitySummary {
            id: c.id,
            name: c.data.name.clone(),
            scope: c.data.scope,
            summary: c.data.summary.clone(),
            areas: c.data.areas.iter().map(|a| area_view(self.reference, a)).collect(),
            domains: c.data.domains.clone(),
            expertises: c.data.expertises.clone(),
            other_expertises: c.data.other_expertises.clone(),
            join_policy: c.data.join_policy,
            members: snapshot.member_count(c.id),
        }
    }

    /// Every community matching the filter: best first for a text, else in name order.
    pub async fn communities(&self, filter: &CommunityFilter) -> AppResult<Vec<CommunitySummary>> {
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
        let snapshot = self.store.community_snapshot().await?;
        let wanted = CommunityQuery {
            text: query.as_ref(),
            domain: filter.domain,
            expertise: filter.expertise,
            scope: filter.scope,
        };
        Ok(snapshot.search(&wanted).into_iter().map(|c| self.community_summary(&snapshot, c)).collect())
    }

    /// A community's page, as `actor` may see it.
    pub async fn community_detail(&self, actor: &Actor, id: CommunityId) -> AppResult<CommunityDetail> {
        let snapshot = self.store.community_snapshot().await?;
        let community = snapshot.get(id).ok_or(AppError::NotFound)?;
        let r = resource(id);
        let may_manage = actor.can(Action::ManageCommunity, &r);
        let people = self.store.community_people(id).await?;
        let me = actor.user().map(|u| u.id);
        let mine = people.iter().find(|p| Some(p.user) == me);
        let standing = match (me, mine) {
            (None, _) => Standing::Visitor,
            (Some(_), Some(p)) if p.referent => Standing::Referent,
            (Some(_), Some(_)) => Standing::Member,
            (Some(user), None) => {
                match self.store.requests_by(user).await?.into_iter().find(|r| r.request.community == id) {
                    Some(r) if r.declined => Standing::Declined { message: r.decision_message },
                    Some(_) => Standing::Requested,
                    None => Standing::Outside,
                }
            }
        };
        let sees_members = may_manage || matches!(standing, Standing::Member | Standing::Referent);
        let view = |p: &maillage_store::CommunityPerson| PersonView {
            user: p.user,
            name: p.display_name.clone(),
            email: may_manage.then(|| p.email.clone()),
        };
        let pending = if may_manage {
            self.store
                .community_requests(id, true)
                .await?
                .into_iter()
                .map(|r| RequestView {
                    user: r.request.user,
                    name: r.display_name,
                    email: r.email,
                    message: r.request.message,
                    asked_at: r.request.asked_at,
                    version: r.request.version,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(CommunityDetail {
            summary: self.community_summary(&snapshot, community),
            community: Community::clone(community),
            referents: people.iter().filter(|p| p.referent).map(view).collect(),
            members_list: if sees_members { people.iter().map(view).collect() } else { Vec::new() },
            standing,
            pending,
            may_edit: actor.can(Action::EditCommunity, &r),
            may_manage,
            may_post: actor.can(Action::PostInCommunity, &r),
            may_moderate: actor.can(Action::ModerateCommunity, &r),
        })
    }

    /// One page (from 1) of a community's feed, newest first. Its referents also see the
    /// publications they removed, marked so.
    pub async fn community_feed(&self, actor: &Actor, id: CommunityId, page: u64) -> AppResult<FeedPage> {
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        let with_removed = actor.can(Action::ModerateCommunity, &resource(id));
        let offset = page.saturating_sub(1).saturating_mul(FEED_PAGE);
        Ok(self.store.feed(id, with_removed, offset, FEED_PAGE).await?)
    }

    /// Create a community (administrators); they then name its referents.
    pub async fn create_community(&self, actor: &Actor, input: &CommunityInput) -> AppResult<Community> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        require(actor, Action::CreateCommunity, &Resource::Platform)?;
        let data = input.validate(self.reference)?;
        let now = Utc::now();
        let community = Community {
            id: CommunityId::new(),
            data,
            version: 1,
            is_demo: false,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store.transaction().await?;
        tx.insert_community(&community, &author_of(actor)).await?;
        tx.commit().await?;
        tracing::info!(community = %community.id, user = %user.id, "community created");
        Ok(community)
    }

    /// Replace a community's profile at the version the input names (409 when stale).
    pub async fn update_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        input: &CommunityInput,
    ) -> AppResult<Community> {
        actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.community_snapshot().await?;
        let current = snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::EditCommunity, &resource(id))?;
        let Some(version) = input.version else {
            return Err(FieldError::new("version", "required", Message::new("places.required")).into());
        };
        let data = input.validate(self.reference)?;
        let community =
            Community { data, version: version + 1, updated_at: Utc::now(), ..Community::clone(current) };
        let mut tx = self.store.transaction().await?;
        tx.update_community(&community, version, &author_of(actor)).await?;
        tx.commit().await?;
        tracing::info!(community = %id, version = community.version, "community updated");
        Ok(community)
    }

    /// Join a community: at once when it is open, else a request for its referents.
    pub async fn join_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        message: Option<&str>,
    ) -> AppResult<Joined> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.community_snapshot().await?;
        let community = snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::JoinCommunity, &resource(id))?;
        if actor.roles().iter().any(|g| g.scope() == maillage_domain::roles::Scope::Community(id)) {
            return Err(
                FieldError::new("community", "already", Message::new("communities.already_member")).into()
            );
        }
        let message = community_message("message", message)?;
        let mut tx = self.store.transaction().await?;
        let joined = if community.data.join_policy == JoinPolicy::Open {
            tx.withdraw_community_request(id, user.id).await?;
            tx.grant(user.id, Grant::member(id), Some(user.id)).await?;
            Joined::Member
        } else {
            let request =
                JoinRequest { community: id, user: user.id, message, asked_at: Utc::now(), version: 1 };
            match tx.ask_to_join_community(&request).await {
                Err(maillage_store::StoreError::Duplicate(_)) => {
                    return Err(FieldError::new(
                        "community",
                        "already",
                        Message::new("communities.already_requested"),
                    )
                    .into());
                }
                other => other?,
            };
            Joined::Requested
        };
        tx.commit().await?;
        tracing::info!(community = %id, user = %user.id, joined = ?joined, "community joined");
        Ok(joined)
    }

    /// Accept or decline a request to join (the community's referents), at the version
    /// shown: of two decisions on the same request, the second gets a conflict.
    pub async fn decide_join_request(
        &self,
        actor: &Actor,
        id: CommunityId,
        person: UserId,
        accept: bool,
        version: i64,
        message: Option<&str>,
    ) -> AppResult<()> {
        let by = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageCommunity, &resource(id))?;
        let message = community_message("message", message)?;
        let mut tx = self.store.transaction().await?;
        tx.decide_community_request(id, person, version, accept, Some(by.id), &message, Utc::now()).await?;
        if accept {
            tx.grant(person, Grant::member(id), Some(by.id)).await?;
        }
        tx.commit().await?;
        tracing::info!(community = %id, accept, "join request decided");
        Ok(())
    }

    /// Leave a community (a person), or remove a member (its referents). A community keeps
    /// at least one referent: the last one cannot leave or be removed.
    pub async fn leave_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        person: Option<UserId>,
    ) -> AppResult<()> {
        let me = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        let person = person.unwrap_or(me.id);
        if person != me.id {
            require(actor, Action::ManageCommunity, &resource(id))?;
        }
        let people = self.store.community_people(id).await?;
        let Some(them) = people.iter().find(|p| p.user == person) else {
            // A waiting request is withdrawn the same way.
            let mut tx = self.store.transaction().await?;
            let withdrawn = tx.withdraw_community_request(id, person).await?;
            tx.commit().await?;
            return if withdrawn { Ok(()) } else { Err(AppError::NotFound) };
        };
        if them.referent && people.iter().filter(|p| p.referent).count() == 1 {
            return Err(FieldError::new(
                "community",
                "last_referent",
                Message::new("communities.last_referent"),
            )
            .into());
        }
        let mut tx = self.store.transaction().await?;
        tx.revoke(person, Grant::member(id)).await?;
        tx.revoke(person, Grant::referent(id)).await?;
        tx.commit().await?;
        tracing::info!(community = %id, "member left");
        Ok(())
    }

    /// Name a referent (by their account's email; they become a member too); `false` when
    /// they were one already.
    pub async fn add_referent(&self, actor: &Actor, id: CommunityId, email: &str) -> AppResult<bool> {
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageCommunity, &resource(id))?;
        let email = maillage_domain::fields::Email::parse(email)
            .map_err(|e| ValidationErrors::from(e.at("email")))?;
        let user = self.store.user_by_email(&email).await?.ok_or_else(not_a_member)?.user;
        let by = actor.user().map(|u| u.id);
        let mut tx = self.store.transaction().await?;
        tx.withdraw_community_request(id, user.id).await?;
        let new = tx.grant(user.id, Grant::referent(id), by).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Take a referent's role back (they stay a member); never the last referent's.
    pub async fn remove_referent(&self, actor: &Actor, id: CommunityId, email: &str) -> AppResult<()> {
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::ManageCommunity, &resource(id))?;
        let email = maillage_domain::fields::Email::parse(email)
            .map_err(|e| ValidationErrors::from(e.at("email")))?;
        let people = self.store.community_people(id).await?;
        let Some(them) = people.iter().find(|p| p.referent && p.email == email.as_str()) else {
            return Err(FieldError::new("email", "not_held", Message::new("communities.not_referent")).into());
        };
        if people.iter().filter(|p| p.referent).count() == 1 {
            return Err(
                FieldError::new("email", "last_referent", Message::new("communities.last_referent")).into()
            );
        }
        let mut tx = self.store.transaction().await?;
        tx.revoke(them.user, Grant::referent(id)).await?;
        tx.grant(them.user, Grant::member(id), actor.user().map(|u| u.id)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Write in a community's feed (its members and referents).
    pub async fn publish_in_community(
        &self,
        actor: &Actor,
        id: CommunityId,
        input: &PublicationInput,
    ) -> AppResult<Publication> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let snapshot = self.store.community_snapshot().await?;
        snapshot.get(id).ok_or(AppError::NotFound)?;
        require(actor, Action::PostInCommunity, &resource(id))?;
        let text = input.validate()?;
        let publication = Publication {
            id: PublicationId::new(),
            community: id,
            author: Some(user.id),
            author_name: user.display_name.clone(),
            title: text.title,
            body: text.body,
            created_at: Utc::now(),
            removed_at: None,
            removal_reason: String::new(),
            is_demo: false,
        };
        let mut tx = self.store.transaction().await?;
        tx.insert_publication(&publication).await?;
        tx.commit().await?;
        tracing::info!(community = %id, publication = %publication.id, "publication added");
        Ok(publication)
    }

    /// Remove a publication from its feed: its author, or the community's referents (with
    /// a reason, which the author sees).
    pub async fn remove_publication(
        &self,
        actor: &Actor,
        id: CommunityId,
        publication: PublicationId,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let stored = self.store.publication(publication).await?.filter(|p| p.community == id);
        let Some(stored) = stored else { return Err(AppError::NotFound) };
        let moderator = actor.can(Action::ModerateCommunity, &resource(id));
        if !moderator && stored.author != Some(user.id) {
            return Err(AppError::Forbidden);
        }
        let reason = community_message("reason", reason)?;
        let mut tx = self.store.transaction().await?;
        let removed = tx.remove_publication(publication, Some(user.id), &reason, Utc::now()).await?;
        tx.commit().await?;
        if !removed {
            return Err(AppError::Conflict { current: 0 });
        }
        tracing::info!(community = %id, publication = %publication, "publication removed");
        Ok(())
    }

    /// Every community as `(id, name)`, in name order.
    pub async fn community_choices(&self) -> AppResult<Vec<(CommunityId, String)>> {
        Ok(self.store.community_snapshot().await?.all().map(|c| (c.id, c.data.name.clone())).collect())
    }
}
