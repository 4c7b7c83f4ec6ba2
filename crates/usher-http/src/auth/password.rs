//! Password hashing: argon2id at OWASP's minimum (19 MiB, t=2, p=1), never on the
//! async workers: on a fixed pool of one thread per core. A burst of sign-ups queues
//! there instead of exhausting memory, and the 19 MiB each hash needs is reused by the
//! same few threads (tokio's blocking pool would spread it over many threads, each
//! keeping its own allocator arena: hundreds of MiB under load).

use std::sync::LazyLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use rayon_core::{ThreadPool, ThreadPoolBuilder};
use tokio::sync::oneshot;
use usher_domain::account::Password;

use crate::error::ApiError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
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

/// A hash of a password nobody has, so a sign-in for an unknown account costs the
/// same as one for a known account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(b"usher-timing-equaliser", &salt).expect("hashing works").to_string()
});

async fn on_hashing_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ApiError> {
    let (done, result) = oneshot::channel();
    HASHING.spawn(move || {
        let _ = done.send(work());
    });
    result.await.map_err(ApiError::internal)
}

/// The PHC string for a new password.
pub async fn hash(password: Password) -> Result<String, ApiError> {
    on_hashing_pool(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string())
    })
    .await?
    .map_err(|e| ApiError::internal(e.to_string()))
}

/// Whether `password` matches `stored`; with no stored hash, burns the same time and
/// answers no.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    on_hashing_pool(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let matches = PasswordHash::new(&stored)
            .map(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        known && matches
    })
    .await
}
