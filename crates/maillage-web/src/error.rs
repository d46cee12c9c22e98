//! One error type for HTTP: validation → 422 with field messages, 401, 403, 404, 409, 429,
//! 503 (database unreachable, request too long: retry later) and 500 logged with context
//! but shown as a generic message.

use crate::context::Lang;
use crate::i18n::t;
use crate::views::RenderHtml;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maillage_app::AppError;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Api,
    Page,
}

#[derive(Debug)]
pub struct WebError {
    pub error: AppError,
    pub lang: Lang,
    pub surface: Surface,
}

impl WebError {
    pub fn api(error: impl Into<AppError>, lang: Lang) -> Self {
        Self { error: error.into(), lang, surface: Surface::Api }
    }
    pub fn page(error: impl Into<AppError>, lang: Lang) -> Self {
        Self { error: error.into(), lang, surface: Surface::Page }
    }
    /// A bad request body or query, as a 422 naming the field.
    pub fn bad_input(
        field: &str,
        message: maillage_domain::messages::Message,
        lang: Lang,
        surface: Surface,
    ) -> Self {
        let e = maillage_domain::FieldError::new(field, "invalid_input", message);
        Self { error: AppError::Validation(e.into()), lang, surface }
    }
}

pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Validation(_) | AppError::File(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict { .. } => StatusCode::CONFLICT,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Storage(_) | AppError::Failed { .. } | AppError::Internal(_) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

pub fn code_of(error: &AppError) -> &'static str {
    match error {
        AppError::Validation(_) => "validation_failed",
        AppError::File(_) => "unreadable_file",
        AppError::Unauthenticated => "authentication_required",
        AppError::InvalidCredentials => "invalid_credentials",
        AppError::Forbidden => "forbidden",
        AppError::NotFound => "not_found",
        AppError::Conflict { .. } => "conflict",
        AppError::RateLimited { .. } => "rate_limited",
        AppError::Unavailable { .. } => "unavailable",
        AppError::Storage(_) | AppError::Failed { .. } | AppError::Internal(_) => "internal_error",
    }
}

/// The message people see for an error.
pub fn message_of(error: &AppError, lang: Lang) -> String {
    match error {
        AppError::Validation(_) => t(lang, "error.validation").into(),
        AppError::File(message) => message.render(lang),
        AppError::Unauthenticated => t(lang, "error.unauthenticated").into(),
        AppError::InvalidCredentials => t(lang, "error.credentials").into(),
        AppError::Forbidden => t(lang, "error.forbidden").into(),
        AppError::NotFound => t(lang, "error.not_found").into(),
        AppError::Conflict { .. } => t(lang, "error.conflict").into(),
        AppError::RateLimited { retry_after_s } if *retry_after_s < 120 => {
            t(lang, "error.rate_limited_seconds").replace("{n}", &retry_after_s.to_string())
        }
        AppError::RateLimited { .. } => t(lang, "error.rate_limited").into(),
        AppError::Unavailable { .. } => t(lang, "error.unavailable").into(),
        AppError::Storage(_) | AppError::Failed { .. } | AppError::Internal(_) => {
            t(lang, "error.internal").into()
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = status_of(&self.error);
        if self.error.is_internal() {
            tracing::error!(error = %maillage_app::Chain(&self.error), "internal error");
        }
        let message = message_of(&self.error, self.lang);
        let mut response = match self.surface {
            Surface::Api => {
                let mut body = json!({ "error": { "code": code_of(&self.error), "message": message } });
                match &self.error {
                    AppError::Validation(v) => {
                        let fields: Vec<_> = v
                            .errors
                            .iter()
                            .map(|e| json!({ "field": e.field, "code": e.code, "message": e.message(self.lang.code()) }))
                            .collect();
                        body["error"]["fields"] = json!(fields);
                        if !v.warnings.is_empty() {
                            let w: Vec<_> = v.warnings.iter().map(|e| json!({ "field": e.field, "code": e.code, "message": e.message(self.lang.code()) })).collect();
                            body["error"]["warnings"] = json!(w);
                        }
                    }
                    AppError::Conflict { current } => body["error"]["current_version"] = json!(current),
                    _ => {}
                }
                (status, Json(body)).into_response()
            }
            Surface::Page => {
                // A page has no form to show the field beside: say what was wrong.
                let message = match &self.error {
                    AppError::Validation(v) if !v.errors.is_empty() => {
                        let details: Vec<String> = v.errors.iter().map(|e| e.text(self.lang)).collect();
                        format!("{message} {}", details.join(" "))
                    }
                    _ => message,
                };
                let page = crate::views::ErrorPage::new(self.lang, status.as_u16(), message);
                (status, Html(page.render_html())).into_response()
            }
        };
        if let AppError::RateLimited { retry_after_s } | AppError::Unavailable { retry_after_s } = self.error
            && let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
