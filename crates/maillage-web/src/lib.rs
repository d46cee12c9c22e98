#![doc = include_str!("../README.md")]

mod account;
mod api;
mod assets;
mod context;
mod error;
mod forms;
mod geocache;
mod history;
mod hours;
mod i18n;
mod openapi;
mod pages;
pub mod routes;
mod search;
mod security;
mod territory;
mod views;

pub use context::Lang;
pub use geocache::GeoCache;

use axum::Router;
use maillage_app::App;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Tile URL template for the map (e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`).
    /// None: the map draws the shipped département boundaries only (works offline).
    pub tile_url: Option<String>,
    pub tile_attribution: Option<String>,
    /// How many reverse proxies of ours stand in front of the server. 0: the client is the
    /// peer of the TCP connection and `X-Forwarded-For` is ignored. N: the client is the
    /// N-th address from the right of `X-Forwarded-For` (each proxy appends the address it
    /// received the request from; anything further left was written by the client and is
    /// not trusted). With fewer addresses than N, the TCP peer is used.
    pub trusted_proxy_hops: usize,
    /// Largest request body accepted, in bytes (imports included).
    pub max_body_bytes: usize,
    /// Writes (POST, PUT, DELETE) allowed per minute from one address when not signed in,
    /// and territorial analyses per minute per account or, when not signed in, per address.
    pub writes_per_minute: u64,
    /// Writes allowed per minute per signed-in account (wherever it writes from: many
    /// people behind one address each have their own budget).
    pub account_writes_per_minute: u64,
    /// Send cookies with `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Send `Strict-Transport-Security` (only when the site is served over HTTPS).
    pub hsts: bool,
    /// Longest wait for a request's headers, and for the next request on an idle
    /// keep-alive connection; the connection is closed beyond it.
    pub header_timeout: Duration,
    /// Longest time a whole request may take until its response starts (reading the body
    /// included: mind large imports); beyond it, 503 with `Retry-After`.
    pub request_timeout: Duration,
    /// Connections served at once; further ones wait in the accept queue.
    pub max_connections: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            tile_url: None,
            tile_attribution: None,
            trusted_proxy_hops: 0,
            max_body_bytes: 20 * 1024 * 1024,
            writes_per_minute: 120,
            account_writes_per_minute: 300,
            secure_cookies: false,
            hsts: false,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_connections: 1024,
        }
    }
}

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub(crate) struct Inner {
    pub app: App,
    pub web: WebConfig,
    pub geo: GeoCache,
}

impl AppState {
    pub fn new(app: App, web: WebConfig) -> Self {
        Self(Arc::new(Inner { app, web, geo: GeoCache::default() }))
    }
    pub fn app(&self) -> &App {
        &self.0.app
    }
    pub(crate) fn web(&self) -> &WebConfig {
        &self.0.web
    }
    pub(crate) fn geo(&self) -> &GeoCache {
        &self.0.geo
    }
}

/// Every route of the site and the API.
pub fn router(state: AppState) -> Router {
    let max_body = state.web().max_body_bytes;
    Router::new()
        .merge(pages::routes())
        .merge(account::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .merge(openapi::routes())
        .fallback(unknown_route)
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::write_rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::analysis_rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::request_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::ensure_csrf_cookie))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        // Spans name the path only: query strings may hold secrets (reset links) or
        // personal data (searches), and they stay out of the logs.
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(
            |request: &axum::http::Request<axum::body::Body>| {
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
            },
        ))
        .with_state(state)
}

/// An address no route serves: a 404 page in the visitor's language with a way back to
/// the directory, or a JSON error under `/api/` (code `unknown_route`, which a client can
/// tell from a known route's `not_found`).
async fn unknown_route(ctx: context::Ctx) -> axum::response::Response {
    use axum::response::IntoResponse;
    let status = axum::http::StatusCode::NOT_FOUND;
    let message = i18n::t(ctx.lang, "error.unknown_route").to_owned();
    if ctx.path_and_query.starts_with("/api/") {
        let body = serde_json::json!({ "error": { "code": "unknown_route", "message": message } });
        (status, axum::Json(body)).into_response()
    } else {
        let page = views::ErrorPage::new(ctx.lang, status.as_u16(), message);
        (status, axum::response::Html(views::RenderHtml::render_html(&page))).into_response()
    }
}

/// Serve until `shutdown` completes, then let the requests in progress finish (30 s at
/// most).
///
/// Each connection must send its request headers within `header_timeout` (and, when kept
/// alive, its next request within the same time), so slow or idle clients cannot hold
/// connections forever; at most `max_connections` are served at once, the others wait in
/// the accept queue. Handlers see the peer as `ConnectInfo<SocketAddr>`.
///
/// Background work (mail, purges of expired sessions and counters) is the job runner's
/// (`App::start_jobs`), which the caller starts beside the server.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;

    let web = state.web().clone();
    let mut make_service = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(web.header_timeout).keep_alive(true);
    let slots = Arc::new(tokio::sync::Semaphore::new(web.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let tower_service = match make_service.call(peer).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            tower::ServiceExt::oneshot(tower_service.clone(), request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(30)) => {
            tracing::warn!("requests still running 30 s after the shutdown signal: stopping anyway");
        }
    }
    Ok(())
}
