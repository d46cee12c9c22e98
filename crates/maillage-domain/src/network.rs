//! Networks of places: the national council of tiers-lieux, its regional and departmental
//! networks, thematic networks. A network has a territory (régions, départements, EPCI,
//! communes of the reference geography), may have a parent (a tree: national → regional →
//! departmental), coordinators (a role on the network, see [`crate::roles`]) and member
//! places, which ask to join or are invited, and which the coordinators accept or decline.

use crate::error::{FieldError, ValidationErrors};
use crate::fields::{Email, WebUrl};
use crate::gazetteer::Gazetteer;
use crate::ids::{NetworkId, PlaceId, UserId};
use crate::messages::Message;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Longest name.
pub const NAME_MAX: usize = 150;
/// Longest one-sentence summary.
pub const SUMMARY_MAX: usize = 300;
/// Longest description (Markdown).
pub const DESCRIPTION_MAX: usize = 20_000;
/// Most areas in a territory (a network of communes lists them one by one).
pub const AREAS_MAX: usize = 500;
/// Longest area key (`commune:75056`, `epci:200046977`).
pub const AREA_MAX: usize = 30;
/// Longest message of a membership request or decision.
pub const MESSAGE_MAX: usize = 1_000;

/// What a network covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    National,
    Regional,
    Departmental,
    Thematic,
}

impl NetworkKind {
    pub const ALL: [NetworkKind; 4] =
        [NetworkKind::National, NetworkKind::Regional, NetworkKind::Departmental, NetworkKind::Thematic];

    pub fn code(self) -> &'static str {
        match self {
            NetworkKind::National => "national",
            NetworkKind::Regional => "regional",
            NetworkKind::Departmental => "departmental",
            NetworkKind::Thematic => "thematic",
        }
    }

    /// Its label, as a catalogue key (`networks.kind.national`…).
    pub fn label_key(self) -> &'static str {
        match self {
            NetworkKind::National => "networks.kind.national",
            NetworkKind::Regional => "networks.kind.regional",
            NetworkKind::Departmental => "networks.kind.departmental",
            NetworkKind::Thematic => "networks.kind.thematic",
        }
    }
}

impl FromStr for NetworkKind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        NetworkKind::ALL.into_iter().find(|k| k.code() == s).ok_or_else(|| {
            FieldError::new(
                "kind",
                "unknown",
                Message::new("networks.unknown_kind")
                    .with("value", s)
                    .with("known", "national, regional, departmental, thematic"),
            )
        })
    }
}

/// The level of an [`Area`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AreaLevel {
    Region,
    Departement,
    /// By SIREN.
    Epci,
    /// By INSEE code (a city with arrondissements stands for all of them).
    Commune,
}

impl AreaLevel {
    pub const ALL: [AreaLevel; 4] =
        [AreaLevel::Region, AreaLevel::Departement, AreaLevel::Epci, AreaLevel::Commune];

    pub fn code(self) -> &'static str {
        match self {
            AreaLevel::Region => "region",
            AreaLevel::Departement => "departement",
            AreaLevel::Epci => "epci",
            AreaLevel::Commune => "commune",
        }
    }
}

/// A part of the reference geography, typed: régions and départements share codes (`53`
/// is Bretagne and Mayenne), so an area always says its level: `region:53`,
/// `departement:53`, `epci:200046977`, `commune:42218`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Area {
    pub level: AreaLevel,
    pub code: String,
}

impl Area {
    pub fn new(level: AreaLevel, code: impl Into<String>) -> Self {
        Area { level, code: code.into() }
    }
    pub fn key(&self) -> String {
        format!("{}:{}", self.level.code(), self.code)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.level.code(), self.code)
    }
}

/// `level:code`; the code is upper-cased (`departement:2a` is Corse-du-Sud). Whether it
/// exists is the reference geography's business ([`Gazetteer::area_name`]).
impl FromStr for Area {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        let bad = || {
            FieldError::new(
                "",
                "invalid_area",
                Message::new("networks.invalid_area")
                    .with("value", s.chars().take(AREA_MAX).collect::<String>()),
            )
        };
        let (level, code) = s.split_once(':').ok_or_else(bad)?;
        let level = AreaLevel::ALL.into_iter().find(|l| l.code() == level.trim()).ok_or_else(bad)?;
        let code = code.trim().to_ascii_uppercase();
        if code.is_empty() || code.len() > 12 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        Ok(Area { level, code })
    }
}

impl TryFrom<String> for Area {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        s.parse()
    }
}

impl From<Area> for String {
    fn from(a: Area) -> String {
        a.key()
    }
}

/// A network's content, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkData {
    pub name: String,
    pub kind: NetworkKind,
    /// Its territory; empty: all of France.
    pub areas: Vec<Area>,
    pub parent: Option<NetworkId>,
    /// One sentence.
    pub summary: String,
    /// Markdown, sanitised when shown.
    pub description: String,
    pub email: Option<Email>,
    pub website: Option<WebUrl>,
    /// A logo, by its address (shown at most 160 px wide).
    pub logo_url: Option<WebUrl>,
}

/// A stored network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Network {
    pub id: NetworkId,
    #[serde(flatten)]
    pub data: NetworkData,
    pub version: i64,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a client sends to create or edit a network: raw values, validated by
/// [`NetworkInput::validate`]. Unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    /// Area keys (`region:53`, `departement:29`…).
    pub areas: Vec<String>,
    /// The parent network's id.
    pub parent: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    /// Required when updating: the version being edited.
    pub version: Option<i64>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl NetworkInput {
    /// The input of a stored network (to fill an edit form).
    pub fn of(network: &Network) -> Self {
        let d = &network.data;
        NetworkInput {
            name: Some(d.name.clone()),
            kind: Some(d.kind.code().to_owned()),
            areas: d.areas.iter().map(Area::key).collect(),
            parent: d.parent.map(|p| p.to_string()),
            summary: Some(d.summary.clone()),
            description: Some(d.description.clone()),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            website: d.website.as_ref().map(|w| w.as_str().to_owned()),
            logo_url: d.logo_url.as_ref().map(|w| w.as_str().to_owned()),
            version: Some(network.version),
        }
    }

    /// Check every field, naming each bad one. Areas must exist in the reference geography;
    /// whether the parent exists and makes no cycle is the caller's (it needs the store).
    pub fn validate(&self, gazetteer: &dyn Gazetteer) -> Result<NetworkData, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.check("name", text::required_text(self.name.as_deref(), NAME_MAX));
        let kind = match non_empty(&self.kind) {
            Some(k) => e.check("kind", k.parse::<NetworkKind>()),
            None => {
                e.push(FieldError::required("kind"));
                None
            }
        };
        let areas = validate_areas(&self.areas, gazetteer, &mut e);
        if let Some(kind) = kind
            && matches!(kind, NetworkKind::Regional | NetworkKind::Departmental)
            && areas.is_empty()
            && !e.errors.iter().any(|x| x.field.starts_with("areas"))
        {
            e.push(FieldError::new(
                "areas",
                "required",
                Message::new("networks.areas_required").with_message("kind", Message::new(kind.label_key())),
            ));
        }
        let parent = match non_empty(&self.parent) {
            Some(p) => match p.parse::<NetworkId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    e.push(FieldError::new("parent", "unknown", Message::new("networks.unknown_parent")));
                    None
                }
            },
            None => None,
        };
        let summary =
            e.check("summary", text::plain_text(self.summary.as_deref().unwrap_or(""), SUMMARY_MAX));
        let description = markdown_text("description", self.description.as_deref(), DESCRIPTION_MAX, &mut e);
        let email = non_empty(&self.email).and_then(|v| e.check("email", Email::parse(v)));
        let website = non_empty(&self.website).and_then(|v| e.check("website", WebUrl::parse(v)));
        let logo_url = non_empty(&self.logo_url).and_then(|v| e.check("logo_url", WebUrl::parse(v)));
        e.into_result()?;
        Ok(NetworkData {
            name: name.unwrap_or_default(),
            kind: kind.unwrap_or(NetworkKind::Thematic),
            areas,
            parent,
            summary: summary.unwrap_or_default(),
            description,
            email,
            website,
            logo_url,
        })
    }
}

/// Area keys as sent (`region:53`…), checked against the reference geography: each bad one
/// is named (`areas[2]`), duplicates are dropped, blanks ignored.
pub(crate) fn validate_areas(
    raw_areas: &[String],
    gazetteer: &dyn Gazetteer,
    e: &mut ValidationErrors,
) -> Vec<Area> {
    let mut areas: Vec<Area> = Vec::new();
    if raw_areas.len() > AREAS_MAX {
        e.push(FieldError::new(
            "areas",
            "too_many",
            Message::new("networks.too_many_areas").with("max", AREAS_MAX),
        ));
        return areas;
    }
    for (i, raw) in raw_areas.iter().enumerate().filter(|(_, v)| !v.trim().is_empty()) {
        let field = format!("areas[{i}]");
        if raw.chars().count() > AREA_MAX {
            e.push(FieldError::new(&field, "too_long", Message::new("text.too_long").with("max", AREA_MAX)));
            continue;
        }
        let Some(area) = e.check(&field, raw.parse::<Area>()) else { continue };
        if gazetteer.area_name(&area).is_none() {
            e.push(FieldError::new(
                &field,
                "unknown_area",
                Message::new("networks.unknown_area").with("area", area.key()),
            ));
        } else if !areas.contains(&area) {
            areas.push(area);
        }
    }
    areas
}

/// A Markdown text of at most `max` characters (trimmed), or the field's error.
pub(crate) fn markdown_text(
    field: &str,
    value: Option<&str>,
    max: usize,
    e: &mut ValidationErrors,
) -> String {
    // A browser sends a text area's line breaks as CRLF: stored as LF.
    let text = value.unwrap_or("").trim().replace("\r\n", "\n");
    if text::check_length(&text, max).is_err() {
        e.push(FieldError::new(field, "too_long", Message::new("text.too_long").with("max", max)));
    } else {
        e.check(field, text::check_characters(&text, text::Lines::Multi));
    }
    text
}

/// Where a place stands with a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MembershipStatus {
    /// The place asked to join; its coordinators decide.
    Requested,
    /// A coordinator invited the place; its managers decide.
    Invited,
    Member,
    /// The request or the invitation was declined (with the decision's message).
    Declined,
}

impl MembershipStatus {
    pub fn code(self) -> &'static str {
        match self {
            MembershipStatus::Requested => "requested",
            MembershipStatus::Invited => "invited",
            MembershipStatus::Member => "member",
            MembershipStatus::Declined => "declined",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [
            MembershipStatus::Requested,
            MembershipStatus::Invited,
            MembershipStatus::Member,
            MembershipStatus::Declined,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
    /// Still waiting for a decision.
    pub fn is_pending(self) -> bool {
        matches!(self, MembershipStatus::Requested | MembershipStatus::Invited)
    }
}

/// A place's membership of a network, with who asked and who decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    pub network: NetworkId,
    pub place: PlaceId,
    pub status: MembershipStatus,
    /// The request's or the invitation's message.
    pub message: String,
    pub asked_by: Option<UserId>,
    pub asked_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was accepted or declined.
    pub decision_message: String,
    /// Moves at each decision: a decision names the version it decides on.
    pub version: i64,
}

/// A membership message: plain text within [`MESSAGE_MAX`], possibly empty.
pub fn membership_message(field: &str, value: Option<&str>) -> Result<String, ValidationErrors> {
    text::plain_text(value.unwrap_or(""), MESSAGE_MAX).map_err(|e| e.at(field).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::CommuneRef;

    struct Bretagne;
    impl Gazetteer for Bretagne {
        fn commune(&self, _: &str) -> Option<CommuneRef> {
            None
        }
        fn communes_by_postal_code(&self, _: &str) -> Vec<CommuneRef> {
            Vec::new()
        }
        fn resolve(&self, _: &str, _: &str) -> Option<CommuneRef> {
            None
        }
        fn area_name(&self, area: &Area) -> Option<String> {
            match (area.level, area.code.as_str()) {
                (AreaLevel::Region, "53") => Some("Bretagne".into()),
                (AreaLevel::Departement, "53") => Some("Mayenne".into()),
                (AreaLevel::Departement, "29") => Some("Finistère".into()),
                _ => None,
            }
        }
    }

    fn input(kind: &str, areas: &[&str]) -> NetworkInput {
        NetworkInput {
            name: Some("Réseau breton".into()),
            kind: Some(kind.into()),
            areas: areas.iter().map(|a| (*a).to_owned()).collect(),
            ..NetworkInput::default()
        }
    }

    #[test]
    fn areas_say_their_level_so_that_a_region_and_a_departement_of_the_same_code_differ() {
        let data =
            input("regional", &["region:53", " departement:29 ", "region:53"]).validate(&Bretagne).unwrap();
        assert_eq!(
            data.areas,
            vec![Area::new(AreaLevel::Region, "53"), Area::new(AreaLevel::Departement, "29")]
        );
        assert_ne!("region:53".parse::<Area>().unwrap(), "departement:53".parse::<Area>().unwrap());
        assert_eq!("departement:2a".parse::<Area>().unwrap().key(), "departement:2A");
    }

    #[test]
    fn an_area_without_level_or_unknown_is_refused_on_its_field() {
        let errors = input("regional", &["53", "region:99", "planete:1"]).validate(&Bretagne).unwrap_err();
        let codes: Vec<(&str, &str)> = errors.errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![("areas[0]", "invalid_area"), ("areas[1]", "unknown_area"), ("areas[2]", "invalid_area")]
        );
        assert!(errors.errors[1].message_fr().contains("region:99"), "{}", errors.errors[1].message_fr());
    }

    #[test]
    fn a_regional_network_needs_a_territory_and_a_national_one_does_not() {
        let errors = input("regional", &[]).validate(&Bretagne).unwrap_err();
        assert_eq!(errors.errors[0].field, "areas");
        assert_eq!(errors.errors[0].code, "required");
        assert!(input("national", &[]).validate(&Bretagne).is_ok());
        assert!(input("thematic", &[]).validate(&Bretagne).is_ok());
    }

    #[test]
    fn bad_fields_are_all_named() {
        let mut bad = input("galactic", &[]);
        bad.name = Some("  ".into());
        bad.email = Some("pas-une-adresse".into());
        bad.website = Some("javascript:alert(1)".into());
        bad.parent = Some("pas-un-id".into());
        let errors = bad.validate(&Bretagne).unwrap_err();
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "kind", "parent", "email", "website"]);
    }

    #[test]
    fn an_input_round_trips_through_a_stored_network() {
        let data = input("departmental", &["departement:29"]).validate(&Bretagne).unwrap();
        let network = Network {
            id: NetworkId::new(),
            data: data.clone(),
            version: 3,
            is_demo: false,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let again = NetworkInput::of(&network);
        assert_eq!(again.version, Some(3));
        assert_eq!(again.validate(&Bretagne).unwrap(), data);
    }
}
