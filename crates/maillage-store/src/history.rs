//! The history of content items (`changes` table): one row per change of an item, with
//! who, when, the version it produced and the diff of its fields as JSON
//! (`[[field, old, new], …]`, or a place's initial content for its creation: see
//! [`parse_fields`]). Written through a
//! [`crate::Tx`], in the transaction of the change itself; read back per item, per change,
//! or per author (personal data).
//!
//! Places record theirs inside `Tx::insert_place`, `update_place` and `import_places`. A new
//! kind of content computes its diff with `maillage_domain::history::diff` and calls
//! [`crate::Tx::record_changes`] in the same transaction as its write.

use crate::pool::with_db;
use crate::tx::with_tx;
use crate::{Store, StoreError, Tx};
use chrono::{DateTime, Utc};
use maillage_domain::history::{Author, FieldChange};
use maillage_domain::{ChangeId, UserId};
use serde_json::Value;
use serde_json::value::RawValue;
use sqlx::{AssertSqlSafe, Row};

/// One change to record: the item, the version it produced, when, and its fields.
#[derive(Debug, Clone)]
pub struct ItemChange {
    pub kind: &'static str,
    pub item_id: String,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub fields: Vec<FieldChange>,
}

/// Who made a stored change.
#[derive(Debug, Clone, PartialEq)]
pub enum StoredActor {
    /// A person: `label` is their display name when they made the change; `account` their
    /// account as it is now (`None` when there is no account row: the command line).
    Person {
        id: UserId,
        label: String,
        account: Option<AccountRef>,
    },
    /// The account was erased: nothing is left of who it was.
    Erased,
    Demo,
    System,
}

/// An author's account as it is now.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRef {
    pub display_name: String,
    pub email: String,
}

/// One stored change.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredChange {
    pub id: ChangeId,
    pub kind: String,
    pub item_id: String,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub actor: StoredActor,
    pub fields: Vec<FieldChange>,
}

/// What `actor_label` holds once the account is erased.
pub(crate) const ERASED_LABEL: &str = "compte supprimé";

/// Changes written per INSERT statement (9 parameters each).
const CHANGES_PER_STATEMENT: usize = 500;

const CHANGE_COLUMNS: &str = "c.id, c.kind, c.item_id, c.version, c.actor_id, c.actor_kind, c.actor_label, c.at, \
     c.fields, u.display_name, u.email";

/// `actor_id`, `actor_kind`, `actor_label` of an author.
fn actor_columns(author: &Author) -> (Option<String>, &'static str, Option<String>) {
    match author {
        Author::Person { id, name } => (Some(id.to_string()), "person", Some(name.clone())),
        Author::Demo => (None, "demo", None),
        Author::System => (None, "system", None),
    }
}

macro_rules! row_to_change {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let actor_id: Option<String> = row.try_get("actor_id")?;
        let kind: String = row.try_get("actor_kind")?;
        let fields: String = row.try_get("fields")?;
        let actor = match (kind.as_str(), actor_id) {
            ("person", Some(actor)) => StoredActor::Person {
                id: actor.parse().map_err(|_| StoredChange::corrupt(&id))?,
                label: row.try_get::<Option<String>, _>("actor_label")?.unwrap_or_default(),
                account: match (
                    row.try_get::<Option<String>, _>("display_name")?,
                    row.try_get::<Option<String>, _>("email")?,
                ) {
                    (Some(display_name), Some(email)) => Some(AccountRef { display_name, email }),
                    _ => None,
                },
            },
            ("erased", _) => StoredActor::Erased,
            ("demo", _) => StoredActor::Demo,
            ("system", _) => StoredActor::System,
            _ => return Err(StoredChange::corrupt(&id)),
        };
        StoredChange {
            id: id.parse().map_err(|_| StoredChange::corrupt(&id))?,
            kind: row.try_get("kind")?,
            item_id: row.try_get("item_id")?,
            version: row.try_get("version")?,
            at: row.try_get("at")?,
            actor,
            fields: parse_fields(&fields)?,
        }
    }};
}

impl StoredChange {
    fn corrupt(id: &str) -> StoreError {
        StoreError::Corrupt(format!("change {id}"))
    }
}

/// A change ready to be written: its fields already in their stored form.
#[derive(Debug, Clone)]
pub(crate) struct PendingChange {
    pub kind: &'static str,
    pub item_id: String,
    pub version: i64,
    pub at: DateTime<Utc>,
    /// The stored form of the fields: see [`parse_fields`].
    pub fields: String,
}

/// The fields of a stored change. Two forms: `[[field, old, new], …]` triples for an edit,
/// in the kind's field order; or, for a place's creation, its initial content as a JSON
/// object (`{"name": …, …}`, the place's data as serialised plus its status), written
/// without any diffing — an import writes one per new row. A creation lists the fields it
/// sets (blank values — null, empty text, empty lists — are left out), each from null.
pub(crate) fn parse_fields(stored: &str) -> Result<Vec<FieldChange>, StoreError> {
    if stored.starts_with('{') {
        let Entries(entries) = serde_json::from_str(stored)?;
        return Ok(entries
            .into_iter()
            .filter(|(_, v)| !is_blank_value(v))
            .map(|(field, new)| FieldChange { field, old: Value::Null, new })
            .collect());
    }
    Ok(serde_json::from_str::<Vec<(String, Value, Value)>>(stored)?
        .into_iter()
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect())
}

fn is_blank_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The raw text of `field` among `entries`, `null` when absent. Contents of one kind are
/// serialised in their field order, so the `i`-th field is looked for at `i` first.
fn raw_at<'a>(entries: &[(&'a str, &'a RawValue)], i: usize, field: &str) -> &'a str {
    match entries.get(i) {
        Some((k, v)) if *k == field => v.get(),
        _ => entries.iter().find(|(k, _)| *k == field).map_or("null", |(_, v)| v.get()),
    }
}

/// A JSON object's entries as borrowed raw slices, in the order written.
struct RawEntries<'a>(Vec<(&'a str, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for RawEntries<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawEntries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawEntries<'de>, A::Error> {
                let mut out = Vec::with_capacity(32);
                while let Some(entry) = map.next_entry::<&'de str, &'de RawValue>()? {
                    out.push(entry);
                }
                Ok(RawEntries(out))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// A JSON object's entries in the order written (a `Map` would sort them).
struct Entries(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(32));
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    out.push(entry);
                }
                Ok(Entries(out))
            }
        }
        deserializer.deserialize_map(Visit)
    }
}

/// The stored form of a change's fields: `[[field, old, new], …]`, in `fields` order.
fn fields_json(changes: &[FieldChange]) -> Result<String, StoreError> {
    let triples: Vec<(&str, &Value, &Value)> =
        changes.iter().map(|c| (c.field.as_str(), &c.old, &c.new)).collect();
    Ok(serde_json::to_string(&triples)?)
}

/// Whether a JSON value's text says nothing (null, empty text, empty list).
fn is_blank(raw: &str) -> bool {
    matches!(raw, "null" | "\"\"" | "[]")
}

/// The diff of two contents given as JSON objects, straight to the stored form of its
/// fields (`None` when nothing changed), with the same rules as
/// `maillage_domain::history::diff`: fields in `fields` order, a creation (`old` is `None`)
/// lists the fields it sets. Values are compared as the serialiser wrote them, without
/// building them: an import writes this for every row.
pub(crate) fn diff_json(fields: &[&str], old: Option<&str>, new: &str) -> Result<Option<String>, StoreError> {
    // Borrowed slices in the order written: no copy of any value, no map to build.
    let RawEntries(new) = serde_json::from_str(new)?;
    let old: Option<RawEntries> = old.map(serde_json::from_str).transpose()?;
    let mut out = String::with_capacity(64);
    for (i, field) in fields.iter().enumerate() {
        let after = raw_at(&new, i, field);
        let before = match &old {
            None if is_blank(after) => continue,
            None => "null",
            Some(RawEntries(old)) => raw_at(old, i, field),
        };
        if old.is_some() && before == after {
            continue;
        }
        out.push(if out.is_empty() { '[' } else { ',' });
        // Field names are plain identifiers: no escaping.
        out.push_str("[\"");
        out.push_str(field);
        out.push_str("\",");
        out.push_str(before);
        out.push(',');
        out.push_str(after);
        out.push(']');
    }
    if out.is_empty() {
        return Ok(None);
    }
    out.push(']');
    Ok(Some(out))
}

impl Tx {
    /// Record changes made in this transaction, by one author, a few hundred per
    /// statement. Changes without fields are skipped (nothing to show or revert).
    pub async fn record_changes(
        &mut self,
        changes: &[ItemChange],
        author: &Author,
    ) -> Result<(), StoreError> {
        let mut pending = Vec::with_capacity(changes.len());
        for c in changes.iter().filter(|c| !c.fields.is_empty()) {
            pending.push(PendingChange {
                kind: c.kind,
                item_id: c.item_id.clone(),
                version: c.version,
                at: c.at,
                fields: fields_json(&c.fields)?,
            });
        }
        self.write_changes(&pending, author).await
    }

    pub(crate) async fn write_changes(
        &mut self,
        changes: &[PendingChange],
        author: &Author,
    ) -> Result<(), StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        let (actor_id, actor_kind, actor_label) = actor_columns(author);
        for chunk in changes.chunks(CHANGES_PER_STATEMENT) {
            let sql = format!(
                "INSERT INTO changes (id, kind, item_id, version, actor_id, actor_kind, actor_label, at, fields) VALUES {}",
                crate::places::placeholders(chunk.len(), 9, anonymous)
            );
            let ids: Vec<String> = chunk.iter().map(|_| ChangeId::new().to_string()).collect();
            with_tx!(self, conn => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (change, id) in chunk.iter().zip(&ids) {
                    q = q
                        .bind(id)
                        .bind(change.kind)
                        .bind(&change.item_id)
                        .bind(change.version)
                        .bind(&actor_id)
                        .bind(actor_kind)
                        .bind(&actor_label)
                        .bind(change.at)
                        .bind(&change.fields);
                }
                q.execute(&mut *conn).await?;
            });
        }
        Ok(())
    }

    /// Pseudonymise the changes of an account (before it is erased): no id, no name.
    pub(crate) async fn pseudonymise_changes_of(&mut self, user: &str) -> Result<u64, StoreError> {
        let done = with_tx!(self, conn => {
            sqlx::query(
                "UPDATE changes SET actor_id = NULL, actor_kind = 'erased', actor_label = $1 WHERE actor_id = $2",
            )
            .bind(ERASED_LABEL)
            .bind(user)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(done)
    }
}

impl Store {
    /// The history of one item, newest change first.
    pub async fn history(&self, kind: &str, item_id: &str) -> Result<Vec<StoredChange>, StoreError> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM changes c LEFT JOIN users u ON u.id = c.actor_id \
             WHERE c.kind = $1 AND c.item_id = $2 ORDER BY c.version DESC, c.id DESC"
        );
        with_db!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).bind(kind).bind(item_id).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(row_to_change!(row));
            }
            Ok(out)
        })
    }

    /// One change, whatever its item.
    pub async fn change(&self, id: ChangeId) -> Result<Option<StoredChange>, StoreError> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM changes c LEFT JOIN users u ON u.id = c.actor_id WHERE c.id = $1"
        );
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_change!(row)), None => None })
        })
    }

    /// Every change an account made, oldest first (personal data).
    pub async fn changes_by(&self, user: UserId) -> Result<Vec<StoredChange>, StoreError> {
        let sql = format!(
            "SELECT {CHANGE_COLUMNS} FROM changes c LEFT JOIN users u ON u.id = c.actor_id \
             WHERE c.actor_id = $1 ORDER BY c.at, c.id"
        );
        with_db!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql.as_str())).bind(user.to_string()).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(row_to_change!(row));
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use maillage_domain::history::diff;
    use serde_json::json;

    #[test]
    fn a_creation_stored_whole_reads_as_the_fields_it_set_in_their_order() {
        let stored =
            r#"{"name":"A","types":["fablab"],"siret":null,"equipment":[],"summary":"","status":"draft"}"#;
        let fields = parse_fields(stored).unwrap();
        assert_eq!(
            fields,
            vec![
                FieldChange { field: "name".into(), old: Value::Null, new: json!("A") },
                FieldChange { field: "types".into(), old: Value::Null, new: json!(["fablab"]) },
                FieldChange { field: "status".into(), old: Value::Null, new: json!("draft") },
            ]
        );
        let content = serde_json::from_str::<Value>(stored).unwrap();
        assert_eq!(
            fields,
            diff(
                &["name", "types", "siret", "equipment", "summary", "status"],
                None,
                content.as_object().unwrap()
            )
        );
    }

    #[test]
    fn the_fast_diff_says_what_the_domain_diff_says() {
        let fields = ["name", "types", "siret", "location", "status"];
        let a = json!({"name": "A", "types": ["fablab"], "siret": null, "location": {"lat": 45.4, "lon": 4.4}, "status": "draft"});
        let b = json!({"name": "B \"x\"", "types": ["fablab"], "siret": "1", "location": {"lat": 45.5, "lon": 4.4}, "status": "draft"});
        for (old, new) in [(None, &a), (Some(&a), &b), (Some(&b), &b)] {
            let expected = diff(&fields, old.map(|o| o.as_object().unwrap()), new.as_object().unwrap());
            let fast = diff_json(&fields, old.map(|o| o.to_string()).as_deref(), &new.to_string()).unwrap();
            let parsed: Vec<FieldChange> = fast
                .map(|f| serde_json::from_str::<Vec<(String, Value, Value)>>(&f).unwrap())
                .unwrap_or_default()
                .into_iter()
                .map(|(field, old, new)| FieldChange { field, old, new })
                .collect();
            assert_eq!(parsed, expected);
        }
    }
}
