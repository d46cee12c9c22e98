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

mod communities;
mod networks;
mod places;
mod reference;
mod session;

use communities::*;
use networks::*;
pub(crate) use places::warnings_json;
use places::*;
use reference::*;
use session::*;

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
        .route("/api/v1/networks", get(list_networks))
        .route("/api/v1/networks/{id}", get(read_network))
        .route("/api/v1/communities", get(list_communities))
        .route("/api/v1/communities/{id}", get(read_community))
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
