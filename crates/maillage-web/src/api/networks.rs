//! Networks in JSON: the list (`q`, `kind`, `area`) and one network with its tree, its
//! coordinators (names), the requests waiting (for those who decide on them) and its
//! figures within `radius_km`.

use super::*;
use maillage_app::networks::DEFAULT_RADIUS_KM;
use maillage_domain::NetworkId;

pub(super) async fn list_networks(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, &["q", "kind", "area"], &ctx)?;
    let (filter, _, _) = crate::pages::network_filter(&pairs).map_err(|e| api_err(e, &ctx))?;
    let networks = state.app().networks(&filter).await.map_err(|e| api_err(e, &ctx))?;
    let items: Vec<Value> = networks
        .iter()
        .map(|n| {
            let mut v = json!(n);
            v["url"] = json!(format!("/reseaux/{}", n.id));
            v
        })
        .collect();
    Ok(Json(json!({ "total": items.len(), "items": items })).into_response())
}

pub(super) async fn read_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, &["radius_km"], &ctx)?;
    let id: NetworkId = id.parse().map_err(|_| api_err(AppError::NotFound, &ctx))?;
    let radius = match pairs.first("radius_km") {
        None => DEFAULT_RADIUS_KM,
        Some(r) => r.trim().parse::<f64>().map_err(|_| {
            WebError::bad_input(
                "radius_km",
                Message::new("networks.radius_range").with("min", 1).with("max", 100),
                ctx.lang,
                Surface::Api,
            )
        })?,
    };
    let app = state.app();
    let detail = app.network_detail(&ctx.actor, id).await.map_err(|e| api_err(e, &ctx))?;
    let figures = app.network_figures(id, radius).await.map_err(|e| api_err(e, &ctx))?;
    let n = &detail.network;
    let mut body = json!(detail.summary);
    body["description"] = json!(n.data.description);
    body["email"] = json!(n.data.email);
    body["website"] = json!(n.data.website);
    body["version"] = json!(n.version);
    body["created_at"] = json!(n.created_at);
    body["updated_at"] = json!(n.updated_at);
    body["url"] = json!(format!("/reseaux/{id}"));
    body["ancestors"] = json!(detail.ancestors);
    body["sub_networks"] = json!(detail.sub_networks);
    body["coordinators"] = json!(detail.coordinators);
    if detail.may_manage {
        body["pending"] = json!(detail.pending);
    }
    body["figures"] = json!(*figures);
    body["places_url"] = json!(format!("/api/v1/places?network={id}"));
    body["geojson_url"] = json!(format!("/api/v1/places.geojson?network={id}"));
    Ok(Json(body).into_response())
}
