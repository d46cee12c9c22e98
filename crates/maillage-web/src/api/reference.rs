//! Reference data: commune look-up and the vocabularies.

use super::*;

pub(super) async fn communes(
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

pub(super) fn vocab_json<T: Vocabulary>(lang: &str) -> Value {
    json!(
        T::ALL
            .iter()
            .map(|t| json!({ "code": t.code(), "label": t.label(lang), "lmn": t.lmn() }))
            .collect::<Vec<_>>()
    )
}

pub(super) async fn vocabularies(ctx: Ctx) -> Json<Value> {
    let l = ctx.lang.code();
    Json(json!({
        "types": vocab_json::<PlaceType>(l), "services": vocab_json::<Service>(l), "publics": vocab_json::<Public>(l),
        "support": vocab_json::<Support>(l), "fees": vocab_json::<Fee>(l), "access_modes": vocab_json::<AccessMode>(l),
        "labels": vocab_json::<Label>(l),
    }))
}
