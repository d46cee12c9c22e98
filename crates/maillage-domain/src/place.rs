//! The place record: what a tiers-lieu publishes about itself.

use crate::error::{FieldError, ValidationErrors};
use crate::fields::{Coordinates, Email, InseeCode, OpeningHours, Phone, PostalCode, Rna, Siret, WebUrl};
use crate::gazetteer::{CommuneMatch, CommuneQuery, Gazetteer, Located, NotLocated};
use crate::ids::PlaceId;
use crate::messages::Message;
use crate::text;
use crate::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 200;
pub const SUMMARY_MAX: usize = 300;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const ADDRESS_MAX: usize = 300;
/// Longest equipment item, in characters.
pub const EQUIPMENT_MAX: usize = 60;
/// Most equipment items a place lists.
pub const EQUIPMENT_ITEMS_MAX: usize = 100;
/// Most entries in each vocabulary list (`types`, `services`, `publics`, `support`,
/// `fees`, `access_modes`, `labels`). The largest vocabulary has 20 terms; an import may
/// name one term several ways (code, label, LMN values), so the bound leaves room for that
/// and no more.
pub const TERMS_MAX: usize = 50;
/// Longest entry of a vocabulary list (the longest LMN value is under 100 characters).
pub const TERM_MAX: usize = 200;
pub const POSTAL_CODE_MAX: usize = 10;
pub const COMMUNE_CODE_MAX: usize = 10;
/// The longest French commune name has 45 characters.
pub const COMMUNE_NAME_MAX: usize = 100;
pub const SIRET_MAX: usize = 30;
pub const RNA_MAX: usize = 20;
pub const OPENING_HOURS_MAX: usize = crate::fields::HOURS_MAX;
pub const EMAIL_MAX: usize = crate::fields::EMAIL_MAX;
pub const PHONE_MAX: usize = 40;
/// `website` and `accessibility_url`.
pub const URL_MAX: usize = crate::fields::URL_MAX;
pub const STATUS_MAX: usize = 20;
/// Beyond this distance from its commune's reference point a location is refused unless
/// confirmed: the largest French communes (Arles, Val-Cenis, Maripasoula) stay within it.
pub const FAR_FROM_COMMUNE_KM: f64 = 60.0;

/// Publication status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceStatus {
    Draft,
    Published,
    Archived,
}

impl PlaceStatus {
    pub const ALL: [PlaceStatus; 3] = [Self::Draft, Self::Published, Self::Archived];
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == value.trim())
            .ok_or_else(|| FieldError::new("status", "invalid_status", Message::new("place.invalid_status")))
    }
    pub fn label(self, lang: &str) -> &'static str {
        match (self, lang) {
            (Self::Draft, "en") => "Draft",
            (Self::Published, "en") => "Published",
            (Self::Archived, "en") => "Archived",
            (Self::Draft, _) => "Brouillon",
            (Self::Published, _) => "Publié",
            (Self::Archived, _) => "Archivé",
        }
    }
}

/// Where a record comes from, so that re-importing a source updates instead of duplicating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Source name, e.g. `maillage` for records entered here, or an import's `--source`.
    pub source: String,
    /// Identifier of the record in its source.
    pub source_id: Option<String>,
    /// Last update date declared by the source (LMN `date_maj`).
    pub source_updated_on: Option<NaiveDate>,
}

impl Default for Provenance {
    fn default() -> Self {
        Self { source: "maillage".into(), source_id: None, source_updated_on: None }
    }
}

/// The validated, user-editable content of a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceData {
    pub name: String,
    pub types: Vec<PlaceType>,
    pub summary: String,
    /// Long description in Markdown (sanitised when rendered).
    pub description: String,
    pub address: String,
    pub postal_code: PostalCode,
    pub commune_code: InseeCode,
    /// Derived from the reference geography.
    pub commune_name: String,
    pub departement: String,
    pub region: String,
    pub epci: Option<String>,
    pub location: Coordinates,
    /// `false` when the location is the commune's reference point (no precise point given).
    pub location_precise: bool,
    pub siret: Option<Siret>,
    pub rna: Option<Rna>,
    pub services: Vec<Service>,
    pub equipment: Vec<String>,
    pub opening_hours: Option<OpeningHours>,
    pub publics: Vec<Public>,
    pub support: Vec<Support>,
    pub fees: Vec<Fee>,
    pub access_modes: Vec<AccessMode>,
    pub accessibility_url: Option<WebUrl>,
    pub labels: Vec<Label>,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub website: Option<WebUrl>,
}

/// A stored place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceId,
    #[serde(flatten)]
    pub data: PlaceData,
    pub status: PlaceStatus,
    pub provenance: Provenance,
    /// Demo data, clearly marked as such.
    pub is_demo: bool,
    /// Incremented on every change; an update must name the version it edits.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a client sends to create or edit a place: raw values, validated by
/// [`PlaceInput::validate`]. Unknown fields are refused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlaceInput {
    pub name: Option<String>,
    pub types: Vec<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub commune_code: Option<String>,
    /// Used with the postal code to find the commune when `commune_code` is absent.
    pub commune_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Accept a location far from the stated commune.
    pub confirm_location: bool,
    /// Accept a postal code that is not one of the commune's, or a name that is not the
    /// commune's beside its code.
    pub confirm_commune: bool,
    pub siret: Option<String>,
    pub rna: Option<String>,
    pub services: Vec<String>,
    pub equipment: Vec<String>,
    pub opening_hours: Option<String>,
    pub publics: Vec<String>,
    pub support: Vec<String>,
    pub fees: Vec<String>,
    pub access_modes: Vec<String>,
    pub accessibility_url: Option<String>,
    pub labels: Vec<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub status: Option<String>,
    /// Required when updating: the version being edited.
    pub version: Option<i64>,
}

/// What to do with a location far from its commune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FarLocation {
    /// Refuse unless the input confirms it (forms and API).
    RefuseUnlessConfirmed,
    /// Replace it by the commune's point, with a warning (imports of other people's data).
    UseCommunePoint,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A trimmed, non-empty value within `max` characters and free of control and
/// bidirectional characters, before any parser sees it.
fn bounded<'a>(
    errors: &mut ValidationErrors,
    field: &str,
    value: &'a Option<String>,
    max: usize,
) -> Option<&'a str> {
    let v = non_empty(value)?;
    let checked = text::check_length(v, max).and_then(|()| text::check_characters(v, text::Lines::Single));
    errors.check(field, checked).map(|()| v)
}

fn optional<T>(
    errors: &mut ValidationErrors,
    field: &str,
    value: &Option<String>,
    max: usize,
    parse: impl Fn(&str) -> Result<T, FieldError>,
) -> Option<T> {
    bounded(errors, field, value, max).and_then(|v| errors.check(field, parse(v)))
}

/// Refuse a list longer than `max` before looking at any of its items.
fn list_within(errors: &mut ValidationErrors, field: &str, len: usize, max: usize) -> bool {
    if len > max {
        errors.push(FieldError::new(
            field,
            "too_many",
            Message::new("place.too_many").with("len", len).with("max", max),
        ));
        return false;
    }
    true
}

/// Terms in their vocabulary's order: a list is a set, so the same choices sent in another
/// order (a form's checkboxes, a file's column) are the same value and no change in the
/// history. Types keep the order given: the first is the place's main type.
fn in_vocabulary_order<T: Vocabulary + PartialEq>(mut terms: Vec<T>) -> Vec<T> {
    terms.sort_by_key(|t| T::ALL.iter().position(|x| x == t));
    terms
}

fn terms<T>(errors: &mut ValidationErrors, field: &str, values: &[String]) -> Vec<T>
where
    T: Vocabulary + std::str::FromStr<Err = FieldError> + PartialEq,
{
    let mut out: Vec<T> = Vec::new();
    if !list_within(errors, field, values.len(), TERMS_MAX) {
        return out;
    }
    for (i, v) in values.iter().enumerate().filter(|(_, v)| !v.trim().is_empty()) {
        let field = format!("{field}[{i}]");
        let v = v.trim();
        let checked =
            text::check_length(v, TERM_MAX).and_then(|()| text::check_characters(v, text::Lines::Single));
        if errors.check(&field, checked).is_none() {
            continue;
        }
        // At most TERMS_MAX × vocabulary size comparisons.
        if let Some(t) = errors.check(&field, v.parse::<T>())
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    out
}

/// The warning that says how a commune was found, when it was not found by its current
/// INSEE code or by its name as written among the postal code's communes.
fn resolution_warning(query: &CommuneQuery<'_>, found: &Located) -> Option<FieldError> {
    let c = &found.commune;
    let commune = format!("{} ({})", c.name, c.code);
    let name = query.name.unwrap_or_default();
    let pc = query.postal_code.unwrap_or_default();
    let (field, code, message) = match &found.how {
        CommuneMatch::Code | CommuneMatch::Name => return None,
        CommuneMatch::PostalCode if query.name.is_none() => return None,
        CommuneMatch::FormerCode { former_code, former_name } => {
            let former = former_name.as_deref().map(|n| format!(", {n}")).unwrap_or_default();
            (
                "commune_code",
                "commune_resolved_former_code",
                Message::new("place.commune_resolved_former_code")
                    .with("former_code", former_code)
                    .with("former", &former)
                    .with("commune", &commune),
            )
        }
        CommuneMatch::NameVariant => (
            "commune_name",
            "commune_resolved_name_variant",
            Message::new("place.commune_resolved_name_variant")
                .with("name", name)
                .with("commune", &commune)
                .with("pc", pc),
        ),
        CommuneMatch::PostalLabel { label } => (
            "commune_name",
            "commune_resolved_postal_label",
            Message::new("place.commune_resolved_postal_label")
                .with("name", name)
                .with("label", label)
                .with("pc", pc)
                .with("commune", &commune),
        ),
        CommuneMatch::NameInDepartement { departement } => (
            "postal_code",
            "commune_resolved_other_postal_code",
            Message::new("place.commune_resolved_other_postal_code")
                .with("pc", pc)
                .with("name", name)
                .with("departement", departement)
                .with("commune", &commune),
        ),
        CommuneMatch::FormerName { former_name, former_code } => (
            "commune_name",
            "commune_resolved_former_name",
            Message::new("place.commune_resolved_former_name")
                .with("name", name)
                .with("former_name", former_name)
                .with("former_code", former_code)
                .with("commune", &commune),
        ),
        CommuneMatch::PostalCode => (
            "commune_name",
            "commune_resolved_postal_code",
            Message::new("place.commune_resolved_postal_code")
                .with("name", name)
                .with("commune", &commune)
                .with("pc", pc),
        ),
        CommuneMatch::Nearest { km } if query.name.is_none() => (
            "postal_code",
            "commune_resolved_nearest",
            Message::new("place.commune_resolved_nearest")
                .with("pc", pc)
                .with("commune", &commune)
                .with("km", format!("{:.1}", km)),
        ),
        CommuneMatch::Nearest { km } => (
            "commune_name",
            "commune_resolved_nearest",
            Message::new("place.commune_resolved_nearest_2")
                .with("name", name)
                .with("pc", pc)
                .with("commune", &commune)
                .with("km", format!("{:.1}", km)),
        ),
    };
    Some(FieldError::new(field, code, message))
}

impl PlaceInput {
    /// Validate every field, collecting all errors at once. Warnings (e.g. a location moved
    /// to the commune's point) are returned beside the data.
    pub fn validate(
        &self,
        gazetteer: &dyn Gazetteer,
        far: FarLocation,
    ) -> Result<(PlaceData, Vec<FieldError>), ValidationErrors> {
        let mut e = ValidationErrors::default();
        let mut warnings = Vec::new();

        let name = e.check("name", text::required_text(self.name.as_deref(), NAME_MAX));
        let types: Vec<PlaceType> = terms(&mut e, "types", &self.types);
        if types.is_empty() && !e.errors.iter().any(|x| x.field.starts_with("types")) {
            e.push(FieldError::new("types", "required", Message::new("place.required")));
        }
        let summary =
            e.check("summary", text::plain_text(self.summary.as_deref().unwrap_or(""), SUMMARY_MAX));
        // A browser sends a text area's line breaks as CRLF: stored as LF, so that sending
        // a form back unchanged changes nothing.
        let description = self.description.as_deref().unwrap_or("").trim().replace("\r\n", "\n");
        if text::check_length(&description, DESCRIPTION_MAX).is_err() {
            e.push(FieldError::new(
                "description",
                "too_long",
                Message::new("place.too_long").with("max", DESCRIPTION_MAX),
            ));
        } else {
            // Markdown: line breaks and tabs are text, other controls and bidi controls are not.
            e.check("description", text::check_characters(&description, text::Lines::Multi));
        }
        let address =
            e.check("address", text::plain_text(self.address.as_deref().unwrap_or(""), ADDRESS_MAX));
        let postal_code = match non_empty(&self.postal_code) {
            Some(_) => optional(&mut e, "postal_code", &self.postal_code, POSTAL_CODE_MAX, PostalCode::parse),
            None => {
                e.push(FieldError::required("postal_code"));
                None
            }
        };
        let commune_name = match non_empty(&self.commune_name) {
            Some(v) => e.check("commune_name", text::line_text(v, COMMUNE_NAME_MAX)),
            None => None,
        };
        let commune_name_refused = non_empty(&self.commune_name).is_some() && commune_name.is_none();

        // The location first: a point helps to find the commune.
        let mut location_precise = true;
        let location = match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => e.check("latitude", Coordinates::parse(lat, lon)),
            (None, None) => {
                location_precise = false;
                None
            }
            (Some(_), None) => {
                e.push(FieldError::required("longitude"));
                None
            }
            (None, Some(_)) => {
                e.push(FieldError::required("latitude"));
                None
            }
        };

        // The commune: by INSEE code (current or former), or found from the postal code,
        // the name and the point (see `Gazetteer::locate`).
        let interactive = far == FarLocation::RefuseUnlessConfirmed;
        let code_given = non_empty(&self.commune_code).is_some();
        let code = optional(&mut e, "commune_code", &self.commune_code, COMMUNE_CODE_MAX, InseeCode::parse);
        let commune = if (code_given && code.is_none()) || commune_name_refused {
            None
        } else if code.is_none() && postal_code.is_none() {
            e.push(FieldError::required("commune_code"));
            None
        } else {
            let query = CommuneQuery {
                code: code.as_ref().map(InseeCode::as_str),
                postal_code: postal_code.as_ref().map(PostalCode::as_str),
                name: commune_name.as_deref(),
                point: location.as_ref().map(|p| (p.lat, p.lon)),
            };
            match gazetteer.locate(&query) {
                Ok(found) => {
                    if let Some(w) = resolution_warning(&query, &found) {
                        warnings.push(w);
                    }
                    Some(found)
                }
                Err(NotLocated::UnknownCode) => {
                    let code = query.code.unwrap_or_default();
                    e.push(FieldError::new(
                        "commune_code",
                        "unknown_commune",
                        Message::new("place.unknown_commune").with("code", code),
                    ));
                    None
                }
                Err(NotLocated::Ambiguous(names)) => {
                    let pc = query.postal_code.unwrap_or_default();
                    let field = if query.name.is_some() { "commune_name" } else { "commune_code" };
                    let list = names.join(", ");
                    let message = match query.name {
                        Some(name) => Message::new("place.ambiguous_commune_name").with("name", name),
                        None => Message::new("place.ambiguous_postal_code"),
                    };
                    let message = message.with("pc", pc).with("list", &list);
                    e.push(FieldError::new(field, "ambiguous_commune", message));
                    None
                }
                Err(NotLocated::Unknown) => {
                    match (query.name, query.postal_code) {
                        (Some(name), Some(pc)) => e.push(FieldError::new(
                            "commune_name",
                            "unknown_commune",
                            Message::new("place.unknown_commune_for_postal_code")
                                .with("name", name)
                                .with("pc", pc),
                        )),
                        _ => e.push(FieldError::required("commune_code")),
                    }
                    None
                }
            }
        };

        // Consistency of what was written with the commune found: a form must confirm a
        // contradiction (never stored silently); an import keeps the commune, with a warning.
        if let Some(found) = commune.as_ref() {
            let c = &found.commune;
            let confirmed = self.confirm_commune;
            if let Some(pc) = postal_code.as_ref()
                && !c.postal_codes.iter().any(|p| p == pc.as_str())
            {
                let message = Message::new("place.postal_code_pc_does")
                    .with("pc", pc.as_str())
                    .with("name", &c.name)
                    .with("code", &c.code);
                match (interactive, confirmed) {
                    (true, false) => e.push(FieldError::new(
                        "postal_code",
                        "postal_code_mismatch",
                        Message::new("place.postal_code_mismatch_confirm").with_message("message", message),
                    )),
                    (true, true) => {}
                    (false, _) => {
                        warnings.push(FieldError::new("postal_code", "postal_code_mismatch", message))
                    }
                }
            }
            // A name beside a code, or beside a postal code that decided alone, must be the
            // commune's (or one of its former communes', or a town line of its postal codes).
            let name_decided = matches!(
                found.how,
                CommuneMatch::Code
                    | CommuneMatch::FormerCode { .. }
                    | CommuneMatch::PostalCode
                    | CommuneMatch::Nearest { .. }
            );
            if let Some(name) = commune_name.as_deref()
                && name_decided
                && !gazetteer.name_designates(c, name)
            {
                let message = Message::new("place.name_name_does_not")
                    .with("name", name)
                    .with("name2", &c.name)
                    .with("code", &c.code);
                let by_code = matches!(found.how, CommuneMatch::Code | CommuneMatch::FormerCode { .. });
                match (interactive, confirmed) {
                    (true, false) => e.push(FieldError::new(
                        "commune_name",
                        "commune_name_mismatch",
                        Message::new("place.commune_name_mismatch_confirm").with_message("message", message),
                    )),
                    (true, true) => {}
                    // The resolution warning already says the name was not recognised.
                    (false, _) if by_code => {
                        warnings.push(FieldError::new("commune_name", "commune_name_mismatch", message))
                    }
                    (false, _) => {}
                }
            }
        }
        let commune = commune.map(|found| found.commune);

        let location = match (location, commune.as_ref()) {
            (Some(point), Some(c)) => {
                let reference = Coordinates { lat: c.lat, lon: c.lon };
                let km = point.distance_km(&reference);
                if km > FAR_FROM_COMMUNE_KM {
                    match far {
                        FarLocation::RefuseUnlessConfirmed if !self.confirm_location => {
                            e.push(FieldError::new(
                                "latitude",
                                "location_far_from_commune",
                                Message::new("place.location_far_from_commune")
                                    .with("km", format!("{:.0}", km))
                                    .with("name", &c.name),
                            ));
                            None
                        }
                        FarLocation::RefuseUnlessConfirmed => Some(point),
                        FarLocation::UseCommunePoint => {
                            warnings.push(FieldError::new(
                                "latitude",
                                "location_far_from_commune",
                                Message::new("place.location_replaced_by_commune")
                                    .with("km", format!("{:.0}", km))
                                    .with("name", &c.name),
                            ));
                            location_precise = false;
                            Some(reference)
                        }
                    }
                } else {
                    Some(point)
                }
            }
            (None, Some(c)) if !location_precise => Some(Coordinates { lat: c.lat, lon: c.lon }),
            (other, _) => other,
        };

        let siret = optional(&mut e, "siret", &self.siret, SIRET_MAX, Siret::parse);
        let rna = optional(&mut e, "rna", &self.rna, RNA_MAX, Rna::parse);
        let services = in_vocabulary_order(terms(&mut e, "services", &self.services));
        let mut equipment: Vec<String> = Vec::new();
        if list_within(&mut e, "equipment", self.equipment.len(), EQUIPMENT_ITEMS_MAX) {
            // Duplicates are dropped in one pass: the key is the item in lower case.
            let mut seen = std::collections::HashSet::new();
            for (i, item) in self.equipment.iter().enumerate().filter(|(_, v)| !v.trim().is_empty()) {
                if let Some(item) = e.check(&format!("equipment[{i}]"), text::line_text(item, EQUIPMENT_MAX))
                    && seen.insert(item.to_lowercase())
                {
                    equipment.push(item);
                }
            }
        }
        let opening_hours =
            optional(&mut e, "opening_hours", &self.opening_hours, OPENING_HOURS_MAX, OpeningHours::parse);
        let publics = in_vocabulary_order(terms(&mut e, "publics", &self.publics));
        let support = in_vocabulary_order(terms(&mut e, "support", &self.support));
        let fees = in_vocabulary_order(terms(&mut e, "fees", &self.fees));
        let access_modes = in_vocabulary_order(terms(&mut e, "access_modes", &self.access_modes));
        let accessibility_url =
            optional(&mut e, "accessibility_url", &self.accessibility_url, URL_MAX, WebUrl::parse);
        let labels = in_vocabulary_order(terms(&mut e, "labels", &self.labels));
        let email = optional(&mut e, "email", &self.email, EMAIL_MAX, Email::parse);
        let phone = optional(&mut e, "phone", &self.phone, PHONE_MAX, Phone::parse);
        let website = optional(&mut e, "website", &self.website, URL_MAX, WebUrl::parse);
        optional(&mut e, "status", &self.status, STATUS_MAX, PlaceStatus::parse);

        if !e.is_empty() {
            e.warnings = warnings;
            return Err(e);
        }
        let (Some(name), Some(summary), Some(address), Some(postal_code), Some(commune), Some(location)) =
            (name, summary, address, postal_code, commune, location)
        else {
            // Every None above pushed an error.
            unreachable!("validation produced no error for a missing value")
        };
        Ok((
            PlaceData {
                name,
                types,
                summary,
                description,
                address,
                postal_code,
                commune_code: InseeCode::parse(&commune.code).expect("reference codes are valid"),
                commune_name: commune.name,
                departement: commune.departement,
                region: commune.region,
                epci: commune.epci,
                location,
                location_precise,
                siret,
                rna,
                services,
                equipment,
                opening_hours,
                publics,
                support,
                fees,
                access_modes,
                accessibility_url,
                labels,
                email,
                phone,
                website,
            },
            warnings,
        ))
    }

    /// The status requested by the input, if any (validated by [`Self::validate`]).
    pub fn requested_status(&self) -> Option<PlaceStatus> {
        non_empty(&self.status).and_then(|s| PlaceStatus::parse(s).ok())
    }
}

impl From<&Place> for PlaceInput {
    /// The input that would recreate this place (for edit forms and round trips).
    fn from(p: &Place) -> Self {
        let d = &p.data;
        let codes = |v: Vec<&'static str>| v.into_iter().map(String::from).collect::<Vec<_>>();
        PlaceInput {
            name: Some(d.name.clone()),
            types: codes(d.types.iter().map(|t| t.code()).collect()),
            summary: Some(d.summary.clone()),
            description: Some(d.description.clone()),
            address: Some(d.address.clone()),
            postal_code: Some(d.postal_code.to_string()),
            commune_code: Some(d.commune_code.to_string()),
            commune_name: Some(d.commune_name.clone()),
            latitude: d.location_precise.then_some(d.location.lat),
            longitude: d.location_precise.then_some(d.location.lon),
            confirm_location: false,
            confirm_commune: false,
            siret: d.siret.as_ref().map(ToString::to_string),
            rna: d.rna.as_ref().map(ToString::to_string),
            services: codes(d.services.iter().map(|t| t.code()).collect()),
            equipment: d.equipment.clone(),
            opening_hours: d.opening_hours.as_ref().map(ToString::to_string),
            publics: codes(d.publics.iter().map(|t| t.code()).collect()),
            support: codes(d.support.iter().map(|t| t.code()).collect()),
            fees: codes(d.fees.iter().map(|t| t.code()).collect()),
            access_modes: codes(d.access_modes.iter().map(|t| t.code()).collect()),
            accessibility_url: d.accessibility_url.as_ref().map(ToString::to_string),
            labels: codes(d.labels.iter().map(|t| t.code()).collect()),
            email: d.email.as_ref().map(ToString::to_string),
            phone: d.phone.as_ref().map(ToString::to_string),
            website: d.website.as_ref().map(ToString::to_string),
            status: Some(p.status.code().to_owned()),
            version: Some(p.version),
        }
    }
}
