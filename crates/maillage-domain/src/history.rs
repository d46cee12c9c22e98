//! The history of content items: who changed which field of an item, from what to what.
//!
//! Every kind of content (places today; networks, communities, resources, events later)
//! keeps its history the same way: the item's content serialised as a JSON object, and for
//! each change the fields whose serialised value differs, with the old and the new value.
//! A kind only says what its content is ([`place_content`]) and in which order its fields
//! are shown ([`PLACE_FIELDS`]); diffing, storing and reverting are shared.

use crate::PlaceStatus;
use crate::ids::UserId;
use crate::place::{Place, PlaceData};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The kind of a place in the history (`changes.kind`).
pub const KIND_PLACE: &str = "place";

/// Who makes a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    /// A person acting through an account. The name is kept beside the id (until the
    /// account is erased): the command line acts as a person without an account row.
    Person { id: UserId, name: String },
    /// The demo generator.
    Demo,
    /// A tool acting for nobody in particular.
    System,
}

/// One field of one change: its serialised value before and after (`null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

/// The fields of a place's content, in the order they are shown: the top-level fields of
/// [`PlaceData`] as serialised, then `status`.
pub const PLACE_FIELDS: &[&str] = &[
    "name",
    "types",
    "summary",
    "description",
    "address",
    "postal_code",
    "commune_code",
    "commune_name",
    "departement",
    "region",
    "epci",
    "location",
    "location_precise",
    "siret",
    "rna",
    "services",
    "equipment",
    "opening_hours",
    "publics",
    "support",
    "fees",
    "access_modes",
    "accessibility_url",
    "labels",
    "email",
    "phone",
    "website",
    "status",
];

/// Fields of a place that follow from others (the commune's name and territories from its
/// code, the precision from whether a point was given): never reverted on their own.
pub const PLACE_DERIVED_FIELDS: &[&str] =
    &["commune_name", "departement", "region", "epci", "location_precise"];

/// A place's content as the history sees it: its data serialised, plus its status.
pub fn place_content(data: &PlaceData, status: PlaceStatus) -> Map<String, Value> {
    let mut map = match serde_json::to_value(data) {
        Ok(Value::Object(map)) => map,
        // PlaceData is a struct of plain values: it always serialises to an object.
        _ => Map::new(),
    };
    map.insert("status".into(), Value::String(status.code().into()));
    map
}

/// [`place_content`] of a stored place.
pub fn content_of(place: &Place) -> Map<String, Value> {
    place_content(&place.data, place.status)
}

/// Whether a value says nothing (left out of a creation's diff).
fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The fields that differ between two contents, in `fields` order. A creation (`old` is
/// `None`) lists the fields it sets, with `old` null; blank values (null, empty text, empty
/// lists) are left out of it. Fields not in `fields` are ignored.
pub fn diff(fields: &[&str], old: Option<&Map<String, Value>>, new: &Map<String, Value>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    for field in fields {
        let after = new.get(*field).unwrap_or(&Value::Null);
        match old {
            None if is_blank(after) => {}
            None => out.push(FieldChange { field: (*field).into(), old: Value::Null, new: after.clone() }),
            Some(old) => {
                let before = old.get(*field).unwrap_or(&Value::Null);
                if before != after {
                    out.push(FieldChange { field: (*field).into(), old: before.clone(), new: after.clone() });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn a_creation_lists_the_fields_it_sets_and_an_edit_those_it_changes() {
        let first =
            map(json!({"name": "A", "types": ["fablab"], "siret": null, "equipment": [], "status": "draft"}));
        let created = diff(PLACE_FIELDS, None, &first);
        let fields: Vec<&str> = created.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["name", "types", "status"]);
        assert!(created.iter().all(|c| c.old.is_null()));
        let second =
            map(json!({"name": "B", "types": ["fablab"], "siret": "1", "equipment": [], "status": "draft"}));
        assert_eq!(
            diff(PLACE_FIELDS, Some(&first), &second),
            vec![
                FieldChange { field: "name".into(), old: json!("A"), new: json!("B") },
                FieldChange { field: "siret".into(), old: Value::Null, new: json!("1") },
            ]
        );
        assert!(diff(PLACE_FIELDS, Some(&second), &second).is_empty());
    }

    #[test]
    fn the_field_list_is_the_serialised_place_data_in_order() {
        // Every serialised field is listed once, so no change can be missed.
        let data: PlaceData = serde_json::from_value(json!({
            "name": "A", "types": ["fablab"], "summary": "", "description": "", "address": "",
            "postal_code": "42000", "commune_code": "42218", "commune_name": "Saint-Étienne",
            "departement": "42", "region": "84", "epci": null, "location": {"lat": 45.4, "lon": 4.4},
            "location_precise": true, "siret": null, "rna": null, "services": [], "equipment": [],
            "opening_hours": null, "publics": [], "support": [], "fees": [], "access_modes": [],
            "accessibility_url": null, "labels": [], "email": null, "phone": null, "website": null
        }))
        .unwrap();
        let content = place_content(&data, PlaceStatus::Draft);
        let mut listed: Vec<&str> = PLACE_FIELDS.to_vec();
        listed.sort_unstable();
        let serialised: Vec<&str> = content.keys().map(String::as_str).collect();
        assert_eq!(listed, serialised);
    }
}
