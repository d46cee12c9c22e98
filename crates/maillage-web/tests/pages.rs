//! The HTML pages as a person uses them, without JavaScript.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use serde_json::json;

async fn published(app: &TestApp, admin: &Client, name: &str) -> String {
    let mut body = place_json(name);
    body["status"] = json!("published");
    let r = app.json(Some(admin), Method::POST, "/api/v1/places", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_directory_lists_and_filters_places_without_javascript() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    published(&app, &admin, "Fabrique numérique du Forez").await;
    let r = app.get(None, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("<html lang=\"fr\">"));
    assert!(r.text().contains("id=\"places-list\""));
    assert!(r.text().contains("Fabrique numérique du Forez"));
    assert!(r.text().contains("1 lieu trouvé"));
    assert!(r.text().contains("Sources : INSEE"), "the attribution is in the footer");
    let r = app.get(None, "/?q=fabriques+numeriques&type=fablab&departement=42").await;
    assert!(r.text().contains("Fabrique numérique du Forez"));
    assert!(r.text().contains("value=\"fabriques numeriques\""), "the search keeps its state");
    assert!(r.text().contains("<option value=\"42\" selected>"));
    // A typo, and a word written apart, still find the place.
    let r = app.get(None, "/?q=fabriqe+numerique+forz").await;
    assert!(r.text().contains("Fabrique numérique du Forez"), "typos are tolerated");
    let r = app.get(None, "/?q=boulangerie").await;
    assert!(r.text().contains("Aucun lieu ne correspond"));
    let r = app.get(None, "/?type=boulangerie").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Certaines valeurs sont invalides"));
    let r = app.get(None, "/?lang=en").await;
    assert!(r.text().contains("<html lang=\"en\">"));
    assert!(r.text().contains("Find a third place"));
    assert!(r.cookie("maillage_lang").is_some(), "the choice is remembered");
}

#[tokio::test]
async fn the_directory_filters_on_support_fees_publics_and_labels() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut free = place_json("Atelier gratuit");
    free["status"] = json!("published");
    free["fees"] = json!(["free"]);
    free["support"] = json!(["deafness"]);
    assert_eq!(
        app.json(Some(&admin), Method::POST, "/api/v1/places", &free).await.status,
        StatusCode::CREATED
    );
    let mut paid = place_json("Atelier payant");
    paid["status"] = json!("published");
    paid["fees"] = json!(["paid"]);
    assert_eq!(
        app.json(Some(&admin), Method::POST, "/api/v1/places", &paid).await.status,
        StatusCode::CREATED
    );
    let names = |r: &serde_json::Value| -> Vec<String> {
        r["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&app.get(None, "/api/v1/places?fee=free").await.json()), ["Atelier gratuit"]);
    assert_eq!(names(&app.get(None, "/api/v1/places?support=deafness").await.json()), ["Atelier gratuit"]);
    assert_eq!(
        app.get(None, "/api/v1/places?fee=free&fee=paid").await.json()["total"],
        2,
        "values are alternatives"
    );
    let r = app.get(None, "/api/v1/places?fee=cher").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "fee");
    // The home page offers them, keeps the choice, and works without JavaScript.
    let page = app.get(None, "/?fee=paid").await.text();
    assert!(page.contains("<label for=\"f-fee\">Frais</label>"));
    assert!(page.contains("<option value=\"paid\" selected>Payant</option>"));
    assert!(page.contains("Atelier payant") && !page.contains("Atelier gratuit"));
    for key in ["f-public", "f-support", "f-label"] {
        assert!(page.contains(&format!("id=\"{key}\"")), "{key}");
    }
}

#[tokio::test]
async fn a_place_page_shows_details_schema_org_and_safe_markdown() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let mut body = place_json("La Rotonde");
    body["status"] = json!("published");
    body["description"] =
        json!("**Atelier** ouvert. <script>alert('x')</script> [site](javascript:alert(1))");
    let id = app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app.get(None, &format!("/lieux/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("<h1>La Rotonde</h1>"));
    assert!(r.text().contains("<strong>Atelier</strong>"));
    assert!(!r.body.contains("<script>alert"), "scripts in Markdown are removed");
    assert!(!r.body.contains("javascript:alert"));
    let ld = r
        .body
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: serde_json::Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "Place");
    assert_eq!(ld["address"]["postalCode"], "42000");
    assert_eq!(ld["openingHours"], "Tu-Sa 14:00-19:00; PH closed");
    // People read a weekly table in their language; the OSM syntax is for machines.
    let page = r.text();
    assert!(page.contains("<th scope=\"row\">mardi – samedi</th><td>14:00–19:00</td>"), "{page}");
    assert!(page.contains("<th scope=\"row\">Jours fériés</th><td>fermé</td>"));
    assert_eq!(page.matches("Tu-Sa 14:00").count(), 1, "the raw syntax only in the JSON-LD for machines");
    assert!(page.contains("class=\"open-state"), "the state now is said");
    let en = app.get(None, &format!("/lieux/{id}?lang=en")).await;
    assert!(en.text().contains("<th scope=\"row\">Tuesday – Saturday</th><td>14:00–19:00</td>"));
    assert!(r.text().contains("04 77 12 34 56"), "phones shown in national form");
    assert!(r.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    assert_eq!(app.get(None, "/lieux/pas-un-id").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_place_form_keeps_what_was_typed_and_shows_field_errors() {
    let app = spawn().await;
    let user = app.user("u@exemple.fr", false).await;
    let r = app
        .post_form(
            &user,
            "/lieux/nouveau",
            &[
                ("name", "Mon tiers-lieu"),
                ("types", "coworking"),
                ("types", "fablab"),
                ("postal_code", "42000"),
                ("commune_code", "42218"),
                ("siret", "123"),
                ("opening_hours", "n'importe quoi"),
                ("summary", "Un lieu <b>gras</b>"),
                ("equipment", "Imprimante 3D\nDécoupeuse laser"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("role=\"alert\""), "an error summary");
    assert!(r.text().contains("value=\"Mon tiers-lieu\""), "the name is kept");
    assert!(r.text().contains("value=\"123\""), "the bad SIRET is kept to be corrected");
    assert!(r.text().contains("id=\"err-siret\""));
    assert!(r.text().contains("id=\"err-opening_hours\""));
    assert!(
        r.text().contains("Horaires illisibles à partir du caractère 1"),
        "the hours error speaks French"
    );
    assert!(!r.text().contains("expected"), "never the parser's report");
    assert!(r.text().contains("id=\"err-summary\""));
    assert!(r.text().contains("aria-invalid=\"true\""));
    assert!(r.text().contains("id=\"f-types-coworking\" name=\"types\" value=\"coworking\" checked"));
    assert!(r.text().contains("Imprimante 3D\nDécoupeuse laser"));
    assert_eq!(app.get(Some(&user), "/api/v1/places?mine=1&status=draft").await.json()["total"], 0);

    let r = app
        .post_form(
            &user,
            "/lieux/nouveau",
            &[
                ("name", "Mon tiers-lieu"),
                ("types", "coworking"),
                ("postal_code", "42000"),
                ("commune_name", "St Etienne"),
            ],
        )
        .await;
    let created = r.location();
    // Editing with a malformed number keeps everything else that was typed, version included.
    let id = created.trim_start_matches("/lieux/").to_owned();
    let bad = app
        .post_form(
            &user,
            &format!("/lieux/{id}/modifier"),
            &[
                ("name", "Nom modifié"),
                ("types", "coworking"),
                ("postal_code", "42000"),
                ("latitude", "quarante"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("value=\"Nom modifié\""));
    assert!(bad.body.contains("name=\"version\" value=\"1\""));
    assert!(bad.body.contains("id=\"err-latitude\""));
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(Some(&user), &r.location()).await;
    assert!(page.text().contains("Mon tiers-lieu"));
    assert!(page.text().contains("Brouillon"), "contributors create drafts");
    assert!(page.text().contains("Position approximative"), "no coordinates: the commune's point");
}

#[tokio::test]
async fn login_errors_keep_the_email_and_repeated_failures_are_limited() {
    let app = spawn().await;
    app.create_user("anne@exemple.fr", false).await;
    let visitor = app.visitor().await;
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "anne@exemple.fr"), ("password", "mauvais-mot-de-passe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("role=\"alert\""));
    assert!(r.text().contains("Adresse e-mail ou mot de passe incorrect"));
    assert!(r.text().contains("value=\"anne@exemple.fr\""));
    for _ in 0..5 {
        app.post_form(
            &visitor,
            "/connexion",
            &[("email", "anne@exemple.fr"), ("password", "encore-faux-encore")],
        )
        .await;
    }
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "anne@exemple.fr"), ("password", "mot-de-passe-solide")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits after too many failures"
    );
    assert!(r.text().contains("Trop de tentatives"));
    // An open redirect is refused after login.
    let other = app.visitor().await;
    app.create_user("bob@exemple.fr", false).await;
    let r = app
        .post_form(
            &other,
            "/connexion",
            &[("email", "bob@exemple.fr"), ("password", "mot-de-passe-solide"), ("next", "//evil.example/")],
        )
        .await;
    assert_eq!(r.location(), "/");
}

#[tokio::test]
async fn a_password_is_reset_through_an_emailed_single_use_link() {
    let app = spawn().await;
    app.create_user("claire@exemple.fr", false).await;
    let visitor = app.visitor().await;
    let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "claire@exemple.fr")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("un courriel vient d'être envoyé"));
    // Unknown addresses get the same answer (no account enumeration) and no mail.
    let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "personne@exemple.fr")]).await;
    assert!(r.text().contains("un courriel vient d'être envoyé"));
    app.run_jobs().await;
    let mails: Vec<_> = std::fs::read_dir(app.outbox.path())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .filter(|m| m.contains("To:"))
        .collect();
    assert_eq!(mails.len(), 1);
    let mail = mails[0].replace("=\r\n", "").replace("=3D", "=");
    assert!(mail.contains("claire@exemple.fr"));
    let token =
        mail.split("jeton=").nth(1).unwrap().split(|c: char| c.is_whitespace()).next().unwrap().to_owned();
    let form = app.get(Some(&visitor), &format!("/mot-de-passe/nouveau?jeton={token}")).await;
    assert!(form.text().contains("name=\"password\""));
    let r =
        app.post_form(&visitor, "/mot-de-passe/nouveau", &[("jeton", &token), ("password", "court")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("au moins 10 caractères"));
    let r = app
        .post_form(
            &visitor,
            "/mot-de-passe/nouveau",
            &[("jeton", &token), ("password", "un-nouveau-mot-de-passe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .post_form(
            &visitor,
            "/mot-de-passe/nouveau",
            &[("jeton", &token), ("password", "encore-un-autre-mot")],
        )
        .await;
    assert!(r.text().contains("n'est plus valable"), "the link works once");
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "claire@exemple.fr"), ("password", "un-nouveau-mot-de-passe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

fn multipart(file_name: &str, content: &[u8], fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--B\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--B--\r\n");
    body
}

#[tokio::test]
async fn an_admin_imports_a_file_and_sees_a_report_per_row() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let csv = "id,name,types,postal_code,commune_code,latitude,longitude,siret\n\
               a1,Le Quai,coworking,42000,42218,45.44,4.39,\n\
               a2,Mauvais SIRET,fablab,42000,42218,45.44,4.39,123\n\
               a3,Commune inconnue,fablab,42000,42999,,,\n";
    let send = |bytes: Vec<u8>| {
        let uri = "/admin/import".to_owned();
        let app = &app;
        let admin = admin.clone();
        async move { app.upload(&admin, &uri, bytes).await }
    };
    let r = send(multipart("lieux.csv", csv.as_bytes(), &[("source", "reseau-loire")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text().contains("imported 1, updated 0, rejected 2"), "{}", r.body);
    assert!(r.text().contains("<td>3</td><td>siret</td>"));
    assert!(r.text().contains("<td>4</td><td>commune_code</td>"));
    // The report speaks the page's language, row messages included.
    let body = multipart("lieux.csv", csv.as_bytes(), &[("source", "reseau-loire"), ("action", "preview")]);
    let en = app.upload(&admin, "/admin/import?lang=en", body).await;
    assert!(
        en.text().contains("<td>3</td><td>siret</td><td>A SIRET has 14 digits (3 found)."),
        "{}",
        en.body
    );
    assert!(en.text().contains("Import preview"));
    // The same source again: an update, not a duplicate.
    let r = send(multipart("lieux.csv", csv.as_bytes(), &[("source", "reseau-loire")])).await;
    assert!(r.text().contains("imported 0, updated 1, rejected 2"));
    // All or nothing.
    let r = send(multipart(
        "lieux.csv",
        csv.replace("a1", "b1").as_bytes(),
        &[("source", "autre"), ("all_or_nothing", "1")],
    ))
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Rien n'a été importé"));
    assert_eq!(app.get(None, "/api/v1/places").await.json()["total"], 1);
    // A file in Windows-1252, as Excel saves "CSV (point-virgule)": read, and the
    // encoding assumed is said in a warning about the file (no line).
    let latin1: Vec<u8> = b"name;types;postal_code\r\nCaf\xe9;coworking;42000\r\n".to_vec();
    let r = send(multipart("cafe.csv", &latin1, &[("source", "bureau")])).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text().contains("imported 1, updated 0, rejected 0"), "{}", r.body);
    assert!(r.text().contains("<td>—</td><td></td><td>Fichier lu en Windows-1252"), "{}", r.body);
    let places = app.get(None, "/api/v1/places?q=cafe").await.json();
    assert_eq!(places["items"][0]["name"], "Café", "{places}");
    // A spreadsheet sent as it is: refused, with what to do.
    let r = send(multipart("lieux.csv", b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", &[])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("classeur XLSX (Excel)"), "{}", r.body);
    assert!(r.text().contains("« CSV UTF-8 »"), "{}", r.body);
    // Without the token in the URL, nothing is read.
    let r = app
        .send(
            Some(&admin),
            Method::POST,
            "/admin/import",
            Some("multipart/form-data; boundary=B"),
            multipart("x.csv", csv.as_bytes(), &[]),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_upload_page_offers_a_template_that_imports_as_it_is() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let page = app.get(Some(&admin), "/admin/import").await;
    assert!(page.text().contains("href=\"/admin/import/modele.csv\""), "{}", page.body);
    assert!(page.text().contains("href=\"/admin/import/modele-excel.csv\" download>CSV pour Excel</a>"));
    for (path, name) in [
        ("/admin/import/modele.csv", "modele-lieux.csv"),
        ("/admin/import/modele-excel.csv", "modele-lieux-excel.csv"),
    ] {
        let r = app.get(Some(&admin), path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers["content-type"], "text/csv; charset=utf-8");
        assert_eq!(
            r.headers["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{name}\"")
        );
        let body = multipart(name, r.body.as_bytes(), &[("source", name)]);
        let uri = "/admin/import".to_owned();
        let imported = app.upload(&admin, &uri, body).await;
        assert!(imported.text().contains("imported 1, updated 0, rejected 0"), "{path}: {}", imported.body);
    }
}

#[tokio::test]
async fn uploading_the_same_file_without_ids_three_times_gives_the_same_places() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    // As an office keeps its list: no id column, `;`, Windows-1252, a SIRET for one place.
    let file: &[u8] = b"name;types;postal_code;commune_code;address;siret\r\n\
                        Le Quai;coworking;42000;42218;2 quai Jean Moulin;\r\n\
                        La Forge;fablab;42000;42218;1 rue de la Paix;43493312300029\r\n\
                        M\xe9diath\xe8que;library;42000;42218;3 place du Peuple;\r\n";
    let uri = "/admin/import".to_owned();
    let mut ids = None;
    for (round, expected) in [
        "imported 3, updated 0, rejected 0",
        "imported 0, updated 3, rejected 0",
        "imported 0, updated 3, rejected 0",
    ]
    .into_iter()
    .enumerate()
    {
        let body = multipart("lieux.csv", file, &[]);
        let r = app.upload(&admin, &uri, body).await;
        assert!(r.text().contains(expected), "import {}: {}", round + 1, r.body);
        let list = app.get(None, "/api/v1/places?sort=name").await.json();
        assert_eq!(list["total"], 3, "import {}", round + 1);
        let now: Vec<String> =
            list["items"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(ids.get_or_insert_with(|| now.clone()), &now, "import {}: the same places", round + 1);
    }
}

#[tokio::test]
async fn the_upload_keeps_its_token_out_of_the_url_and_can_keep_places_as_drafts() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let page = app.get(Some(&admin), "/admin/import").await.text();
    assert!(page.contains("action=\"/admin/import\""), "no token in the form's URL");
    assert!(!page.contains("?csrf="));
    assert!(page.contains("name=\"status\" value=\"draft\""), "the choice is on the page");
    let csv = "id,name,types,postal_code,commune_code,latitude,longitude\n\
               d1,La Relecture,coworking,42000,42218,45.44,4.39\n";
    let post = |uri: String, body: Vec<u8>| {
        let (app, admin) = (&app, admin.clone());
        async move {
            app.send(Some(&admin), Method::POST, &uri, Some("multipart/form-data; boundary=B"), body, &[])
                .await
        }
    };
    // The token in the URL only, as before: refused, nothing read or stored.
    let body = multipart("lieux.csv", csv.as_bytes(), &[("source", "relecture")]);
    let r = post(format!("/admin/import?csrf={}", admin.csrf), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.text().contains("Le formulaire a expiré"), "{}", r.body);
    // The token after the file: refused too (the file must not be read before the check).
    let mut late = multipart("lieux.csv", csv.as_bytes(), &[]);
    late.truncate(late.len() - b"--B--\r\n".len());
    late.extend(
        format!("--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n--B--\r\n", admin.csrf)
            .as_bytes(),
    );
    let r = post("/admin/import".into(), late).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Le formulaire a expiré"));
    assert_eq!(app.get(Some(&admin), "/api/v1/places?status=draft,published").await.json()["total"], 0);
    // Kept as drafts: not listed publicly, listed among drafts.
    let body = with_csrf(
        &admin.csrf,
        multipart("lieux.csv", csv.as_bytes(), &[("source", "relecture"), ("status", "draft")]),
    );
    let r = post("/admin/import".into(), body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text().contains("imported 1, updated 0, rejected 0"));
    assert!(r.text().contains("value=\"draft\" checked"), "the choice is kept");
    assert_eq!(app.get(None, "/api/v1/places").await.json()["total"], 0);
    assert_eq!(app.get(Some(&admin), "/api/v1/places?status=draft").await.json()["total"], 1);
    // A status that is neither: a clear error, nothing stored.
    let body = with_csrf(
        &admin.csrf,
        multipart("lieux.csv", csv.as_bytes(), &[("source", "autre"), ("status", "maybe")]),
    );
    let r = post("/admin/import".into(), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Statut « maybe » inconnu"));
    // A file that cannot be read at all is said in the page's language too.
    let body = with_csrf(&admin.csrf, multipart("lieux.csv", b"", &[("source", "vide")]));
    let r = post("/admin/import?lang=en".into(), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("the file is empty"), "{}", r.body);
    let workbook = with_csrf(&admin.csrf, multipart("lieux.csv", b"PK\x03\x04rest-of-an-xlsx", &[]));
    let r = post("/admin/import".into(), workbook).await;
    assert!(r.text().contains("enregistrez-le au format « CSV UTF-8 »"), "{}", r.body);
}

#[tokio::test]
async fn a_preview_reports_without_storing_and_the_file_is_imported_on_confirmation() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let other = app.user("autre-admin@exemple.fr", true).await;
    let csv = "id,name,types,postal_code,commune_code,latitude,longitude,siret\n\
               p1,Le Quai,coworking,42000,42218,45.44,4.39,\n\
               p2,Mauvais SIRET,fablab,42000,42218,45.44,4.39,123\n";
    let post = |client: &Client, body: Vec<u8>| {
        let (app, client) = (&app, client.clone());
        async move {
            app.send(
                Some(&client),
                Method::POST,
                "/admin/import",
                Some("multipart/form-data; boundary=B"),
                body,
                &[],
            )
            .await
        }
    };
    let body = with_csrf(
        &admin.csrf,
        multipart("lieux.csv", csv.as_bytes(), &[("source", "apercu"), ("action", "preview")]),
    );
    let r = post(&admin, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = r.text();
    assert!(page.contains("Aperçu de l&#39;import") || page.contains("Aperçu de l'import"), "{page}");
    assert!(page.contains("imported 1, updated 0, rejected 1"), "the report the import would give");
    assert!(page.contains("<td>3</td><td>siret</td>"), "the refused row is named");
    assert_eq!(
        app.get(Some(&admin), "/api/v1/places?status=draft,published").await.json()["total"],
        0,
        "nothing stored"
    );
    let staged = page.split("name=\"staged\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let confirm = |csrf: &str| {
        format!(
            "--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --B\r\nContent-Disposition: form-data; name=\"staged\"\r\n\r\n{staged}\r\n--B--\r\n"
        )
        .into_bytes()
    };
    // Another account cannot confirm someone's upload.
    let r = post(&other, confirm(&other.csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("plus en attente"), "{}", r.body);
    // Confirmed without sending the file again: imported as previewed, with its source.
    let r = post(&admin, confirm(&admin.csrf)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.text().contains("Rapport d&#39;import") || r.text().contains("Rapport d'import"));
    assert!(r.text().contains("imported 1, updated 0, rejected 1"));
    let places = app.get(None, "/api/v1/places").await.json();
    assert_eq!(places["total"], 1);
    assert_eq!(places["items"][0]["provenance"]["source"], "apercu", "{places}");
    // Once imported, the upload is gone: confirming again changes nothing.
    let r = post(&admin, confirm(&admin.csrf)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(None, "/api/v1/places").await.json()["total"], 1);
}

#[tokio::test]
async fn an_export_imports_back_into_the_same_places() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    published(&app, &admin, "Aller-retour").await;
    for format in maillage_app::Format::ALL {
        let r = app.get(None, &format!("/api/v1/export?format={format}")).await;
        assert_eq!(r.status, StatusCode::OK, "{format}");
        assert_eq!(
            r.headers["content-disposition"].to_str().unwrap(),
            format!("attachment; filename=\"{}\"", format.file_name()),
            "{format}: a download name of its own"
        );
        assert_eq!(r.headers["content-type"].to_str().unwrap(), format.content_type(), "{format}");
        if format.is_binary() {
            assert!(r.body.starts_with("PK\u{3}\u{4}"), "{format}: a ZIP archive (XLSX)");
        } else {
            assert!(r.text().contains("Aller-retour"), "{format}");
        }
    }
    let excel = app.get(None, "/api/v1/export?format=csv-excel").await;
    assert!(excel.body.starts_with("\u{feff}id;name;types;"), "BOM and semicolons: {}", excel.body);
    // The download list names every format in the page's language.
    let home = app.get(None, "/").await;
    assert!(home.text().contains(">CSV pour Excel</a>"), "{}", home.body);
    assert!(home.text().contains("href=\"/api/v1/export?format=lmn-xlsx\""), "{}", home.body);
    let home = app.get(None, "/?lang=en").await;
    assert!(
        home.text().contains(">CSV for Excel</a>")
            && home.text().contains(">National schema (Excel, XLSX)</a>")
    );
    let csv = app.get(None, "/api/v1/export?format=csv").await.body;
    let report = app
        .state
        .app()
        .import(
            &maillage_app::Actor::User(
                maillage_domain::user::User {
                    id: maillage_domain::UserId::new(),
                    email: maillage_domain::fields::Email::parse("cli@exemple.fr").unwrap(),
                    display_name: "cli".into(),
                    created_at: chrono::Utc::now(),
                },
                maillage_app::permissions::Roles::none().with(maillage_app::permissions::Grant::admin()),
            ),
            csv.as_bytes(),
            &maillage_app::transfer::ImportOptions::new("export.csv"),
            &|_, _| {},
        )
        .await
        .unwrap();
    assert_eq!(report.summary(), "imported 0, updated 1, rejected 0", "{:?}", report.errors);
    let list = app.get(None, "/api/v1/places").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "Aller-retour");
    // The field chooser of the directory page sends repeated `fields`.
    let home = app.get(None, "/?q=aller").await;
    assert!(
        home.body.contains("<input type=\"hidden\" name=\"q\" value=\"aller\">"),
        "filters travel with the export form"
    );
    let r = app.get(None, "/api/v1/export?format=csv&fields=name&fields=commune_name&q=aller").await;
    assert_eq!(r.body.lines().next(), Some("name,commune_name"));
    assert!(r.body.contains("Aller-retour,Saint-Étienne"));
    let r = app.get(None, "/api/v1/export?format=csv&fields=name,colour").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.get(None, "/api/v1/export?format=ods").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("csv-excel, xlsx"), "the formats possible are named: {}", r.body);
}

#[tokio::test]
async fn territory_pages_list_their_places() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    published(&app, &admin, "Au cœur de la Loire").await;
    for path in ["/territoires/communes/42218", "/territoires/departements/42", "/territoires/regions/84"] {
        let r = app.get(None, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text().contains("Au cœur de la Loire"), "{path}");
    }
    let r = app.get(None, "/territoires/communes/75056").await;
    assert!(r.text().contains("Paris 11e Arrondissement"), "Paris lists its arrondissements");
    assert_eq!(app.get(None, "/territoires/departements/00").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_city_page_lists_the_places_of_its_arrondissements_page_by_page() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    for i in 0..3 {
        let mut body = place_json(&format!("Atelier parisien {i}"));
        body["status"] = json!("published");
        body["postal_code"] = json!("75011");
        body["commune_code"] = json!("75111");
        body["address"] = json!("10 rue Oberkampf");
        body["latitude"] = json!(48.8647);
        body["longitude"] = json!(2.3720);
        body["siret"] = json!(null);
        let r = app.json(Some(&admin), Method::POST, "/api/v1/places", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let paris = app.get(None, "/territoires/communes/75056").await;
    assert!(paris.text().contains("Atelier parisien 0"), "Paris lists the places of the 11e");
    assert!(paris.text().contains("Lieux (3)") || paris.text().contains("(3)"), "three places counted");
    let eleventh = app.get(None, "/territoires/communes/75111").await;
    assert!(eleventh.text().contains("Atelier parisien 2"));
    let api = app.get(None, "/api/v1/places?commune=75056").await.json();
    assert_eq!(api["total"], 3, "the API's commune filter includes arrondissements too");

    // Two per page: the pager stays on the territory page, and a page past the end goes to the last.
    let first = app.get(None, "/territoires/communes/75056?per_page=2").await;
    assert!(first.text().contains("Page 1 / 2"), "{}", first.text());
    assert!(
        first.body.contains(r#"href="/territoires/communes/75056?per_page=2&#38;page=2" rel="next""#),
        "the next page is the territory's own: {}",
        first.body
    );
    let past = app.get(None, "/territoires/communes/75056?per_page=2&page=9").await;
    assert_eq!(past.status, StatusCode::SEE_OTHER);
    let home = app.get(None, "/?page=9").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER, "the directory too sends a page past the end to the last");

    // A région lists each département once, with its code once.
    let idf = app.get(None, "/territoires/regions/11").await;
    assert!(idf.body.contains(">Paris</a> (75)</li>"), "{}", idf.body);

    // French counts 0 and 1 in the singular, English only 1.
    let none = app.get(None, "/?q=introuvablexyz").await;
    assert!(none.text().contains("0 lieu trouvé"), "{}", none.text());
    let none = app.get(None, "/?q=introuvablexyz&lang=en").await;
    assert!(none.text().contains("0 places found"));
}

#[tokio::test]
async fn a_stale_edit_shows_the_form_again_with_what_was_typed_and_the_stored_values() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    let id = published(&app, &admin, "Nom d'origine").await;
    let place = app.get(None, &format!("/api/v1/places/{id}")).await.json();
    let old_version = place["version"].as_i64().unwrap();
    // Someone else renames it first.
    let mut other = place_json("Nom de l'autre");
    other["version"] = json!(old_version);
    other["status"] = json!("published");
    let r = app.json(Some(&admin), Method::PUT, &format!("/api/v1/places/{id}"), &other).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let current = r.json()["version"].as_i64().unwrap();
    assert_ne!(current, old_version);
    let version = old_version.to_string();
    let fields = [
        ("version", version.as_str()),
        ("name", "Mon nom à moi"),
        ("types", "fablab"),
        ("summary", "Un fablab associatif."),
        ("address", "3 rue Javelin-Pagnon"),
        ("postal_code", "42000"),
        ("commune_code", "42218"),
        ("latitude", "45.4397"),
        ("longitude", "4.3872"),
        ("status", "published"),
    ];
    let r = app.post_form(&admin, &format!("/lieux/{id}/modifier"), &fields).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text().contains("Ce lieu a été modifié pendant que vous l'éditiez"), "{}", r.text());
    assert!(r.body.contains(r#"value="Mon nom à moi""#), "what was typed is kept");
    assert!(r.body.contains("<td>Mon nom à moi</td><td>Nom de l&#39;autre</td>"), "{}", r.body);
    assert!(r.body.contains(&format!(r#"name="version" value="{current}""#)), "now at the stored version");
    assert_eq!(app.get(None, &format!("/api/v1/places/{id}")).await.json()["name"], "Nom de l'autre");
    // Saving again replaces the stored values knowingly.
    let current = current.to_string();
    let mut again = fields.to_vec();
    again[0] = ("version", current.as_str());
    let r = app.post_form(&admin, &format!("/lieux/{id}/modifier"), &again).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(app.get(None, &format!("/api/v1/places/{id}")).await.json()["name"], "Mon nom à moi");
}

#[tokio::test]
async fn my_places_map_and_downloads_hold_only_my_places() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    published(&app, &admin, "Le lieu de quelqu'un d'autre").await;
    let user = app.user("u@exemple.fr", false).await;
    // The person proposes a place (a draft they manage); an admin publishes it.
    let mut mine = place_json("Mon lieu à moi");
    mine["siret"] = json!(null);
    let r = app.json(Some(&user), Method::POST, "/api/v1/places", &mine).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    mine["status"] = json!("published");
    mine["version"] = r.json()["version"].clone();
    let r = app.json(Some(&admin), Method::PUT, &format!("/api/v1/places/{id}"), &mine).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = app.get(Some(&user), "/mes-lieux").await;
    assert!(page.body.contains("/api/v1/places.geojson?mine=1"), "the map asks for my places: {}", page.body);
    assert!(page.body.contains("/api/v1/export?format=csv&#38;mine=1"), "downloads too");
    let map = app.get(Some(&user), "/api/v1/places.geojson?mine=1").await;
    assert_eq!(map.status, StatusCode::OK);
    assert!(map.body.contains("Mon lieu à moi") && !map.body.contains("quelqu'un d'autre"), "{}", map.body);
    let csv = app.get(Some(&user), "/api/v1/export?format=csv&mine=1").await;
    assert!(csv.body.contains("Mon lieu à moi") && !csv.body.contains("quelqu'un d'autre"));
    assert_eq!(app.get(None, "/api/v1/places.geojson?mine=1").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get(None, "/api/v1/export?mine=1").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn writes_are_rate_limited_per_client() {
    let app = spawn_with(maillage_web::WebConfig { writes_per_minute: 3, ..Default::default() }).await;
    let visitor = app.visitor().await;
    let mut last = StatusCode::OK;
    for _ in 0..5 {
        last = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "x@exemple.fr")]).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

/// The reset links in the outbox, oldest first.
fn reset_tokens(app: &TestApp) -> Vec<String> {
    let mut mails: Vec<(std::time::SystemTime, String)> = std::fs::read_dir(app.outbox.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.metadata().unwrap().modified().unwrap(), std::fs::read_to_string(e.path()).unwrap())
        })
        .filter(|(_, m)| m.contains("jeton"))
        .collect();
    mails.sort();
    mails
        .into_iter()
        .map(|(_, m)| {
            let m = m.replace("=\r\n", "").replace("=3D", "=");
            m.split("jeton=").nth(1).unwrap().split(|c: char| c.is_whitespace()).next().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn using_one_reset_link_voids_the_others() {
    let app = spawn().await;
    app.create_user("claire@exemple.fr", false).await;
    let visitor = app.visitor().await;
    for _ in 0..2 {
        let r = app.post_form(&visitor, "/mot-de-passe/oubli", &[("email", "claire@exemple.fr")]).await;
        assert_eq!(r.status, StatusCode::OK);
        app.run_jobs().await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let tokens = reset_tokens(&app);
    assert_eq!(tokens.len(), 2, "two links were sent");
    let r = app
        .post_form(
            &visitor,
            "/mot-de-passe/nouveau",
            &[("jeton", &tokens[1]), ("password", "un-nouveau-mot-de-passe")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The older link no longer shows the form, and cannot set a password.
    let form = app.get(Some(&visitor), &format!("/mot-de-passe/nouveau?jeton={}", tokens[0])).await;
    assert!(form.text().contains("n'est plus valable"), "{}", form.text());
    let r = app
        .post_form(
            &visitor,
            "/mot-de-passe/nouveau",
            &[("jeton", &tokens[0]), ("password", "le-mot-de-l-attaquant")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("n'est plus valable"));
    let r = app
        .post_form(
            &visitor,
            "/connexion",
            &[("email", "claire@exemple.fr"), ("password", "le-mot-de-l-attaquant")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the voided link changed nothing");
}

#[tokio::test]
async fn the_place_form_asks_to_confirm_a_postal_code_that_is_not_the_communes() {
    let app = spawn().await;
    let user = app.user("u@exemple.fr", false).await;
    let mut fields = vec![
        ("name", "Le Quai"),
        ("types", "coworking"),
        ("postal_code", "42007"),
        ("commune_code", "42218"),
    ];
    let r = app.post_form(&user, "/lieux/nouveau", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("id=\"err-postal_code\""), "{}", r.body);
    assert!(
        r.text().contains("42007 n&#x27;est pas un code de Saint-Étienne")
            || r.text().contains("42007 n'est pas un code de Saint-Étienne"),
        "{}",
        r.body
    );
    assert!(r.text().contains("value=\"42007\""), "what was typed is kept");
    assert!(r.text().contains("id=\"f-confirm_commune\" name=\"confirm_commune\" value=\"1\">"), "unchecked");
    fields.push(("confirm_commune", "1"));
    let r = app.post_form(&user, "/lieux/nouveau", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_real_lmn_file_imports_with_every_commune_resolution_in_the_report() {
    let app = spawn().await;
    let admin = app.user("admin@exemple.fr", true).await;
    for name in ["lmn_communes.csv", "lmn_communes.json"] {
        let path = format!("{}/../maillage-interop/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap();
        let uri = "/admin/import".to_owned();
        let body = multipart(name, &bytes, &[("source", &format!("hinaura-{name}"))]);
        let r = app.upload(&admin, &uri, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = r.text();
        assert!(page.contains("imported 20, updated 0, rejected 2"), "{name}: {page}");
        for seen in [
            "« Seynod » est une ancienne commune (Seynod, 74268), aujourd&#x27;hui dans Annecy (74010).",
            "« Pierre-Bénite » est une ancienne commune (Pierre-Bénite, 69152), aujourd&#x27;hui dans Oullins-Pierre-Bénite (69149).",
            "« Loriol » lu comme Loriol-sur-Drôme (26166), commune du code postal 26270.",
            "« Pont de Claix » lu comme Le Pont-de-Claix (38317), commune du code postal 38800.",
            "Le code postal 74012 ne dessert pas « ANNECY CEDEX »",
            "Le code INSEE 74268 est celui d&#x27;une ancienne commune, Seynod : commune actuelle Annecy (74010).",
            "Commune « Villebidon-sur-Mer » introuvable pour le code postal 74370",
            "Aucune commune, actuelle ou ancienne, n&#x27;a le code INSEE « 74999 ».",
        ] {
            let seen_plain = seen.replace("&#x27;", "'");
            assert!(page.contains(seen) || page.contains(&seen_plain), "{name}: {seen}\n{page}");
        }
        // The line of a CSV row counts the header; a JSON record is numbered from 1.
        let (nowhere, bad_code) = if name.ends_with(".csv") { (22, 23) } else { (21, 22) };
        assert!(page.contains(&format!("<td>{nowhere}</td><td>commune_name</td>")), "{page}");
        assert!(page.contains(&format!("<td>{bad_code}</td><td>commune_code</td>")), "{page}");
    }
}
