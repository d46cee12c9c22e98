//! Security middleware: response headers (CSP…), the anonymous CSRF cookie, rate limits on
//! writes, and the CSRF check used by form and JSON handlers.

use crate::AppState;
use crate::context::{AnonCsrf, CSRF_COOKIE, Ctx, cookie, set_cookie};
use crate::error::{Surface, WebError};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use maillage_app::AppError;
use std::time::Duration;

/// Security headers on every response.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let docs = request.uri().path().starts_with("/api/docs");
    // A network's embeddable map is made to be framed by the network's own site; no
    // other page may be.
    let embed = {
        let path = request.uri().path();
        path.starts_with("/reseaux/") && path.ends_with("/carte") && path.matches('/').count() == 3
    };
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
        "default-src 'self'; img-src 'self' data: https:{tiles}; style-src {style}; script-src 'self'; object-src 'none'; \
         frame-ancestors {}; base-uri 'self'; form-action 'self'",
        if embed { "*" } else { "'none'" }
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if !embed {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    if state.web().hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
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

/// One minute: the window of the write and analysis budgets.
const BUDGET_WINDOW: Duration = Duration::from_secs(60);

/// Count a request against its budget: the account's when signed in (many people behind
/// one address each have their own), the address's otherwise. The request context is read
/// here (session look-up) and kept for the handler, which does not read it again. Beyond
/// the budget the request is answered 429 with `Retry-After` (the seconds left in the
/// window) and the handler does not run: nothing is written.
async fn within_budget(
    state: &AppState,
    request: Request,
    next: Next,
    kind: &str,
    per_account: u64,
    per_address: u64,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let surface = if parts.uri.path().starts_with("/api/") { Surface::Api } else { Surface::Page };
    let ctx = match Ctx::from_request_parts(&mut parts, state).await {
        Ok(ctx) => ctx,
        Err(e) => return WebError { surface, ..e }.into_response(),
    };
    let (key, limit) = match ctx.actor.user() {
        Some(user) => (format!("{kind}:account:{}", user.id), per_account),
        None => (format!("{kind}:address:{}", maillage_app::security::token_hash(&ctx.client)), per_address),
    };
    match state.app().hit_budget(&key, BUDGET_WINDOW).await {
        Ok(hit) if hit.count > limit => {
            let error = AppError::RateLimited { retry_after_s: hit.retry_after_s() };
            WebError { error, lang: ctx.lang, surface }.into_response()
        }
        Ok(_) => next.run(Request::from_parts(parts, body)).await,
        Err(error) => WebError { error, lang: ctx.lang, surface }.into_response(),
    }
}

/// Writes (POST, PUT, PATCH, DELETE) per minute, per account or per anonymous address,
/// counted in the database so that the limit holds across servers.
pub async fn write_rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let web = state.web();
    let (per_account, per_address) = (web.account_writes_per_minute, web.writes_per_minute);
    within_budget(&state, request, next, "write", per_account, per_address).await
}

/// Whether a request runs a territorial analysis: public, but each one costs CPU time.
pub fn is_analysis(path: &str) -> bool {
    path == "/territoire" || path.starts_with("/api/v1/territory/")
}

/// Territorial analyses per minute, per account or per anonymous address, with the
/// allowance of anonymous writes but their own counter (a visitor exploring maps does not
/// use up their edits), in the database so that the limit holds across servers.
pub async fn analysis_rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !(matches!(*request.method(), Method::GET | Method::HEAD) && is_analysis(request.uri().path())) {
        return next.run(request).await;
    }
    let allowance = state.web().writes_per_minute;
    within_budget(&state, request, next, "analysis", allowance, allowance).await
}

/// A request that takes longer than `request_timeout` until its response starts (a client
/// sending its body very slowly, a stuck query) is cut off with 503 and `Retry-After`;
/// dropping the handler rolls back its unfinished transaction.
pub async fn request_timeout(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let surface = if request.uri().path().starts_with("/api/") { Surface::Api } else { Surface::Page };
    let lang = crate::context::lang_from_request(request.uri().query(), request.headers());
    let path = request.uri().path().to_owned();
    match tokio::time::timeout(state.web().request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(path, "request timed out");
            WebError { error: AppError::Unavailable { retry_after_s: 10 }, lang, surface }.into_response()
        }
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
    WebError::bad_input("csrf", maillage_domain::messages::Message::new("error.csrf"), ctx.lang, surface)
}
