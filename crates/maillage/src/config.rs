//! Configuration: built-in defaults, then an optional TOML file, then `MAILLAGE_*`
//! environment variables (`MAILLAGE_MAIL__SMTP_URL` sets `[mail] smtp_url`).

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
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
    pub server: Server,
    pub jobs: Jobs,
}

// The database URL may hold a password: `Debug` (logs, panics) shows it hidden.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("database_url", &crate::rights::hide_password(&self.database_url))
            .field("base_url", &self.base_url)
            .field("log", &self.log)
            .field("mail", &self.mail)
            .field("map", &self.map)
            .field("security", &self.security)
            .field("server", &self.server)
            .field("jobs", &self.jobs)
            .finish()
    }
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
    pub trusted_proxy_hops: u64,
    /// Kept for existing configurations: `true` means one proxy hop.
    pub trust_proxy_headers: bool,
    pub secure_cookies: bool,
    pub hsts: String,
    pub writes_per_minute: u64,
    pub account_writes_per_minute: u64,
    pub login_max_attempts: u64,
    pub login_max_delay_seconds: u64,
    pub login_failures_per_address: u64,
    pub login_window_minutes: i64,
    pub session_days: i64,
    pub max_body_mb: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    pub header_timeout_seconds: u64,
    pub request_timeout_seconds: u64,
    pub max_connections: u64,
    pub database_wait_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Jobs {
    pub concurrency: u64,
    pub poll_interval_ms: u64,
    pub keep_done_days: u64,
    pub keep_failed_days: u64,
}

impl Default for Jobs {
    fn default() -> Self {
        Self { concurrency: 4, poll_interval_ms: 1000, keep_done_days: 7, keep_failed_days: 30 }
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 10,
            request_timeout_seconds: 120,
            max_connections: 1024,
            database_wait_ms: 2000,
        }
    }
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
            server: Server::default(),
            jobs: Jobs::default(),
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
            trusted_proxy_hops: 0,
            trust_proxy_headers: false,
            secure_cookies: false,
            hsts: "auto".into(),
            writes_per_minute: 120,
            account_writes_per_minute: 300,
            login_max_attempts: 5,
            login_max_delay_seconds: 300,
            login_failures_per_address: 30,
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
# How many reverse proxies of yours stand in front of the server (0: none, the client is
# the TCP peer and X-Forwarded-For is ignored). With N, the client is the N-th address
# from the right of X-Forwarded-For: the one your outermost proxy saw. Addresses further
# left are written by the client and never trusted. Set it to exactly the number of
# proxies: too high, and clients choose their own address (and escape rate limits).
trusted_proxy_hops = 0
# Older setting, kept for existing files: true counts as trusted_proxy_hops = 1.
trust_proxy_headers = false
# Mark cookies Secure: set to true when the site is served over HTTPS.
secure_cookies = false
# Strict-Transport-Security (browsers then use HTTPS only, for a year, subdomains too):
# "auto" sends it when base_url starts with https://; "on" or "off" to decide yourself.
hsts = "auto"
# Writes (form posts, API writes) allowed per minute from one address when not signed in;
# also territorial analyses per minute, per account or (not signed in) per address.
writes_per_minute = 120
# Writes allowed per minute per signed-in account, wherever it writes from (people behind
# one shared address each have their own budget).
account_writes_per_minute = 300
# Login attempts allowed at once for one account from one address; then each further one
# from that address waits 1 s, 2 s, 4 s… up to login_max_delay_seconds (a success starts
# again from zero). The owner signing in from another address is not held up.
login_max_attempts = 5
login_max_delay_seconds = 300
# Failed logins allowed per address, all accounts together, in the window below
# (successful logins do not count); an account's attempts are forgotten after a window
# without any.
login_failures_per_address = 30
login_window_minutes = 15
# How long a session lasts, in days.
session_days = 14
# Largest upload (imports), in megabytes.
max_body_mb = 20

[server]
# Longest wait for a request's headers, and for the next request on an idle connection;
# the connection is closed beyond it (slow or idle clients cannot hold connections).
header_timeout_seconds = 10
# Longest a whole request may take until its answer starts, reading the upload included
# (mind large imports on slow links); beyond it: 503, retry later.
request_timeout_seconds = 120
# Connections served at once; further ones wait to be accepted.
max_connections = 1024
# Longest wait for a database connection; beyond it (database down or overloaded) pages
# and the API answer 503 with Retry-After instead of hanging.
database_wait_ms = 2000

[jobs]
# Background jobs (mail, purges) run at once by this server. Each server runs its own
# runner; with several servers on one PostgreSQL database, each job still runs once.
concurrency = 4
# How often the queue is read for jobs enqueued elsewhere (another server, a command);
# jobs enqueued by this server start at once.
poll_interval_ms = 1000
# Finished jobs are kept this long (for `maillage jobs list`), then deleted.
keep_done_days = 7
keep_failed_days = 30
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
        if config.jobs.concurrency == 0 {
            bail!("jobs.concurrency: at least 1 (no job would ever run)");
        }
        if config.jobs.poll_interval_ms == 0 {
            bail!("jobs.poll_interval_ms: at least 1");
        }
        Ok(config)
    }

    /// Proxy hops to trust: `trusted_proxy_hops`, or 1 for the older
    /// `trust_proxy_headers = true`.
    pub fn proxy_hops(&self) -> usize {
        match (self.security.trusted_proxy_hops, self.security.trust_proxy_headers) {
            (0, true) => 1,
            (n, _) => n as usize,
        }
    }

    /// Whether to send Strict-Transport-Security.
    pub fn hsts(&self) -> Result<bool> {
        match self.security.hsts.trim().to_lowercase().as_str() {
            "auto" | "" => Ok(self.base_url.starts_with("https://")),
            "on" | "true" | "yes" | "1" => Ok(true),
            "off" | "false" | "no" | "0" => Ok(false),
            other => bail!("security.hsts: expected auto, on or off, got {other:?}"),
        }
    }

    /// The job runner's settings.
    pub fn jobs_config(&self) -> maillage_app::jobs::JobsConfig {
        let day = std::time::Duration::from_secs(86_400);
        maillage_app::jobs::JobsConfig {
            concurrency: self.jobs.concurrency.clamp(1, 1024) as usize,
            poll_interval: std::time::Duration::from_millis(self.jobs.poll_interval_ms.max(1)),
            keep_done: day.saturating_mul(self.jobs.keep_done_days.min(36_500) as u32),
            keep_failed: day.saturating_mul(self.jobs.keep_failed_days.min(36_500) as u32),
            ..maillage_app::jobs::JobsConfig::default()
        }
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
    fn debug_output_never_shows_a_password() {
        let config = Config {
            database_url: "postgres://maillage:s3cret-db@db.example/maillage".into(),
            mail: Mail { from: "a@b.fr".into(), smtp_url: "smtps://u:s3cret-mail@smtp.example:465".into() },
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("postgres://maillage:***@db.example/maillage"), "{shown}");
    }

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
    fn proxy_hops_and_hsts_follow_the_settings() {
        let c = |vars: &'static [(&'static str, &'static str)]| {
            Config::load_with(None, &|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| (*v).to_owned()))
                .unwrap()
        };
        assert_eq!(c(&[]).proxy_hops(), 0);
        assert_eq!(
            c(&[("MAILLAGE_SECURITY__TRUST_PROXY_HEADERS", "true")]).proxy_hops(),
            1,
            "the older setting"
        );
        assert_eq!(c(&[("MAILLAGE_SECURITY__TRUSTED_PROXY_HOPS", "2")]).proxy_hops(), 2);
        assert!(!c(&[]).hsts().unwrap(), "plain http: no HSTS");
        assert!(c(&[("MAILLAGE_BASE_URL", "https://tiers-lieux.example.org")]).hsts().unwrap());
        let off = c(&[("MAILLAGE_BASE_URL", "https://x.example.org"), ("MAILLAGE_SECURITY__HSTS", "off")]);
        assert!(!off.hsts().unwrap());
        assert!(c(&[("MAILLAGE_SECURITY__HSTS", "on")]).hsts().unwrap());
        assert!(c(&[("MAILLAGE_SECURITY__HSTS", "parfois")]).hsts().is_err());
    }

    #[test]
    fn the_jobs_section_comes_from_the_file_then_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.toml");
        std::fs::write(&path, "[jobs]\nconcurrency = 2\npoll_interval_ms = 250\n").unwrap();
        let env = |k: &str| (k == "MAILLAGE_JOBS__CONCURRENCY").then(|| "8".to_owned());
        let c = Config::load_with(Some(&path), &env).unwrap();
        let jobs = c.jobs_config();
        assert_eq!(jobs.concurrency, 8, "the environment wins");
        assert_eq!(jobs.poll_interval, std::time::Duration::from_millis(250));
        assert_eq!(jobs.keep_done, std::time::Duration::from_secs(7 * 86_400), "a default");
        let none = |k: &str| (k == "MAILLAGE_JOBS__CONCURRENCY").then(|| "0".to_owned());
        let err = Config::load_with(None, &none).unwrap_err().to_string();
        assert!(err.contains("jobs.concurrency"), "{err}");
        std::fs::write(&path, "[jobs]\nworkers = 2\n").unwrap();
        assert!(Config::load_with(Some(&path), &|_| None).is_err(), "unknown key");
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
