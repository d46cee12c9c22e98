use crate::StoreError;
use sqlx::AssertSqlSafe;
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
    /// Where reads go (on SQLite, read-only connections: a write sent there fails loudly).
    pub(crate) db: Db,
    /// SQLite's write lane: the one connection that writes, so that writers of this server
    /// queue in order instead of failing with "database is locked". Every write
    /// transaction on it begins with `BEGIN IMMEDIATE`, so that writers of other processes
    /// (a CLI import beside the server) wait for the lock (busy timeout) rather than fail
    /// when a read turns into a write. `None` on PostgreSQL, whose pool does both.
    pub(crate) writer: Option<SqlitePool>,
    pub(crate) cache: std::sync::Arc<crate::places::PlaceCache>,
    pub(crate) index: std::sync::Arc<crate::kinds::KindIndex<crate::index::Snapshot>>,
    pub(crate) networks: std::sync::Arc<crate::kinds::KindIndex<crate::networks::NetworkSnapshot>>,
    pub(crate) communities: std::sync::Arc<crate::kinds::KindIndex<crate::communities::CommunitySnapshot>>,
    /// Woken when a job is enqueued through this store: the runner of this server starts
    /// it at once instead of at its next poll.
    pub(crate) jobs_wake: std::sync::Arc<tokio::sync::Notify>,
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

/// Like [`with_db!`], with the pool that writes: SQLite's write lane, or the PostgreSQL
/// pool. For single statements outside a unit of work ([`crate::Tx`]).
macro_rules! with_writer {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.db {
            $crate::pool::Db::Sqlite(readers) => {
                let $pool = $store.writer.as_ref().unwrap_or(readers);
                $body
            }
            $crate::pool::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_writer;

impl Store {
    /// Connect to `sqlite://path` (created when missing) or `postgres://…`, and apply the
    /// embedded migrations.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 8 MB of page cache per connection (allocated as used; the default 2 MB
                // makes large imports go through the kernel for every page).
                .pragma("cache_size", "-8000")
                .pragma("temp_store", "memory");
            // One writer (the lane: in-process writers queue for it), opened first so that
            // it creates the file and applies the migrations.
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                // Writers wait their turn on the lane as long as SQLite waits for another
                // process's lock (the busy timeout), not the readers' short wait.
                .acquire_timeout(crate::limits::acquire_timeout().max(Duration::from_secs(10)))
                .connect_with(options.clone().create_if_missing(true))
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
            // Readers in parallel under WAL; read-only, so that a write sent to them by
            // mistake fails in tests instead of racing the lane.
            let readers = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(crate::limits::acquire_timeout())
                // Readers keep 2 MB of page cache each: they read lists from memory (the index)
                // and rows by primary key; eight of them with the writer's 8 MB would hold
                // ~70 MB after one pass over a large table. The kernel caches the file anyway.
                .connect_with(options.pragma("cache_size", "-2000").read_only(true))
                .await?;
            Store {
                db: Db::Sqlite(readers),
                writer: Some(writer),
                cache: Default::default(),
                index: Default::default(),
                networks: Default::default(),
                communities: Default::default(),
                jobs_wake: Default::default(),
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(crate::limits::acquire_timeout())
                .connect_with(options)
                .await?;
            Store {
                db: Db::Postgres(pool),
                writer: None,
                cache: Default::default(),
                index: Default::default(),
                networks: Default::default(),
                communities: Default::default(),
                jobs_wake: Default::default(),
            }
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        store.migrate().await?;
        if let Some(pool) = &store.writer {
            // Planner statistics for tables that lack them (a database filled before this
            // start); cheap when they are current. Not fatal: queries work without them.
            if let Err(e) = sqlx::query("PRAGMA optimize=0x10002").execute(pool).await {
                tracing::warn!(error = %e, "PRAGMA optimize failed");
            }
        }
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        // SQLite's migrations ran on the write lane when it opened.
        if let Db::Postgres(pool) = &self.db {
            sqlx::migrate!("./migrations/postgres").run(pool).await?;
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
        if let Some(writer) = &self.writer {
            writer.close().await;
        }
        with_db!(self, pool => pool.close().await)
    }

    /// The database's own consistency check: `["ok"]` when sound. SQLite runs `PRAGMA
    /// integrity_check` (every page, index and constraint); PostgreSQL, which keeps its
    /// pages checksummed itself, checks that every table this store uses can be read
    /// whole and that every place's manager link points to a place and an account.
    pub async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        match &self.db {
            Db::Sqlite(pool) => {
                let mut problems: Vec<String> =
                    sqlx::query_scalar("PRAGMA integrity_check").fetch_all(pool).await?;
                let fk: Vec<(String,)> =
                    sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(pool).await?;
                if !fk.is_empty() {
                    problems.retain(|p| p != "ok");
                    problems.extend(fk.into_iter().map(|(t,)| format!("foreign key broken in {t}")));
                }
                Ok(problems)
            }
            Db::Postgres(pool) => {
                for table in [
                    "meta",
                    "places",
                    "users",
                    "place_managers",
                    "sessions",
                    "password_resets",
                    "jobs",
                    "changes",
                ] {
                    sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"))).execute(pool).await?;
                }
                let orphans: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM place_managers m WHERE NOT EXISTS (SELECT 1 FROM places p WHERE p.id = m.place_id) \
                     OR NOT EXISTS (SELECT 1 FROM users u WHERE u.id = m.user_id)",
                )
                .fetch_one(pool)
                .await?;
                Ok(if orphans == 0 {
                    vec!["ok".into()]
                } else {
                    vec![format!("{orphans} broken manager links")]
                })
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        with_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}
