//! Contribution and moderation as use cases: proposing an edit of a place, reporting a
//! problem, the moderation queue of the person asking (the items of the places they answer
//! for: as a manager, as a coordinator of one of its networks, as an administrator), and
//! the decisions on them.
//!
//! Accepting a proposal edits the place at the version it was proposed on, in the same
//! unit of work as the decision: a place changed since is a conflict and nothing is
//! written. The history credits the proposer with the change. Nobody decides on their own
//! proposal.

use crate::error::{AppError, AppResult};
use crate::permissions::Action;
use crate::{App, PlaceFilter};
use chrono::Utc;
use maillage_domain::history::{Author, PLACE_FIELDS, diff};
use maillage_domain::messages::Message;
use maillage_domain::moderation::{
    ItemStatus, ModerationId, Proposal, Report, ReportKind, moderation_message,
};
use maillage_domain::place::FarLocation;
use maillage_domain::user::Actor;
use maillage_domain::{FieldError, Place, PlaceId, PlaceInput, PlaceStatus};
use serde::Serialize;
use serde_json::{Map, Value};

/// Drafts listed in an administrator's queue.
pub const DRAFTS_SHOWN: u64 = 50;

/// One field a proposal changes: its value now and the one proposed (as JSON values).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposedChange {
    pub field: String,
    pub current: Value,
    pub proposed: Value,
}

/// A proposal in a queue.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub proposal: Proposal,
    pub place_name: String,
    pub proposer_name: String,
    /// The fields it changes, against the place as it is now.
    pub changes: Vec<ProposedChange>,
    /// The place changed since the proposal was made: accepting it is a conflict.
    pub stale: bool,
    /// The person looking made it (and may not decide on it).
    pub own: bool,
}

/// A report in a queue.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub report: Report,
    pub place_name: String,
}

/// What waits for the person asking.
#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub proposals: Vec<ProposalView>,
    pub reports: Vec<ReportView>,
    /// Drafts waiting to be published (for those who publish any place), newest first.
    pub drafts: Vec<Place>,
    pub drafts_total: u64,
}

impl Queue {
    pub fn is_empty(&self) -> bool {
        self.proposals.is_empty() && self.reports.is_empty() && self.drafts.is_empty()
    }
}

fn content(data: &maillage_domain::place::PlaceData, status: PlaceStatus) -> AppResult<Map<String, Value>> {
    let mut map = match serde_json::to_value(data).map_err(|e| AppError::failed("place content", e))? {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.insert("status".into(), Value::String(status.code().into()));
    Ok(map)
}

impl App {
    /// Propose an edit of a place one may see but does not answer for. The input is the
    /// whole form, checked now as an edit would be; its status is not part of it.
    pub async fn propose_edit(
        &self,
        actor: &Actor,
        place: PlaceId,
        input: &PlaceInput,
        message: Option<&str>,
    ) -> AppResult<Proposal> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let current = self.place(actor, place).await?;
        let resource = self.resource_of(&current).await?;
        crate::permissions::require(actor, Action::ProposeEdit, &resource)?;
        let base_version = input.version.unwrap_or(current.version);
        if base_version != current.version {
            return Err(AppError::Conflict { current: current.version });
        }
        if actor.can(Action::Edit, &resource) {
            return Err(FieldError::new("place", "may_edit", Message::new("moderation.edit_directly")).into());
        }
        let message = moderation_message("message", message, false)?;
        let mut input = input.clone();
        input.status = None;
        input.version = Some(base_version);
        let (data, _) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        if diff(
            PLACE_FIELDS,
            Some(&content(&current.data, current.status)?),
            &content(&data, current.status)?,
        )
        .is_empty()
        {
            return Err(
                FieldError::new("place", "unchanged", Message::new("moderation.nothing_changed")).into()
            );
        }
        let proposal = Proposal {
            id: ModerationId::new(),
            place,
            base_version,
            input,
            message,
            proposer: Some(user.id),
            status: ItemStatus::Open,
            decided_by: None,
            decided_at: None,
            reason: String::new(),
            created_at: Utc::now(),
            version: 1,
        };
        let mut tx = self.store.transaction().await?;
        tx.insert_proposal(&proposal).await?;
        tx.commit().await?;
        tracing::info!(place = %place, proposal = %proposal.id, "edit proposed");
        Ok(proposal)
    }

    /// Report a problem with a place anyone may see (visitors too).
    pub async fn report_problem(
        &self,
        actor: &Actor,
        place: PlaceId,
        kind: &str,
        message: Option<&str>,
    ) -> AppResult<Report> {
        let current = self.place(actor, place).await?;
        let kind: ReportKind = kind.parse()?;
        // "Other" says nothing without a message.
        let message = moderation_message("message", message, kind == ReportKind::Other)?;
        let report = Report {
            id: ModerationId::new(),
            place: current.id,
            kind,
            message,
            reporter: actor.user().map(|u| u.id),
            status: ItemStatus::Open,
            decided_by: None,
            decided_at: None,
            note: String::new(),
            created_at: Utc::now(),
            version: 1,
        };
        let mut tx = self.store.transaction().await?;
        tx.insert_report(&report).await?;
        tx.commit().await?;
        tracing::info!(place = %place, report = %report.id, kind = kind.code(), "problem reported");
        Ok(report)
    }

    /// Whether the actor answers for the place (and so moderates its items).
    async fn answers_for(&self, actor: &Actor, place: &Place) -> AppResult<bool> {
        Ok(actor.can(Action::Edit, &self.resource_of(place).await?))
    }

    /// What waits for the person asking: the open proposals and reports of the places they
    /// answer for, oldest first, and (for those who publish any place) the drafts.
    pub async fn moderation_queue(&self, actor: &Actor) -> AppResult<Queue> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let mut proposals = Vec::new();
        for p in self.store.open_proposals().await? {
            let Some(place) = self.store.place(p.place).await? else { continue };
            if !self.answers_for(actor, &place).await? {
                continue;
            }
            proposals.push(self.proposal_view(user.id, p, &place).await?);
        }
        let mut reports = Vec::new();
        for r in self.store.open_reports().await? {
            let Some(place) = self.store.place(r.place).await? else { continue };
            if self.answers_for(actor, &place).await? {
                reports.push(ReportView { place_name: place.data.name.clone(), report: r });
            }
        }
        let (mut drafts, mut drafts_total) = (Vec::new(), 0);
        if actor.can(Action::Publish, &maillage_domain::roles::Resource::Platform) {
            let filter = PlaceFilter {
                statuses: vec![PlaceStatus::Draft],
                sort: crate::PlaceSort::Updated,
                ..PlaceFilter::default()
            };
            let page = self.list_places(actor, filter, 0, DRAFTS_SHOWN).await?;
            drafts_total = page.total;
            drafts = page.places.iter().map(|p| Place::clone(p)).collect();
        }
        Ok(Queue { proposals, reports, drafts, drafts_total })
    }

    async fn proposal_view(
        &self,
        viewer: maillage_domain::UserId,
        p: Proposal,
        place: &Place,
    ) -> AppResult<ProposalView> {
        let proposer_name = match p.proposer {
            Some(id) => self.store.user(id).await?.map(|r| r.user.display_name).unwrap_or_default(),
            None => String::new(),
        };
        // A proposal that no longer validates (the reference data changed) shows no changes.
        let changes = match p.input.validate(self.reference, FarLocation::RefuseUnlessConfirmed) {
            Ok((data, _)) => {
                diff(PLACE_FIELDS, Some(&content(&place.data, place.status)?), &content(&data, place.status)?)
                    .into_iter()
                    .map(|c| ProposedChange { field: c.field, current: c.old, proposed: c.new })
                    .collect()
            }
            Err(_) => Vec::new(),
        };
        Ok(ProposalView {
            place_name: place.data.name.clone(),
            proposer_name,
            stale: place.version != p.base_version,
            own: p.proposer == Some(viewer),
            changes,
            proposal: p,
        })
    }

    /// Accept (the edit is applied) or reject (with a reason) a proposal, at the version
    /// shown. Those who answer for the place decide, never the proposer.
    pub async fn decide_proposal(
        &self,
        actor: &Actor,
        id: ModerationId,
        accept: bool,
        version: i64,
        reason: Option<&str>,
    ) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let proposal = self.store.proposal(id).await?.ok_or(AppError::NotFound)?;
        let place = self.store.place(proposal.place).await?.ok_or(AppError::NotFound)?;
        if !self.answers_for(actor, &place).await? {
            return Err(AppError::Forbidden);
        }
        if proposal.proposer == Some(user.id) {
            return Err(FieldError::new("proposal", "own", Message::new("moderation.own_proposal")).into());
        }
        if proposal.status != ItemStatus::Open {
            return Err(AppError::Conflict { current: proposal.version });
        }
        let reason = moderation_message("reason", reason, !accept)?;
        let now = Utc::now();
        let mut tx = self.store.transaction().await?;
        if accept {
            if place.version != proposal.base_version {
                return Err(
                    FieldError::new("proposal", "stale", Message::new("moderation.stale_proposal")).into()
                );
            }
            let (data, _) = proposal.input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
            let edited =
                Place { data, version: proposal.base_version + 1, updated_at: now, ..Place::clone(&place) };
            // The change is the proposer's; the decision is the moderator's.
            let author = match proposal.proposer {
                Some(pid) => match self.store.user(pid).await? {
                    Some(r) => Author::Person { id: pid, name: r.user.display_name },
                    None => crate::history::author_of(actor),
                },
                None => crate::history::author_of(actor),
            };
            tx.update_place(&edited, proposal.base_version, &author).await?;
        }
        let status = if accept { ItemStatus::Accepted } else { ItemStatus::Rejected };
        tx.decide_proposal(id, version, status, user.id, &reason, now).await?;
        tx.commit().await?;
        tracing::info!(proposal = %id, accept, "proposal decided");
        Ok(())
    }

    /// Close a report: fixed (`resolved`) or dismissed, with a note, at the version shown.
    pub async fn decide_report(
        &self,
        actor: &Actor,
        id: ModerationId,
        resolved: bool,
        version: i64,
        note: Option<&str>,
    ) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        let report = self.store.report(id).await?.ok_or(AppError::NotFound)?;
        let place = self.store.place(report.place).await?.ok_or(AppError::NotFound)?;
        if !self.answers_for(actor, &place).await? {
            return Err(AppError::Forbidden);
        }
        let note = moderation_message("note", note, false)?;
        let status = if resolved { ItemStatus::Accepted } else { ItemStatus::Rejected };
        let mut tx = self.store.transaction().await?;
        tx.decide_report(id, version, status, user.id, &note, Utc::now()).await?;
        tx.commit().await?;
        tracing::info!(report = %id, resolved, "report decided");
        Ok(())
    }
}

/// A pair of places that look like one, as a queue shows it.
#[derive(Debug, Clone)]
pub struct DuplicatePair {
    pub a: std::sync::Arc<Place>,
    pub b: std::sync::Arc<Place>,
    pub similarity: maillage_domain::duplicates::Similarity,
}

/// Potential duplicates found at one revision of the places.
#[derive(Debug, Default)]
pub(crate) struct DuplicatesCache(std::sync::Mutex<Option<(i64, std::sync::Arc<Vec<DuplicatePair>>)>>);

impl App {
    /// Every pair of places (published or drafts) that look like one, best first, without
    /// those marked "not a duplicate": computed once per revision of the places.
    pub async fn detect_duplicates(&self) -> AppResult<std::sync::Arc<Vec<DuplicatePair>>> {
        let revision = self.store.places_revision().await?;
        if let Some((at, pairs)) = &*self.duplicates.0.lock().unwrap_or_else(|p| p.into_inner())
            && *at == revision
        {
            return Ok(std::sync::Arc::clone(pairs));
        }
        let pairs = std::sync::Arc::new(self.detect_duplicates_fresh().await?);
        *self.duplicates.0.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((revision, std::sync::Arc::clone(&pairs)));
        Ok(pairs)
    }

    /// [`App::detect_duplicates`] without the cache (what the first visit after a change
    /// pays; measured by the benchmarks).
    pub async fn detect_duplicates_fresh(&self) -> AppResult<Vec<DuplicatePair>> {
        let filter = PlaceFilter {
            statuses: vec![PlaceStatus::Published, PlaceStatus::Draft],
            ..PlaceFilter::default()
        };
        let wanted = self.store.place_versions(&filter).await?;
        let known = self.store.not_duplicates().await?;
        let mut reader = self.store.place_reader(wanted, tokio::runtime::Handle::current());
        tokio::task::spawn_blocking(move || {
            let places: Vec<std::sync::Arc<Place>> = reader.by_ref().collect();
            if let Some(e) = reader.error() {
                return Err(AppError::from(e));
            }
            let candidates: Vec<maillage_domain::duplicates::Candidate> =
                places.iter().map(|p| maillage_domain::duplicates::Candidate::from(p.as_ref())).collect();
            Ok(maillage_domain::duplicates::find_duplicates(&candidates)
                .into_iter()
                .filter(|(i, j, _)| {
                    let (a, b) = (places[*i].id, places[*j].id);
                    let key = if a.to_string() < b.to_string() { (a, b) } else { (b, a) };
                    !known.contains(&key)
                })
                .map(|(i, j, similarity)| DuplicatePair {
                    a: std::sync::Arc::clone(&places[i]),
                    b: std::sync::Arc::clone(&places[j]),
                    similarity,
                })
                .collect())
        })
        .await
        .map_err(|e| AppError::failed("duplicates", e))?
    }

    /// The potential duplicates the actor answers for (one place of the pair at least).
    pub async fn potential_duplicates(&self, actor: &Actor) -> AppResult<Vec<DuplicatePair>> {
        actor.user().ok_or(AppError::Unauthenticated)?;
        let mut out = Vec::new();
        for pair in self.detect_duplicates().await?.iter() {
            if self.answers_for(actor, &pair.a).await? || self.answers_for(actor, &pair.b).await? {
                out.push(pair.clone());
            }
        }
        Ok(out)
    }

    /// Remember that two places are not duplicates (someone who answers for both).
    pub async fn mark_not_duplicates(&self, actor: &Actor, a: PlaceId, b: PlaceId) -> AppResult<()> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if a == b {
            return Err(FieldError::new("b", "same", Message::new("moderation.same_place")).into());
        }
        for id in [a, b] {
            let place = self.store.place(id).await?.ok_or(AppError::NotFound)?;
            if !self.answers_for(actor, &place).await? {
                return Err(AppError::Forbidden);
            }
        }
        let mut tx = self.store.transaction().await?;
        tx.mark_not_duplicates(a, b, user.id, Utc::now()).await?;
        tx.commit().await?;
        // The cache holds pairs of this revision: forget it so that the pair goes at once.
        *self.duplicates.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
        tracing::info!(a = %a, b = %b, "not duplicates");
        Ok(())
    }
}

/// The fields a merge picks one by one (the place's content as the form has it).
pub const MERGE_FIELDS: &[&str] = &[
    "name",
    "types",
    "summary",
    "description",
    "address",
    "postal_code",
    "commune_code",
    "siret",
    "rna",
    "services",
    "equipment",
    "opening_hours",
    "publics",
    "support",
    "fees",
    "access_modes",
    "accessibility_url",
    "labels",
    "email",
    "phone",
    "website",
];

impl App {
    /// Merge two records of the same place: `keep` stays (its id, its page) with, for each
    /// field of [`MERGE_FIELDS`] named in `from_other`, the other's value; the other's
    /// networks, managers, proposals, reports and history move to it and its address leads
    /// to it. One unit of work: a place edited since it was shown (`keep_version`,
    /// `other_version`) is a conflict and nothing changes.
    pub async fn merge_places(
        &self,
        actor: &Actor,
        keep: PlaceId,
        keep_version: i64,
        other: PlaceId,
        other_version: i64,
        from_other: &[String],
    ) -> AppResult<Place> {
        let user = actor.user().ok_or(AppError::Unauthenticated)?;
        if keep == other {
            return Err(FieldError::new("b", "same", Message::new("moderation.same_place")).into());
        }
        let kept = self.store.place(keep).await?.ok_or(AppError::NotFound)?;
        let dropped = self.store.place(other).await?.ok_or(AppError::NotFound)?;
        for p in [&kept, &dropped] {
            if !self.answers_for(actor, p).await? {
                return Err(AppError::Forbidden);
            }
        }
        if kept.version != keep_version {
            return Err(AppError::Conflict { current: kept.version });
        }
        if dropped.version != other_version {
            return Err(AppError::Conflict { current: dropped.version });
        }
        if let Some(bad) = from_other.iter().find(|f| !MERGE_FIELDS.contains(&f.as_str())) {
            return Err(FieldError::new(
                "fields",
                "unknown",
                Message::new("moderation.unknown_field").with("field", bad),
            )
            .into());
        }
        let mut input =
            serde_json::to_value(PlaceInput::from(&kept)).map_err(|e| AppError::failed("merge", e))?;
        let theirs =
            serde_json::to_value(PlaceInput::from(&dropped)).map_err(|e| AppError::failed("merge", e))?;
        for field in from_other {
            input[field.as_str()] = theirs[field.as_str()].clone();
            if field == "address" || field == "commune_code" || field == "postal_code" {
                // The point goes with the address.
                for f in ["latitude", "longitude", "commune_name"] {
                    input[f] = theirs[f].clone();
                }
            }
        }
        let mut input: PlaceInput =
            serde_json::from_value(input).map_err(|e| AppError::failed("merge", e))?;
        // A published record stays published; what was typed was checked when it was.
        input.status =
            Some(if kept.status == PlaceStatus::Published || dropped.status == PlaceStatus::Published {
                PlaceStatus::Published.code().to_owned()
            } else {
                kept.status.code().to_owned()
            });
        input.confirm_location = true;
        input.confirm_commune = true;
        let (data, _) = input.validate(self.reference, FarLocation::RefuseUnlessConfirmed)?;
        let status = input.requested_status().unwrap_or(kept.status);
        let now = Utc::now();
        let merged =
            Place { data, status, version: kept.version + 1, updated_at: now, ..Place::clone(&kept) };
        let mut tx = self.store.transaction().await?;
        tx.update_place(&merged, kept.version, &crate::history::author_of(actor)).await?;
        tx.merge_place_into(dropped.id, kept.id, Some(user.id), now).await?;
        tx.commit().await?;
        *self.duplicates.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
        tracing::info!(keep = %keep, merged = %other, "places merged");
        Ok(merged)
    }

    /// Where a merged place's id leads now.
    pub async fn merged_into(&self, old: PlaceId) -> AppResult<Option<PlaceId>> {
        Ok(self.store.merged_into(old).await?)
    }
}
