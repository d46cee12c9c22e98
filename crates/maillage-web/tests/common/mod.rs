//! A real application on a fresh database (SQLite, or PostgreSQL when
//! MAILLAGE_TEST_POSTGRES_URL is set), driven in-process through its router.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use maillage_app::mail::Mailer;
use maillage_app::{App, AppConfig};
use maillage_store::testing::{TestDb, fresh_store};
use maillage_web::{AppState, WebConfig};
use serde_json::Value;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub outbox: tempfile::TempDir,
    /// The database (None for a second server beside the first, which keeps it alive).
    _db: Option<TestDb>,
    url: String,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The body with HTML character references decoded, as a person reads it.
    pub fn text(&self) -> String {
        self.body
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
    pub fn location(&self) -> String {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
    }
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }
}

/// A browser-like client: its cookies and CSRF token, and the address it connects from
/// (None: no connection address, as for a local call).
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    pub peer: Option<std::net::SocketAddr>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
    fn set(&mut self, name: &str, value: String) {
        self.cookies.retain(|(k, _)| k != name);
        self.cookies.push((name.to_owned(), value));
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(WebConfig { writes_per_minute: 10_000, ..WebConfig::default() }).await
}

/// Budgets out of the way: for tests of behaviour under load, not of the budgets.
pub fn load_config() -> WebConfig {
    WebConfig { writes_per_minute: 1_000_000, account_writes_per_minute: 1_000_000, ..WebConfig::default() }
}

pub async fn spawn_with(web: WebConfig) -> TestApp {
    let db = fresh_store().await.expect("test database");
    let outbox = tempfile::tempdir().unwrap();
    let app = App::new(db.store.clone(), Mailer::Outbox(outbox.path().to_owned()), AppConfig::default());
    let state = AppState::new(app, web);
    TestApp { router: maillage_web::router(state.clone()), state, outbox, url: db.url.clone(), _db: Some(db) }
}

/// A second server on the same database as `first` (its own pools, caches and index),
/// with [`load_config`].
pub async fn spawn_beside(first: &TestApp) -> TestApp {
    let store = maillage_store::Store::connect(&first.url).await.expect("second connection");
    let outbox = tempfile::tempdir().unwrap();
    let app = App::new(store, Mailer::Outbox(outbox.path().to_owned()), AppConfig::default());
    let state = AppState::new(app, load_config());
    TestApp { router: maillage_web::router(state.clone()), state, outbox, _db: None, url: first.url.clone() }
}

/// The CSRF token as a multipart form's first field (boundary `B`), as the upload page
/// sends it, before the fields of `body`.
pub fn with_csrf(csrf: &str, body: Vec<u8>) -> Vec<u8> {
    let mut out =
        format!("--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    out.extend(body);
    out
}

impl TestApp {
    /// Post a multipart body (boundary `B`) as the upload page does: the client's CSRF
    /// token first.
    pub async fn upload(&self, client: &Client, uri: &str, body: Vec<u8>) -> Response {
        let body = with_csrf(&client.csrf, body);
        self.send(Some(client), Method::POST, uri, Some("multipart/form-data; boundary=B"), body, &[]).await
    }

    /// Run the jobs due now (the mail a request queued), as the server's job runner would.
    pub async fn run_jobs(&self) {
        self.state.app().run_due_jobs().await.expect("jobs run");
    }

    pub async fn send(
        &self,
        client: Option<&Client>,
        method: Method,
        uri: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(c) = client {
            builder = builder.header(header::COOKIE, c.cookie_header());
        }
        if let Some(ct) = content_type {
            builder = builder.header(header::CONTENT_TYPE, ct);
        }
        for (k, v) in extra {
            builder = builder.header(*k, *v);
        }
        if let Some(peer) = client.and_then(|c| c.peer) {
            builder = builder.extension(axum::extract::ConnectInfo(peer));
        }
        let response = self.router.clone().oneshot(builder.body(Body::from(body)).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, client: Option<&Client>, uri: &str) -> Response {
        self.send(client, Method::GET, uri, None, Vec::new(), &[]).await
    }

    /// Post a form as a browser would, with the client's CSRF token.
    pub async fn post_form(&self, client: &Client, uri: &str, fields: &[(&str, &str)]) -> Response {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("csrf", &client.csrf);
        for (k, v) in fields {
            s.append_pair(k, v);
        }
        self.send(
            Some(client),
            Method::POST,
            uri,
            Some("application/x-www-form-urlencoded"),
            s.finish().into_bytes(),
            &[],
        )
        .await
    }

    pub async fn json(&self, client: Option<&Client>, method: Method, uri: &str, body: &Value) -> Response {
        let csrf = client.map(|c| c.csrf.clone()).unwrap_or_default();
        self.send(
            client,
            method,
            uri,
            Some("application/json"),
            body.to_string().into_bytes(),
            &[("x-csrf-token", &csrf)],
        )
        .await
    }

    /// A visitor who has loaded a page (and so has the CSRF cookie).
    pub async fn visitor(&self) -> Client {
        self.visitor_from(None).await
    }

    /// A visitor connecting from `peer`.
    pub async fn visitor_from(&self, peer: Option<std::net::SocketAddr>) -> Client {
        let first = Client { peer, ..Client::default() };
        let r = self.get(Some(&first), "/connexion").await;
        let token = r.cookie("maillage_csrf").expect("CSRF cookie on first visit");
        let mut c = first;
        c.set("maillage_csrf", token.clone());
        c.csrf = token;
        c
    }

    pub async fn create_user(&self, email: &str, admin: bool) {
        self.state.app().create_user(email, "Test", "mot-de-passe-solide", admin).await.unwrap();
    }

    /// Sign in through the login form; returns a client with the session cookie and the
    /// session's CSRF token.
    pub async fn sign_in(&self, email: &str) -> Client {
        self.sign_in_from(email, None).await
    }

    /// Sign in from `peer`.
    pub async fn sign_in_from(&self, email: &str, peer: Option<std::net::SocketAddr>) -> Client {
        let mut c = self.visitor_from(peer).await;
        let r =
            self.post_form(&c, "/connexion", &[("email", email), ("password", "mot-de-passe-solide")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login failed: {}", r.body);
        c.set("maillage_session", r.cookie("maillage_session").unwrap());
        let s = self.get(Some(&c), "/api/v1/session").await;
        c.csrf = s.json()["csrf_token"].as_str().unwrap().to_owned();
        c
    }

    pub async fn user(&self, email: &str, admin: bool) -> Client {
        self.create_user(email, admin).await;
        self.sign_in(email).await
    }
}

/// A valid place in Saint-Étienne.
pub fn place_json(name: &str) -> Value {
    serde_json::json!({
        "name": name,
        "types": ["fablab"],
        "summary": "Un fablab associatif.",
        "address": "3 rue Javelin-Pagnon",
        "postal_code": "42000",
        "commune_code": "42218",
        "latitude": 45.4397,
        "longitude": 4.3872,
        "services": ["machines", "training"],
        "equipment": ["Découpeuse laser"],
        "opening_hours": "Tu-Sa 14:00-19:00; PH off",
        "siret": "73282932000074",
        "email": "contact@exemple.fr",
        "phone": "04 77 12 34 56",
        "website": "https://exemple.fr"
    })
}

/// The string fields of a place input (JSON and form name) with the maximum length the
/// domain applies: one table for the abuse tests and the OpenAPI check.
pub fn place_string_bounds() -> Vec<(&'static str, usize)> {
    vec![
        ("name", maillage_domain::place::NAME_MAX),
        ("summary", maillage_domain::place::SUMMARY_MAX),
        ("description", maillage_domain::place::DESCRIPTION_MAX),
        ("address", maillage_domain::place::ADDRESS_MAX),
        ("postal_code", maillage_domain::place::POSTAL_CODE_MAX),
        ("commune_code", maillage_domain::place::COMMUNE_CODE_MAX),
        ("commune_name", maillage_domain::place::COMMUNE_NAME_MAX),
        ("siret", maillage_domain::place::SIRET_MAX),
        ("rna", maillage_domain::place::RNA_MAX),
        ("opening_hours", maillage_domain::place::OPENING_HOURS_MAX),
        ("accessibility_url", maillage_domain::place::URL_MAX),
        ("email", maillage_domain::place::EMAIL_MAX),
        ("phone", maillage_domain::place::PHONE_MAX),
        ("website", maillage_domain::place::URL_MAX),
        ("status", maillage_domain::place::STATUS_MAX),
    ]
}
