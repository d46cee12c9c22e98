use crate::StoreError;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The storage of Maillage: one set of queries over SQLite or PostgreSQL.
///
/// Queries are written once in the SQL both databases accept (`$1` placeholders, portable
/// types); the `with_db!` macro expands each body once per pool type, so they are checked by
/// the compiler for both.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) cache: std::sync::Arc<crate::places::PlaceCache>,
    pub(crate) index: std::sync::Arc<crate::places::IndexState>,
}

/// Run the same code with whichever pool the store has. The body is compiled twice, once per
/// database, so rows and arguments are typed for each.
macro_rules! with_db {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::pool::Db::Sqlite($pool) => $body,
            $crate::pool::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_db;

impl Store {
    /// Connect to `sqlite://path` (created when missing) or `postgres://…`, and apply the
    /// embedded migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 8 MB of page cache per connection (allocated as used; the default 2 MB
                // makes large imports go through the kernel for every page).
                .pragma("cache_size", "-8000")
                .pragma("temp_store", "memory");
            // SQLite has one writer; a few readers run in parallel under WAL.
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(crate::limits::acquire_timeout())
                .connect_with(options)
                .await?;
            Store { db: Db::Sqlite(pool), cache: Default::default(), index: Default::default() }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(crate::limits::acquire_timeout())
                .connect_with(options)
                .await?;
            Store { db: Db::Postgres(pool), cache: Default::default(), index: Default::default() }
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        store.migrate().await?;
        if let Db::Sqlite(pool) = &store.db {
            // Planner statistics for tables that lack them (a database filled before this
            // start); cheap when they are current. Not fatal: queries work without them.
            if let Err(e) = sqlx::query("PRAGMA optimize=0x10002").execute(pool).await {
                tracing::warn!(error = %e, "PRAGMA optimize failed");
            }
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.db {
            Db::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Close every connection (waits for those in use).
    pub async fn close(&self) {
        with_db!(self, pool => pool.close().await)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
