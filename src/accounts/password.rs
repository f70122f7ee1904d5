//! argon2id password hashing, on threads of its own that keep their memory.

use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex};

use anyhow::Context;
use argon2::password_hash::{
    rand_core::OsRng, Output, ParamsString, PasswordHash, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

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
    run_hashing(move |memory| {
        let salt = SaltString::generate(&mut OsRng);
        let argon = Argon2::default();
        let output = compute(&argon, password.expose().as_bytes(), salt.as_salt(), memory)?;
        let hash = PasswordHash {
            algorithm: Algorithm::default().ident(),
            version: Some(Version::default().into()),
            params: ParamsString::try_from(argon.params())?,
            salt: Some(salt.as_salt()),
            hash: Some(output),
        };
        Ok(hash.to_string())
    })
    .await?
    .map_err(|error: argon2::password_hash::Error| {
        anyhow::anyhow!("cannot hash a password: {error}")
    })
}

/// Checks `candidate` against `stored_hash`. With no stored hash (unknown
/// account) it still spends the time of one verification, so response times
/// do not reveal which accounts exist.
pub async fn verify_password(candidate: SecretString, stored_hash: Option<String>) -> bool {
    let result = run_hashing(move |memory| {
        let hash = stored_hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let matches = matches_hash(candidate.expose_secret().as_bytes(), &hash, memory);
        matches && hash != DUMMY_HASH
    })
    .await;
    result.unwrap_or(false)
}

fn matches_hash(candidate: &[u8], stored_hash: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored_hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(argon) = hasher_for(&parsed) else {
        return false;
    };
    // `Output` compares in constant time.
    compute(&argon, candidate, salt, memory).is_ok_and(|computed| computed == expected)
}

/// The argon2 variant, version and cost a stored hash was made with.
fn hasher_for(hash: &PasswordHash<'_>) -> argon2::password_hash::Result<Argon2<'static>> {
    let algorithm = Algorithm::try_from(hash.algorithm)?;
    let version = hash.version.map(Version::try_from).transpose()?;
    let params = Params::try_from(hash)?;
    Ok(Argon2::new(algorithm, version.unwrap_or_default(), params))
}

/// The raw argon2 output for `password` and `salt`, computed in `memory`,
/// which grows to the cost's size once and is then reused.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: Salt<'_>,
    memory: &mut Vec<Block>,
) -> argon2::password_hash::Result<Output> {
    let mut salt_buffer = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_buffer)?;
    let blocks = argon.params().block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let length = argon
        .params()
        .output_len()
        .unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(length, |out| {
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])?;
        Ok(())
    })
}

/// Work for a hashing thread, given that thread's argon2 memory.
type HashingJob = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Argon2 fills 19 MiB per hash. Hashing runs on one thread per core, each
/// keeping its memory between hashes: logins queue here instead of running
/// more hashes than the cores can compute, and the memory stays the same
/// however many people log in. (Allocating it per hash on pooled threads
/// left the allocator holding hundreds of MiB after a burst of logins.)
static HASHING_THREADS: LazyLock<mpsc::Sender<HashingJob>> = LazyLock::new(|| {
    let (jobs, queue) = mpsc::channel::<HashingJob>();
    let queue = Arc::new(Mutex::new(queue));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    for index in 0..cores {
        let queue = Arc::clone(&queue);
        let spawned = std::thread::Builder::new()
            .name(format!("password-hashing-{index}"))
            .spawn(move || hash_jobs_from(&queue));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start a password hashing thread");
        }
    }
    jobs
});

fn hash_jobs_from(queue: &Mutex<mpsc::Receiver<HashingJob>>) {
    let mut memory = Vec::new();
    loop {
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = next else {
            return;
        };
        job(&mut memory);
    }
}

/// Runs `work` on a hashing thread and waits for its answer.
async fn run_hashing<T: Send + 'static>(
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: HashingJob = Box::new(move |memory| {
        let _ = answer.send(work(memory));
    });
    if HASHING_THREADS.send(job).is_err() {
        anyhow::bail!("the password hashing threads have stopped");
    }
    answered
        .await
        .context("a password hashing thread stopped mid-hash")
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

    #[tokio::test]
    async fn hashes_stay_compatible_with_the_standard_argon2_encoding() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let smaller_cost = Params::new(8 * 1024, 3, 1, None).unwrap();
        let made_elsewhere = Argon2::new(Algorithm::Argon2id, Version::V0x13, smaller_cost)
            .hash_password(b"a password from before", &salt)
            .unwrap()
            .to_string();
        let made_here = hash_password(Password::parse("a password made here".into()).unwrap())
            .await
            .unwrap();

        assert!(
            verify_password(
                "a password from before".to_string().into(),
                Some(made_elsewhere)
            )
            .await
        );
        let parsed = PasswordHash::new(&made_here).unwrap();
        assert!(Argon2::default()
            .verify_password(b"a password made here", &parsed)
            .is_ok());
        assert!(made_here.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(Password::parse("short".into()).is_err());
    }
}
