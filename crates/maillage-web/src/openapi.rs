//! The OpenAPI 3.1 document (written by hand in `openapi.json`, checked by tests against
//! the routes) served at `/api/v1/openapi.json`, and an offline Swagger UI at `/api/docs/`.

use crate::AppState;
use axum::Router;

pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

pub fn routes() -> Router<AppState> {
    let doc: serde_json::Value =
        serde_json::from_str(OPENAPI_JSON).expect("openapi.json is valid JSON (tested)");
    utoipa_swagger_ui::SwaggerUi::new("/api/docs").external_url_unchecked("/api/v1/openapi.json", doc).into()
}
