//! Places: storage, filtering, full-text search, revision counter.

use crate::index::{Codes, Entry, Interner, Key, PlacePoint, Snapshot};
use crate::kinds::{ContentKind, KindIndex, Rebuilding};
use crate::pool::{with_db, with_writer};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::history::Author;
use maillage_domain::place::PlaceData;
use maillage_domain::vocab::{Fee, Label, PlaceType, Public, Service, Support};
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance, UserId};
use maillage_search::Query;
// Dynamic SQL here is built only from constants and placeholders: values are always bound.
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

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
    /// Specific support offered (any of them).
    pub support: Vec<Support>,
    /// Fees (any of them: "free" or "paid"…).
    pub fees: Vec<Fee>,
    /// Equipment, matched on its folded text.
    pub equipment: Option<String>,
    /// A commune by INSEE code; Paris, Lyon and Marseille include their arrondissements.
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
    /// Only the places of this network: its members and its sub-networks' members.
    pub network: Option<maillage_domain::NetworkId>,
    /// Only demo places, or only real ones.
    pub is_demo: Option<bool>,
    pub sort: PlaceSort,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct ListPage {
    /// Shared with the store's cache of recently shown places: a page costs no copy.
    pub places: Vec<Arc<Place>>,
    /// Each place as JSON (its `Serialize`), aligned with `places`: kept per version while
    /// the place is in the cache, so a list is mostly written by copying bytes.
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
        let parsed: PlaceId = id.parse().map_err(|e| StoreError::Corrupt(format!("place id {id}: {e}")))?;
        let data = match $cache.get(parsed, version) {
            Some(cached) => cached.place.data.clone(),
            None => {
                let json: String = row.try_get("data")?;
                serde_json::from_str::<PlaceData>(&json)?
            }
        };
        Place {
            id: parsed,
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

/// Places read a chunk at a time, as an iterator, on a blocking thread (exports, the map):
/// at most a thousand places are held at once. The first error ends the iteration and is
/// kept in [`PlaceReader::error`].
pub struct PlaceReader {
    store: Store,
    handle: tokio::runtime::Handle,
    wanted: std::vec::IntoIter<(PlaceId, i64)>,
    chunk: std::vec::IntoIter<Arc<Place>>,
    error: Option<StoreError>,
}

impl PlaceReader {
    /// Why the iteration stopped early, if it did.
    pub fn error(&mut self) -> Option<StoreError> {
        self.error.take()
    }
}

impl Iterator for PlaceReader {
    type Item = Arc<Place>;

    fn next(&mut self) -> Option<Arc<Place>> {
        loop {
            if let Some(place) = self.chunk.next() {
                return Some(place);
            }
            if self.error.is_some() {
                return None;
            }
            let next: Vec<(PlaceId, i64)> = self.wanted.by_ref().take(ROWS_PER_STATEMENT).collect();
            if next.is_empty() {
                return None;
            }
            match self.handle.block_on(self.store.places_by_version(&next, false)) {
                Ok(read) => self.chunk = read.into_iter().flatten().collect::<Vec<_>>().into_iter(),
                Err(e) => self.error = Some(e),
            }
        }
    }
}

impl Store {
    /// An iterator over these places, for a blocking thread (`spawn_blocking`): it reads
    /// them by chunks with `handle`, the runtime the store runs on.
    pub fn place_reader(&self, wanted: Vec<(PlaceId, i64)>, handle: tokio::runtime::Handle) -> PlaceReader {
        PlaceReader {
            store: self.clone(),
            handle,
            wanted: wanted.into_iter(),
            chunk: Vec::new().into_iter(),
            error: None,
        }
    }
}

/// More changed places than this make an index rebuild "bulk": requests do not wait for it.
const BULK_REBUILD: usize = 2_000;

/// A place's row (selected with `PLACE_COLUMNS`) as a [`RawPlace`].
macro_rules! raw_place {
    ($row:expr) => {{
        let row = $row;
        RawPlace {
            id: row.try_get("id")?,
            version: row.try_get("version")?,
            status: row.try_get("status")?,
            source: row.try_get("source")?,
            source_id: row.try_get("source_id")?,
            source_updated_on: row.try_get("source_updated_on")?,
            is_demo: row.try_get("is_demo")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            data: row.try_get("data")?,
        }
    }};
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

/// The new entries of a rebuild, with what they share.
struct Building {
    dict: Arc<maillage_search::Dictionary>,
    codes: Codes,
    hours: HashMap<String, Arc<maillage_domain::fields::OpeningHours>>,
    fresh: Vec<(Arc<Entry>, Key)>,
}

impl Building {
    fn add(mut self, raw: Vec<RawPlace>) -> Result<Self, StoreError> {
        let hours = std::mem::take(&mut self.hours);
        let mut interner = Interner { dict: &self.dict, codes: &mut self.codes, hours };
        for raw in raw {
            let (entry, key) = Entry::new(raw.into_place()?, &mut interner);
            self.fresh.push((Arc::new(entry), key));
        }
        self.hours = interner.hours;
        Ok(self)
    }
}

/// A place read for a page, with its JSON written the first time a list needs it.
#[derive(Debug)]
pub(crate) struct CachedPlace {
    pub(crate) place: Arc<Place>,
    json: OnceLock<Arc<str>>,
}

impl CachedPlace {
    fn new(place: Place) -> Self {
        Self { place: Arc::new(place), json: OnceLock::new() }
    }

    fn json(&self) -> Arc<str> {
        Arc::clone(self.json.get_or_init(|| {
            // A place's fields are strings, numbers and lists: it always serialises.
            serde_json::to_string(&*self.place).unwrap_or_else(|_| "{}".into()).into()
        }))
    }
}

/// Places recently read, by (id, version). A version's contents never change (every write
/// bumps the version), so the cache is never stale, even with several servers. Bounded in
/// two generations of [`PLACE_CACHE_GENERATION`]: a hit in the old one moves the place to
/// the young one; when the young one is full it becomes the old one (an approximate LRU in
/// a few lines, at most ~2 × 512 places with their JSON, ~5 MB: one generation holds the
/// largest page, 500 places).
#[derive(Debug, Default)]
pub(crate) struct PlaceCache {
    generations: std::sync::Mutex<[Generation; 2]>,
}

const PLACE_CACHE_GENERATION: usize = 512;

type Generation = HashMap<(PlaceId, i64), Arc<CachedPlace>>;

impl PlaceCache {
    fn get(&self, id: PlaceId, version: i64) -> Option<Arc<CachedPlace>> {
        let mut generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        let [young, old] = &mut *generations;
        if let Some(hit) = young.get(&(id, version)) {
            return Some(Arc::clone(hit));
        }
        let hit = old.remove(&(id, version))?;
        Self::insert(&mut generations, (id, version), Arc::clone(&hit));
        Some(hit)
    }

    fn put(&self, cached: &Arc<CachedPlace>) {
        let mut generations = self.generations.lock().unwrap_or_else(|p| p.into_inner());
        Self::insert(&mut generations, (cached.place.id, cached.place.version), Arc::clone(cached));
    }

    fn insert(generations: &mut [Generation; 2], key: (PlaceId, i64), value: Arc<CachedPlace>) {
        generations[0].insert(key, value);
        if generations[0].len() >= PLACE_CACHE_GENERATION {
            generations[1] = std::mem::take(&mut generations[0]);
        }
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
        let managed = self.restriction(filter).await?;
        let snapshot = self.place_snapshot().await?;
        let selection = snapshot.select(filter, managed.as_ref(), offset, limit);
        let wanted: Vec<(PlaceId, i64)> = selection.entries.iter().map(|e| (e.id, e.version)).collect();
        let read = self.cached_places(&wanted, true).await?;
        let mut page = ListPage {
            places: Vec::new(),
            json: Vec::new(),
            distances_km: Vec::new(),
            total: selection.total,
        };
        for (i, cached) in read.into_iter().enumerate() {
            // A place deleted since the snapshot was taken is left out of the page.
            let Some(cached) = cached else { continue };
            page.json.push(cached.json());
            page.places.push(Arc::clone(&cached.place));
            if let Some(d) = selection.distances_km.get(i) {
                page.distances_km.push(*d);
            }
        }
        Ok(page)
    }

    /// The id and version of every place matching a filter, in its order: exports and maps
    /// read the places by chunks of these ([`Store::places_by_version`]) instead of holding
    /// them all.
    pub async fn place_versions(&self, filter: &PlaceFilter) -> Result<Vec<(PlaceId, i64)>, StoreError> {
        let managed = self.restriction(filter).await?;
        Ok(self.place_snapshot().await?.select_all(filter, managed.as_ref()))
    }

    /// The places published now, from the index (to count those of a network).
    pub async fn published_places(&self) -> Result<crate::index::PublishedPlaces, StoreError> {
        Ok(crate::index::PublishedPlaces(self.place_snapshot().await?))
    }

    /// The point and types of every place matching a filter, from the index alone
    /// (analyses of the supply).
    pub async fn place_points(&self, filter: &PlaceFilter) -> Result<Vec<PlacePoint>, StoreError> {
        let managed = self.restriction(filter).await?;
        Ok(self.place_snapshot().await?.points(filter, managed.as_ref()))
    }

    /// Places by `(id, version)`, aligned with `wanted`: from the cache, else read by id (a
    /// place changed since gives its newer version; one deleted since gives `None`).
    /// `remember` keeps what was read in the cache (pages); exports pass `false` so that
    /// reading every place does not push the places people look at out of it.
    pub async fn places_by_version(
        &self,
        wanted: &[(PlaceId, i64)],
        remember: bool,
    ) -> Result<Vec<Option<Arc<Place>>>, StoreError> {
        Ok(self
            .cached_places(wanted, remember)
            .await?
            .into_iter()
            .map(|c| c.map(|c| Arc::clone(&c.place)))
            .collect())
    }

    async fn cached_places(
        &self,
        wanted: &[(PlaceId, i64)],
        remember: bool,
    ) -> Result<Vec<Option<Arc<CachedPlace>>>, StoreError> {
        let mut found: Vec<Option<Arc<CachedPlace>>> =
            wanted.iter().map(|(id, v)| self.cache.get(*id, *v)).collect();
        let missing: Vec<String> = wanted
            .iter()
            .zip(&found)
            .filter(|(_, f)| f.is_none())
            .map(|((id, _), _)| id.to_string())
            .collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let raw = self.raw_places_by_ids(&missing).await?;
        let parse = move || {
            raw.into_iter().map(|r| r.into_place().map(CachedPlace::new)).collect::<Result<Vec<_>, _>>()
        };
        // Parsing a few places costs less than a trip to a blocking thread.
        let parsed = if missing.len() > 50 {
            tokio::task::spawn_blocking(parse)
                .await
                .map_err(|e| StoreError::Corrupt(format!("place read: {e}")))??
        } else {
            parse()?
        };
        let mut by_id: HashMap<PlaceId, Arc<CachedPlace>> = HashMap::with_capacity(parsed.len());
        for cached in parsed {
            let cached = Arc::new(cached);
            if remember {
                self.cache.put(&cached);
            }
            by_id.insert(cached.place.id, cached);
        }
        for ((id, _), slot) in wanted.iter().zip(found.iter_mut()) {
            if slot.is_none() {
                *slot = by_id.get(id).cloned();
            }
        }
        Ok(found)
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

    /// The places a filter is restricted to, by who manages them and by network (`None`:
    /// not restricted).
    async fn restriction(&self, filter: &PlaceFilter) -> Result<Option<HashSet<PlaceId>>, StoreError> {
        let managed = match filter.managed_by {
            Some(user) => Some(self.managed_places(user).await?),
            None => None,
        };
        let network = match filter.network {
            Some(id) => Some(self.network_snapshot().await?.places(id)),
            None => None,
        };
        Ok(match (managed, network) {
            (Some(m), Some(n)) => Some(m.intersection(&n).copied().collect()),
            (m, n) => m.or(n),
        })
    }

    /// The in-memory index at the current revision (see [`KindIndex::snapshot`]): rebuilt
    /// from the table when the revision moved, re-reading only the places whose version
    /// changed, its CPU work on a blocking thread (other requests keep answering). A rebuild
    /// is bulk when more than [`BULK_REBUILD`] places changed (as after a large import).
    pub(crate) async fn place_snapshot(&self) -> Result<Arc<Snapshot>, StoreError> {
        let revision = self.places_revision().await?;
        let store = self.clone();
        KindIndex::snapshot(&self.index, revision, move |previous, rebuilding| async move {
            store.rebuild_snapshot(previous, rebuilding).await
        })
        .await
    }

    async fn rebuild_snapshot(
        &self,
        previous: Option<Arc<Snapshot>>,
        rebuilding: Rebuilding,
    ) -> Result<Snapshot, StoreError> {
        // Read the revision before the rows: the snapshot may then be newer than its label
        // (rebuilt once more later), never older.
        let revision = self.places_revision().await?;
        let started = std::time::Instant::now();
        let versions: Vec<(String, i64)> = with_db!(self, pool => {
            sqlx::query_as("SELECT id, version FROM places").fetch_all(pool).await?
        });
        let total = versions.len();
        let mut current: HashMap<PlaceId, i64> = HashMap::with_capacity(total);
        for (id, version) in versions {
            current.insert(id.parse().map_err(|_| StoreError::Corrupt(format!("place id {id}")))?, version);
        }
        // Entries of the previous snapshot still at their version are kept, in its order
        // (unless its dictionary must be replaced: every place is then read again).
        let (dict, codes, kept) =
            match previous.as_ref().and_then(|p| Some((p, p.items.carry(&mut current)?))) {
                Some((p, (dict, kept))) => (dict, p.codes.clone(), kept),
                None => (Arc::new(maillage_search::Dictionary::new()), Codes::default(), Vec::new()),
            };
        drop(previous);
        let missing: Vec<String> = current.keys().map(PlaceId::to_string).collect();
        drop(current);
        let reread = missing.len();
        let bulk = rebuilding.mark_bulk(reread > BULK_REBUILD);
        // Read and parsed a chunk at a time, so that a rebuild of 200,000 places never holds
        // all their rows at once; the parsing runs on a blocking thread.
        let mut building = Building { dict, codes, hours: HashMap::new(), fresh: Vec::with_capacity(reread) };
        let add = |building: Building, raw: Vec<RawPlace>| async move {
            tokio::task::spawn_blocking(move || building.add(raw))
                .await
                .map_err(|e| StoreError::Corrupt(format!("index rebuild: {e}")))?
        };
        if reread > BULK_REBUILD && reread * 2 > total {
            // Most of the table: one scan in its order beats looking a thousand ids up at a
            // time. Rows are taken as they come, a chunk at a time.
            let wanted: HashSet<&str> = missing.iter().map(String::as_str).collect();
            let sql = format!("SELECT {PLACE_COLUMNS} FROM places p");
            with_db!(self, pool => {
                let mut rows = sqlx::query(AssertSqlSafe(sql.as_str())).fetch(pool);
                let mut chunk = Vec::with_capacity(ROWS_PER_STATEMENT);
                while let Some(row) = futures_util::TryStreamExt::try_next(&mut rows).await? {
                    let raw = raw_place!(row);
                    if wanted.contains(raw.id.as_str()) {
                        chunk.push(raw);
                    }
                    if chunk.len() == ROWS_PER_STATEMENT {
                        building = add(building, std::mem::take(&mut chunk)).await?;
                    }
                }
                building = add(building, chunk).await?;
            });
        } else {
            for chunk in missing.chunks(ROWS_PER_STATEMENT) {
                building = add(building, self.raw_places_by_ids(chunk).await?).await?;
            }
        }
        let snapshot = tokio::task::spawn_blocking(move || {
            let items = maillage_search::Items::new(kept, building.fresh, building.dict);
            Snapshot { revision, items, codes: building.codes, published: std::sync::OnceLock::new() }
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("index rebuild: {e}")))?;
        drop(bulk);
        tracing::debug!(
            revision,
            places = snapshot.len(),
            reread,
            index_mb = snapshot.heap_bytes() / 1_000_000,
            ms = started.elapsed().as_millis() as u64,
            "place index rebuilt"
        );
        Ok(snapshot)
    }

    /// Rows of places by id, unparsed: parsing is CPU work, done by the caller off the
    /// request executor. A thousand ids per statement.
    async fn raw_places_by_ids(&self, ids: &[String]) -> Result<Vec<RawPlace>, StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            let list = placeholders(chunk.len(), 1, anonymous).replace("), (", ", ");
            let sql = format!("SELECT {PLACE_COLUMNS} FROM places p WHERE p.id IN {list}");
            with_db!(self, pool => {
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(id.as_str());
                }
                for row in q.fetch_all(pool).await? {
                    out.push(raw_place!(row));
                }
            });
        }
        Ok(out)
    }

    /// Every place matching a filter, without paging, all held at once: for small sets
    /// (tests, tools). Exports and maps read [`Store::place_versions`] by chunks instead.
    pub async fn all_places(&self, filter: &PlaceFilter) -> Result<Vec<Arc<Place>>, StoreError> {
        let wanted = self.place_versions(filter).await?;
        Ok(self.places_by_version(&wanted, false).await?.into_iter().flatten().collect())
    }

    /// A number that changes whenever any place changes: caches compare it to know when
    /// their copy is stale (shared by every server on the same database).
    pub async fn places_revision(&self) -> Result<i64, StoreError> {
        self.revision(ContentKind::Places).await
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
}
