//! Secrets: password hashing (argon2id) and random tokens (stored only as SHA-256 hashes).

use crate::error::{AppError, AppResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maillage_domain::messages::Message;
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
    .map_err(|e| AppError::failed("password hashing task", e))?
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

/// The 10,000 most common passwords (zxcvbn's list, MIT; source and licence in the file's
/// header and `data/COMMON-PASSWORDS-LICENSE.txt`), lower-case, sorted byte-wise.
const COMMON_PASSWORDS: &str = include_str!("../data/common-passwords.txt");

fn common_passwords() -> &'static [&'static str] {
    static LIST: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| COMMON_PASSWORDS.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect())
}

/// Whether a password is among the most common ones, ignoring case.
pub fn is_common_password(password: &str) -> bool {
    common_passwords().binary_search(&password.trim().to_lowercase().as_str()).is_ok()
}

/// Password policy, with a French and an English message: at least
/// [`PASSWORD_MIN_CHARS`] characters, at most 1024 bytes, not a common password.
pub fn check_password(password: &str) -> Result<(), maillage_domain::FieldError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(maillage_domain::FieldError::new(
            "password",
            "password_too_short",
            Message::new("security.password_too_short").with("min", PASSWORD_MIN_CHARS),
        ));
    }
    if password.len() > 1024 {
        return Err(maillage_domain::FieldError::new(
            "password",
            "password_too_long",
            Message::new("security.password_too_long"),
        ));
    }
    if is_common_password(password) {
        return Err(maillage_domain::FieldError::new(
            "password",
            "password_too_common",
            Message::new("security.password_too_common"),
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

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        let list = common_passwords();
        assert_eq!(list.len(), 10_000);
        assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted for binary search");
        for common in
            ["1234567890", "qwertyuiop", "Password123", "PASSWORD123", "1q2w3e4r5t", "  1234567890 "]
        {
            let e = check_password(common).unwrap_err();
            assert_eq!(e.code, "password_too_common", "{common}");
            assert_eq!(
                e.message_fr(),
                "Ce mot de passe figure parmi les plus courants : choisissez-en un autre."
            );
        }
        assert!(is_common_password("dragon"), "short ones are in the list too");
        // The demo's and the tests' passwords stay accepted.
        for ours in ["demo-maillage", "mot-de-passe-solide", "un-nouveau-mot-de-passe", "encore-un-autre-mot"]
        {
            assert!(check_password(ours).is_ok(), "{ours}");
        }
    }
}
