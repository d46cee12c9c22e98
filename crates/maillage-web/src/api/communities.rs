//! Communities of practice in JSON: the list (`q`, `domain`, `expertise`, `scope`) and one
//! community with its referents (names), its member count, and a page of its feed.

use super::*;
use maillage_app::communities::FEED_PAGE;
use maillage_domain::CommunityId;

pub(super) async fn list_communities(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, &["q", "domain", "expertise", "scope"], &ctx)?;
    let filter = crate::pages::community_filter(&pairs).map_err(|e| api_err(e, &ctx))?;
    let found = state.app().communities(&filter).await.map_err(|e| api_err(e, &ctx))?;
    let items: Vec<Value> = found
        .iter()
        .map(|c| {
            let mut v = json!(c);
            v["url"] = json!(format!("/communautes/{}", c.id));
            v
        })
        .collect();
    Ok(Json(json!({ "total": items.len(), "items": items })).into_response())
}

pub(super) async fn read_community(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    known_params(&pairs, &["page"], &ctx)?;
    let (page, _) = crate::forms::paging(&pairs, FEED_PAGE).map_err(|e| api_err(e, &ctx))?;
    let id: CommunityId = id.parse().map_err(|_| api_err(AppError::NotFound, &ctx))?;
    let app = state.app();
    let detail = app.community_detail(&ctx.actor, id).await.map_err(|e| api_err(e, &ctx))?;
    let feed = app.community_feed(&ctx.actor, id, page).await.map_err(|e| api_err(e, &ctx))?;
    let c = &detail.community;
    let mut body = json!(detail.summary);
    body["objectives"] = json!(c.data.objectives);
    body["activities"] = json!(c.data.activities);
    body["email"] = json!(c.data.email);
    body["website"] = json!(c.data.website);
    body["version"] = json!(c.version);
    body["created_at"] = json!(c.created_at);
    body["updated_at"] = json!(c.updated_at);
    body["url"] = json!(format!("/communautes/{id}"));
    body["referents"] = json!(detail.referents);
    if !detail.members_list.is_empty() {
        body["members_list"] = json!(detail.members_list);
    }
    if detail.may_manage {
        body["pending"] = json!(detail.pending);
    }
    body["publications"] = json!({
        "total": feed.total,
        "page": page,
        "per_page": FEED_PAGE,
        "items": feed.publications.iter().map(|p| json!({
            "id": p.id,
            "title": p.title,
            "body": p.body,
            "author": p.author_name,
            "created_at": p.created_at,
        })).collect::<Vec<_>>(),
    });
    Ok(Json(body).into_response())
}
