//! Contribution and moderation pages: proposing an edit of a place (the place form, sent
//! to the queue instead of saved), reporting a problem, and the moderation queue with its
//! decisions.

use super::*;
use crate::history::value_text;
use askama::Template;
use maillage_domain::messages::Message;
use maillage_domain::moderation::{ModerationId, ReportKind};

fn parse_item(id: &str, lang: Lang) -> Result<ModerationId, WebError> {
    id.parse().map_err(|_| WebError::page(AppError::NotFound, lang))
}

// --- proposing an edit -----------------------------------------------------------------

fn proposal_form(
    ctx: &Ctx,
    id: PlaceId,
    input: &PlaceInput,
    message: &str,
    errors: Option<&ValidationErrors>,
) -> PlaceFormPage {
    let mut page = form_page(
        ctx,
        t(ctx.lang, "moderation.propose_title").into(),
        format!("/lieux/{id}/proposer"),
        input,
        errors,
        errors.map(|e| e.warnings.as_slice()).unwrap_or(&[]),
        false,
    );
    page.proposal = true;
    page.proposal_message = message.to_owned();
    page
}

pub(super) async fn propose_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/proposer")) {
        return Ok(r);
    }
    let place = state.app().place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    Ok(html(proposal_form(&ctx, id, &PlaceInput::from(&place), "", None)))
}

pub(super) async fn propose(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/proposer")) {
        return Ok(r);
    }
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(not_utf8_page(&ctx, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (input, errors) = place_input_from_form(&pairs);
    let message = pairs.first("message").unwrap_or("").to_owned();
    if !errors.is_empty() {
        let page = proposal_form(&ctx, id, &input, &message, Some(&errors));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
    }
    match state.app().propose_edit(&ctx.actor, id, &input, Some(&message)).await {
        Ok(_) => Ok(Redirect::to(&format!("/lieux/{id}?envoye=proposition")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = proposal_form(&ctx, id, &input, &message, Some(&errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(AppError::Conflict { current }) => {
            // The place changed while the proposal was written: the form again, at the
            // stored version, with what was typed.
            let input = PlaceInput { version: Some(current), ..input };
            let mut page = proposal_form(&ctx, id, &input, &message, None);
            page.warning_list.push(t(lang, "moderation.place_changed").into());
            Ok((StatusCode::CONFLICT, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

// --- reporting a problem ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "report.html")]
pub(crate) struct ReportPage {
    pub c: Chrome,
    pub place_name: String,
    pub place_href: String,
    pub action: String,
    pub kinds: Vec<Opt>,
    pub message: String,
    pub errors: Vec<(String, String)>,
}

impl ReportPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

fn report_page(
    ctx: &Ctx,
    place: &Place,
    kind: &str,
    message: &str,
    errors: Option<&ValidationErrors>,
) -> ReportPage {
    let lang = ctx.lang;
    ReportPage {
        c: Chrome::new(
            ctx,
            Message::new("moderation.report_title").with("name", &place.data.name).render(lang),
        ),
        place_name: place.data.name.clone(),
        place_href: format!("/lieux/{}", place.id),
        action: format!("/lieux/{}/signaler", place.id),
        kinds: ReportKind::ALL
            .iter()
            .map(|k| Opt {
                value: k.code().into(),
                label: t(lang, k.label_key()).into(),
                selected: k.code() == kind,
            })
            .collect(),
        message: message.to_owned(),
        errors: errors
            .map(|e| e.errors.iter().map(|e| (e.field.clone(), e.message(lang.code()))).collect())
            .unwrap_or_default(),
    }
}

pub(super) async fn report_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    let place = state.app().place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    Ok(remember_lang(&ctx, html(report_page(&ctx, &place, "", "", None))))
}

pub(super) async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(not_utf8_page(&ctx, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let app = state.app();
    let place = app.place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let (kind, message) = (pairs.first("kind").unwrap_or(""), pairs.first("message").unwrap_or(""));
    match app.report_problem(&ctx.actor, id, kind, Some(message)).await {
        Ok(_) => Ok(Redirect::to(&format!("/lieux/{id}?envoye=signalement")).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = report_page(&ctx, &place, kind, message, Some(&errors));
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

// --- the queue -------------------------------------------------------------------------

pub(crate) struct ChangeRow {
    pub label: String,
    pub current: String,
    pub proposed: String,
}

pub(crate) struct ProposalRow {
    pub place_name: String,
    pub place_href: String,
    pub proposer: String,
    pub when: String,
    pub message: String,
    pub changes: Vec<ChangeRow>,
    pub stale: bool,
    pub own: bool,
    pub decide_href: String,
    pub version: i64,
}

pub(crate) struct ReportRow {
    pub place_name: String,
    pub place_href: String,
    pub kind: String,
    pub when: String,
    pub message: String,
    pub decide_href: String,
    pub version: i64,
}

pub(crate) struct DuplicateRow {
    pub a: PlaceItem,
    pub b: PlaceItem,
    pub a_id: String,
    pub b_id: String,
    pub a_address: String,
    pub b_address: String,
    pub why: String,
}

/// Potential duplicates listed at once (the best first).
const DUPLICATES_SHOWN: usize = 50;

#[derive(Template)]
#[template(path = "moderation.html")]
pub(crate) struct ModerationPage {
    pub c: Chrome,
    pub proposals: Vec<ProposalRow>,
    pub reports: Vec<ReportRow>,
    pub duplicates: Vec<DuplicateRow>,
    pub duplicates_total: usize,
    pub drafts: Vec<PlaceItem>,
    pub drafts_total: u64,
}

fn when(at: chrono::DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string()
}

pub(super) async fn queue(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    let lang = ctx.lang;
    if let Some(r) = require_signed_in(&ctx, "/moderation") {
        return Ok(r);
    }
    let q = state.app().moderation_queue(&ctx.actor).await.map_err(|e| WebError::page(e, lang))?;
    let pairs = state.app().potential_duplicates(&ctx.actor).await.map_err(|e| WebError::page(e, lang))?;
    let now = Utc::now();
    let duplicates = pairs
        .iter()
        .take(DUPLICATES_SHOWN)
        .map(|p| {
            let s = &p.similarity;
            let why = if s.same_siret {
                t(lang, "moderation.same_siret").to_owned()
            } else {
                Message::new("moderation.similar")
                    .with("name", format!("{:.0}", s.name * 100.0))
                    .with("address", format!("{:.0}", s.address * 100.0))
                    .with("distance", format!("{:.0}", s.distance_km * 1000.0))
                    .render(lang)
            };
            let address =
                |pl: &Place| format!("{}, {} {}", pl.data.address, pl.data.postal_code, pl.data.commune_name);
            DuplicateRow {
                a: PlaceItem::new(&p.a, lang, None, now),
                b: PlaceItem::new(&p.b, lang, None, now),
                a_id: p.a.id.to_string(),
                b_id: p.b.id.to_string(),
                a_address: address(&p.a),
                b_address: address(&p.b),
                why,
            }
        })
        .collect();
    let page = ModerationPage {
        c: Chrome::new(&ctx, t(lang, "moderation.title")),
        proposals: q
            .proposals
            .iter()
            .map(|p| ProposalRow {
                place_name: p.place_name.clone(),
                place_href: format!("/lieux/{}", p.proposal.place),
                proposer: if p.proposer_name.is_empty() {
                    t(lang, "communities.deleted_author").into()
                } else {
                    p.proposer_name.clone()
                },
                when: when(p.proposal.created_at),
                message: p.proposal.message.clone(),
                changes: p
                    .changes
                    .iter()
                    .map(|c| ChangeRow {
                        label: crate::i18n::field_label(lang, "form.", &c.field),
                        current: value_text(lang, &c.field, &c.current),
                        proposed: value_text(lang, &c.field, &c.proposed),
                    })
                    .collect(),
                stale: p.stale,
                own: p.own,
                decide_href: format!("/moderation/propositions/{}/decision", p.proposal.id),
                version: p.proposal.version,
            })
            .collect(),
        reports: q
            .reports
            .iter()
            .map(|r| ReportRow {
                place_name: r.place_name.clone(),
                place_href: format!("/lieux/{}", r.report.place),
                kind: t(lang, r.report.kind.label_key()).into(),
                when: when(r.report.created_at),
                message: r.report.message.clone(),
                decide_href: format!("/moderation/signalements/{}/decision", r.report.id),
                version: r.report.version,
            })
            .collect(),
        drafts: q.drafts.iter().map(|p| PlaceItem::new(p, lang, None, Utc::now())).collect(),
        duplicates,
        duplicates_total: pairs.len(),
        drafts_total: q.drafts_total,
    };
    Ok(remember_lang(&ctx, html(page)))
}

pub(super) async fn decide_proposal(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_item(&id, lang)?;
    let pairs =
        Pairs::parse_form(&body).map_err(|bad| WebError::page(ValidationErrors::from(bad.error()), lang))?;
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (accept, version) = decision_of(&pairs, "reject", lang)?;
    state
        .app()
        .decide_proposal(&ctx.actor, id, accept, version, pairs.first("reason"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to("/moderation#propositions").into_response())
}

pub(super) async fn decide_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_item(&id, lang)?;
    let pairs =
        Pairs::parse_form(&body).map_err(|bad| WebError::page(ValidationErrors::from(bad.error()), lang))?;
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (accept, version) = decision_of(&pairs, "reject", lang)?;
    state
        .app()
        .decide_report(&ctx.actor, id, accept, version, pairs.first("note"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to("/moderation#signalements").into_response())
}

pub(super) async fn not_duplicates(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let pairs =
        Pairs::parse_form(&body).map_err(|bad| WebError::page(ValidationErrors::from(bad.error()), lang))?;
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let id = |key: &str| -> Result<PlaceId, WebError> {
        pairs.first(key).and_then(|v| v.parse().ok()).ok_or_else(|| {
            WebError::bad_input(key, Message::new("moderation.place_required"), lang, Surface::Page)
        })
    };
    let (a, b) = (id("a")?, id("b")?);
    state.app().mark_not_duplicates(&ctx.actor, a, b).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to("/moderation#doublons").into_response())
}

// --- merging two records of one place ------------------------------------------------

pub(crate) struct MergeRow {
    pub field: String,
    pub label: String,
    pub a: String,
    pub b: String,
    pub differs: bool,
}

#[derive(Template)]
#[template(path = "merge.html")]
pub(crate) struct MergePage {
    pub c: Chrome,
    pub a: PlaceItem,
    pub b: PlaceItem,
    pub a_id: String,
    pub b_id: String,
    pub a_version: i64,
    pub b_version: i64,
    pub rows: Vec<MergeRow>,
    pub error: Option<String>,
}

async fn merge_view(
    state: &AppState,
    ctx: &Ctx,
    a: PlaceId,
    b: PlaceId,
    error: Option<String>,
) -> Result<MergePage, WebError> {
    let lang = ctx.lang;
    let app = state.app();
    let pa = app.place(&ctx.actor, a).await.map_err(|e| WebError::page(e, lang))?;
    let pb = app.place(&ctx.actor, b).await.map_err(|e| WebError::page(e, lang))?;
    let (ja, jb) = (
        serde_json::to_value(PlaceInput::from(&pa)).unwrap_or_default(),
        serde_json::to_value(PlaceInput::from(&pb)).unwrap_or_default(),
    );
    let rows = maillage_app::moderation::MERGE_FIELDS
        .iter()
        .map(|f| {
            MergeRow {
                field: (*f).to_owned(),
                label: crate::i18n::field_label(lang, "form.", f),
                // Compared as stored: two long texts cut alike on screen may still differ.
                differs: ja[*f] != jb[*f],
                a: value_text(lang, f, &ja[*f]),
                b: value_text(lang, f, &jb[*f]),
            }
        })
        .collect();
    let now = Utc::now();
    Ok(MergePage {
        c: Chrome::new(ctx, t(lang, "moderation.merge_title")),
        a: PlaceItem::new(&pa, lang, None, now),
        b: PlaceItem::new(&pb, lang, None, now),
        a_id: a.to_string(),
        b_id: b.to_string(),
        a_version: pa.version,
        b_version: pb.version,
        rows,
        error,
    })
}

fn pair_of(pairs: &Pairs, lang: Lang) -> Result<(PlaceId, PlaceId), WebError> {
    let id = |key: &str| -> Result<PlaceId, WebError> {
        pairs.first(key).and_then(|v| v.parse().ok()).ok_or_else(|| {
            WebError::bad_input(key, Message::new("moderation.place_required"), lang, Surface::Page)
        })
    };
    Ok((id("a")?, id("b")?))
}

pub(super) async fn merge_form(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    if let Some(r) = require_signed_in(&ctx, "/moderation") {
        return Ok(r);
    }
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (a, b) = pair_of(&pairs, lang)?;
    for id in [a, b] {
        if !state.app().may_edit(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))? {
            return Err(WebError::page(AppError::Forbidden, lang));
        }
    }
    Ok(remember_lang(&ctx, html(merge_view(&state, &ctx, a, b, None).await?)))
}

pub(super) async fn merge(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let (a, b) = pair_of(&pairs, lang)?;
    let version = |key: &str| pairs.first(key).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    // Which record stays, and for each field whose value comes from the other one.
    let keep_b = pairs.first("keep") == Some("b");
    let (keep, keep_version, other, other_version) = if keep_b {
        (b, version("b_version"), a, version("a_version"))
    } else {
        (a, version("a_version"), b, version("b_version"))
    };
    let other_side = if keep_b { "a" } else { "b" };
    let from_other: Vec<String> = maillage_app::moderation::MERGE_FIELDS
        .iter()
        .filter(|f| pairs.first(&format!("pick_{f}")) == Some(other_side))
        .map(|f| (*f).to_owned())
        .collect();
    match state.app().merge_places(&ctx.actor, keep, keep_version, other, other_version, &from_other).await {
        Ok(place) => Ok(Redirect::to(&format!("/lieux/{}", place.id)).into_response()),
        Err(AppError::Conflict { .. }) => {
            let page =
                merge_view(&state, &ctx, a, b, Some(t(lang, "moderation.merge_conflict").into())).await?;
            Ok((StatusCode::CONFLICT, html(page)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let message =
                errors.errors.iter().map(|e| e.message(lang.code())).collect::<Vec<_>>().join(" ; ");
            let page = merge_view(&state, &ctx, a, b, Some(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}
