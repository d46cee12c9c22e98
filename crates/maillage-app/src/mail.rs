//! Outgoing mail: SMTP when configured, otherwise files in an outbox directory, so that
//! everything works offline (and tests can read what was sent).

use crate::error::{AppError, AppResult};
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

/// Why a message was not sent. The messages name the step only (the causes may hold
/// addresses: they go to the logs, not to the jobs table).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid sender address")]
    Sender(#[source] lettre::address::AddressError),
    #[error("invalid recipient address")]
    Recipient(#[source] lettre::address::AddressError),
    #[error("cannot build the message")]
    Build(#[source] lettre::error::Error),
    #[error("cannot create the outbox directory")]
    OutboxDir(#[source] std::io::Error),
    #[error("cannot write to the outbox")]
    Outbox(#[source] lettre::transport::file::Error),
    #[error("SMTP transport failed")]
    Smtp(#[source] lettre::transport::smtp::Error),
}

impl MailError {
    /// Whether sending again cannot help (a bad address, a message that cannot be built).
    pub fn is_permanent(&self) -> bool {
        match self {
            MailError::Sender(_) | MailError::Recipient(_) | MailError::Build(_) => true,
            MailError::Smtp(e) => e.is_permanent(),
            MailError::OutboxDir(_) | MailError::Outbox(_) => false,
        }
    }
}

#[derive(Clone)]
pub enum Mailer {
    /// Each message is written as an `.eml` file in this directory.
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Outbox(dir) => write!(f, "Mailer::Outbox({})", dir.display()),
            // The URL may hold credentials: never print it.
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp(..)"),
        }
    }
}

impl Mailer {
    /// `smtp_url` like `smtps://user:password@smtp.example.org:465` or `smtp://host:25`.
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf) -> AppResult<Self> {
        match smtp_url.filter(|u| !u.is_empty()) {
            Some(url) => AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map(|b| Mailer::Smtp(b.build()))
                .map_err(|e| AppError::failed("invalid SMTP URL", e)),
            None => Ok(Mailer::Outbox(outbox)),
        }
    }

    /// Send one message. Errors keep their cause (`#[source]`): a mail job logs the chain
    /// and retries.
    pub async fn send(&self, from: &str, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let from: Mailbox = from.parse().map_err(MailError::Sender)?;
        let to: Mailbox = to.parse().map_err(MailError::Recipient)?;
        let message =
            Message::builder().from(from).to(to).subject(subject).body(body).map_err(MailError::Build)?;
        match self {
            Mailer::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await.map_err(MailError::OutboxDir)?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(MailError::Outbox)?;
            }
            Mailer::Smtp(transport) => {
                transport.send(message).await.map_err(MailError::Smtp)?;
            }
        }
        Ok(())
    }
}
