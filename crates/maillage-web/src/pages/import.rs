//! The upload page: preview, import, templates.

use super::*;
use maillage_domain::messages::Message;

/// A format as people name it, in the page's language ("CSV pour Excel").
pub(super) fn format_label(lang: Lang, format: Format) -> &'static str {
    t(lang, &format!("format.{}", format.name()))
}

/// The formats a file can be imported from.
pub(super) fn format_options(lang: Lang, selected: &str) -> Vec<Opt> {
    Format::IMPORT
        .iter()
        .map(|f| Opt {
            value: f.name().into(),
            label: format_label(lang, *f).into(),
            selected: f.name() == selected,
        })
        .collect()
}

pub(super) async fn import_form(ctx: Ctx) -> Result<Response, WebError> {
    if let Some(r) = require_signed_in(&ctx, "/admin/import") {
        return Ok(r);
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, ctx.lang));
    }
    Ok(html(ImportPage {
        c: Chrome::new(&ctx, t(ctx.lang, "import.title")),
        report: None,
        file_error: None,
        formats: format_options(ctx.lang, ""),
        source: String::new(),
        mapping: String::new(),
        all_or_nothing: false,
        as_drafts: false,
        staged: None,
        file_name: String::new(),
    }))
}

/// The file to fill in, as a plain CSV.
pub(super) async fn import_template(ctx: Ctx) -> Result<Response, WebError> {
    template_download(&ctx, false)
}

/// The file to fill in, as the CSV for Excel (BOM, `;`, decimal commas).
pub(super) async fn import_template_excel(ctx: Ctx) -> Result<Response, WebError> {
    template_download(&ctx, true)
}

/// Every column of our CSV and one example line; for those who may import (it documents
/// the import, so it goes with the import page's rule).
pub(super) fn template_download(ctx: &Ctx, excel: bool) -> Result<Response, WebError> {
    let path = if excel { "/admin/import/modele-excel.csv" } else { "/admin/import/modele.csv" };
    if let Some(r) = require_signed_in(ctx, path) {
        return Ok(r);
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, ctx.lang));
    }
    let name = if excel { "modele-lieux-excel.csv" } else { "modele-lieux.csv" };
    let mut response = maillage_interop::import_template(excel).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// What the upload form chose, kept with a previewed file for its confirmation.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct ImportChoices {
    format: String,
    source: String,
    mapping: String,
    all_or_nothing: bool,
    status: String,
}

pub(super) async fn import_file(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: Multipart,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    if !ctx.is_signed_in() {
        return Err(WebError::page(AppError::Unauthenticated, lang));
    }
    if !ctx.actor.can(Action::Import, &Resource::Platform) {
        return Err(WebError::page(AppError::Forbidden, lang));
    }
    let (mut file_name, mut bytes, mut choices) = (String::new(), Vec::new(), ImportChoices::default());
    let (mut action, mut staged) = (String::new(), String::new());
    let mut not_utf8: Option<String> = None;
    // The token is the form's first field (never in the URL, where logs and the browser's
    // history would keep it): it is checked before anything else is read, the file above all.
    let mut csrf_checked = false;
    while let Some(field) = multipart.next_field().await.map_err(|e| {
        WebError::page(AppError::File(Message::new("import.file.unreadable_upload").with("detail", e)), lang)
    })? {
        if !csrf_checked {
            let token = match field.name() {
                Some("csrf") => field.bytes().await.ok().map(|b| String::from_utf8_lossy(&b).into_owned()),
                _ => None,
            };
            if !csrf_ok(&ctx, token.as_deref()) {
                return Err(csrf_error(&ctx, Surface::Page));
            }
            csrf_checked = true;
            continue;
        }
        match field.name().unwrap_or("") {
            "file" => {
                file_name = field.file_name().unwrap_or("import").to_owned();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|e| {
                        WebError::page(
                            AppError::File(Message::new("import.file.unreadable_upload").with("detail", e)),
                            lang,
                        )
                    })?
                    .to_vec();
            }
            name => {
                let name = name.to_owned();
                // `Field::text` would replace bytes that are not UTF-8 silently.
                let raw = field.bytes().await.unwrap_or_default();
                let value = match String::from_utf8(raw.to_vec()) {
                    Ok(v) => v,
                    Err(_) => {
                        not_utf8.get_or_insert(name.clone());
                        String::from_utf8_lossy(&raw).into_owned()
                    }
                };
                match name.as_str() {
                    "format" => choices.format = value,
                    "source" => choices.source = value,
                    "mapping" => choices.mapping = value,
                    "all_or_nothing" => choices.all_or_nothing = !value.is_empty(),
                    "status" => choices.status = value,
                    "action" => action = value,
                    "staged" => staged = value,
                    _ => {}
                }
            }
        }
    }
    if !csrf_checked {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    // The confirmation of a preview: the file and choices kept with it, not the form's.
    let confirming = !staged.trim().is_empty();
    if confirming {
        let kept = state.app().staged_upload(&ctx.actor, &staged).await.map_err(|e| match e {
            AppError::NotFound => WebError::page(AppError::File(Message::new("import.staged_expired")), lang),
            other => WebError::page(other, lang),
        })?;
        file_name = kept.file_name;
        bytes = kept.content;
        choices = serde_json::from_value(kept.choices).unwrap_or_default();
    }
    let mut page = ImportPage {
        c: Chrome::new(&ctx, t(lang, "import.title")),
        report: None,
        file_error: None,
        formats: format_options(lang, &choices.format),
        source: choices.source.clone(),
        mapping: choices.mapping.clone(),
        all_or_nothing: choices.all_or_nothing,
        as_drafts: choices.status == "draft",
        staged: None,
        file_name: file_name.clone(),
    };
    let unprocessable = |page: ImportPage| Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response());
    if let Some(field) = not_utf8 {
        let e = NotUtf8 { pairs: Pairs::default(), field }.error();
        page.file_error = Some(format!("« {} » : {}", e.field, e.message(lang.code())));
        return unprocessable(page);
    }
    let default_status = match choices.status.as_str() {
        "" | "published" => PlaceStatus::Published,
        "draft" => PlaceStatus::Draft,
        other => {
            page.file_error = Some(
                maillage_domain::messages::Message::new("import.unknown_status")
                    .with("value", other)
                    .render(lang),
            );
            return unprocessable(page);
        }
    };
    if let Err(e) = maillage_domain::text::line_text(&choices.source, IMPORT_SOURCE_MAX) {
        page.file_error = Some(format!("« source » : {}", e.message(lang.code())));
        return unprocessable(page);
    }
    let mut options = ImportOptions::new(file_name.clone());
    options.all_or_nothing = choices.all_or_nothing;
    options.default_status = default_status;
    options.source = Some(choices.source.trim().to_owned()).filter(|s| !s.is_empty());
    // A preview is asked by its button; a confirmation, or "import at once", stores.
    options.dry_run = !confirming && action == "preview";
    if !choices.format.is_empty() {
        match choices.format.parse::<Format>() {
            Ok(f) => options.format = Some(f),
            Err(e) => page.file_error = Some(e.to_string()),
        }
    }
    if !choices.mapping.trim().is_empty() {
        match maillage_interop::ColumnMapping::parse(&choices.mapping) {
            Ok(m) => options.mapping = m,
            Err(e) => page.file_error = Some(maillage_interop::FileError::Mapping(e).message().render(lang)),
        }
    }
    if bytes.is_empty() && page.file_error.is_none() {
        page.file_error = Some(maillage_interop::FileError::Empty.message().render(lang));
    }
    if page.file_error.is_some() {
        return unprocessable(page);
    }
    // Kept for the confirmation only when the preview read the file (`import` consumes it).
    let keep = options.dry_run.then(|| bytes.clone());
    match state.app().import(&ctx.actor, bytes, &options, &|_, _| {}).await {
        Ok(report) => {
            let status = if report.rolled_back { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            if let Some(content) =
                keep.filter(|_| !report.rolled_back && report.imported + report.updated > 0)
            {
                let choices = serde_json::to_value(&choices).unwrap_or_default();
                let id = state
                    .app()
                    .stage_upload(&ctx.actor, &file_name, choices, content)
                    .await
                    .map_err(|e| WebError::page(e, lang))?;
                page.staged = Some(id);
            }
            if confirming {
                state.app().drop_staged_upload(&staged).await.map_err(|e| WebError::page(e, lang))?;
            }
            page.report = Some(report);
            Ok((status, html(page)).into_response())
        }
        Err(AppError::File(message)) => {
            page.file_error = Some(message.render(lang));
            unprocessable(page)
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}
