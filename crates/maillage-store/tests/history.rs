//! The history of changes: written in the transaction of the change, field by field, by
//! imports as by single edits; pseudonymised when an account is erased.

mod common;

use chrono::Utc;
use common::place;
use maillage_domain::fields::Email;
use maillage_domain::history::{Author, FieldChange, KIND_PLACE};
use maillage_domain::user::User;
use maillage_domain::vocab::PlaceType;
use maillage_domain::{Place, PlaceStatus, Provenance, UserId};
use maillage_store::testing::fresh_store;
use maillage_store::{ItemChange, Store, StoreError, StoredActor, UserRecord};
use serde_json::json;

async fn person(store: &Store, email: &str, name: &str, is_demo: bool) -> Author {
    let user = User {
        id: UserId::new(),
        email: Email::parse(email).unwrap(),
        display_name: name.into(),
        created_at: Utc::now(),
    };
    store.create_user(&UserRecord { user: user.clone(), password_hash: "h".into() }, is_demo).await.unwrap();
    Author::Person { id: user.id, name: name.into() }
}

fn fablab(name: &str) -> Place {
    place(name, &[PlaceType::Fablab], "42", 45.43, 4.39)
}

fn edited(p: &Place, f: impl FnOnce(&mut Place)) -> Place {
    let mut next = p.clone();
    next.version += 1;
    next.updated_at = Utc::now();
    f(&mut next);
    next
}

fn fields(changes: &[FieldChange]) -> Vec<&str> {
    changes.iter().map(|c| c.field.as_str()).collect()
}

#[tokio::test]
async fn a_creation_records_the_initial_values_and_an_edit_only_the_fields_it_changed() {
    let db = fresh_store().await.unwrap();
    let anne = person(&db.store, "anne@exemple.fr", "Anne", false).await;
    let p = fablab("La Forge");
    db.store.insert_place(&p, &anne).await.unwrap();
    let renamed = edited(&p, |n| {
        n.data.name = "La Forge des Canuts".into();
        n.status = PlaceStatus::Archived;
    });
    db.store.update_place(&renamed, 1, &anne).await.unwrap();

    let history = db.store.history(KIND_PLACE, &p.id.to_string()).await.unwrap();
    assert_eq!(history.len(), 2);
    let (edit, creation) = (&history[0], &history[1]);
    assert_eq!((edit.version, creation.version), (2, 1), "newest first");
    assert_eq!(
        edit.fields,
        vec![
            FieldChange { field: "name".into(), old: json!("La Forge"), new: json!("La Forge des Canuts") },
            FieldChange { field: "status".into(), old: json!("published"), new: json!("archived") },
        ]
    );
    // The creation lists every field it set, each from nothing.
    assert!(creation.fields.iter().all(|c| c.old.is_null()));
    for field in ["name", "types", "postal_code", "commune_code", "location", "equipment", "status"] {
        assert!(fields(&creation.fields).contains(&field), "{field} in {:?}", fields(&creation.fields));
    }
    assert!(!fields(&creation.fields).contains(&"siret"), "nothing set, nothing listed");
    assert_eq!(creation.fields.iter().find(|c| c.field == "types").unwrap().new, json!(["fablab"]));
    // Who: the person, with their account as it is now.
    let Author::Person { id, .. } = anne else { unreachable!() };
    match &edit.actor {
        StoredActor::Person { id: who, label, account } => {
            assert_eq!((*who, label.as_str()), (id, "Anne"));
            assert_eq!(account.as_ref().unwrap().email, "anne@exemple.fr");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(db.store.change(edit.id).await.unwrap().as_ref(), Some(edit));
}

#[tokio::test]
async fn an_edit_that_fails_records_nothing() {
    let db = fresh_store().await.unwrap();
    let p = fablab("La Forge");
    db.store.insert_place(&p, &Author::System).await.unwrap();
    let a = edited(&p, |n| n.data.name = "A".into());
    db.store.update_place(&a, 1, &Author::System).await.unwrap();
    // A stale edit: refused, and not in the history.
    let b = edited(&p, |n| n.data.name = "B".into());
    assert!(matches!(
        db.store.update_place(&b, 1, &Author::System).await,
        Err(StoreError::Conflict { current: 2 })
    ));
    // A unit of work that fails after its write: neither the place nor its history stays.
    let other = fablab("Brouillon");
    let mut tx = db.store.transaction().await.unwrap();
    tx.insert_place(&other, &Author::System).await.unwrap();
    assert!(tx.add_place_manager(other.id, UserId::new()).await.is_err());
    drop(tx);
    let history = db.store.history(KIND_PLACE, &p.id.to_string()).await.unwrap();
    assert_eq!(history.iter().map(|c| c.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(history[0].fields[0].new, json!("A"));
    assert!(db.store.history(KIND_PLACE, &other.id.to_string()).await.unwrap().is_empty());
}

#[tokio::test]
async fn imports_record_creations_and_changed_fields_and_nothing_for_unchanged_rows() {
    let db = fresh_store().await.unwrap();
    // More rows than one history statement holds.
    let places: Vec<Place> = (0..1_200)
        .map(|i| {
            let mut p = fablab(&format!("Lieu {i}"));
            p.provenance = Provenance {
                source: "lmn".into(),
                source_id: Some(format!("L{i}")),
                source_updated_on: None,
            };
            p
        })
        .collect();
    db.store.import_places(&places, &Author::System).await.unwrap();
    // Again, the first ten with a new summary: only those have a second entry.
    let again: Vec<Place> = places
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut p = p.clone();
            p.id = maillage_domain::PlaceId::new();
            if i < 10 {
                p.data.summary = format!("Nouveau résumé {i}");
            }
            p
        })
        .collect();
    db.store.import_places(&again, &Author::System).await.unwrap();
    let first = db.store.history(KIND_PLACE, &places[0].id.to_string()).await.unwrap();
    assert_eq!(first.len(), 2);
    assert_eq!(first[0].version, 2);
    assert_eq!(
        first[0].fields,
        vec![FieldChange {
            field: "summary".into(),
            old: json!("Résumé de Lieu 0"),
            new: json!("Nouveau résumé 0")
        }]
    );
    assert_eq!(first[0].actor, StoredActor::System);
    let last = db.store.history(KIND_PLACE, &places[1_199].id.to_string()).await.unwrap();
    assert_eq!(last.len(), 1, "an unchanged row adds nothing");
    assert_eq!(last[0].version, 1);
}

#[tokio::test]
async fn erasing_an_account_keeps_its_changes_without_saying_whose_they_were() {
    let db = fresh_store().await.unwrap();
    let paul = person(&db.store, "paul@exemple.fr", "Paul", false).await;
    let Author::Person { id, .. } = paul.clone() else { unreachable!() };
    let p = fablab("Le Quai");
    db.store.insert_place(&p, &paul).await.unwrap();
    assert_eq!(db.store.changes_by(id).await.unwrap().len(), 1);
    db.store.erase_user(id, &[]).await.unwrap();
    let history = db.store.history(KIND_PLACE, &p.id.to_string()).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].actor, StoredActor::Erased);
    assert!(!history[0].fields.is_empty(), "what was changed stays");
    assert!(db.store.changes_by(id).await.unwrap().is_empty());
}

#[tokio::test]
async fn removing_the_demo_removes_the_history_of_its_places_and_the_names_of_its_accounts() {
    let db = fresh_store().await.unwrap();
    let demo_user = person(&db.store, "demo@demo.maillage.example", "Démo", true).await;
    let mut demo = fablab("Lieu de démo");
    demo.is_demo = true;
    db.store.import_places(std::slice::from_ref(&demo), &Author::Demo).await.unwrap();
    let real = fablab("Lieu réel");
    db.store.insert_place(&real, &Author::System).await.unwrap();
    db.store
        .update_place(&edited(&real, |n| n.data.summary = "par la démo".into()), 1, &demo_user)
        .await
        .unwrap();
    db.store.delete_demo_data().await.unwrap();
    assert!(db.store.history(KIND_PLACE, &demo.id.to_string()).await.unwrap().is_empty());
    let history = db.store.history(KIND_PLACE, &real.id.to_string()).await.unwrap();
    assert_eq!(
        history.iter().map(|c| &c.actor).collect::<Vec<_>>(),
        [&StoredActor::Erased, &StoredActor::System]
    );
}

#[tokio::test]
async fn other_kinds_of_content_keep_their_own_history_in_the_same_table() {
    let db = fresh_store().await.unwrap();
    let p = fablab("La Forge");
    db.store.insert_place(&p, &Author::System).await.unwrap();
    let mut tx = db.store.transaction().await.unwrap();
    let change = ItemChange {
        kind: "network",
        item_id: p.id.to_string(),
        version: 1,
        at: Utc::now(),
        fields: vec![FieldChange { field: "name".into(), old: json!(null), new: json!("Réseau") }],
    };
    tx.record_changes(&[change], &Author::System).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(db.store.history("network", &p.id.to_string()).await.unwrap().len(), 1);
    assert_eq!(db.store.history(KIND_PLACE, &p.id.to_string()).await.unwrap().len(), 1);
}
