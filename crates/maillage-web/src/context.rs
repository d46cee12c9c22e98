//! Who is asking and in which language: the context extracted from every request.

use crate::AppState;
use crate::error::WebError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use maillage_app::Actor;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "maillage_session";
pub const CSRF_COOKIE: &str = "maillage_csrf";
pub const LANG_COOKIE: &str = "maillage_lang";

/// Interface language: French first, English second (the catalogue's).
pub use maillage_domain::messages::Lang;

/// The language of a request: `?lang=` first, then the cookie, then the browser's first
/// supported language.
pub fn lang_from_request(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let from_query = query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "lang").and_then(|(_, v)| Lang::parse(&v))
    });
    from_query
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or(""))))
        })
        .unwrap_or_default()
}

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value. Session and CSRF cookies are HttpOnly and SameSite=Lax.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The token a request's forms must carry, put in the request by the CSRF middleware
/// when the visitor had no cookie yet.
#[derive(Debug, Clone)]
pub struct AnonCsrf(pub String);

/// The request context: actor, language, CSRF token, session token and client key.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub lang: Lang,
    /// The token forms must send back (`csrf` field) and JSON writes in `X-CSRF-Token`.
    pub csrf: String,
    pub session_token: Option<String>,
    /// The client's address, for rate limits (never logged).
    pub client: String,
    /// The path and query of the request (for the language switch and login return).
    pub path_and_query: String,
}

impl Ctx {
    pub fn is_signed_in(&self) -> bool {
        self.actor.user().is_some()
    }
}

/// The client's address, for rate limits. With `proxy_hops` = 0, the TCP peer. With N, the
/// N-th address from the right of `X-Forwarded-For` (all its lines, in order): the one our
/// N-th proxy received the request from. Addresses further left were written by the client
/// itself and prove nothing. When the header has fewer than N addresses (a request that
/// did not come through every proxy), the TCP peer is used.
pub fn client_key(parts: &Parts, proxy_hops: usize) -> String {
    if proxy_hops > 0 {
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        if forwarded.len() >= proxy_hops {
            let client = forwarded[forwarded.len() - proxy_hops];
            if !client.is_empty() {
                return client.to_owned();
            }
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(ctx) = parts.extensions.get::<Ctx>() {
            return Ok(ctx.clone());
        }
        let lang = lang_from_request(parts.uri.query(), &parts.headers);
        let session_token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| !t.is_empty());
        let mut actor = Actor::Anonymous;
        let mut csrf = None;
        if let Some(token) = &session_token {
            match state.app().session_actor(token).await {
                Ok(Some((a, c))) => {
                    actor = a;
                    csrf = Some(c);
                }
                Ok(None) => {}
                Err(e) => return Err(WebError::page(e, lang)),
            }
        }
        let csrf = csrf
            .or_else(|| parts.extensions.get::<AnonCsrf>().map(|c| c.0.clone()))
            .or_else(|| cookie(&parts.headers, CSRF_COOKIE))
            .unwrap_or_default();
        let ctx = Ctx {
            actor,
            lang,
            csrf,
            session_token,
            client: client_key(parts, state.web().trusted_proxy_hops),
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(forwarded: &[&str]) -> Parts {
        let mut b = axum::http::Request::builder().uri("/");
        for f in forwarded {
            b = b.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        parts
    }

    #[test]
    fn the_client_is_counted_from_the_right_of_x_forwarded_for() {
        let p = parts(&["1.1.1.1, 203.0.113.7", "198.51.100.2"]);
        assert_eq!(client_key(&p, 0), "10.0.0.1", "no proxy: the header is ignored");
        assert_eq!(client_key(&p, 1), "198.51.100.2", "one proxy: the address it appended");
        assert_eq!(client_key(&p, 2), "203.0.113.7");
        assert_eq!(client_key(&p, 4), "10.0.0.1", "fewer addresses than proxies: the peer");
        assert_eq!(client_key(&parts(&[]), 1), "10.0.0.1");
    }

    #[test]
    fn language_comes_from_query_then_cookie_then_browser() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9,fr;q=0.8".parse().unwrap());
        assert_eq!(lang_from_request(None, &h), Lang::En);
        h.insert(header::COOKIE, "a=b; maillage_lang=fr".parse().unwrap());
        assert_eq!(lang_from_request(None, &h), Lang::Fr);
        assert_eq!(lang_from_request(Some("q=x&lang=en"), &h), Lang::En);
        assert_eq!(lang_from_request(None, &HeaderMap::new()), Lang::Fr);
    }
}
