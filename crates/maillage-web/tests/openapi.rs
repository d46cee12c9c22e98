//! The OpenAPI document describes every API route the server has, and only those.

mod common;

use axum::http::StatusCode;
use common::*;

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_route_answers() {
    let app = spawn().await;
    let r = app.get(None, "/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let source = include_str!("../src/api.rs");
    let routed: Vec<String> = source
        .split(".route(\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .chain(["/api/v1/openapi.json".to_owned()])
        .collect();
    for path in &routed {
        assert!(documented.contains(path), "{path} is not documented");
    }
    for path in &documented {
        assert!(routed.contains(path), "{path} is documented but not routed");
        for (method, op) in doc["paths"][path].as_object().unwrap() {
            assert!(
                op["responses"].as_object().is_some_and(|r| !r.is_empty()),
                "{method} {path} has no responses"
            );
        }
    }
    let ui = app.get(None, "/api/docs/").await;
    assert_eq!(ui.status, StatusCode::OK);
    assert!(ui.body.contains("swagger"), "the offline Swagger UI is served");
}
