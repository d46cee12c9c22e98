//! `GET /api/v1/search`: one search over every kind of content, with a count per kind.
//! The rules (what each kind shows to whom) live in `maillage_app::search`.

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::forms::Pairs;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use maillage_app::search::Kind;
use maillage_domain::ValidationErrors;
use serde_json::{Map, Value, json};

pub(crate) async fn api_search(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    crate::api::known_params(&pairs, &["q", "kind", "page", "per_page"], &ctx)?;
    let mut kinds = Vec::new();
    let mut errors = ValidationErrors::default();
    for value in pairs.all("kind").iter().flat_map(|v| v.split(',')).filter(|v| !v.trim().is_empty()) {
        match Kind::parse("kind", value) {
            Ok(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(WebError::api(errors, ctx.lang));
    }
    let (page, per_page) = crate::forms::paging(&pairs, 20).map_err(|e| WebError::api(e, ctx.lang))?;
    let text = pairs.first("q").unwrap_or_default();
    let results = state
        .app()
        .search(&ctx.actor, text, &kinds, (page - 1) * per_page, per_page)
        .await
        .map_err(|e| WebError::api(e, ctx.lang))?;
    let facets: Map<String, Value> =
        results.facets.iter().map(|(k, n)| (k.code().to_owned(), json!(n))).collect();
    Ok(Json(json!({
        "total": results.total,
        "page": page,
        "per_page": per_page,
        "facets": facets,
        "items": results.hits,
    }))
    .into_response())
}
