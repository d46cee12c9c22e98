#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod communities;
pub mod error;
pub mod history;
pub mod jobs;
pub mod mail;
pub mod moderation;
pub mod networks;
pub mod operations;
pub mod permissions;
pub mod places;
pub mod rights;
pub mod roles;
pub mod search;
pub mod security;
pub mod territory;
pub mod transfer;

pub use error::{AppError, AppResult, Chain};
pub use maillage_domain::user::{Actor, User};
pub use maillage_interop::Format;
pub use maillage_store::{
    BackupError, BackupSummary, CounterHit, ListPage, PlaceFilter, PlaceSort, Store, UserRecord,
};
pub use maillage_territory::Reference;

use mail::Mailer;

/// Settings the use cases need.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Public URL of the site, used in emails (e.g. `https://maillage.example.org`).
    pub base_url: String,
    /// Sender of emails.
    pub mail_from: String,
    /// How long a session lasts, in days.
    pub session_days: i64,
    /// Login attempts allowed at once for one account from one address; then each further
    /// attempt from that address waits 1 s, 2 s, 4 s… up to `login_max_delay_s` (a success
    /// starts again from zero). Other addresses are not held up.
    pub login_max_attempts: u64,
    pub login_max_delay_s: u64,
    /// Failed logins allowed per address, all accounts together, in the window below
    /// (successful logins do not count); an account's attempts are forgotten after a
    /// window without any.
    pub login_failures_per_address: u64,
    pub login_window_minutes: i64,
    /// How long a password-reset link is valid, in minutes.
    pub reset_valid_minutes: i64,
    /// The job runner.
    pub jobs: jobs::JobsConfig,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".into(),
            mail_from: "Maillage <ne-pas-repondre@maillage.invalid>".into(),
            session_days: 14,
            login_max_attempts: 5,
            login_max_delay_s: 300,
            login_failures_per_address: 30,
            login_window_minutes: 15,
            reset_valid_minutes: 60,
            jobs: jobs::JobsConfig::default(),
        }
    }
}

/// The application: every use case goes through here, where permissions, validation and
/// storage meet.
#[derive(Clone, Debug)]
pub struct App {
    /// Reached only through the app's use cases: no other crate names the store (CI's
    /// layering check), so every permission check lives here.
    store: Store,
    pub reference: &'static Reference,
    pub mailer: Mailer,
    pub config: AppConfig,
    /// Whether this application runs its job runner (one per process: [`App::start_jobs`]).
    jobs_started: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Networks' figures computed, kept per revision.
    figures: std::sync::Arc<networks::FiguresCache>,
    /// Potential duplicates found, kept per revision of the places.
    duplicates: std::sync::Arc<moderation::DuplicatesCache>,
}

impl App {
    /// The store, for tests that set up or inspect data directly (feature `testing`, on
    /// for this workspace's tests only).
    #[cfg(feature = "testing")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn new(store: Store, mailer: Mailer, config: AppConfig) -> Self {
        Self {
            store,
            reference: Reference::shared(),
            mailer,
            config,
            jobs_started: Default::default(),
            figures: Default::default(),
            duplicates: Default::default(),
        }
    }
}
