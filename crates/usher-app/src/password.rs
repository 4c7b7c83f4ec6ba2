//! Password hashing: argon2id at OWASP's minimum (19 MiB, t=2, p=1), never on the
//! async workers: on a fixed pool of one thread per core. A burst of sign-ups queues
//! there instead of exhausting memory.
//!
//! Each hashing thread keeps its 19 MiB of argon2 memory and reuses it for every hash.
//! Allocating it per hash (what `PasswordHasher::hash_password` does) lets glibc's
//! malloc raise its mmap threshold after the first free; the blocks then come from the
//! heap, fragment among the server's small allocations and are never returned: the
//! benchmark saw ~380 MiB resident after a minute of sign-ups, ~75 MiB with reuse.

use std::{cell::RefCell, sync::LazyLock};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::{Output, SaltString, rand_core::OsRng},
};
use rayon_core::{ThreadPool, ThreadPoolBuilder};
use tokio::sync::oneshot;
use usher_domain::account::Password;

use crate::error::{AppResult, Error};

const ALGORITHM: Algorithm = Algorithm::Argon2id;
const VERSION: Version = Version::V0x13;

fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("OWASP parameters are valid")
}

/// One hashing thread per core.
static HASHING: LazyLock<ThreadPool> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    ThreadPoolBuilder::new()
        .num_threads(cores)
        .thread_name(|i| format!("usher-argon2-{i}"))
        .build()
        .expect("the hashing threads start")
});

thread_local! {
    /// This hashing thread's argon2 memory, grown to the largest cost it has met.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// The raw argon2 output for `password` and the base64 `salt`, in this thread's memory.
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: argon2::password_hash::Salt<'_>,
    output_len: usize,
) -> Result<Output, argon2::password_hash::Error> {
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Output::init_with(output_len, |out| {
            Ok(argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..blocks])?)
        })
    })
}

/// A PHC string for `password` with a fresh salt.
fn hash_now(password: &[u8]) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let params = params();
    let output = compute(ALGORITHM, VERSION, params.clone(), password, salt.as_salt(), Params::DEFAULT_OUTPUT_LEN)?;
    let hash = PasswordHash {
        algorithm: ALGORITHM.ident(),
        version: Some(VERSION.into()),
        params: (&params).try_into()?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` hashes to the PHC string `stored` (compared in constant time).
fn matches(password: &[u8], stored: &str) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let output = compute(algorithm, version, params, password, salt, expected.len())?;
    Ok(output == expected)
}

/// A hash of a password nobody has, so a sign-in for an unknown account costs the
/// same as one for a known account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_now(b"usher-timing-equaliser").expect("hashing works"));

async fn on_hashing_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let (done, result) = oneshot::channel();
    HASHING.spawn(move || {
        let _ = done.send(work());
    });
    result.await.map_err(Error::internal)
}

/// The PHC string for a new password.
pub async fn hash(password: Password) -> AppResult<String> {
    on_hashing_pool(move || hash_now(password.expose().as_bytes())).await?.map_err(|e| Error::internal(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash, burns the same time and
/// answers no.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    on_hashing_pool(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = matches(password.as_bytes(), &stored).unwrap_or(false);
        known && matches
    })
    .await
}

#[cfg(test)]
mod tests {
    use argon2::{PasswordHasher, PasswordVerifier};

    use super::*;

    #[test]
    fn hashes_are_argon2_phc_strings_that_the_argon2_crate_verifies_and_vice_versa() {
        let ours = hash_now(b"correct horse").unwrap();
        assert!(ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{ours}");
        let theirs = Argon2::new(ALGORITHM, VERSION, params());
        assert!(theirs.verify_password(b"correct horse", &PasswordHash::new(&ours).unwrap()).is_ok());
        assert!(theirs.verify_password(b"wrong horse", &PasswordHash::new(&ours).unwrap()).is_err());

        let salt = SaltString::generate(&mut OsRng);
        let foreign = theirs.hash_password(b"battery staple", &salt).unwrap().to_string();
        assert!(matches(b"battery staple", &foreign).unwrap());
        assert!(!matches(b"battery stapler", &foreign).unwrap());
        assert!(matches(b"x", "not a phc string").is_err());
    }
}
