//! Outgoing mail: SMTP when configured, otherwise files in an outbox directory, so that
//! everything works offline (and tests can read what was sent).

use crate::error::{AppError, AppResult};
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncFileTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

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
                .map_err(|e| AppError::Internal(format!("invalid SMTP URL: {e}"))),
            None => Ok(Mailer::Outbox(outbox)),
        }
    }

    pub async fn send(&self, from: &str, to: &str, subject: &str, body: String) -> AppResult<()> {
        let from: Mailbox =
            from.parse().map_err(|e| AppError::Internal(format!("invalid sender address: {e}")))?;
        let to: Mailbox =
            to.parse().map_err(|e| AppError::Internal(format!("invalid recipient address: {e}")))?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(subject)
            .body(body)
            .map_err(|e| AppError::Internal(format!("cannot build the message: {e}")))?;
        match self {
            Mailer::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| AppError::Internal(format!("outbox: {e}")))?;
                AsyncFileTransport::<Tokio1Executor>::new(dir)
                    .send(message)
                    .await
                    .map_err(|e| AppError::Internal(format!("outbox: {e}")))?;
            }
            Mailer::Smtp(transport) => {
                transport.send(message).await.map_err(|e| AppError::Internal(format!("SMTP: {e}")))?;
            }
        }
        Ok(())
    }
}
