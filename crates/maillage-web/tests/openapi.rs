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
    let source = include_str!("../src/api/mod.rs");
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

#[tokio::test]
async fn the_api_documentation_is_a_page_of_the_site_with_swagger_ui_served_from_the_binary() {
    let app = spawn().await;
    let page = app.get(None, "/api/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    for needed in [
        "<html lang=\"fr\"",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<main id=\"content\"",
        "<a href=\"/\">",
        "<div id=\"swagger-ui\"></div>",
        "<noscript>",
        "href=\"/api/v1/openapi.json\"",
    ] {
        assert!(page.body.contains(needed), "{needed} missing from the documentation page");
    }
    let english = app.get(None, "/api/docs/?lang=en").await;
    assert!(english.body.contains("<html lang=\"en\"") && english.body.contains("API documentation"));
    assert_eq!(app.get(None, "/api/docs").await.location(), "/api/docs/");
    assert_eq!(app.get(None, "/api/docs/index.html").await.location(), "/api/docs/");
    for (file, kind) in [
        ("swagger-ui.css", "text/css"),
        ("swagger-ui-bundle.js", "javascript"),
        ("swagger-ui-standalone-preset.js", "javascript"),
        ("swagger-initializer.js", "javascript"),
    ] {
        let r = app.get(None, &format!("/api/docs/{file}")).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        let content_type = r.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(content_type.contains(kind), "{file}: {content_type}");
        assert!(
            r.headers.get("content-encoding").is_none(),
            "{file} sent compressed to a client that did not ask"
        );
    }
    let init = app.get(None, "/api/docs/swagger-initializer.js").await.body;
    assert!(init.contains("/api/v1/openapi.json"), "{init}");
    assert!(init.contains("\"BaseLayout\""), "no top bar: {init}");
    assert!(init.contains("\"deepLinking\": false"), "no links nested in buttons: {init}");
    assert!(init.contains("\"validatorUrl\": \"none\""), "no online validator: {init}");
    assert_eq!(app.get(None, "/api/docs/nothing.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_place_input_schema_states_every_bound_the_server_applies() {
    use maillage_domain::place as p;
    let app = spawn().await;
    let doc = app.get(None, "/api/v1/openapi.json").await.json();
    let props = &doc["components"]["schemas"]["PlaceInput"]["properties"];
    let strings = place_string_bounds();
    for (field, max) in strings {
        assert_eq!(props[field]["maxLength"], max, "{field}");
    }
    for field in ["types", "services", "publics", "support", "fees", "access_modes", "labels"] {
        assert_eq!(props[field]["maxItems"], p::TERMS_MAX, "{field}");
        assert_eq!(props[field]["items"]["maxLength"], p::TERM_MAX, "{field}");
    }
    assert_eq!(props["equipment"]["maxItems"], p::EQUIPMENT_ITEMS_MAX);
    assert_eq!(props["equipment"]["items"]["maxLength"], p::EQUIPMENT_MAX);
    for (name, schema) in props.as_object().unwrap() {
        match schema["type"].as_str() {
            Some("string") => assert!(schema["maxLength"].is_u64(), "{name} has no maxLength"),
            Some("array") => assert!(schema["maxItems"].is_u64(), "{name} has no maxItems"),
            _ => {}
        }
    }
}

#[tokio::test]
async fn every_operation_documents_unavailability_and_every_write_its_budget_with_retry_after() {
    let app = spawn().await;
    let doc = app.get(None, "/api/v1/openapi.json").await.json();
    for name in ["Unavailable", "TooManyRequests"] {
        let response = &doc["components"]["responses"][name];
        assert_eq!(response["headers"]["Retry-After"]["schema"]["type"], "integer", "{name}");
    }
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let responses = &op["responses"];
            if path != "/api/v1/openapi.json" {
                // Any route may meet an unreachable database or the request timeout.
                assert_eq!(responses["503"]["$ref"], "#/components/responses/Unavailable", "{method} {path}");
            }
            if ["post", "put", "delete"].contains(&method.as_str()) {
                // Every write goes through the write budget.
                assert_eq!(
                    responses["429"]["$ref"], "#/components/responses/TooManyRequests",
                    "{method} {path}"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_postal_code_pattern_accepts_what_the_server_accepts() {
    let app = spawn().await;
    let doc = app.get(None, "/api/v1/openapi.json").await.json();
    let pattern =
        doc["components"]["schemas"]["PlaceInput"]["properties"]["postal_code"]["pattern"].as_str().unwrap();
    let re = regex::Regex::new(pattern).unwrap();
    for accepted in ["69001", " 69 001 ", "69\u{a0}001", "1000", "01000"] {
        assert!(maillage_domain::fields::PostalCode::parse(accepted).is_ok(), "{accepted:?}");
        assert!(re.is_match(accepted), "{accepted:?} is accepted by the server but not by the pattern");
    }
    for refused in ["690011", "69-001", "abcde", ""] {
        if re.is_match(refused) {
            assert!(maillage_domain::fields::PostalCode::parse(refused).is_err(), "{refused:?}");
        }
    }
}

#[tokio::test]
async fn the_export_route_documents_exactly_its_formats_and_their_media_types() {
    let app = spawn().await;
    let doc = app.get(None, "/api/v1/openapi.json").await.json();
    let export = &doc["paths"]["/api/v1/export"]["get"];
    let format = export["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "format").unwrap();
    let documented: Vec<&str> =
        format["schema"]["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let served: Vec<&str> = maillage_app::Format::ALL.iter().map(|f| f.name()).collect();
    assert_eq!(documented, served);
    let content = export["responses"]["200"]["content"].as_object().unwrap();
    let mut media: Vec<&str> =
        maillage_app::Format::ALL.iter().map(|f| f.content_type().split(';').next().unwrap()).collect();
    media.sort_unstable();
    media.dedup();
    let mut listed: Vec<&str> = content.keys().map(String::as_str).collect();
    listed.sort_unstable();
    assert_eq!(listed, media, "every type answered is documented, and only those");
    assert_eq!(app.get(None, "/api/v1/export?format=ods").await.status, StatusCode::UNPROCESSABLE_ENTITY);
}
