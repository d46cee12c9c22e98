//! Communities of practice: the list under `/communautes` (filters by domain, expertise
//! and scope, and a search), a community's page (its profile, referents, members for its
//! members, the feed of publications, joining and leaving, and for its referents the
//! requests to decide and the referents to name), and the form of its profile.

use super::*;
use askama::Template;
use maillage_app::communities::{
    CommunityDetail, CommunityFilter, CommunitySummary, FEED_PAGE, Joined, Standing,
};
use maillage_domain::community::{CommunityDomain, CommunityInput, CommunityScope, Expertise, JoinPolicy};
use maillage_domain::messages::Message;
use maillage_domain::{CommunityId, PublicationId, PublicationInput, UserId};

/// A community in a list, as shown.
pub(crate) struct CommunityItem {
    pub href: String,
    pub name: String,
    pub scope: String,
    pub summary: String,
    pub tags: Vec<String>,
    pub members: u64,
    pub join: String,
}

fn labels<T: Vocabulary>(lang: Lang, terms: &[T]) -> Vec<String> {
    terms.iter().map(|t| t.label(lang.code()).to_owned()).collect()
}

fn item(lang: Lang, c: &CommunitySummary) -> CommunityItem {
    let mut tags = labels(lang, &c.domains);
    tags.extend(labels(lang, &c.expertises));
    tags.extend(c.other_expertises.iter().cloned());
    let mut scope = c.scope.label(lang.code()).to_owned();
    if !c.areas.is_empty() {
        scope =
            format!("{scope} · {}", c.areas.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "));
    }
    CommunityItem {
        href: format!("/communautes/{}", c.id),
        name: c.name.clone(),
        scope,
        summary: c.summary.clone(),
        tags,
        members: c.members as u64,
        join: c.join_policy.label(lang.code()).to_owned(),
    }
}

fn options<T: Vocabulary>(lang: Lang, selected: &[&str]) -> Vec<Opt> {
    T::ALL
        .iter()
        .map(|t| Opt {
            value: t.code().to_owned(),
            label: t.label(lang.code()).to_owned(),
            selected: selected.contains(&t.code()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "communities.html")]
pub(crate) struct CommunitiesPage {
    pub c: Chrome,
    pub q: String,
    pub domains: Vec<Opt>,
    pub expertises: Vec<Opt>,
    pub scopes: Vec<Opt>,
    pub communities: Vec<CommunityItem>,
    pub total: u64,
    pub may_create: bool,
}

/// The list's filters from a query string (`q`, `domain`, `expertise`, `scope`), each bad
/// value named.
pub(crate) fn community_filter(pairs: &Pairs) -> Result<CommunityFilter, ValidationErrors> {
    let mut e = ValidationErrors::default();
    let term = |key: &str| pairs.first(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let (domain, expertise, scope) = (term("domain"), term("expertise"), term("scope"));
    let filter = CommunityFilter {
        text: term("q"),
        domain: domain.and_then(|d| e.check("domain", d.parse::<CommunityDomain>())),
        expertise: expertise.and_then(|x| e.check("expertise", x.parse::<Expertise>())),
        scope: scope.and_then(|s| e.check("scope", s.parse::<CommunityScope>())),
    };
    e.into_result()?;
    Ok(filter)
}

pub(super) async fn communities_list(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let filter = community_filter(&pairs).map_err(|e| WebError::page(e, lang))?;
    let found = state.app().communities(&filter).await.map_err(|e| WebError::page(e, lang))?;
    let code = |v: Option<String>| v.unwrap_or_default();
    let page = CommunitiesPage {
        c: Chrome::new(&ctx, t(lang, "communities.title")),
        q: filter.text.clone().unwrap_or_default(),
        domains: options::<CommunityDomain>(lang, &[&code(filter.domain.map(|d| d.code().into()))]),
        expertises: options::<Expertise>(lang, &[&code(filter.expertise.map(|d| d.code().into()))]),
        scopes: options::<CommunityScope>(lang, &[&code(filter.scope.map(|d| d.code().into()))]),
        total: found.len() as u64,
        communities: found.iter().map(|c| item(lang, c)).collect(),
        may_create: ctx.actor.can(Action::CreateCommunity, &Resource::Platform),
    };
    Ok(remember_lang(&ctx, html(page)))
}

// --- a community's page ----------------------------------------------------------------

pub(crate) struct PublicationItem {
    pub id: String,
    pub title: String,
    pub body_html: String,
    pub byline: String,
    pub removed: Option<String>,
    pub may_remove: bool,
}

pub(crate) struct PersonRow {
    pub name: String,
    pub email: Option<String>,
    pub referent: bool,
    pub remove_href: Option<String>,
}

pub(crate) struct RequestRow {
    pub name: String,
    pub email: String,
    pub message: String,
    pub asked_on: String,
    pub decide_href: String,
    pub version: i64,
}

#[derive(Template)]
#[template(path = "community.html")]
pub(crate) struct CommunityPage {
    pub c: Chrome,
    pub id: String,
    pub name: String,
    pub demo: bool,
    pub scope: String,
    pub areas: Vec<String>,
    pub summary: String,
    pub objectives_html: String,
    pub activities_html: String,
    pub domains: Vec<String>,
    pub expertises: Vec<String>,
    pub join: String,
    pub members: u64,
    pub email: Option<String>,
    pub website: Option<String>,
    pub referents: Vec<PersonRow>,
    pub people: Vec<PersonRow>,
    /// `visitor`, `outside`, `requested`, `declined`, `member`, `referent`.
    pub standing: &'static str,
    pub declined_message: String,
    pub open: bool,
    pub pending: Vec<RequestRow>,
    pub may_edit: bool,
    pub may_manage: bool,
    pub may_post: bool,
    pub feed: Vec<PublicationItem>,
    pub feed_total: u64,
    pub pager: Pager,
    /// What was typed in the publication form when it was refused, and why.
    pub draft_title: String,
    pub draft_body: String,
    pub draft_errors: Vec<(String, String)>,
}

impl CommunityPage {
    pub fn draft_err(&self, field: &str) -> Option<&str> {
        self.draft_errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

fn parse_community_id(id: &str, lang: Lang) -> Result<CommunityId, WebError> {
    id.parse().map_err(|_| WebError::page(AppError::NotFound, lang))
}

fn date(lang: Lang, at: chrono::DateTime<Utc>) -> String {
    let local = at.with_timezone(&chrono_tz::Europe::Paris);
    if lang == Lang::En { local.format("%d %b %Y").to_string() } else { local.format("%d/%m/%Y").to_string() }
}

async fn community_view(
    state: &AppState,
    ctx: &Ctx,
    id: CommunityId,
    page: u64,
    draft: Option<(&PublicationInput, &ValidationErrors)>,
) -> Result<CommunityPage, WebError> {
    let lang = ctx.lang;
    let app = state.app();
    let d: CommunityDetail =
        app.community_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let feed = app.community_feed(&ctx.actor, id, page).await.map_err(|e| WebError::page(e, lang))?;
    let me = ctx.actor.user().map(|u| u.id);
    let data = &d.community.data;
    let referent_ids: Vec<UserId> = d.referents.iter().map(|r| r.user).collect();
    let row = |p: &maillage_app::communities::PersonView| PersonRow {
        name: p.name.clone(),
        email: p.email.clone(),
        referent: referent_ids.contains(&p.user),
        remove_href: (d.may_manage && Some(p.user) != me && !referent_ids.contains(&p.user))
            .then(|| format!("/communautes/{id}/membres/{}/retrait", p.user)),
    };
    let (standing, declined_message) = match &d.standing {
        Standing::Visitor => ("visitor", String::new()),
        Standing::Outside => ("outside", String::new()),
        Standing::Requested => ("requested", String::new()),
        Standing::Declined { message } => ("declined", message.clone()),
        Standing::Member => ("member", String::new()),
        Standing::Referent => ("referent", String::new()),
    };
    let base = format!("/communautes/{id}");
    let pager = Pager::new(&base, page, feed.total, FEED_PAGE);
    let (draft_title, draft_body, draft_errors) = match draft {
        Some((input, errors)) => (
            input.title.clone().unwrap_or_default(),
            input.body.clone().unwrap_or_default(),
            errors.errors.iter().map(|e| (e.field.clone(), e.message(lang.code()))).collect(),
        ),
        None => (String::new(), String::new(), Vec::new()),
    };
    Ok(CommunityPage {
        c: Chrome::new(ctx, data.name.clone()),
        id: id.to_string(),
        name: data.name.clone(),
        demo: d.community.is_demo,
        scope: data.scope.label(lang.code()).to_owned(),
        areas: d.summary.areas.iter().map(|a| a.name.clone()).collect(),
        summary: data.summary.clone(),
        objectives_html: markdown_to_safe_html(&data.objectives),
        activities_html: markdown_to_safe_html(&data.activities),
        domains: labels(lang, &data.domains),
        expertises: {
            let mut x = labels(lang, &data.expertises);
            x.extend(data.other_expertises.iter().cloned());
            x
        },
        join: data.join_policy.label(lang.code()).to_owned(),
        members: d.summary.members as u64,
        email: data.email.as_ref().map(|e| e.as_str().to_owned()),
        website: data.website.as_ref().map(|w| w.as_str().to_owned()),
        referents: d.referents.iter().map(row).collect(),
        people: d.members_list.iter().map(row).collect(),
        standing,
        declined_message,
        open: data.join_policy == JoinPolicy::Open,
        pending: d
            .pending
            .iter()
            .map(|r| RequestRow {
                name: r.name.clone(),
                email: r.email.clone(),
                message: r.message.clone(),
                asked_on: date(lang, r.asked_at),
                decide_href: format!("/communautes/{id}/demandes/{}/decision", r.user),
                version: r.version,
            })
            .collect(),
        may_edit: d.may_edit,
        may_manage: d.may_manage,
        may_post: d.may_post,
        feed: feed
            .publications
            .iter()
            .map(|p| PublicationItem {
                id: p.id.to_string(),
                title: p.title.clone(),
                body_html: markdown_to_safe_html(&p.body),
                byline: Message::new("communities.byline")
                    .with(
                        "name",
                        if p.author_name.is_empty() {
                            t(lang, "communities.deleted_author").to_owned()
                        } else {
                            p.author_name.clone()
                        },
                    )
                    .with("date", date(lang, p.created_at))
                    .render(lang),
                removed: p.removed_at.map(|_| {
                    Message::new("communities.removed").with("reason", &p.removal_reason).render(lang)
                }),
                may_remove: p.removed_at.is_none() && (d.may_manage || (me.is_some() && p.author == me)),
            })
            .collect(),
        feed_total: feed.total,
        pager,
        draft_title,
        draft_body,
        draft_errors,
    })
}

pub(super) async fn community_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let (page, _) = paging(&pairs, FEED_PAGE).map_err(|e| WebError::page(e, lang))?;
    let view = community_view(&state, &ctx, id, page, None).await?;
    if let Some(last) = view.pager.past_the_end() {
        return Ok(Redirect::to(&last).into_response());
    }
    Ok(remember_lang(&ctx, html(view)))
}

// --- the profile's form ----------------------------------------------------------------

#[derive(Template)]
#[template(path = "community_form.html")]
pub(crate) struct CommunityFormPage {
    pub c: Chrome,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub version: Option<i64>,
    pub form: FormState,
    pub conflict: Option<String>,
    pub scopes: Vec<Opt>,
    pub domains: Vec<Opt>,
    pub expertises: Vec<Opt>,
    pub join_policies: Vec<Opt>,
}

impl CommunityFormPage {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.form.err(field)
    }
    pub fn value(&self, field: &str) -> &str {
        self.form.value(field)
    }
}

fn community_input_from(pairs: &Pairs) -> CommunityInput {
    let text = |k: &str| pairs.first(k).map(str::to_owned);
    CommunityInput {
        name: text("name"),
        scope: text("scope"),
        areas: pairs
            .first("areas")
            .unwrap_or("")
            .split(['\n', ',', ';'])
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        summary: text("summary"),
        objectives: text("objectives"),
        activities: text("activities"),
        expertises: pairs.all("expertises"),
        other_expertises: text("other_expertises"),
        domains: pairs.all("domains"),
        join_policy: text("join_policy"),
        email: text("email"),
        website: text("website"),
        version: pairs.first("version").and_then(|v| v.parse().ok()),
    }
}

struct FormSetup {
    heading: String,
    action: String,
    cancel_href: String,
}

fn community_form(
    ctx: &Ctx,
    setup: FormSetup,
    input: &CommunityInput,
    errors: Option<&ValidationErrors>,
    conflict: Option<String>,
) -> CommunityFormPage {
    let lang = ctx.lang;
    let mut values: HashMap<String, String> = HashMap::new();
    for (k, v) in [
        ("name", &input.name),
        ("summary", &input.summary),
        ("objectives", &input.objectives),
        ("activities", &input.activities),
        ("other_expertises", &input.other_expertises),
        ("email", &input.email),
        ("website", &input.website),
    ] {
        if let Some(v) = v {
            values.insert(k.into(), v.clone());
        }
    }
    values.insert("areas".into(), input.areas.join("\n"));
    fn selected(list: &[String]) -> Vec<&str> {
        list.iter().map(String::as_str).collect()
    }
    CommunityFormPage {
        c: Chrome::new(ctx, setup.heading.clone()),
        heading: setup.heading,
        action: setup.action,
        cancel_href: setup.cancel_href,
        version: input.version,
        form: FormState::new(lang, "communities.form.", values, errors),
        conflict,
        scopes: options::<CommunityScope>(lang, &[input.scope.as_deref().unwrap_or("")]),
        domains: options::<CommunityDomain>(lang, &selected(&input.domains)),
        expertises: options::<Expertise>(lang, &selected(&input.expertises)),
        join_policies: options::<JoinPolicy>(lang, &[input.join_policy.as_deref().unwrap_or("open")]),
    }
}

fn new_setup(lang: Lang) -> FormSetup {
    FormSetup {
        heading: t(lang, "communities.new_title").into(),
        action: "/communautes/nouveau".into(),
        cancel_href: "/communautes".into(),
    }
}

fn edit_setup(lang: Lang, id: CommunityId, name: &str) -> FormSetup {
    FormSetup {
        heading: Message::new("communities.edit_title").with("name", name).render(lang),
        action: format!("/communautes/{id}/modifier"),
        cancel_href: format!("/communautes/{id}"),
    }
}

/// After a POST of the form: the community's page, or the form again with what was typed.
fn form_outcome(
    ctx: &Ctx,
    setup: FormSetup,
    input: CommunityInput,
    result: Result<maillage_domain::Community, AppError>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/communautes/{}", c.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = community_form(ctx, setup, &input, Some(&errors), None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(page)).into_response())
        }
        Err(AppError::Conflict { current }) => {
            let input = CommunityInput { version: Some(current), ..input };
            let page = community_form(ctx, setup, &input, None, Some(t(lang, "communities.conflict").into()));
            Ok((StatusCode::CONFLICT, html(page)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

pub(super) async fn new_community_form(ctx: Ctx) -> Result<Response, WebError> {
    if !ctx.actor.can(Action::CreateCommunity, &Resource::Platform) {
        return Ok(refuse(&ctx, "/communautes/nouveau"));
    }
    let input = CommunityInput { scope: Some("national".into()), ..CommunityInput::default() };
    Ok(html(community_form(&ctx, new_setup(ctx.lang), &input, None, None)))
}

pub(super) async fn create_community(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, WebError> {
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let input = community_input_from(&pairs);
    let result = state.app().create_community(&ctx.actor, &input).await;
    form_outcome(&ctx, new_setup(ctx.lang), input, result)
}

pub(super) async fn edit_community_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let d = state.app().community_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    if !d.may_edit {
        return Ok(refuse(&ctx, &format!("/communautes/{id}/modifier")));
    }
    let input = CommunityInput::of(&d.community);
    Ok(html(community_form(&ctx, edit_setup(lang, id, &d.community.data.name), &input, None, None)))
}

pub(super) async fn update_community(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let d = state.app().community_detail(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let input = community_input_from(&pairs);
    let result = state.app().update_community(&ctx.actor, id, &input).await;
    form_outcome(&ctx, edit_setup(lang, id, &d.community.data.name), input, result)
}

// --- joining, deciding, referents, publications -----------------------------------------

pub(super) async fn membership(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let app = state.app();
    match pairs.first("action") {
        Some("leave") => {
            app.leave_community(&ctx.actor, id, None).await.map_err(|e| WebError::page(e, lang))?
        }
        _ => {
            let joined = app
                .join_community(&ctx.actor, id, pairs.first("message"))
                .await
                .map_err(|e| WebError::page(e, lang))?;
            if joined == Joined::Member {
                return Ok(Redirect::to(&format!("/communautes/{id}#publier")).into_response());
            }
        }
    }
    Ok(Redirect::to(&format!("/communautes/{id}")).into_response())
}

pub(super) async fn decide_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let user: UserId = user.parse().map_err(|_| WebError::page(AppError::NotFound, lang))?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let (accept, version) = decision_of(&pairs, "decline", lang)?;
    state
        .app()
        .decide_join_request(&ctx.actor, id, user, accept, version, pairs.first("message"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/communautes/{id}#demandes")).into_response())
}

pub(super) async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, user)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let user: UserId = user.parse().map_err(|_| WebError::page(AppError::NotFound, lang))?;
    if let Err(r) = form_pairs(&ctx, &body) {
        return Ok(*r);
    }
    state.app().leave_community(&ctx.actor, id, Some(user)).await.map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/communautes/{id}#membres")).into_response())
}

pub(super) async fn referents(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let email = pairs.first("email").unwrap_or("");
    let app = state.app();
    match pairs.first("action") {
        Some("remove") => {
            app.remove_referent(&ctx.actor, id, email).await.map_err(|e| WebError::page(e, lang))?
        }
        _ => {
            app.add_referent(&ctx.actor, id, email).await.map_err(|e| WebError::page(e, lang))?;
        }
    }
    Ok(Redirect::to(&format!("/communautes/{id}#referents")).into_response())
}

pub(super) async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    let input = PublicationInput {
        title: pairs.first("title").map(str::to_owned),
        body: pairs.first("body").map(str::to_owned),
    };
    match state.app().publish_in_community(&ctx.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/communautes/{id}#publications")).into_response()),
        Err(AppError::Validation(errors)) => {
            // The page again, with what was typed and why it was refused.
            let view = community_view(&state, &ctx, id, 1, Some((&input, &errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(view)).into_response())
        }
        Err(e) => Err(WebError::page(e, lang)),
    }
}

pub(super) async fn remove_publication(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, publication)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_community_id(&id, lang)?;
    let publication: PublicationId =
        publication.parse().map_err(|_| WebError::page(AppError::NotFound, lang))?;
    let pairs = match form_pairs(&ctx, &body) {
        Ok(p) => p,
        Err(r) => return Ok(*r),
    };
    state
        .app()
        .remove_publication(&ctx.actor, id, publication, pairs.first("reason"))
        .await
        .map_err(|e| WebError::page(e, lang))?;
    Ok(Redirect::to(&format!("/communautes/{id}#publications")).into_response())
}
