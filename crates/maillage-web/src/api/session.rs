//! The API session: who is signed in, signing in and out.

use super::*;

/// The signed-in account in the session JSON: `is_admin` (administrator of the platform)
/// stays for clients of the first version, beside the roles it is now derived from.
pub(super) fn user_json(
    u: &maillage_app::User,
    roles: &maillage_app::permissions::Roles,
) -> serde_json::Value {
    json!({
        "id": u.id,
        "email": u.email.as_str(),
        "display_name": u.display_name,
        "is_admin": roles.holds(&maillage_app::permissions::Grant::admin()),
        "roles": maillage_app::rights::grant_views(roles),
    })
}

pub(super) async fn session(ctx: Ctx) -> Response {
    match ctx.actor.user() {
        Some(u) => {
            Json(json!({ "user": user_json(u, ctx.actor.roles()), "csrf_token": ctx.csrf })).into_response()
        }
        None => WebError::api(AppError::Unauthenticated, ctx.lang).into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Credentials {
    email: String,
    password: String,
}

pub(super) async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, WebError> {
    let creds: Credentials = match parse_json(&headers, body, &ctx) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    let session =
        state.app().login(&creds.email, &creds.password, &ctx.client).await.map_err(|e| api_err(e, &ctx))?;
    let cookie = set_cookie(SESSION_COOKIE, &session.token, session.max_age_s, state.web().secure_cookies);
    let u = &session.user;
    let body = json!({ "user": user_json(u, &session.roles), "csrf_token": session.csrf_token });
    Ok((
        [(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| api_err(AppError::failed("header value", e), &ctx))?,
        )],
        Json(body),
    )
        .into_response())
}

pub(super) async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    check_write(&ctx, &headers)?;
    if let Some(token) = &ctx.session_token {
        state.app().logout(token).await.map_err(|e| api_err(e, &ctx))?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.web().secure_cookies);
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            HeaderValue::from_str(&cookie).map_err(|e| api_err(AppError::failed("header value", e), &ctx))?,
        )],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_json_media_type_is_json() {
        for ok in [
            "application/json",
            "Application/JSON",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            " application/json ",
        ] {
            assert!(super::is_json_media_type(ok), "{ok}");
        }
        for bad in [
            "application/jsonfoo",
            "application/json-seq",
            "application/json+x",
            "text/json",
            "application/x-www-form-urlencoded",
            "",
            "application/json foo",
        ] {
            assert!(!super::is_json_media_type(bad), "{bad}");
        }
    }
}
