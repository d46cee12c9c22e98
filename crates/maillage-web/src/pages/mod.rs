//! HTML pages: the directory with its map, place pages and forms, territory pages,
//! accounts, and the import page. Every page works without JavaScript.

use crate::AppState;
use crate::context::{Ctx, LANG_COOKIE, Lang, SESSION_COOKIE, set_cookie};
use crate::error::{Surface, WebError};
use crate::forms::{NotUtf8, Pairs, filter_from, paging, place_input_from_form};
use crate::i18n::t;
use crate::security::{csrf_error, csrf_ok};
use crate::views::*;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use maillage_app::permissions::{Action, Resource};
use maillage_app::transfer::ImportOptions;
use maillage_app::{AppError, Format, PlaceFilter, PlaceSort};
use maillage_domain::vocab::{AccessMode, Fee, Label, PlaceType, Public, Service, Support, Vocabulary};
use maillage_domain::{Place, PlaceId, PlaceInput, PlaceStatus, ValidationErrors};
use std::collections::HashMap;

mod communities;
mod directory;
mod import;
mod login;
mod moderation;
mod networks;
mod place;
mod place_form;
mod territories;

pub(crate) use communities::community_filter;
use communities::*;
use directory::*;
use import::*;
use login::*;
use moderation::*;
use networks::*;
pub(crate) use networks::{network_filter, status_key};
use place::*;
use place_form::*;
use territories::*;

const PER_PAGE: u64 = 50;

/// The page, or the answer for someone who may not see it: sign in, or 403.
fn refuse(ctx: &Ctx, next: &str) -> Response {
    match require_signed_in(ctx, next) {
        Some(r) => r,
        None => WebError::page(AppError::Forbidden, ctx.lang).into_response(),
    }
}

/// A form's fields, once its body is UTF-8 and its CSRF token right; else the page to
/// answer with.
fn form_pairs(ctx: &Ctx, body: &Bytes) -> Result<Pairs, Box<Response>> {
    let pairs = Pairs::parse_form(body).map_err(|bad| Box::new(not_utf8_page(ctx, &bad)))?;
    if !csrf_ok(ctx, pairs.first("csrf")) {
        return Err(Box::new(csrf_error(ctx, Surface::Page).into_response()));
    }
    Ok(pairs)
}

/// A decision form's answer: `decision` = `accept` or `no` (`decline`, `reject`…), and
/// the `version` decided on.
fn decision_of(pairs: &Pairs, no: &str, lang: Lang) -> Result<(bool, i64), WebError> {
    let accept = match pairs.first("decision") {
        Some("accept") => true,
        Some(d) if d == no => false,
        _ => {
            return Err(WebError::bad_input(
                "decision",
                maillage_domain::messages::Message::new("networks.decision_required"),
                lang,
                Surface::Page,
            ));
        }
    };
    let version = pairs.first("version").and_then(|v| v.parse().ok()).ok_or_else(|| {
        WebError::bad_input(
            "version",
            maillage_domain::messages::Message::new("request.missing_version"),
            lang,
            Surface::Page,
        )
    })?;
    Ok((accept, version))
}
/// Longest source name of an import (it is stored with every place it brings).
const IMPORT_SOURCE_MAX: usize = 100;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/lieux/nouveau", get(new_place_form).post(create_place))
        .route("/lieux/{id}", get(place_page))
        .route("/lieux/{id}/modifier", get(edit_place_form).post(update_place))
        .route("/lieux/{id}/archiver", post(archive_place))
        .route("/lieux/{id}/historique", get(crate::history::history_page))
        .route("/lieux/{id}/historique/{change}/retablir", post(crate::history::revert_form))
        .route("/lieux/{id}/reseaux", post(join_network))
        .route("/mes-lieux", get(my_places))
        .route("/reseaux", get(networks_list))
        .route("/reseaux/nouveau", get(new_network_form).post(create_network))
        .route("/reseaux/{id}", get(network_page))
        .route("/reseaux/{id}/modifier", get(edit_network_form).post(update_network))
        .route("/reseaux/{id}/sous-reseau", get(sub_network_form).post(create_sub_network))
        .route("/reseaux/{id}/adhesions", post(invite_place))
        .route("/reseaux/{id}/adhesions/{place}/decision", post(decide_membership))
        .route("/reseaux/{id}/adhesions/{place}/retrait", post(leave_network))
        .route("/reseaux/{id}/coordination", post(coordination))
        .route("/reseaux/{id}/carte", get(embed))
        .route("/lieux/{id}/proposer", get(propose_form).post(propose))
        .route("/lieux/{id}/signaler", get(report_form).post(report))
        .route("/moderation", get(queue))
        .route("/moderation/propositions/{id}/decision", post(decide_proposal))
        .route("/moderation/signalements/{id}/decision", post(decide_report))
        .route("/moderation/doublons", post(not_duplicates))
        .route("/moderation/fusion", get(merge_form).post(merge))
        .route("/communautes", get(communities_list))
        .route("/communautes/nouveau", get(new_community_form).post(create_community))
        .route("/communautes/{id}", get(community_page))
        .route("/communautes/{id}/modifier", get(edit_community_form).post(update_community))
        .route("/communautes/{id}/adhesion", post(membership))
        .route("/communautes/{id}/demandes/{user}/decision", post(decide_request))
        .route("/communautes/{id}/membres/{user}/retrait", post(remove_member))
        .route("/communautes/{id}/referents", post(referents))
        .route("/communautes/{id}/publications", post(publish))
        .route("/communautes/{id}/publications/{publication}/retrait", post(remove_publication))
        .route("/territoires/communes/{code}", get(commune_page))
        .route("/territoires/departements/{code}", get(departement_page))
        .route("/territoires/regions/{code}", get(region_page))
        .route("/territoire", get(crate::territory::page::territoire))
        .route("/connexion", get(login_form).post(login))
        .route("/deconnexion", post(logout))
        .route("/mot-de-passe/oubli", get(reset_request_form).post(reset_request))
        .route("/mot-de-passe/nouveau", get(reset_form).post(reset_password))
        .route("/admin/import", get(import_form).post(import_file))
        .route("/admin/import/modele.csv", get(import_template))
        .route("/admin/import/modele-excel.csv", get(import_template_excel))
}

fn html(page: impl RenderHtml) -> Response {
    Html(page.render_html()).into_response()
}

/// Remember an explicit `?lang=` choice in a cookie.
fn remember_lang(ctx: &Ctx, mut response: Response) -> Response {
    if ctx.path_and_query.contains("lang=")
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            ctx.lang.code()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// 200 when the database answers within a second; otherwise 503 with `Retry-After` at
/// once (a load balancer must not wait for the pool's own timeout).
async fn healthz(State(state): State<AppState>) -> Response {
    let unavailable = || {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "database unavailable")
            .into_response()
    };
    match tokio::time::timeout(std::time::Duration::from_secs(1), state.app().ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok").into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %maillage_app::Chain(&e), "health check failed");
            unavailable()
        }
        Err(_) => {
            tracing::error!("health check failed: the database did not answer within 1 s");
            unavailable()
        }
    }
}
