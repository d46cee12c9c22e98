//! Security middleware: response headers (CSP…), the anonymous CSRF cookie, rate limits on
//! writes, and the CSRF check used by form and JSON handlers.

use crate::AppState;
use crate::context::{AnonCsrf, CSRF_COOKIE, Ctx, client_key, cookie, set_cookie};
use crate::error::{Surface, WebError};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maillage_app::AppError;

/// Security headers on every response.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let tiles = state
        .web()
        .tile_url
        .as_deref()
        .and_then(|u| u.split("://").nth(1).map(|rest| (u.split("://").next().unwrap_or("https"), rest)))
        .and_then(|(scheme, rest)| {
            rest.split('/').next().map(|host| format!(" {scheme}://{}", host.replace("{s}", "*")))
        })
        .unwrap_or_default();
    // The API documentation page (Swagger UI) needs inline styles; nothing else does.
    let style = if docs { "'self' 'unsafe-inline'" } else { "'self'" };
    let csp = format!(
        "default-src 'self'; img-src 'self' data:{tiles}; style-src {style}; script-src 'self'; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    response
}

/// Give every visitor a CSRF token in a cookie, so that forms used before signing in
/// (login, password reset) are protected too (double-submit).
pub async fn ensure_csrf_cookie(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let has = cookie(request.headers(), CSRF_COOKIE).is_some_and(|v| v.len() >= 32);
    if has {
        return next.run(request).await;
    }
    let token = maillage_app::security::random_token();
    request.extensions_mut().insert(AnonCsrf(token.clone()));
    let mut response = next.run(request).await;
    if let Ok(v) =
        HeaderValue::from_str(&set_cookie(CSRF_COOKIE, &token, 60 * 60 * 24 * 30, state.web().secure_cookies))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Writes (POST, PUT, PATCH, DELETE) per client per minute, counted in the database so
/// that the limit holds across servers.
pub async fn write_rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let client = client_key(&parts, state.web().trust_proxy_headers);
    let api = parts.uri.path().starts_with("/api/");
    let lang = crate::context::Lang::from_request(parts.uri.query(), &parts.headers);
    let since = chrono::Utc::now() - chrono::Duration::minutes(1);
    let key = format!("write:{}", maillage_app::security::token_hash(&client));
    match state.app().store.hit_rate_bucket(&key, since).await {
        Ok(n) if n > state.web().writes_per_minute => {
            let surface = if api { Surface::Api } else { Surface::Page };
            WebError { error: AppError::RateLimited { retry_after_s: 60 }, lang, surface }.into_response()
        }
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => WebError { error: e.into(), lang, surface: Surface::Page }.into_response(),
    }
}

/// Whether a request runs a territorial analysis: public, but each one costs CPU time.
pub fn is_analysis(path: &str) -> bool {
    path == "/territoire" || path.starts_with("/api/v1/territory/")
}

/// Territorial analyses per client per minute, with the same allowance as writes but their
/// own counter (a visitor exploring maps does not use up their edits), in the database so
/// that the limit holds across servers.
pub async fn analysis_rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !(matches!(*request.method(), Method::GET | Method::HEAD) && is_analysis(request.uri().path())) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let client = client_key(&parts, state.web().trust_proxy_headers);
    let api = parts.uri.path().starts_with("/api/");
    let lang = crate::context::Lang::from_request(parts.uri.query(), &parts.headers);
    let since = chrono::Utc::now() - chrono::Duration::minutes(1);
    let key = format!("analysis:{}", maillage_app::security::token_hash(&client));
    let surface = if api { Surface::Api } else { Surface::Page };
    match state.app().store.hit_rate_bucket(&key, since).await {
        Ok(n) if n > state.web().writes_per_minute => {
            WebError { error: AppError::RateLimited { retry_after_s: 60 }, lang, surface }.into_response()
        }
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => WebError { error: e.into(), lang, surface }.into_response(),
    }
}

/// Constant-time comparison of the CSRF token sent with the expected one.
pub fn csrf_ok(ctx: &Ctx, sent: Option<&str>) -> bool {
    let expected = ctx.csrf.as_bytes();
    match sent {
        Some(sent) if !expected.is_empty() && sent.len() == expected.len() => {
            sent.bytes().zip(expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
        }
        _ => false,
    }
}

/// The error for a failed CSRF check.
pub fn csrf_error(ctx: &Ctx, surface: Surface) -> WebError {
    WebError::bad_input(
        "csrf",
        crate::i18n::t(crate::context::Lang::Fr, "error.csrf").into(),
        crate::i18n::t(crate::context::Lang::En, "error.csrf").into(),
        ctx.lang,
        surface,
    )
}
