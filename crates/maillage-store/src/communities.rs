//! Communities of practice (`communities`), the requests to join them
//! (`community_requests`), their feeds (`publications`), and their in-memory index: the
//! third content kind ([`ContentKind::Communities`]). Referents and members are role grants
//! on the community (`role_grants`); the index counts them.
//!
//! Communities are few (hundreds), so a new revision rebuilds the whole snapshot, as for
//! networks. Publications are not indexed: a feed is read newest first, a page at a time.

use crate::kinds::{ContentKind, KindIndex, Revisioned};
use crate::pool::with_db;
use crate::tx::{Tx, is_foreign_key_violation, with_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::community::{
    Community, CommunityData, CommunityDomain, CommunityScope, Expertise, JoinRequest, Publication,
};
use maillage_domain::history::{Author, diff};
use maillage_domain::vocab::Vocabulary;
use maillage_domain::{CommunityId, PublicationId, UserId};
use maillage_search::{CompiledQuery, Dictionary, DocTerms, Indexed, Items, Query};
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;

/// The kind of communities in the history (`changes.kind`).
pub const KIND_COMMUNITY: &str = "community";

/// The fields of a community's profile, in the order they are shown.
pub const COMMUNITY_FIELDS: &[&str] = &[
    "name",
    "scope",
    "areas",
    "summary",
    "objectives",
    "activities",
    "expertises",
    "other_expertises",
    "domains",
    "join_policy",
    "email",
    "website",
];

/// A community as the index holds it.
#[derive(Debug)]
pub struct CommunityEntry {
    pub community: Arc<Community>,
    name_folded: String,
    terms: DocTerms,
}

impl Indexed for CommunityEntry {
    type Id = CommunityId;
    fn id(&self) -> CommunityId {
        self.community.id
    }
    fn version(&self) -> i64 {
        self.community.version
    }
    fn order(&self) -> &str {
        &self.name_folded
    }
    fn terms(&self) -> &DocTerms {
        &self.terms
    }
}

/// What a filter of communities looks at: its scope, and its domains and expertises as bit
/// sets (one bit per term of the vocabulary, in its order).
#[derive(Debug, Clone, Copy)]
pub struct CommunityKey {
    pub scope: CommunityScope,
    domains: u64,
    expertises: u64,
}

fn bit<T: Vocabulary + PartialEq>(term: T) -> u64 {
    T::ALL.iter().position(|t| *t == term).map_or(0, |i| 1u64 << i)
}

fn mask<T: Vocabulary + PartialEq>(terms: &[T]) -> u64 {
    terms.iter().fold(0, |m, t| m | bit(*t))
}

/// What a list of communities asks for.
#[derive(Debug, Clone, Default)]
pub struct CommunityQuery<'a> {
    pub text: Option<&'a Query>,
    pub domain: Option<CommunityDomain>,
    pub expertise: Option<Expertise>,
    pub scope: Option<CommunityScope>,
}

/// Every community at one revision, in name order with its text index, and the number of
/// members and of requests waiting of each.
#[derive(Debug)]
pub struct CommunitySnapshot {
    revision: i64,
    items: Items<CommunityEntry, CommunityKey>,
    position: HashMap<CommunityId, usize>,
    members: HashMap<CommunityId, usize>,
    pending: HashMap<CommunityId, usize>,
}

impl Revisioned for CommunitySnapshot {
    fn revision(&self) -> i64 {
        self.revision
    }
}

impl CommunitySnapshot {
    pub fn revision(&self) -> i64 {
        self.revision
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn get(&self, id: CommunityId) -> Option<&Arc<Community>> {
        self.position.get(&id).map(|i| &self.items.entry(*i).community)
    }
    /// Every community, in name order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Community>> + '_ {
        (0..self.items.len()).map(|i| &self.items.entry(i).community)
    }
    /// Its members, referents included (a person counts once).
    pub fn member_count(&self, id: CommunityId) -> usize {
        self.members.get(&id).copied().unwrap_or(0)
    }
    /// Requests to join waiting for a referent.
    pub fn pending(&self, id: CommunityId) -> usize {
        self.pending.get(&id).copied().unwrap_or(0)
    }

    /// The communities matching the query: best first for a text, else in name order.
    pub fn search(&self, query: &CommunityQuery<'_>) -> Vec<&Arc<Community>> {
        let compiled: Option<CompiledQuery> = query.text.map(|q| self.items.dict().compile(q));
        let (candidates, matched) = self.items.candidates(compiled.as_ref());
        let (domain, expertise) = (query.domain.map(bit), query.expertise.map(bit));
        let mut hits: Vec<(u32, usize)> = candidates
            .filter(|i| {
                let k = self.items.key(*i);
                query.scope.is_none_or(|s| k.scope == s)
                    && domain.is_none_or(|d| k.domains & d != 0)
                    && expertise.is_none_or(|x| k.expertises & x != 0)
            })
            .map(|i| {
                let score = match (&compiled, matched) {
                    (Some(q), true) => maillage_search::score(self.items.entry(i).terms(), q),
                    _ => 0,
                };
                (score, i)
            })
            .filter(|(score, _)| !matched || *score > 0)
            .collect();
        if matched {
            hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        hits.into_iter().map(|(_, i)| &self.items.entry(i).community).collect()
    }
}

fn terms_of(data: &CommunityData, dict: &Dictionary) -> DocTerms {
    let expertises: Vec<&str> = data
        .expertises
        .iter()
        .map(|x| x.label_fr())
        .chain(data.other_expertises.iter().map(String::as_str))
        .collect();
    let domains: Vec<&str> = data.domains.iter().map(|d| d.label_fr()).collect();
    dict.document(&[
        (&data.name, 8),
        (&data.summary, 3),
        (&expertises.join(" "), 2),
        (&domains.join(" "), 2),
        (&data.objectives, 1),
        (&data.activities, 1),
    ])
}

fn corrupt(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}"))
}

macro_rules! row_to_community {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let data: String = row.try_get("data")?;
        Community {
            id: id.parse().map_err(|_| corrupt("community id", &id))?,
            data: serde_json::from_str(&data).map_err(|_| corrupt("community data", &id))?,
            version: row.try_get("version")?,
            is_demo: row.try_get("is_demo")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }
    }};
}

macro_rules! row_to_publication {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let community: String = row.try_get("community_id")?;
        let author: Option<String> = row.try_get("author_id")?;
        let author_name: Option<String> = row.try_get("author_name")?;
        Publication {
            id: id.parse().map_err(|_| corrupt("publication id", &id))?,
            community: community.parse().map_err(|_| corrupt("community id", &community))?,
            author: author.map(|a| a.parse().map_err(|_| corrupt("user id", &a))).transpose()?,
            author_name: author_name.unwrap_or_default(),
            title: row.try_get("title")?,
            body: row.try_get("body")?,
            created_at: row.try_get("created_at")?,
            removed_at: row.try_get("removed_at")?,
            removal_reason: row.try_get("removal_reason")?,
            is_demo: row.try_get("is_demo")?,
        }
    }};
}

const COMMUNITY_COLUMNS: &str = "id, data, is_demo, version, created_at, updated_at";
const PUBLICATION_SELECT: &str = "SELECT p.id, p.community_id, p.author_id, u.display_name AS author_name, \
     p.title, p.body, p.created_at, p.removed_at, p.removal_reason, p.is_demo \
     FROM publications p LEFT JOIN users u ON u.id = p.author_id";

/// A referent or a member, as a community page lists them.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityPerson {
    pub user: UserId,
    pub display_name: String,
    pub email: String,
    /// Referent (else member).
    pub referent: bool,
}

/// A request to join, with who asked and where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    pub request: JoinRequest,
    pub display_name: String,
    pub email: String,
    /// Declined (with the decision's message); else waiting.
    pub declined: bool,
    pub decision_message: String,
    pub decided_at: Option<DateTime<Utc>>,
}

/// One page of a feed, newest first, and how many publications the feed holds.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub publications: Vec<Publication>,
    pub total: u64,
}

impl Store {
    /// The communities' index at the current revision.
    pub async fn community_snapshot(&self) -> Result<Arc<CommunitySnapshot>, StoreError> {
        let revision = self.revision(ContentKind::Communities).await?;
        let store = self.clone();
        KindIndex::snapshot(&self.communities, revision, move |_, _| async move {
            store.rebuild_communities().await
        })
        .await
    }

    async fn rebuild_communities(&self) -> Result<CommunitySnapshot, StoreError> {
        let revision = self.revision(ContentKind::Communities).await?;
        let sql = format!("SELECT {COMMUNITY_COLUMNS} FROM communities");
        let (communities, members, pending) = with_db!(self, pool => {
            let mut communities = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await? {
                communities.push(row_to_community!(&row));
            }
            let members: Vec<(String, i64)> = sqlx::query_as(
                "SELECT scope_id, COUNT(DISTINCT user_id) FROM role_grants WHERE scope_kind = 'community' \
                 GROUP BY scope_id",
            )
            .fetch_all(pool)
            .await?;
            let pending: Vec<(String, i64)> = sqlx::query_as(
                "SELECT community_id, COUNT(*) FROM community_requests WHERE status = 'requested' \
                 GROUP BY community_id",
            )
            .fetch_all(pool)
            .await?;
            (communities, members, pending)
        });
        let dict = Arc::new(Dictionary::new());
        let fresh: Vec<(Arc<CommunityEntry>, CommunityKey)> = communities
            .into_iter()
            .map(|c| {
                let key = CommunityKey {
                    scope: c.data.scope,
                    domains: mask(&c.data.domains),
                    expertises: mask(&c.data.expertises),
                };
                let entry = CommunityEntry {
                    name_folded: maillage_domain::text::fold(&c.data.name),
                    terms: terms_of(&c.data, &dict),
                    community: Arc::new(c),
                };
                (Arc::new(entry), key)
            })
            .collect();
        let items = Items::new(Vec::new(), fresh, dict);
        let mut position = HashMap::new();
        for i in 0..items.len() {
            position.insert(items.entry(i).community.id, i);
        }
        let count = |rows: Vec<(String, i64)>| -> HashMap<CommunityId, usize> {
            rows.into_iter().filter_map(|(id, n)| Some((id.parse().ok()?, n as usize))).collect()
        };
        Ok(CommunitySnapshot { revision, items, position, members: count(members), pending: count(pending) })
    }

    /// The referents and members of a community: referents first, then by name.
    pub async fn community_people(&self, id: CommunityId) -> Result<Vec<CommunityPerson>, StoreError> {
        let rows: Vec<(String, String, String, String)> = with_db!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.display_name, u.email, g.role FROM role_grants g JOIN users u ON u.id = g.user_id \
                 WHERE g.scope_kind = 'community' AND g.scope_id = $1",
            )
            .bind(id.to_string())
            .fetch_all(pool)
            .await?
        });
        let mut people: Vec<CommunityPerson> = Vec::new();
        for (user, display_name, email, role) in rows {
            let user: UserId = user.parse().map_err(|_| corrupt("user id", &user))?;
            let referent = role == "referent";
            match people.iter_mut().find(|p| p.user == user) {
                Some(p) => p.referent |= referent,
                None => people.push(CommunityPerson { user, display_name, email, referent }),
            }
        }
        people.sort_by(|a, b| {
            b.referent.cmp(&a.referent).then_with(|| {
                maillage_domain::text::fold(&a.display_name)
                    .cmp(&maillage_domain::text::fold(&b.display_name))
            })
        });
        Ok(people)
    }

    /// The requests to join a community, oldest first (`waiting_only`: not the declined).
    pub async fn community_requests(
        &self,
        id: CommunityId,
        waiting_only: bool,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        self.requests_where("r.community_id = $1", &id.to_string(), waiting_only).await
    }

    /// The requests a person made, to any community.
    pub async fn requests_by(&self, user: UserId) -> Result<Vec<StoredRequest>, StoreError> {
        self.requests_where("r.user_id = $1", &user.to_string(), false).await
    }

    async fn requests_where(
        &self,
        condition: &str,
        value: &str,
        waiting_only: bool,
    ) -> Result<Vec<StoredRequest>, StoreError> {
        let sql = format!(
            "SELECT r.community_id, r.user_id, r.status, r.message, r.asked_at, r.decided_at, r.decision_message, \
             r.version, u.display_name, u.email FROM community_requests r JOIN users u ON u.id = r.user_id \
             WHERE {condition}{} ORDER BY r.asked_at",
            if waiting_only { " AND r.status = 'requested'" } else { "" }
        );
        with_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(value).fetch_all(pool).await? {
                let community: String = row.try_get("community_id")?;
                let user: String = row.try_get("user_id")?;
                let status: String = row.try_get("status")?;
                out.push(StoredRequest {
                    request: JoinRequest {
                        community: community.parse().map_err(|_| corrupt("community id", &community))?,
                        user: user.parse().map_err(|_| corrupt("user id", &user))?,
                        message: row.try_get("message")?,
                        asked_at: row.try_get("asked_at")?,
                        version: row.try_get("version")?,
                    },
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    declined: status == "declined",
                    decision_message: row.try_get("decision_message")?,
                    decided_at: row.try_get("decided_at")?,
                });
            }
            Ok(out)
        })
    }

    /// One page of a community's feed, newest first; removed publications are left out
    /// unless `with_removed` (for its referents).
    pub async fn feed(
        &self,
        id: CommunityId,
        with_removed: bool,
        offset: u64,
        limit: u64,
    ) -> Result<FeedPage, StoreError> {
        let visible = if with_removed { "" } else { " AND p.removed_at IS NULL" };
        let sql = format!(
            "{PUBLICATION_SELECT} WHERE p.community_id = $1{visible} ORDER BY p.created_at DESC, p.id DESC \
             LIMIT $2 OFFSET $3"
        );
        let count = format!("SELECT COUNT(*) FROM publications p WHERE p.community_id = $1{visible}");
        with_db!(self, pool => {
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
                .bind(id.to_string()).fetch_one(pool).await?;
            let mut publications = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(id.to_string())
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .bind(i64::try_from(offset).unwrap_or(i64::MAX))
                .fetch_all(pool)
                .await?
            {
                publications.push(row_to_publication!(&row));
            }
            Ok(FeedPage { publications, total: total as u64 })
        })
    }

    pub async fn publication(&self, id: PublicationId) -> Result<Option<Publication>, StoreError> {
        let sql = format!("{PUBLICATION_SELECT} WHERE p.id = $1");
        with_db!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_publication!(&row)), None => None })
        })
    }

    /// Every publication a person wrote, oldest first (their personal data).
    pub async fn publications_by(&self, user: UserId) -> Result<Vec<Publication>, StoreError> {
        let sql = format!("{PUBLICATION_SELECT} WHERE p.author_id = $1 ORDER BY p.created_at");
        with_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(user.to_string()).fetch_all(pool).await? {
                out.push(row_to_publication!(&row));
            }
            Ok(out)
        })
    }
}

fn content(data: &CommunityData) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(data)? {
        Value::Object(map) => Ok(map),
        _ => Err(StoreError::Corrupt("community data is not an object".into())),
    }
}

impl Tx {
    /// Store a new community, and its creation in the history.
    pub async fn insert_community(
        &mut self,
        community: &Community,
        author: &Author,
    ) -> Result<(), StoreError> {
        let data = serde_json::to_string(&community.data)?;
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO communities (id, data, name, is_demo, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(community.id.to_string())
            .bind(&data)
            .bind(&community.data.name)
            .bind(community.is_demo)
            .bind(community.version)
            .bind(community.created_at)
            .bind(community.updated_at)
            .execute(&mut *conn)
            .await?;
        });
        self.communities_written += 1;
        let fields = diff(COMMUNITY_FIELDS, None, &content(&community.data)?);
        self.record_community_change(community, fields, author).await
    }

    /// Replace a community's profile, provided it is still at `expected_version` (else
    /// [`StoreError::Conflict`]), with the fields that changed in the history.
    pub async fn update_community(
        &mut self,
        community: &Community,
        expected_version: i64,
        author: &Author,
    ) -> Result<(), StoreError> {
        let stored: Option<(String, i64)> = with_tx!(self, conn => {
            sqlx::query_as("SELECT data, version FROM communities WHERE id = $1")
                .bind(community.id.to_string())
                .fetch_optional(&mut *conn)
                .await?
        });
        let old: CommunityData = match stored {
            None => return Err(StoreError::NotFound),
            Some((_, current)) if current != expected_version => {
                return Err(StoreError::Conflict { current });
            }
            Some((data, _)) => serde_json::from_str(&data)?,
        };
        let data = serde_json::to_string(&community.data)?;
        let done = with_tx!(self, conn => {
            sqlx::query(
                "UPDATE communities SET data = $1, name = $2, version = $3, updated_at = $4 \
                 WHERE id = $5 AND version = $6",
            )
            .bind(&data)
            .bind(&community.data.name)
            .bind(community.version)
            .bind(community.updated_at)
            .bind(community.id.to_string())
            .bind(expected_version)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::Conflict { current: expected_version + 1 });
        }
        self.communities_written += 1;
        let fields = diff(COMMUNITY_FIELDS, Some(&content(&old)?), &content(&community.data)?);
        self.record_community_change(community, fields, author).await
    }

    async fn record_community_change(
        &mut self,
        community: &Community,
        fields: Vec<maillage_domain::history::FieldChange>,
        author: &Author,
    ) -> Result<(), StoreError> {
        let change = crate::ItemChange {
            kind: KIND_COMMUNITY,
            item_id: community.id.to_string(),
            version: community.version,
            at: community.updated_at,
            fields,
        };
        self.record_changes(std::slice::from_ref(&change), author).await
    }

    /// A request to join, new or asked again after a decline. [`StoreError::Duplicate`]
    /// when one is already waiting; [`StoreError::NotFound`] for an unknown community or
    /// account. Gives the request's version.
    pub async fn ask_to_join_community(&mut self, r: &JoinRequest) -> Result<i64, StoreError> {
        let version: Option<i64> = with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO community_requests (community_id, user_id, status, message, asked_at, decided_by, \
                 decided_at, decision_message, version) VALUES ($1, $2, 'requested', $3, $4, NULL, NULL, '', 1) \
                 ON CONFLICT (community_id, user_id) DO UPDATE SET status = 'requested', message = excluded.message, \
                 asked_at = excluded.asked_at, decided_by = NULL, decided_at = NULL, decision_message = '', \
                 version = community_requests.version + 1 WHERE community_requests.status = 'declined' \
                 RETURNING version",
            )
            .bind(r.community.to_string())
            .bind(r.user.to_string())
            .bind(&r.message)
            .bind(r.asked_at)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?
            .map(|row| row.try_get::<i64, _>("version"))
            .transpose()?
        });
        let Some(version) = version else { return Err(StoreError::Duplicate("request")) };
        self.communities_written += 1;
        Ok(version)
    }

    /// Decide on a waiting request at `expected_version`: accepted (the row goes; the
    /// caller grants the membership) or declined (kept, with the message).
    /// [`StoreError::Conflict`] when someone decided first; [`StoreError::NotFound`] when
    /// there is no such request.
    #[allow(clippy::too_many_arguments)] // one decision's parts
    pub async fn decide_community_request(
        &mut self,
        community: CommunityId,
        user: UserId,
        expected_version: i64,
        accept: bool,
        by: Option<UserId>,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let done = with_tx!(self, conn => {
            if accept {
                sqlx::query(
                    "DELETE FROM community_requests WHERE community_id = $1 AND user_id = $2 AND version = $3 \
                     AND status = 'requested'",
                )
                .bind(community.to_string())
                .bind(user.to_string())
                .bind(expected_version)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            } else {
                sqlx::query(
                    "UPDATE community_requests SET status = 'declined', decided_by = $1, decided_at = $2, \
                     decision_message = $3, version = version + 1 \
                     WHERE community_id = $4 AND user_id = $5 AND version = $6 AND status = 'requested'",
                )
                .bind(by.map(|u| u.to_string()))
                .bind(at)
                .bind(message)
                .bind(community.to_string())
                .bind(user.to_string())
                .bind(expected_version)
                .execute(&mut *conn)
                .await?
                .rows_affected()
            }
        });
        if done == 0 {
            let current: Option<i64> = with_tx!(self, conn => {
                sqlx::query_scalar("SELECT version FROM community_requests WHERE community_id = $1 AND user_id = $2")
                    .bind(community.to_string()).bind(user.to_string()).fetch_optional(&mut *conn).await?
            });
            // An accepted request is gone: deciding on it again is a conflict too.
            return Err(StoreError::Conflict { current: current.unwrap_or(expected_version + 1) });
        }
        self.communities_written += 1;
        Ok(())
    }

    /// Withdraw a person's waiting request (they joined another way, or cancel it).
    pub async fn withdraw_community_request(
        &mut self,
        community: CommunityId,
        user: UserId,
    ) -> Result<bool, StoreError> {
        let done = with_tx!(self, conn => {
            sqlx::query("DELETE FROM community_requests WHERE community_id = $1 AND user_id = $2")
                .bind(community.to_string()).bind(user.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if done > 0 {
            self.communities_written += 1;
        }
        Ok(done > 0)
    }

    /// Add a publication to a feed.
    pub async fn insert_publication(&mut self, p: &Publication) -> Result<(), StoreError> {
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO publications (id, community_id, author_id, title, body, created_at, removed_at, \
                 removed_by, removal_reason, is_demo) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, '', $7)",
            )
            .bind(p.id.to_string())
            .bind(p.community.to_string())
            .bind(p.author.map(|a| a.to_string()))
            .bind(&p.title)
            .bind(&p.body)
            .bind(p.created_at)
            .bind(p.is_demo)
            .execute(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?;
        });
        Ok(())
    }

    /// Remove a publication from its feed, with why; `false` when it was already removed.
    pub async fn remove_publication(
        &mut self,
        id: PublicationId,
        by: Option<UserId>,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = with_tx!(self, conn => {
            sqlx::query(
                "UPDATE publications SET removed_at = $1, removed_by = $2, removal_reason = $3 \
                 WHERE id = $4 AND removed_at IS NULL",
            )
            .bind(at)
            .bind(by.map(|u| u.to_string()))
            .bind(reason)
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        Ok(done > 0)
    }
}
