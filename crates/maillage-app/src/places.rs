//! Place use cases: list, read, create, edit, archive — with their permission checks.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::history::author_of;
use crate::permissions::{Action, Resource};
use chrono::Utc;
use maillage_domain::messages::Message;
use maillage_domain::place::FarLocation;
use maillage_domain::user::Actor;
use maillage_domain::{FieldError, Place, PlaceId, PlaceInput, PlaceStatus, Provenance, ValidationErrors};
use maillage_store::{ListPage, PlaceFilter};

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 500;

impl App {
    /// Places visible to the actor that match a filter. Visitors and contributors only see
    /// published places; managers also see their own drafts and archives when they ask for
    /// the places they manage; admins see everything they ask for.
    pub async fn list_places(
        &self,
        actor: &Actor,
        mut filter: PlaceFilter,
        offset: u64,
        limit: u64,
    ) -> AppResult<ListPage> {
        let wants_unpublished = filter.statuses.iter().any(|s| *s != PlaceStatus::Published);
        let all = actor.can(Action::ListUnpublished, &Resource::Platform);
        if wants_unpublished && !all {
            match actor.user() {
                Some(user) if filter.managed_by == Some(user.id) => {}
                Some(_) => return Err(AppError::Forbidden),
                None => return Err(AppError::Unauthenticated),
            }
        }
        if let Some(managed_by) = filter.managed_by
            && !all
            && actor.user().map(|u| u.id) != Some(managed_by)
        {
            return Err(AppError::Forbidden);
        }
        filter.sort = match (filter.sort, &filter.near, &filter.text) {
            (maillage_store::PlaceSort::Distance, None, _) => maillage_store::PlaceSort::Name,
            (maillage_store::PlaceSort::Relevance, _, None) => maillage_store::PlaceSort::Name,
            (sort, _, _) => sort,
        };
        Ok(self.store.list_places(&filter, offset, limit.clamp(1, MAX_PAGE_SIZE)).await?)
    }

    /// One place. An unpublished place the actor may not see is "not found", so that its
    /// existence does not leak.
    pub async fn place(&self, actor: &Actor, id: PlaceId) -> AppResult<Place> {
        let place = self.store.place(id).await?.ok_or(AppError::NotFound)?;
        if !actor.can(Action::view(place.status), &self.resource_of(&place).await?) {
            return Err(AppError::NotFound);
        }
        Ok(place)
    }

    /// Whether the actor may edit this place (for showing edit links).
    pub async fn may_edit(&self, actor: &Actor, id: PlaceId) -> AppResult<bool> {
        let place = self.store.place(id).await?.ok_or(AppError::NotFound)?;
        Ok(actor.can(Action::Edit, &self.resource_of(&place).await?))
    }

    /// Whether the actor may publish this place (for offering the status).
    pub async fn may_publish(&self, actor: &Actor, place: Option<&Place>) -> AppResult<bool> {
        Ok(match place {
            Some(place) => actor.can(Action::Publish, &self.resource_of(place).await?),
            None => actor.can(Action::Publish, &Resource::place(PlaceId::new(), PlaceStatus::Draft)),
        })
    }

    /// Create a place. Signed-in users create drafts and become the place's managers;
    /// only admins may publish directly.
    pub async fn create_place(
        &self,
        actor: &Actor,
        input: &PlaceInput,
    ) -> AppResult<(Place, Vec<FieldError>)> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        if !actor.can(Action::CreatePlace, &Resource::Platform) {
            return Err(AppError::Forbidden);
        }
        let (data, warnings) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        let status = input.requested_status().unwrap_or(PlaceStatus::Draft);
        let id = PlaceId::new();
        // A new place belongs to no network yet: only administrators publish it at once.
        if status == PlaceStatus::Published
            && !actor.can(Action::Publish, &Resource::place(id, PlaceStatus::Draft))
        {
            return Err(publish_forbidden().into());
        }
        let now = Utc::now();
        let place = Place {
            id,
            data,
            status,
            // The id doubles as source id, so that re-importing an export updates in place.
            provenance: Provenance {
                source: "maillage".into(),
                source_id: Some(id.to_string()),
                source_updated_on: None,
            },
            is_demo: false,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let mut warnings = warnings;
        if let Some(similar) = self.similar_places(&place).await?.into_iter().next() {
            warnings.push(FieldError::new(
                "name",
                "possible_duplicate",
                Message::new("places.possible_duplicate")
                    .with("name", &similar.data.name)
                    .with("id", similar.id),
            ));
        }
        // The place and its manager are one unit of work: never a draft nobody can edit.
        let mut tx = self.store.transaction().await?;
        tx.insert_place(&place, &author_of(actor)).await?;
        tx.add_place_manager(id, user.id).await?;
        tx.commit().await?;
        tracing::info!(place = %id, user = %user.id, "place created");
        Ok((place, warnings))
    }

    /// The place most like this one in its commune, if one looks like the same place, as
    /// `actor` may see it (the place page's notice after a creation).
    pub async fn similar_to(&self, actor: &Actor, id: PlaceId) -> AppResult<Option<std::sync::Arc<Place>>> {
        let place = self.place(actor, id).await?;
        for similar in self.similar_places(&place).await? {
            if actor.can(Action::view(similar.status), &self.resource_of(&similar).await?) {
                return Ok(Some(similar));
            }
        }
        Ok(None)
    }

    /// The places of the same commune (published or drafts) that look like the same place
    /// ([`maillage_domain::duplicates`]), most alike first: a warning for whoever adds it.
    async fn similar_places(&self, place: &Place) -> AppResult<Vec<std::sync::Arc<Place>>> {
        use maillage_domain::duplicates::{Candidate, THRESHOLD, similarity};
        let candidate = |p: &Place| Candidate::from(p);
        let filter = PlaceFilter {
            commune: Some(place.data.commune_code.to_string()),
            statuses: vec![PlaceStatus::Published, PlaceStatus::Draft],
            ..PlaceFilter::default()
        };
        let page = self.store.list_places(&filter, 0, 500).await?;
        let new = candidate(place);
        let mut found: Vec<(f64, std::sync::Arc<Place>)> = page
            .places
            .into_iter()
            .filter(|p| p.id != place.id)
            .filter_map(|p| {
                similarity(&new, &candidate(&p)).filter(|s| s.score >= THRESHOLD).map(|s| (s.score, p))
            })
            .collect();
        found.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(found.into_iter().map(|(_, p)| p).collect())
    }

    /// Replace a place's content. The input must name the version it edits: a stale edit
    /// is a conflict, never a silent overwrite.
    pub async fn update_place(
        &self,
        actor: &Actor,
        id: PlaceId,
        input: &PlaceInput,
    ) -> AppResult<(Place, Vec<FieldError>)> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        let current = self.place(actor, id).await?;
        let resource = self.resource_of(&current).await?;
        if !actor.can(Action::Edit, &resource) {
            return Err(AppError::Forbidden);
        }
        let Some(version) = input.version else {
            return Err(FieldError::new("version", "required", Message::new("places.required")).into());
        };
        let (data, warnings) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        let status = input.requested_status().unwrap_or(current.status);
        if status == PlaceStatus::Published
            && current.status != PlaceStatus::Published
            && !actor.can(Action::Publish, &resource)
        {
            return Err(publish_forbidden().into());
        }
        let place = Place { data, status, version: version + 1, updated_at: Utc::now(), ..current };
        self.store.update_place(&place, version, &author_of(actor)).await?;
        tracing::info!(place = %id, user = %user.id, version = place.version, "place updated");
        Ok((place, warnings))
    }

    /// Archive a place (it leaves the map and the lists, and can be restored).
    pub async fn archive_place(&self, actor: &Actor, id: PlaceId, version: i64) -> AppResult<Place> {
        if actor.user().is_none() {
            return Err(AppError::Unauthenticated);
        }
        let current = self.place(actor, id).await?;
        if !actor.can(Action::Edit, &self.resource_of(&current).await?) {
            return Err(AppError::Forbidden);
        }
        let place =
            Place { status: PlaceStatus::Archived, version: version + 1, updated_at: Utc::now(), ..current };
        self.store.update_place(&place, version, &author_of(actor)).await?;
        Ok(place)
    }
}

impl App {
    /// A place as a resource: itself, the networks it is a member of and their ancestors,
    /// and the platform cover it.
    pub(crate) async fn resource_of(&self, place: &Place) -> AppResult<Resource> {
        let networks = self.store.network_snapshot().await?.covering(place.id);
        Ok(Resource::Place { id: place.id, status: place.status, networks })
    }
}

fn publish_forbidden() -> ValidationErrors {
    FieldError::new("status", "publish_forbidden", Message::new("places.publish_forbidden")).into()
}
