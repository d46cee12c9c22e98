//! `maillage backup`, `maillage restore`, `maillage user export|erase`: backups and the
//! personal-data rights of accounts, from the command line.

use crate::config::Config;
use anyhow::{Context, Result};
use maillage_app::permissions::{Grant, Role, Scope};
use maillage_app::{App, AppError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The SQLite file of a `sqlite:` URL, `None` for PostgreSQL.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// The URL with its password hidden, for printed commands and `Debug`.
pub(crate) fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn postgres_help(url: &str, file: &Path, restore: bool) -> ExitCode {
    let url = hide_password(url);
    let file = file.display();
    if restore {
        eprintln!(
            "PostgreSQL : maillage ne restaure pas lui-même ; arrêtez les serveurs, puis / PostgreSQL: maillage does not restore by itself; stop the servers, then:\n\
             \n  pg_restore --clean --if-exists --no-owner --dbname '{url}' '{file}'\n\
             \nensuite `maillage serve` applique les migrations manquantes / then `maillage serve` applies any pending migrations."
        );
    } else {
        eprintln!(
            "PostgreSQL : maillage ne sauvegarde pas lui-même ; utilisez / PostgreSQL: maillage does not back up by itself; use:\n\
             \n  pg_dump -Fc --file '{file}' '{url}'\n\
             \n(sauvegarde cohérente, serveurs en marche / a consistent backup, servers running)"
        );
    }
    ExitCode::from(1)
}

pub async fn backup(config: &Config, file: &Path) -> Result<ExitCode> {
    let url = config.database_url();
    if sqlite_path(&url).is_none() {
        return Ok(postgres_help(&url, file, false));
    }
    let app = crate::open_app(config).await?;
    match app.backup_to(&crate::cli_actor(), file).await? {
        Ok(s) => {
            println!(
                "sauvegarde / backup: {} ({} octets / bytes, {} comptes / accounts, {} lieux / places, intégrité / integrity ok)",
                file.display(),
                s.bytes,
                s.users,
                s.places
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn restore(config: &Config, file: &Path) -> Result<ExitCode> {
    let url = config.database_url();
    let Some(target) = sqlite_path(&url) else { return Ok(postgres_help(&url, file, true)) };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    match maillage_store::restore_sqlite(file, &target).await {
        Ok(s) => {
            println!(
                "restauré / restored: {} → {} ({} comptes / accounts, {} lieux / places, {} migration(s) appliquée(s) / applied)",
                file.display(),
                target.display(),
                s.users,
                s.places,
                s.migrations_applied
            );
            if let Some(previous) = s.previous {
                println!("base précédente conservée / previous database kept: {}", previous.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            eprintln!("rien n'a été modifié / nothing was changed");
            Ok(ExitCode::from(1))
        }
    }
}

fn unknown(email: &str, e: AppError) -> Result<ExitCode> {
    match e {
        AppError::NotFound => {
            eprintln!("aucun compte pour / no account for {email}");
            Ok(ExitCode::from(2))
        }
        AppError::Validation(v) => {
            for e in &v.errors {
                eprintln!("{}: {} / {}", e.field, e.message_fr(), e.message_en());
            }
            Ok(ExitCode::from(2))
        }
        other => Err(other.into()),
    }
}

pub async fn export(app: &App, email: &str, out: Option<&Path>) -> Result<ExitCode> {
    let data = match app.personal_data_of(&crate::cli_actor(), email).await {
        Ok(d) => d,
        Err(e) => return unknown(email, e),
    };
    let mut json = serde_json::to_vec_pretty(&data)?;
    json.push(b'\n');
    match out {
        Some(path) => {
            if std::fs::symlink_metadata(path).is_ok() {
                eprintln!("{} existe déjà / already exists", path.display());
                return Ok(ExitCode::from(2));
            }
            std::fs::write(path, &json).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("données de / data of {email}: {}", path.display());
        }
        None => std::io::stdout().write_all(&json)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `maillage user grant|revoke EMAIL ROLE [SCOPE]`. The scope defaults to the platform
/// (the only scope of `admin`).
pub async fn grant(app: &App, email: &str, role: Role, scope: Option<Scope>, give: bool) -> Result<ExitCode> {
    let scope = scope.unwrap_or(Scope::Platform);
    let grant = match Grant::new(role, scope) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("SCOPE: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let actor = crate::cli_actor();
    if give {
        match app.grant_role(&actor, email, grant).await {
            Ok(true) => println!("rôle donné / role granted: {email} {grant}"),
            Ok(false) => println!("rôle déjà tenu / role already held: {email} {grant}"),
            Err(e) => return unknown(email, e),
        }
    } else {
        match app.revoke_role(&actor, email, grant).await {
            Ok(()) => println!("rôle retiré / role revoked: {email} {grant}"),
            Err(e) => return unknown(email, e),
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn erase(app: &App, email: &str, yes: bool) -> Result<ExitCode> {
    if !yes {
        eprintln!(
            "la suppression est définitive : relancez avec --yes pour confirmer / erasing is final: run again with --yes to confirm"
        );
        return Ok(ExitCode::from(2));
    }
    let erased = match app.erase_account_of(&crate::cli_actor(), email).await {
        Ok(e) => e,
        Err(e) => return unknown(email, e),
    };
    println!(
        "compte supprimé / account erased: {} ({} lieu(x) conservé(s) / place(s) kept)",
        erased.user.email,
        erased.places.len()
    );
    for place in &erased.without_manager {
        println!(
            "lieu sans gestionnaire (les administrateurs le gèrent) / place without a manager (admins manage it): {place}"
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_give_their_file_and_passwords_are_hidden() {
        assert_eq!(sqlite_path("sqlite://./d/m.sqlite3"), Some(PathBuf::from("./d/m.sqlite3")));
        assert_eq!(sqlite_path("sqlite:///abs/m.sqlite3?mode=rwc"), Some(PathBuf::from("/abs/m.sqlite3")));
        assert_eq!(sqlite_path("postgres://u:p@h/db"), None);
        assert_eq!(hide_password("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(hide_password("postgres://u@h/db"), "postgres://u@h/db");
    }
}
