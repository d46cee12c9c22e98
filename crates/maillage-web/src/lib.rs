#![doc = include_str!("../README.md")]

mod account;
mod api;
mod assets;
mod context;
mod error;
mod forms;
mod geocache;
mod i18n;
mod openapi;
mod pages;
mod security;
mod territory;
mod views;

pub use context::Lang;
pub use geocache::GeoCache;

use axum::Router;
use maillage_app::App;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Tile URL template for the map (e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`).
    /// None: the map draws the shipped département boundaries only (works offline).
    pub tile_url: Option<String>,
    pub tile_attribution: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy_headers: bool,
    /// Largest request body accepted, in bytes (imports included).
    pub max_body_bytes: usize,
    /// Writes (POST, PUT, DELETE) allowed per client per minute.
    pub writes_per_minute: u64,
    /// Send cookies with `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            tile_url: None,
            tile_attribution: None,
            trust_proxy_headers: false,
            max_body_bytes: 20 * 1024 * 1024,
            writes_per_minute: 120,
            secure_cookies: false,
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
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::write_rate_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::analysis_rate_limit))
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

/// Serve until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let purge_state = state.clone();
    // Expired sessions, reset tokens and rate events are removed in the background.
    let purger = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let before = chrono::Utc::now() - chrono::Duration::hours(2);
            if let Err(e) = purge_state.app().store.purge_expired(before).await {
                tracing::warn!(error = %e, "purge of expired sessions failed");
            }
        }
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    purger.abort();
    result
}
