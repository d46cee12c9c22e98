//! A fresh, empty database per test: SQLite in a temporary directory by default, or a new
//! PostgreSQL database when `MAILLAGE_TEST_POSTGRES_URL` points to a server where the role
//! may create databases. The same tests thus run on both backends.

use crate::{Store, StoreError};

/// Keeps the test database alive (the temporary directory of the SQLite file).
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The environment variable that switches tests to PostgreSQL.
pub const POSTGRES_URL_VAR: &str = "MAILLAGE_TEST_POSTGRES_URL";

pub async fn fresh_store() -> Result<TestDb, StoreError> {
    match std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.is_empty()) {
        Some(admin_url) => {
            let name = format!("maillage_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::PgPool::connect(&admin_url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await?;
            admin.close().await;
            let url = with_database(&admin_url, &name);
            let store = Store::connect(&url).await?;
            Ok(TestDb { store, url, _dir: None })
        }
        None => {
            let dir = tempfile::tempdir().map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
            let store = Store::connect(&url).await?;
            Ok(TestDb { store, url, _dir: Some(dir) })
        }
    }
}

/// The same PostgreSQL URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    // postgres://user@host:port/db → replace the path after the authority.
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_in_the_url() {
        assert_eq!(
            super::with_database("postgres://p@127.0.0.1:5432/postgres", "t1"),
            "postgres://p@127.0.0.1:5432/t1"
        );
        assert_eq!(
            super::with_database("postgres://p@h:1/db?sslmode=disable", "t"),
            "postgres://p@h:1/t?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://p@h:1", "t"), "postgres://p@h:1/t");
    }
}
