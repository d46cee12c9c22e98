//! Configuration: built-in defaults, then an optional TOML file, then `MAILLAGE_*`
//! environment variables (`MAILLAGE_MAIL__SMTP_URL` sets `[mail] smtp_url`).

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub listen: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub base_url: String,
    pub log: String,
    pub mail: Mail,
    pub map: Map,
    pub security: Security,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mail {
    pub from: String,
    pub smtp_url: String,
}

// The SMTP URL may hold a password: never printed.
impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("from", &self.from)
            .field("smtp_url", &if self.smtp_url.is_empty() { "" } else { "***" })
            .finish()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Map {
    pub tile_url: String,
    pub tile_attribution: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub trust_proxy_headers: bool,
    pub secure_cookies: bool,
    pub writes_per_minute: u64,
    pub login_max_attempts: u64,
    pub login_window_minutes: i64,
    pub session_days: i64,
    pub max_body_mb: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./maillage-data"),
            database_url: String::new(),
            base_url: String::new(),
            log: "info".into(),
            mail: Mail::default(),
            map: Map::default(),
            security: Security::default(),
        }
    }
}

impl Default for Mail {
    fn default() -> Self {
        Self { from: "Maillage <ne-pas-repondre@maillage.invalid>".into(), smtp_url: String::new() }
    }
}

impl Default for Security {
    fn default() -> Self {
        Self {
            trust_proxy_headers: false,
            secure_cookies: false,
            writes_per_minute: 120,
            login_max_attempts: 5,
            login_window_minutes: 15,
            session_days: 14,
            max_body_mb: 20,
        }
    }
}

/// The default file, with a comment per field (`maillage config default`).
pub const DEFAULT_FILE: &str = r#"# Maillage configuration. Every value can also be set by an environment variable:
# MAILLAGE_ + the key in capitals, with __ between a section and its key
# (e.g. MAILLAGE_LISTEN, MAILLAGE_MAIL__SMTP_URL). Environment wins over this file.

# Address and port the server listens on.
listen = "127.0.0.1:8080"
# Directory of the SQLite database, the mail outbox and other files.
data_dir = "./maillage-data"
# Database: empty for a SQLite file in data_dir, or postgres://user:password@host/db.
database_url = ""
# Public address of the site, used in emails and links (default: http://<listen>).
base_url = ""
# Log level or filter (error, warn, info, debug; or e.g. "info,maillage_web=debug").
log = "info"

[mail]
# Sender of emails (password reset links).
from = "Maillage <ne-pas-repondre@maillage.invalid>"
# SMTP server, e.g. smtps://user:password@smtp.example.org:465. Empty: emails are written
# as .eml files in <data_dir>/outbox (works offline).
smtp_url = ""

[map]
# Tile server URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png.
# Empty: the map draws the shipped département boundaries only (works offline).
tile_url = ""
# Attribution shown on the map for those tiles (HTML allowed by Leaflet is not: plain text).
tile_attribution = ""

[security]
# Take the client address from X-Forwarded-For: only behind a trusted reverse proxy.
trust_proxy_headers = false
# Mark cookies Secure: set to true when the site is served over HTTPS.
secure_cookies = false
# Writes (form posts, API writes) allowed per client address per minute.
writes_per_minute = 120
# Failed logins allowed per account in the window below (4 times that per address).
login_max_attempts = 5
login_window_minutes = 15
# How long a session lasts, in days.
session_days = 14
# Largest upload (imports), in megabytes.
max_body_mb = 20
"#;

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Overlay `MAILLAGE_*` variables on the keys the table has (typed like the defaults).
fn overlay_env(table: &mut toml::Table, prefix: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<()> {
    for (key, value) in table.iter_mut() {
        let var = format!("{prefix}{}", key.to_uppercase());
        match value {
            toml::Value::Table(t) => overlay_env(t, &format!("{var}__"), env)?,
            _ => {
                if let Some(raw) = env(&var) {
                    *value = match value {
                        toml::Value::Boolean(_) => toml::Value::Boolean(match raw.to_lowercase().as_str() {
                            "1" | "true" | "yes" | "on" => true,
                            "0" | "false" | "no" | "off" | "" => false,
                            _ => bail!("{var}: expected true or false, got {raw:?}"),
                        }),
                        toml::Value::Integer(_) => toml::Value::Integer(
                            raw.trim()
                                .parse()
                                .with_context(|| format!("{var}: expected a whole number, got {raw:?}"))?,
                        ),
                        _ => toml::Value::String(raw),
                    };
                }
            }
        }
    }
    Ok(())
}

impl Config {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        Self::load_with(file, &|k| std::env::var(k).ok())
    }

    pub fn load_with(file: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Config> {
        let mut table = toml::Table::try_from(Config::default()).context("default configuration")?;
        if let Some(path) = file {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            let over: toml::Table =
                toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
            // Unknown keys are refused (typos must not pass silently).
            let _: Config = over
                .clone()
                .try_into()
                .with_context(|| format!("invalid configuration in {}", path.display()))?;
            merge(&mut table, over);
        }
        overlay_env(&mut table, "MAILLAGE_", env)?;
        let mut config: Config = table.try_into().context("invalid configuration")?;
        if config.base_url.is_empty() {
            config.base_url = format!("http://{}", config.listen);
        }
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("maillage.sqlite3").display())
        } else {
            self.database_url.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_the_defaults() {
        let from_file: Config = toml::from_str(DEFAULT_FILE).unwrap();
        let defaults = Config::default();
        assert_eq!(toml::to_string(&from_file).unwrap(), toml::to_string(&defaults).unwrap());
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "listen = \"0.0.0.0:9000\"\n[security]\nsession_days = 3\n").unwrap();
        let env = |k: &str| match k {
            "MAILLAGE_SECURITY__SESSION_DAYS" => Some("7".to_owned()),
            "MAILLAGE_MAIL__SMTP_URL" => Some("smtp://secret@host".to_owned()),
            _ => None,
        };
        let c = Config::load_with(Some(&path), &env).unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        assert_eq!(c.security.session_days, 7);
        assert_eq!(c.base_url, "http://0.0.0.0:9000");
        assert!(!format!("{c:?}").contains("secret"), "secrets are hidden in Debug");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        assert!(Config::load_with(Some(&path), &|_| None).is_err());
        let env = |k: &str| (k == "MAILLAGE_SECURITY__SECURE_COOKIES").then(|| "peut-être".to_owned());
        let err = Config::load_with(None, &env).unwrap_err().to_string();
        assert!(err.contains("MAILLAGE_SECURITY__SECURE_COOKIES"), "{err}");
    }
}
