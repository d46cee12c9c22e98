//! Bad input, table-driven: every string field too long or carrying control or
//! bidirectional characters, every list too long, malformed JSON and forms, open
//! redirects, hostile imports. Each case checks the status, the field and the message a
//! person sees, and that nothing was stored.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use maillage_domain::place as p;
use serde_json::{Value, json};

/// Every place an admin can see, whatever its status.
async fn stored(app: &TestApp, admin: &Client) -> u64 {
    let r = app.get(Some(admin), "/api/v1/places?status=draft&status=published&status=archived").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["total"].as_u64().unwrap()
}

const LISTS: [&str; 7] = ["types", "services", "publics", "support", "fees", "access_modes", "labels"];

/// Bad characters: the value, the error code, a fragment of the French message.
const BAD_CHARS: [(&str, &str, &str); 5] = [
    ("ab\u{0}cd", "control_characters", "caractères de contrôle"),
    ("ab\u{1b}[3m", "control_characters", "caractères de contrôle"),
    ("ab\u{85}cd", "control_characters", "caractères de contrôle"),
    ("ab\u{202E}dc", "bidi_control", "inversent le sens d'affichage"),
    ("ab\u{2067}cd", "bidi_control", "inversent le sens d'affichage"),
];

struct JsonCase {
    label: String,
    body: Value,
    field: String,
    code: &'static str,
    message: &'static str,
}

/// Generated cases over a valid place: each string field × too long and bad characters,
/// each list × too many entries and an entry too long, equipment × too many and bad items.
fn json_cases() -> Vec<JsonCase> {
    let mut cases = Vec::new();
    for (field, max) in place_string_bounds() {
        let mut body = place_json("Cas");
        body[field] = json!("a".repeat(max + 1));
        let message = if field == "description" { "La description dépasse" } else { "dépasse" };
        cases.push(JsonCase {
            label: format!("{field} too long"),
            body,
            field: field.into(),
            code: "too_long",
            message,
        });
        for (bad, code, message) in BAD_CHARS {
            let mut body = place_json("Cas");
            body[field] = json!(bad);
            cases.push(JsonCase {
                label: format!("{field} {bad:?}"),
                body,
                field: field.into(),
                code,
                message,
            });
        }
    }
    for list in LISTS {
        let mut body = place_json("Cas");
        body[list] = json!(vec!["x"; p::TERMS_MAX + 1]);
        cases.push(JsonCase {
            label: format!("{list} too many"),
            body,
            field: list.into(),
            code: "too_many",
            message: "Trop de valeurs",
        });
        let mut body = place_json("Cas");
        body[list] = json!(["x".repeat(p::TERM_MAX + 1)]);
        cases.push(JsonCase {
            label: format!("{list} item too long"),
            body,
            field: format!("{list}[0]"),
            code: "too_long",
            message: "dépasse",
        });
        let mut body = place_json("Cas");
        body[list] = json!(["fab\u{202E}lab"]);
        cases.push(JsonCase {
            label: format!("{list} item bidi"),
            body,
            field: format!("{list}[0]"),
            code: "bidi_control",
            message: "inversent le sens",
        });
    }
    let mut body = place_json("Cas");
    body["types"] = json!(vec!["fablab"; 50_000]);
    cases.push(JsonCase {
        label: "50,000 duplicate types".into(),
        body,
        field: "types".into(),
        code: "too_many",
        message: "Trop de valeurs (50000) : 50 au plus.",
    });
    let mut body = place_json("Cas");
    body["equipment"] = json!(vec!["x"; 100_000]);
    cases.push(JsonCase {
        label: "100,000 equipment items".into(),
        body,
        field: "equipment".into(),
        code: "too_many",
        message: "Trop de valeurs (100000) : 100 au plus.",
    });
    let mut body = place_json("Cas");
    body["equipment"] = json!(["Laser", "a".repeat(p::EQUIPMENT_MAX + 1)]);
    cases.push(JsonCase {
        label: "equipment item too long".into(),
        body,
        field: "equipment[1]".into(),
        code: "too_long",
        message: "dépasse 60 caractères",
    });
    for (bad, code, message) in BAD_CHARS {
        let mut body = place_json("Cas");
        body["equipment"] = json!([bad]);
        cases.push(JsonCase {
            label: format!("equipment {bad:?}"),
            body,
            field: "equipment[0]".into(),
            code,
            message,
        });
    }
    for (field, bad) in [("name", "La\nForge"), ("name", "La\tForge"), ("commune_name", "Saint-\nÉtienne")] {
        let mut body = place_json("Cas");
        body[field] = json!(bad);
        cases.push(JsonCase {
            label: format!("{field} on two lines"),
            body,
            field: field.into(),
            code: "control_characters",
            message: "retour à la ligne",
        });
    }
    cases
}

fn check_json_error(r: &Response, label: &str, field: &str, code: &str, message: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {}", r.body);
    let v = r.json();
    let fields = v["error"]["fields"].as_array().unwrap_or_else(|| panic!("{label}: {}", r.body));
    let found = fields.iter().find(|f| f["field"] == field && f["code"] == code);
    let Some(found) = found else { panic!("{label}: no {field}/{code} in {}", r.body) };
    let shown = found["message"].as_str().unwrap();
    assert!(shown.contains(message), "{label}: message {shown:?} lacks {message:?}");
    assert_eq!(fields.len(), 1, "{label}: only the bad field is reported: {}", r.body);
}

#[tokio::test]
async fn every_bad_field_of_a_new_place_is_refused_by_the_api_and_nothing_is_stored() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let cases = json_cases();
    assert!(cases.len() >= 100, "{} cases", cases.len());
    for case in &cases {
        let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &case.body).await;
        check_json_error(&r, &case.label, &case.field, case.code, case.message);
    }
    assert_eq!(stored(&app, &admin).await, 0);
    // The same person can still create a good place afterwards.
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place_json("Bonne")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn every_bad_field_of_an_edit_is_refused_and_the_version_is_unchanged() {
    let app = spawn().await;
    let contributor = app.user("claire@exemple.fr", false).await;
    let r = app.json(Some(&contributor), Method::POST, "/api/v1/places", &place_json("Original")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/places/{id}");
    for mut case in json_cases().into_iter().filter(|c| c.field != "status") {
        case.body["version"] = json!(1);
        let r = app.json(Some(&contributor), Method::PUT, &uri, &case.body).await;
        check_json_error(&r, &case.label, &case.field, case.code, case.message);
    }
    let now = app.get(Some(&contributor), &uri).await.json();
    assert_eq!(now["version"], 1);
    assert_eq!(now["name"], "Original");
}

#[tokio::test]
async fn a_contributor_cannot_freeze_the_server_with_huge_lists() {
    let app = spawn().await;
    let contributor = app.user("claire@exemple.fr", false).await;
    let mut body = place_json("Gel");
    body["equipment"] = json!((0..100_000).map(|i| i.to_string()).collect::<Vec<_>>());
    let start = std::time::Instant::now();
    let r = app.json(Some(&contributor), Method::POST, "/api/v1/places", &body).await;
    check_json_error(&r, "100,000 distinct items", "equipment", "too_many", "Trop de valeurs");
    assert!(start.elapsed() < std::time::Duration::from_secs(2), "took {:?}", start.elapsed());
}

/// Raw bodies and content types that are not one JSON object of a place.
#[tokio::test]
async fn malformed_json_bodies_and_media_types_are_refused() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let good = place_json("Trop").to_string();
    let json = "application/json";
    // (label, content type, body, status, field, code)
    type Case<'a> = (&'a str, Option<&'a str>, String, StatusCode, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "trailing garbage",
            Some(json),
            format!("{good} x"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "malformed_json",
        ),
        (
            "two objects",
            Some(json),
            format!("{good}{good}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "malformed_json",
        ),
        (
            "trailing comma",
            Some(json),
            format!("{good},"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "malformed_json",
        ),
        (
            "trailing NUL",
            Some(json),
            format!("{good}\0"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "malformed_json",
        ),
        (
            "cut short",
            Some(json),
            good[..good.len() - 1].to_owned(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "body",
            "malformed_json",
        ),
        ("not JSON", Some(json), "name=x".into(), StatusCode::UNPROCESSABLE_ENTITY, "body", "malformed_json"),
        ("empty", Some(json), String::new(), StatusCode::UNPROCESSABLE_ENTITY, "body", "malformed_json"),
        (
            "unknown field",
            Some(json),
            r#"{"nom":"x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "nom",
            "unknown_field",
        ),
        (
            "wrong type",
            Some(json),
            r#"{"name":1}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
            "wrong_type",
        ),
        (
            "list as string",
            Some(json),
            r#"{"types":"fablab"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "types",
            "wrong_type",
        ),
        (
            "application/jsonfoo",
            Some("application/jsonfoo"),
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
            "",
        ),
        (
            "application/json-seq",
            Some("application/json-seq"),
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
            "",
        ),
        ("text/plain", Some("text/plain"), good.clone(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "", ""),
        (
            "form",
            Some("application/x-www-form-urlencoded"),
            good.clone(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "",
            "",
        ),
        ("no content type", None, good.clone(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "", ""),
        (
            "too large",
            Some(json),
            format!("{{\"name\":\"{}\"}}", "a".repeat(1024 * 1024)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "",
            "",
        ),
    ];
    for (label, content_type, body, status, field, code) in cases {
        let r = app
            .send(
                Some(&admin),
                Method::POST,
                "/api/v1/places",
                content_type,
                body.into_bytes(),
                &[("x-csrf-token", &admin.csrf)],
            )
            .await;
        assert_eq!(r.status, status, "{label}: {}", r.body);
        if status == StatusCode::UNPROCESSABLE_ENTITY {
            let v = r.json();
            assert_eq!(v["error"]["fields"][0]["field"], field, "{label}: {}", r.body);
            assert_eq!(v["error"]["fields"][0]["code"], code, "{label}: {}", r.body);
            assert!(
                v["error"]["fields"][0]["message"].as_str().unwrap().contains("JSON")
                    || code != "malformed_json"
            );
        } else if status == StatusCode::UNSUPPORTED_MEDIA_TYPE {
            assert_eq!(r.json()["error"]["code"], "unsupported_media_type", "{label}");
            assert!(r.json()["error"]["message"].as_str().unwrap().contains("Envoyez du JSON"));
        }
    }
    assert_eq!(stored(&app, &admin).await, 0);
    // The media type is case-insensitive and may carry parameters.
    for content_type in ["application/json; charset=utf-8", "Application/JSON"] {
        let r = app
            .send(
                Some(&admin),
                Method::POST,
                "/api/v1/places",
                Some(content_type),
                place_json(content_type).to_string().into_bytes(),
                &[("x-csrf-token", &admin.csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{content_type}: {}", r.body);
    }
    // Trailing white space is still one JSON value.
    let r = app
        .send(
            Some(&admin),
            Method::POST,
            "/api/v1/places",
            Some(json),
            format!("{}\r\n \n", place_json("Espaces")).into_bytes(),
            &[("x-csrf-token", &admin.csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(stored(&app, &admin).await, 3);
}

#[tokio::test]
async fn the_session_api_refuses_malformed_credentials_without_a_session() {
    let app = spawn().await;
    app.create_user("claire@exemple.fr", false).await;
    let good = json!({ "email": "claire@exemple.fr", "password": "mot-de-passe-solide" }).to_string();
    let cases: Vec<(&str, &str, String, StatusCode)> = vec![
        ("trailing data", "application/json", format!("{good} {{}}"), StatusCode::UNPROCESSABLE_ENTITY),
        ("jsonfoo", "application/jsonfoo", good.clone(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "unknown field",
            "application/json",
            r#"{"email":"a","password":"b","admin":true}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "NUL in the email",
            "application/json",
            json!({ "email": "claire@exemple.fr\u{0}", "password": "mot-de-passe-solide" }).to_string(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "bidi in the email",
            "application/json",
            json!({ "email": "\u{202E}claire@exemple.fr", "password": "mot-de-passe-solide" }).to_string(),
            StatusCode::UNAUTHORIZED,
        ),
    ];
    for (label, content_type, body, status) in cases {
        let r =
            app.send(None, Method::POST, "/api/v1/session", Some(content_type), body.into_bytes(), &[]).await;
        assert_eq!(r.status, status, "{label}: {}", r.body);
        assert!(r.cookie("maillage_session").is_none(), "{label}: no session");
    }
    let r = app
        .send(None, Method::POST, "/api/v1/session", Some("application/json"), good.into_bytes(), &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

// --- HTML forms --------------------------------------------------------------------------

/// A valid place as the form sends it.
fn form_fields() -> Vec<(String, String)> {
    [
        ("name", "La Forge"),
        ("types", "fablab"),
        ("postal_code", "42000"),
        ("commune_code", "42218"),
        ("latitude", "45.4397"),
        ("longitude", "4.3872"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut fields: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    fields.retain(|(k, _)| k != key);
    fields.push((key.to_owned(), value.to_owned()));
    fields
}

async fn post(app: &TestApp, client: &Client, uri: &str, fields: &[(String, String)]) -> Response {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post_form(client, uri, &refs).await
}

/// Form cases: fields to send, the field whose message is shown beside it, the message.
type Fields = Vec<(String, String)>;

fn form_cases() -> Vec<(String, Fields, String, &'static str)> {
    let mut cases = Vec::new();
    for (field, max) in place_string_bounds().into_iter().filter(|(f, _)| *f != "status") {
        let message = if field == "description" { "La description dépasse" } else { "dépasse" };
        cases.push((
            format!("{field} too long"),
            with(form_fields(), field, &"a".repeat(max + 1)),
            field.to_owned(),
            message,
        ));
        for (bad, _, message) in BAD_CHARS {
            cases.push((
                format!("{field} {bad:?}"),
                with(form_fields(), field, bad),
                field.to_owned(),
                message,
            ));
        }
    }
    for list in LISTS {
        let mut fields = form_fields();
        fields.retain(|(k, _)| k != list);
        fields.extend((0..=p::TERMS_MAX).map(|_| (list.to_owned(), "fablab".to_owned())));
        cases.push((format!("{list} × 51"), fields, list.to_owned(), "Trop de valeurs"));
    }
    let lines = vec!["x"; p::EQUIPMENT_ITEMS_MAX + 1].join("\n");
    cases.push((
        "101 equipment lines".into(),
        with(form_fields(), "equipment", &lines),
        "equipment".into(),
        "Trop de valeurs",
    ));
    cases.push((
        "equipment line with a bidi override".into(),
        with(form_fields(), "equipment", "Laser\r\nfab\u{202E}lab"),
        "equipment".into(),
        "inversent le sens",
    ));
    cases.push((
        "name on two lines".into(),
        with(form_fields(), "name", "La\r\nForge"),
        "name".into(),
        "retour à la ligne",
    ));
    cases
}

fn check_form_error(r: &Response, label: &str, field: &str, message: &str) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}: {}", r.status);
    let text = r.text();
    let beside = format!("id=\"err-{field}\">");
    let Some(at) = text.find(&beside) else { panic!("{label}: no message beside {field}") };
    let shown = &text[at + beside.len()..];
    let shown = &shown[..shown.find("</p>").unwrap()];
    assert!(shown.contains(message), "{label}: {shown:?} lacks {message:?}");
}

#[tokio::test]
async fn the_place_forms_show_each_bad_field_again_and_store_nothing() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let cases = form_cases();
    for (label, fields, field, message) in &cases {
        let r = post(&app, &admin, "/lieux/nouveau", fields).await;
        check_form_error(&r, label, field, message);
    }
    assert_eq!(stored(&app, &admin).await, 0);
    // The edit form too: the version stays 1.
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place_json("Original")).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    for (label, fields, field, message) in &cases {
        let fields = with(fields.clone(), "version", "1");
        let r = post(&app, &admin, &format!("/lieux/{id}/modifier"), &fields).await;
        check_form_error(&r, label, field, message);
    }
    let now = app.get(Some(&admin), &format!("/api/v1/places/{id}")).await.json();
    assert_eq!((now["version"].as_i64(), now["name"].as_str()), (Some(1), Some("Original")));
}

#[tokio::test]
async fn a_long_value_is_shown_again_as_typed() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let long = format!("Le {}", "très ".repeat(60));
    let r = post(&app, &admin, "/lieux/nouveau", &with(form_fields(), "summary", &long)).await;
    check_form_error(&r, "summary", "summary", "dépasse 300 caractères");
    assert!(r.text().contains(long.trim()), "what was typed is kept");
}

/// A urlencoded body with a raw (not UTF-8) value for one field.
fn raw_form(csrf: &str, fields: &[(String, String)], key: &str, raw: &[u8]) -> Vec<u8> {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("csrf", csrf);
    for (k, v) in fields.iter().filter(|(k, _)| k != key) {
        s.append_pair(k, v);
    }
    let mut body = s.finish().into_bytes();
    body.extend_from_slice(format!("&{key}=").as_bytes());
    body.extend_from_slice(raw);
    body
}

#[tokio::test]
async fn invalid_utf8_in_a_place_form_is_refused_naming_the_field_and_keeping_the_rest() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &place_json("Original")).await;
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let fields = with(with(form_fields(), "summary", "Un lieu à garder"), "version", "1");
    let edit = format!("/lieux/{id}/modifier");
    for uri in ["/lieux/nouveau", edit.as_str()] {
        for field in ["name", "summary", "description", "address", "commune_name", "email", "equipment"] {
            for raw in [&b"caf%E9"[..], b"%FF%FE", b"\xff", b"ok%C3"] {
                let body = raw_form(&admin.csrf, &fields, field, raw);
                let r = app
                    .send(
                        Some(&admin),
                        Method::POST,
                        uri,
                        Some("application/x-www-form-urlencoded"),
                        body,
                        &[],
                    )
                    .await;
                let label = format!("{uri} {field} {}", String::from_utf8_lossy(raw));
                check_form_error(&r, &label, field, "UTF-8 invalide");
                if field != "summary" {
                    assert!(r.text().contains("Un lieu à garder"), "{label}: the rest is kept");
                }
            }
        }
    }
    assert_eq!(stored(&app, &admin).await, 1);
    assert_eq!(app.get(Some(&admin), &format!("/api/v1/places/{id}")).await.json()["version"], 1);
}

#[tokio::test]
async fn invalid_utf8_in_account_forms_is_refused_naming_the_field() {
    let app = spawn().await;
    app.create_user("claire@exemple.fr", false).await;
    let visitor = app.visitor().await;
    let form = "application/x-www-form-urlencoded";
    let fields = vec![("email".to_owned(), "claire@exemple.fr".to_owned())];
    // Login: password, email, next.
    for (key, label) in [("password", "Mot de passe"), ("email", "Adresse e-mail"), ("next", "next")] {
        let mut fields = fields.clone();
        if key != "password" {
            fields.push(("password".into(), "mot-de-passe-solide".into()));
        }
        let body = raw_form(&visitor.csrf, &fields, key, b"mot-de-passe-solide%FF");
        let r = app.send(Some(&visitor), Method::POST, "/connexion", Some(form), body, &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {}", r.body);
        assert!(r.text().contains(&format!("{label} : Ce champ contient des octets")), "{key}: {}", r.text());
        assert!(r.cookie("maillage_session").is_none(), "{key}: no session");
    }
    // Password reset request and new password.
    let body = raw_form(&visitor.csrf, &[], "email", b"claire%E9@exemple.fr");
    let r = app.send(Some(&visitor), Method::POST, "/mot-de-passe/oubli", Some(form), body, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("« email » : Ce champ contient des octets"), "{}", r.text());
    app.run_jobs().await;
    assert_eq!(std::fs::read_dir(app.outbox.path()).unwrap().count(), 0, "no mail sent");
    let body = raw_form(&visitor.csrf, &[("jeton".into(), "x".into())], "password", b"nouveau-mot-%FF");
    let r = app.send(Some(&visitor), Method::POST, "/mot-de-passe/nouveau", Some(form), body, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("« password » : Ce champ contient des octets"), "{}", r.text());
    // The account still works with its password.
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "claire@exemple.fr"), ("password", "mot-de-passe-solide")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn no_form_handler_reads_its_body_lossily() {
    // Every file of the pages module, as it grows.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/pages");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let pages = std::fs::read_to_string(&path).unwrap();
        assert!(!pages.contains("Pairs::parse(&body)"), "{path:?}: form bodies go through Pairs::parse_form");
        assert!(!pages.contains(".text().await"), "{path:?}: multipart fields are checked for UTF-8");
        files += 1;
    }
    assert!(files >= 6, "the pages were read");
}

// --- login redirect ------------------------------------------------------------------------

#[tokio::test]
async fn login_never_redirects_off_site_and_never_fails() {
    let app = spawn().await;
    app.create_user("claire@exemple.fr", false).await;
    let cases: [(&str, &str); 17] = [
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r\n/evil.example", "/"),
        ("/\n", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("/.//evil.example", "/"),
        ("https://evil.example", "/"),
        ("http://evil.example/lieux", "/"),
        ("javascript:alert(1)", "/"),
        (" //evil.example", "/"),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
        ("/lieux/x?y=1", "/lieux/x?y=1"),
        ("/lieux/x?y=1#ancre", "/lieux/x?y=1"),
        ("/mes-lieux", "/mes-lieux"),
        ("/lieux/caf\u{e9} x", "/lieux/caf%C3%A9%20x"),
    ];
    for (next, expected) in cases {
        let visitor = app.visitor().await;
        let r = app
            .post_form(
                &visitor,
                "/connexion",
                &[("email", "claire@exemple.fr"), ("password", "mot-de-passe-solide"), ("next", next)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.body);
        assert_eq!(r.location(), expected, "{next:?}");
        // The login page shows only the safe target in its hidden field.
        let q = form_urlencoded::Serializer::new(String::new()).append_pair("next", next).finish();
        let page = app.get(None, &format!("/connexion?{q}")).await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        assert!(page.text().contains(&format!("name=\"next\" value=\"{expected}\"")), "{next:?}");
    }
    // `%2F%2Fevil` as the raw query: decoded once it is `//evil`.
    let visitor = app.visitor().await;
    let body = format!(
        "csrf={}&email=claire%40exemple.fr&password=mot-de-passe-solide&next=%2F%2Fevil.example",
        visitor.csrf
    );
    let r = app
        .send(
            Some(&visitor),
            Method::POST,
            "/connexion",
            Some("application/x-www-form-urlencoded"),
            body.into(),
            &[],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_owned()));
    let body = format!(
        "csrf={}&email=claire%40exemple.fr&password=mot-de-passe-solide&next=/%09/evil.example",
        visitor.csrf
    );
    let r = app
        .send(
            Some(&visitor),
            Method::POST,
            "/connexion",
            Some("application/x-www-form-urlencoded"),
            body.into(),
            &[],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_owned()));
    let body =
        format!("csrf={}&email=claire%40exemple.fr&password=mot-de-passe-solide&next=/%0A", visitor.csrf);
    let r = app
        .send(
            Some(&visitor),
            Method::POST,
            "/connexion",
            Some("application/x-www-form-urlencoded"),
            body.into(),
            &[],
        )
        .await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_owned()));
}

// --- import ---------------------------------------------------------------------------------

fn multipart(file_name: &str, content: &[u8], fields: &[(&str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--B\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(v);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--B--\r\n");
    body
}

async fn upload(app: &TestApp, admin: &Client, body: Vec<u8>) -> Response {
    app.upload(admin, "/admin/import", body).await
}

#[tokio::test]
async fn hostile_import_rows_are_rejected_with_their_field_and_nothing_is_stored() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let header = "id,name,types,summary,address,postal_code,commune_code,latitude,longitude,equipment";
    let good =
        |id: &str| format!("{id},La Forge,fablab,Un fablab.,3 rue Javelin,42000,42218,45.44,4.39,Laser");
    let mut rows: Vec<(String, &str, &str)> = vec![
        (good("a").replace("La Forge", "La\u{202E}egroF"), "name", "inversent le sens"),
        (good("b").replace("La Forge", "La\u{0}Forge"), "name", "caractères de contrôle"),
        (good("c").replace("La Forge", &"a".repeat(p::NAME_MAX + 1)), "name", "dépasse"),
        (good("d").replace("Un fablab.", "Un\u{2066}fablab"), "summary", "inversent le sens"),
        (good("e").replace("3 rue Javelin", "3 rue\u{1b}Javelin"), "address", "caractères de contrôle"),
        (
            good("f").replace("fablab,Un", &format!("{},Un", vec!["fablab"; 51].join("|"))),
            "types",
            "Trop de valeurs",
        ),
        (
            good("g").replace(",Laser", &format!(",{}", vec!["x"; 101].join("|"))),
            "equipment",
            "Trop de valeurs",
        ),
        (good("i").replace("42218", "42\u{202E}218"), "commune_code", "inversent le sens"),
    ];
    // Last: a quoted name on two lines is one record, reported at its first line.
    rows.push((good("h").replace("La Forge", "\"La\nForge\""), "name", "retour à la ligne"));
    let csv = format!("{header}\n{}\n", rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>().join("\n"));
    let r = upload(&app, &admin, multipart("lieux.csv", csv.as_bytes(), &[("source", b"test")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = r.text();
    assert!(text.contains(&format!("imported 0, updated 0, rejected {}", rows.len())), "{text}");
    for (line, (_, field, message)) in rows.iter().enumerate() {
        // Line 1 is the header.
        let cell = format!("<td>{}</td><td>{field}", line + 2);
        let at = text.find(&cell).unwrap_or_else(|| panic!("line {}: no {field} in {text}", line + 2));
        let rest = &text[at..];
        let rest = &rest[..rest.find("</tr>").unwrap()];
        assert!(rest.contains(message), "line {}: {rest}", line + 2);
    }
    assert_eq!(stored(&app, &admin).await, 0);
}

#[tokio::test]
async fn an_upload_whose_fields_are_not_utf8_is_refused() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let csv = "name,types,postal_code,commune_code\nLa Forge,fablab,42000,42218\n";
    for field in ["source", "mapping", "format"] {
        let r = upload(&app, &admin, multipart("lieux.csv", csv.as_bytes(), &[(field, b"caf\xe9")])).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
        assert!(
            r.text().contains(&format!("« {field} » : Ce champ contient des octets")),
            "{field}: {}",
            r.text()
        );
    }
    for (source, message) in [("ré\u{202E}seau", "inversent le sens"), ("a\u{0}b", "caractères de contrôle")]
    {
        let r =
            upload(&app, &admin, multipart("lieux.csv", csv.as_bytes(), &[("source", source.as_bytes())]))
                .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{source:?}: {}", r.body);
        assert!(r.text().contains(message), "{source:?}: {}", r.text());
    }
    assert_eq!(stored(&app, &admin).await, 0);
    let r = upload(&app, &admin, multipart("lieux.csv", csv.as_bytes(), &[("source", b"reseau")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(stored(&app, &admin).await, 1);
}

// --- passwords --------------------------------------------------------------------------------

#[tokio::test]
async fn common_passwords_are_refused_at_account_creation_and_reset() {
    let app = spawn().await;
    let common = "Password123";
    match app.state.app().create_user("lea@exemple.fr", "Léa", common, false).await {
        Err(maillage_app::AppError::Validation(e)) => {
            assert_eq!((e.errors[0].field.as_str(), e.errors[0].code), ("password", "password_too_common"));
        }
        other => panic!("a common password was accepted: {:?}", other.map(|_| ())),
    }
    app.create_user("claire@exemple.fr", false).await;
    let visitor = app.visitor().await;
    let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "claire@exemple.fr")]).await;
    assert_eq!(r.status, StatusCode::OK);
    app.run_jobs().await;
    let mail = std::fs::read_dir(app.outbox.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|m| m.contains("To:"))
        .unwrap()
        .replace("=\r\n", "")
        .replace("=3D", "=");
    let token =
        mail.split("jeton=").nth(1).unwrap().split(|c: char| c.is_whitespace()).next().unwrap().to_owned();
    for password in ["qwertyuiop", "1234567890", "PASSWORD123"] {
        let r = app
            .post_form(&visitor, "/mot-de-passe/nouveau", &[("jeton", &token), ("password", password)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{password}");
        assert!(
            r.text().contains("Ce mot de passe figure parmi les plus courants : choisissez-en un autre."),
            "{password}"
        );
    }
    // The old password still works; the link is still good for a real one.
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "claire@exemple.fr"), ("password", "mot-de-passe-solide")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &visitor,
            "/mot-de-passe/nouveau",
            &[("jeton", &token), ("password", "un-nouveau-mot-de-passe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}
