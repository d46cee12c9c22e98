//! The unit of work: one transaction per use case, over SQLite or PostgreSQL.
//!
//! A use case opens a [`Tx`] with [`Store::transaction`], does every write through it, and
//! commits: all of it is stored, or none of it (dropping a `Tx` rolls it back). On SQLite
//! the transaction runs on the write lane (one connection, `BEGIN IMMEDIATE`), so writers
//! queue instead of failing with "database is locked"; on PostgreSQL it is an ordinary
//! READ COMMITTED transaction, and every edit of a versioned record is a conditional
//! `UPDATE … WHERE version = $expected` whose row count tells a stale edit (409) from a
//! success. Nothing else may be awaited on the write lane while a `Tx` holds it: a use case
//! does its slow work (password hashing, parsing, validation) before it opens one.

use crate::history::{PendingChange, diff_json};
use crate::places::{
    ImportOutcome, ROWS_PER_STATEMENT, UPDATE_IF_VERSION, bind_place, placeholders, write_places,
};
use crate::pool::Db;
use crate::users::UserRecord;
use crate::{Backend, Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::history::{Author, KIND_PLACE, PLACE_FIELDS};
use maillage_domain::{Place, PlaceId, UserId};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// An open transaction. Commit it with [`Tx::commit`]; dropped, it rolls back.
pub struct Tx {
    pub(crate) conn: TxConn,
    store: Store,
    /// Places written: the revision counter moves once, at commit.
    pub(crate) places_written: usize,
    /// Networks and memberships written.
    pub(crate) networks_written: usize,
    /// Communities, requests, referents and members written.
    pub(crate) communities_written: usize,
    /// What an import in this transaction knows of the places that exist: read once per
    /// source, kept up to date as batches are written, so that an import in many batches
    /// reads the table once.
    known: Known,
    /// A job was enqueued: this server's runner is woken at commit.
    pub(crate) jobs_enqueued: bool,
}

#[derive(Default)]
struct Known {
    sources: std::collections::HashSet<String>,
    /// id → (version, created_at).
    by_id: HashMap<PlaceId, (i64, DateTime<Utc>)>,
    /// source → source_id → id (ids as numbers, source ids once: an import of 200,000
    /// rows keeps ~20 MB here, not ~50).
    by_source: HashMap<String, HashMap<Box<str>, PlaceId>>,
    /// source → its places by content, for rows without a source id (read only when a
    /// batch has such rows).
    by_content: HashMap<String, ContentIndex>,
    /// Places this transaction created or updated: a later row of the same import is
    /// another place, never matched to them by content.
    touched: std::collections::HashSet<PlaceId>,
}

/// The places of one source by what identifies them when a file has no `id` column: their
/// SIRET, or their folded name, commune and folded address.
#[derive(Default)]
struct ContentIndex {
    siret: HashMap<Box<str>, Vec<PlaceId>>,
    natural: HashMap<Box<str>, Vec<PlaceId>>,
    /// id → what it is known by.
    of: HashMap<PlaceId, Stored>,
}

/// A stored place's SIRET, natural key and source id.
struct Stored(Option<Box<str>>, Box<str>, Option<Box<str>>);

/// The fields of a stored place's data that identify it by content.
#[derive(serde::Deserialize)]
struct ContentFields {
    name: String,
    #[serde(default)]
    address: String,
    commune_code: String,
    #[serde(default)]
    siret: Option<String>,
}

/// What identifies a place by content: its name and address folded (case, accents,
/// punctuation and spacing ignored) and its commune's INSEE code.
fn natural_key(name: &str, commune_code: &str, address: &str) -> Box<str> {
    use maillage_domain::text::fold;
    format!("{}\u{1f}{commune_code}\u{1f}{}", fold(name), fold(address)).into_boxed_str()
}

impl ContentIndex {
    fn insert(&mut self, id: PlaceId, fields: ContentFields, source_id: Option<String>) {
        let natural = natural_key(&fields.name, &fields.commune_code, &fields.address);
        let siret = fields.siret.filter(|s| !s.is_empty()).map(String::into_boxed_str);
        if let Some(siret) = &siret {
            self.siret.entry(siret.clone()).or_default().push(id);
        }
        self.natural.entry(natural.clone()).or_default().push(id);
        self.of.insert(id, Stored(siret, natural, source_id.map(String::into_boxed_str)));
    }

    /// The stored place a row without a match by id or source id stands for, if any:
    /// among the places this transaction has not written yet (and, when the row has a
    /// source id, among those without one), the place with the same SIRET and content;
    /// else the only one with that SIRET; else the first with that content whose SIRET
    /// does not contradict the row's.
    fn find(&self, place: &Place, touched: &std::collections::HashSet<PlaceId>) -> Option<PlaceId> {
        let d = &place.data;
        let natural = natural_key(&d.name, d.commune_code.as_str(), &d.address);
        let siret = d.siret.as_ref().map(|s| s.as_str());
        let free = |id: &&PlaceId| {
            !touched.contains(*id)
                && (place.provenance.source_id.is_none() || self.of.get(*id).is_some_and(|e| e.2.is_none()))
        };
        let same_siret: Vec<PlaceId> = siret
            .and_then(|s| self.siret.get(s))
            .map(|v| v.iter().filter(free).copied().collect())
            .unwrap_or_default();
        if let Some(id) = same_siret.iter().find(|id| self.of.get(*id).is_some_and(|e| e.1 == natural)) {
            return Some(*id);
        }
        if let [only] = same_siret.as_slice() {
            return Some(*only);
        }
        self.natural.get(&natural)?.iter().filter(free).copied().find(|id| {
            match (siret, self.of.get(id).and_then(|e| e.0.as_deref())) {
                (Some(row), Some(stored)) => row == stored,
                _ => true,
            }
        })
    }

    /// The source id of a stored place.
    fn source_id(&self, id: PlaceId) -> Option<String> {
        self.of.get(&id).and_then(|e| e.2.as_deref()).map(str::to_owned)
    }
}

/// A place id read from the database.
fn parse_place_id(id: String) -> Result<PlaceId, StoreError> {
    id.parse().map_err(|_| StoreError::Corrupt(format!("place id {id}")))
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

pub(crate) enum TxConn {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Run the same code on the transaction's connection, whichever database it is (`$conn` is
/// a `&mut` connection). The body is compiled once per database.
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match &mut $tx.conn {
            $crate::tx::TxConn::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::tx::TxConn::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use with_tx;

/// After writing this many places in one transaction, refresh the planner's statistics
/// (a job, [`crate::jobs::ANALYZE`]).
const ANALYZE_AFTER: usize = 500;

impl Store {
    /// Open a unit of work. On SQLite it waits for the write lane (and, with `BEGIN
    /// IMMEDIATE`, for writers of other processes, up to the busy timeout).
    pub async fn transaction(&self) -> Result<Tx, StoreError> {
        let conn = match &self.db {
            Db::Sqlite(readers) => {
                let lane = self.writer.as_ref().unwrap_or(readers);
                TxConn::Sqlite(lane.begin_with("BEGIN IMMEDIATE").await?)
            }
            Db::Postgres(pool) => TxConn::Postgres(pool.begin().await?),
        };
        Ok(Tx {
            conn,
            store: self.clone(),
            places_written: 0,
            networks_written: 0,
            communities_written: 0,
            known: Known::default(),
            jobs_enqueued: false,
        })
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Store everything written through this transaction, at once.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        // Caches and the in-memory index of every server compare these counters: each
        // kind written moves once.
        let written = [
            (crate::ContentKind::Places, self.places_written),
            (crate::ContentKind::Networks, self.networks_written),
            (crate::ContentKind::Communities, self.communities_written),
        ];
        for (kind, _) in written.into_iter().filter(|(_, n)| *n > 0) {
            with_tx!(self, conn => {
                sqlx::query("UPDATE meta SET value = value + 1 WHERE key = $1")
                    .bind(kind.revision_key())
                    .execute(&mut *conn)
                    .await?;
            });
        }
        if self.places_written >= ANALYZE_AFTER {
            // In the background, by a runner: the commit does not wait for it.
            self.enqueue(&crate::jobs::NewJob::new(crate::jobs::ANALYZE, serde_json::json!({}))).await?;
        }
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        if self.jobs_enqueued {
            self.store.jobs_wake.notify_one();
        }
        Ok(())
    }

    /// Undo everything (the same as dropping it, but waits for the database).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    // --- places ------------------------------------------------------------------------

    /// Store a new place, and its creation in the history (by `author`).
    pub async fn insert_place(&mut self, place: &Place, author: &Author) -> Result<(), StoreError> {
        let anonymous = self.backend() == Backend::Sqlite;
        let data = serde_json::to_string(&place.data)?;
        with_tx!(self, conn => {
            write_places!(conn, std::slice::from_ref(place), std::slice::from_ref(&data), true, anonymous);
        });
        self.places_written += 1;
        self.write_changes(&[creation(place, data)], author).await
    }

    /// Replace a place, provided it is still at `expected_version` (checked by the UPDATE
    /// itself, so two writers of the same version cannot both succeed, under READ COMMITTED
    /// as under SQLite's single writer). A stale edit gets [`StoreError::Conflict`] with the
    /// version now stored; an unknown place [`StoreError::NotFound`].
    ///
    /// The fields that changed go into the history (by `author`), in this transaction: the
    /// stored content is read first, and a stored version other than `expected_version` is
    /// a conflict at once (versions only grow, so that edit could not succeed).
    pub async fn update_place(
        &mut self,
        place: &Place,
        expected_version: i64,
        author: &Author,
    ) -> Result<(), StoreError> {
        let stored: Option<(String, String, i64)> = with_tx!(self, conn => {
            sqlx::query_as("SELECT data, status, version FROM places WHERE id = $1")
                .bind(place.id.to_string())
                .fetch_optional(&mut *conn)
                .await?
        });
        let old = match stored {
            None => return Err(StoreError::NotFound),
            Some((_, _, current)) if current != expected_version => {
                return Err(StoreError::Conflict { current });
            }
            Some((data, status, _)) => content_json(data, &status),
        };
        let data = serde_json::to_string(&place.data)?;
        let done = with_tx!(self, conn => {
            let q = sqlx::query(UPDATE_IF_VERSION);
            bind_place!(q, place, &data).bind(expected_version).execute(&mut *conn).await?.rows_affected()
        });
        if done == 0 {
            let current: Option<i64> = with_tx!(self, conn => {
                sqlx::query_scalar("SELECT version FROM places WHERE id = $1")
                    .bind(place.id.to_string())
                    .fetch_optional(&mut *conn)
                    .await?
            });
            return Err(match current {
                None => StoreError::NotFound,
                Some(current) => StoreError::Conflict { current },
            });
        }
        self.places_written += 1;
        let change = edit(place, &old, content_json(data, place.status.code()))?;
        self.write_changes(change.as_slice(), author).await
    }

    /// Create or update places (imports), in as many calls (batches) as the caller likes. A
    /// place whose id exists, or whose `(source, source_id)` exists, is updated in place
    /// (keeping id and creation date). A row found by neither (a file without an `id`
    /// column) updates the place of its source with the same SIRET, or else the same folded
    /// name, commune and folded address (see `ContentIndex::find`), which keeps its source
    /// id; each stored place stands for one row of an import at most. A place
    /// changed by someone else between the read and the write of this transaction makes it
    /// fail with [`StoreError::Raced`] (nothing is stored once the caller drops it): the
    /// caller may run it again.
    ///
    /// Each place's changed fields go into the history (by `author`), a few hundred rows per
    /// statement: the stored content of the places updated is read by id, one statement
    /// per thousand, just before they are rewritten.
    pub async fn import_places(
        &mut self,
        places: &[Place],
        author: &Author,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let anonymous = self.backend() == Backend::Sqlite;
        let mut outcomes = Vec::with_capacity(places.len());
        let mut changes = Vec::with_capacity(places.len());
        let known = &mut self.known;
        with_tx!(self, conn => {
            // What exists already, read once per transaction: the places of the sources in
            // the batch, and the places whose ids the batch names (an export of this
            // directory coming back).
            let mut sources: Vec<&str> = places
                .iter()
                .map(|p| p.provenance.source.as_str())
                .filter(|s| !known.sources.contains(*s))
                .collect();
            sources.sort_unstable();
            sources.dedup();
            for source in sources {
                let rows = sqlx::query("SELECT id, source_id, version, created_at FROM places WHERE source = $1")
                    .bind(source)
                    .fetch_all(&mut *conn)
                    .await?;
                let of_source = known.by_source.entry(source.to_owned()).or_default();
                for row in rows {
                    let id = parse_place_id(row.try_get("id")?)?;
                    if let Some(source_id) = row.try_get::<Option<String>, _>("source_id")? {
                        of_source.insert(source_id.into_boxed_str(), id);
                    }
                    known.by_id.insert(id, (row.try_get("version")?, row.try_get("created_at")?));
                }
                known.sources.insert(source.to_owned());
            }
            // Rows found neither by id nor by source id are looked for by content (SIRET,
            // name + commune + address) among their source's places: read once per source.
            let mut by_content: Vec<&str> = places
                .iter()
                .filter(|p| {
                    !known.by_id.contains_key(&p.id)
                        && p.provenance.source_id.as_deref().is_none_or(|sid| {
                            !known.by_source.get(p.provenance.source.as_str()).is_some_and(|of| of.contains_key(sid))
                        })
                })
                .map(|p| p.provenance.source.as_str())
                .filter(|s| !known.by_content.contains_key(*s))
                .collect();
            by_content.sort_unstable();
            by_content.dedup();
            for source in by_content {
                let rows = sqlx::query("SELECT id, source_id, data FROM places WHERE source = $1")
                    .bind(source)
                    .fetch_all(&mut *conn)
                    .await?;
                let mut index = ContentIndex::default();
                for row in rows {
                    let id = parse_place_id(row.try_get("id")?)?;
                    let data: String = row.try_get("data")?;
                    let fields: ContentFields = serde_json::from_str(&data)?;
                    index.insert(id, fields, row.try_get("source_id")?);
                }
                known.by_content.insert(source.to_owned(), index);
            }
            let ids: Vec<String> =
                places.iter().filter(|p| !known.by_id.contains_key(&p.id)).map(|p| p.id.to_string()).collect();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let list = placeholders(chunk.len(), 1, anonymous).replace("), (", ", ");
                let sql = format!("SELECT id, version, created_at FROM places WHERE id IN {list}");
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(id);
                }
                for row in q.fetch_all(&mut *conn).await? {
                    let id = parse_place_id(row.try_get("id")?)?;
                    known.by_id.insert(id, (row.try_get("version")?, row.try_get("created_at")?));
                }
            }
            let (by_id, by_source, by_content, touched) =
                (&mut known.by_id, &mut known.by_source, &known.by_content, &mut known.touched);
            let mut new = Vec::new();
            let mut updated = Vec::new();
            for place in places {
                let own = place.id;
                let content = by_content.get(place.provenance.source.as_str());
                let existing = if by_id.contains_key(&own) {
                    Some(own)
                } else {
                    place
                        .provenance
                        .source_id
                        .as_deref()
                        .and_then(|sid| {
                            by_source.get(place.provenance.source.as_str()).and_then(|of| of.get(sid)).copied()
                        })
                        .or_else(|| content.and_then(|c| c.find(place, touched)))
                };
                match existing.and_then(|id| by_id.get(&id).map(|e| (id, *e))) {
                    Some((id, (version, created_at))) => {
                        let mut p = place.clone();
                        if p.provenance.source_id.is_none() && id != own {
                            // Matched by content: the place keeps the source id it had.
                            p.provenance.source_id = content.and_then(|c| c.source_id(id));
                        }
                        touched.insert(id);
                        p.id = id;
                        p.version = version + 1;
                        p.created_at = created_at;
                        // A second row for the same record in one batch updates it again.
                        by_id.insert(id, (p.version, created_at));
                        updated.push(p);
                        outcomes.push(ImportOutcome::Updated);
                    }
                    None => {
                        if let Some(sid) = &place.provenance.source_id {
                            by_source
                                .entry(place.provenance.source.clone())
                                .or_default()
                                .insert(sid.as_str().into(), own);
                        }
                        by_id.insert(own, (place.version, place.created_at));
                        touched.insert(own);
                        new.push(place.clone());
                        outcomes.push(ImportOutcome::Created);
                    }
                }
            }
            // The content before this import of the places it updates (a place named twice
            // in the batch: its first row's content, for the second).
            let mut before: HashMap<String, String> = HashMap::new();
            let mut wanted: Vec<String> = updated.iter().map(|p| p.id.to_string()).collect();
            wanted.sort_unstable();
            wanted.dedup();
            for chunk in wanted.chunks(ROWS_PER_STATEMENT) {
                let list = placeholders(chunk.len(), 1, anonymous).replace("), (", ", ");
                let sql = format!("SELECT id, data, status FROM places WHERE id IN {list}");
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(id);
                }
                for row in q.fetch_all(&mut *conn).await? {
                    let (data, status): (String, String) = (row.try_get("data")?, row.try_get("status")?);
                    before.insert(row.try_get("id")?, content_json(data, &status));
                }
            }
            // Each place's data serialised once, for its row and its history.
            let new_json = new.iter().map(|p| serde_json::to_string(&p.data)).collect::<Result<Vec<_>, _>>()?;
            let updated_json =
                updated.iter().map(|p| serde_json::to_string(&p.data)).collect::<Result<Vec<_>, _>>()?;
            for (place, data) in new.iter().zip(&new_json) {
                changes.push(creation(place, data.clone()));
            }
            for (place, data) in updated.iter().zip(&updated_json) {
                let own = place.id.to_string();
                let content = content_json(data.clone(), place.status.code());
                let change = match before.get(&own) {
                    Some(old) => edit(place, old, content.clone())?,
                    // Not there when read (cannot be: the batch found it): a creation then.
                    None => Some(creation(place, data.clone())),
                };
                before.insert(own, content);
                changes.extend(change);
            }
            write_places!(conn, &new, &new_json, true, anonymous);
            write_places!(conn, &updated, &updated_json, false, anonymous);
        });
        self.places_written += places.len();
        self.write_changes(&changes, author).await?;
        Ok(outcomes)
    }

    /// Delete every demo place (with its history) and demo account.
    pub async fn delete_demo_data(&mut self) -> Result<(), StoreError> {
        with_tx!(self, conn => {
            // The history of demo places goes with them; changes demo accounts made to other
            // items stay, their author erased like any deleted account's.
            sqlx::query(
                "DELETE FROM changes WHERE kind = $1 AND item_id IN (SELECT id FROM places WHERE is_demo = TRUE)",
            )
            .bind(KIND_PLACE)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "UPDATE changes SET actor_id = NULL, actor_kind = 'erased', actor_label = $1 \
                 WHERE actor_id IN (SELECT id FROM users WHERE is_demo = TRUE)",
            )
            .bind(crate::history::ERASED_LABEL)
            .execute(&mut *conn)
            .await?;
            // Demo networks, their history and the coordinators named on them.
            sqlx::query(
                "DELETE FROM changes WHERE kind = $1 AND item_id IN (SELECT id FROM networks WHERE is_demo = TRUE)",
            )
            .bind(crate::networks::KIND_NETWORK)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM role_grants WHERE scope_kind = 'network' \
                 AND scope_id IN (SELECT id FROM networks WHERE is_demo = TRUE)",
            )
            .execute(&mut *conn)
            .await?;
            // Demo communities, their history and the roles held on them (their requests
            // and publications go with them: ON DELETE CASCADE).
            sqlx::query(
                "DELETE FROM changes WHERE kind = $1 AND item_id IN (SELECT id FROM communities WHERE is_demo = TRUE)",
            )
            .bind(crate::communities::KIND_COMMUNITY)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM role_grants WHERE scope_kind = 'community' \
                 AND scope_id IN (SELECT id FROM communities WHERE is_demo = TRUE)",
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM communities WHERE is_demo = TRUE").execute(&mut *conn).await?;
            // Publications demo accounts wrote in real communities go with the accounts.
            sqlx::query("DELETE FROM publications WHERE is_demo = TRUE").execute(&mut *conn).await?;
            // A real sub-network of a demo network loses its parent (ON DELETE SET NULL);
            // memberships go with the networks (ON DELETE CASCADE).
            sqlx::query("DELETE FROM networks WHERE is_demo = TRUE").execute(&mut *conn).await?;
            sqlx::query("DELETE FROM places WHERE is_demo = TRUE").execute(&mut *conn).await?;
            sqlx::query("DELETE FROM users WHERE is_demo = TRUE").execute(&mut *conn).await?;
        });
        self.places_written += 1;
        self.networks_written += 1;
        self.communities_written += 1;
        Ok(())
    }

    /// Give a user the right to edit a place.
    pub async fn add_place_manager(&mut self, place: PlaceId, user: UserId) -> Result<(), StoreError> {
        with_tx!(self, conn => {
            sqlx::query("INSERT INTO place_managers (place_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(place.to_string())
                .bind(user.to_string())
                .execute(&mut *conn)
                .await
                .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { e.into() })?;
        });
        Ok(())
    }

    // --- accounts ----------------------------------------------------------------------

    /// Create an account; [`StoreError::Duplicate`] when the email is taken.
    pub async fn create_user(&mut self, record: &UserRecord, is_demo: bool) -> Result<(), StoreError> {
        let u = &record.user;
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO users (id, email, display_name, password_hash, is_demo, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(u.id.to_string())
            .bind(u.email.as_str())
            .bind(&u.display_name)
            .bind(&record.password_hash)
            .bind(is_demo)
            .bind(u.created_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| if StoreError::is_unique_violation(&e) { StoreError::Duplicate("email") } else { e.into() })?;
        });
        Ok(())
    }

    /// The user of a live, unused reset token, marking it and every other reset link of
    /// that user used: one link used voids the others.
    pub async fn consume_password_reset(&mut self, token_hash: &str) -> Result<Option<UserId>, StoreError> {
        let user: Option<String> = with_tx!(self, conn => {
            sqlx::query_scalar(
                "UPDATE password_resets SET used = TRUE WHERE token_hash = $1 AND used = FALSE AND expires_at > $2 \
                 RETURNING user_id",
            )
            .bind(token_hash)
            .bind(Utc::now())
            .fetch_optional(&mut *conn)
            .await?
        });
        let Some(user) = user else { return Ok(None) };
        with_tx!(self, conn => {
            sqlx::query("UPDATE password_resets SET used = TRUE WHERE user_id = $1")
                .bind(&user)
                .execute(&mut *conn)
                .await?;
        });
        user.parse().map(Some).map_err(|_| StoreError::Corrupt(format!("user id {user}")))
    }

    /// Replace a password hash, end every session of the user and void their reset links.
    pub async fn set_password_hash(&mut self, id: UserId, hash: &str) -> Result<(), StoreError> {
        with_tx!(self, conn => {
            let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *conn).await?;
            sqlx::query("UPDATE password_resets SET used = TRUE WHERE user_id = $1")
                .bind(id.to_string())
                .execute(&mut *conn)
                .await?;
        });
        Ok(())
    }
}

/// The history entry of a new place (`data`: its data as JSON): its initial content, stored
/// whole (see `crate::history`).
fn creation(place: &Place, data: String) -> PendingChange {
    PendingChange {
        kind: KIND_PLACE,
        item_id: place.id.to_string(),
        version: place.version,
        at: place.updated_at,
        fields: content_json(data, place.status.code()),
    }
}

/// The history entry of a place rewritten (`before` and `after`: its content until now and
/// from now, as [`content_json`]), if any field changed.
fn edit(place: &Place, before: &str, after: String) -> Result<Option<PendingChange>, StoreError> {
    Ok(diff_json(PLACE_FIELDS, Some(before), &after)?.map(|fields| PendingChange {
        kind: KIND_PLACE,
        item_id: place.id.to_string(),
        version: place.version,
        at: place.updated_at,
        fields,
    }))
}

/// A place's content as the history sees it (`maillage_domain::history::place_content`),
/// as JSON text: its data's JSON with the status added, without parsing it.
fn content_json(mut data: String, status: &str) -> String {
    if data.ends_with('}') {
        data.pop();
        data.push_str(if data.len() > 1 { ",\"status\":\"" } else { "\"status\":\"" });
        data.push_str(status);
        data.push_str("\"}");
    }
    data
}

pub(crate) fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_foreign_key_violation())
}
