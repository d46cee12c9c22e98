//! Uploads kept between an import's preview and its confirmation.

mod common;

use common::account;

use chrono::{Duration, Utc};
use maillage_domain::UserId;
use maillage_store::StagedImport;
use maillage_store::testing::fresh_store;

fn staged(id: &str, user: UserId, age_minutes: i64) -> StagedImport {
    StagedImport {
        id: id.into(),
        user,
        created_at: Utc::now() - Duration::minutes(age_minutes),
        file_name: "lieux.csv".into(),
        choices: r#"{"source":"reseau"}"#.into(),
        // Bytes as sent, not text: a Windows-1252 file stays as it is.
        content: b"name\r\nCaf\xe9\r\n".to_vec(),
    }
}

#[tokio::test]
async fn an_upload_is_kept_for_its_owner_only_and_purged_when_old() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let (anne, bruno) = (account(s, "anne@exemple.fr").await, account(s, "bruno@exemple.fr").await);
    s.stage_import(&staged("recent", anne, 5)).await.unwrap();
    s.stage_import(&staged("old", anne, 120)).await.unwrap();
    let kept = s.staged_import("recent", anne).await.unwrap().expect("kept for its owner");
    assert_eq!(kept.content, b"name\r\nCaf\xe9\r\n", "the bytes come back as sent");
    assert_eq!(kept.choices, r#"{"source":"reseau"}"#);
    assert!(s.staged_import("recent", bruno).await.unwrap().is_none(), "someone else's is not found");
    assert_eq!(s.purge_staged_imports(Utc::now() - Duration::hours(1)).await.unwrap(), 1, "only the old one");
    assert!(s.staged_import("old", anne).await.unwrap().is_none());
    s.drop_staged_import("recent").await.unwrap();
    assert!(s.staged_import("recent", anne).await.unwrap().is_none());
}

#[tokio::test]
async fn an_erased_account_takes_its_uploads_with_it() {
    let db = fresh_store().await.unwrap();
    let s = &db.store;
    let anne = account(s, "anne@exemple.fr").await;
    s.stage_import(&staged("x", anne, 1)).await.unwrap();
    s.erase_user(anne, &[]).await.unwrap();
    assert!(s.staged_import("x", anne).await.unwrap().is_none());
}
