//! Personal data (GDPR): a signed-in person downloads everything stored about them and
//! erases their account; an administrator does the same on request (command line).
//!
//! Erasing an account keeps the places the person managed (they belong to the directory):
//! only the manager links go, and the history keeps what the person changed but no longer
//! who they were ("compte supprimé"). A place left without any manager stays as it is, visible and
//! editable by administrators. Sessions, password-reset links and the rate-limit counters
//! keyed by the person's address go with the account, in one transaction.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::permissions::{Action, Grant, Resource};
use crate::security::{self, token_hash, verify_password};
use chrono::{DateTime, Utc};
use maillage_domain::fields::Email;
use maillage_domain::messages::Message;
use maillage_domain::user::{Actor, User};
use maillage_domain::{FieldError, Place, PlaceId, UserId, ValidationErrors};
use maillage_store::UserRecord;
use serde::Serialize;

/// The identifier of the download format (change it when fields change meaning).
pub const PERSONAL_DATA_FORMAT: &str = "maillage-personal-data/2";

/// Everything Maillage stores about a person, as downloaded (never the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct PersonalData {
    pub format: &'static str,
    pub exported_at: DateTime<Utc>,
    pub account: AccountData,
    /// The places the person manages, whole, with their status and version.
    pub places_managed: Vec<Place>,
    pub sessions: SessionsData,
    pub password_resets: Vec<ResetData>,
    /// Failed sign-ins and reset requests counted against the address (rate limits).
    pub rate_limit_events: u64,
    /// The changes the person made to content (places…), oldest first: what, when, each
    /// field's value before and after.
    pub changes: Vec<ChangeData>,
    /// The network memberships the person asked for (a place's request, a network's
    /// invitation) or decided on, with the messages written.
    pub network_memberships: Vec<MembershipData>,
    /// The publications the person wrote in communities (with those removed, and why).
    pub publications: Vec<PublicationData>,
    /// The person's requests to join communities, waiting or declined (with the answer).
    pub community_requests: Vec<CommunityRequestData>,
    /// The edits the person proposed, with the decision and its reason.
    pub proposals: Vec<maillage_domain::moderation::Proposal>,
    /// The problems the person reported (signed in), with the note of whoever closed them.
    pub reports: Vec<maillage_domain::moderation::Report>,
    /// What is not in the file, and why.
    pub notes: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MembershipData {
    pub network_id: String,
    pub network_name: String,
    pub place_id: String,
    pub place_name: String,
    /// `requested`, `invited`, `member`, `declined`.
    pub status: &'static str,
    pub asked_by_you: bool,
    pub asked_at: DateTime<Utc>,
    pub message: String,
    pub decided_by_you: bool,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicationData {
    pub id: String,
    pub community_id: String,
    pub community_name: String,
    pub title: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub removed_at: Option<DateTime<Utc>>,
    pub removal_reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommunityRequestData {
    pub community_id: String,
    pub community_name: String,
    /// `requested` or `declined`.
    pub status: &'static str,
    pub message: String,
    pub asked_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountData {
    pub id: String,
    pub email: String,
    pub display_name: String,
    /// The roles the account holds: `{"role": "admin", "scope": "platform"}`,
    /// `{"role": "manager", "scope": "place:ID"}`… (format 1 had `is_admin` instead).
    pub roles: Vec<GrantData>,
    pub is_demo: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GrantData {
    pub role: String,
    pub scope: String,
}

/// Roles as shown in JSON (the data download, the session of the API).
pub fn grant_views(roles: &crate::permissions::Roles) -> Vec<GrantData> {
    roles
        .iter()
        .map(|g| GrantData { role: g.role().code().to_owned(), scope: g.scope().to_string() })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionsData {
    pub count: usize,
    pub list: Vec<SessionData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionData {
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeData {
    pub kind: String,
    pub item_id: String,
    /// The version of the item the change produced.
    pub version: i64,
    pub at: DateTime<Utc>,
    pub fields: Vec<maillage_domain::history::FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResetData {
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

/// The result of erasing an account.
#[derive(Debug, Clone)]
pub struct ErasedAccount {
    pub user: User,
    /// Places the person managed: they stay in the directory.
    pub places: Vec<PlaceId>,
    /// Among them, those left without any manager (administrators see and edit them).
    pub without_manager: Vec<PlaceId>,
}

/// The rate-limit counters tied to a person: by their address's hash (`accounts.rs`,
/// `rights.rs`) and by their account (the web layer's write and analysis budgets). The
/// login throttle's (account, address) pairs are hashes that cannot be told apart per
/// person; they are forgotten after the login window.
fn buckets_of(id: UserId, email: &Email) -> Vec<String> {
    let lower = email.as_str().trim().to_lowercase();
    let mut buckets = vec![
        format!("login-email:{}", token_hash(&lower)),
        format!("reset:{}", token_hash(&lower)),
        format!("reset:{}", token_hash(email.as_str())),
        format!("write:account:{id}"),
        format!("analysis:account:{id}"),
    ];
    buckets.dedup();
    buckets
}

fn wrong_password() -> FieldError {
    FieldError::new("password", "wrong_password", Message::new("rights.wrong_password"))
}

impl App {
    /// The signed-in person's own data.
    pub async fn my_personal_data(&self, actor: &Actor) -> AppResult<PersonalData> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        let record = self.store.user(user.id).await?.ok_or(AppError::Unauthenticated)?;
        self.collect_personal_data(record).await
    }

    /// An account's data, for an administrator answering a request.
    pub async fn personal_data_of(&self, actor: &Actor, email: &str) -> AppResult<PersonalData> {
        let record = self.account_for_admin(actor, email).await?;
        self.collect_personal_data(record).await
    }

    async fn account_for_admin(&self, actor: &Actor, email: &str) -> AppResult<UserRecord> {
        crate::permissions::require(actor, Action::Operate, &Resource::Platform)?;
        let email = Email::parse(email).map_err(|e| ValidationErrors::from(e.at("email")))?;
        self.store.user_by_email(&email).await?.ok_or(AppError::NotFound)
    }

    async fn collect_personal_data(&self, record: UserRecord) -> AppResult<PersonalData> {
        let user = record.user;
        let stored = self
            .store
            .personal_data(user.id, &buckets_of(user.id, &user.email))
            .await?
            .ok_or(AppError::NotFound)?;
        let changes = self
            .store
            .changes_by(user.id)
            .await?
            .into_iter()
            .map(|c| ChangeData {
                kind: c.kind,
                item_id: c.item_id,
                version: c.version,
                at: c.at,
                fields: c.fields,
            })
            .collect();
        let roles = grant_views(&self.store.roles_of(user.id).await?);
        let networks = self.store.network_snapshot().await?;
        let mut network_memberships = Vec::new();
        for m in self.store.memberships_by_user(user.id).await? {
            let place_name = self.store.place(m.place).await?.map(|p| p.data.name).unwrap_or_default();
            network_memberships.push(MembershipData {
                network_id: m.network.to_string(),
                network_name: networks.get(m.network).map(|n| n.data.name.clone()).unwrap_or_default(),
                place_id: m.place.to_string(),
                place_name,
                status: m.status.code(),
                asked_by_you: m.asked_by == Some(user.id),
                asked_at: m.asked_at,
                message: m.message,
                decided_by_you: m.decided_by == Some(user.id),
                decided_at: m.decided_at,
                decision_message: m.decision_message,
            });
        }
        let communities = self.store.community_snapshot().await?;
        let community_name = |id: maillage_domain::CommunityId| {
            communities.get(id).map(|c| c.data.name.clone()).unwrap_or_default()
        };
        let publications = self
            .store
            .publications_by(user.id)
            .await?
            .into_iter()
            .map(|p| PublicationData {
                id: p.id.to_string(),
                community_id: p.community.to_string(),
                community_name: community_name(p.community),
                title: p.title,
                body: p.body,
                created_at: p.created_at,
                removed_at: p.removed_at,
                removal_reason: p.removal_reason,
            })
            .collect();
        let community_requests = self
            .store
            .requests_by(user.id)
            .await?
            .into_iter()
            .map(|r| CommunityRequestData {
                community_id: r.request.community.to_string(),
                community_name: community_name(r.request.community),
                status: if r.declined { "declined" } else { "requested" },
                message: r.request.message,
                asked_at: r.request.asked_at,
                decided_at: r.decided_at,
                decision_message: r.decision_message,
            })
            .collect();
        let mut places_managed = Vec::with_capacity(stored.managed.len());
        for id in &stored.managed {
            if let Some(place) = self.store.place(*id).await? {
                places_managed.push(place);
            }
        }
        Ok(PersonalData {
            format: PERSONAL_DATA_FORMAT,
            exported_at: Utc::now(),
            account: AccountData {
                id: user.id.to_string(),
                email: user.email.as_str().to_owned(),
                display_name: user.display_name,
                roles,
                is_demo: stored.is_demo,
                created_at: user.created_at,
            },
            places_managed,
            sessions: SessionsData {
                count: stored.sessions.len(),
                list: stored
                    .sessions
                    .iter()
                    .map(|(created_at, expires_at)| SessionData {
                        created_at: *created_at,
                        expires_at: *expires_at,
                    })
                    .collect(),
            },
            password_resets: stored
                .password_resets
                .iter()
                .map(|(expires_at, used)| ResetData { expires_at: *expires_at, used: *used })
                .collect(),
            rate_limit_events: stored.rate_events,
            changes,
            network_memberships,
            publications,
            community_requests,
            proposals: self.store.proposals_by(user.id).await?,
            reports: self.store.reports_by(user.id).await?,
            notes: vec![
                "Le mot de passe n'est conservé que sous forme d'empreinte (argon2), qui n'est pas exportée. / The password is kept only as a hash (argon2), which is not exported.",
                "Les jetons de session et de réinitialisation ne sont conservés que sous forme d'empreinte : seules leurs dates figurent ici. / Session and reset tokens are kept only as hashes: only their dates are listed.",
            ],
        })
    }

    /// Erase the signed-in person's account, after they typed their password again and
    /// confirmed. The last administrator cannot erase themselves (the command line can).
    pub async fn delete_own_account(
        &self,
        actor: &Actor,
        password: &str,
        confirmed: bool,
    ) -> AppResult<ErasedAccount> {
        let Some(user) = actor.user() else { return Err(AppError::Unauthenticated) };
        let record = self.store.user(user.id).await?.ok_or(AppError::Unauthenticated)?;
        // Guesses of the password through this form count like failed sign-ins.
        let window = std::time::Duration::from_secs(self.config.login_window_minutes.max(1) as u64 * 60);
        let key = format!("login-email:{}", security::token_hash(&record.user.email.as_str().to_lowercase()));
        let hit = self.store.hit_counter(&key, window).await?;
        if hit.count > self.config.login_max_attempts {
            return Err(AppError::RateLimited { retry_after_s: hit.retry_after_s() });
        }
        let mut errors = ValidationErrors::default();
        if password.is_empty() || !verify_password(password.to_owned(), record.password_hash.clone()).await {
            errors.push(wrong_password());
        }
        if !confirmed {
            errors.push(FieldError::new(
                "confirm",
                "confirmation_required",
                Message::new("rights.confirmation_required"),
            ));
        }
        errors.into_result()?;
        if self.store.roles_of(user.id).await?.holds(&Grant::admin()) && self.store.count_admins().await? <= 1
        {
            return Err(FieldError::new("confirm", "last_admin", Message::new("rights.last_admin")).into());
        }
        self.erase(record).await
    }

    /// Erase an account on request (administrators; the command line acts as one).
    pub async fn erase_account_of(&self, actor: &Actor, email: &str) -> AppResult<ErasedAccount> {
        let record = self.account_for_admin(actor, email).await?;
        self.erase(record).await
    }

    async fn erase(&self, record: UserRecord) -> AppResult<ErasedAccount> {
        let user = record.user;
        let erased = self.store.erase_user(user.id, &buckets_of(user.id, &user.email)).await?;
        tracing::info!(
            user = %user.id,
            places = erased.places.len(),
            without_manager = erased.without_manager.len(),
            "account erased"
        );
        Ok(ErasedAccount { user, places: erased.places, without_manager: erased.without_manager })
    }
}
