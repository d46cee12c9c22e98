//! Places: storage, filtering, full-text search, revision counter.

use crate::pool::with_db;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::fields::Coordinates;
use maillage_domain::place::PlaceData;
use maillage_domain::vocab::{Label, PlaceType, Public, Service, Vocabulary};
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance, UserId};
use maillage_search::Query;
// Dynamic SQL here is built only from constants and `$n` placeholders: values are always bound.
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// A value bound to a dynamic query.
#[derive(Debug, Clone)]
enum Arg {
    Text(String),
    Real(f64),
}

/// Bind every argument, in order, to a query (expanded per database by `with_db!`).
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Real(x) => q.bind(*x),
            };
        }
        q
    }};
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
    pub places: Vec<Place>,
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

fn tags_of(data: &PlaceData) -> Vec<(&'static str, String)> {
    let mut tags: Vec<(&'static str, String)> = Vec::new();
    tags.extend(data.types.iter().map(|t| ("type", t.code().to_owned())));
    tags.extend(data.services.iter().map(|t| ("service", t.code().to_owned())));
    tags.extend(data.labels.iter().map(|t| ("label", t.code().to_owned())));
    tags.extend(data.publics.iter().map(|t| ("public", t.code().to_owned())));
    for item in &data.equipment {
        let folded = maillage_domain::text::fold(item);
        if !tags.iter().any(|(k, v)| *k == "equipment" && *v == folded) {
            tags.push(("equipment", folded));
        }
    }
    tags
}

fn search_terms_of(data: &PlaceData) -> Vec<(String, u32)> {
    let types: Vec<&str> = data.types.iter().map(|t| t.label_fr()).collect();
    let services: Vec<&str> = data.services.iter().map(|t| t.label_fr()).collect();
    let labels: Vec<&str> = data.labels.iter().map(|t| t.label_fr()).collect();
    maillage_search::document_terms(&[
        (&data.name, 8),
        (&types.join(" "), 4),
        (&data.commune_name, 3),
        (&data.summary, 2),
        (&labels.join(" "), 2),
        (&services.join(" "), 1),
        (&data.equipment.join(" "), 1),
        (&data.description, 1),
    ])
}

/// `($1, $2), ($3, $4)…` for `rows` rows of `width` values. With `anonymous`, plain `?`
/// instead (values bound in order): SQLite looks numbered names up one by one, which makes
/// a statement of thousands of `$n` quadratic.
fn placeholders(rows: usize, width: usize, anonymous: bool) -> String {
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

/// Build the WHERE clause of a filter; arguments are appended to `args`.
fn where_clause(filter: &PlaceFilter, args: &mut Vec<Arg>) -> String {
    let arg = |args: &mut Vec<Arg>, value: Arg| {
        args.push(value);
        format!("${}", args.len())
    };
    let mut clauses: Vec<String> = Vec::new();

    let statuses: Vec<PlaceStatus> =
        if filter.statuses.is_empty() { vec![PlaceStatus::Published] } else { filter.statuses.clone() };
    let list: Vec<String> = statuses.iter().map(|s| arg(args, Arg::Text(s.code().into()))).collect();
    clauses.push(format!("p.status IN ({})", list.join(", ")));

    let mut tag = |args: &mut Vec<Arg>, kind: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        let k = arg(args, Arg::Text(kind.into()));
        let list: Vec<String> = values.into_iter().map(|v| arg(args, Arg::Text(v))).collect();
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM place_tags t WHERE t.place_id = p.id AND t.kind = {k} AND t.value IN ({}))",
            list.join(", ")
        ));
    };
    tag(args, "type", filter.types.iter().map(|t| t.code().to_owned()).collect());
    tag(args, "service", filter.services.iter().map(|t| t.code().to_owned()).collect());
    tag(args, "label", filter.labels.iter().map(|t| t.code().to_owned()).collect());
    tag(args, "public", filter.publics.iter().map(|t| t.code().to_owned()).collect());
    if let Some(eq) = filter.equipment.as_deref().map(maillage_domain::text::fold).filter(|e| !e.is_empty()) {
        let v = arg(args, Arg::Text(format!("%{eq}%")));
        clauses.push(format!(
            "EXISTS (SELECT 1 FROM place_tags t WHERE t.place_id = p.id AND t.kind = 'equipment' AND t.value LIKE {v})"
        ));
    }
    for (column, value) in [
        ("commune_code", &filter.commune),
        ("epci", &filter.epci),
        ("departement", &filter.departement),
        ("region", &filter.region),
    ] {
        if let Some(value) = value {
            let v = arg(args, Arg::Text(value.clone()));
            clauses.push(format!("p.{column} = {v}"));
        }
    }
    let bbox = filter.bbox.or_else(|| {
        // A bounding box around the circle prefilters with the index; the exact
        // distance is checked afterwards.
        filter.near.map(|(lat, lon, r)| {
            let dlat = r / 111.0;
            let dlon = r / (111.0 * lat.to_radians().cos().abs().max(0.01));
            (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        })
    });
    if let Some((min_lon, min_lat, max_lon, max_lat)) = bbox {
        let (a, b, c, d) = (
            arg(args, Arg::Real(min_lat)),
            arg(args, Arg::Real(max_lat)),
            arg(args, Arg::Real(min_lon)),
            arg(args, Arg::Real(max_lon)),
        );
        clauses.push(format!("p.lat BETWEEN {a} AND {b} AND p.lon BETWEEN {c} AND {d}"));
    }
    if let Some(q) = &filter.text {
        let last = q.terms.len().saturating_sub(1);
        for (i, term) in q.terms.iter().enumerate() {
            let t = arg(args, Arg::Text(term.clone()));
            let prefix = match (&q.prefix, i == last) {
                (Some(prefix), true) => {
                    // A range, not LIKE: it uses the index on both databases.
                    let low = arg(args, Arg::Text(prefix.clone()));
                    match prefix_upper_bound(prefix) {
                        Some(high) => {
                            let high = arg(args, Arg::Text(high));
                            format!(" OR (s.term >= {low} AND s.term < {high})")
                        }
                        None => format!(" OR s.term >= {low}"),
                    }
                }
                _ => String::new(),
            };
            clauses.push(format!(
                "p.id IN (SELECT s.doc_id FROM search_terms s WHERE s.kind = 'place' AND (s.term = {t}{prefix}))"
            ));
        }
    }
    if let Some(user) = filter.managed_by {
        let u = arg(args, Arg::Text(user.to_string()));
        clauses.push(format!("p.id IN (SELECT m.place_id FROM place_managers m WHERE m.user_id = {u})"));
    }
    if let Some(demo) = filter.is_demo {
        clauses.push(format!("p.is_demo = {}", if demo { "TRUE" } else { "FALSE" }));
    }
    if filter.open_at.is_some() {
        clauses.push("p.opening_hours IS NOT NULL".into());
    }
    clauses.join(" AND ")
}

/// The smallest string above every string that starts with `prefix`, for folded terms
/// made of `0-9a-z` (digits sort before letters in every collation).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match last {
            '0'..='8' | 'a'..='y' => char::from_u32(last as u32 + 1),
            '9' => Some('a'),
            _ => None,
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

fn relevance_order(filter: &PlaceFilter, args: &mut Vec<Arg>) -> Option<String> {
    let q = filter.text.as_ref().filter(|q| !q.terms.is_empty())?;
    let list: Vec<String> = q
        .terms
        .iter()
        .map(|t| {
            args.push(Arg::Text(t.clone()));
            format!("${}", args.len())
        })
        .collect();
    Some(format!(
        "(SELECT COALESCE(SUM(s.weight), 0) FROM search_terms s WHERE s.kind = 'place' AND s.doc_id = p.id \
         AND s.term IN ({})) DESC, p.name_folded",
        list.join(", ")
    ))
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
const PLACES_PER_STATEMENT: usize = 100;
const ROWS_PER_STATEMENT: usize = 1000;

fn place_values(count: usize, anonymous: bool) -> String {
    placeholders(count, 19, anonymous)
}

/// Write places with their tags and search terms inside an open transaction, a hundred
/// per statement: an import of 20,000 places is a few hundred statements, not 100,000.
/// `is_new` selects INSERT (new places) or UPDATE (existing ones, whose tags and terms are
/// replaced).
macro_rules! write_places {
    ($tx:expr, $places:expr, $is_new:expr, $anonymous:expr) => {{
        let places: &[Place] = $places;
        let anonymous: bool = $anonymous;
        for chunk in places.chunks(PLACES_PER_STATEMENT) {
            let ids: Vec<String> = chunk.iter().map(|p| p.id.to_string()).collect();
            let insert_sql;
            let sqls: Vec<&str> = if $is_new {
                insert_sql = format!(
                    "INSERT INTO places (id, data, name, name_folded, commune_code, departement, region, epci, lat, lon, \
                     opening_hours, status, source, source_id, source_updated_on, is_demo, version, created_at, updated_at) \
                     VALUES {}",
                    place_values(chunk.len(), anonymous)
                );
                vec![insert_sql.as_str()]
            } else {
                vec!["UPDATE places SET data = $2, name = $3, name_folded = $4, commune_code = $5, departement = $6, \
                     region = $7, epci = $8, lat = $9, lon = $10, opening_hours = $11, status = $12, source = $13, \
                     source_id = $14, source_updated_on = $15, is_demo = $16, version = $17, created_at = $18, \
                     updated_at = $19 WHERE id = $1"; chunk.len()]
            };
            let groups: Vec<&[Place]> = if $is_new { vec![chunk] } else { chunk.chunks(1).collect() };
            for (sql, group) in sqls.iter().zip(groups) {
                let mut q = sqlx::query(AssertSqlSafe(*sql));
                for place in group {
                    let d = &place.data;
                    q = q
                        .bind(place.id.to_string())
                        .bind(serde_json::to_string(d)?)
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
                        .bind(place.updated_at);
                }
                q.execute(&mut *$tx).await.map_err(|e| {
                    if StoreError::is_unique_violation(&e) { StoreError::Duplicate("source_id") } else { e.into() }
                })?;
            }
            if !$is_new {
                let list = placeholders(ids.len(), 1, anonymous);
                let sql = format!("DELETE FROM place_tags WHERE place_id IN {}", list.replace("), (", ", "));
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in &ids {
                    q = q.bind(id);
                }
                q.execute(&mut *$tx).await?;
                let sql = format!("DELETE FROM search_terms WHERE kind = 'place' AND doc_id IN {}", list.replace("), (", ", "));
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in &ids {
                    q = q.bind(id);
                }
                q.execute(&mut *$tx).await?;
            }
            let tags: Vec<(&String, &'static str, String)> = chunk
                .iter()
                .zip(&ids)
                .flat_map(|(p, id)| tags_of(&p.data).into_iter().map(move |(k, v)| (id, k, v)))
                .collect();
            for rows in tags.chunks(ROWS_PER_STATEMENT) {
                let sql = format!("INSERT INTO place_tags (place_id, kind, value) VALUES {}", placeholders(rows.len(), 3, anonymous));
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (id, kind, value) in rows {
                    q = q.bind(*id).bind(*kind).bind(value);
                }
                q.execute(&mut *$tx).await?;
            }
            // Only published places are searchable: drafts and archives never leak through search.
            let terms: Vec<(&String, String, u32)> = chunk
                .iter()
                .zip(&ids)
                .filter(|(p, _)| p.status == PlaceStatus::Published)
                .flat_map(|(p, id)| search_terms_of(&p.data).into_iter().map(move |(t, w)| (id, t, w)))
                .collect();
            for rows in terms.chunks(ROWS_PER_STATEMENT) {
                let sql = format!("INSERT INTO search_terms (kind, doc_id, term, weight) VALUES {}", placeholders(rows.len(), 4, anonymous));
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for (id, term, weight) in rows {
                    q = q.bind("place").bind(*id).bind(term).bind(i64::from(*weight));
                }
                q.execute(&mut *$tx).await?;
            }
        }
    }};
}

macro_rules! bump_revision {
    ($tx:expr) => {
        sqlx::query("UPDATE meta SET value = value + 1 WHERE key = 'places_revision'")
            .execute(&mut *$tx)
            .await?
    };
}

impl Store {
    /// Store a new place.
    pub async fn insert_place(&self, place: &Place) -> Result<(), StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            write_places!(tx, std::slice::from_ref(place), true, anonymous);
            bump_revision!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replace a place, provided it is still at `expected_version`; the stored version becomes
    /// `place.version`. A stale edit gets [`StoreError::Conflict`], never a silent overwrite.
    pub async fn update_place(&self, place: &Place, expected_version: i64) -> Result<(), StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            let current: Option<i64> = sqlx::query_scalar("SELECT version FROM places WHERE id = $1")
                .bind(place.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            match current {
                None => return Err(StoreError::NotFound),
                Some(v) if v != expected_version => return Err(StoreError::Conflict { current: v }),
                Some(_) => {}
            }
            write_places!(tx, std::slice::from_ref(place), false, anonymous);
            bump_revision!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Create or update places in one transaction (imports). A place whose id exists, or
    /// whose `(source, source_id)` exists, is updated in place (keeping id and creation date).
    /// With `all_or_nothing` false the caller has already removed invalid rows; any database
    /// error still rolls back the whole batch.
    pub async fn import_places(&self, places: &[Place]) -> Result<Vec<ImportOutcome>, StoreError> {
        let anonymous = self.backend() == crate::Backend::Sqlite;
        let mut outcomes = Vec::with_capacity(places.len());
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            // What exists already, read once: the places of the sources in the batch, and
            // the places whose ids the batch names (an export of this directory coming back).
            let mut by_id: HashMap<String, (i64, DateTime<Utc>)> = HashMap::new();
            let mut by_source: HashMap<(String, String), String> = HashMap::new();
            let mut sources: Vec<&str> = places.iter().map(|p| p.provenance.source.as_str()).collect();
            sources.sort_unstable();
            sources.dedup();
            for source in sources {
                let rows = sqlx::query("SELECT id, source_id, version, created_at FROM places WHERE source = $1")
                    .bind(source)
                    .fetch_all(&mut *tx)
                    .await?;
                for row in rows {
                    let id: String = row.try_get("id")?;
                    if let Some(source_id) = row.try_get::<Option<String>, _>("source_id")? {
                        by_source.insert((source.to_owned(), source_id), id.clone());
                    }
                    by_id.insert(id, (row.try_get("version")?, row.try_get("created_at")?));
                }
            }
            let ids: Vec<String> = places.iter().map(|p| p.id.to_string()).filter(|id| !by_id.contains_key(id)).collect();
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let list = placeholders(chunk.len(), 1, anonymous).replace("), (", ", ");
                let sql = format!("SELECT id, version, created_at FROM places WHERE id IN {list}");
                let mut q = sqlx::query(AssertSqlSafe(sql.as_str()));
                for id in chunk {
                    q = q.bind(id);
                }
                for row in q.fetch_all(&mut *tx).await? {
                    by_id.insert(row.try_get("id")?, (row.try_get("version")?, row.try_get("created_at")?));
                }
            }
            let mut new = Vec::new();
            let mut updated = Vec::new();
            for place in places {
                let own = place.id.to_string();
                let existing = if by_id.contains_key(&own) {
                    Some(own.clone())
                } else {
                    place
                        .provenance
                        .source_id
                        .as_ref()
                        .and_then(|sid| by_source.get(&(place.provenance.source.clone(), sid.clone())).cloned())
                };
                match existing.and_then(|id| by_id.get(&id).map(|e| (id, *e))) {
                    Some((id, (version, created_at))) => {
                        let mut p = place.clone();
                        p.id = id.parse().map_err(|_| StoreError::Corrupt(id.clone()))?;
                        p.version = version + 1;
                        p.created_at = created_at;
                        // A second row for the same record in one batch updates it again.
                        by_id.insert(id, (p.version, created_at));
                        updated.push(p);
                        outcomes.push(ImportOutcome::Updated);
                    }
                    None => {
                        if let Some(sid) = &place.provenance.source_id {
                            by_source.insert((place.provenance.source.clone(), sid.clone()), own.clone());
                        }
                        by_id.insert(own, (place.version, place.created_at));
                        new.push(place.clone());
                        outcomes.push(ImportOutcome::Created);
                    }
                }
            }
            write_places!(tx, &new, true, anonymous);
            write_places!(tx, &updated, false, anonymous);
            bump_revision!(tx);
            tx.commit().await?;
        });
        if places.len() >= 500 {
            self.analyze().await?;
        }
        Ok(outcomes)
    }

    /// Refresh the query planner's statistics (after large changes), so that it picks the
    /// right index for each filter.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        with_db!(self, pool => {
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
        let mut args = Vec::new();
        let wheres = where_clause(filter, &mut args);
        // Distance and opening hours are computed here, not in SQL: both databases then give
        // the same answers, and the bounding box keeps the candidates few.
        let post_filter = filter.near.is_some() || filter.open_at.is_some();
        let order = match filter.sort {
            PlaceSort::Relevance => {
                relevance_order(filter, &mut args).unwrap_or_else(|| "p.name_folded".into())
            }
            PlaceSort::Updated => "p.updated_at DESC, p.name_folded".into(),
            PlaceSort::Name | PlaceSort::Distance => "p.name_folded, p.id".into(),
        };
        if !post_filter {
            // One query gives the page and the total (a window over the whole result); only
            // a page past the end needs a separate count.
            let sql = format!(
                "SELECT {PLACE_COLUMNS}, COUNT(*) OVER () AS total_count FROM places p WHERE {wheres} \
                 ORDER BY {order} LIMIT {} OFFSET {}",
                limit.min(10_000),
                offset
            );
            return with_db!(self, pool => {
                let rows = bind_args!(sqlx::query(AssertSqlSafe(sql.as_str())), &args).fetch_all(pool).await?;
                let total: i64 = match rows.first() {
                    Some(row) => row.try_get("total_count")?,
                    None if offset == 0 => 0,
                    None => {
                        let mut count_args = Vec::new();
                        let count_sql = format!("SELECT COUNT(*) FROM places p WHERE {}", where_clause(filter, &mut count_args));
                        bind_args!(sqlx::query_scalar(AssertSqlSafe(count_sql.as_str())), &count_args).fetch_one(pool).await?
                    }
                };
                let mut places = Vec::with_capacity(rows.len());
                for row in rows {
                    places.push(row_to_place!(row, self.cache));
                }
                Ok(ListPage { places, distances_km: Vec::new(), total: total as u64 })
            });
        }
        let sql = format!("SELECT {PLACE_COLUMNS} FROM places p WHERE {wheres} ORDER BY {order}");
        let mut candidates: Vec<(Place, f64)> = with_db!(self, pool => {
            let rows = bind_args!(sqlx::query(AssertSqlSafe(sql.as_str())), &args).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push((row_to_place!(row, self.cache), 0.0));
            }
            Ok::<_, StoreError>(out)
        })?;
        if let Some((lat, lon, radius)) = filter.near {
            let center = Coordinates { lat, lon };
            for (place, distance) in candidates.iter_mut() {
                *distance = center.distance_km(&place.data.location);
            }
            candidates.retain(|(_, d)| *d <= radius);
            if filter.sort == PlaceSort::Distance {
                candidates.sort_by(|a, b| a.1.total_cmp(&b.1));
            }
        }
        if let Some(at) = filter.open_at {
            candidates.retain(|(p, _)| p.data.opening_hours.as_ref().is_some_and(|h| h.is_open_at(at)));
        }
        let total = candidates.len() as u64;
        let (places, distances_km): (Vec<Place>, Vec<f64>) =
            candidates.into_iter().skip(offset as usize).take(limit as usize).unzip();
        let distances_km = if filter.near.is_some() { distances_km } else { Vec::new() };
        Ok(ListPage { places, distances_km, total })
    }

    /// Every place matching a filter, without paging (exports, map data).
    pub async fn all_places(&self, filter: &PlaceFilter) -> Result<Vec<Place>, StoreError> {
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

    /// Delete every demo place and demo account.
    pub async fn delete_demo_data(&self) -> Result<(), StoreError> {
        with_db!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM search_terms WHERE kind = 'place' AND doc_id IN (SELECT id FROM places WHERE is_demo = TRUE)")
                .execute(&mut *tx).await?;
            sqlx::query("DELETE FROM places WHERE is_demo = TRUE").execute(&mut *tx).await?;
            sqlx::query("DELETE FROM users WHERE is_demo = TRUE").execute(&mut *tx).await?;
            bump_revision!(tx);
            tx.commit().await?;
        });
        Ok(())
    }

    /// Give a user the right to edit a place.
    pub async fn add_place_manager(&self, place: PlaceId, user: UserId) -> Result<(), StoreError> {
        with_db!(self, pool => {
            sqlx::query("INSERT INTO place_managers (place_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(place.to_string()).bind(user.to_string()).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn is_place_manager(&self, place: PlaceId, user: UserId) -> Result<bool, StoreError> {
        with_db!(self, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM place_managers WHERE place_id = $1 AND user_id = $2")
                .bind(place.to_string()).bind(user.to_string()).fetch_one(pool).await?;
            Ok(n > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn the_upper_bound_of_a_prefix_carries_over_z() {
        assert_eq!(prefix_upper_bound("fabl").as_deref(), Some("fabm"));
        assert_eq!(prefix_upper_bound("caz").as_deref(), Some("cb"));
        assert_eq!(prefix_upper_bound("a9").as_deref(), Some("aa"));
        assert_eq!(prefix_upper_bound("zz"), None);
    }
}
