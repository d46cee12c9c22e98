//! Secrets: password hashing (argon2id) and random tokens (stored only as SHA-256 hashes).

use crate::error::{AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

pub const PASSWORD_MIN_CHARS: usize = 10;

/// Hash a password with argon2id (default parameters), off the async threads.
pub async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Whether a password matches a stored hash (constant-time comparison inside argon2).
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// A hash to compare against when the account does not exist, so that a login for an
/// unknown email takes as long as one for a known email.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3m6S1LduwbHc1zcxhxDMN6Mbj3JNfDKqYoUqqZ9u2/A";

/// 256 random bits, URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The form in which a token is stored: a leaked database gives no usable token.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Password policy, with a French and an English message.
pub fn check_password(password: &str) -> Result<(), maillage_domain::FieldError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(maillage_domain::FieldError::new(
            "password",
            "password_too_short",
            format!("Le mot de passe doit compter au moins {PASSWORD_MIN_CHARS} caractères."),
            format!("The password must be at least {PASSWORD_MIN_CHARS} characters long."),
        ));
    }
    if password.len() > 1024 {
        return Err(maillage_domain::FieldError::new(
            "password",
            "password_too_long",
            "Le mot de passe est trop long.",
            "The password is too long.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong horse battery".into(), hash).await);
        assert!(!verify_password("x".into(), "not a hash".into()).await);
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check_password("court").unwrap_err().code, "password_too_short");
        assert!(check_password("assez-long-maintenant").is_ok());
    }
}
