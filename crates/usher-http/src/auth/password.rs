//! Password hashing: argon2id at OWASP's minimum (19 MiB, t=2, p=1), always on the
//! blocking pool, never on the async workers, and at most one hash per core at once
//! so a burst of sign-ups cannot exhaust memory.

use std::sync::{Arc, LazyLock};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use tokio::sync::Semaphore;
use usher_domain::account::Password;

use crate::error::ApiError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Concurrent hashes allowed: one per core.
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    Arc::new(Semaphore::new(cores))
});

/// A hash of a password nobody has, so a sign-in for an unknown account costs the
/// same as one for a known account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(b"usher-timing-equaliser", &salt).expect("hashing works").to_string()
});

async fn on_blocking_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let _permit = HASHING.clone().acquire_owned().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)
}

/// The PHC string for a new password.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    on_blocking_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash, burns the same time and
/// answers no.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    on_blocking_pool(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&stored)
            .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        known && matches
    })
    .await
}
