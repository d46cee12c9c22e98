//! The history of a content item and reverting one of its fields.
//!
//! Who may see a history: whoever may see the item (an unpublished place's history is "not
//! found" to strangers, like the place). Who made each change is shown according to the
//! person looking: administrators and the item's managers see the account (name and
//! email); the author sees themselves; anybody else sees "a contributor", never a name or
//! an address. Erased accounts, the demo and tools are named as such.
//!
//! Reverting a field puts back its value from before a given change, as a normal edit: the
//! same permission as editing, the version being edited checked (409 when stale), the same
//! validation, and itself recorded in the history.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::Action;
use chrono::{DateTime, Utc};
use maillage_domain::history::{Author, KIND_PLACE, PLACE_DERIVED_FIELDS, PLACE_FIELDS};
use maillage_domain::messages::Message;
use maillage_domain::user::Actor;
use maillage_domain::{ChangeId, FieldError, Place, PlaceId, PlaceInput, UserId};
use maillage_store::{StoredActor, StoredChange};
use serde::Serialize;
use serde_json::Value;

/// The author of what an actor does (the command line acts as a person without account).
pub fn author_of(actor: &Actor) -> Author {
    match actor.user() {
        Some(user) => Author::Person { id: user.id, name: user.display_name.clone() },
        None => Author::System,
    }
}

/// Who made a change, as the person looking may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthorView {
    /// `person` (named), `contributor` (a person this viewer is not told about), `erased`
    /// (a deleted account), `demo`, `system` (a tool acting for nobody).
    pub kind: &'static str,
    /// The person's display name, for `person` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The account's email: only administrators and the item's managers see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// One field of a change, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldView {
    pub field: String,
    pub old: Value,
    pub new: Value,
    /// Whether this viewer may put `old` back (editors, fields that are not derived).
    pub revertable: bool,
}

/// One change, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: ChangeId,
    /// The version the change produced.
    pub version: i64,
    pub at: DateTime<Utc>,
    pub author: AuthorView,
    pub fields: Vec<FieldView>,
}

/// A place's history, newest change first.
#[derive(Debug, Clone)]
pub struct PlaceHistory {
    pub place: Place,
    /// Whether the viewer may revert fields (edits the place).
    pub can_revert: bool,
    pub entries: Vec<HistoryEntry>,
}

/// Whether a place's field can be put back on its own.
pub fn is_revertable(field: &str) -> bool {
    PLACE_FIELDS.contains(&field) && !PLACE_DERIVED_FIELDS.contains(&field)
}

fn author_view(actor: &StoredActor, viewer: Option<UserId>, privileged: bool) -> AuthorView {
    let view = |kind, name: Option<String>, email: Option<String>| AuthorView { kind, name, email };
    match actor {
        StoredActor::Person { label, account, .. } if privileged => match account {
            Some(a) => view("person", Some(a.display_name.clone()), Some(a.email.clone())),
            None => view("person", Some(label.clone()), None),
        },
        StoredActor::Person { id, label, account } if viewer == Some(*id) => {
            view("person", Some(account.as_ref().map_or(label, |a| &a.display_name).clone()), None)
        }
        StoredActor::Person { .. } => view("contributor", None, None),
        StoredActor::Erased => view("erased", None, None),
        StoredActor::Demo => view("demo", None, None),
        StoredActor::System => view("system", None, None),
    }
}

fn unknown_field(field: &str) -> FieldError {
    FieldError::new("field", "unknown_field", Message::new("history.unknown_field").with("field", field))
}

impl App {
    /// A place's history, for whoever may see the place.
    pub async fn history(&self, actor: &Actor, id: PlaceId) -> AppResult<PlaceHistory> {
        let place = self.place(actor, id).await?;
        let resource = self.resource_of(&place).await?;
        // Managers, coordinators and admins see who made each change: they answer for the place.
        let privileged = actor.can(Action::SeeHistoryAuthors, &resource);
        let may_revert = actor.can(Action::Revert, &resource);
        let viewer = actor.user().map(|u| u.id);
        let stored = self.store.history(KIND_PLACE, &id.to_string()).await?;
        let entries = stored
            .into_iter()
            .map(|c| HistoryEntry {
                id: c.id,
                version: c.version,
                at: c.at,
                author: author_view(&c.actor, viewer, privileged),
                fields: c
                    .fields
                    .into_iter()
                    .map(|f| FieldView {
                        // A creation (version 1) has no earlier value to put back.
                        revertable: may_revert && c.version > 1 && is_revertable(&f.field),
                        ..FieldView::from(f)
                    })
                    .collect(),
            })
            .collect();
        Ok(PlaceHistory { place, can_revert: may_revert, entries })
    }

    /// Put back the value `field` had before `change`, as an edit of version `version`.
    /// A change that is unknown or belongs to another place is "not found"; a field that
    /// change did not touch, one derived from others, or any field of the creation (it had
    /// no earlier value) is refused on `field` (422).
    pub async fn revert_field(
        &self,
        actor: &Actor,
        id: PlaceId,
        change: &str,
        field: &str,
        version: i64,
    ) -> AppResult<(Place, Vec<FieldError>)> {
        if actor.user().is_none() {
            return Err(AppError::Unauthenticated);
        }
        let current = self.place(actor, id).await?;
        if !actor.can(Action::Revert, &self.resource_of(&current).await?) {
            return Err(AppError::Forbidden);
        }
        let change: StoredChange = match change.parse::<ChangeId>() {
            Ok(change_id) => self.store.change(change_id).await?.ok_or(AppError::NotFound)?,
            Err(_) => return Err(AppError::NotFound),
        };
        if change.kind != KIND_PLACE || change.item_id != id.to_string() {
            return Err(AppError::NotFound);
        }
        let Some(changed) = change.fields.iter().find(|f| f.field == field) else {
            return Err(unknown_field(field).into());
        };
        if change.version == 1 {
            return Err(
                FieldError::new("field", "not_revertable", Message::new("history.not_revertable")).into()
            );
        }
        if !is_revertable(field) {
            return Err(FieldError::new(
                "field",
                "not_revertable",
                Message::new("history.not_revertable_derived").with("field", field),
            )
            .into());
        }
        let mut input = PlaceInput::from(&current);
        input.version = Some(version);
        if field == "location" {
            // The point, and whether it was a precise one, as before the change.
            let precise = change
                .fields
                .iter()
                .find(|f| f.field == "location_precise")
                .and_then(|f| f.old.as_bool())
                .unwrap_or(current.data.location_precise);
            let point = changed
                .old
                .get("lat")
                .and_then(Value::as_f64)
                .zip(changed.old.get("lon").and_then(Value::as_f64));
            (input.latitude, input.longitude) = match point {
                Some((lat, lon)) if precise => (Some(lat), Some(lon)),
                _ => (None, None),
            };
        } else {
            let mut value = serde_json::to_value(&input).map_err(|e| AppError::failed("history value", e))?;
            let old = match (&changed.old, &value[field]) {
                // Nothing before (a creation): an empty list for list fields.
                (Value::Null, Value::Array(_)) => Value::Array(Vec::new()),
                (old, _) => old.clone(),
            };
            value[field] = old;
            input = serde_json::from_value(value).map_err(|_| unknown_field(field))?;
        }
        self.update_place(actor, id, &input).await
    }
}

impl From<maillage_domain::history::FieldChange> for FieldView {
    fn from(f: maillage_domain::history::FieldChange) -> Self {
        FieldView { field: f.field, old: f.old, new: f.new, revertable: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_store::AccountRef;

    #[test]
    fn only_those_who_answer_for_the_place_see_whose_account_it_was() {
        let id = UserId::new();
        let stored = StoredActor::Person {
            id,
            label: "Anne (alors)".into(),
            account: Some(AccountRef { display_name: "Anne".into(), email: "anne@exemple.fr".into() }),
        };
        let privileged = author_view(&stored, None, true);
        assert_eq!((privileged.kind, privileged.email.as_deref()), ("person", Some("anne@exemple.fr")));
        assert_eq!(
            author_view(&stored, None, false),
            AuthorView { kind: "contributor", name: None, email: None }
        );
        let own = author_view(&stored, Some(id), false);
        assert_eq!((own.name.as_deref(), own.email), (Some("Anne"), None));
        assert_eq!(author_view(&StoredActor::Erased, None, true).kind, "erased");
    }

    #[test]
    fn derived_fields_are_not_revertable_on_their_own() {
        assert!(is_revertable("name") && is_revertable("location") && is_revertable("status"));
        assert!(!is_revertable("commune_name") && !is_revertable("departement") && !is_revertable("nope"));
    }
}
