//! Nothing lost, nobody locked out, no request can freeze the server: client addresses
//! behind proxies, login throttling, write budgets, timeouts and connection limits, the
//! database going away, HSTS.

mod common;

use axum::http::{Method, StatusCode};
use common::{Client, TestApp, place_json, spawn_with};
use maillage_web::WebConfig;
use serde_json::json;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn peer(ip: &str) -> Option<SocketAddr> {
    Some(SocketAddr::new(ip.parse().unwrap(), 40_000))
}

fn retry_after(r: &common::Response) -> u64 {
    r.headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After on {}: {}", r.status, r.body))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn login(app: &TestApp, client: &Client, email: &str, password: &str) -> common::Response {
    app.post_form(client, "/connexion", &[("email", email), ("password", password)]).await
}

// --- 1. client address behind proxies ----------------------------------------------------

#[tokio::test]
async fn a_made_up_x_forwarded_for_does_not_escape_the_per_address_limit() {
    // One reverse proxy (10.0.0.1) in front: it appends the address it saw.
    let app =
        spawn_with(WebConfig { trusted_proxy_hops: 1, writes_per_minute: 3, ..WebConfig::default() }).await;
    let visitor = app.visitor_from(peer("10.0.0.1")).await;
    let mut statuses = Vec::new();
    for i in 0..6 {
        let forged = format!("192.0.2.{i}, 203.0.113.9");
        let body = format!("csrf={}&email=x%40exemple.fr", visitor.csrf);
        let r = app
            .send(
                Some(&visitor),
                Method::POST,
                "/mot-de-passe/oubli",
                Some("application/x-www-form-urlencoded"),
                body.into_bytes(),
                &[("x-forwarded-for", &forged)],
            )
            .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(
        statuses[3..],
        [429, 429, 429],
        "the client is 203.0.113.9 whatever it wrote first: {statuses:?}"
    );
    // Another client behind the same proxy has its own allowance.
    let body = format!("csrf={}&email=x%40exemple.fr", visitor.csrf);
    let r = app
        .send(
            Some(&visitor),
            Method::POST,
            "/mot-de-passe/oubli",
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            &[("x-forwarded-for", "203.0.113.10")],
        )
        .await;
    assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn without_trusted_proxies_x_forwarded_for_is_ignored() {
    let app = spawn_with(WebConfig { writes_per_minute: 2, ..WebConfig::default() }).await;
    let visitor = app.visitor_from(peer("198.51.100.1")).await;
    let mut last = StatusCode::OK;
    for i in 0..4 {
        let body = format!("csrf={}&email=x%40exemple.fr", visitor.csrf);
        let forged = format!("192.0.2.{i}");
        last = app
            .send(
                Some(&visitor),
                Method::POST,
                "/mot-de-passe/oubli",
                Some("application/x-www-form-urlencoded"),
                body.into_bytes(),
                &[("x-forwarded-for", &forged)],
            )
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

// --- 2. login throttling without lockout -------------------------------------------------

#[tokio::test]
async fn someone_guessing_a_password_does_not_lock_its_owner_out() {
    let app = spawn_with(WebConfig::default()).await;
    app.create_user("proprietaire@exemple.fr", false).await;
    let attacker = app.visitor_from(peer("198.51.100.66")).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(login(&app, &attacker, "proprietaire@exemple.fr", "devine").await.status.as_u16());
    }
    assert_eq!(statuses[..5], [401; 5], "{statuses:?}");
    assert!(statuses[5..].iter().all(|s| *s == 429), "then held back: {statuses:?}");
    // The owner, from home, signs in at once.
    let owner = app.visitor_from(peer("203.0.113.5")).await;
    let r = login(&app, &owner, "proprietaire@exemple.fr", "mot-de-passe-solide").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.cookie("maillage_session").is_some());
}

#[tokio::test]
async fn wrong_passwords_wait_longer_and_longer_and_a_success_starts_again() {
    let app = spawn_with(WebConfig::default()).await;
    app.create_user("anne@exemple.fr", false).await;
    let c = app.visitor_from(peer("198.51.100.7")).await;
    for _ in 0..5 {
        assert_eq!(login(&app, &c, "anne@exemple.fr", "faux").await.status, StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, &c, "anne@exemple.fr", "faux").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&r), 1, "first delay: 1 s");
    assert!(r.text().contains("réessayez dans 1 s"), "the page says how long: {}", r.text());
    // Even the right password waits its turn (the password is not checked).
    let r = login(&app, &c, "anne@exemple.fr", "mot-de-passe-solide").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(login(&app, &c, "anne@exemple.fr", "faux").await.status, StatusCode::UNAUTHORIZED);
    let r = login(&app, &c, "anne@exemple.fr", "faux").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&r), 2, "then 2 s");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = login(&app, &c, "anne@exemple.fr", "mot-de-passe-solide").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "after the delay the owner gets in: {}", r.text());
    for _ in 0..5 {
        assert_eq!(
            login(&app, &c, "anne@exemple.fr", "faux").await.status,
            StatusCode::UNAUTHORIZED,
            "a success gives the free attempts back"
        );
    }
    // The API says the same, with Retry-After.
    let api = app
        .json(
            Some(&c),
            Method::POST,
            "/api/v1/session",
            &json!({"email": "anne@exemple.fr", "password": "faux"}),
        )
        .await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(api.json()["error"]["code"], "rate_limited");
    assert_eq!(retry_after(&api), 1);
}

#[tokio::test]
async fn a_shared_office_signs_in_as_often_as_it_needs() {
    let app = spawn_with(WebConfig::default()).await;
    for i in 0..35 {
        let email = format!("agent{i}@exemple.fr");
        app.create_user(&email, false).await;
        let c = app.visitor_from(peer("192.0.2.200")).await;
        let r = login(&app, &c, &email, "mot-de-passe-solide").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {} from the office: {}", i + 1, r.text());
    }
}

#[tokio::test]
async fn many_accounts_tried_from_one_address_are_stopped() {
    let app = spawn_with(WebConfig::default()).await;
    app.create_user("vraie@exemple.fr", false).await;
    let stuffer = app.visitor_from(peer("198.51.100.99")).await;
    let mut statuses = Vec::new();
    for i in 0..32 {
        statuses
            .push(login(&app, &stuffer, &format!("victime{i}@exemple.fr"), "123456").await.status.as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 401), "{statuses:?}");
    assert_eq!(statuses[30..], [429, 429], "30 failures per address in 15 minutes");
    let r = login(&app, &stuffer, "vraie@exemple.fr", "mot-de-passe-solide").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) > 800, "until the window ends: {}", retry_after(&r));
    let elsewhere = app.visitor_from(peer("203.0.113.77")).await;
    let r = login(&app, &elsewhere, "vraie@exemple.fr", "mot-de-passe-solide").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "other addresses are not affected");
}

// --- 3. write budgets per account --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_coordinators_behind_one_address_are_never_refused() {
    let app = std::sync::Arc::new(spawn_with(WebConfig::default()).await);
    let mut coordinators = Vec::new();
    for i in 0..30 {
        let email = format!("coord{i}@exemple.fr");
        app.create_user(&email, false).await;
        coordinators.push(app.sign_in_from(&email, peer("192.0.2.50")).await);
    }
    // All at once: 30 people, 50 writes each, from one address.
    let mut tasks = Vec::new();
    for (i, c) in coordinators.into_iter().enumerate() {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for round in 0..50 {
                let place = place_json(&format!("Lieu {i}-{round}"));
                let r = app.json(Some(&c), Method::POST, "/api/v1/places", &place).await;
                statuses.push((r.status, r.body));
            }
            statuses
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.extend(t.await.unwrap());
    }
    assert_eq!(statuses.len(), 1500);
    let refused = statuses.iter().filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(refused, 0, "1,500 writes from 30 accounts behind one address");
    let other: Vec<_> = statuses.iter().filter(|(s, _)| *s != StatusCode::CREATED).collect();
    assert!(other.is_empty(), "{other:?}");
}

#[tokio::test]
async fn an_account_over_its_budget_is_refused_and_nothing_is_stored() {
    let app = spawn_with(WebConfig { account_writes_per_minute: 5, ..WebConfig::default() }).await;
    let busy = app.user("pressee@exemple.fr", false).await;
    let mut statuses = Vec::new();
    let mut retry = Vec::new();
    for i in 0..9 {
        let r =
            app.json(Some(&busy), Method::POST, "/api/v1/places", &place_json(&format!("Lieu {i}"))).await;
        statuses.push(r.status.as_u16());
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(r.json()["error"]["code"], "rate_limited");
            retry.push(retry_after(&r));
        }
    }
    assert_eq!(statuses, [201, 201, 201, 201, 201, 429, 429, 429, 429]);
    assert!(retry.iter().all(|s| (1..=60).contains(s)), "seconds left in the minute: {retry:?}");
    let mine = app.get(Some(&busy), "/api/v1/places?mine=1&status=draft").await;
    assert_eq!(mine.json()["total"], 5, "refused writes stored nothing");
    // A form post is refused the same way, as a page.
    let r = app
        .post_form(
            &busy,
            "/lieux/nouveau",
            &[("name", "Encore"), ("types", "fablab"), ("postal_code", "42000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().contains("Trop de tentatives"), "{}", r.text());
    // A colleague at the same address is not held up.
    let colleague = app.user("collegue@exemple.fr", false).await;
    let r = app.json(Some(&colleague), Method::POST, "/api/v1/places", &place_json("Lieu du collègue")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn analyses_are_counted_per_account_when_signed_in() {
    let app = spawn_with(WebConfig { writes_per_minute: 2, ..WebConfig::default() }).await;
    app.create_user("a@exemple.fr", false).await;
    app.create_user("b@exemple.fr", false).await;
    let a = app.sign_in_from("a@exemple.fr", peer("192.0.2.60")).await;
    let b = app.sign_in_from("b@exemple.fr", peer("192.0.2.60")).await;
    for c in [&a, &a, &b, &b] {
        let r = app.get(Some(c), "/api/v1/territory/nearest?territory=42").await;
        // No place yet: the analysis answers 422 "no supply", but it ran and counted.
        assert_ne!(r.status, StatusCode::TOO_MANY_REQUESTS, "two accounts behind one address");
    }
    let r = app.get(Some(&a), "/api/v1/territory/nearest?territory=42").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) <= 60);
}

// --- 4. timeouts and connection limit (real sockets) -------------------------------------

struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _app: TestApp,
}

async fn serve(web: WebConfig) -> Server {
    let app = spawn_with(web).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(maillage_web::serve(listener, app.state.clone(), async {
        let _ = stopped.await;
    }));
    Server { addr, stop: Some(stop), task, _app: app }
}

/// A connection that sends the start of a request and then nothing.
async fn slow_connection(addr: SocketAddr) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").await.unwrap();
    s
}

/// One complete request on a new connection; the status line of the answer.
async fn request(addr: SocketAddr, raw: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether the server closes the connection within `within` (reads to the end).
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    tokio::time::timeout(within, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let server = serve(WebConfig { header_timeout: Duration::from_secs(1), ..WebConfig::default() }).await;
    let mut slow = slow_connection(server.addr).await;
    let started = Instant::now();
    assert!(
        closed_within(&mut slow, Duration::from_secs(5)).await,
        "the slow connection is still open after 5 s"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "not before the timeout: {:?}",
        started.elapsed()
    );
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.unwrap();
    assert!(
        closed_within(&mut idle, Duration::from_secs(5)).await,
        "the idle connection is still open after 5 s"
    );
}

#[tokio::test]
async fn slow_connections_do_not_keep_others_from_being_served() {
    let server = serve(WebConfig {
        header_timeout: Duration::from_secs(1),
        max_connections: 8,
        ..WebConfig::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(slow_connection(server.addr).await);
    }
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        request(server.addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
    )
    .await
    .expect("a normal request answers while slow connections are open");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "answered in {:?}", started.elapsed());
}

#[tokio::test]
async fn a_request_whose_body_never_ends_is_answered_503() {
    let server = serve(WebConfig { request_timeout: Duration::from_secs(1), ..WebConfig::default() }).await;
    let started = Instant::now();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        request(
            server.addr,
            "POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":",
        ),
    )
    .await
    .expect("the server answers instead of waiting forever");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("retry-after:"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_server_stops_on_its_signal() {
    let mut server = serve(WebConfig::default()).await;
    let answer =
        request(server.addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let _ = server.stop.take().unwrap().send(());
    let result = tokio::time::timeout(Duration::from_secs(5), server.task).await.expect("stopped within 5 s");
    assert!(result.unwrap().is_ok());
}

#[tokio::test]
async fn the_tcp_peer_is_the_client_address_of_the_rate_limits() {
    let server = serve(WebConfig { writes_per_minute: 2, ..WebConfig::default() }).await;
    let post = "POST /mot-de-passe/oubli HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n\r\n";
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(request(server.addr, post).await.split(' ').nth(1).unwrap_or("").to_owned());
    }
    // Unprotected by CSRF, the first two are refused as forms (422); the third is over
    // the budget of 127.0.0.1.
    assert_eq!(statuses[2], "429", "{statuses:?}");
}

// --- 5. database down --------------------------------------------------------------------

/// A TCP forwarder that can be cut (every connection dropped, new ones closed at once)
/// and restored.
struct Forwarder {
    addr: SocketAddr,
    up: tokio::sync::watch::Sender<bool>,
}

async fn forwarder(target: String) -> Forwarder {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (up, watch) = tokio::sync::watch::channel(true);
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else { continue };
            if !*watch.borrow() {
                drop(inbound);
                continue;
            }
            let target = target.clone();
            let mut watch = watch.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = TcpStream::connect(&target).await else { return };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = watch.wait_for(|up| !*up) => {}
                }
            });
        }
    });
    Forwarder { addr, up }
}

#[tokio::test]
async fn while_the_database_is_down_pages_answer_503_at_once_and_recover_by_themselves() {
    if std::env::var(maillage_store::testing::POSTGRES_URL_VAR).map_or(true, |u| u.is_empty()) {
        eprintln!(
            "skipped: needs PostgreSQL (an outage is simulated by cutting a forwarder in front of it); \
             run under scripts/with-postgres.sh"
        );
        return;
    }
    let db = maillage_store::testing::fresh_store().await.unwrap();
    // postgres://user@host:port/db → the same through the forwarder.
    let authority_start = db.url.find('@').map(|i| i + 1).unwrap_or("postgres://".len());
    let authority_end = authority_start + db.url[authority_start..].find('/').unwrap();
    let target = db.url[authority_start..authority_end].to_owned();
    let fwd = forwarder(target.clone()).await;
    let url = format!("{}{}{}", &db.url[..authority_start], fwd.addr, &db.url[authority_end..]);
    let store = maillage_store::Store::connect(&url).await.unwrap();
    let outbox = tempfile::tempdir().unwrap();
    let app = maillage_app::App::new(
        store,
        maillage_app::mail::Mailer::Outbox(outbox.path().to_owned()),
        maillage_app::AppConfig::default(),
    );
    let state = maillage_web::AppState::new(app, WebConfig::default());
    let router = maillage_web::router(state);
    let get = |uri: &'static str, accept_json: bool| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let mut b = axum::http::Request::builder().uri(uri);
            if accept_json {
                b = b.header("accept", "application/json");
            }
            let r = router.oneshot(b.body(axum::body::Body::empty()).unwrap()).await.unwrap();
            let status = r.status();
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let body = http_body_util::BodyExt::collect(r.into_body()).await.unwrap().to_bytes();
            (status, retry, String::from_utf8_lossy(&body).into_owned())
        }
    };
    assert_eq!(get("/healthz", false).await.0, StatusCode::OK);
    assert_eq!(get("/api/v1/places", true).await.0, StatusCode::OK);

    fwd.up.send(false).unwrap();
    let started = Instant::now();
    let (status, retry, _) = get("/healthz", false).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(retry.is_some(), "Retry-After on /healthz");
    assert!(started.elapsed() < Duration::from_secs(2), "health answered in {:?}", started.elapsed());
    for uri in ["/api/v1/places", "/"] {
        let started = Instant::now();
        let (status, retry, body) = get(uri, uri.starts_with("/api")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
        assert!(retry.is_some(), "Retry-After on {uri}");
        assert!(started.elapsed() < Duration::from_secs(4), "{uri} answered in {:?}", started.elapsed());
        if uri == "/" {
            assert!(body.contains("momentanément indisponible"), "{body}");
        } else {
            assert!(body.contains("\"unavailable\""), "{body}");
        }
    }

    fwd.up.send(true).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if get("/healthz", false).await.0 == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still unavailable 10 s after the database came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(get("/api/v1/places", true).await.0, StatusCode::OK, "recovered without a restart");
}

// --- 6. HSTS -----------------------------------------------------------------------------

#[tokio::test]
async fn sites_served_over_https_tell_browsers_to_stay_on_https() {
    let app = spawn_with(WebConfig { hsts: true, ..WebConfig::default() }).await;
    for uri in ["/", "/api/v1/places", "/lieux/inexistant"] {
        let r = app.get(None, uri).await;
        assert_eq!(
            r.headers.get("strict-transport-security").map(|v| v.to_str().unwrap()),
            Some("max-age=31536000; includeSubDomains"),
            "{uri}"
        );
    }
    let plain = spawn_with(WebConfig::default()).await;
    assert!(
        plain.get(None, "/").await.headers.get("strict-transport-security").is_none(),
        "not over plain HTTP"
    );
}
