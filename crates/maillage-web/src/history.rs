//! The history of a place: the page `/lieux/{id}/historique` (each change, who made it as
//! the viewer may know, each field before and after, and for editors a small form per
//! field to put its old value back), and the JSON API `GET /api/v1/places/{id}/history`,
//! `POST /api/v1/places/{id}/history/{change}/revert`. Works without JavaScript; every
//! revert form carries the CSRF token. Rules (who sees what) live in
//! `maillage_app::history`.

use crate::AppState;
use crate::api::{check_write, parse_json, place_json, warnings_json};
use crate::context::{Ctx, Lang};
use crate::error::{Surface, WebError};
use crate::forms::Pairs;
use crate::i18n::t;
use crate::security::{csrf_error, csrf_ok};
use crate::views::{Chrome, RenderHtml};
use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maillage_app::AppError;
use maillage_app::history::{AuthorView, PlaceHistory};
use maillage_domain::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{PlaceId, PlaceStatus, ValidationErrors};
use serde::Deserialize;
use serde_json::{Value, json};

/// Longest text shown for one value (a description may be 20,000 characters).
const VALUE_SHOWN_MAX: usize = 400;

#[derive(Template)]
#[template(path = "history.html")]
pub struct HistoryPage {
    pub c: Chrome,
    pub heading: String,
    pub place_href: String,
    /// The version a revert edits (the place's current one).
    pub version: i64,
    pub can_revert: bool,
    pub entries: Vec<EntryView>,
    pub errors: Vec<String>,
}

pub struct EntryView {
    pub id: String,
    pub when: String,
    pub author: String,
    pub version: i64,
    pub revert_href: String,
    pub fields: Vec<FieldRow>,
}

pub struct FieldRow {
    pub field: String,
    pub label: String,
    pub old: String,
    pub new: String,
    pub revertable: bool,
}

/// A field's name as people read it.
fn field_label(lang: Lang, field: &str) -> String {
    let key = match field {
        "name" => "form.name",
        "types" => "form.types",
        "summary" => "form.summary",
        "description" => "form.description",
        "address" => "form.address",
        "postal_code" => "form.postal_code",
        "commune_code" => "form.commune_code",
        "commune_name" => "form.commune_name",
        "departement" => "home.departement",
        "region" => "history.region",
        "epci" => "history.epci",
        "location" => "history.location",
        "location_precise" => "history.location_precise",
        "siret" => "form.siret",
        "rna" => "form.rna",
        "services" => "form.services",
        "equipment" => "place.equipment",
        "opening_hours" => "place.hours",
        "publics" => "form.publics",
        "support" => "form.support",
        "fees" => "form.fees",
        "access_modes" => "form.access_modes",
        "accessibility_url" => "form.accessibility_url",
        "labels" => "form.labels",
        "email" => "form.email",
        "phone" => "form.phone",
        "website" => "form.website",
        "status" => "form.status",
        // A field of a later version of the place: its name as stored.
        other => return other.to_owned(),
    };
    t(lang, key).to_owned()
}

fn term_label<T: Vocabulary>(code: &str, lang: Lang) -> String {
    T::parse_loose(code).map(|t| t.label(lang.code()).to_owned()).unwrap_or_else(|| code.to_owned())
}

/// A stored value as text: vocabulary codes by their labels, lists joined, a point as
/// coordinates, nothing as a dash; long texts cut.
pub(crate) fn value_text(lang: Lang, field: &str, value: &Value) -> String {
    let text = match value {
        Value::Null => t(lang, "history.nothing").to_owned(),
        Value::Bool(b) => t(lang, if *b { "yes" } else { "no" }).to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if field == "status" => {
            PlaceStatus::parse(s).map(|st| st.label(lang.code()).to_owned()).unwrap_or_else(|_| s.clone())
        }
        Value::String(s) if s.is_empty() => t(lang, "history.nothing").to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => t(lang, "history.nothing").to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item.as_str() {
                Some(code) => match field {
                    "types" => term_label::<PlaceType>(code, lang),
                    "services" => term_label::<Service>(code, lang),
                    "publics" => term_label::<Public>(code, lang),
                    "support" => term_label::<Support>(code, lang),
                    "fees" => term_label::<Fee>(code, lang),
                    "access_modes" => term_label::<AccessMode>(code, lang),
                    "labels" => term_label::<Label>(code, lang),
                    _ => code.to_owned(),
                },
                None => item.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) => match (map.get("lat"), map.get("lon")) {
            (Some(lat), Some(lon)) => format!("{lat}, {lon}"),
            _ => value.to_string(),
        },
    };
    if text.chars().count() > VALUE_SHOWN_MAX {
        format!("{}…", text.chars().take(VALUE_SHOWN_MAX).collect::<String>())
    } else {
        text
    }
}

fn author_text(lang: Lang, author: &AuthorView) -> String {
    match author.kind {
        "person" => match (&author.name, &author.email) {
            (Some(name), Some(email)) => format!("{name} ({email})"),
            (Some(name), None) => name.clone(),
            _ => t(lang, "history.contributor").to_owned(),
        },
        "erased" => t(lang, "history.erased").to_owned(),
        "demo" => t(lang, "history.demo").to_owned(),
        "system" => t(lang, "history.system").to_owned(),
        _ => t(lang, "history.contributor").to_owned(),
    }
}

fn page(ctx: &Ctx, history: PlaceHistory, errors: Option<&ValidationErrors>) -> HistoryPage {
    let lang = ctx.lang;
    let place = &history.place;
    let entries = history
        .entries
        .iter()
        .map(|e| EntryView {
            id: e.id.to_string(),
            when: e.at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y %H:%M").to_string(),
            author: author_text(lang, &e.author),
            version: e.version,
            revert_href: format!("/lieux/{}/historique/{}/retablir", place.id, e.id),
            fields: e
                .fields
                .iter()
                .map(|f| FieldRow {
                    field: f.field.clone(),
                    label: field_label(lang, &f.field),
                    old: value_text(lang, &f.field, &f.old),
                    new: value_text(lang, &f.field, &f.new),
                    revertable: f.revertable,
                })
                .collect(),
        })
        .collect();
    HistoryPage {
        c: Chrome::new(ctx, format!("{} – {}", t(lang, "history.title"), place.data.name)),
        heading: match lang {
            Lang::Fr => format!("{} : {}", t(lang, "history.title"), place.data.name),
            Lang::En => format!("{}: {}", t(lang, "history.title"), place.data.name),
        },
        place_href: format!("/lieux/{}", place.id),
        version: place.version,
        can_revert: history.can_revert,
        entries,
        errors: errors
            .map(|e| e.errors.iter().map(|e| e.message(lang.code()).to_owned()).collect())
            .unwrap_or_default(),
    }
}

fn parse_id(id: &str, lang: Lang, surface: Surface) -> Result<PlaceId, WebError> {
    id.parse().map_err(|_| WebError { error: AppError::NotFound, lang, surface })
}

/// `GET /lieux/{id}/historique`.
pub async fn history_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang, Surface::Page)?;
    let history = state.app().history(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Html(page(&ctx, history, None).render_html()).into_response())
}

/// `POST /lieux/{id}/historique/{change}/retablir` (`csrf`, `field`, `version`): back to
/// the history, or the history again (422) with the reason the value cannot be put back.
pub async fn revert_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, change)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang, Surface::Page)?;
    let back = format!("/lieux/{id}/historique");
    if !ctx.is_signed_in() {
        let next = form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
        return Ok(Redirect::to(&format!("/connexion?next={next}")).into_response());
    }
    let pairs = Pairs::parse(&body);
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let version = pairs.first("version").and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        WebError::bad_input(
            "version",
            maillage_domain::messages::Message::new("request.missing_version"),
            lang,
            Surface::Page,
        )
    })?;
    let field = pairs.first("field").unwrap_or("");
    let app = state.app();
    match app.revert_field(&ctx.actor, id, &change, field, version).await {
        Ok(_) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Validation(errors)) => {
            let history = app.history(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
            let html = page(&ctx, history, Some(&errors)).render_html();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

/// `GET /api/v1/places/{id}/history`.
pub async fn api_history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang, Surface::Api)?;
    let history = state.app().history(&ctx.actor, id).await.map_err(|e| WebError::api(e, lang))?;
    Ok(Json(json!({
        "place": { "id": history.place.id, "version": history.place.version, "url": format!("/lieux/{id}") },
        "can_revert": history.can_revert,
        "changes": history.entries,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevertBody {
    field: String,
    version: i64,
}

/// `POST /api/v1/places/{id}/history/{change}/revert` with `{"field", "version"}`: the
/// place as edited, like `PUT /api/v1/places/{id}`.
pub async fn api_revert(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, change)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang, Surface::Api)?;
    check_write(&ctx, &headers)?;
    let body: RevertBody = match parse_json(&headers, body, &ctx) {
        Ok(b) => b,
        Err(r) => return Ok(*r),
    };
    let (place, warnings) = state
        .app()
        .revert_field(&ctx.actor, id, &change, &body.field, body.version)
        .await
        .map_err(|e| WebError::api(e, lang))?;
    let mut v = place_json(&place);
    v["warnings"] = warnings_json(&warnings, &ctx);
    Ok(Json(v).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(
            value_text(Lang::Fr, "types", &json!(["fablab", "coworking"])),
            "Fablab / makerspace, Espace de coworking"
        );
        assert_eq!(value_text(Lang::En, "status", &json!("draft")), "Draft");
        assert_eq!(value_text(Lang::Fr, "location", &json!({"lat": 45.4, "lon": 4.4})), "45.4, 4.4");
        assert_eq!(value_text(Lang::Fr, "siret", &Value::Null), t(Lang::Fr, "history.nothing"));
        assert!(value_text(Lang::Fr, "description", &json!("x".repeat(1000))).ends_with('…'));
    }
}
