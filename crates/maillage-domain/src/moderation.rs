//! Contribution and moderation of the directory: a signed-in person who does not answer for
//! a place **proposes** an edit to it, and anyone **reports** a problem ("this place has
//! closed", "wrong hours"). Both wait in the moderation queue of the people who answer for
//! the place (its managers, its networks' coordinators, the administrators), who accept or
//! reject a proposal with a reason and resolve or dismiss a report with a note. Nobody
//! decides on their own proposal; of two decisions on the same item the second is a
//! conflict.

use crate::error::{FieldError, ValidationErrors};
pub use crate::ids::ModerationId;
use crate::ids::{PlaceId, UserId};
use crate::messages::Message;
use crate::place::PlaceInput;
use crate::text;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Longest message of a proposal, a report, a reason or a note.
pub const MESSAGE_MAX: usize = 2_000;

/// Where a proposal or a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Waiting in the queue.
    Open,
    /// A proposal applied, a report fixed.
    Accepted,
    /// A proposal rejected, a report dismissed.
    Rejected,
}

impl ItemStatus {
    pub fn code(self) -> &'static str {
        match self {
            ItemStatus::Open => "open",
            ItemStatus::Accepted => "accepted",
            ItemStatus::Rejected => "rejected",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        [ItemStatus::Open, ItemStatus::Accepted, ItemStatus::Rejected].into_iter().find(|s| s.code() == code)
    }
}

/// What a report says is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Closed,
    Hours,
    Address,
    Contact,
    Duplicate,
    Other,
}

impl ReportKind {
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Closed,
        ReportKind::Hours,
        ReportKind::Address,
        ReportKind::Contact,
        ReportKind::Duplicate,
        ReportKind::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Closed => "closed",
            ReportKind::Hours => "hours",
            ReportKind::Address => "address",
            ReportKind::Contact => "contact",
            ReportKind::Duplicate => "duplicate",
            ReportKind::Other => "other",
        }
    }
    /// Its label, as a catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            ReportKind::Closed => "moderation.report.closed",
            ReportKind::Hours => "moderation.report.hours",
            ReportKind::Address => "moderation.report.address",
            ReportKind::Contact => "moderation.report.contact",
            ReportKind::Duplicate => "moderation.report.duplicate",
            ReportKind::Other => "moderation.report.other",
        }
    }
}

impl FromStr for ReportKind {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, FieldError> {
        let s = s.trim();
        ReportKind::ALL.into_iter().find(|k| k.code() == s).ok_or_else(|| {
            FieldError::new(
                "kind",
                if s.is_empty() { "required" } else { "unknown" },
                Message::new("moderation.unknown_report_kind")
                    .with("value", s)
                    .with("known", "closed, hours, address, contact, duplicate, other"),
            )
        })
    }
}

/// A proposed edit of a place, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: ModerationId,
    pub place: PlaceId,
    /// The place's version the proposal was made on: accepting it edits that version (a
    /// place changed since is a conflict, reviewed again).
    pub base_version: i64,
    /// The whole form as proposed (validated when proposed, and again when applied).
    pub input: PlaceInput,
    pub message: String,
    /// `None` once the proposer's account is deleted.
    pub proposer: Option<UserId>,
    pub status: ItemStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// Moves at each decision.
    pub version: i64,
}

/// A reported problem, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub id: ModerationId,
    pub place: PlaceId,
    pub kind: ReportKind,
    pub message: String,
    /// `None` for a visitor, or once the account is deleted.
    pub reporter: Option<UserId>,
    pub status: ItemStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// A message of a proposal, a report, a reason or a note: plain text within
/// [`MESSAGE_MAX`], possibly empty unless `required`.
pub fn moderation_message(
    field: &str,
    value: Option<&str>,
    required: bool,
) -> Result<String, ValidationErrors> {
    let text = text::plain_text(value.unwrap_or(""), MESSAGE_MAX).map_err(|e| e.at(field))?;
    if required && text.is_empty() {
        return Err(FieldError::required(field).into());
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_kinds_parse_by_code_and_an_unknown_one_is_named() {
        assert_eq!("hours".parse::<ReportKind>().unwrap(), ReportKind::Hours);
        let e = "fermé".parse::<ReportKind>().unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("kind", "unknown"));
        assert_eq!("".parse::<ReportKind>().unwrap_err().code, "required");
        assert!(ItemStatus::from_code("open").is_some() && ItemStatus::from_code("x").is_none());
    }

    #[test]
    fn messages_are_bounded_and_may_be_required() {
        assert_eq!(moderation_message("reason", Some("  Doublon  "), true).unwrap(), "Doublon");
        assert_eq!(moderation_message("reason", None, true).unwrap_err().errors[0].code, "required");
        assert!(moderation_message("note", Some(&"a".repeat(MESSAGE_MAX + 1)), false).is_err());
    }
}
