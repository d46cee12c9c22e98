//! Places in JSON: list, map GeoJSON, read, create, edit, archive, export.

use super::*;

pub(super) async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let allowed: Vec<&str> = FILTER_KEYS.iter().copied().chain(["page", "per_page"]).collect();
    known_params(&pairs, &allowed, &ctx)?;
    let filter = filter_with_mine(&pairs, &ctx)?;
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

/// The filter of a query; `mine=1` (signed in only) keeps the places the person manages.
fn filter_with_mine(pairs: &Pairs, ctx: &Ctx) -> Result<maillage_app::PlaceFilter, WebError> {
    let mut filter = filter_from(pairs, Utc::now()).map_err(|e| api_err(e, ctx))?;
    if pairs.flag("mine") {
        filter.managed_by = Some(ctx.actor.user().ok_or_else(|| api_err(AppError::Unauthenticated, ctx))?.id);
    }
    Ok(filter)
}

pub(super) async fn geojson(
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
    // A filtered map: published places only, whoever asks, so no permission is involved
    // (`mine` only narrows it to the signed-in person's places).
    let filter = filter_with_mine(&pairs, &ctx)?;
    let body = state.app().map_geojson(&filter).await.map_err(|e| api_err(e, &ctx))?;
    Ok(([(header::CONTENT_TYPE, geo)], body).into_response())
}

pub(super) async fn read(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
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

pub(super) async fn create(
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

pub(super) async fn update(
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
pub(super) struct VersionBody {
    version: i64,
}

pub(super) async fn archive(
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

pub(super) async fn export(
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
    let mut filter = filter_with_mine(&pairs, &ctx)?;
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
