//! The directory: the home page with its list, filters, map fallback and downloads, and "my places".

use super::*;

pub(super) struct ListView {
    heading: String,
    action: String,
    show_departement: bool,
}

pub(super) async fn directory(
    state: &AppState,
    ctx: &Ctx,
    pairs: &Pairs,
    base: PlaceFilter,
    view: ListView,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let now = Utc::now();
    let mut filter = filter_from(pairs, now).map_err(|e| WebError::page(e, lang))?;
    filter.managed_by = base.managed_by;
    if !base.statuses.is_empty() {
        filter.statuses = base.statuses;
    }
    filter.commune = base.commune.or(filter.commune);
    filter.departement = base.departement.or(filter.departement);
    filter.region = base.region.or(filter.region);
    let (page, per_page) = paging(pairs, PER_PAGE).map_err(|e| WebError::page(e, lang))?;
    let result = state
        .app()
        .list_places(&ctx.actor, filter.clone(), (page - 1) * per_page, per_page)
        .await
        .map_err(|e| WebError::page(e, lang))?;
    let query = ctx.path_and_query.split_once('?').map(|(_, q)| q).unwrap_or("");
    let pager = Pager::new(&format!("{}?{query}", view.action), page, result.total, per_page);
    if let Some(last) = pager.past_the_end() {
        return Ok(Redirect::to(&last).into_response());
    }
    let selected = |k: &str| pairs.all(k);
    let reference = state.app().reference;
    let mut departements: Vec<Opt> = reference
        .departements()
        .map(|d| Opt {
            value: d.code.clone(),
            label: format!("{} – {}", d.code, d.name),
            selected: filter.departement.as_deref() == Some(d.code.as_str()),
        })
        .collect();
    departements.sort_by(|a, b| a.value.cmp(&b.value));
    // The map and the downloads show the same places as the list: on "my places", the
    // person's own (their published ones: feeds never carry drafts).
    let feed_query = if filter.managed_by.is_some() {
        with_param(&format!("?{query}"), "mine", "1").trim_start_matches('?').to_owned()
    } else {
        query.to_owned()
    };
    let export_query = with_param(&format!("?{feed_query}"), "page", "");
    let export_query = export_query.trim_start_matches('?');
    let downloads = Format::ALL
        .iter()
        .map(|f| Link {
            label: format_label(lang, *f).to_owned(),
            href: format!(
                "/api/v1/export?format={}{}{}",
                f.name(),
                if export_query.is_empty() { "" } else { "&" },
                export_query
            ),
            text: String::new(),
        })
        .collect();
    let demo = result.places.iter().any(|p| p.is_demo);
    let items = result
        .places
        .iter()
        .enumerate()
        .map(|(i, p)| PlaceItem::new(p, lang, result.distances_km.get(i).copied(), now))
        .collect();
    let geojson_query = if feed_query.is_empty() {
        String::new()
    } else {
        format!("?{}", with_param(&format!("?{feed_query}"), "page", "").trim_start_matches('?'))
    };
    let page_view = HomePage {
        c: Chrome::new(ctx, view.heading.clone()),
        heading: view.heading,
        action: view.action.clone(),
        demo,
        q: pairs.first("q").unwrap_or("").to_owned(),
        types: vocab_options::<PlaceType>(lang, &selected("type")),
        show_departement: view.show_departement,
        departements,
        services: vocab_options::<Service>(lang, &selected("service")),
        more_filters: vec![
            (
                "public".into(),
                t(lang, "home.public").into(),
                vocab_options::<Public>(lang, &selected("public")),
            ),
            (
                "support".into(),
                t(lang, "home.support").into(),
                vocab_options::<Support>(lang, &selected("support")),
            ),
            ("fee".into(), t(lang, "home.fee").into(), vocab_options::<Fee>(lang, &selected("fee"))),
            ("label".into(), t(lang, "home.label").into(), vocab_options::<Label>(lang, &selected("label"))),
        ],
        open_now: pairs.flag("open_now"),
        open_at: pairs.first("open_at").unwrap_or("").to_owned(),
        total: result.total,
        places: items,
        first_rank: (page - 1) * per_page + 1,
        page,
        pages: pager.pages,
        prev_href: pager.prev_href,
        next_href: pager.next_href,
        geojson_href: format!(
            "/api/v1/places.geojson{}",
            if geojson_query == "?" { "" } else { &geojson_query }
        ),
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
        downloads,
        export_hidden: pairs
            .0
            .iter()
            .filter(|(k, v)| {
                crate::forms::FILTER_KEYS.contains(&k.as_str())
                    && k != "status"
                    && k != "mine"
                    && !v.is_empty()
            })
            .map(|(k, v)| Opt { value: k.clone(), label: v.clone(), selected: false })
            .collect(),
        export_fields: maillage_interop::allowed_fields(Format::Csv)
            .iter()
            .map(|f| Opt {
                value: (*f).to_owned(),
                label: (*f).to_owned(),
                selected: [
                    "id",
                    "name",
                    "types",
                    "address",
                    "postal_code",
                    "commune_name",
                    "latitude",
                    "longitude",
                ]
                .contains(f),
            })
            .collect(),
        export_formats: Format::ALL
            .iter()
            .filter(|f| {
                maillage_interop::allowed_fields(**f) == maillage_interop::allowed_fields(Format::Csv)
            })
            .map(|f| Opt { value: f.name().into(), label: format_label(lang, *f).into(), selected: false })
            .collect(),
    };
    Ok(remember_lang(ctx, html(page_view)))
}

pub(super) async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let view =
        ListView { heading: t(ctx.lang, "home.title").into(), action: "/".into(), show_departement: true };
    directory(&state, &ctx, &pairs, PlaceFilter::default(), view).await
}

pub(super) async fn my_places(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let Some(user) = ctx.actor.user() else {
        return Ok(Redirect::to("/connexion?next=/mes-lieux").into_response());
    };
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let base =
        PlaceFilter { managed_by: Some(user.id), statuses: PlaceStatus::ALL.to_vec(), ..Default::default() };
    let view = ListView {
        heading: t(ctx.lang, "nav.mine").into(),
        action: "/mes-lieux".into(),
        show_departement: true,
    };
    directory(&state, &ctx, &pairs, base, view).await
}
