//! argon2id password hashing, run off the async runtime.
use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::domain::FieldError;
use crate::error::OrInternal;
use crate::error::{AppError, AppResult};

/// A new password: long enough (12 to 128 characters), and not a common
/// one. zxcvbn (its shipped lists of common passwords, names and words,
/// with keyboard patterns, repeats and l33t spellings) estimates how many
/// guesses it would take; fewer than 10^8 (its score below 3) is refused,
/// as is one built from the account's own e-mail or name (`user_inputs`).
pub fn check_new(password: &str, user_inputs: &[&str]) -> Result<(), FieldError> {
    crate::domain::account::check_password(password)?;
    let inputs: Vec<&str> = user_inputs
        .iter()
        .flat_map(|i| i.split(['@', '.', ' ', '-', '_']))
        .filter(|w| w.len() > 2)
        .chain(user_inputs.iter().copied())
        .collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if (estimate.score() as u8) < 3 {
        return Err(FieldError::new("password", "password_common"));
    }
    Ok(())
}

/// OWASP's argon2id recommendation: m = 19 MiB, t = 2, p = 1.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

/// A hash of a random password, verified against when the e-mail is unknown,
/// so that an unknown e-mail costs the same work as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("not the password of anyone, ever").expect("dummy hash"))
}

pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .or_internal("the password hashing task failed")?
}

/// Verifies `password` against `stored`, or against a dummy hash when there is
/// no account, so both cases take the same time. Returns true on a match.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let parsed = PasswordHash::new(&phc).map_err(|e| {
            tracing::error!(error = %e, "stored password hash is unreadable");
            AppError::Internal
        })?;
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && real)
    })
    .await
    .or_internal("the password verifying task failed")?
}

/// Computes the dummy hash now, so the first unknown-e-mail sign-in is not
/// faster or slower than the others.
pub fn warm_up() {
    let _ = dummy_hash();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_carry_the_owasp_parameters() {
        let h = hash("correct horse battery staple".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("correct horse battery staple".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery staple".into(), Some(h))
            .await
            .unwrap());
        assert!(!verify("not the password of anyone, ever".into(), None)
            .await
            .unwrap());
    }

    #[test]
    fn common_or_personal_passwords_are_refused() {
        // Long enough, but on every list of common passwords, or a
        // keyboard walk, or a repeat.
        for common in [
            "password1234",
            "123456789012",
            "qwertyuiopas",
            "iloveyou1234",
            "aaaaaaaaaaaa",
            "Password123!",
        ] {
            assert_eq!(
                check_new(common, &[]).unwrap_err().code,
                "password_common",
                "{common}"
            );
        }
        // The account's own address, or its name twice over.
        let me = ["ysolde.quillbarrow@example.test", "Ysolde Quillbarrow"];
        assert!(check_new("ysolde.quillbarrow@example.test", &me).is_err());
        assert!(check_new("quillbarrowysolde", &me).is_err());
        assert!(check_new("quillbarrowysolde", &[]).is_ok());
        // Passphrases pass; the length rules still apply.
        assert!(check_new("a long enough passphrase", &[]).is_ok());
        assert!(check_new("copper kettle on a windy dune", &[]).is_ok());
        assert_eq!(
            check_new("short", &[]).unwrap_err().code,
            "password_too_short"
        );
    }
}
