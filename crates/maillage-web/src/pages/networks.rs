//! Networks of places: the list under `/reseaux`, a network's page (its places on a map
//! and in a list, its figures from the territory engine, its sub-networks and
//! coordinators, and for its coordinators the requests to decide), the forms to create and
//! edit a network, membership requests and decisions, and the embeddable map.

use super::*;
use crate::territory::views::{int as number, km, percent};
use askama::Template;
use maillage_app::Actor;
use maillage_app::networks::{
    Count, DEFAULT_RADIUS_KM, MembershipView, NetworkDetail, NetworkFigures, NetworkFilter, NetworkSummary,
    RADII_KM,
};
use maillage_domain::network::{Area, AreaLevel, MembershipStatus, NetworkInput, NetworkKind};
use maillage_domain::{NetworkId, messages::Message};
use std::sync::Arc;

/// A network in a list, as shown.
pub(crate) struct NetworkItem {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub summary: String,
    pub areas: String,
    pub places: usize,
    pub sub_networks: usize,
    pub parent: Option<(String, String)>,
}

fn kind_label(lang: Lang, kind: NetworkKind) -> &'static str {
    t(lang, kind.label_key())
}

fn item(lang: Lang, n: &NetworkSummary) -> NetworkItem {
    NetworkItem {
        href: format!("/reseaux/{}", n.id),
        name: n.name.clone(),
        kind: kind_label(lang, n.kind).to_owned(),
        summary: n.summary.clone(),
        areas: if n.areas.is_empty() {
            t(lang, "networks.all_france").to_owned()
        } else {
            let mut names: Vec<String> = n.areas.iter().take(6).map(|a| a.name.clone()).collect();
            if n.areas.len() > 6 {
                names.push(format!("… (+{})", n.areas.len() - 6));
            }
            names.join(", ")
        },
        places: n.places,
        sub_networks: n.sub_networks,
        parent: n.parent.as_ref().map(|p| (format!("/reseaux/{}", p.id), p.name.clone())),
    }
}

#[derive(Template)]
#[template(path = "networks.html")]
pub(crate) struct NetworksPage {
    pub c: Chrome,
    pub q: String,
    pub kinds: Vec<Opt>,
    pub areas: Vec<Opt>,
    pub networks: Vec<NetworkItem>,
    pub may_create: bool,
}

/// The régions then the départements, as typed keys, for the territory filter.
fn area_options(reference: &maillage_app::Reference, selected: Option<&str>) -> Vec<Opt> {
    let mut regions: Vec<Opt> = reference
        .regions()
        .map(|r| Opt {
            value: format!("region:{}", r.code),
            label: format!("{} (région {})", r.name, r.code),
            selected: selected == Some(format!("region:{}", r.code).as_str()),
        })
        .collect();
    regions.sort_by(|a, b| a.label.cmp(&b.label));
    let mut departements: Vec<Opt> = reference
        .departements()
        .map(|d| Opt {
            value: format!("departement:{}", d.code),
            label: format!("{} – {}", d.code, d.name),
            selected: selected == Some(format!("departement:{}", d.code).as_str()),
        })
        .collect();
    departements.sort_by(|a, b| a.value.cmp(&b.value));
    regions.extend(departements);
    regions
}

fn kind_options(lang: Lang, selected: &str) -> Vec<Opt> {
    NetworkKind::ALL
        .iter()
        .map(|k| Opt {
            value: k.code().into(),
            label: kind_label(lang, *k).into(),
            selected: k.code() == selected,
        })
        .collect()
}

pub(super) async fn networks_list(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (filter, kind, area) = network_filter(&pairs).map_err(|e| WebError::page(e, lang))?;
    let networks = state.app().networks(&filter).await.map_err(|e| WebError::page(e, lang))?;
    let page = NetworksPage {
        c: Chrome::new(&ctx, t(lang, "networks.title")),
        q: filter.text.clone().unwrap_or_default(),
        kinds: kind_options(lang, &kind),
        areas: area_options(state.app().reference, Some(area.as_str())),
        networks: networks.iter().map(|n| item(lang, n)).collect(),
        may_create: ctx.actor.can(Action::CreateNetwork, &Resource::Platform),
    };
    Ok(remember_lang(&ctx, html(page)))
}

/// The filter of a list of networks (page or API): `q`, `kind`, `area` (a typed key).
pub(crate) fn network_filter(pairs: &Pairs) -> Result<(NetworkFilter, String, String), ValidationErrors> {
    let mut e = ValidationErrors::default();
    let kind = pairs.first("kind").unwrap_or("").trim().to_owned();
    let area = pairs.first("area").unwrap_or("").trim().to_owned();
    let mut filter = NetworkFilter { text: pairs.first("q").map(str::to_owned), ..NetworkFilter::default() };
    if !kind.is_empty() {
        filter.kind = e.check("kind", kind.parse::<NetworkKind>());
    }
    if !area.is_empty() {
        match area.parse::<Area>() {
            Ok(a) if matches!(a.level, AreaLevel::Region | AreaLevel::Departement) => filter.area = Some(a),
            Ok(_) | Err(_) => e.push(maillage_domain::FieldError::new(
                "area",
                "invalid_area",
                Message::new("networks.filter_area").with("value", &area),
            )),
        }
    }
    e.into_result().map(|()| (filter, kind, area))
}

/// A bar of a chart: its label, count and width out of 100.
pub(crate) struct Bar {
    pub label: String,
    pub count: usize,
    pub width: f64,
    pub y: usize,
}

/// The height of a bar's row in the chart of types: its label, then the bar below it (so
/// that no label, however long, runs into its bar).
const BAR_ROW: usize = 40;

fn bars(counts: &[Count], label: impl Fn(&Count) -> String) -> Vec<Bar> {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(1).max(1) as f64;
    counts
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            label: label(c),
            count: c.count,
            width: 100.0 * c.count as f64 / max,
            y: i * BAR_ROW,
        })
        .collect()
}

pub(crate) struct WhiteZoneRow {
    pub name: String,
    pub href: String,
    pub population: String,
    pub distance: String,
}

#[derive(Template)]
#[template(path = "network.html")]
pub(crate) struct NetworkPage {
    pub c: Chrome,
    pub id: String,
    pub name: String,
    pub kind: String,
    pub demo: bool,
    pub summary: String,
    pub description_html: String,
    pub logo_url: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
    pub ancestors: Vec<(String, String)>,
    pub areas: Vec<String>,
    pub sub_networks: Vec<NetworkItem>,
    pub coordinators: Vec<(String, Option<String>)>,
    pub pending: Vec<PendingRow>,
    pub may_edit: bool,
    pub may_manage: bool,
    pub may_coordinate: bool,
    pub may_create_sub: bool,
    pub figures: Arc<NetworkFigures>,
    pub figures_sentence: String,
    pub type_bars: Vec<Bar>,
    pub type_chart_height: usize,
    pub departements: Vec<(String, usize)>,
    pub white_zones: Vec<WhiteZoneRow>,
    pub white_zones_sentence: String,
    pub radii: Vec<Opt>,
    pub places: Vec<PlaceItem>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
    pub geojson_href: String,
    pub feeds: Vec<Link>,
    pub embed_code: String,
    pub tile_url: String,
    pub tile_attribution: String,
}

pub(crate) struct PendingRow {
    pub place_href: String,
    pub place_name: String,
    pub commune: String,
    pub status: String,
    pub message: String,
    pub decide_href: String,
    pub version: i64,
    /// Whether the coordinators decide (a request); an invitation waits for the place.
    pub ours: bool,
}

fn pending_row(network: NetworkId, m: &MembershipView, lang: Lang) -> PendingRow {
    PendingRow {
        place_href: format!("/lieux/{}", m.place),
        place_name: m.place_name.clone(),
        commune: m.commune.clone(),
        status: t(lang, status_key(m.status)).to_owned(),
        message: m.message.clone(),
        decide_href: format!("/reseaux/{network}/adhesions/{}/decision", m.place),
        version: m.version,
        ours: m.status == MembershipStatus::Requested,
    }
}

pub(crate) fn status_key(status: MembershipStatus) -> &'static str {
    match status {
        MembershipStatus::Requested => "networks.status.requested",
        MembershipStatus::Invited => "networks.status.invited",
        MembershipStatus::Member => "networks.status.member",
        MembershipStatus::Declined => "networks.status.declined",
    }
}

fn parse_network_id(id: &str, lang: Lang) -> Result<NetworkId, WebError> {
    id.parse().map_err(|_| WebError::page(AppError::NotFound, lang))
}

fn radius_from(pairs: &Pairs, lang: Lang) -> Result<f64, WebError> {
    match pairs.first("rayon").filter(|r| !r.is_empty()) {
        None => Ok(DEFAULT_RADIUS_KM),
        Some(r) => r.parse::<f64>().map_err(|_| {
            WebError::bad_input(
                "rayon",
                Message::new("networks.radius_range").with("min", 1).with("max", 100),
                lang,
                Surface::Page,
            )
        }),
    }
}

fn detail_page(
    state: &AppState,
    ctx: &Ctx,
    detail: NetworkDetail,
    figures: Arc<NetworkFigures>,
    list: maillage_app::ListPage,
    page: u64,
    per_page: u64,
) -> NetworkPage {
    let lang = ctx.lang;
    let n = &detail.network;
    let id = n.id;
    let now = Utc::now();
    let query = ctx.path_and_query.split_once('?').map(|(_, q)| q).unwrap_or("");
    let pager = Pager::new(&format!("/reseaux/{id}?{query}"), page, list.total, per_page);
    let figures_sentence = match (figures.covered_population, figures.covered_share) {
        (Some(covered), Some(share)) => Message::new("networks.coverage")
            .with("share", percent(lang, share))
            .with("covered", number(lang, covered))
            .with("population", number(lang, figures.population))
            .with("radius", figures.radius_km)
            .render(lang),
        _ => Message::new("networks.no_places_yet")
            .with("population", number(lang, figures.population))
            .render(lang),
    };
    let white_zones_sentence = Message::new("networks.white_zones_sentence")
        .with("count", number(lang, figures.white_zones_total as f64))
        .with("population", number(lang, figures.white_zones_population))
        .with("radius", figures.radius_km)
        .render(lang);
    let type_bars = bars(&figures.by_type, |c| {
        PlaceType::from_code(&c.code).map_or_else(|| c.code.clone(), |t| t.label(lang.code()).to_owned())
    });
    let base = state.app().config.base_url.trim_end_matches('/').to_owned();
    let feed = |label: &str, href: String| Link { label: t(lang, label).into(), href, text: String::new() };
    NetworkPage {
        c: Chrome::new(ctx, n.data.name.clone()),
        id: id.to_string(),
        name: n.data.name.clone(),
        kind: kind_label(lang, n.data.kind).to_owned(),
        demo: n.is_demo,
        summary: n.data.summary.clone(),
        description_html: markdown_to_safe_html(&n.data.description),
        logo_url: n.data.logo_url.as_ref().map(|u| u.as_str().to_owned()),
        email: n.data.email.as_ref().map(|e| e.as_str().to_owned()),
        website: n.data.website.as_ref().map(|w| w.as_str().to_owned()),
        ancestors: detail
            .ancestors
            .iter()
            .rev()
            .map(|a| (format!("/reseaux/{}", a.id), a.name.clone()))
            .collect(),
        areas: if detail.summary.areas.is_empty() {
            vec![t(lang, "networks.all_france").to_owned()]
        } else {
            detail.summary.areas.iter().map(|a| format!("{} ({})", a.name, a.key)).collect()
        },
        sub_networks: detail.sub_networks.iter().map(|s| item(lang, s)).collect(),
        coordinators: detail.coordinators.iter().map(|c| (c.name.clone(), c.email.clone())).collect(),
        pending: detail.pending.iter().map(|m| pending_row(id, m, lang)).collect(),
        may_edit: detail.may_edit,
        may_manage: detail.may_manage,
        may_coordinate: ctx.actor.can(
            Action::ManageCoordinators,
            &Resource::Network { id, ancestors: detail.ancestors.iter().map(|a| a.id).collect() },
        ),
        may_create_sub: detail.may_create_sub,
        type_chart_height: type_bars.len() * BAR_ROW,
        type_bars,
        departements: figures
            .by_departement
            .iter()
            .map(|d| (format!("{} ({})", d.name, d.code), d.count))
            .collect(),
        white_zones: figures
            .white_zones
            .iter()
            .map(|z| WhiteZoneRow {
                name: z.name.clone(),
                href: format!("/territoires/communes/{}", z.code),
                population: number(lang, z.population),
                distance: km(lang, z.distance_km),
            })
            .collect(),
        white_zones_sentence,
        figures_sentence,
        radii: RADII_KM
            .iter()
            .map(|r| Opt {
                value: r.to_string(),
                label: format!("{r} km"),
                selected: *r == figures.radius_km,
            })
            .collect(),
        figures,
        places: list
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| PlaceItem::new(p, lang, list.distances_km.get(i).copied(), now))
            .collect(),
        total: list.total,
        page,
        pages: pager.pages,
        prev_href: pager.prev_href,
        next_href: pager.next_href,
        geojson_href: format!("/api/v1/places.geojson?network={id}"),
        feeds: vec![
            feed("networks.feed_geojson", format!("/api/v1/places.geojson?network={id}")),
            feed("networks.feed_csv", format!("/api/v1/export?network={id}&format=csv")),
            feed("networks.feed_csv_excel", format!("/api/v1/export?network={id}&format=csv-excel")),
            feed("networks.feed_lmn", format!("/api/v1/export?network={id}&format=lmn-json")),
        ],
        embed_code: format!(
            "<iframe src=\"{base}/reseaux/{id}/carte\" title=\"{}\" width=\"100%\" height=\"480\" loading=\"lazy\"></iframe>",
            n.data.name.replace('&', "&amp;").replace('"', "&quot;")
        ),
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
    }
}

pub(super) async fn network_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let radius = radius_from(&pairs, lang)?;
    let (page, per_page) = paging(&pairs, PER_PAGE).map_err(|e| WebError::page(e, lang))?;
    let app = state.app();
    let detail = app.network_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let figures = app.network_figures(id, radius).await.map_err(|e| WebError::page(e, lang))?;
    let filter = PlaceFilter { network: Some(id), ..PlaceFilter::default() };
    let list = app
        .list_places(&ctx.actor, filter, (page - 1) * per_page, per_page)
        .await
        .map_err(|e| WebError::page(e, lang))?;
    let view = detail_page(&state, &ctx, detail, figures, list, page, per_page);
    Ok(remember_lang(&ctx, html(view)))
}

// --- the form --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "network_form.html")]
pub(crate) struct NetworkFormPage {
    pub c: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub form: FormState,
    /// Set when the network changed since the form was opened (409).
    pub conflict: Option<String>,
    pub kinds: Vec<Opt>,
    /// Choices of parent (`None`: the parent is fixed, shown as text).
    pub parents: Option<Vec<Opt>>,
    pub fixed_parent: Option<(String, String)>,
}

impl NetworkFormPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.form.err(field)
    }
    pub fn value(&self, field: &str) -> &str {
        self.form.value(field)
    }
}

fn network_input_from(pairs: &Pairs) -> NetworkInput {
    let text = |k: &str| pairs.first(k).map(str::to_owned);
    NetworkInput {
        name: text("name"),
        kind: text("kind"),
        areas: pairs
            .first("areas")
            .unwrap_or("")
            .split(['\n', ',', ';'])
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        parent: text("parent"),
        summary: text("summary"),
        description: text("description"),
        email: text("email"),
        website: text("website"),
        logo_url: text("logo_url"),
        version: pairs.first("version").and_then(|v| v.parse().ok()),
    }
}

pub(crate) struct FormSetup {
    heading: String,
    action: String,
    cancel_href: String,
    /// The parent is fixed (a sub-network's form): its id and name.
    fixed_parent: Option<(NetworkId, String)>,
}

async fn network_form(
    state: &AppState,
    ctx: &Ctx,
    setup: FormSetup,
    input: &NetworkInput,
    errors: Option<&ValidationErrors>,
    conflict: Option<String>,
) -> Result<NetworkFormPage, WebError> {
    let lang = ctx.lang;
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in [
        ("name", &input.name),
        ("summary", &input.summary),
        ("description", &input.description),
        ("email", &input.email),
        ("website", &input.website),
        ("logo_url", &input.logo_url),
    ] {
        if let Some(v) = v {
            values.insert(k.into(), v.clone());
        }
    }
    values.insert("areas".into(), input.areas.join("\n"));
    let parent = input.parent.clone().unwrap_or_default();
    let parents = match &setup.fixed_parent {
        Some(_) => None,
        None => {
            let mut opts = vec![Opt {
                value: String::new(),
                label: t(lang, "networks.no_parent").into(),
                selected: parent.is_empty(),
            }];
            opts.extend(
                state.app().network_choices().await.map_err(|e| WebError::page(e, lang))?.into_iter().map(
                    |n| Opt {
                        selected: n.id.to_string() == parent,
                        value: n.id.to_string(),
                        label: format!("{} ({})", n.name, kind_label(lang, n.kind)),
                    },
                ),
            );
            Some(opts)
        }
    };
    Ok(NetworkFormPage {
        c: Chrome::new(ctx, setup.heading.clone()),
        heading: setup.heading,
        action: setup.action,
        cancel_href: setup.cancel_href,
        version: input.version,
        form: FormState::new(lang, "networks.form.", values, errors),
        conflict,
        kinds: kind_options(lang, input.kind.as_deref().unwrap_or("")),
        parents,
        fixed_parent: setup.fixed_parent.map(|(id, name)| (id.to_string(), name)),
    })
}

fn new_setup(lang: Lang) -> FormSetup {
    FormSetup {
        heading: t(lang, "networks.new_title").into(),
        action: "/reseaux/nouveau".into(),
        cancel_href: "/reseaux".into(),
        fixed_parent: None,
    }
}

pub(super) async fn new_network_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, WebError> {
    if !ctx.actor.can(Action::CreateNetwork, &Resource::Platform) {
        return Ok(refuse(&ctx, "/reseaux/nouveau"));
    }
    let input = NetworkInput { kind: Some("regional".into()), ..NetworkInput::default() };
    Ok(html(network_form(&state, &ctx, new_setup(ctx.lang), &input, None, None).await?))
}

/// After a POST of the form: the network's page, or the form again with what was typed.
async fn form_outcome(
    state: &AppState,
    ctx: &Ctx,
    setup: FormSetup,
    input: NetworkInput,
    result: Result<maillage_domain::Network, AppError>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    match result {
        Ok(network) => Ok(Redirect::to(&format!("/reseaux/{}", network.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = network_form(state, ctx, setup, &input, Some(&errors), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(AppError::Conflict { current }) => {
            // Someone else saved first: the form keeps what this person typed, now at the
            // stored version, so that saving again replaces it knowingly.
            let input = NetworkInput { version: Some(current), ..input };
            let page =
                network_form(state, ctx, setup, &input, None, Some(t(lang, "networks.conflict").into()))
                    .await?;
            Ok((StatusCode::CONFLICT, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

pub(super) async fn create_network(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let input = network_input_from(&pairs);
    let result = state.app().create_network(&ctx.actor, &input).await;
    form_outcome(&state, &ctx, new_setup(ctx.lang), input, result).await
}

async fn edit_setup(
    state: &AppState,
    ctx: &Ctx,
    id: NetworkId,
) -> Result<(FormSetup, NetworkDetail), WebError> {
    let lang = ctx.lang;
    let detail = state.app().network_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let setup = FormSetup {
        heading: Message::new("networks.edit_title").with("name", &detail.network.data.name).render(lang),
        action: format!("/reseaux/{id}/modifier"),
        cancel_href: format!("/reseaux/{id}"),
        fixed_parent: None,
    };
    Ok((setup, detail))
}

pub(super) async fn edit_network_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_network_id(&id, ctx.lang)?;
    let (setup, detail) = edit_setup(&state, &ctx, id).await?;
    if !detail.may_edit {
        return Ok(refuse(&ctx, &format!("/reseaux/{id}/modifier")));
    }
    let input = NetworkInput::of(&detail.network);
    Ok(html(network_form(&state, &ctx, setup, &input, None, None).await?))
}

pub(super) async fn update_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_network_id(&id, ctx.lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let (setup, _) = edit_setup(&state, &ctx, id).await?;
    let input = network_input_from(&pairs);
    let result = state.app().update_network(&ctx.actor, id, &input).await;
    form_outcome(&state, &ctx, setup, input, result).await
}

async fn sub_setup(
    state: &AppState,
    ctx: &Ctx,
    id: NetworkId,
) -> Result<(FormSetup, NetworkDetail), WebError> {
    let lang = ctx.lang;
    let detail = state.app().network_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let setup = FormSetup {
        heading: Message::new("networks.sub_title").with("name", &detail.network.data.name).render(lang),
        action: format!("/reseaux/{id}/sous-reseau"),
        cancel_href: format!("/reseaux/{id}"),
        fixed_parent: Some((id, detail.network.data.name.clone())),
    };
    Ok((setup, detail))
}

pub(super) async fn sub_network_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_network_id(&id, ctx.lang)?;
    let (setup, detail) = sub_setup(&state, &ctx, id).await?;
    if !detail.may_create_sub {
        return Ok(refuse(&ctx, &format!("/reseaux/{id}/sous-reseau")));
    }
    let kind = match detail.network.data.kind {
        NetworkKind::National => "regional",
        NetworkKind::Regional => "departmental",
        _ => "thematic",
    };
    let input =
        NetworkInput { kind: Some(kind.into()), parent: Some(id.to_string()), ..NetworkInput::default() };
    Ok(html(network_form(&state, &ctx, setup, &input, None, None).await?))
}

pub(super) async fn create_sub_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let id = parse_network_id(&id, ctx.lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let (setup, _) = sub_setup(&state, &ctx, id).await?;
    let input = NetworkInput { parent: Some(id.to_string()), ..network_input_from(&pairs) };
    let result = state.app().create_network(&ctx.actor, &input).await;
    form_outcome(&state, &ctx, setup, input, result).await
}

// --- memberships and coordinators ------------------------------------------------------

/// Where to go back after a membership form: the page it was sent from, when it is one of
/// this site's network or place pages.
fn back_to(pairs: &Pairs, default: String) -> String {
    match pairs.first("back") {
        Some(b) if (b.starts_with("/reseaux/") || b.starts_with("/lieux/")) && !b.contains("//") => {
            b.to_owned()
        }
        _ => default,
    }
}

pub(super) async fn invite_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    state
        .app()
        .invite_place(&ctx.actor, id, pairs.first("place").unwrap_or(""), pairs.first("message"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/reseaux/{id}#membres")).into_response())
}

pub(super) async fn decide_membership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, place)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let place = parse_id(&place, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let (accept, version) = decision_of(&pairs, "decline", lang)?;
    state
        .app()
        .decide_membership(&ctx.actor, id, place, accept, version, pairs.first("message"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&back_to(&pairs, format!("/reseaux/{id}"))).into_response())
}

pub(super) async fn leave_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, place)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let place = parse_id(&place, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    state.app().leave_network(&ctx.actor, id, place).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&back_to(&pairs, format!("/reseaux/{id}"))).into_response())
}

pub(super) async fn coordination(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let email = pairs.first("email").unwrap_or("");
    let app = state.app();
    match pairs.first("action") {
        Some("remove") => {
            app.remove_coordinator(&ctx.actor, id, email).await.map_err(|e| WebError::page(e, lang))?
        }
        _ => {
            app.add_coordinator(&ctx.actor, id, email).await.map_err(|e| WebError::page(e, lang))?;
        }
    }
    Ok(Redirect::to(&format!("/reseaux/{id}#coordination")).into_response())
}

/// A place's team asks for it to join a network (from the place's page).
pub(super) async fn join_network(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(place): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let place = parse_id(&place, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    state
        .app()
        .ask_to_join(&ctx.actor, place, pairs.first("network").unwrap_or(""), pairs.first("message"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/lieux/{place}#reseaux")).into_response())
}

// --- the embeddable map ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "network_embed.html")]
pub(crate) struct EmbedPage {
    pub lang: &'static str,
    pub l: Lang,
    pub name: String,
    pub href: String,
    pub geojson_href: String,
    pub places: Vec<PlaceItem>,
    pub total: u64,
    pub more_href: Option<String>,
    pub tile_url: String,
    pub tile_attribution: String,
    pub attribution: &'static str,
}

impl EmbedPage {
    pub fn t(&self, key: &str) -> &'static str {
        t(self.l, key)
    }
}

/// How many places the embedded list shows (the rest are on the network's page).
const EMBED_LIST: u64 = 200;

/// The network's places on a map made to be put in an iframe on the network's own site
/// (the only page that may be framed), with the directory's filters (`type`, `q`…).
pub(super) async fn embed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_network_id(&id, lang)?;
    let query = q.unwrap_or_default();
    let pairs = Pairs::parse(query.as_bytes());
    let mut filter = filter_from(&pairs, Utc::now()).map_err(|e| WebError::page(e, lang))?;
    // Published places only, whoever looks: an embedded map is public.
    filter.statuses = Vec::new();
    filter.managed_by = None;
    filter.network = Some(id);
    let app = state.app();
    let detail = app.network_detail(&Actor::Anonymous, id).await.map_err(|e| WebError::page(e, lang))?;
    let list = app
        .list_places(&Actor::Anonymous, filter, 0, EMBED_LIST)
        .await
        .map_err(|e| WebError::page(e, lang))?;
    let now = Utc::now();
    let base = state.app().config.base_url.trim_end_matches('/').to_owned();
    let extra = with_param(&format!("?{query}"), "network", &id.to_string());
    let page = EmbedPage {
        lang: lang.code(),
        l: lang,
        name: detail.network.data.name.clone(),
        href: format!("{base}/reseaux/{id}"),
        geojson_href: format!("/api/v1/places.geojson{extra}"),
        places: list.places.iter().map(|p| PlaceItem::new(p, lang, None, now)).collect(),
        total: list.total,
        more_href: (list.total > EMBED_LIST).then(|| format!("{base}/reseaux/{id}")),
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
        attribution: Chrome::anonymous(lang, "").attribution,
    };
    Ok(html(page))
}
