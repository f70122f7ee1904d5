//! argon2id password hashing, run off the async threads.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Each hash fills 19 MiB; running more at once than there are cores makes
/// none of them finish sooner, so a burst of logins waits here instead of
/// multiplying that memory.
static HASHING_SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

/// Runs one argon2 computation on a blocking thread once a slot is free.
async fn run_hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _slot = HASHING_SLOTS
        .acquire()
        .await
        .context("the hashing slots are closed")?;
    tokio::task::spawn_blocking(work)
        .await
        .context("the hashing task panicked")
}

/// A password that met the length rules.
pub struct Password(SecretString);

impl Password {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(value: String) -> Result<Password, String> {
        let chars = value.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(format!(
                "A password needs at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if chars > 512 {
            return Err("A password must be at most 512 characters.".into());
        }
        Ok(Password(SecretString::from(value)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

pub async fn hash_password(password: Password) -> anyhow::Result<String> {
    run_hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("cannot hash a password: {error}"))
    })
    .await?
}

/// Checks `candidate` against `stored_hash`. With no stored hash (unknown
/// account) it still spends the time of one verification, so response times
/// do not reveal which accounts exist.
pub async fn verify_password(candidate: SecretString, stored_hash: Option<String>) -> bool {
    let result = run_hashing(move || {
        let hash = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(candidate.expose_secret().as_bytes(), &parsed)
            .is_ok();
        matches && hash != DUMMY_HASH
    })
    .await;
    result.unwrap_or(false)
}

/// The hash of a random password nobody knows, with the default parameters.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0LUGV4uvv0Th6SdoKXSJ3vQTt7K1rhJdIQ6QGPBi+xE";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password(Password::parse("correct horse battery".into()).unwrap())
            .await
            .unwrap();

        assert!(
            verify_password(
                "correct horse battery".to_string().into(),
                Some(hash.clone())
            )
            .await
        );
        assert!(!verify_password("wrong horse battery".to_string().into(), Some(hash)).await);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify_password("anything at all".to_string().into(), None).await);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::parse("short".into()).is_err());
    }
}
