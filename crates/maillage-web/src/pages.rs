//! HTML pages: the directory with its map, place pages and forms, territory pages,
//! accounts, and the import page. Every page works without JavaScript.

use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, Lang, SESSION_COOKIE, set_cookie};
use crate::error::{Surface, WebError};
use crate::forms::{NotUtf8, Pairs, filter_from, paging, place_input_from_form};
use crate::i18n::t;
use crate::security::{csrf_error, csrf_ok};
use crate::views::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maillage_app::permissions::{Action, Resource};
use maillage_app::transfer::ImportOptions;
use maillage_app::{AppError, Format, PlaceFilter, PlaceSort};
use maillage_domain::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{Place, PlaceId, PlaceInput, PlaceStatus, ValidationErrors};
use std::collections::HashMap;

const PER_PAGE: u64 = 50;
/// Longest source name of an import (it is stored with every place it brings).
const IMPORT_SOURCE_MAX: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/lieux/nouveau", get(new_place_form).post(create_place))
        .route("/lieux/{id}", get(place_page))
        .route("/lieux/{id}/modifier", get(edit_place_form).post(update_place))
        .route("/lieux/{id}/archiver", post(archive_place))
        .route("/lieux/{id}/historique", get(crate::history::history_page))
        .route("/lieux/{id}/historique/{change}/retablir", post(crate::history::revert_form))
        .route("/mes-lieux", get(my_places))
        .route("/territoires/communes/{code}", get(commune_page))
        .route("/territoires/departements/{code}", get(departement_page))
        .route("/territoires/regions/{code}", get(region_page))
        .route("/territoire", get(crate::territory::page::territoire))
        .route("/connexion", get(login_form).post(login))
        .route("/deconnexion", post(logout))
        .route("/mot-de-passe/oubli", get(reset_request_form).post(reset_request))
        .route("/mot-de-passe/nouveau", get(reset_form).post(reset_password))
        .route("/admin/import", get(import_form).post(import_file))
        .route("/admin/import/modele.csv", get(import_template))
        .route("/admin/import/modele-excel.csv", get(import_template_excel))
}

fn html(page: impl RenderHtml) -> Response {
    Html(page.render_html()).into_response()
}

/// Remember an explicit `?lang=` choice in a cookie.
fn remember_lang(ctx: &Ctx, mut response: Response) -> Response {
    if ctx.path_and_query.contains("lang=")
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            ctx.lang.code()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// 200 when the database answers within a second; otherwise 503 with `Retry-After` at
/// once (a load balancer must not wait for the pool's own timeout).
async fn healthz(State(state): State<AppState>) -> Response {
    let unavailable = || {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "database unavailable")
            .into_response()
    };
    match tokio::time::timeout(std::time::Duration::from_secs(1), state.app().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %maillage_app::Chain(&e), "health check failed");
            unavailable()
        }
        Err(_) => {
            tracing::error!("health check failed: the database did not answer within 1 s");
            unavailable()
        }
    }
}

// --- directory ---------------------------------------------------------------------------

struct ListView {
    heading: String,
    action: String,
    show_departement: bool,
}

async fn directory(
    state: &AppState,
    ctx: &Ctx,
    pairs: &Pairs,
    base: PlaceFilter,
    view: ListView,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let now = Utc::now();
    let mut filter = filter_from(pairs, now).map_err(|e| WebError::page(e, lang))?;
    filter.managed_by = base.managed_by;
    if !base.statuses.is_empty() {
        filter.statuses = base.statuses;
    }
    filter.commune = base.commune.or(filter.commune);
    filter.departement = base.departement.or(filter.departement);
    filter.region = base.region.or(filter.region);
    let (page, per_page) = paging(pairs, PER_PAGE).map_err(|e| WebError::page(e, lang))?;
    let result = state
        .app()
        .list_places(&ctx.actor, filter.clone(), (page - 1) * per_page, per_page)
        .await
        .map_err(|e| WebError::page(e, lang))?;
    let pages = result.total.div_ceil(per_page).max(1);
    let query = ctx.path_and_query.split_once('?').map(|(_, q)| q).unwrap_or("");
    let page_href = |p: u64| {
        with_param(
            &format!("{}?{query}", view.action),
            "page",
            &if p == 1 { String::new() } else { p.to_string() },
        )
    };
    let selected = |k: &str| pairs.all(k);
    let reference = state.app().reference;
    let mut departements: Vec<Opt> = reference
        .departements()
        .map(|d| Opt {
            value: d.code.clone(),
            label: format!("{} – {}", d.code, d.name),
            selected: filter.departement.as_deref() == Some(d.code.as_str()),
        })
        .collect();
    departements.sort_by(|a, b| a.value.cmp(&b.value));
    let export_query = with_param(&format!("?{query}"), "page", "");
    let export_query = export_query.trim_start_matches('?');
    let downloads = Format::ALL
        .iter()
        .map(|f| Link {
            label: format_label(lang, *f).to_owned(),
            href: format!(
                "/api/v1/export?format={}{}{}",
                f.name(),
                if export_query.is_empty() { "" } else { "&" },
                export_query
            ),
            text: String::new(),
        })
        .collect();
    let demo = result.places.iter().any(|p| p.is_demo);
    let items = result
        .places
        .iter()
        .enumerate()
        .map(|(i, p)| PlaceItem::new(p, lang, result.distances_km.get(i).copied(), now))
        .collect();
    let geojson_query = if query.is_empty() {
        String::new()
    } else {
        format!("?{}", with_param(&format!("?{query}"), "page", "").trim_start_matches('?'))
    };
    let page_view = HomePage {
        c: Chrome::new(ctx, view.heading.clone()),
        heading: view.heading,
        action: view.action.clone(),
        demo,
        q: pairs.first("q").unwrap_or("").to_owned(),
        types: vocab_options::<PlaceType>(lang, &selected("type")),
        show_departement: view.show_departement,
        departements,
        services: vocab_options::<Service>(lang, &selected("service")),
        open_now: pairs.flag("open_now"),
        total: result.total,
        places: items,
        first_rank: (page - 1) * per_page + 1,
        page,
        pages,
        prev_href: (page > 1).then(|| page_href(page - 1)),
        next_href: (page < pages).then(|| page_href(page + 1)),
        geojson_href: format!(
            "/api/v1/places.geojson{}",
            if geojson_query == "?" { "" } else { &geojson_query }
        ),
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
        downloads,
        export_hidden: pairs
            .0
            .iter()
            .filter(|(k, v)| {
                crate::forms::FILTER_KEYS.contains(&k.as_str())
                    && k != "status"
                    && k != "mine"
                    && !v.is_empty()
            })
            .map(|(k, v)| Opt { value: k.clone(), label: v.clone(), selected: false })
            .collect(),
        export_fields: maillage_interop::allowed_fields(Format::Csv)
            .iter()
            .map(|f| Opt {
                value: (*f).to_owned(),
                label: (*f).to_owned(),
                selected: [
                    "id",
                    "name",
                    "types",
                    "address",
                    "postal_code",
                    "commune_name",
                    "latitude",
                    "longitude",
                ]
                .contains(f),
            })
            .collect(),
        export_formats: Format::ALL
            .iter()
            .filter(|f| {
                maillage_interop::allowed_fields(**f) == maillage_interop::allowed_fields(Format::Csv)
            })
            .map(|f| Opt { value: f.name().into(), label: format_label(lang, *f).into(), selected: false })
            .collect(),
    };
    Ok(remember_lang(ctx, html(page_view)))
}

async fn home(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let view =
        ListView { heading: t(ctx.lang, "home.title").into(), action: "/".into(), show_departement: true };
    directory(&state, &ctx, &pairs, PlaceFilter::default(), view).await
}

async fn my_places(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let Some(user) = ctx.actor.user() else {
        return Ok(Redirect::to("/connexion?next=/mes-lieux").into_response());
    };
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let base =
        PlaceFilter { managed_by: Some(user.id), statuses: PlaceStatus::ALL.to_vec(), ..Default::default() };
    let view = ListView {
        heading: t(ctx.lang, "nav.mine").into(),
        action: "/mes-lieux".into(),
        show_departement: true,
    };
    directory(&state, &ctx, &pairs, base, view).await
}

// --- place page ----------------------------------------------------------------------------

fn parse_id(id: &str, lang: Lang) -> Result<PlaceId, WebError> {
    id.parse().map_err(|_| WebError::page(AppError::NotFound, lang))
}

/// schema.org `Place` for search engines, safe to embed in a script element.
pub fn json_ld(place: &Place, url: &str) -> String {
    let d = &place.data;
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Place",
        "@id": url,
        "name": d.name,
        "description": d.summary,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": d.address,
            "postalCode": d.postal_code.as_str(),
            "addressLocality": d.commune_name,
            "addressCountry": "FR"
        },
        "geo": { "@type": "GeoCoordinates", "latitude": d.location.lat, "longitude": d.location.lon },
    });
    if let Some(h) = &d.opening_hours {
        v["openingHours"] = serde_json::json!(h.as_str());
    }
    if let Some(p) = &d.phone {
        v["telephone"] = serde_json::json!(p.as_str());
    }
    if let Some(e) = &d.email {
        v["email"] = serde_json::json!(e.as_str());
    }
    if let Some(w) = &d.website {
        v["url"] = serde_json::json!(w.as_str());
    }
    // `<` cannot appear raw inside <script>: escape it as JSON allows.
    v.to_string().replace('<', "\\u003c")
}

fn vocab_section<T: Vocabulary>(title: &str, items: &[T], lang: Lang) -> Option<Section> {
    (!items.is_empty()).then(|| Section {
        title: title.into(),
        items: items.iter().map(|t| t.label(lang.code()).to_owned()).collect(),
    })
}

async fn place_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    let app = state.app();
    let place = app.place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let can_edit = app.may_edit(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let d = &place.data;
    let reference = app.reference;
    let departement = reference
        .departement(&d.departement)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| d.departement.clone());
    let region = reference.region(&d.region).map(|x| x.name.clone()).unwrap_or_else(|| d.region.clone());
    let mut sections: Vec<Section> = [
        vocab_section(t(lang, "place.services"), &d.services, lang),
        (!d.equipment.is_empty())
            .then(|| Section { title: t(lang, "place.equipment").into(), items: d.equipment.clone() }),
        vocab_section(t(lang, "place.publics"), &d.publics, lang),
        vocab_section(t(lang, "place.support"), &d.support, lang),
        vocab_section(t(lang, "place.fees"), &d.fees, lang),
        vocab_section(t(lang, "place.access"), &d.access_modes, lang),
        vocab_section(t(lang, "place.labels"), &d.labels, lang),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut identity = Vec::new();
    if let Some(s) = &d.siret {
        identity.push(format!("SIRET {}", s.as_str()));
    }
    if let Some(r) = &d.rna {
        identity.push(format!("RNA {}", r.as_str()));
    }
    if !identity.is_empty() {
        sections.push(Section { title: t(lang, "place.identity").into(), items: identity });
    }
    let mut contacts = Vec::new();
    if let Some(w) = &d.website {
        contacts.push(Link {
            label: t(lang, "place.website").into(),
            href: w.as_str().into(),
            text: w.as_str().into(),
        });
    }
    if let Some(e) = &d.email {
        contacts.push(Link {
            label: t(lang, "place.email").into(),
            href: format!("mailto:{}", e.as_str()),
            text: e.as_str().into(),
        });
    }
    if let Some(p) = &d.phone {
        contacts.push(Link {
            label: t(lang, "place.phone").into(),
            href: format!("tel:{}", p.as_str()),
            text: p.display_national(),
        });
    }
    if let Some(a) = &d.accessibility_url {
        contacts.push(Link {
            label: t(lang, "place.accessibility").into(),
            href: a.as_str().into(),
            text: t(lang, "place.accessibility_link").into(),
        });
    }
    let url = format!("{}/lieux/{}", app.config.base_url.trim_end_matches('/'), place.id);
    // In the place's own time zone (overseas places keep their local hours).
    let hours = d
        .opening_hours
        .as_ref()
        .map(|h| crate::hours::hours_view(h, Utc::now(), d.location.timezone(), lang));
    let page = PlacePage {
        c: Chrome::new(&ctx, d.name.clone()),
        json_ld: json_ld(&place, &url),
        name: d.name.clone(),
        types: type_labels(&place, lang),
        demo: place.is_demo,
        status: (place.status != PlaceStatus::Published).then(|| place.status.label(lang.code()).to_owned()),
        archived: place.status == PlaceStatus::Archived,
        summary: d.summary.clone(),
        description_html: markdown_to_safe_html(&d.description),
        sections,
        address: d.address.clone(),
        postal_code: d.postal_code.to_string(),
        commune: d.commune_name.clone(),
        commune_href: format!("/territoires/communes/{}", d.commune_code),
        departement,
        departement_href: format!("/territoires/departements/{}", d.departement),
        region,
        region_href: format!("/territoires/regions/{}", d.region),
        lat: d.location.lat,
        lon: d.location.lon,
        precise: d.location_precise,
        hours,
        contacts,
        source: place.provenance.source.clone(),
        updated: place.updated_at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y").to_string(),
        can_edit,
        edit_href: format!("/lieux/{}/modifier", place.id),
        archive_href: format!("/lieux/{}/archiver", place.id),
        history_href: format!("/lieux/{}/historique", place.id),
        version: place.version,
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
    };
    Ok(remember_lang(&ctx, html(page)))
}

// --- place forms ---------------------------------------------------------------------------

fn form_page(
    ctx: &Ctx,
    heading: String,
    action: String,
    input: &PlaceInput,
    errors: Option<&ValidationErrors>,
    warnings: &[maillage_domain::FieldError],
    may_publish: bool,
) -> PlaceFormPage {
    let lang = ctx.lang;
    let mut values: HashMap<String, String> = HashMap::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            values.insert(k.into(), v.clone());
        }
    };
    put("name", &input.name);
    put("summary", &input.summary);
    put("description", &input.description);
    put("address", &input.address);
    put("postal_code", &input.postal_code);
    put("commune_code", &input.commune_code);
    put("commune_name", &input.commune_name);
    put("siret", &input.siret);
    put("rna", &input.rna);
    put("opening_hours", &input.opening_hours);
    put("accessibility_url", &input.accessibility_url);
    put("email", &input.email);
    put("phone", &input.phone);
    put("website", &input.website);
    if let Some(v) = input.latitude {
        values.insert("latitude".into(), v.to_string());
    }
    if let Some(v) = input.longitude {
        values.insert("longitude".into(), v.to_string());
    }
    values.insert("equipment".into(), input.equipment.join("\n"));
    let errors_v: Vec<(String, String)> = errors
        .map(|e| e.errors.iter().map(|e| (e.field.clone(), e.message(lang.code()).to_owned())).collect())
        .unwrap_or_default();
    let error_list = errors_v
        .iter()
        .map(|(field, message)| {
            let base = field.split('[').next().unwrap_or(field).to_owned();
            let key = format!("form.{base}");
            let label = if crate::i18n::has_key(&key) { t(lang, &key).to_owned() } else { base.clone() };
            // Checkbox groups are reached through their first box.
            let anchor = match base.as_str() {
                "types" | "services" | "publics" | "support" | "fees" | "access_modes" | "labels" => {
                    let first = match base.as_str() {
                        "types" => PlaceType::ALL[0].code(),
                        "services" => Service::ALL[0].code(),
                        "publics" => Public::ALL[0].code(),
                        "support" => Support::ALL[0].code(),
                        "fees" => Fee::ALL[0].code(),
                        "access_modes" => AccessMode::ALL[0].code(),
                        _ => Label::ALL[0].code(),
                    };
                    format!("{base}-{first}")
                }
                _ => base.clone(),
            };
            SummaryError { anchor, label, message: message.clone() }
        })
        .collect();
    let status = input.status.clone().unwrap_or_else(|| "draft".into());
    let statuses = PlaceStatus::ALL
        .iter()
        .filter(|s| may_publish || **s != PlaceStatus::Published || status == "published")
        .map(|s| Opt {
            value: s.code().into(),
            label: s.label(lang.code()).into(),
            selected: s.code() == status,
        })
        .collect();
    PlaceFormPage {
        c: Chrome::new(ctx, heading.clone()),
        heading,
        action,
        version: input.version,
        values,
        errors: errors_v,
        error_list,
        warning_list: warnings.iter().map(|w| w.message(lang.code()).to_owned()).collect(),
        confirm_location: input.confirm_location,
        confirm_commune: input.confirm_commune,
        types: vocab_options::<PlaceType>(lang, &input.types),
        services: vocab_options::<Service>(lang, &input.services),
        publics: vocab_options::<Public>(lang, &input.publics),
        support: vocab_options::<Support>(lang, &input.support),
        fees: vocab_options::<Fee>(lang, &input.fees),
        access_modes: vocab_options::<AccessMode>(lang, &input.access_modes),
        labels: vocab_options::<Label>(lang, &input.labels),
        statuses,
    }
}

fn require_signed_in(ctx: &Ctx, next: &str) -> Option<Response> {
    (!ctx.is_signed_in()).then(|| {
        Redirect::to(&format!(
            "/connexion?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ))
        .into_response()
    })
}

async fn new_place_form(ctx: Ctx) -> Response {
    if let Some(r) = require_signed_in(&ctx, "/lieux/nouveau") {
        return r;
    }
    let page = form_page(
        &ctx,
        t(ctx.lang, "form.new_title").into(),
        "/lieux/nouveau".into(),
        &PlaceInput::default(),
        None,
        &[],
        may_publish_any(&ctx),
    );
    html(page)
}

/// Whether the status choice offers "published" on a form not tied to a place the actor
/// moderates (a new place, a form shown again): administrators only.
fn may_publish_any(ctx: &Ctx) -> bool {
    ctx.actor.can(Action::Publish, &Resource::Platform)
}

/// Render the form again with what the user typed and the errors, as a 422.
fn form_errors(
    ctx: &Ctx,
    heading: &str,
    action: String,
    input: &PlaceInput,
    errors: &ValidationErrors,
) -> Response {
    let page = form_page(
        ctx,
        t(ctx.lang, heading).into(),
        action,
        input,
        Some(errors),
        &errors.warnings,
        may_publish_any(ctx),
    );
    (StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response()
}

/// A place form whose body is not UTF-8: the form again, as typed (bad bytes shown as
/// U+FFFD), with the message beside the field at fault. Nothing is stored, whatever the
/// CSRF token: the page only echoes what this browser sent.
fn place_form_not_utf8(ctx: &Ctx, heading: &str, action: String, bad: &NotUtf8) -> Response {
    let (input, _) = place_input_from_form(&bad.pairs);
    // A field the form does not show (csrf, an unknown key) is named in the summary.
    let errors = ValidationErrors::from(bad.error());
    form_errors(ctx, heading, action, &input, &errors)
}

/// A body that is not UTF-8 where the page has no form to show again: an error page that
/// names the field.
fn not_utf8_page(ctx: &Ctx, bad: &NotUtf8) -> Response {
    let e = bad.error();
    let message = format!("« {} » : {}", e.field, e.message(ctx.lang.code()));
    let page = ErrorPage::new(ctx.lang, 422, message);
    (StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response()
}

async fn create_place(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    if let Some(r) = require_signed_in(&ctx, "/lieux/nouveau") {
        return Ok(r);
    }
    let action = "/lieux/nouveau".to_owned();
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(place_form_not_utf8(&ctx, "form.new_title", action, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (input, errors) = place_input_from_form(&pairs);
    if !errors.is_empty() {
        return Ok(form_errors(&ctx, "form.new_title", action, &input, &errors));
    }
    match state.app().create_place(&ctx.actor, &input).await {
        Ok((place, _)) => Ok(Redirect::to(&format!("/lieux/{}", place.id)).into_response()),
        Err(AppError::Validation(errors)) => Ok(form_errors(&ctx, "form.new_title", action, &input, &errors)),
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

async fn edit_place_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/modifier")) {
        return Ok(r);
    }
    let place = state.app().place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    if !state.app().may_edit(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))? {
        return Err(WebError::page(AppError::Forbidden, lang));
    }
    let input = PlaceInput::from(&place);
    Ok(html(form_page(
        &ctx,
        t(lang, "form.edit_title").into(),
        format!("/lieux/{id}/modifier"),
        &input,
        None,
        &[],
        state.app().may_publish(&ctx.actor, Some(&place)),
    )))
}

async fn update_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/modifier")) {
        return Ok(r);
    }
    let action = format!("/lieux/{id}/modifier");
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(place_form_not_utf8(&ctx, "form.edit_title", action, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (input, errors) = place_input_from_form(&pairs);
    if !errors.is_empty() {
        return Ok(form_errors(&ctx, "form.edit_title", action, &input, &errors));
    }
    match state.app().update_place(&ctx.actor, id, &input).await {
        Ok((place, _)) => Ok(Redirect::to(&format!("/lieux/{}", place.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            Ok(form_errors(&ctx, "form.edit_title", action, &input, &errors))
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

async fn archive_place(
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
    let version = pairs.first("version").and_then(|v| v.parse().ok()).ok_or_else(|| {
        WebError::bad_input(
            "version",
            maillage_domain::messages::Message::new("request.missing_version"),
            lang,
            Surface::Page,
        )
    })?;
    state.app().archive_place(&ctx.actor, id, version).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/lieux/{id}")).into_response())
}

// --- territories -----------------------------------------------------------------------------

async fn territory_places(
    state: &AppState,
    ctx: &Ctx,
    filter: PlaceFilter,
    pairs: &Pairs,
) -> Result<(u64, Vec<PlaceItem>), WebError> {
    let (page, per_page) = paging(pairs, 100).map_err(|e| WebError::page(e, ctx.lang))?;
    let result = state
        .app()
        .list_places(
            &ctx.actor,
            PlaceFilter { sort: PlaceSort::Name, ..filter },
            (page - 1) * per_page,
            per_page,
        )
        .await
        .map_err(|e| WebError::page(e, ctx.lang))?;
    let now = Utc::now();
    Ok((result.total, result.places.iter().map(|p| PlaceItem::new(p, ctx.lang, None, now)).collect()))
}

fn number(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

async fn commune_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let commune = reference.commune(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (total, places) = territory_places(
        &state,
        &ctx,
        PlaceFilter { commune: Some(commune.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let mut breadcrumb = Vec::new();
    if let Some(r) = reference.region(&commune.region) {
        breadcrumb.push(Link {
            label: r.name.clone(),
            href: format!("/territoires/regions/{}", r.code),
            text: String::new(),
        });
    }
    if let Some(d) = reference.departement(&commune.departement) {
        breadcrumb.push(Link {
            label: d.name.clone(),
            href: format!("/territoires/departements/{}", d.code),
            text: String::new(),
        });
    }
    let mut facts = vec![
        Fact { label: "INSEE".into(), text: commune.code.clone() },
        Fact { label: t(lang, "territory.population").into(), text: number(commune.population) },
        Fact { label: t(lang, "form.postal_code").into(), text: commune.postal_codes.join(", ") },
    ];
    if let Some(e) = commune.epci.as_deref().and_then(|e| reference.epci(e)) {
        facts.push(Fact { label: t(lang, "territory.epci").into(), text: e.name.clone() });
    }
    let children: Vec<Link> = reference
        .arrondissements(&commune.code)
        .map(|a| Link {
            label: a.name.clone(),
            href: format!("/territoires/communes/{}", a.code),
            text: number(a.population),
        })
        .collect();
    let page = TerritoryPage {
        c: Chrome::new(&ctx, commune.name.clone()),
        heading: commune.name.clone(),
        breadcrumb,
        facts,
        children_title: t(lang, "territory.commune").into(),
        children,
        total,
        places,
        more_href: format!("/?commune={}", commune.code),
    };
    Ok(html(page))
}

async fn departement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let dep = reference.departement(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (total, places) = territory_places(
        &state,
        &ctx,
        PlaceFilter { departement: Some(dep.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let population: u64 = reference.communes_in_departement(&dep.code).map(|c| c.population).sum();
    let communes = reference.communes_in_departement(&dep.code).count();
    let breadcrumb = reference
        .region(&dep.region)
        .map(|r| {
            vec![Link {
                label: r.name.clone(),
                href: format!("/territoires/regions/{}", r.code),
                text: String::new(),
            }]
        })
        .unwrap_or_default();
    let page = TerritoryPage {
        c: Chrome::new(&ctx, dep.name.clone()),
        heading: format!("{} ({})", dep.name, dep.code),
        breadcrumb,
        facts: vec![
            Fact { label: t(lang, "territory.population").into(), text: number(population) },
            Fact { label: t(lang, "territory.communes").into(), text: number(communes as u64) },
        ],
        children_title: String::new(),
        children: Vec::new(),
        total,
        places,
        more_href: format!("/?departement={}", dep.code),
    };
    Ok(html(page))
}

async fn region_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let region = reference.region(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (total, places) = territory_places(
        &state,
        &ctx,
        PlaceFilter { region: Some(region.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let population: u64 = reference.communes_in_region(&region.code).map(|c| c.population).sum();
    let mut children: Vec<Link> = reference
        .departements()
        .filter(|d| d.region == region.code)
        .map(|d| Link {
            label: format!("{} ({})", d.name, d.code),
            href: format!("/territoires/departements/{}", d.code),
            text: d.code.clone(),
        })
        .collect();
    children.sort_by(|a, b| a.text.cmp(&b.text));
    let page = TerritoryPage {
        c: Chrome::new(&ctx, region.name.clone()),
        heading: region.name.clone(),
        breadcrumb: Vec::new(),
        facts: vec![Fact { label: t(lang, "territory.population").into(), text: number(population) }],
        children_title: t(lang, "territory.departements").into(),
        children,
        total,
        places,
        more_href: format!("/?region={}", region.code),
    };
    Ok(html(page))
}

// --- accounts ----------------------------------------------------------------------------------

/// Where to go after login: only a path of this site. `next` is parsed as a browser would
/// (WHATWG URL, against a fixed base, which drops tabs and line breaks and reads `\\` as
/// `/`); it is followed only when the origin stays the base's, and then only the parsed
/// path and query are written to `Location`, never the raw input. Anything else goes home.
fn safe_next(next: Option<&str>) -> String {
    const BASE: &str = "http://maillage.invalid/";
    let Some(next) = next else { return "/".into() };
    let Ok(base) = url::Url::parse(BASE) else { return "/".into() };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() => {
            let mut out = url.path().to_owned();
            if let Some(q) = url.query() {
                out.push('?');
                out.push_str(q);
            }
            // `/.//evil` parses to the path `//evil`, which a browser reads as a host.
            if out.starts_with("//") { "/".into() } else { out }
        }
        _ => "/".into(),
    }
}

async fn login_form(ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let notice = pairs.flag("reinitialise").then(|| t(ctx.lang, "reset.done").to_owned());
    let page = LoginPage {
        c: Chrome::new(&ctx, t(ctx.lang, "login.title")),
        email: String::new(),
        next: safe_next(pairs.first("next")),
        error: None,
        notice,
    };
    remember_lang(&ctx, html(page))
}

async fn login(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    let (pairs, not_utf8) = match Pairs::parse_form(&body) {
        Ok(pairs) => (pairs, None),
        Err(bad) => (bad.pairs.clone(), Some(bad)),
    };
    let email = pairs.first("email").unwrap_or("").to_owned();
    let next = safe_next(pairs.first("next"));
    let again = |error: String, status: StatusCode| {
        let page = LoginPage {
            c: Chrome::new(&ctx, t(ctx.lang, "login.title")),
            email: email.clone(),
            next: next.clone(),
            error: Some(error),
            notice: None,
        };
        (status, html(page)).into_response()
    };
    if let Some(bad) = not_utf8 {
        let e = bad.error();
        let label = match e.field.as_str() {
            "email" => t(ctx.lang, "login.email"),
            "password" => t(ctx.lang, "login.password"),
            other => other,
        };
        let message = format!("{label} : {}", e.message(ctx.lang.code()));
        return Ok(again(message, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Ok(again(t(ctx.lang, "error.csrf").into(), StatusCode::UNPROCESSABLE_ENTITY));
    }
    match state.app().login(&email, pairs.first("password").unwrap_or(""), &ctx.client).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            let cookie =
                set_cookie(SESSION_COOKIE, &session.token, session.max_age_s, state.web().secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(e @ (AppError::InvalidCredentials | AppError::RateLimited { .. })) => {
            let mut response = again(crate::error::message_of(&e, ctx.lang), crate::error::status_of(&e));
            if let AppError::RateLimited { retry_after_s } = e {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            Ok(response)
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

async fn logout(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(not_utf8_page(&ctx, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    if let Some(token) = &ctx.session_token {
        state.app().logout(token).await.map_err(|e| WebError::page(e, ctx.lang))?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.web().secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

async fn reset_request_form(ctx: Ctx) -> Response {
    html(ResetRequestPage {
        c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
        email: String::new(),
        sent: false,
        error: None,
    })
}

async fn reset_request(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => {
            let e = bad.error();
            let page = ResetRequestPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
                email: bad.pairs.first("email").unwrap_or("").to_owned(),
                sent: false,
                error: Some(format!("« {} » : {}", e.field, e.message(ctx.lang.code()))),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
        }
    };
    let email = pairs.first("email").unwrap_or("").to_owned();
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    match state.app().request_password_reset(&email, ctx.lang.code()).await {
        Ok(()) => Ok(html(ResetRequestPage {
            c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
            email,
            sent: true,
            error: None,
        })),
        Err(AppError::Validation(e)) => {
            let message = e.errors.first().map(|e| e.message(ctx.lang.code()).to_owned());
            let page = ResetRequestPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
                email,
                sent: false,
                error: message,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let token = pairs.first("jeton").unwrap_or("").to_owned();
    let live = !token.is_empty()
        && state.app().reset_link_is_live(&token).await.map_err(|e| WebError::page(e, ctx.lang))?;
    let error = (!live).then(|| t(ctx.lang, "reset.invalid").to_owned());
    Ok(html(ResetFormPage { c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")), token, live, error }))
}

async fn reset_password(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => {
            let e = bad.error();
            let page = ResetFormPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")),
                token: bad.pairs.first("jeton").unwrap_or("").to_owned(),
                live: true,
                error: Some(format!("« {} » : {}", e.field, e.message(ctx.lang.code()))),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
        }
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let token = pairs.first("jeton").unwrap_or("").to_owned();
    match state.app().reset_password(&token, pairs.first("password").unwrap_or("")).await {
        Ok(()) => Ok(Redirect::to("/connexion?reinitialise=1").into_response()),
        Err(AppError::Validation(e)) => {
            let live = e.errors.iter().all(|e| e.code != "invalid_reset_link");
            let message = e.errors.first().map(|e| e.message(ctx.lang.code()).to_owned());
            let page = ResetFormPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")),
                token,
                live,
                error: message,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

// --- import ----------------------------------------------------------------------------------

/// A format as people name it, in the page's language ("CSV pour Excel").
fn format_label(lang: Lang, format: Format) -> &'static str {
    t(lang, &format!("format.{}", format.name()))
}

/// The formats a file can be imported from.
fn format_options(lang: Lang, selected: &str) -> Vec<Opt> {
    Format::IMPORT
        .iter()
        .map(|f| Opt {
            value: f.name().into(),
            label: format_label(lang, *f).into(),
            selected: f.name() == selected,
        })
        .collect()
}

async fn import_form(ctx: Ctx) -> Result<Response, WebError> {
    if let Some(r) = require_signed_in(&ctx, "/admin/import") {
        return Ok(r);
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, ctx.lang));
    }
    Ok(html(ImportPage {
        c: Chrome::new(&ctx, t(ctx.lang, "import.title")),
        report: None,
        file_error: None,
        formats: format_options(ctx.lang, ""),
        source: String::new(),
        mapping: String::new(),
        all_or_nothing: false,
        as_drafts: false,
        staged: None,
        file_name: String::new(),
    }))
}

/// The file to fill in, as a plain CSV.
async fn import_template(ctx: Ctx) -> Result<Response, WebError> {
    template_download(&ctx, false)
}

/// The file to fill in, as the CSV for Excel (BOM, `;`, decimal commas).
async fn import_template_excel(ctx: Ctx) -> Result<Response, WebError> {
    template_download(&ctx, true)
}

/// Every column of our CSV and one example line; for those who may import (it documents
/// the import, so it goes with the import page's rule).
fn template_download(ctx: &Ctx, excel: bool) -> Result<Response, WebError> {
    let path = if excel { "/admin/import/modele-excel.csv" } else { "/admin/import/modele.csv" };
    if let Some(r) = require_signed_in(ctx, path) {
        return Ok(r);
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, ctx.lang));
    }
    let name = if excel { "modele-lieux-excel.csv" } else { "modele-lieux.csv" };
    let mut response = maillage_interop::import_template(excel).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// What the upload form chose, kept with a previewed file for its confirmation.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
struct ImportChoices {
    format: String,
    source: String,
    mapping: String,
    all_or_nothing: bool,
    status: String,
}

async fn import_file(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    if !ctx.is_signed_in() {
        return Err(WebError::page(AppError::Unauthenticated, lang));
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, lang));
    }
    let (mut file_name, mut bytes, mut choices) = (String::new(), Vec::new(), ImportChoices::default());
    let (mut action, mut staged) = (String::new(), String::new());
    let mut not_utf8: Option<String> = None;
    // The token is the form's first field (never in the URL, where logs and the browser's
    // history would keep it): it is checked before anything else is read, the file above all.
    let mut csrf_checked = false;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::page(AppError::File(format!("envoi illisible : {e}")), lang))?
    {
        if !csrf_checked {
            let token = match field.name() {
                Some("csrf") => field.bytes().await.ok().map(|b| String::from_utf8_lossy(&b).into_owned()),
                _ => None,
            };
            if !csrf_ok(&ctx, token.as_deref()) {
                return Err(csrf_error(&ctx, Surface::Page));
            }
            csrf_checked = true;
            continue;
        }
        match field.name().unwrap_or("") {
            "file" => {
                file_name = field.file_name().unwrap_or("import").to_owned();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::page(AppError::File(format!("fichier illisible : {e}")), lang))?
                    .to_vec();
            }
            name => {
                let name = name.to_owned();
                // `Field::text` would replace bytes that are not UTF-8 silently.
                let raw = field.bytes().await.unwrap_or_default();
                let value = match String::from_utf8(raw.to_vec()) {
                    Ok(v) => v,
                    Err(_) => {
                        not_utf8.get_or_insert(name.clone());
                        String::from_utf8_lossy(&raw).into_owned()
                    }
                };
                match name.as_str() {
                    "format" => choices.format = value,
                    "source" => choices.source = value,
                    "mapping" => choices.mapping = value,
                    "all_or_nothing" => choices.all_or_nothing = !value.is_empty(),
                    "status" => choices.status = value,
                    "action" => action = value,
                    "staged" => staged = value,
                    _ => {}
                }
            }
        }
    }
    if !csrf_checked {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    // The confirmation of a preview: the file and choices kept with it, not the form's.
    let confirming = !staged.trim().is_empty();
    if confirming {
        let kept = state.app().staged_upload(&ctx.actor, &staged).await.map_err(|e| match e {
            AppError::NotFound => {
                WebError::page(AppError::File(t(lang, "import.staged_expired").to_owned()), lang)
            }
            other => WebError::page(other, lang),
        })?;
        file_name = kept.file_name;
        bytes = kept.content;
        choices = serde_json::from_value(kept.choices).unwrap_or_default();
    }
    let mut page = ImportPage {
        c: Chrome::new(&ctx, t(lang, "import.title")),
        report: None,
        file_error: None,
        formats: format_options(lang, &choices.format),
        source: choices.source.clone(),
        mapping: choices.mapping.clone(),
        all_or_nothing: choices.all_or_nothing,
        as_drafts: choices.status == "draft",
        staged: None,
        file_name: file_name.clone(),
    };
    let unprocessable = |page: ImportPage| Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
    if let Some(field) = not_utf8 {
        let e = NotUtf8 { pairs: Pairs::default(), field }.error();
        page.file_error = Some(format!("« {} » : {}", e.field, e.message(lang.code())));
        return unprocessable(page);
    }
    let default_status = match choices.status.as_str() {
        "" | "published" => PlaceStatus::Published,
        "draft" => PlaceStatus::Draft,
        other => {
            page.file_error = Some(
                maillage_domain::messages::Message::new("import.unknown_status")
                    .with("value", other)
                    .render(lang),
            );
            return unprocessable(page);
        }
    };
    if let Err(e) = maillage_domain::text::line_text(&choices.source, IMPORT_SOURCE_MAX) {
        page.file_error = Some(format!("« source » : {}", e.message(lang.code())));
        return unprocessable(page);
    }
    let mut options = ImportOptions::new(file_name.clone());
    options.all_or_nothing = choices.all_or_nothing;
    options.default_status = default_status;
    options.source = Some(choices.source.trim().to_owned()).filter(|s| !s.is_empty());
    // A preview is asked by its button; a confirmation, or "import at once", stores.
    options.dry_run = !confirming && action == "preview";
    if !choices.format.is_empty() {
        match choices.format.parse::<Format>() {
            Ok(f) => options.format = Some(f),
            Err(e) => page.file_error = Some(e.to_string()),
        }
    }
    if !choices.mapping.trim().is_empty() {
        match maillage_interop::ColumnMapping::parse(&choices.mapping) {
            Ok(m) => options.mapping = m,
            Err(e) => page.file_error = Some(e.to_string()),
        }
    }
    if bytes.is_empty() && page.file_error.is_none() {
        page.file_error = Some(maillage_interop::FileError::Empty.to_string());
    }
    if page.file_error.is_some() {
        return unprocessable(page);
    }
    // Kept for the confirmation only when the preview read the file (`import` consumes it).
    let keep = options.dry_run.then(|| bytes.clone());
    match state.app().import(&ctx.actor, bytes, &options, &|_, _| {}).await {
        Ok(report) => {
            let status = if report.rolled_back { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            if let Some(content) =
                keep.filter(|_| !report.rolled_back && report.imported + report.updated > 0)
            {
                let choices = serde_json::to_value(&choices).unwrap_or_default();
                let id = state
                    .app()
                    .stage_upload(&ctx.actor, &file_name, choices, content)
                    .await
                    .map_err(|e| WebError::page(e, lang))?;
                page.staged = Some(id);
            }
            if confirming {
                state.app().drop_staged_upload(&staged).await.map_err(|e| WebError::page(e, lang))?;
            }
            page.report = Some(report);
            Ok((status, html(page)).into_response())
        }
        Err(AppError::File(message)) => {
            page.file_error = Some(message);
            unprocessable(page)
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}
