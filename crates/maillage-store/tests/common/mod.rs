//! Shared by the store's integration tests.

#![allow(dead_code, reason = "each test file uses part of it")]

use chrono::Utc;
use maillage_domain::UserId;
use maillage_domain::fields::{Coordinates, Email, InseeCode, PostalCode};
use maillage_domain::place::PlaceData;
use maillage_domain::user::User;
use maillage_domain::vocab::{PlaceType, Service};
use maillage_domain::{Place, PlaceId, PlaceStatus, Provenance};
use maillage_store::{Store, UserRecord};

/// A valid published place in Saint-Étienne's commune, at the given point.
pub fn place(name: &str, types: &[PlaceType], departement: &str, lat: f64, lon: f64) -> Place {
    let now = Utc::now();
    Place {
        id: PlaceId::new(),
        data: PlaceData {
            name: name.into(),
            types: types.to_vec(),
            summary: format!("Résumé de {name}"),
            description: String::new(),
            address: "1 rue de la Paix".into(),
            postal_code: PostalCode::parse("42000").unwrap(),
            commune_code: InseeCode::parse("42218").unwrap(),
            commune_name: "Saint-Étienne".into(),
            departement: departement.into(),
            region: "84".into(),
            epci: Some("244200770".into()),
            location: Coordinates { lat, lon },
            location_precise: true,
            siret: None,
            rna: None,
            services: vec![Service::TeleworkDesk],
            equipment: vec!["Découpeuse laser".into()],
            opening_hours: None,
            publics: vec![],
            support: vec![],
            fees: vec![],
            access_modes: vec![],
            accessibility_url: None,
            labels: vec![],
            email: None,
            phone: None,
            website: None,
        },
        status: PlaceStatus::Published,
        provenance: Provenance::default(),
        is_demo: false,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// A new account (not an admin) with this email; its id.
pub async fn account(store: &Store, email: &str) -> UserId {
    let user = User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        display_name: email.into(),
        created_at: Utc::now(),
    };
    store.create_user(&UserRecord { user: user.clone(), password_hash: "h".into() }, false).await.unwrap();
    user.id
}
