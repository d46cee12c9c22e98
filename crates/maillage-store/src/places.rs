//! Places: storage, filtering, full-text search, revision counter.

use crate::index::{Entry, Snapshot};
use crate::pool::{with_db, with_writer};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::history::Author;
use maillage_domain::place::PlaceData;
use maillage_domain::vocab::{Label, PlaceType, Public, Service};
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance, UserId};
use maillage_search::Query;
// Dynamic SQL here is built only from constants and placeholders: values are always bound.
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

/// The current in-memory index of places, and the lock that lets one request rebuild it.
#[derive(Debug, Default)]
pub(crate) struct IndexState {
    current: RwLock<Option<Arc<Snapshot>>>,
    rebuild: tokio::sync::Mutex<()>,
    /// Set while a bulk rebuild runs: requests then answer from the previous snapshot.
    bulk: std::sync::atomic::AtomicBool,
}

impl IndexState {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set(&self, snapshot: Arc<Snapshot>) {
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(snapshot);
    }
}

/// How a list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlaceSort {
    /// Alphabetical (accents ignored).
    #[default]
    Name,
    /// Nearest first; needs `near`.
    Distance,
    /// Best text match first; needs `text`.
    Relevance,
    /// Most recently updated first.
    Updated,
}

/// Filters of a place list. Values of one field are alternatives (OR); fields combine (AND).
#[derive(Debug, Clone, Default)]
pub struct PlaceFilter {
    /// Statuses to include; empty means published only.
    pub statuses: Vec<PlaceStatus>,
    pub types: Vec<PlaceType>,
    pub services: Vec<Service>,
    pub labels: Vec<Label>,
    pub publics: Vec<Public>,
    /// Equipment, matched on its folded text.
    pub equipment: Option<String>,
    pub commune: Option<String>,
    pub epci: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
    /// `(min_lon, min_lat, max_lon, max_lat)`.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// `(lat, lon, radius_km)`.
    pub near: Option<(f64, f64, f64)>,
    pub text: Option<Query>,
    /// Only places open at this instant (evaluated with their opening hours).
    pub open_at: Option<DateTime<Utc>>,
    /// Only places this user manages.
    pub managed_by: Option<UserId>,
    /// Only demo places, or only real ones.
    pub is_demo: Option<bool>,
    pub sort: PlaceSort,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// Shared with the in-memory index: a page costs no copy of its places.
    pub places: Vec<Arc<Place>>,
    /// Each place as JSON (its `Serialize`), aligned with `places`: kept per version, so a
    /// list is written by copying bytes.
    pub json: Vec<Arc<str>>,
    /// Distance from `near`'s point, in km, aligned with `places` (empty without `near`).
    pub distances_km: Vec<f64>,
    pub total: u64,
}

/// What an import did with one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
}

const PLACE_COLUMNS: &str = "p.id, p.data, p.status, p.source, p.source_id, p.source_updated_on, p.is_demo, \
     p.version, p.created_at, p.updated_at";

/// `($1, $2), ($3, $4)…` for `rows` rows of `width` values. With `anonymous`, plain `?`
/// instead (values bound in order): SQLite looks numbered names up one by one, which makes
/// a statement of thousands of `$n` quadratic.
pub(crate) fn placeholders(rows: usize, width: usize, anonymous: bool) -> String {
    (0..rows)
        .map(|r| {
            let cols: Vec<String> = (0..width)
                .map(|c| if anonymous { "?".to_owned() } else { format!("${}", 1 + r * width + c) })
                .collect();
            format!("({})", cols.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! row_to_place {
    ($row:expr, $cache:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let version: i64 = row.try_get("version")?;
        let status: String = row.try_get("status")?;
        let source_updated_on: Option<String> = row.try_get("source_updated_on")?;
        let data = match $cache.get(&id, version) {
            Some(data) => data,
            None => {
                let json: String = row.try_get("data")?;
                let data: PlaceData = serde_json::from_str(&json)?;
                $cache.put(&id, version, &data);
                data
            }
        };
        Place {
            id: id.parse().map_err(|e| StoreError::Corrupt(format!("place id {id}: {e}")))?,
            data,
            status: PlaceStatus::parse(&status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            provenance: Provenance {
                source: row.try_get("source")?,
                source_id: row.try_get("source_id")?,
                source_updated_on: source_updated_on.and_then(|d| d.parse().ok()),
            },
            is_demo: row.try_get("is_demo")?,
            version,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }
    }};
}

/// More changed places than this make an index rebuild "bulk": requests do not wait for it.
const BULK_REBUILD: usize = 2_000;

/// Holds the "bulk rebuild under way" flag up while it lives (cleared on every exit path).
struct Bulk<'a>(Option<&'a std::sync::atomic::AtomicBool>);

impl<'a> Bulk<'a> {
    fn mark(flag: &'a std::sync::atomic::AtomicBool, bulk: bool) -> Self {
        if bulk {
            flag.store(true, std::sync::atomic::Ordering::Release);
        }
        Bulk(bulk.then_some(flag))
    }
}

impl Drop for Bulk<'_> {
    fn drop(&mut self) {
        if let Some(flag) = self.0 {
            flag.store(false, std::sync::atomic::Ordering::Release);
        }
    }
}

/// A place's row as read, before its JSON is parsed.
struct RawPlace {
    id: String,
    version: i64,
    status: String,
    source: String,
    source_id: Option<String>,
    source_updated_on: Option<String>,
    is_demo: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    data: String,
}

impl RawPlace {
    fn into_place(self) -> Result<Place, StoreError> {
        Ok(Place {
            id: self.id.parse().map_err(|e| StoreError::Corrupt(format!("place id {}: {e}", self.id)))?,
            data: serde_json::from_str(&self.data)?,
            status: PlaceStatus::parse(&self.status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            provenance: Provenance {
                source: self.source,
                source_id: self.source_id,
                source_updated_on: self.source_updated_on.and_then(|d| d.parse().ok()),
            },
            is_demo: self.is_demo,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Parsed place contents by (id, version). A version's contents never change (every write
/// bumps the version), so the cache is never stale, even with several servers: it only
/// saves re-parsing every field (opening hours above all) of each place on each read.
#[derive(Debug, Default)]
pub(crate) struct PlaceCache {
    map: std::sync::Mutex<HashMap<(String, i64), PlaceData>>,
}

/// Beyond this many entries the cache starts afresh (a bound on memory, ~2 KB a place).
const PLACE_CACHE_MAX: usize = 50_000;

impl PlaceCache {
    fn get(&self, id: &str, version: i64) -> Option<PlaceData> {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&(id.to_owned(), version)).cloned()
    }

    fn put(&self, id: &str, version: i64, data: &PlaceData) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PLACE_CACHE_MAX {
            map.clear();
        }
        map.insert((id.to_owned(), version), data.clone());
    }
}

/// Places written per INSERT statement (19 parameters each: well under the parameter
/// limits of SQLite, 32,766, and PostgreSQL, 65,535).
pub(crate) const PLACES_PER_STATEMENT: usize = 100;

/// Turns the INSERT of places into a rewrite of those that exist (same SQL on both databases),
/// provided each is still at the version the writer read (the one before its new version):
/// a row edited meanwhile is left alone, and the caller sees fewer rows written.
pub(crate) const UPSERT: &str = " ON CONFLICT (id) DO UPDATE SET data = excluded.data, name = excluded.name, \
     name_folded = excluded.name_folded, commune_code = excluded.commune_code, departement = excluded.departement, \
     region = excluded.region, epci = excluded.epci, lat = excluded.lat, lon = excluded.lon, \
     opening_hours = excluded.opening_hours, status = excluded.status, source = excluded.source, \
     source_id = excluded.source_id, source_updated_on = excluded.source_updated_on, is_demo = excluded.is_demo, \
     version = excluded.version, created_at = excluded.created_at, updated_at = excluded.updated_at \
     WHERE places.version = excluded.version - 1";
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

pub(crate) fn place_values(count: usize, anonymous: bool) -> String {
    placeholders(count, 19, anonymous)
}

/// Write places inside an open transaction (`$conn`: its connection; `$json`: each place's
/// data as JSON, aligned with `$places`), a hundred per statement: an import of 20,000 places is a few hundred statements, not 20,000. `is_new`
/// selects INSERT (new places) or an upsert that rewrites existing ones; an existing place
/// whose stored version is no longer the one before its new version is a conflict. Filters and search read the in-memory index (`index.rs`), so a
/// place is one row: no tag or term tables to keep in step.
macro_rules! write_places {
    ($conn:expr, $places:expr, $json:expr, $is_new:expr, $anonymous:expr) => {{
        let places: &[Place] = $places;
        let json: &[String] = $json;
        let anonymous: bool = $anonymous;
        for (chunk, json) in
            places.chunks($crate::places::PLACES_PER_STATEMENT).zip(json.chunks($crate::places::PLACES_PER_STATEMENT))
        {
            // Existing places are rewritten by the same batched statement, as an upsert on
            // their id (one statement per row would cost a round trip each).
            let sql = format!(
                "INSERT INTO places (id, data, name, name_folded, commune_code, departement, region, epci, lat, lon, \
                 opening_hours, status, source, source_id, source_updated_on, is_demo, version, created_at, updated_at) \
                 VALUES {}{}",
                $crate::places::place_values(chunk.len(), anonymous),
                if $is_new { "" } else { $crate::places::UPSERT }
            );
            {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (place, data) in chunk.iter().zip(json) {
                    q = bind_place!(q, place, data);
                }
                let done = q.execute(&mut *$conn).await.map_err(|e| {
                    if StoreError::is_unique_violation(&e) { StoreError::Duplicate("source_id") } else { e.into() }
                })?;
                if (done.rows_affected() as usize) < chunk.len() {
                    // An upsert skipped a row: someone else changed that place meanwhile.
                    return Err(StoreError::Raced);
                }
            }
        }
    }};
}

pub(crate) use write_places;

/// Bind a place's 19 columns, in the order of the INSERT's column list; `$data` is its
/// data as JSON (serialised once by the caller, which also keeps it for the history).
macro_rules! bind_place {
    ($q:expr, $place:expr, $data:expr) => {{
        let place: &Place = $place;
        let d = &place.data;
        let data: &str = $data;
        $q.bind(place.id.to_string())
            .bind(data.to_owned())
            .bind(d.name.clone())
            .bind(maillage_domain::text::fold(&d.name))
            .bind(d.commune_code.to_string())
            .bind(d.departement.clone())
            .bind(d.region.clone())
            .bind(d.epci.clone())
            .bind(d.location.lat)
            .bind(d.location.lon)
            .bind(d.opening_hours.as_ref().map(|h| h.to_string()))
            .bind(place.status.code())
            .bind(place.provenance.source.clone())
            .bind(place.provenance.source_id.clone())
            .bind(place.provenance.source_updated_on.map(|d| d.to_string()))
            .bind(place.is_demo)
            .bind(place.version)
            .bind(place.created_at)
            .bind(place.updated_at)
    }};
}
pub(crate) use bind_place;

/// The edit of one place, in the same column order as [`bind_place!`], applied only if the
/// stored version is still `$20` (rows affected tell).
pub(crate) const UPDATE_IF_VERSION: &str = "UPDATE places SET data = $2, name = $3, name_folded = $4, \
     commune_code = $5, departement = $6, region = $7, epci = $8, lat = $9, lon = $10, opening_hours = $11, \
     status = $12, source = $13, source_id = $14, source_updated_on = $15, is_demo = $16, version = $17, \
     created_at = $18, updated_at = $19 WHERE id = $1 AND version = $20";

impl Store {
    /// Store a new place (one unit of work, its history entry included).
    pub async fn insert_place(&self, place: &Place, author: &Author) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.insert_place(place, author).await?;
        tx.commit().await
    }

    /// Replace a place, provided it is still at `expected_version`; the stored version becomes
    /// `place.version`. A stale edit gets [`StoreError::Conflict`], never a silent overwrite.
    pub async fn update_place(
        &self,
        place: &Place,
        expected_version: i64,
        author: &Author,
    ) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.update_place(place, expected_version, author).await?;
        tx.commit().await
    }

    /// Create or update places in one unit of work (imports): see [`crate::Tx::import_places`].
    pub async fn import_places(
        &self,
        places: &[Place],
        author: &Author,
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let mut tx = self.transaction().await?;
        let outcomes = tx.import_places(places, author).await?;
        tx.commit().await?;
        Ok(outcomes)
    }

    /// Refresh the query planner's statistics (after large changes), so that it picks the
    /// right index for each filter.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        with_writer!(self, pool => {
            sqlx::query("ANALYZE").execute(pool).await?;
        });
        Ok(())
    }

    pub async fn place(&self, id: PlaceId) -> Result<Option<Place>, StoreError> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM places p WHERE p.id = $1");
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_place!(row, self.cache)), None => None })
        })
    }

    /// The place with this source identifier, if any.
    pub async fn place_by_source(&self, source: &str, source_id: &str) -> Result<Option<Place>, StoreError> {
        let sql = format!("SELECT {PLACE_COLUMNS} FROM places p WHERE p.source = $1 AND p.source_id = $2");
        with_db!(self, pool => {
            let row = sqlx::query(AssertSqlSafe(sql.as_str())).bind(source).bind(source_id).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_place!(row, self.cache)), None => None })
        })
    }

    /// A page of places matching a filter. `offset`/`limit` count places after every filter.
    pub async fn list_places(
        &self,
        filter: &PlaceFilter,
        offset: u64,
        limit: u64,
    ) -> Result<ListPage, StoreError> {
        let managed = match filter.managed_by {
            Some(user) => Some(self.managed_places(user).await?),
            None => None,
        };
        let snapshot = self.place_snapshot().await?;
        let selection = snapshot.select(filter, managed.as_ref(), offset, limit);
        Ok(ListPage {
            places: selection.places,
            json: selection.json,
            distances_km: selection.distances_km,
            total: selection.total,
        })
    }

    /// The ids of the places a user manages.
    async fn managed_places(&self, user: UserId) -> Result<HashSet<PlaceId>, StoreError> {
        let ids: Vec<String> = with_db!(self, pool => {
            sqlx::query_scalar("SELECT place_id FROM place_managers WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_all(pool)
                .await?
        });
        ids.iter().map(|id| id.parse().map_err(|_| StoreError::Corrupt(format!("place id {id}")))).collect()
    }

    /// The in-memory index at the current revision: the one in hand when the revision has
    /// not moved, else rebuilt from the table, re-reading only the places whose version
    /// changed. One rebuild at a time, in a task of its own (a request that gives up does
    /// not waste it), its CPU work on a blocking thread (other requests keep answering).
    /// Requests wait for a small rebuild, so that a change is seen at once; while a bulk
    /// rebuild runs (more than [`BULK_REBUILD`] places changed, as after a large import)
    /// they are answered from the previous snapshot instead of waiting seconds for it.
    pub(crate) async fn place_snapshot(&self) -> Result<Arc<Snapshot>, StoreError> {
        let revision = self.places_revision().await?;
        let previous = self.index.current();
        if let Some(current) = previous.as_ref().filter(|s| s.revision == revision) {
            return Ok(Arc::clone(current));
        }
        let store = self.clone();
        let mut rebuild = tokio::spawn(async move { store.rebuild_snapshot(revision).await });
        let joined = match previous {
            Some(previous) => loop {
                tokio::select! {
                    joined = &mut rebuild => break joined,
                    _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {
                        if self.index.bulk.load(std::sync::atomic::Ordering::Acquire) {
                            tracing::debug!(revision, "bulk index rebuild under way: answering from the previous snapshot");
                            return Ok(previous);
                        }
                    }
                }
            },
            None => rebuild.await,
        };
        joined.map_err(|e| StoreError::Corrupt(format!("index rebuild: {e}")))?
    }

    async fn rebuild_snapshot(&self, wanted: i64) -> Result<Arc<Snapshot>, StoreError> {
        let _rebuilding = self.index.rebuild.lock().await;
        let previous = self.index.current();
        // Another rebuild may have caught up while this one waited.
        if let Some(current) = previous.as_ref().filter(|s| s.revision >= wanted) {
            return Ok(Arc::clone(current));
        }
        // Read the revision before the rows: the snapshot may then be newer than its label
        // (rebuilt once more later), never older.
        let revision = self.places_revision().await?;
        let started = std::time::Instant::now();
        let versions: Vec<(String, i64)> = with_db!(self, pool => {
            sqlx::query_as("SELECT id, version FROM places").fetch_all(pool).await?
        });
        let mut reusable = previous.as_ref().map(|s| s.entries_by_version()).unwrap_or_default();
        let mut entries = Vec::with_capacity(versions.len());
        let mut missing = Vec::new();
        for (id, version) in &versions {
            let parsed: PlaceId = id.parse().map_err(|_| StoreError::Corrupt(format!("place id {id}")))?;
            match reusable.remove(&(parsed, *version)) {
                Some(entry) => entries.push(entry),
                None => missing.push(id.as_str()),
            }
        }
        drop(reusable);
        let fresh = missing.len();
        let bulk = Bulk::mark(&self.index.bulk, fresh > BULK_REBUILD);
        let raw = self.raw_places_by_ids(&missing, missing.len() * 2 > versions.len()).await?;
        let snapshot = tokio::task::spawn_blocking(move || -> Result<Snapshot, StoreError> {
            for raw in raw {
                entries.push(Arc::new(Entry::new(raw.into_place()?)));
            }
            Ok(Snapshot::new(revision, entries))
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("index rebuild: {e}")))??;
        drop(bulk);
        let snapshot = Arc::new(snapshot);
        tracing::debug!(
            revision,
            places = snapshot.len(),
            reread = fresh,
            ms = started.elapsed().as_millis() as u64,
            "place index rebuilt"
        );
        self.index.set(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    /// Rows of places by id, unparsed (`all`: read the whole table, cheaper than long lists
    /// of ids): parsing is CPU work, done by the caller off the request executor.
    async fn raw_places_by_ids(&self, ids: &[&str], all: bool) -> Result<Vec<RawPlace>, StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        let mut out = Vec::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(out);
        }
        let wanted: HashSet<&str> = ids.iter().copied().collect();
        let chunks: Vec<&[&str]> = if all { vec![&[]] } else { ids.chunks(ROWS_PER_STATEMENT).collect() };
        for chunk in chunks {
            let sql = if all {
                format!("SELECT {PLACE_COLUMNS} FROM places p")
            } else {
                let list = placeholders(chunk.len(), 1, anonymous).replace("), (", ", ");
                format!("SELECT {PLACE_COLUMNS} FROM places p WHERE p.id IN {list}")
            };
            with_db!(self, pool => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(*id);
                }
                for row in q.fetch_all(pool).await? {
                    let id: String = row.try_get("id")?;
                    if all && !wanted.contains(id.as_str()) {
                        continue;
                    }
                    out.push(RawPlace {
                        id,
                        version: row.try_get("version")?,
                        status: row.try_get("status")?,
                        source: row.try_get("source")?,
                        source_id: row.try_get("source_id")?,
                        source_updated_on: row.try_get("source_updated_on")?,
                        is_demo: row.try_get("is_demo")?,
                        created_at: row.try_get("created_at")?,
                        updated_at: row.try_get("updated_at")?,
                        data: row.try_get("data")?,
                    });
                }
            });
        }
        Ok(out)
    }

    /// Every place matching a filter, without paging (exports, map data).
    pub async fn all_places(&self, filter: &PlaceFilter) -> Result<Vec<Arc<Place>>, StoreError> {
        Ok(self.list_places(filter, 0, u64::MAX / 2).await?.places)
    }

    /// A number that changes whenever any place changes: caches compare it to know when
    /// their copy is stale (shared by every server on the same database).
    pub async fn places_revision(&self) -> Result<i64, StoreError> {
        with_db!(self, pool => {
            Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = 'places_revision'").fetch_one(pool).await?)
        })
    }

    /// Count of places per status.
    pub async fn count_places(&self) -> Result<Vec<(PlaceStatus, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = with_db!(self, pool => {
            sqlx::query_as("SELECT status, COUNT(*) FROM places GROUP BY status").fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(|(s, n)| PlaceStatus::parse(&s).ok().map(|s| (s, n as u64))).collect())
    }

    /// Delete every demo place and demo account (one unit of work).
    pub async fn delete_demo_data(&self) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.delete_demo_data().await?;
        tx.commit().await
    }

    /// Give a user the right to edit a place (one unit of work).
    pub async fn add_place_manager(&self, place: PlaceId, user: UserId) -> Result<(), StoreError> {
        let mut tx = self.transaction().await?;
        tx.add_place_manager(place, user).await?;
        tx.commit().await
    }

    pub async fn is_place_manager(&self, place: PlaceId, user: UserId) -> Result<bool, StoreError> {
        with_db!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM place_managers WHERE place_id = $1 AND user_id = $2")
                .bind(place.to_string()).bind(user.to_string()).fetch_one(pool).await?;
            Ok(n > 0)
        })
    }
}
