//! Creating, editing and archiving a place with the HTML forms.

use super::*;

pub(super) fn form_page(
    ctx: &Ctx,
    heading: String,
    action: String,
    input: &PlaceInput,
    errors: Option<&ValidationErrors>,
    warnings: &[maillage_domain::FieldError],
    may_publish: bool,
) -> PlaceFormPage {
    let lang = ctx.lang;
    let mut values: HashMap<String, String> = HashMap::new();
    let mut put = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            values.insert(k.into(), v.clone());
        }
    };
    put("name", &input.name);
    put("summary", &input.summary);
    put("description", &input.description);
    put("address", &input.address);
    put("postal_code", &input.postal_code);
    put("commune_code", &input.commune_code);
    put("commune_name", &input.commune_name);
    put("siret", &input.siret);
    put("rna", &input.rna);
    put("opening_hours", &input.opening_hours);
    put("accessibility_url", &input.accessibility_url);
    put("email", &input.email);
    put("phone", &input.phone);
    put("website", &input.website);
    if let Some(v) = input.latitude {
        values.insert("latitude".into(), v.to_string());
    }
    if let Some(v) = input.longitude {
        values.insert("longitude".into(), v.to_string());
    }
    values.insert("equipment".into(), input.equipment.join("\n"));
    let errors_v: Vec<(String, String)> = errors
        .map(|e| e.errors.iter().map(|e| (e.field.clone(), e.message(lang.code()).to_owned())).collect())
        .unwrap_or_default();
    let error_list = errors_v
        .iter()
        .map(|(field, message)| {
            let base = field.split('[').next().unwrap_or(field).to_owned();
            let label = crate::i18n::field_label(lang, "form.", &base);
            // Checkbox groups are reached through their first box.
            let anchor = match base.as_str() {
                "types" | "services" | "publics" | "support" | "fees" | "access_modes" | "labels" => {
                    let first = match base.as_str() {
                        "types" => PlaceType::ALL[0].code(),
                        "services" => Service::ALL[0].code(),
                        "publics" => Public::ALL[0].code(),
                        "support" => Support::ALL[0].code(),
                        "fees" => Fee::ALL[0].code(),
                        "access_modes" => AccessMode::ALL[0].code(),
                        _ => Label::ALL[0].code(),
                    };
                    format!("{base}-{first}")
                }
                _ => base.clone(),
            };
            SummaryError { anchor, label, message: message.clone() }
        })
        .collect();
    let status = input.status.clone().unwrap_or_else(|| "draft".into());
    let statuses = PlaceStatus::ALL
        .iter()
        .filter(|s| may_publish || **s != PlaceStatus::Published || status == "published")
        .map(|s| Opt {
            value: s.code().into(),
            label: s.label(lang.code()).into(),
            selected: s.code() == status,
        })
        .collect();
    PlaceFormPage {
        c: Chrome::new(ctx, heading.clone()),
        heading,
        action,
        version: input.version,
        conflict: None,
        values,
        errors: errors_v,
        error_list,
        warning_list: warnings.iter().map(|w| w.message(lang.code()).to_owned()).collect(),
        confirm_location: input.confirm_location,
        confirm_commune: input.confirm_commune,
        types: vocab_options::<PlaceType>(lang, &input.types),
        services: vocab_options::<Service>(lang, &input.services),
        publics: vocab_options::<Public>(lang, &input.publics),
        support: vocab_options::<Support>(lang, &input.support),
        fees: vocab_options::<Fee>(lang, &input.fees),
        access_modes: vocab_options::<AccessMode>(lang, &input.access_modes),
        labels: vocab_options::<Label>(lang, &input.labels),
        statuses,
        proposal: false,
        proposal_message: String::new(),
    }
}

pub(super) fn require_signed_in(ctx: &Ctx, next: &str) -> Option<Response> {
    (!ctx.is_signed_in()).then(|| {
        Redirect::to(&format!(
            "/connexion?next={}",
            form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        ))
        .into_response()
    })
}

pub(super) async fn new_place_form(ctx: Ctx) -> Response {
    if let Some(r) = require_signed_in(&ctx, "/lieux/nouveau") {
        return r;
    }
    let page = form_page(
        &ctx,
        t(ctx.lang, "form.new_title").into(),
        "/lieux/nouveau".into(),
        &PlaceInput::default(),
        None,
        &[],
        may_publish_any(&ctx),
    );
    html(page)
}

/// Whether the status choice offers "published" on a form not tied to a place the actor
/// moderates (a new place, a form shown again): administrators only.
pub(super) fn may_publish_any(ctx: &Ctx) -> bool {
    ctx.actor.can(Action::Publish, &Resource::Platform)
}

/// Render the form again with what the user typed and the errors, as a 422.
pub(super) fn form_errors(
    ctx: &Ctx,
    heading: &str,
    action: String,
    input: &PlaceInput,
    errors: &ValidationErrors,
) -> Response {
    let page = form_page(
        ctx,
        t(ctx.lang, heading).into(),
        action,
        input,
        Some(errors),
        &errors.warnings,
        may_publish_any(ctx),
    );
    (StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response()
}

/// A place form whose body is not UTF-8: the form again, as typed (bad bytes shown as
/// U+FFFD), with the message beside the field at fault. Nothing is stored, whatever the
/// CSRF token: the page only echoes what this browser sent.
pub(super) fn place_form_not_utf8(ctx: &Ctx, heading: &str, action: String, bad: &NotUtf8) -> Response {
    let (input, _) = place_input_from_form(&bad.pairs);
    // A field the form does not show (csrf, an unknown key) is named in the summary.
    let errors = ValidationErrors::from(bad.error());
    form_errors(ctx, heading, action, &input, &errors)
}

/// A body that is not UTF-8 where the page has no form to show again: an error page that
/// names the field.
pub(super) fn not_utf8_page(ctx: &Ctx, bad: &NotUtf8) -> Response {
    let e = bad.error();
    let message = format!("« {} » : {}", e.field, e.message(ctx.lang.code()));
    let page = ErrorPage::new(ctx.lang, 422, message);
    (StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response()
}

pub(super) async fn create_place(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    if let Some(r) = require_signed_in(&ctx, "/lieux/nouveau") {
        return Ok(r);
    }
    let action = "/lieux/nouveau".to_owned();
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(place_form_not_utf8(&ctx, "form.new_title", action, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (input, errors) = place_input_from_form(&pairs);
    if !errors.is_empty() {
        return Ok(form_errors(&ctx, "form.new_title", action, &input, &errors));
    }
    match state.app().create_place(&ctx.actor, &input).await {
        Ok((place, warnings)) => {
            // A place that looks like one already there: its page says so.
            let similar = warnings.iter().any(|w| w.code == "possible_duplicate");
            let to = if similar {
                format!("/lieux/{}?doublon=1", place.id)
            } else {
                format!("/lieux/{}", place.id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Validation(errors)) => Ok(form_errors(&ctx, "form.new_title", action, &input, &errors)),
        Err(e) => Err(WebError::page(e, ctx.lang)),
    }
}

pub(super) async fn edit_place_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/modifier")) {
        return Ok(r);
    }
    let place = state.app().place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    if !state.app().may_edit(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))? {
        return Err(WebError::page(AppError::Forbidden, lang));
    }
    let input = PlaceInput::from(&place);
    Ok(html(form_page(
        &ctx,
        t(lang, "form.edit_title").into(),
        format!("/lieux/{id}/modifier"),
        &input,
        None,
        &[],
        state.app().may_publish(&ctx.actor, Some(&place)).await.map_err(|e| WebError::page(e, lang))?,
    )))
}

pub(super) async fn update_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    if let Some(r) = require_signed_in(&ctx, &format!("/lieux/{id}/modifier")) {
        return Ok(r);
    }
    let action = format!("/lieux/{id}/modifier");
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(place_form_not_utf8(&ctx, "form.edit_title", action, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let (input, errors) = place_input_from_form(&pairs);
    if !errors.is_empty() {
        return Ok(form_errors(&ctx, "form.edit_title", action, &input, &errors));
    }
    match state.app().update_place(&ctx.actor, id, &input).await {
        Ok((place, _)) => Ok(Redirect::to(&format!("/lieux/{}", place.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            Ok(form_errors(&ctx, "form.edit_title", action, &input, &errors))
        }
        Err(AppError::Conflict { .. }) => stale_edit(&state, &ctx, id, action, input).await,
        Err(e) => Err(WebError::page(e, lang)),
    }
}

/// Someone saved the place while this person was editing it: the form again with what they
/// typed, now at the stored version (saving again replaces the stored values knowingly),
/// and beside it each field whose stored value differs, to merge by hand.
async fn stale_edit(
    state: &AppState,
    ctx: &Ctx,
    id: PlaceId,
    action: String,
    input: PlaceInput,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let stored = state.app().place(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let may_publish =
        state.app().may_publish(&ctx.actor, Some(&stored)).await.map_err(|e| WebError::page(e, lang))?;
    let theirs = form_page(ctx, String::new(), String::new(), &PlaceInput::from(&stored), None, &[], false);
    let input = PlaceInput { version: Some(stored.version), ..input };
    let mut page = form_page(ctx, t(lang, "form.edit_title").into(), action, &input, None, &[], may_publish);
    let mut fields: Vec<&String> = page.values.keys().chain(theirs.values.keys()).collect();
    fields.sort();
    fields.dedup();
    let differing = fields
        .into_iter()
        .filter_map(|field| {
            let typed = page.values.get(field).map(String::as_str).unwrap_or("");
            let stored = theirs.values.get(field).map(String::as_str).unwrap_or("");
            (typed.trim() != stored.trim()).then(|| {
                (crate::i18n::field_label(lang, "form.", field), typed.to_owned(), stored.to_owned())
            })
        })
        .collect();
    page.conflict = Some(differing);
    Ok((StatusCode::CONFLICT, html(page)).into_response())
}

pub(super) async fn archive_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    let pairs = match Pairs::parse_form(&body) {
        Ok(pairs) => pairs,
        Err(bad) => return Ok(not_utf8_page(&ctx, &bad)),
    };
    if !csrf_ok(&ctx, pairs.first("csrf")) {
        return Err(csrf_error(&ctx, Surface::Page));
    }
    let version = pairs.first("version").and_then(|v| v.parse().ok()).ok_or_else(|| {
        WebError::bad_input(
            "version",
            maillage_domain::messages::Message::new("request.missing_version"),
            lang,
            Surface::Page,
        )
    })?;
    state.app().archive_place(&ctx.actor, id, version).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/lieux/{id}")).into_response())
}
