//! Signing in and out, and resetting a password.

use super::*;

/// Where to go after login: only a path of this site. `next` is parsed as a browser would
/// (WHATWG URL, against a fixed base, which drops tabs and line breaks and reads `\\` as
/// `/`); it is followed only when the origin stays the base's, and then only the parsed
/// path and query are written to `Location`, never the raw input. Anything else goes home.
pub(super) fn safe_next(next: Option<&str>) -> String {
    const BASE: &str = "http://maillage.invalid/";
    let Some(next) = next else { return "/".into() };
    let Ok(base) = url::Url::parse(BASE) else { return "/".into() };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() => {
            let mut out = url.path().to_owned();
            if let Some(q) = url.query() {
                out.push('?');
                out.push_str(q);
            }
            // `/.//evil` parses to the path `//evil`, which a browser reads as a host.
            if out.starts_with("//") { "/".into() } else { out }
        }
        _ => "/".into(),
    }
}

pub(super) async fn login_form(ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let notice = pairs.flag("reinitialise").then(|| t(ctx.lang, "reset.done").to_owned());
    let page = LoginPage {
        c: Chrome::new(&ctx, t(ctx.lang, "login.title")),
        email: String::new(),
        next: safe_next(pairs.first("next")),
        error: None,
        notice,
    };
    remember_lang(&ctx, html(page))
}

pub(super) async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let (pairs, not_utf8) = match Pairs::parse_form(&body) {
        Ok(pairs) => (pairs, None),
        Err(bad) => (bad.pairs.clone(), Some(bad)),
    };
    let email = pairs.first("email").unwrap_or("").to_owned();
    let next = safe_next(pairs.first("next"));
    let again = |error: String, status: StatusCode| {
        let page = LoginPage {
            c: Chrome::new(&ctx, t(ctx.lang, "login.title")),
            email: email.clone(),
            next: next.clone(),
            error: Some(error),
            notice: None,
        };
        (status, html(page)).into_response()
    };
    if let Some(bad) = not_utf8 {
        let e = bad.error();
        let label = match e.field.as_str() {
            "email" => t(ctx.lang, "login.email"),
            "password" => t(ctx.lang, "login.password"),
            other => other,
        };
        let message = format!("{label} : {}", e.message(ctx.lang.code()));
        return Ok(again(message, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Ok(again(t(ctx.lang, "error.csrf").into(), StatusCode::UNPROCESSABLE_ENTITY));
    }
    match state.app().login(&email, pairs.first("password").unwrap_or(""), &ctx.client).await {
        Ok(session) => {
            let mut response = Redirect::to(&next).into_response();
            let cookie =
                set_cookie(SESSION_COOKIE, &session.token, session.max_age_s, state.web().secure_cookies);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(response)
        }
        Err(e @ (AppError::InvalidCredentials | AppError::RateLimited { .. })) => {
            let mut response = again(crate::error::message_of(&e, ctx.lang), crate::error::status_of(&e));
            if let AppError::RateLimited { retry_after_s } = e {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            Ok(response)
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

pub(super) async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(not_utf8_page(&ctx, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    if let Some(token) = &ctx.session_token {
        state.app().logout(token).await.map_err(|e| WebError::page(e, ctx.lang))?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&set_cookie(SESSION_COOKIE, "", 0, state.web().secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

pub(super) async fn reset_request_form(ctx: Ctx) -> Response {
    html(ResetRequestPage {
        c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
        email: String::new(),
        sent: false,
        error: None,
    })
}

pub(super) async fn reset_request(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => {
            let e = bad.error();
            let page = ResetRequestPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
                email: bad.pairs.first("email").unwrap_or("").to_owned(),
                sent: false,
                error: Some(format!("« {} » : {}", e.field, e.message(ctx.lang.code()))),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
        }
    };
    let email = pairs.first("email").unwrap_or("").to_owned();
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    match state.app().request_password_reset(&email, ctx.lang.code()).await {
        Ok(()) => Ok(html(ResetRequestPage {
            c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
            email,
            sent: true,
            error: None,
        })),
        Err(AppError::Validation(e)) => {
            let message = e.errors.first().map(|e| e.message(ctx.lang.code()).to_owned());
            let page = ResetRequestPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.title")),
                email,
                sent: false,
                error: message,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

pub(super) async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let token = pairs.first("jeton").unwrap_or("").to_owned();
    let live = !token.is_empty()
        && state.app().reset_link_is_live(&token).await.map_err(|e| WebError::page(e, ctx.lang))?;
    let error = (!live).then(|| t(ctx.lang, "reset.invalid").to_owned());
    Ok(html(ResetFormPage { c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")), token, live, error }))
}

pub(super) async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => {
            let e = bad.error();
            let page = ResetFormPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")),
                token: bad.pairs.first("jeton").unwrap_or("").to_owned(),
                live: true,
                error: Some(format!("« {} » : {}", e.field, e.message(ctx.lang.code()))),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
        }
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let token = pairs.first("jeton").unwrap_or("").to_owned();
    match state.app().reset_password(&token, pairs.first("password").unwrap_or("")).await {
        Ok(()) => Ok(Redirect::to("/connexion?reinitialise=1").into_response()),
        Err(AppError::Validation(e)) => {
            let live = e.errors.iter().all(|e| e.code != "invalid_reset_link");
            let message = e.errors.first().map(|e| e.message(ctx.lang.code()).to_owned());
            let page = ResetFormPage {
                c: Chrome::new(&ctx, t(ctx.lang, "reset.new_title")),
                token,
                live,
                error: message,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}
