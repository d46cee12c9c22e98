//! Accounts: creation, login with rate limits, sessions, password reset by email.

use crate::App;
use crate::error::{AppError, AppResult};
use crate::security::{self, check_password, hash_password, random_token, token_hash, verify_password};
use chrono::{Duration, Utc};
use maillage_domain::fields::Email;
use maillage_domain::messages::{Lang, Message};
use maillage_domain::roles::{Grant, Roles};
use maillage_domain::user::{Actor, User};
use maillage_domain::{FieldError, UserId, ValidationErrors};
use maillage_store::UserRecord;
use maillage_store::jobs::{Job, NewJob};

/// The job that mails a password-reset link (payload: [`ResetMail`]).
pub const SEND_PASSWORD_RESET: &str = "mail.password_reset";

/// Attempts of a reset mail: with the backoff (10 s doubling), about twenty minutes of a
/// failing transport before it gives up.
const RESET_MAIL_ATTEMPTS: u32 = 8;

/// What a reset-mail job holds: whom to write to, in which language.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct ResetMail {
    user: UserId,
    lang: String,
}

/// A new session: the token goes in the cookie, the CSRF token in forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
    /// The roles the account holds.
    pub roles: Roles,
    pub max_age_s: i64,
}

impl App {
    /// Create an account (CLI `user create`, demo data).
    pub async fn create_user(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        is_admin: bool,
    ) -> AppResult<User> {
        let mut errors = ValidationErrors::default();
        let email = errors.check("email", Email::parse(email));
        let name =
            errors.check("display_name", maillage_domain::text::required_text(Some(display_name), 120));
        errors.check("password", check_password(password));
        errors.into_result()?;
        let (Some(email), Some(display_name)) = (email, name) else { unreachable!("errors were reported") };
        let user = User { id: UserId::new(), email, display_name, created_at: Utc::now() };
        let password_hash = hash_password(password.to_owned()).await?;
        // The account and its administrator role are one unit of work.
        let mut tx = self.store.transaction().await?;
        tx.create_user(&UserRecord { user: user.clone(), password_hash }, false).await?;
        if is_admin {
            tx.grant(user.id, Grant::admin(), None).await?;
        }
        tx.commit().await?;
        tracing::info!(user = %user.id, admin = is_admin, "account created");
        Ok(user)
    }

    /// Check credentials and open a session.
    ///
    /// Nobody can lock the real owner out: attempts are throttled per (account, address)
    /// pair — a few free attempts, then a growing delay before each next one from that
    /// address — so the owner signing in from elsewhere is not held up. Failures (not
    /// successes: a shared office signs in freely) are also limited per address over all
    /// accounts, against credential stuffing. Both are counted before the password is
    /// checked (a burst of parallel guesses cannot slip under), in the database so that
    /// every server shares them.
    pub async fn login(&self, email: &str, password: &str, client: &str) -> AppResult<NewSession> {
        let window = std::time::Duration::from_secs(self.config.login_window_minutes.max(1) as u64 * 60);
        let normalized = email.trim().to_lowercase();
        let pair = security::token_hash(&format!("{normalized}\n{client}"));
        let client_key = format!("login-fail:{}", security::token_hash(client));
        let by_client = self.store.hit_counter(&client_key, window).await?;
        if by_client.count > self.config.login_failures_per_address {
            return Err(AppError::RateLimited { retry_after_s: by_client.retry_after_s() });
        }
        let rules = maillage_store::LoginThrottle {
            free_attempts: self.config.login_max_attempts,
            max_delay: std::time::Duration::from_secs(self.config.login_max_delay_s),
            forget_after: window,
        };
        if let maillage_store::LoginVerdict::Wait { retry_after_ms } =
            self.store.login_attempt(&pair, &rules).await?
        {
            // Not an attempt: the password was not checked.
            self.store.refund_counter(&client_key).await?;
            return Err(AppError::RateLimited { retry_after_s: retry_after_ms.div_ceil(1000).max(1) });
        }
        let record = match Email::parse(email) {
            Ok(email) => self.store.user_by_email(&email).await?,
            Err(_) => None,
        };
        let hash =
            record.as_ref().map_or_else(|| security::DUMMY_HASH.to_owned(), |r| r.password_hash.clone());
        let ok = verify_password(password.to_owned(), hash).await;
        let Some(record) = record.filter(|_| ok) else { return Err(AppError::InvalidCredentials) };
        self.store.clear_login_attempts(&pair).await?;
        self.store.refund_counter(&client_key).await?;
        let token = random_token();
        let csrf_token = random_token();
        let max_age = Duration::days(self.config.session_days);
        self.store
            .create_session(&token_hash(&token), record.user.id, &csrf_token, Utc::now() + max_age)
            .await?;
        tracing::info!(user = %record.user.id, "signed in");
        let roles = self.store.roles_of(record.user.id).await?;
        Ok(NewSession { token, csrf_token, user: record.user, roles, max_age_s: max_age.num_seconds() })
    }

    /// The actor and CSRF token of a session cookie's token.
    pub async fn session_actor(&self, token: &str) -> AppResult<Option<(Actor, String)>> {
        let Some(session) = self.store.session(&token_hash(token)).await? else { return Ok(None) };
        let Some(record) = self.store.user(session.user_id).await? else { return Ok(None) };
        let roles = self.store.roles_of(record.user.id).await?;
        Ok(Some((Actor::User(record.user, roles), session.csrf_token)))
    }

    pub async fn logout(&self, token: &str) -> AppResult<()> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// Send a reset link if the account exists. Always answers the same, so that nobody
    /// learns which addresses have accounts; limited per address.
    ///
    /// The mail is a job ([`SEND_PASSWORD_RESET`]), enqueued in this use case's unit of
    /// work and retried while the mail transport fails. The job holds the account's id, not
    /// its address nor the link: the link's token is made when the mail is sent, so that no
    /// usable token is ever stored (only its hash, as for every reset link).
    pub async fn request_password_reset(&self, email: &str, lang: &str) -> AppResult<()> {
        let email = Email::parse(email).map_err(|e| ValidationErrors::from(e.at("email")))?;
        let key = format!("reset:{}", token_hash(email.as_str()));
        if self.store.hit_counter(&key, std::time::Duration::from_secs(3600)).await?.count > 3 {
            return Ok(());
        }
        let Some(record) = self.store.user_by_email(&email).await? else { return Ok(()) };
        let lang = if lang == "en" { "en" } else { "fr" };
        let payload = serde_json::to_value(ResetMail { user: record.user.id, lang: lang.to_owned() })
            .map_err(|e| AppError::failed("reset mail job", e))?;
        let mut tx = self.store.transaction().await?;
        tx.enqueue(&NewJob::new(SEND_PASSWORD_RESET, payload).max_attempts(RESET_MAIL_ATTEMPTS)).await?;
        tx.commit().await?;
        tracing::info!(user = %record.user.id, "password reset link queued");
        Ok(())
    }

    pub async fn reset_link_is_live(&self, token: &str) -> AppResult<bool> {
        Ok(self.store.password_reset_is_live(&token_hash(token)).await?)
    }

    /// Set a new password with a reset token (usable once); ends every session and voids
    /// the user's other reset links, in one unit of work.
    pub async fn reset_password(&self, token: &str, password: &str) -> AppResult<()> {
        check_password(password).map_err(ValidationErrors::from)?;
        let invalid = || {
            AppError::from(FieldError::new(
                "token",
                "invalid_reset_link",
                Message::new("accounts.invalid_reset_link"),
            ))
        };
        let hash = token_hash(token);
        if !self.store.password_reset_is_live(&hash).await? {
            return Err(invalid());
        }
        // The slow hash before the transaction: the write lane is never held while hashing.
        let password_hash = hash_password(password.to_owned()).await?;
        let mut tx = self.store.transaction().await?;
        // Consumed inside the transaction: of two uses of one link, one wins.
        let Some(user) = tx.consume_password_reset(&hash).await? else { return Err(invalid()) };
        tx.set_password_hash(user, &password_hash).await?;
        tx.commit().await?;
        tracing::info!(user = %user, "password reset");
        Ok(())
    }
}

/// The handler of [`SEND_PASSWORD_RESET`]: make a reset link for the account (its token's
/// hash stored, valid from now) and mail it. Each attempt makes its own link; the links of
/// failed attempts were never sent and expire unused. An account erased meanwhile gets
/// nothing.
pub(crate) async fn send_password_reset(app: App, job: Job) -> Result<(), crate::jobs::JobError> {
    use crate::jobs::JobError;
    let mail: ResetMail =
        job.payload_as().map_err(|e| JobError::permanent("contenu de la tâche illisible", e))?;
    let unavailable = |e| JobError::retry("base de données indisponible", e);
    let Some(record) = app.store.user(mail.user).await.map_err(unavailable)? else {
        tracing::info!(user = %mail.user, "reset link not sent: the account no longer exists");
        return Ok(());
    };
    let token = random_token();
    let minutes = app.config.reset_valid_minutes;
    let expires = Utc::now() + Duration::minutes(minutes);
    app.store
        .create_password_reset(&token_hash(&token), record.user.id, expires)
        .await
        .map_err(unavailable)?;
    let link = format!("{}/mot-de-passe/nouveau?jeton={token}", app.config.base_url.trim_end_matches('/'));
    let lang = Lang::from_code(&mail.lang);
    let subject = Message::new("mail.reset.subject").render(lang);
    let body = Message::new("mail.reset.body")
        .with("name", &record.user.display_name)
        .with("minutes", minutes)
        .with("link", &link)
        .render(lang);
    app.mailer.send(&app.config.mail_from, record.user.email.as_str(), &subject, body).await.map_err(
        |e| {
            let message = format!("envoi du lien de réinitialisation impossible ({e})");
            if e.is_permanent() { JobError::permanent(message, e) } else { JobError::retry(message, e) }
        },
    )?;
    tracing::info!(user = %record.user.id, "password reset link sent");
    Ok(())
}
