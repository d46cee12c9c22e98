//! The OpenAPI 3.1 document (written by hand in `openapi.json`, checked by tests against
//! the routes) served at `/api/v1/openapi.json`, and an offline Swagger UI at `/api/docs/`:
//! a page of the site (its header, language, landmarks and viewport) into which Swagger
//! UI's files, served from the binary and compressed like the other assets, draw the
//! document.

use crate::AppState;
use crate::context::Ctx;
use crate::i18n::t;
use crate::views::{ApiDocsPage, Chrome, RenderHtml};
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use std::io::Read;
use std::sync::Arc;

pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    // Without the top bar (an address field, useless here), the online validator badge
    // (it asks another host) or deep links (links nested in the operations' buttons).
    let config = Arc::new(
        utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
            .use_base_layout()
            .validator_url("none")
            .deep_linking(false),
    );
    Router::new()
        // As written (valid JSON, tested), compressed like the other assets.
        .route("/api/v1/openapi.json", get(document))
        .route("/api/docs", get(|| async { Redirect::to("/api/docs/") }))
        .route("/api/docs/", get(page))
        .route(
            "/api/docs/{*path}",
            get(move |Path(path): Path<String>, headers: HeaderMap| file(path, headers, config)),
        )
}

async fn document(headers: HeaderMap) -> Response {
    crate::assets::serve("api/openapi.json".to_owned(), &headers, |_| {
        Some(Bytes::from_static(OPENAPI_JSON.as_bytes()))
    })
    .await
}

async fn page(ctx: Ctx) -> Response {
    let page = ApiDocsPage { c: Chrome::new(&ctx, t(ctx.lang, "apidocs.title")) };
    Html(page.render_html()).into_response()
}

/// One of Swagger UI's files (their initializer holds the configuration); the page itself
/// is ours, not Swagger UI's `index.html`.
async fn file(path: String, headers: HeaderMap, config: Arc<utoipa_swagger_ui::Config<'static>>) -> Response {
    if path == "index.html" {
        return Redirect::to("/api/docs/").into_response();
    }
    let key = format!("docs/{path}");
    crate::assets::serve(key, &headers, move |_| {
        let file = utoipa_swagger_ui::serve(&path, config).ok()??;
        if file.gzpipped {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&file.bytes[..]).read_to_end(&mut plain).ok()?;
            Some(Bytes::from(plain))
        } else {
            Some(Bytes::from(file.bytes.into_owned()))
        }
    })
    .await
}
