//! One search over every kind of content (`/api/v1/search`): each kind answers with its
//! own index and its own permission rules, and the results come back with a count per kind
//! (facets). Places are the first kind; networks, communities, resources and events join
//! by adding a [`Kind`] and its arm in [`App::search`] — the API and its clients do not
//! change.

use crate::error::AppResult;
use crate::{App, PlaceFilter, PlaceSort};
use maillage_domain::FieldError;
use maillage_domain::messages::Message;
use maillage_domain::user::Actor;
use maillage_search::Query;

/// A kind of content the search covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Place,
    Network,
    Community,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[Kind::Place, Kind::Network, Kind::Community];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Place => "place",
            Kind::Network => "network",
            Kind::Community => "community",
        }
    }

    /// The kind named `code` in a request, or a field error naming the known ones.
    pub fn parse(field: &str, code: &str) -> Result<Kind, FieldError> {
        Kind::ALL.iter().copied().find(|k| k.code() == code.trim()).ok_or_else(|| {
            let known: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
            FieldError::new(
                field,
                "unknown_kind",
                Message::new("search.unknown_kind").with("code", code).with("known", known.join(", ")),
            )
        })
    }
}

/// One result: what a list of results shows, whatever the kind.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Its page on this site.
    pub url: String,
    /// Where it is, for kinds that have a place on the map (a commune name).
    pub location: Option<String>,
}

/// A page of results, best first within each kind, and the count per kind.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SearchResults {
    pub total: u64,
    /// Matches per kind asked for (zero counts included), whatever the page.
    pub facets: Vec<(Kind, u64)>,
    pub hits: Vec<Hit>,
}

/// Longest query accepted (longer is not a search but a paste).
pub const QUERY_MAX: usize = 200;

impl App {
    /// Search `text` in the kinds asked for (every kind when none), as `actor` may see
    /// them: published places for everyone (drafts are found through one's own lists),
    /// every network and every community (both are public).
    /// `offset`/`limit` page the hits across kinds, in the order of [`Kind::ALL`].
    pub async fn search(
        &self,
        _actor: &Actor,
        text: &str,
        kinds: &[Kind],
        offset: u64,
        limit: u64,
    ) -> AppResult<SearchResults> {
        if text.chars().count() > QUERY_MAX {
            return Err(FieldError::new(
                "q",
                "too_long",
                Message::new("search.too_long").with("max", QUERY_MAX),
            )
            .into());
        }
        let query = Query::parse(text);
        if query.is_empty() {
            return Err(FieldError::new("q", "required", Message::new("search.required")).into());
        }
        let kinds: &[Kind] = if kinds.is_empty() { Kind::ALL } else { kinds };
        let limit = limit.clamp(1, crate::places::MAX_PAGE_SIZE);
        let (mut skip, mut room) = (offset, limit);
        let mut results = SearchResults { total: 0, facets: Vec::new(), hits: Vec::new() };
        for kind in Kind::ALL.iter().copied().filter(|k| kinds.contains(k)) {
            let count = match kind {
                Kind::Place => {
                    let filter = PlaceFilter {
                        text: Some(query.clone()),
                        sort: PlaceSort::Relevance,
                        ..PlaceFilter::default()
                    };
                    // Published only, whoever asks: `list_places` applies the rules.
                    let page = self.list_places(&Actor::Anonymous, filter, skip, room.max(1)).await?;
                    let shown = if room == 0 { 0 } else { page.places.len() as u64 };
                    results.hits.extend(page.places.iter().take(shown as usize).map(|p| Hit {
                        kind,
                        id: p.id.to_string(),
                        title: p.data.name.clone(),
                        summary: p.data.summary.clone(),
                        url: format!("/lieux/{}", p.id),
                        location: Some(p.data.commune_name.clone()),
                    }));
                    room -= shown.min(room);
                    page.total
                }
                Kind::Network => {
                    let filter =
                        crate::networks::NetworkFilter { text: Some(text.to_owned()), ..Default::default() };
                    let found = self.networks(&filter).await?;
                    room -= take_page(&mut results.hits, &found, skip, room, |n| Hit {
                        kind,
                        id: n.id.to_string(),
                        title: n.name.clone(),
                        summary: n.summary.clone(),
                        url: format!("/reseaux/{}", n.id),
                        location: area_names(&n.areas),
                    });
                    found.len() as u64
                }
                Kind::Community => {
                    let filter = crate::communities::CommunityFilter {
                        text: Some(text.to_owned()),
                        ..Default::default()
                    };
                    let found = self.communities(&filter).await?;
                    room -= take_page(&mut results.hits, &found, skip, room, |c| Hit {
                        kind,
                        id: c.id.to_string(),
                        title: c.name.clone(),
                        summary: c.summary.clone(),
                        url: format!("/communautes/{}", c.id),
                        location: area_names(&c.areas),
                    });
                    found.len() as u64
                }
            };
            skip = skip.saturating_sub(count);
            results.total += count;
            results.facets.push((kind, count));
        }
        Ok(results)
    }
}

/// Adds the hits of `found` past `skip`, at most `room` of them; gives how many it added.
fn take_page<T>(hits: &mut Vec<Hit>, found: &[T], skip: u64, room: u64, hit: impl Fn(&T) -> Hit) -> u64 {
    let before = hits.len();
    hits.extend(
        found
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(room).unwrap_or(0))
            .map(hit),
    );
    (hits.len() - before) as u64
}

/// Where a network or a community works: its areas' names (none: all of France).
fn area_names(areas: &[crate::networks::AreaView]) -> Option<String> {
    (!areas.is_empty()).then(|| areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "))
}
