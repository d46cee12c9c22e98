//! Static assets embedded in the binary (styles, scripts, vendored Leaflet) and the
//! shipped département boundaries: nothing is fetched from elsewhere at run time.

use crate::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Assets;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/departements.geojson", get(boundaries))
        .route("/assets/{*path}", get(asset))
        .route("/favicon.ico", get(|| async { asset(Path("favicon.svg".into())).await }))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("json" | "geojson") => "application/geo+json",
        _ => "application/octet-stream",
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type(&path))),
                (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
            ],
            file.data,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn boundaries() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        maillage_territory::reference::departements_geojson(),
    )
        .into_response()
}
