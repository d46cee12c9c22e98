//! Backups of the SQLite database and restoring one. PostgreSQL is backed up with its own
//! tools (`pg_dump -Fc`, `pg_restore --clean`): see the README.
//!
//! A backup is `VACUUM INTO`: a consistent copy taken while the server runs (one read
//! transaction), compacted, in rollback-journal mode (one self-contained file), checked with
//! `PRAGMA integrity_check`.
//!
//! A restore never touches the current database until the copy to install is known good:
//! the file is copied beside the database (`<db>.restoring`), that copy is checked
//! (SQLite header and size, `integrity_check`, the migrations table of a Maillage database,
//! foreign keys) and brought up to date (pending migrations); only then is the current file
//! kept as `<db>.before-restore` and the copy renamed over it (an atomic rename in the
//! same directory). The current database must not be open elsewhere: a running server
//! holds it, and the restore refuses (it asks for an exclusive lock).

use crate::pool::with_db;
use crate::{Backend, Store, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a backup or a restore did not happen. Messages are French first, English second.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{} existe déjà : choisissez un autre nom / already exists: choose another name", .0.display())]
    Exists(PathBuf),
    #[error(
        "sur PostgreSQL, sauvegardez avec pg_dump et restaurez avec pg_restore / on PostgreSQL, back up with pg_dump and restore with pg_restore"
    )]
    Postgres,
    #[error("{} : ce n'est pas une base SQLite / not a SQLite database", .0.display())]
    NotSqlite(PathBuf),
    #[error("{} : fichier tronqué ou abîmé ({}) / truncated or damaged file", .0.display(), .1)]
    Damaged(PathBuf, String),
    #[error(
        "{} : base SQLite qui n'est pas une base Maillage ({}) / a SQLite database that is not a Maillage database", .0.display(), .1
    )]
    NotMaillage(PathBuf, String),
    #[error(
        "{} : sauvegarde d'une version plus récente de Maillage (migration {} inconnue) : mettez Maillage à jour / backup from a newer Maillage (unknown migration): upgrade first", .0.display(), .1
    )]
    Newer(PathBuf, i64),
    #[error(
        "{} est ouverte par un autre programme (maillage serve ?) : arrêtez-le avant de restaurer / is open by another program (maillage serve?): stop it before restoring", .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "{} existe déjà (restauration précédente) : déplacez-le ou supprimez-le d'abord / already exists (an earlier restore): move or delete it first", .0.display()
    )]
    PreviousKept(PathBuf),
    #[error("{} : {}", .0.display(), .1)]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for BackupError {
    fn from(e: sqlx::Error) -> Self {
        BackupError::Store(e.into())
    }
}

/// What a backup or a restore holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupSummary {
    pub bytes: u64,
    pub users: u64,
    pub places: u64,
    /// Restore only: migrations applied to the copy (it came from an older version).
    pub migrations_applied: usize,
    /// Restore only: where the database that was replaced is kept.
    pub previous: Option<PathBuf>,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// `path` with `suffix` appended to its file name (`a.sqlite3` → `a.sqlite3.suffix`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(path.to_owned(), e)
}

impl Store {
    /// Write a consistent copy of the SQLite database to `path` (which must not exist),
    /// while the server keeps running, and check the copy. On PostgreSQL:
    /// [`BackupError::Postgres`] (use `pg_dump`).
    pub async fn backup_to(&self, path: &Path) -> Result<BackupSummary, BackupError> {
        if self.backend() != Backend::Sqlite {
            return Err(BackupError::Postgres);
        }
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(BackupError::Exists(path.to_owned()));
        }
        let Some(target) = path.to_str() else {
            return Err(BackupError::Io(
                path.to_owned(),
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "chemin non UTF-8 / not a UTF-8 path"),
            ));
        };
        // One read transaction: the copy is the database as of one instant.
        with_db!(self, pool => sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await.map(|_| ()))?;
        let summary = check_copy(path, false).await;
        if summary.is_err() {
            let _ = std::fs::remove_file(path);
        }
        summary
    }
}

/// Check that a file starts like a SQLite database and is as long as its header says.
fn check_header(path: &Path) -> Result<(), BackupError> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    let mut header = [0u8; 100];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]).map_err(io(path))? {
            0 => break,
            n => read += n,
        }
    }
    if read < SQLITE_MAGIC.len() || &header[..16] != SQLITE_MAGIC {
        return Err(BackupError::NotSqlite(path.to_owned()));
    }
    if read < header.len() {
        return Err(BackupError::Damaged(path.to_owned(), format!("{len} octets / bytes")));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536u64,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    // The page count in the header is valid when "version-valid-for" matches the change counter.
    let count_valid = header[24..28] == header[92..96];
    if page_size < 512 || len % page_size != 0 || (count_valid && len < pages * page_size) {
        return Err(BackupError::Damaged(
            path.to_owned(),
            format!("{len} octets / bytes, {} attendus / expected", pages * page_size),
        ));
    }
    Ok(())
}

async fn open(path: &Path, read_only: bool) -> Result<SqliteConnection, BackupError> {
    let mut options = SqliteConnectOptions::new().filename(path).create_if_missing(false).foreign_keys(true);
    options = if read_only {
        options.read_only(true).immutable(true)
    } else {
        options.journal_mode(SqliteJournalMode::Delete)
    };
    options.connect().await.map_err(|e| BackupError::Damaged(path.to_owned(), e.to_string()))
}

async fn integrity(conn: &mut SqliteConnection, path: &Path) -> Result<(), BackupError> {
    let damaged = |m: String| BackupError::Damaged(path.to_owned(), m.chars().take(300).collect());
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    if rows != ["ok"] {
        return Err(damaged(rows.join("; ")));
    }
    let broken: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| damaged(e.to_string()))?;
    if let Some((table,)) = broken.first() {
        return Err(damaged(format!("foreign_key_check: {table}")));
    }
    Ok(())
}

/// The migrations of this version of Maillage, for SQLite.
fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

/// Check that the database is a Maillage one this version can open; the number of
/// migrations it still lacks.
async fn check_maillage(conn: &mut SqliteConnection, path: &Path) -> Result<usize, BackupError> {
    let not_maillage = |m: &str| BackupError::NotMaillage(path.to_owned(), m.to_owned());
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| BackupError::Damaged(path.to_owned(), e.to_string()))?;
    for table in ["_sqlx_migrations", "meta", "users", "places", "place_managers", "sessions"] {
        if !tables.iter().any(|t| t == table) {
            return Err(not_maillage(&format!("table {table} absente / missing")));
        }
    }
    let applied: Vec<(i64, Vec<u8>, bool)> =
        sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| not_maillage(&e.to_string()))?;
    let migrator = migrator();
    if applied.is_empty() {
        return Err(not_maillage("aucune migration / no migration"));
    }
    for (version, checksum, success) in &applied {
        let Some(known) = migrator.iter().find(|m| m.version == *version) else {
            return Err(BackupError::Newer(path.to_owned(), *version));
        };
        if !success {
            return Err(not_maillage(&format!("migration {version} inachevée / unfinished")));
        }
        if known.checksum.as_ref() != checksum.as_slice() {
            return Err(not_maillage(&format!("migration {version} différente / differs")));
        }
    }
    Ok(migrator.iter().filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version)).count())
}

async fn counts(conn: &mut SqliteConnection) -> Result<(u64, u64), BackupError> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut *conn).await?;
    let places: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM places").fetch_one(&mut *conn).await?;
    Ok((users as u64, places as u64))
}

/// Check a copy: header, integrity, a Maillage database. `upgrade`: also apply pending
/// migrations (the copy is writable).
async fn check_copy(path: &Path, upgrade: bool) -> Result<BackupSummary, BackupError> {
    check_header(path)?;
    let mut conn = open(path, !upgrade).await?;
    integrity(&mut conn, path).await?;
    let pending = check_maillage(&mut conn, path).await?;
    if upgrade && pending > 0 {
        migrator().run(&mut conn).await.map_err(StoreError::from)?;
    }
    let (users, places) = counts(&mut conn).await?;
    conn.close().await?;
    let bytes = std::fs::metadata(path).map_err(io(path))?.len();
    Ok(BackupSummary {
        bytes,
        users,
        places,
        migrations_applied: if upgrade { pending } else { 0 },
        previous: None,
    })
}

/// Take the current database for ourselves (refused while another program has it open),
/// fold its write-ahead log into the file and leave WAL mode, so that the file stands alone.
async fn take_over(target: &Path) -> Result<(), BackupError> {
    let options = SqliteConnectOptions::new()
        .filename(target)
        .create_if_missing(false)
        .locking_mode(SqliteLockingMode::Exclusive)
        .busy_timeout(Duration::from_millis(500));
    let in_use = |e: &sqlx::Error| {
        let m = e.to_string().to_lowercase();
        m.contains("locked") || m.contains("busy")
    };
    let mut conn = match options.connect().await {
        Ok(c) => c,
        Err(e) if in_use(&e) => return Err(BackupError::InUse(target.to_owned())),
        Err(e) => return Err(e.into()),
    };
    for statement in
        ["BEGIN EXCLUSIVE", "COMMIT", "PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA journal_mode = DELETE"]
    {
        if let Err(e) = sqlx::query(statement).execute(&mut conn).await {
            let _ = conn.close().await;
            return Err(if in_use(&e) { BackupError::InUse(target.to_owned()) } else { e.into() });
        }
    }
    conn.close().await?;
    Ok(())
}

/// Replace the SQLite database at `target` with the backup `file`, keeping the current one
/// as `<target>.before-restore`. Nothing is changed when the backup is not a sound Maillage
/// database or the current one is in use.
pub async fn restore_sqlite(file: &Path, target: &Path) -> Result<BackupSummary, BackupError> {
    let previous = with_suffix(target, ".before-restore");
    check_header(file)?;
    let staging = with_suffix(target, ".restoring");
    for stale in [staging.clone(), with_suffix(&staging, "-journal")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::Io(stale, e)),
        }
    }
    std::fs::copy(file, &staging).map_err(io(&staging))?;
    // Check the copy itself (what will be installed), then bring it up to date.
    let mut summary = match check_copy(&staging, true).await {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&staging);
            // Name the file given, not the staging copy.
            return Err(match e {
                BackupError::Damaged(_, m) => BackupError::Damaged(file.to_owned(), m),
                BackupError::NotMaillage(_, m) => BackupError::NotMaillage(file.to_owned(), m),
                BackupError::Newer(_, v) => BackupError::Newer(file.to_owned(), v),
                BackupError::NotSqlite(_) => BackupError::NotSqlite(file.to_owned()),
                other => other,
            });
        }
    };
    if std::fs::symlink_metadata(&previous).is_ok() {
        let _ = std::fs::remove_file(&staging);
        return Err(BackupError::PreviousKept(previous));
    }
    if std::fs::symlink_metadata(target).is_ok() {
        if let Err(e) = take_over(target).await {
            let _ = std::fs::remove_file(&staging);
            return Err(e);
        }
        // Keep the current database: a second name for it, or a copy.
        if std::fs::hard_link(target, &previous).is_err() {
            std::fs::copy(target, &previous).map_err(io(&previous))?;
        }
        summary.previous = Some(previous);
    }
    std::fs::rename(&staging, target).map_err(io(target))?;
    // Side files of the replaced database: its log was folded in and emptied above.
    for side in ["-wal", "-shm", "-journal"] {
        let side = with_suffix(target, side);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(BackupError::Io(side, e)),
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_appended_to_the_file_name() {
        assert_eq!(
            with_suffix(Path::new("/d/maillage.sqlite3"), ".before-restore"),
            PathBuf::from("/d/maillage.sqlite3.before-restore")
        );
    }

    #[test]
    fn a_text_file_is_not_sqlite_and_a_cut_one_is_damaged() {
        let dir = tempfile_dir();
        let text = dir.join("a.txt");
        std::fs::write(&text, "id,name\n1,x\n").unwrap();
        assert!(matches!(check_header(&text), Err(BackupError::NotSqlite(_))));
        let mut cut = SQLITE_MAGIC.to_vec();
        cut.extend_from_slice(&[0x10, 0x00]);
        cut.resize(100, 0);
        cut[31] = 10; // 10 pages of 4096 bytes announced
        cut.resize(4096 * 3, 0);
        let cut_path = dir.join("cut.sqlite3");
        std::fs::write(&cut_path, &cut).unwrap();
        assert!(matches!(check_header(&cut_path), Err(BackupError::Damaged(..))));
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("maillage-backup-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
