//! Place use cases: list, read, create, edit, archive — with their permission checks.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::history::author_of;
use crate::permissions::{may_create_place, place_rights};
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
        if wants_unpublished && !actor.is_admin() {
            match actor.user() {
                Some(user) if filter.managed_by == Some(user.id) => {}
                Some(_) => return Err(AppError::Forbidden),
                None => return Err(AppError::Unauthenticated),
            }
        }
        if let Some(managed_by) = filter.managed_by
            && !actor.is_admin()
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

    /// Whether the actor manages this place.
    pub async fn manages(&self, actor: &Actor, id: PlaceId) -> AppResult<bool> {
        Ok(match actor.user() {
            Some(user) => self.store.is_place_manager(id, user.id).await?,
            None => false,
        })
    }

    /// One place. An unpublished place the actor may not see is "not found", so that its
    /// existence does not leak.
    pub async fn place(&self, actor: &Actor, id: PlaceId) -> AppResult<Place> {
        let place = self.store.place(id).await?.ok_or(AppError::NotFound)?;
        if place.status != PlaceStatus::Published {
            let rights = place_rights(actor, self.manages(actor, id).await?);
            if !rights.view_unpublished {
                return Err(AppError::NotFound);
            }
        }
        Ok(place)
    }

    /// Whether the actor may edit this place (for showing edit links).
    pub async fn may_edit(&self, actor: &Actor, id: PlaceId) -> AppResult<bool> {
        Ok(place_rights(actor, self.manages(actor, id).await?).edit)
    }

    /// Create a place. Signed-in users create drafts and become the place's managers;
    /// only admins may publish directly.
    pub async fn create_place(
        &self,
        actor: &Actor,
        input: &PlaceInput,
    ) -> AppResult<(Place, Vec<FieldError>)> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        if !may_create_place(actor) {
            return Err(AppError::Forbidden);
        }
        let (data, warnings) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        let status = input.requested_status().unwrap_or(PlaceStatus::Draft);
        if status == PlaceStatus::Published && !actor.is_admin() {
            return Err(publish_forbidden().into());
        }
        let now = Utc::now();
        let id = PlaceId::new();
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
        // The place and its manager are one unit of work: never a draft nobody can edit.
        let mut tx = self.store.transaction().await?;
        tx.insert_place(&place, &author_of(actor)).await?;
        tx.add_place_manager(id, user.id).await?;
        tx.commit().await?;
        tracing::info!(place = %id, user = %user.id, "place created");
        Ok((place, warnings))
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
        let rights = place_rights(actor, self.manages(actor, id).await?);
        if !rights.edit {
            return Err(AppError::Forbidden);
        }
        let Some(version) = input.version else {
            return Err(FieldError::new("version", "required", Message::new("places.required")).into());
        };
        let (data, warnings) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        let status = input.requested_status().unwrap_or(current.status);
        if status == PlaceStatus::Published && current.status != PlaceStatus::Published && !rights.publish {
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
        if !place_rights(actor, self.manages(actor, id).await?).edit {
            return Err(AppError::Forbidden);
        }
        let place =
            Place { status: PlaceStatus::Archived, version: version + 1, updated_at: Utc::now(), ..current };
        self.store.update_place(&place, version, &author_of(actor)).await?;
        Ok(place)
    }
}

fn publish_forbidden() -> ValidationErrors {
    FieldError::new("status", "publish_forbidden", Message::new("places.publish_forbidden")).into()
}
