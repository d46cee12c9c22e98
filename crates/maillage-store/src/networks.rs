//! Networks and their member places (`networks`, `network_members`), and their in-memory
//! index: the second content kind ([`ContentKind::Networks`]), after places.
//!
//! Networks are few (a few thousand at most: one per région, département, theme…), so a
//! new revision rebuilds the whole snapshot — every network, the tree, the member places
//! of each — in a few milliseconds, instead of carrying unchanged items over as places do.
//! The snapshot answers the tree questions rights need on every request (a place's
//! networks and their ancestors) without a query.

use crate::kinds::{ContentKind, KindIndex, Revisioned};
use crate::pool::with_db;
use crate::tx::{Tx, is_foreign_key_violation, with_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use maillage_domain::history::{Author, diff};
use maillage_domain::network::{Membership, MembershipStatus, Network, NetworkData, NetworkKind};
use maillage_domain::{NetworkId, PlaceId, UserId};
use maillage_search::{CompiledQuery, Dictionary, DocTerms, Indexed, Items, Query};
use serde_json::{Map, Value};
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The kind of networks in the history (`changes.kind`).
pub const KIND_NETWORK: &str = "network";

/// The fields of a network's content, in the order they are shown (its data as serialised).
pub const NETWORK_FIELDS: &[&str] =
    &["name", "kind", "areas", "parent", "summary", "description", "email", "website", "logo_url"];

/// A network as the index holds it.
#[derive(Debug)]
pub struct NetworkEntry {
    pub network: Arc<Network>,
    name_folded: String,
    terms: DocTerms,
}

impl Indexed for NetworkEntry {
    type Id = NetworkId;
    fn id(&self) -> NetworkId {
        self.network.id
    }
    fn version(&self) -> i64 {
        self.network.version
    }
    fn order(&self) -> &str {
        &self.name_folded
    }
    fn terms(&self) -> &DocTerms {
        &self.terms
    }
}

/// What a filter of networks looks at without reading the network.
#[derive(Debug, Clone, Copy)]
pub struct NetworkKey {
    pub kind: NetworkKind,
}

/// Every network at one revision: in name order with their text index, the tree, and the
/// member places of each.
#[derive(Debug)]
pub struct NetworkSnapshot {
    revision: i64,
    items: Items<NetworkEntry, NetworkKey>,
    position: HashMap<NetworkId, usize>,
    children: HashMap<NetworkId, Vec<NetworkId>>,
    members: HashMap<NetworkId, HashSet<PlaceId>>,
    of_place: HashMap<PlaceId, Vec<NetworkId>>,
    pending: HashMap<NetworkId, usize>,
}

impl Revisioned for NetworkSnapshot {
    fn revision(&self) -> i64 {
        self.revision
    }
}

/// The deepest tree followed (a cycle in stored data cannot loop forever).
const MAX_DEPTH: usize = 32;

impl NetworkSnapshot {
    pub fn revision(&self) -> i64 {
        self.revision
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Every network, in name order.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Network>> + '_ {
        (0..self.items.len()).map(|i| &self.items.entry(i).network)
    }

    pub fn get(&self, id: NetworkId) -> Option<&Arc<Network>> {
        self.position.get(&id).map(|i| &self.items.entry(*i).network)
    }

    /// Its parent, the parent's parent… nearest first.
    pub fn ancestors(&self, id: NetworkId) -> Vec<NetworkId> {
        let mut out = Vec::new();
        let mut at = self.get(id).and_then(|n| n.data.parent);
        while let Some(parent) = at {
            if out.contains(&parent) || parent == id || out.len() >= MAX_DEPTH {
                break;
            }
            out.push(parent);
            at = self.get(parent).and_then(|n| n.data.parent);
        }
        out
    }

    /// Its sub-networks, in name order.
    pub fn children(&self, id: NetworkId) -> Vec<&Arc<Network>> {
        let mut out: Vec<&Arc<Network>> =
            self.children.get(&id).into_iter().flatten().filter_map(|c| self.get(*c)).collect();
        out.sort_by_key(|n| self.position.get(&n.id).copied());
        out
    }

    /// The network and every network below it.
    pub fn with_descendants(&self, id: NetworkId) -> Vec<NetworkId> {
        let mut out = vec![id];
        let mut i = 0;
        while i < out.len() {
            for child in self.children.get(&out[i]).into_iter().flatten() {
                if !out.contains(child) {
                    out.push(*child);
                }
            }
            i += 1;
        }
        out
    }

    /// The member places of the network itself.
    pub fn direct_members(&self, id: NetworkId) -> impl Iterator<Item = &PlaceId> + '_ {
        self.members.get(&id).into_iter().flatten()
    }

    /// The places of the network: its members and those of its sub-networks.
    pub fn places(&self, id: NetworkId) -> HashSet<PlaceId> {
        self.with_descendants(id)
            .iter()
            .flat_map(|n| self.members.get(n).into_iter().flatten())
            .copied()
            .collect()
    }

    /// The networks a place is a member of.
    pub fn networks_of(&self, place: PlaceId) -> &[NetworkId] {
        self.of_place.get(&place).map_or(&[], Vec::as_slice)
    }

    /// The networks a place is a member of, and all their ancestors: the networks whose
    /// coordinators answer for it.
    pub fn covering(&self, place: PlaceId) -> Vec<NetworkId> {
        let mut out = Vec::new();
        for n in self.networks_of(place) {
            for id in std::iter::once(*n).chain(self.ancestors(*n)) {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// Requests and invitations waiting for a decision.
    pub fn pending(&self, id: NetworkId) -> usize {
        self.pending.get(&id).copied().unwrap_or(0)
    }

    /// The networks matching `text` (best first) or all (in name order), of `kind` when
    /// given.
    pub fn search(&self, text: Option<&Query>, kind: Option<NetworkKind>) -> Vec<&Arc<Network>> {
        let compiled: Option<CompiledQuery> = text.map(|q| self.items.dict().compile(q));
        let (candidates, matched) = self.items.candidates(compiled.as_ref());
        let mut hits: Vec<(u32, usize)> = candidates
            .filter(|i| kind.is_none_or(|k| self.items.key(*i).kind == k))
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
        hits.into_iter().map(|(_, i)| &self.items.entry(i).network).collect()
    }
}

fn terms_of(data: &NetworkData, dict: &Dictionary) -> DocTerms {
    dict.document(&[(&data.name, 8), (&data.summary, 2), (&data.description, 1)])
}

fn corrupt(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}"))
}

macro_rules! row_to_network {
    ($row:expr) => {{
        let row = $row;
        let id: String = row.try_get("id")?;
        let data: String = row.try_get("data")?;
        Network {
            id: id.parse().map_err(|_| corrupt("network id", &id))?,
            data: serde_json::from_str(&data).map_err(|_| corrupt("network data", &id))?,
            version: row.try_get("version")?,
            is_demo: row.try_get("is_demo")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }
    }};
}

macro_rules! row_to_membership {
    ($row:expr) => {{
        let row = $row;
        let network: String = row.try_get("network_id")?;
        let place: String = row.try_get("place_id")?;
        let status: String = row.try_get("status")?;
        let user = |v: Option<String>| -> Result<Option<UserId>, StoreError> {
            v.map(|v| v.parse().map_err(|_| corrupt("user id", &v))).transpose()
        };
        Membership {
            network: network.parse().map_err(|_| corrupt("network id", &network))?,
            place: place.parse().map_err(|_| corrupt("place id", &place))?,
            status: MembershipStatus::from_code(&status)
                .ok_or_else(|| corrupt("membership status", &status))?,
            message: row.try_get("message")?,
            asked_by: user(row.try_get("asked_by")?)?,
            asked_at: row.try_get("asked_at")?,
            decided_by: user(row.try_get("decided_by")?)?,
            decided_at: row.try_get("decided_at")?,
            decision_message: row.try_get("decision_message")?,
            version: row.try_get("version")?,
        }
    }};
}

const NETWORK_COLUMNS: &str = "id, data, is_demo, version, created_at, updated_at";
const MEMBERSHIP_COLUMNS: &str = "network_id, place_id, status, message, asked_by, asked_at, decided_by, \
     decided_at, decision_message, version";

/// A coordinator as a network page shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct Coordinator {
    pub user: UserId,
    pub display_name: String,
    pub email: String,
}

impl Store {
    /// The networks' index at the current revision.
    pub async fn network_snapshot(&self) -> Result<Arc<NetworkSnapshot>, StoreError> {
        let revision = self.revision(ContentKind::Networks).await?;
        let store = self.clone();
        KindIndex::snapshot(
            &self.networks,
            revision,
            move |_, _| async move { store.rebuild_networks().await },
        )
        .await
    }

    async fn rebuild_networks(&self) -> Result<NetworkSnapshot, StoreError> {
        let revision = self.revision(ContentKind::Networks).await?;
        let sql = format!("SELECT {NETWORK_COLUMNS} FROM networks");
        let (networks, members) = with_db!(self, pool => {
            let mut networks = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(pool).await? {
                networks.push(row_to_network!(&row));
            }
            let members: Vec<(String, String, String)> =
                sqlx::query_as("SELECT network_id, place_id, status FROM network_members WHERE status <> 'declined'")
                    .fetch_all(pool)
                    .await?;
            (networks, members)
        });
        let dict = Arc::new(Dictionary::new());
        let fresh: Vec<(Arc<NetworkEntry>, NetworkKey)> = networks
            .into_iter()
            .map(|n| {
                let key = NetworkKey { kind: n.data.kind };
                let entry = NetworkEntry {
                    name_folded: maillage_domain::text::fold(&n.data.name),
                    terms: terms_of(&n.data, &dict),
                    network: Arc::new(n),
                };
                (Arc::new(entry), key)
            })
            .collect();
        let items = Items::new(Vec::new(), fresh, dict);
        let mut snapshot = NetworkSnapshot {
            revision,
            position: HashMap::new(),
            children: HashMap::new(),
            members: HashMap::new(),
            of_place: HashMap::new(),
            pending: HashMap::new(),
            items,
        };
        for i in 0..snapshot.items.len() {
            let n = &snapshot.items.entry(i).network;
            snapshot.position.insert(n.id, i);
            if let Some(parent) = n.data.parent {
                snapshot.children.entry(parent).or_default().push(n.id);
            }
        }
        for (network, place, status) in members {
            let network: NetworkId = network.parse().map_err(|_| corrupt("network id", &network))?;
            let place: PlaceId = place.parse().map_err(|_| corrupt("place id", &place))?;
            if status == MembershipStatus::Member.code() {
                snapshot.members.entry(network).or_default().insert(place);
                snapshot.of_place.entry(place).or_default().push(network);
            } else {
                *snapshot.pending.entry(network).or_default() += 1;
            }
        }
        Ok(snapshot)
    }

    /// A network as stored now.
    pub async fn network(&self, id: NetworkId) -> Result<Option<Network>, StoreError> {
        let sql = format!("SELECT {NETWORK_COLUMNS} FROM networks WHERE id = $1");
        with_db!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_network!(&row)), None => None })
        })
    }

    /// The memberships of a network with one of `statuses` (all when empty), oldest first.
    pub async fn memberships_of_network(
        &self,
        network: NetworkId,
        statuses: &[MembershipStatus],
    ) -> Result<Vec<Membership>, StoreError> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM network_members WHERE network_id = $1 ORDER BY asked_at"
        );
        let all = with_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(network.to_string()).fetch_all(pool).await? {
                out.push(row_to_membership!(&row));
            }
            out
        });
        Ok(all
            .into_iter()
            .filter(|m: &Membership| statuses.is_empty() || statuses.contains(&m.status))
            .collect())
    }

    /// Every membership of a place (any status), oldest first.
    pub async fn memberships_of_place(&self, place: PlaceId) -> Result<Vec<Membership>, StoreError> {
        let sql =
            format!("SELECT {MEMBERSHIP_COLUMNS} FROM network_members WHERE place_id = $1 ORDER BY asked_at");
        with_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(place.to_string()).fetch_all(pool).await? {
                out.push(row_to_membership!(&row));
            }
            Ok(out)
        })
    }

    /// The memberships a person asked for (request or invitation) or decided on, oldest
    /// first: their part of the personal-data download.
    pub async fn memberships_by_user(&self, user: UserId) -> Result<Vec<Membership>, StoreError> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM network_members WHERE asked_by = $1 OR decided_by = $1 \
             ORDER BY asked_at, network_id, place_id"
        );
        with_db!(self, pool => {
            let mut out = Vec::new();
            for row in sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(user.to_string()).fetch_all(pool).await? {
                out.push(row_to_membership!(&row));
            }
            Ok(out)
        })
    }

    /// The membership of a place in a network, if any.
    pub async fn membership(
        &self,
        network: NetworkId,
        place: PlaceId,
    ) -> Result<Option<Membership>, StoreError> {
        let sql = format!(
            "SELECT {MEMBERSHIP_COLUMNS} FROM network_members WHERE network_id = $1 AND place_id = $2"
        );
        with_db!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(network.to_string()).bind(place.to_string()).fetch_optional(pool).await?;
            Ok(match row { Some(row) => Some(row_to_membership!(&row)), None => None })
        })
    }

    /// The coordinators of a network (its own, not its parents'), by name.
    pub async fn coordinators(&self, network: NetworkId) -> Result<Vec<Coordinator>, StoreError> {
        let rows: Vec<(String, String, String)> = with_db!(self, pool => {
            sqlx::query_as(
                "SELECT u.id, u.display_name, u.email FROM role_grants g JOIN users u ON u.id = g.user_id \
                 WHERE g.role = 'coordinator' AND g.scope_kind = 'network' AND g.scope_id = $1 \
                 ORDER BY u.display_name, u.email",
            )
            .bind(network.to_string())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(id, display_name, email)| {
                Ok(Coordinator {
                    user: id.parse().map_err(|_| corrupt("user id", &id))?,
                    display_name,
                    email,
                })
            })
            .collect()
    }
}

/// A network's content as the history sees it.
fn content(data: &NetworkData) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(data)? {
        Value::Object(map) => Ok(map),
        _ => Err(StoreError::Corrupt("network data is not an object".into())),
    }
}

impl Tx {
    /// Store a new network, and its creation in the history.
    pub async fn insert_network(&mut self, network: &Network, author: &Author) -> Result<(), StoreError> {
        let data = serde_json::to_string(&network.data)?;
        with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO networks (id, data, name, kind, parent_id, is_demo, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(network.id.to_string())
            .bind(&data)
            .bind(&network.data.name)
            .bind(network.data.kind.code())
            .bind(network.data.parent.map(|p| p.to_string()))
            .bind(network.is_demo)
            .bind(network.version)
            .bind(network.created_at)
            .bind(network.updated_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { e.into() })?;
        });
        self.networks_written += 1;
        let fields = diff(NETWORK_FIELDS, None, &content(&network.data)?);
        self.record_network_change(network, fields, author).await
    }

    /// Replace a network, provided it is still at `expected_version` (else
    /// [`StoreError::Conflict`] with the version stored), with the fields that changed in
    /// the history.
    pub async fn update_network(
        &mut self,
        network: &Network,
        expected_version: i64,
        author: &Author,
    ) -> Result<(), StoreError> {
        let stored: Option<(String, i64)> = with_tx!(self, conn => {
            sqlx::query_as("SELECT data, version FROM networks WHERE id = $1")
                .bind(network.id.to_string())
                .fetch_optional(&mut *conn)
                .await?
        });
        let old: NetworkData = match stored {
            None => return Err(StoreError::NotFound),
            Some((_, current)) if current != expected_version => {
                return Err(StoreError::Conflict { current });
            }
            Some((data, _)) => serde_json::from_str(&data)?,
        };
        let data = serde_json::to_string(&network.data)?;
        let done = with_tx!(self, conn => {
            sqlx::query(
                "UPDATE networks SET data = $1, name = $2, kind = $3, parent_id = $4, version = $5, updated_at = $6 \
                 WHERE id = $7 AND version = $8",
            )
            .bind(&data)
            .bind(&network.data.name)
            .bind(network.data.kind.code())
            .bind(network.data.parent.map(|p| p.to_string()))
            .bind(network.version)
            .bind(network.updated_at)
            .bind(network.id.to_string())
            .bind(expected_version)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if done == 0 {
            let current: Option<i64> = with_tx!(self, conn => {
                sqlx::query_scalar("SELECT version FROM networks WHERE id = $1")
                    .bind(network.id.to_string()).fetch_optional(&mut *conn).await?
            });
            return Err(current.map_or(StoreError::NotFound, |current| StoreError::Conflict { current }));
        }
        self.networks_written += 1;
        let fields = diff(NETWORK_FIELDS, Some(&content(&old)?), &content(&network.data)?);
        self.record_network_change(network, fields, author).await
    }

    async fn record_network_change(
        &mut self,
        network: &Network,
        fields: Vec<maillage_domain::history::FieldChange>,
        author: &Author,
    ) -> Result<(), StoreError> {
        let change = crate::ItemChange {
            kind: KIND_NETWORK,
            item_id: network.id.to_string(),
            version: network.version,
            at: network.updated_at,
            fields,
        };
        self.record_changes(std::slice::from_ref(&change), author).await
    }

    /// Ask for a place to join (or invite it): a new membership, or one declined before
    /// asked again. [`StoreError::Duplicate`] when a request, an invitation or the
    /// membership itself already stands; [`StoreError::NotFound`] when the network or the
    /// place does not exist. Gives the membership's version now.
    pub async fn ask_membership(&mut self, m: &Membership) -> Result<i64, StoreError> {
        let version: Option<i64> = with_tx!(self, conn => {
            sqlx::query(
                "INSERT INTO network_members (network_id, place_id, status, message, asked_by, asked_at, \
                 decided_by, decided_at, decision_message, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, '', 1) \
                 ON CONFLICT (network_id, place_id) DO UPDATE SET status = excluded.status, \
                 message = excluded.message, asked_by = excluded.asked_by, asked_at = excluded.asked_at, \
                 decided_by = NULL, decided_at = NULL, decision_message = '', \
                 version = network_members.version + 1 \
                 WHERE network_members.status = 'declined' RETURNING version",
            )
            .bind(m.network.to_string())
            .bind(m.place.to_string())
            .bind(m.status.code())
            .bind(&m.message)
            .bind(m.asked_by.map(|u| u.to_string()))
            .bind(m.asked_at)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| if is_foreign_key_violation(&e) { StoreError::NotFound } else { StoreError::from(e) })?
            .map(|row| row.try_get::<i64, _>("version"))
            .transpose()?
        });
        let Some(version) = version else { return Err(StoreError::Duplicate("membership")) };
        self.networks_written += 1;
        Ok(version)
    }

    /// Decide on a membership at `expected_version`: accepted (`Member`) or `Declined`,
    /// by `by`, with a message. A decision on a version no longer stored (someone decided
    /// first) is a [`StoreError::Conflict`]; an unknown membership [`StoreError::NotFound`].
    #[allow(clippy::too_many_arguments)] // one decision's parts: grouping them would only rename them
    pub async fn decide_membership(
        &mut self,
        network: NetworkId,
        place: PlaceId,
        expected_version: i64,
        status: MembershipStatus,
        by: Option<UserId>,
        message: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let done = with_tx!(self, conn => {
            sqlx::query(
                "UPDATE network_members SET status = $1, decided_by = $2, decided_at = $3, decision_message = $4, \
                 version = version + 1 WHERE network_id = $5 AND place_id = $6 AND version = $7",
            )
            .bind(status.code())
            .bind(by.map(|u| u.to_string()))
            .bind(at)
            .bind(message)
            .bind(network.to_string())
            .bind(place.to_string())
            .bind(expected_version)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        });
        if done == 0 {
            let current: Option<i64> = with_tx!(self, conn => {
                sqlx::query_scalar("SELECT version FROM network_members WHERE network_id = $1 AND place_id = $2")
                    .bind(network.to_string()).bind(place.to_string()).fetch_optional(&mut *conn).await?
            });
            return Err(current.map_or(StoreError::NotFound, |current| StoreError::Conflict { current }));
        }
        self.networks_written += 1;
        Ok(())
    }

    /// A place leaves a network (or is removed from it); `false` when it was not in it.
    pub async fn remove_membership(
        &mut self,
        network: NetworkId,
        place: PlaceId,
    ) -> Result<bool, StoreError> {
        let done = with_tx!(self, conn => {
            sqlx::query("DELETE FROM network_members WHERE network_id = $1 AND place_id = $2")
                .bind(network.to_string()).bind(place.to_string()).execute(&mut *conn).await?.rows_affected()
        });
        if done > 0 {
            self.networks_written += 1;
        }
        Ok(done > 0)
    }
}
