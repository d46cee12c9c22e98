//! Pages of a commune, département or région and their places.

use super::*;

pub(super) async fn territory_places(
    state: &AppState,
    ctx: &Ctx,
    filter: PlaceFilter,
    pairs: &Pairs,
) -> Result<Result<(Pager, u64, Vec<PlaceItem>), Response>, WebError> {
    let (page, per_page) = paging(pairs, 100).map_err(|e| WebError::page(e, ctx.lang))?;
    let result = state
        .app()
        .list_places(
            &ctx.actor,
            PlaceFilter { sort: PlaceSort::Name, ..filter },
            (page - 1) * per_page,
            per_page,
        )
        .await
        .map_err(|e| WebError::page(e, ctx.lang))?;
    let pager = Pager::new(&ctx.path_and_query, page, result.total, per_page);
    if let Some(last) = pager.past_the_end() {
        return Ok(Err(Redirect::to(&last).into_response()));
    }
    let now = Utc::now();
    let places = result.places.iter().map(|p| PlaceItem::new(p, ctx.lang, None, now)).collect();
    Ok(Ok((pager, result.total, places)))
}

pub(super) fn number(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(ch);
    }
    out
}

pub(super) async fn commune_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let commune = reference.commune(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let listed = territory_places(
        &state,
        &ctx,
        PlaceFilter { commune: Some(commune.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let (pager, total, places) = match listed {
        Ok(listed) => listed,
        Err(redirect) => return Ok(redirect),
    };
    let mut breadcrumb = Vec::new();
    if let Some(r) = reference.region(&commune.region) {
        breadcrumb.push(Link {
            label: r.name.clone(),
            href: format!("/territoires/regions/{}", r.code),
            text: String::new(),
        });
    }
    if let Some(d) = reference.departement(&commune.departement) {
        breadcrumb.push(Link {
            label: d.name.clone(),
            href: format!("/territoires/departements/{}", d.code),
            text: String::new(),
        });
    }
    let mut facts = vec![
        Fact { label: "INSEE".into(), text: commune.code.clone() },
        Fact { label: t(lang, "territory.population").into(), text: number(commune.population) },
        Fact { label: t(lang, "form.postal_code").into(), text: commune.postal_codes.join(", ") },
    ];
    if let Some(e) = commune.epci.as_deref().and_then(|e| reference.epci(e)) {
        facts.push(Fact { label: t(lang, "territory.epci").into(), text: e.name.clone() });
    }
    let children: Vec<Link> = reference
        .arrondissements(&commune.code)
        .map(|a| Link {
            label: a.name.clone(),
            href: format!("/territoires/communes/{}", a.code),
            text: number(a.population),
        })
        .collect();
    let page = TerritoryPage {
        c: Chrome::new(&ctx, commune.name.clone()),
        heading: commune.name.clone(),
        breadcrumb,
        facts,
        children_title: t(lang, "territory.commune").into(),
        children,
        total,
        places,
        pager,
        more_href: format!("/?commune={}", commune.code),
    };
    Ok(html(page))
}

pub(super) async fn departement_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let dep = reference.departement(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let listed = territory_places(
        &state,
        &ctx,
        PlaceFilter { departement: Some(dep.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let (pager, total, places) = match listed {
        Ok(listed) => listed,
        Err(redirect) => return Ok(redirect),
    };
    let population: u64 = reference.communes_in_departement(&dep.code).map(|c| c.population).sum();
    let communes = reference.communes_in_departement(&dep.code).count();
    let breadcrumb = reference
        .region(&dep.region)
        .map(|r| {
            vec![Link {
                label: r.name.clone(),
                href: format!("/territoires/regions/{}", r.code),
                text: String::new(),
            }]
        })
        .unwrap_or_default();
    let page = TerritoryPage {
        c: Chrome::new(&ctx, dep.name.clone()),
        heading: format!("{} ({})", dep.name, dep.code),
        breadcrumb,
        facts: vec![
            Fact { label: t(lang, "territory.population").into(), text: number(population) },
            Fact { label: t(lang, "territory.communes").into(), text: number(communes as u64) },
        ],
        children_title: String::new(),
        children: Vec::new(),
        total,
        places,
        pager,
        more_href: format!("/?departement={}", dep.code),
    };
    Ok(html(page))
}

pub(super) async fn region_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let reference = state.app().reference;
    let region = reference.region(&code).ok_or_else(|| WebError::page(AppError::NotFound, lang))?;
    let pairs = Pairs::parse(q.unwrap_or_default().as_bytes());
    let listed = territory_places(
        &state,
        &ctx,
        PlaceFilter { region: Some(region.code.clone()), ..Default::default() },
        &pairs,
    )
    .await?;
    let (pager, total, places) = match listed {
        Ok(listed) => listed,
        Err(redirect) => return Ok(redirect),
    };
    let population: u64 = reference.communes_in_region(&region.code).map(|c| c.population).sum();
    let mut children: Vec<Link> = reference
        .departements()
        .filter(|d| d.region == region.code)
        .map(|d| Link {
            label: d.name.clone(),
            href: format!("/territoires/departements/{}", d.code),
            text: d.code.clone(),
        })
        .collect();
    children.sort_by(|a, b| a.text.cmp(&b.text));
    let page = TerritoryPage {
        c: Chrome::new(&ctx, region.name.clone()),
        heading: region.name.clone(),
        breadcrumb: Vec::new(),
        facts: vec![Fact { label: t(lang, "territory.population").into(), text: number(population) }],
        children_title: t(lang, "territory.departements").into(),
        children,
        total,
        places,
        pager,
        more_href: format!("/?region={}", region.code),
    };
    Ok(html(page))
}
