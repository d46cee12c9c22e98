//! Page models rendered by askama templates (in `templates/`), and helpers to build them.

use crate::context::{Ctx, Lang};
use crate::i18n;
use askama::Template;
use maillage_app::permissions::{Action, Resource};
use maillage_app::transfer::ImportReport;
use maillage_domain::Place;
use maillage_domain::vocab::Vocabulary;
use std::collections::HashMap;

/// What every page shows around its content.
pub struct Chrome {
    pub lang: &'static str,
    pub l: Lang,
    pub title: String,
    pub signed_in: bool,
    /// The import link: for whoever may import.
    pub may_import: bool,
    /// The moderation link: for whoever answers for something (a place, a network…).
    pub may_moderate: bool,
    pub user_name: String,
    pub csrf: String,
    pub other_lang: &'static str,
    pub other_lang_href: String,
    pub attribution: &'static str,
}

impl Chrome {
    pub fn new(ctx: &Ctx, title: impl Into<String>) -> Self {
        let mut chrome = Self::anonymous(ctx.lang, title);
        chrome.signed_in = ctx.is_signed_in();
        chrome.may_import = ctx.actor.can(Action::Import, &Resource::Platform);
        chrome.may_moderate = ctx.actor.roles().iter().any(|g| {
            matches!(
                g.role(),
                maillage_app::permissions::Role::Admin
                    | maillage_app::permissions::Role::Coordinator
                    | maillage_app::permissions::Role::Manager
            )
        });
        chrome.user_name = ctx.actor.user().map(|u| u.display_name.clone()).unwrap_or_default();
        chrome.csrf = ctx.csrf.clone();
        chrome.other_lang_href = with_param(&ctx.path_and_query, "lang", chrome.other_lang);
        chrome
    }

    pub fn anonymous(lang: Lang, title: impl Into<String>) -> Self {
        let other = if lang == Lang::En { "fr" } else { "en" };
        Self {
            lang: lang.code(),
            l: lang,
            title: title.into(),
            signed_in: false,
            may_import: false,
            may_moderate: false,
            user_name: String::new(),
            csrf: String::new(),
            other_lang: other,
            other_lang_href: format!("/?lang={other}"),
            attribution: maillage_territory::reference::ATTRIBUTION,
        }
    }

    /// The singular or plural text for `n` things: French takes the singular for 0 and 1
    /// (« 0 lieu trouvé »), English for 1 only.
    pub fn count(&self, n: &u64, one: &str, many: &str) -> &'static str {
        let singular = match self.l {
            Lang::Fr => *n <= 1,
            Lang::En => *n == 1,
        };
        self.t(if singular { one } else { many })
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.l, key)
    }
}

/// A URL with one query parameter set (replacing any previous value).
pub fn with_param(path_and_query: &str, key: &str, value: &str) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != key) {
        out.append_pair(&k, &v);
    }
    if !value.is_empty() {
        out.append_pair(key, value);
    }
    let query = out.finish();
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

/// Links between the pages of a list: `base` is the page's path and query (its `page`
/// parameter is replaced; page 1 has none).
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    pub fn new(base: &str, page: u64, total: u64, per_page: u64) -> Self {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        let href = |p: u64| with_param(base, "page", &if p == 1 { String::new() } else { p.to_string() });
        Pager {
            page,
            pages,
            prev_href: (page > 1).then(|| href((page - 1).min(pages))),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }

    /// A page past the end of a non-empty list: where its last page is.
    pub fn past_the_end(&self) -> Option<String> {
        (self.page > self.pages).then(|| self.prev_href.clone()).flatten()
    }
}

/// An option of a select or a checkbox group.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn vocab_options<T: Vocabulary>(lang: Lang, selected: &[String]) -> Vec<Opt> {
    T::ALL
        .iter()
        .map(|t| Opt {
            value: t.code().to_owned(),
            label: t.label(lang.code()).to_owned(),
            selected: selected.iter().any(|s| s == t.code()),
        })
        .collect()
}

pub struct Link {
    pub label: String,
    pub href: String,
    pub text: String,
}

/// A place in a list.
pub struct PlaceItem {
    pub href: String,
    pub name: String,
    pub types: String,
    pub commune: String,
    pub summary: String,
    pub distance: Option<String>,
    pub open_now: bool,
}

pub fn type_labels(place: &Place, lang: Lang) -> String {
    place.data.types.iter().map(|t| t.label(lang.code())).collect::<Vec<_>>().join(", ")
}

impl PlaceItem {
    pub fn new(
        place: &Place,
        lang: Lang,
        distance_km: Option<f64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        Self {
            href: format!("/lieux/{}", place.id),
            name: place.data.name.clone(),
            types: type_labels(place, lang),
            commune: format!("{} ({})", place.data.commune_name, place.data.departement),
            summary: place.data.summary.clone(),
            distance: distance_km.map(|d| format!("{d:.1} km")),
            open_now: place.data.opening_hours.as_ref().is_some_and(|h| h.is_open_at(now)),
        }
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub c: Chrome,
    pub heading: String,
    pub action: String,
    pub demo: bool,
    pub q: String,
    pub types: Vec<Opt>,
    pub show_departement: bool,
    pub departements: Vec<Opt>,
    pub services: Vec<Opt>,
    /// More filters, each a select: (query key, label, options).
    pub more_filters: Vec<(String, String, Vec<Opt>)>,
    pub open_now: bool,
    /// "Open on" as typed (`2026-07-14T10:30`), kept in the form.
    pub open_at: String,
    pub total: u64,
    pub places: Vec<PlaceItem>,
    pub first_rank: u64,
    pub page: u64,
    pub pages: u64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub geojson_href: String,
    pub tile_url: String,
    pub tile_attribution: String,
    pub downloads: Vec<Link>,
    /// The export form: hidden filter fields (name in `value`, value in `label`) and the
    /// fields to choose from.
    pub export_hidden: Vec<Opt>,
    pub export_fields: Vec<Opt>,
    /// The formats written with our columns (those the field choice applies to).
    pub export_formats: Vec<Opt>,
}

pub struct Section {
    pub title: String,
    pub items: Vec<String>,
}

#[derive(Template)]
#[template(path = "place.html")]
pub struct PlacePage {
    pub c: Chrome,
    pub json_ld: String,
    pub name: String,
    pub types: String,
    pub demo: bool,
    pub status: Option<String>,
    pub archived: bool,
    pub summary: String,
    pub description_html: String,
    pub sections: Vec<Section>,
    pub address: String,
    pub postal_code: String,
    pub commune: String,
    pub commune_href: String,
    pub departement: String,
    pub departement_href: String,
    pub region: String,
    pub region_href: String,
    pub lat: f64,
    pub lon: f64,
    pub precise: bool,
    pub hours: Option<crate::hours::HoursView>,
    pub contacts: Vec<Link>,
    pub source: String,
    pub updated: String,
    pub can_edit: bool,
    /// Signed in, may see it, does not answer for it: may propose an edit.
    pub can_propose: bool,
    /// A notice after a proposal or a report was sent (`proposal`, `report`).
    pub sent: Option<&'static str>,
    /// After a creation: the place this one looks like (its page, its name, the merge page
    /// for whoever may merge).
    pub similar: Option<(String, String, Option<String>)>,
    pub edit_href: String,
    pub archive_href: String,
    pub history_href: String,
    pub version: i64,
    pub tile_url: String,
    pub tile_attribution: String,
    /// The networks the place is in, or asked to join, with where it stands.
    pub networks: Vec<PlaceNetwork>,
    pub id: String,
    /// Networks its team may ask to join (empty for others).
    pub join_choices: Vec<Opt>,
    pub may_join: bool,
}

/// A network of a place, on its page.
pub struct PlaceNetwork {
    pub href: String,
    pub name: String,
    pub status: String,
    pub member: bool,
    /// An invitation the place's team may answer.
    pub invited: bool,
    pub decision_message: String,
    pub decide_href: String,
    pub leave_href: String,
    pub version: i64,
}

/// An error of the form summary, linking to its field.
pub struct SummaryError {
    pub anchor: String,
    pub label: String,
    pub message: String,
}

/// What a form shows again after a refusal: the values as typed, each field's error, and
/// the summary of errors at the top linking to the fields.
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String)>,
    pub error_list: Vec<SummaryError>,
}

impl FormState {
    /// `label_prefix`: the catalogue prefix of the fields' labels (`communities.form.`).
    pub fn new(
        lang: Lang,
        label_prefix: &str,
        values: HashMap<String, String>,
        errors: Option<&maillage_domain::ValidationErrors>,
    ) -> Self {
        let errors: Vec<(String, String)> = errors
            .map(|e| e.errors.iter().map(|e| (e.field.clone(), e.message(lang.code()))).collect())
            .unwrap_or_default();
        let error_list = errors
            .iter()
            .map(|(field, message)| {
                let base = field.split('[').next().unwrap_or(field).to_owned();
                let label = crate::i18n::field_label(lang, label_prefix, &base);
                SummaryError { anchor: base, label, message: message.clone() }
            })
            .collect();
        FormState { values, errors, error_list }
    }

    /// The first error of a field (errors on list items like `domains[2]` count for the list).
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field || f.strip_prefix(field).is_some_and(|rest| rest.starts_with('[')))
            .map(|(_, m)| m.as_str())
    }

    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "place_form.html")]
pub struct PlaceFormPage {
    pub c: Chrome,
    pub heading: String,
    pub action: String,
    pub version: Option<i64>,
    /// Raw values as typed, by field name (lists joined by newlines for text areas).
    pub values: HashMap<String, String>,
    pub errors: Vec<(String, String)>,
    pub error_list: Vec<SummaryError>,
    pub warning_list: Vec<String>,
    /// After a stale edit (409): the fields whose stored value differs from the one typed,
    /// as (label, typed, stored).
    pub conflict: Option<Vec<(String, String, String)>>,
    pub confirm_location: bool,
    pub confirm_commune: bool,
    pub types: Vec<Opt>,
    pub services: Vec<Opt>,
    pub publics: Vec<Opt>,
    pub support: Vec<Opt>,
    pub fees: Vec<Opt>,
    pub access_modes: Vec<Opt>,
    pub labels: Vec<Opt>,
    pub statuses: Vec<Opt>,
    /// A proposed edit (no status; a message for the moderators), not an edit.
    pub proposal: bool,
    pub proposal_message: String,
}

impl PlaceFormPage {
    /// The first error of a field (errors on list items like `types[2]` count for the list).
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| f == field || f.strip_prefix(field).is_some_and(|rest| rest.starts_with('[')))
            .map(|(_, m)| m.as_str())
    }
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }
}

/// The API documentation: Swagger UI draws the OpenAPI document into it.
#[derive(Template)]
#[template(path = "api_docs.html")]
pub struct ApiDocsPage {
    pub c: Chrome,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_request.html")]
pub struct ResetRequestPage {
    pub c: Chrome,
    pub email: String,
    pub sent: bool,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reset_form.html")]
pub struct ResetFormPage {
    pub c: Chrome,
    pub token: String,
    pub live: bool,
    pub error: Option<String>,
}

pub struct Fact {
    pub label: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "territory.html")]
pub struct TerritoryPage {
    pub c: Chrome,
    pub heading: String,
    pub breadcrumb: Vec<Link>,
    pub facts: Vec<Fact>,
    pub children_title: String,
    pub children: Vec<Link>,
    pub total: u64,
    pub places: Vec<PlaceItem>,
    pub pager: Pager,
    /// The same places on the home page's map, with its filters.
    pub more_href: String,
}

#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub report: Option<ImportReport>,
    pub file_error: Option<String>,
    pub formats: Vec<Opt>,
    pub source: String,
    pub mapping: String,
    pub all_or_nothing: bool,
    /// Imported places that do not say their status are kept as drafts (else published).
    pub as_drafts: bool,
    /// After a preview: the id of the upload kept for the confirmation.
    pub staged: Option<String>,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub status: u16,
    pub message: String,
}

impl ErrorPage {
    pub fn new(lang: Lang, status: u16, message: String) -> Self {
        Self { c: Chrome::anonymous(lang, i18n::t(lang, "error.title")), status, message }
    }
}

/// Render a template; a template error is a bug, logged and shown as a plain message.
pub trait RenderHtml {
    fn render_html(&self) -> String;
}

impl<T: Template> RenderHtml for T {
    fn render_html(&self) -> String {
        self.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "template rendering failed");
            "<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><p>Erreur interne.</p></html>".into()
        })
    }
}

/// Markdown to safe HTML: rendered by pulldown-cmark, then cleaned by ammonia (no scripts,
/// no event handlers, links get `rel="noopener noreferrer"`).
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::clean(&html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_formatting_and_drops_scripts() {
        let html = markdown_to_safe_html(
            "**Gras** <script>alert(1)</script> [lien](javascript:alert(1)) <img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<strong>Gras</strong>"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("onerror"));
    }

    #[test]
    fn with_param_replaces_one_parameter() {
        assert_eq!(with_param("/?q=a&lang=fr", "lang", "en"), "/?q=a&lang=en");
        assert_eq!(with_param("/lieux", "lang", "en"), "/lieux?lang=en");
        assert_eq!(with_param("/?page=2&q=b", "page", ""), "/?q=b");
    }
}
