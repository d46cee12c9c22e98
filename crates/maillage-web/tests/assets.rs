//! Static assets for slow networks: the département boundaries and the other text assets
//! are sent gzip-compressed to clients that take it (and plain to the others), with one
//! ETag per representation, `Vary: Accept-Encoding`, and 304 on revalidation.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use common::*;
use http_body_util::BodyExt;
use std::io::Read;
use tower::ServiceExt;

async fn fetch(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut builder = Request::builder().uri(uri);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = app.router.clone().oneshot(builder.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, bytes)
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut plain).expect("valid gzip");
    plain
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> &str {
    headers.get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn the_boundaries_are_sent_compressed_to_clients_that_take_gzip() {
    let app = spawn().await;
    let expected = maillage_territory::reference::departements_geojson().as_bytes();
    assert!(expected.len() > 500_000, "the boundaries are the large asset this is about");

    let (status, headers, gzip) =
        fetch(&app, "/assets/departements.geojson", &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/geo+json");
    assert!(header(&headers, header::VARY).to_ascii_lowercase().contains("accept-encoding"));
    assert!(gzip.len() < 250_000, "{} bytes compressed", gzip.len());
    assert_eq!(gunzip(&gzip), expected, "the compressed body inflates to the boundaries");
    let gzip_tag = header(&headers, header::ETAG).to_owned();
    assert!(gzip_tag.starts_with('"') && gzip_tag.ends_with('"'), "a strong ETag: {gzip_tag}");

    // Without the header, or refusing gzip: the plain file.
    for refused in
        [&[][..], &[("accept-encoding", "gzip;q=0, identity")][..], &[("accept-encoding", "br")][..]]
    {
        let (status, headers, plain) = fetch(&app, "/assets/departements.geojson", refused).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, header::CONTENT_ENCODING), "", "{refused:?}");
        assert_eq!(plain, expected, "{refused:?}");
        assert!(header(&headers, header::VARY).to_ascii_lowercase().contains("accept-encoding"));
        // Each representation has its own ETag.
        assert_ne!(header(&headers, header::ETAG), gzip_tag);
    }

    // Revalidation: 304 without a body for the same representation, the body otherwise.
    let (status, headers, body) = fetch(
        &app,
        "/assets/departements.geojson",
        &[("accept-encoding", "gzip"), ("if-none-match", &gzip_tag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(header(&headers, header::ETAG), gzip_tag);
    let (status, _, body) =
        fetch(&app, "/assets/departements.geojson", &[("if-none-match", &gzip_tag)]).await;
    assert_eq!(status, StatusCode::OK, "the gzip ETag does not validate the plain file");
    assert_eq!(body, expected);
}

#[tokio::test]
async fn other_text_assets_are_compressed_too_and_images_are_not() {
    let app = spawn().await;
    for path in ["/assets/site.css", "/assets/map.js", "/assets/vendor/leaflet/leaflet.js"] {
        let (status, headers, plain) = fetch(&app, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, header::CONTENT_ENCODING), "", "{path}");
        let (status, headers, gzip) = fetch(&app, path, &[("accept-encoding", "gzip")]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip", "{path}");
        assert!(gzip.len() < plain.len(), "{path}: {} compressed, {} plain", gzip.len(), plain.len());
        assert_eq!(gunzip(&gzip), plain, "{path}");
    }
    // The OpenAPI document too, revalidated at each use.
    let (status, headers, gzip) = fetch(&app, "/api/v1/openapi.json", &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "gzip");
    assert_eq!(header(&headers, header::CONTENT_TYPE), "application/json");
    assert_eq!(header(&headers, header::CACHE_CONTROL), "no-cache");
    assert_eq!(gunzip(&gzip), include_str!("../openapi.json").as_bytes());
    let (status, headers, _) =
        fetch(&app, "/assets/vendor/leaflet/images/marker-icon.png", &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&headers, header::CONTENT_ENCODING), "", "PNG is compressed already");
    let (status, _, _) = fetch(&app, "/assets/nothing-here.js", &[("accept-encoding", "gzip")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
