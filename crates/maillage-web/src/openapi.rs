//! The OpenAPI 3.1 document (written by hand in `openapi.json`, checked by a test against
//! the router's routes) and an offline Swagger UI.

use crate::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    let doc: utoipa::openapi::OpenApi = serde_json::from_str(OPENAPI_JSON).expect("openapi.json is valid (tested)");
    Router::new()
        .route(
            "/api/v1/openapi.json",
            get(|| async { ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], OPENAPI_JSON).into_response() }),
        )
        .merge(utoipa_swagger_ui::SwaggerUi::new("/api/docs").url("/api/docs/openapi.json", doc))
}
