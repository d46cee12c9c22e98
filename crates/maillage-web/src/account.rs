//! « Mon compte » / "My account": a signed-in person downloads their personal data and
//! deletes their account (password typed again, a confirmation box, CSRF-protected POST).
//! Works without JavaScript.

use crate::AppState;
use crate::context::{Ctx, SESSION_COOKIE, set_cookie};
use crate::error::{Surface, WebError};
use crate::forms::Pairs;
use crate::i18n::t;
use crate::security::{csrf_error, csrf_ok};
use crate::views::{Chrome, RenderHtml, SummaryError};
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maillage_app::AppError;
use maillage_domain::ValidationErrors;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/compte", get(account_page))
        .route("/compte/donnees.json", get(download))
        .route("/compte/supprimer", post(delete_account))
}

#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub c: Chrome,
    pub name: String,
    pub email: String,
    pub created: String,
    pub places: usize,
    pub confirm: bool,
    pub errors: Vec<(String, String)>,
    pub error_list: Vec<SummaryError>,
}

impl AccountPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
    /// Nothing typed is echoed back (the only text field is the password).
    pub fn value(&self, _field: &str) -> &str {
        ""
    }
}

#[derive(Template)]
#[template(path = "account_deleted.html")]
pub struct AccountDeletedPage {
    pub c: Chrome,
}

/// Visitors go to the login page, and come back here after.
fn sign_in_first(ctx: &Ctx, next: &str) -> Option<Response> {
    (!ctx.is_signed_in()).then(|| {
        Redirect::to(&format!(
            "/connexion?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ))
        .into_response()
    })
}

async fn page(
    state: &AppState,
    ctx: &Ctx,
    confirm: bool,
    errors: Option<&ValidationErrors>,
) -> Result<AccountPage, WebError> {
    let lang = ctx.lang;
    let user = ctx.actor.user().ok_or_else(|| WebError::page(AppError::Unauthenticated, lang))?;
    let places = state.app().managed_place_count(&ctx.actor).await.map_err(|e| WebError::page(e, lang))?;
    let label = |field: &str| match field {
        "password" => t(lang, "account.password"),
        _ => t(lang, "account.confirm"),
    };
    let errors = errors.map(|e| e.errors.as_slice()).unwrap_or_default();
    Ok(AccountPage {
        c: Chrome::new(ctx, t(lang, "account.title")),
        name: user.display_name.clone(),
        email: user.email.as_str().to_owned(),
        created: user.created_at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y").to_string(),
        places,
        confirm,
        errors: errors.iter().map(|e| (e.field.clone(), e.message(lang.code()).to_owned())).collect(),
        error_list: errors
            .iter()
            .map(|e| SummaryError {
                anchor: e.field.clone(),
                label: label(&e.field).to_owned(),
                message: e.message(lang.code()).to_owned(),
            })
            .collect(),
    })
}

async fn account_page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if let Some(r) = sign_in_first(&ctx, "/compte") {
        return Ok(r);
    }
    Ok(Html(page(&state, &ctx, false, None).await?.render_html()).into_response())
}

async fn download(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if let Some(r) = sign_in_first(&ctx, "/compte/donnees.json") {
        return Ok(r);
    }
    let data = state.app().my_personal_data(&ctx.actor).await.map_err(|e| WebError::page(e, ctx.lang))?;
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| WebError::page(AppError::failed("personal data download", e), ctx.lang))?;
    let filename = format!("maillage-mes-donnees-{}.json", data.exported_at.format("%Y-%m-%d"));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

async fn delete_account(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, WebError> {
    if let Some(r) = sign_in_first(&ctx, "/compte") {
        return Ok(r);
    }
    let pairs = Pairs::parse(&body);
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let confirm = pairs.flag("confirm");
    match state.app().delete_own_account(&ctx.actor, pairs.first("password").unwrap_or(""), confirm).await {
        Ok(_) => {
            let deleted =
                AccountDeletedPage { c: Chrome::anonymous(ctx.lang, t(ctx.lang, "account.deleted_title")) };
            let mut response = Html(deleted.render_html()).into_response();
            if let Ok(v) =
                HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.web().secure_cookies))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(AppError::Validation(errors)) => {
            let page = page(&state, &ctx, confirm, Some(&errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render_html())).into_response())
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}
