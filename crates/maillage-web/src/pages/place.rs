//! A place's page: details, opening hours, schema.org JSON-LD.

use super::*;

pub(super) fn parse_id(id: &str, lang: Lang) -> Result<PlaceId, WebError> {
    id.parse().map_err(|_| WebError::page(AppError::NotFound, lang))
}

/// schema.org `Place` for search engines, safe to embed in a script element.
pub(super) fn json_ld(place: &Place, url: &str) -> String {
    let d = &place.data;
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Place",
        "@id": url,
        "name": d.name,
        "description": d.summary,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": d.address,
            "postalCode": d.postal_code.as_str(),
            "addressLocality": d.commune_name,
            "addressCountry": "FR"
        },
        "geo": { "@type": "GeoCoordinates", "latitude": d.location.lat, "longitude": d.location.lon },
    });
    if let Some(h) = &d.opening_hours {
        v["openingHours"] = serde_json::json!(h.as_str());
    }
    if let Some(p) = &d.phone {
        v["telephone"] = serde_json::json!(p.as_str());
    }
    if let Some(e) = &d.email {
        v["email"] = serde_json::json!(e.as_str());
    }
    if let Some(w) = &d.website {
        v["url"] = serde_json::json!(w.as_str());
    }
    // `<` cannot appear raw inside <script>: escape it as JSON allows.
    v.to_string().replace('<', "\\u003c")
}

pub(super) fn vocab_section<T: Vocabulary>(title: &str, items: &[T], lang: Lang) -> Option<Section> {
    (!items.is_empty()).then(|| Section {
        title: title.into(),
        items: items.iter().map(|t| t.label(lang.code()).to_owned()).collect(),
    })
}

pub(super) async fn place_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let id = parse_id(&id, lang)?;
    let app = state.app();
    let place = match app.place(&ctx.actor, id).await {
        Ok(place) => place,
        Err(AppError::NotFound) => {
            // A place merged into another: its address leads there.
            return match app.merged_into(id).await.map_err(|e| WebError::page(e, lang))? {
                Some(into) => Ok(Redirect::permanent(&format!("/lieux/{into}")).into_response()),
                None => Err(WebError::page(AppError::NotFound, lang)),
            };
        }
        Err(e) => return Err(WebError::page(e, lang)),
    };
    let can_edit = app.may_edit(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))?;
    let can_propose = ctx.is_signed_in() && !can_edit;
    let query = Pairs::parse(q.unwrap_or_default().as_bytes());
    let sent = match query.first("envoye") {
        Some("proposition") => Some("proposal"),
        Some("signalement") => Some("report"),
        _ => None,
    };
    let similar = match query.first("doublon") {
        Some("1") => match app.similar_to(&ctx.actor, id).await.map_err(|e| WebError::page(e, lang))? {
            Some(s) => {
                // The merge page, for whoever answers for both records.
                let both =
                    can_edit && app.may_edit(&ctx.actor, s.id).await.map_err(|e| WebError::page(e, lang))?;
                let merge = both.then(|| format!("/moderation/fusion?a={}&b={}", s.id, id));
                Some((format!("/lieux/{}", s.id), s.data.name.clone(), merge))
            }
            None => None,
        },
        _ => None,
    };
    let d = &place.data;
    let reference = app.reference;
    let departement = reference
        .departement(&d.departement)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| d.departement.clone());
    let region = reference.region(&d.region).map(|x| x.name.clone()).unwrap_or_else(|| d.region.clone());
    let mut sections: Vec<Section> = [
        vocab_section(t(lang, "place.services"), &d.services, lang),
        (!d.equipment.is_empty())
            .then(|| Section { title: t(lang, "place.equipment").into(), items: d.equipment.clone() }),
        vocab_section(t(lang, "place.publics"), &d.publics, lang),
        vocab_section(t(lang, "place.support"), &d.support, lang),
        vocab_section(t(lang, "place.fees"), &d.fees, lang),
        vocab_section(t(lang, "place.access"), &d.access_modes, lang),
        vocab_section(t(lang, "place.labels"), &d.labels, lang),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut identity = Vec::new();
    if let Some(s) = &d.siret {
        identity.push(format!("SIRET {}", s.as_str()));
    }
    if let Some(r) = &d.rna {
        identity.push(format!("RNA {}", r.as_str()));
    }
    if !identity.is_empty() {
        sections.push(Section { title: t(lang, "place.identity").into(), items: identity });
    }
    let mut contacts = Vec::new();
    if let Some(w) = &d.website {
        contacts.push(Link {
            label: t(lang, "place.website").into(),
            href: w.as_str().into(),
            text: w.as_str().into(),
        });
    }
    if let Some(e) = &d.email {
        contacts.push(Link {
            label: t(lang, "place.email").into(),
            href: format!("mailto:{}", e.as_str()),
            text: e.as_str().into(),
        });
    }
    if let Some(p) = &d.phone {
        contacts.push(Link {
            label: t(lang, "place.phone").into(),
            href: format!("tel:{}", p.as_str()),
            text: p.display_national(),
        });
    }
    if let Some(a) = &d.accessibility_url {
        contacts.push(Link {
            label: t(lang, "place.accessibility").into(),
            href: a.as_str().into(),
            text: t(lang, "place.accessibility_link").into(),
        });
    }
    let may_join = ctx.actor.user().is_some()
        && app.may_join_networks(&ctx.actor, &place).await.map_err(|e| WebError::page(e, lang))?;
    let memberships = app.place_networks(place.id).await.map_err(|e| WebError::page(e, lang))?;
    let networks: Vec<PlaceNetwork> = memberships
        .iter()
        // Others see the networks it is a member of; its team also sees the rest.
        .filter(|(_, m)| may_join || m.status == maillage_domain::MembershipStatus::Member)
        .map(|(n, m)| PlaceNetwork {
            href: format!("/reseaux/{}", n.id),
            name: n.name.clone(),
            status: t(lang, crate::pages::status_key(m.status)).to_owned(),
            member: m.status == maillage_domain::MembershipStatus::Member,
            invited: m.status == maillage_domain::MembershipStatus::Invited,
            decision_message: m.decision_message.clone(),
            decide_href: format!("/reseaux/{}/adhesions/{}/decision", n.id, place.id),
            leave_href: format!("/reseaux/{}/adhesions/{}/retrait", n.id, place.id),
            version: m.version,
        })
        .collect();
    let join_choices: Vec<Opt> = if may_join && place.status == PlaceStatus::Published {
        app.network_choices()
            .await
            .map_err(|e| WebError::page(e, lang))?
            .into_iter()
            .filter(|n| {
                memberships
                    .iter()
                    .all(|(m, ms)| m.id != n.id || ms.status == maillage_domain::MembershipStatus::Declined)
            })
            .map(|n| Opt { value: n.id.to_string(), label: n.name, selected: false })
            .collect()
    } else {
        Vec::new()
    };
    let url = format!("{}/lieux/{}", app.config.base_url.trim_end_matches('/'), place.id);
    // In the place's own time zone (overseas places keep their local hours).
    let hours = d
        .opening_hours
        .as_ref()
        .map(|h| crate::hours::hours_view(h, Utc::now(), d.location.timezone(), lang));
    let page = PlacePage {
        c: Chrome::new(&ctx, d.name.clone()),
        json_ld: json_ld(&place, &url),
        name: d.name.clone(),
        types: type_labels(&place, lang),
        demo: place.is_demo,
        status: (place.status != PlaceStatus::Published).then(|| place.status.label(lang.code()).to_owned()),
        archived: place.status == PlaceStatus::Archived,
        summary: d.summary.clone(),
        description_html: markdown_to_safe_html(&d.description),
        sections,
        address: d.address.clone(),
        postal_code: d.postal_code.to_string(),
        commune: d.commune_name.clone(),
        commune_href: format!("/territoires/communes/{}", d.commune_code),
        departement,
        departement_href: format!("/territoires/departements/{}", d.departement),
        region,
        region_href: format!("/territoires/regions/{}", d.region),
        lat: d.location.lat,
        lon: d.location.lon,
        precise: d.location_precise,
        hours,
        contacts,
        source: place.provenance.source.clone(),
        updated: place.updated_at.with_timezone(&chrono_tz::Europe::Paris).format("%d/%m/%Y").to_string(),
        can_edit,
        can_propose,
        sent,
        similar,
        edit_href: format!("/lieux/{}/modifier", place.id),
        archive_href: format!("/lieux/{}/archiver", place.id),
        history_href: format!("/lieux/{}/historique", place.id),
        version: place.version,
        tile_url: state.web().tile_url.clone().unwrap_or_default(),
        tile_attribution: state.web().tile_attribution.clone().unwrap_or_default(),
        networks,
        id: place.id.to_string(),
        join_choices,
        may_join,
    };
    Ok(remember_lang(&ctx, html(page)))
}
