//! The JSON API under `/api/v1` (documented in `openapi.json`).

use crate::AppState;
use crate::context::{Ctx, SESSION_COOKIE, set_cookie};
use crate::error::{Surface, WebError};
use crate::forms::{FILTER_KEYS, Pairs, filter_from, paging};
use crate::security::csrf_ok;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maillage_app::{AppError, Format};
use maillage_domain::messages::Message;
use maillage_domain::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{FieldError, Place, PlaceId, PlaceInput};
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Largest JSON body (imports go through the upload page or the CLI).
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/places", get(list).post(create))
        .route("/api/v1/places.geojson", get(geojson))
        .route("/api/v1/places/{id}", get(read).put(update))
        .route("/api/v1/places/{id}/archive", post(archive))
        .route("/api/v1/places/{id}/history", get(crate::history::api_history))
        .route("/api/v1/places/{id}/history/{change}/revert", post(crate::history::api_revert))
        .route("/api/v1/export", get(export))
        .route("/api/v1/search", get(crate::search::api_search))
        .route("/api/v1/communes", get(communes))
        .route("/api/v1/vocabularies", get(vocabularies))
        .route("/api/v1/territory/nearest", get(crate::territory::api::nearest))
        .route("/api/v1/territory/coverage", get(crate::territory::api::coverage))
        .route("/api/v1/territory/access", get(crate::territory::api::access))
        .route("/api/v1/territory/recommend", get(crate::territory::api::recommend))
        .route("/api/v1/session", get(session).post(login).delete(logout))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BYTES))
}

fn api_err(e: impl Into<AppError>, ctx: &Ctx) -> WebError {
    WebError::api(e, ctx.lang)
}

/// A place as the API shows it: the record and its page's address.
pub(crate) fn place_json(place: &Place) -> Value {
    let mut v = serde_json::to_value(place).unwrap_or(Value::Null);
    v["url"] = json!(format!("/lieux/{}", place.id));
    v
}

/// Refuse query parameters the endpoint does not know, naming them.
pub(crate) fn known_params(pairs: &Pairs, allowed: &[&str], ctx: &Ctx) -> Result<(), WebError> {
    let unknown: Vec<&str> = pairs.keys().filter(|k| !allowed.contains(k) && *k != "lang").collect();
    if let Some(k) = unknown.first() {
        return Err(WebError::bad_input(
            k,
            Message::new("request.unknown_parameter").with("name", k),
            ctx.lang,
            Surface::Api,
        ));
    }
    Ok(())
}

/// Parse a JSON body strictly: content type, size, syntax, unknown fields and types all
/// give a 422 (or 413/415) naming the problem and its field.
pub(crate) fn parse_json<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    ctx: &Ctx,
) -> Result<T, Box<Response>> {
    let is_json =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json_media_type);
    let lang = ctx.lang;
    if !is_json {
        let body = json!({ "error": { "code": "unsupported_media_type", "message": if lang == crate::Lang::En { "Send JSON (Content-Type: application/json)." } else { "Envoyez du JSON (Content-Type: application/json)." } } });
        return Err(Box::new((StatusCode::UNSUPPORTED_MEDIA_TYPE, Json(body)).into_response()));
    }
    let bytes = match body {
        Ok(b) => b,
        Err(rejection) => {
            let status = rejection.status();
            let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
                if lang == crate::Lang::En {
                    format!("The body exceeds {} bytes.", MAX_JSON_BYTES)
                } else {
                    format!("Le corps de la requête dépasse {} octets.", MAX_JSON_BYTES)
                }
            } else {
                rejection.body_text()
            };
            let body = json!({ "error": { "code": if status == StatusCode::PAYLOAD_TOO_LARGE { "payload_too_large" } else { "bad_body" }, "message": message } });
            return Err(Box::new((status, Json(body)).into_response()));
        }
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let field = if inner.is_syntax() || inner.is_eof() {
            // Broken JSON has no field (serde_path_to_error says `?`): the body is at fault.
            "body".to_owned()
        } else if path == "." || path.is_empty() {
            // An unknown field is reported by serde at the object level: name it.
            inner.to_string().split('`').nth(1).map(str::to_owned).unwrap_or_else(|| "body".into())
        } else {
            path
        };
        let message = if inner.is_syntax() || inner.is_eof() {
            Message::new("api.invalid_json_line_line")
                .with("line", inner.line())
                .with("column", inner.column())
        } else if inner.to_string().starts_with("unknown field") {
            Message::new("api.unknown_field_field").with("field", &field)
        } else {
            Message::new("api.unexpected_value_type_inner").with("inner", &inner)
        };
        let code = if inner.is_syntax() || inner.is_eof() {
            "malformed_json"
        } else if inner.to_string().starts_with("unknown field") {
            "unknown_field"
        } else {
            "wrong_type"
        };
        Box::new(
            WebError::api(AppError::Validation(FieldError::new(field, code, message).into()), lang)
                .into_response(),
        )
    })?;
    // One JSON value and nothing after it but white space.
    de.end().map_err(|inner| {
        let (line, column) = (inner.line(), inner.column());
        let error = FieldError::new(
            "body",
            "malformed_json",
            Message::new("api.malformed_json").with("line", line).with("column", column),
        );
        Box::new(WebError::api(AppError::Validation(error.into()), lang).into_response())
    })?;
    Ok(value)
}

/// `application/json`, in any case, optionally followed by parameters (`; charset=utf-8`):
/// `application/jsonfoo` or `application/json-seq` are other media types.
fn is_json_media_type(content_type: &str) -> bool {
    let media = content_type.split(';').next().unwrap_or("").trim();
    media.eq_ignore_ascii_case("application/json")
}

/// JSON writes must carry the session's CSRF token in `X-CSRF-Token`.
pub(crate) fn check_write(ctx: &Ctx, headers: &HeaderMap) -> Result<(), WebError> {
    if !ctx.is_signed_in() {
        return Err(api_err(AppError::Unauthenticated, ctx));
    }
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if !csrf_ok(ctx, sent) {
        return Err(WebError::bad_input(
            "x-csrf-token",
            Message::new("request.csrf_header"),
            ctx.lang,
            Surface::Api,
        ));
    }
    Ok(())
}

async fn list(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let allowed: Vec<&str> = FILTER_KEYS.iter().copied().chain(["page", "per_page"]).collect();
    known_params(&pairs, &allowed, &ctx)?;
    let mut filter = filter_from(&pairs, Utc::now()).map_err(|e| api_err(e, &ctx))?;
    if pairs.flag("mine") {
        filter.managed_by =
            Some(ctx.actor.user().ok_or_else(|| api_err(AppError::Unauthenticated, &ctx))?.id);
    }
    let (page, per_page) = paging(&pairs, 50).map_err(|e| api_err(e, &ctx))?;
    let result = state
        .app()
        .list_places(&ctx.actor, filter, (page - 1) * per_page, per_page)
        .await
        .map_err(|e| api_err(e, &ctx))?;
    // The body is assembled from each place's JSON kept by the index (the same fields as
    // `PlaceOut` would write): a list costs copies, not serialisation.
    let mut body = String::with_capacity(64 + result.json.iter().map(|j| j.len() + 96).sum::<usize>());
    let _ = write!(body, r#"{{"total":{},"page":{page},"per_page":{per_page},"items":["#, result.total);
    for (i, (place, json)) in result.places.iter().zip(&result.json).enumerate() {
        if i > 0 {
            body.push(',');
        }
        // `json` is an object: reopen it to add the page's address (and the distance).
        body.push_str(json.strip_suffix('}').unwrap_or(json));
        let _ = write!(body, r#","url":"/lieux/{}""#, place.id);
        if let Some(d) = result.distances_km.get(i) {
            body.push_str(r#","distance_km":"#);
            body.push_str(&serde_json::to_string(d).unwrap_or_else(|_| "null".into()));
        }
        body.push('}');
    }
    body.push_str("]}");
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, FILTER_KEYS, &ctx)?;
    let geo = HeaderValue::from_static("application/geo+json");
    if pairs.keys().all(|k| k == "lang") {
        // All of France: the prepared bodies, revalidated with the ETag.
        let prepared = state.geo().get(state.app()).await.map_err(|e| api_err(e, &ctx))?;
        let etag = HeaderValue::from_str(&prepared.etag)
            .map_err(|e| api_err(AppError::failed("header value", e), &ctx))?;
        let cache = HeaderValue::from_static("public, max-age=0, must-revalidate");
        let vary = HeaderValue::from_static("accept-encoding");
        if headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == prepared.etag || t.trim() == "*"))
        {
            return Ok((
                StatusCode::NOT_MODIFIED,
                [(header::ETAG, etag), (header::CACHE_CONTROL, cache), (header::VARY, vary)],
            )
                .into_response());
        }
        let gzip = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip") && !e.contains("q=0")));
        return Ok(if gzip {
            (
                [
                    (header::CONTENT_TYPE, geo),
                    (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                    (header::ETAG, etag),
                    (header::CACHE_CONTROL, cache),
                    (header::VARY, vary),
                ],
                prepared.gzip.clone(),
            )
                .into_response()
        } else {
            (
                [
                    (header::CONTENT_TYPE, geo),
                    (header::ETAG, etag),
                    (header::CACHE_CONTROL, cache),
                    (header::VARY, vary),
                ],
                prepared.plain(),
            )
                .into_response()
        });
    }
    // A filtered map: published places only, whoever asks, so no permission is involved.
    let filter = filter_from(&pairs, Utc::now()).map_err(|e| api_err(e, &ctx))?;
    let body = state.app().map_geojson(&filter).await.map_err(|e| api_err(e, &ctx))?;
    Ok(([(header::CONTENT_TYPE, geo)], body).into_response())
}

async fn read(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, WebError> {
    let id: PlaceId = id.parse().map_err(|_| api_err(AppError::NotFound, &ctx))?;
    let place = state.app().place(&ctx.actor, id).await.map_err(|e| api_err(e, &ctx))?;
    Ok(Json(place_json(&place)).into_response())
}

pub(crate) fn warnings_json(warnings: &[FieldError], ctx: &Ctx) -> Value {
    json!(
        warnings
            .iter()
            .map(|w| json!({ "field": w.field, "code": w.code, "message": w.message(ctx.lang.code()) }))
            .collect::<Vec<_>>()
    )
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    check_write(&ctx, &headers)?;
    let input: PlaceInput = match parse_json(&headers, body, &ctx) {
        Ok(i) => i,
        Err(r) => return Ok(*r),
    };
    let (place, warnings) =
        state.app().create_place(&ctx.actor, &input).await.map_err(|e| api_err(e, &ctx))?;
    let mut v = place_json(&place);
    v["warnings"] = warnings_json(&warnings, &ctx);
    let location = HeaderValue::from_str(&format!("/api/v1/places/{}", place.id))
        .map_err(|e| api_err(AppError::failed("header value", e), &ctx))?;
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(v)).into_response())
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let id: PlaceId = id.parse().map_err(|_| api_err(AppError::NotFound, &ctx))?;
    check_write(&ctx, &headers)?;
    let input: PlaceInput = match parse_json(&headers, body, &ctx) {
        Ok(i) => i,
        Err(r) => return Ok(*r),
    };
    let (place, warnings) =
        state.app().update_place(&ctx.actor, id, &input).await.map_err(|e| api_err(e, &ctx))?;
    let mut v = place_json(&place);
    v["warnings"] = warnings_json(&warnings, &ctx);
    Ok(Json(v).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionBody {
    version: i64,
}

async fn archive(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let id: PlaceId = id.parse().map_err(|_| api_err(AppError::NotFound, &ctx))?;
    check_write(&ctx, &headers)?;
    let body: VersionBody = match parse_json(&headers, body, &ctx) {
        Ok(b) => b,
        Err(r) => return Ok(*r),
    };
    let place =
        state.app().archive_place(&ctx.actor, id, body.version).await.map_err(|e| api_err(e, &ctx))?;
    Ok(Json(place_json(&place)).into_response())
}

async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let allowed: Vec<&str> = FILTER_KEYS.iter().copied().chain(["format", "fields"]).collect();
    known_params(&pairs, &allowed, &ctx)?;
    let format: Format =
        pairs.first("format").unwrap_or("csv").parse().map_err(|e: maillage_interop::UnknownFormat| {
            WebError::bad_input(
                "format",
                Message::translated(e.to_string(), e.to_string()),
                ctx.lang,
                Surface::Api,
            )
        })?;
    let mut filter = filter_from(&pairs, Utc::now()).map_err(|e| api_err(e, &ctx))?;
    filter.statuses = Vec::new();
    let fields: Vec<String> = pairs.all("fields");
    let field_refs: Vec<&str> = fields.iter().map(String::as_str).collect();
    // Sent while it is written: the status is decided (fields checked, places selected)
    // before the first byte; a failure after that cuts the transfer short.
    let chunks = state
        .app()
        .export_chunks(format, &filter, (!field_refs.is_empty()).then_some(field_refs.as_slice()))
        .await
        .map_err(|e| api_err(e, &ctx))?;
    let body = axum::body::Body::from_stream(tokio_stream::StreamExt::map(
        tokio_stream::wrappers::ReceiverStream::new(chunks),
        |chunk| chunk.map(axum::body::Bytes::from),
    ));
    let file = format!("attachment; filename=\"{}\"", format.file_name());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(format.content_type())),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&file)
                    .map_err(|e| api_err(AppError::failed("header value", e), &ctx))?,
            ),
            (
                header::HeaderName::from_static("x-data-attribution"),
                HeaderValue::from_static("INSEE COG 2026, IGN - Licence Ouverte / Etalab 2.0"),
            ),
        ],
        body,
    )
        .into_response())
}

async fn communes(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, &["q", "limit"], &ctx)?;
    let Some(query) = pairs.first("q") else {
        return Err(WebError::api(AppError::Validation(FieldError::required("q").into()), ctx.lang));
    };
    let limit = pairs.first("limit").and_then(|l| l.parse().ok()).unwrap_or(10usize).clamp(1, 50);
    let items: Vec<Value> = state
        .app()
        .reference
        .search_communes(query, limit)
        .into_iter()
        .map(|c| json!({ "code": c.code, "name": c.name, "departement": c.departement, "region": c.region, "epci": c.epci, "postal_codes": c.postal_codes, "population": c.population, "lat": c.lat, "lon": c.lon }))
        .collect();
    Ok(Json(json!({ "items": items, "attribution": maillage_territory::reference::ATTRIBUTION }))
        .into_response())
}

fn vocab_json<T: Vocabulary>(lang: &str) -> Value {
    json!(
        T::ALL
            .iter()
            .map(|t| json!({ "code": t.code(), "label": t.label(lang), "lmn": t.lmn() }))
            .collect::<Vec<_>>()
    )
}

async fn vocabularies(ctx: Ctx) -> Json<Value> {
    let l = ctx.lang.code();
    Json(json!({
        "types": vocab_json::<PlaceType>(l), "services": vocab_json::<Service>(l), "publics": vocab_json::<Public>(l),
        "support": vocab_json::<Support>(l), "fees": vocab_json::<Fee>(l), "access_modes": vocab_json::<AccessMode>(l),
        "labels": vocab_json::<Label>(l),
    }))
}

/// The signed-in account in the session JSON: `is_admin` (administrator of the platform)
/// stays for clients of the first version, beside the roles it is now derived from.
fn user_json(u: &maillage_app::User, roles: &maillage_app::permissions::Roles) -> serde_json::Value {
    json!({
        "id": u.id,
        "email": u.email.as_str(),
        "display_name": u.display_name,
        "is_admin": roles.holds(&maillage_app::permissions::Grant::admin()),
        "roles": maillage_app::rights::grant_views(roles),
    })
}

async fn session(ctx: Ctx) -> Response {
    match ctx.actor.user() {
        Some(u) => {
            Json(json!({ "user": user_json(u, ctx.actor.roles()), "csrf_token": ctx.csrf })).into_response()
        }
        None => WebError::api(AppError::Unauthenticated, ctx.lang).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Credentials {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let creds: Credentials = match parse_json(&headers, body, &ctx) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    let session =
        state.app().login(&creds.email, &creds.password, &ctx.client).await.map_err(|e| api_err(e, &ctx))?;
    let cookie = set_cookie(SESSION_COOKIE, &session.token, session.max_age_s, state.web().secure_cookies);
    let u = &session.user;
    let body = json!({ "user": user_json(u, &session.roles), "csrf_token": session.csrf_token });
    Ok((
        [(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| api_err(AppError::failed("header value", e), &ctx))?,
        )],
        Json(body),
    )
        .into_response())
}

async fn logout(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, WebError> {
    check_write(&ctx, &headers)?;
    if let Some(token) = &ctx.session_token {
        state.app().logout(token).await.map_err(|e| api_err(e, &ctx))?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.web().secure_cookies);
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| api_err(AppError::failed("header value", e), &ctx))?,
        )],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_json_media_type_is_json() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            " application/json ",
        ] {
            assert!(super::is_json_media_type(ok), "{ok}");
        }
        for bad in [
            "application/jsonfoo",
            "application/json-seq",
            "application/json+x",
            "text/json",
            "application/x-www-form-urlencoded",
            "",
            "application/json foo",
        ] {
            assert!(!super::is_json_media_type(bad), "{bad}");
        }
    }
}
