//! Static assets embedded in the binary (styles, scripts, vendored Leaflet) and the
//! shipped département boundaries: nothing is fetched from elsewhere at run time.
//!
//! Text assets are compressed once, at their first request, and kept in memory: the
//! boundaries (~730 KB) go to phones on slow networks as ~200 KB of gzip. Each answer
//! carries an ETag (one per representation) and `Vary: Accept-Encoding`, and a matching
//! `If-None-Match` is answered 304.

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Assets;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/departements.geojson", get(boundaries))
        .route("/assets/{*path}", get(asset))
        .route(
            "/favicon.ico",
            get(|headers: HeaderMap| async move { asset(Path("favicon.svg".into()), headers).await }),
        )
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("geojson") => "application/geo+json",
        Some("json" | "map") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Below this size compression saves less than the header costs.
const COMPRESS_MIN: usize = 1024;

/// One asset ready to send: its plain bytes and, for text, its gzip bytes.
struct Prepared {
    content_type: &'static str,
    plain: Bytes,
    gzip: Option<Bytes>,
    /// The plain representation's ETag; the gzip one's ends in `-gz`.
    tag: String,
    cache_control: &'static str,
}

impl Prepared {
    fn new(path: &str, plain: Bytes) -> Self {
        use sha2::Digest;
        let content_type = content_type(path);
        let text = !matches!(content_type, "image/png" | "application/octet-stream");
        let gzip = (text && plain.len() >= COMPRESS_MIN).then(|| {
            use std::io::Write;
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(&plain).expect("writing to memory");
            Bytes::from(encoder.finish().expect("writing to memory"))
        });
        let hash = sha2::Sha256::digest(&plain);
        let tag = hash.iter().take(12).map(|b| format!("{b:02x}")).collect();
        // The API's description is revalidated at each use (it changes with the server);
        // files are kept a day.
        let cache_control = if path.starts_with("api/") { "no-cache" } else { "public, max-age=86400" };
        Self { content_type, plain, gzip, tag, cache_control }
    }

    fn respond(&self, headers: &HeaderMap) -> Response {
        let gzip = self.gzip.as_ref().filter(|_| accepts_gzip(headers));
        let etag = if gzip.is_some() { format!("\"{}-gz\"", self.tag) } else { format!("\"{}\"", self.tag) };
        let mut response = if if_none_match(headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut response = gzip.unwrap_or(&self.plain).clone().into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
            if gzip.is_some() {
                h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        };
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        if self.gzip.is_some() {
            h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        response
    }
}

/// Whether the client takes gzip: `gzip` (or `*`) listed in `Accept-Encoding` with a
/// quality above zero.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") || coding == "*")
                && quality > 0.0
        })
    })
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The assets prepared so far, by path (a few dozen at most: only embedded files).
fn cache() -> &'static Mutex<HashMap<String, Arc<Prepared>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Prepared>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The prepared asset at `path`, compressed at its first request (on a blocking thread:
/// the boundaries take a moment). Two first requests may both compress, harmlessly.
async fn prepared(
    path: String,
    plain: impl FnOnce(&str) -> Option<Bytes> + Send + 'static,
) -> Result<Option<Arc<Prepared>>, tokio::task::JoinError> {
    if let Some(p) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&path) {
        return Ok(Some(Arc::clone(p)));
    }
    tokio::task::spawn_blocking(move || {
        let p = Arc::new(Prepared::new(&path, plain(&path)?));
        cache().lock().unwrap_or_else(|p| p.into_inner()).insert(path, Arc::clone(&p));
        Some(p)
    })
    .await
}

/// Answers with the asset kept under `key` (its content type told by its extension; the
/// first part of the path says which kind of asset it is),
/// prepared from `plain` at its first request; 404 when `plain` has nothing.
pub(crate) async fn serve(
    key: String,
    headers: &HeaderMap,
    plain: impl FnOnce(&str) -> Option<Bytes> + Send + 'static,
) -> Response {
    match prepared(key, plain).await {
        Ok(Some(p)) => p.respond(headers),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    // Keys of other kinds of assets (the API documentation's) never start with `assets/`.
    let key = format!("assets/{path}");
    serve(key, &headers, move |_| Assets::get(&path).map(|file| Bytes::from(file.data.into_owned()))).await
}

async fn boundaries(headers: HeaderMap) -> Response {
    let geojson =
        |_: &str| Some(Bytes::from_static(maillage_territory::reference::departements_geojson().as_bytes()));
    serve("boundaries/departements.geojson".to_owned(), &headers, geojson).await
}
