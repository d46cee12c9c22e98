//! Communities of practice: people (not places) who work on the same questions across
//! networks, like the community of educational tiers-lieux. A community has a profile
//! (scope, expertises, domains, one-sentence summary, objectives, activities), referents
//! who moderate it (a role on the community, see [`crate::roles`]), members who join openly
//! or on approval, and a feed of publications (Markdown, sanitised when shown).

use crate::error::{FieldError, ValidationErrors};
use crate::fields::{Email, WebUrl};
use crate::gazetteer::Gazetteer;
use crate::ids::{CommunityId, PublicationId, UserId};
use crate::messages::Message;
use crate::network::{Area, markdown_text, validate_areas};
use crate::text;
use crate::vocab::Vocabulary;
pub use crate::vocab::{CommunityDomain, CommunityScope, Expertise, JoinPolicy};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest name.
pub const NAME_MAX: usize = 150;
/// Longest one-sentence summary.
pub const SUMMARY_MAX: usize = 300;
/// Longest objectives or activities (Markdown).
pub const TEXT_MAX: usize = 20_000;
/// Most expertises of one's own (beyond the shared list).
pub const OTHER_EXPERTISES_MAX: usize = 10;
/// Longest expertise of one's own.
pub const EXPERTISE_MAX: usize = 60;
/// Longest publication title.
pub const TITLE_MAX: usize = 150;
/// Longest publication body (Markdown).
pub const BODY_MAX: usize = 50_000;
/// Longest message of a request to join, a decision or a removal.
pub const MESSAGE_MAX: usize = 1_000;

/// A community's profile, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommunityData {
    pub name: String,
    pub scope: CommunityScope,
    /// Where it works (régions, départements…); empty: nowhere in particular.
    pub areas: Vec<Area>,
    /// One sentence.
    pub summary: String,
    /// Markdown.
    pub objectives: String,
    /// Markdown.
    pub activities: String,
    pub expertises: Vec<Expertise>,
    /// Expertises of its own, as typed.
    pub other_expertises: Vec<String>,
    pub domains: Vec<CommunityDomain>,
    pub join_policy: JoinPolicy,
    pub email: Option<Email>,
    pub website: Option<WebUrl>,
}

/// A stored community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Community {
    pub id: CommunityId,
    #[serde(flatten)]
    pub data: CommunityData,
    pub version: i64,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a client sends to create or edit a community: raw values, validated by
/// [`CommunityInput::validate`]. Unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityInput {
    pub name: Option<String>,
    pub scope: Option<String>,
    pub areas: Vec<String>,
    pub summary: Option<String>,
    pub objectives: Option<String>,
    pub activities: Option<String>,
    pub expertises: Vec<String>,
    /// Expertises of its own: one per line or comma-separated.
    pub other_expertises: Option<String>,
    pub domains: Vec<String>,
    pub join_policy: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    /// Required when updating: the version being edited.
    pub version: Option<i64>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Codes of a vocabulary as sent, each bad one named (`domains[1]`), duplicates dropped.
fn codes<T: Vocabulary + PartialEq + std::str::FromStr<Err = FieldError>>(
    field: &str,
    raw: &[String],
    e: &mut ValidationErrors,
) -> Vec<T> {
    let mut out = Vec::new();
    for (i, value) in raw.iter().enumerate().filter(|(_, v)| !v.trim().is_empty()) {
        if let Some(t) = e.check(&format!("{field}[{i}]"), value.parse::<T>())
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    out
}

impl CommunityInput {
    /// The input of a stored community (to fill an edit form).
    pub fn of(community: &Community) -> Self {
        let d = &community.data;
        CommunityInput {
            name: Some(d.name.clone()),
            scope: Some(d.scope.code().to_owned()),
            areas: d.areas.iter().map(Area::key).collect(),
            summary: Some(d.summary.clone()),
            objectives: Some(d.objectives.clone()),
            activities: Some(d.activities.clone()),
            expertises: d.expertises.iter().map(|x| x.code().to_owned()).collect(),
            other_expertises: Some(d.other_expertises.join("\n")),
            domains: d.domains.iter().map(|x| x.code().to_owned()).collect(),
            join_policy: Some(d.join_policy.code().to_owned()),
            email: d.email.as_ref().map(|e| e.as_str().to_owned()),
            website: d.website.as_ref().map(|w| w.as_str().to_owned()),
            version: Some(community.version),
        }
    }

    /// Check every field, naming each bad one; areas must exist in the reference geography.
    pub fn validate(&self, gazetteer: &dyn Gazetteer) -> Result<CommunityData, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.check("name", text::required_text(self.name.as_deref(), NAME_MAX));
        let scope = match non_empty(&self.scope) {
            Some(s) => e.check("scope", s.parse::<CommunityScope>()),
            None => {
                e.push(FieldError::required("scope"));
                None
            }
        };
        let areas = validate_areas(&self.areas, gazetteer, &mut e);
        let summary = e.check("summary", text::required_text(self.summary.as_deref(), SUMMARY_MAX));
        let objectives = markdown_text("objectives", self.objectives.as_deref(), TEXT_MAX, &mut e);
        let activities = markdown_text("activities", self.activities.as_deref(), TEXT_MAX, &mut e);
        let expertises = codes::<Expertise>("expertises", &self.expertises, &mut e);
        let domains = codes::<CommunityDomain>("domains", &self.domains, &mut e);
        let mut other_expertises: Vec<String> = Vec::new();
        for raw in self.other_expertises.as_deref().unwrap_or("").split(['\n', ',']) {
            let Some(value) = e.check("other_expertises", text::plain_text(raw, EXPERTISE_MAX)) else {
                continue;
            };
            let folded = text::fold(&value);
            if !value.is_empty() && !other_expertises.iter().any(|o| text::fold(o) == folded) {
                other_expertises.push(value);
            }
        }
        if other_expertises.len() > OTHER_EXPERTISES_MAX {
            e.push(FieldError::new(
                "other_expertises",
                "too_many",
                Message::new("communities.too_many_expertises").with("max", OTHER_EXPERTISES_MAX),
            ));
        }
        let join_policy = match non_empty(&self.join_policy) {
            Some(s) => e.check("join_policy", s.parse::<JoinPolicy>()),
            None => Some(JoinPolicy::Open),
        };
        let email = non_empty(&self.email).and_then(|v| e.check("email", Email::parse(v)));
        let website = non_empty(&self.website).and_then(|v| e.check("website", WebUrl::parse(v)));
        e.into_result()?;
        Ok(CommunityData {
            name: name.unwrap_or_default(),
            scope: scope.unwrap_or(CommunityScope::National),
            areas,
            summary: summary.unwrap_or_default(),
            objectives,
            activities,
            expertises,
            other_expertises,
            domains,
            join_policy: join_policy.unwrap_or(JoinPolicy::Open),
            email,
            website,
        })
    }
}

/// A request to join a community on approval, until a referent decides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub community: CommunityId,
    pub user: UserId,
    pub message: String,
    pub asked_at: DateTime<Utc>,
    /// Moves at each decision: a decision names the version it decides on.
    pub version: i64,
}

/// A publication of a community's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub id: PublicationId,
    pub community: CommunityId,
    /// `None` once the author's account is deleted.
    pub author: Option<UserId>,
    /// The author's name as shown (empty when deleted).
    pub author_name: String,
    pub title: String,
    /// Markdown, sanitised when shown.
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Set when a referent removed it from the feed (with why).
    pub removed_at: Option<DateTime<Utc>>,
    pub removal_reason: String,
    pub is_demo: bool,
}

/// A publication as written: raw values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicationInput {
    pub title: Option<String>,
    pub body: Option<String>,
}

/// A publication's checked parts: its title and its Markdown body.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationText {
    pub title: String,
    pub body: String,
}

impl PublicationInput {
    pub fn validate(&self) -> Result<PublicationText, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = e.check("title", text::required_text(self.title.as_deref(), TITLE_MAX));
        let body = markdown_text("body", self.body.as_deref(), BODY_MAX, &mut e);
        if body.is_empty() && !e.errors.iter().any(|x| x.field == "body") {
            e.push(FieldError::required("body"));
        }
        e.into_result()?;
        Ok(PublicationText { title: title.unwrap_or_default(), body })
    }
}

/// A message of a request, a decision or a removal: plain text within [`MESSAGE_MAX`].
pub fn community_message(field: &str, value: Option<&str>) -> Result<String, ValidationErrors> {
    text::plain_text(value.unwrap_or(""), MESSAGE_MAX).map_err(|e| e.at(field).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gazetteer::CommuneRef;

    struct NoGeography;
    impl Gazetteer for NoGeography {
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
            (area.key() == "region:53").then(|| "Bretagne".to_owned())
        }
    }

    fn input() -> CommunityInput {
        CommunityInput {
            name: Some("Tiers-lieux éducatifs".into()),
            scope: Some("national".into()),
            summary: Some("Les tiers-lieux qui ouvrent leurs portes à l'école.".into()),
            expertises: vec!["co_design".into(), "Mesure d'impact".into(), "co_design".into()],
            domains: vec!["education".into()],
            other_expertises: Some("Pédagogie active, pédagogie ACTIVE\nÉcole du dehors".into()),
            areas: vec!["region:53".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_profile_keeps_known_codes_once_and_its_own_expertises() {
        let data = input().validate(&NoGeography).unwrap();
        assert_eq!(data.expertises, [Expertise::CoDesign, Expertise::ImpactMeasurement]);
        assert_eq!(data.other_expertises, ["Pédagogie active", "École du dehors"]);
        assert_eq!(data.join_policy, JoinPolicy::Open, "open unless said otherwise");
        assert_eq!(data.areas.len(), 1);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = CommunityInput {
            name: Some(" ".into()),
            scope: Some("planetaire".into()),
            summary: None,
            domains: vec!["education".into(), "cuisine".into()],
            areas: vec!["region:99".into()],
            join_policy: Some("tirage".into()),
            email: Some("pas-un-email".into()),
            other_expertises: Some((0..12).map(|i| format!("x{i}")).collect::<Vec<_>>().join(",")),
            ..Default::default()
        };
        let errors = bad.validate(&NoGeography).unwrap_err();
        let mut fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "areas[0]",
                "domains[1]",
                "email",
                "join_policy",
                "name",
                "other_expertises",
                "scope",
                "summary"
            ]
        );
    }

    #[test]
    fn a_publication_needs_a_title_and_a_body() {
        let e = PublicationInput::default().validate().unwrap_err();
        let fields: Vec<&str> = e.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "body"]);
        let ok = PublicationInput {
            title: Some("Retour d'atelier".into()),
            body: Some("**Merci** à tous".into()),
        };
        assert_eq!(ok.validate().unwrap().body, "**Merci** à tous");
        let long = PublicationInput { title: Some("t".into()), body: Some("a".repeat(BODY_MAX + 1)) };
        assert_eq!(long.validate().unwrap_err().errors[0].code, "too_long");
    }
}
