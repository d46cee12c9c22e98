//! The who-may-do-what table of `docs/PERMISSIONS.md` is generated from the rule
//! (`maillage_app::permissions::table_markdown`). This test fails when the file differs;
//! `MAILLAGE_UPDATE_DOCS=1 cargo test -p maillage-app --test permissions_doc` rewrites it.

use maillage_app::permissions::{TABLE_BEGIN, TABLE_END, with_generated_table};
use std::path::PathBuf;

fn doc_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/PERMISSIONS.md")
}

#[test]
fn the_permissions_document_holds_the_table_the_rule_gives() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap();
    let Some(expected) = with_generated_table(&doc) else {
        panic!("{} lacks the markers {TABLE_BEGIN} … {TABLE_END}", path.display());
    };
    if std::env::var_os("MAILLAGE_UPDATE_DOCS").is_some_and(|v| v == "1") {
        if expected != doc {
            std::fs::write(&path, &expected).unwrap();
        }
        return;
    }
    assert!(
        expected == doc,
        "{} is out of date with the rule: run MAILLAGE_UPDATE_DOCS=1 cargo test -p maillage-app --test permissions_doc",
        path.display()
    );
}
