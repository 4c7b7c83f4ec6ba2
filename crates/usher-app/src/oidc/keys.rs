//! The keys that sign ID tokens (RS256): kept in the database, the private half
//! sealed with the instance's secret key; made on first need and by
//! `usher keys rotate`. A rotated-out key stays in the JWKS until every ID token it
//! signed has expired, so relying parties that cached a token can still check it.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::{pkcs1::EncodeRsaPrivateKey, traits::PublicKeyParts};
use serde::Serialize;
use tokio::sync::Mutex;
use usher_storage::model::SigningKey;

use crate::{App, AppResult, Error};

use super::ID_TOKEN_TTL;

/// Bits of a new key's modulus: what every relying party takes, and signs in about
/// a millisecond.
const KEY_BITS: usize = 2048;
/// How long an instance signs with the key it last read before reading again: a key
/// rotated by another instance is taken up within this.
const RELOAD_AFTER: StdDuration = StdDuration::from_secs(60);

/// The key this instance signs with, as last read.
#[derive(Default)]
pub struct Signer {
    current: Mutex<Option<Loaded>>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer")
    }
}

struct Loaded {
    kid: String,
    key: Arc<EncodingKey>,
    read_at: Instant,
}

/// The JWKS document (RFC 7517): every published key's public half.
#[derive(Debug, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(Debug, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub alg: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
}

impl App {
    /// The published keys: the signing one and those retired less than an ID token's
    /// lifetime ago.
    pub async fn jwks(&self) -> AppResult<Jwks> {
        // A relying party reads the keys before the first ID token exists: make the
        // key that will sign it now, so it is among them.
        self.current_key().await?;
        let keys = self.store.signing_keys(Utc::now() - ID_TOKEN_TTL).await?;
        let keys = keys
            .into_iter()
            .map(|k| Jwk { kty: "RSA", use_: "sig", alg: "RS256", kid: k.kid, n: k.n, e: k.e })
            .collect();
        Ok(Jwks { keys })
    }

    /// Makes a new signing key; the one before keeps being published for an ID token's
    /// lifetime. Answers the new key's id.
    pub async fn rotate_signing_key(&self) -> AppResult<String> {
        let kid = new_key(self).await?;
        *self.signer.current.lock().await = None;
        Ok(kid)
    }

    /// Signs `claims` as a JWT with the current key (made on first need).
    pub(crate) async fn sign(&self, claims: &impl Serialize) -> AppResult<String> {
        let (kid, key) = self.current_key().await?;
        let header = Header { kid: Some(kid), ..Header::new(Algorithm::RS256) };
        jsonwebtoken::encode(&header, claims, &key).map_err(Error::internal)
    }

    async fn current_key(&self) -> AppResult<(String, Arc<EncodingKey>)> {
        let mut current = self.signer.current.lock().await;
        if let Some(loaded) = current.as_ref().filter(|l| l.read_at.elapsed() < RELOAD_AFTER) {
            return Ok((loaded.kid.clone(), loaded.key.clone()));
        }
        // The current key, unless none was made yet or it does not open (the secret key
        // was replaced): then a new one.
        let usable =
            |keys: Vec<SigningKey>| keys.into_iter().find(|k| k.retired_at.is_none() && k.private_der.is_some());
        let signing = match usable(self.store.signing_keys(Utc::now()).await?) {
            Some(key) => key,
            None => {
                new_key(self).await?;
                usable(self.store.signing_keys(Utc::now()).await?)
                    .ok_or_else(|| Error::internal("the new signing key is not stored"))?
            }
        };
        let SigningKey { kid, private_der, .. } = signing;
        let private_der = private_der.ok_or_else(|| Error::internal("checked above"))?;
        let key = Arc::new(EncodingKey::from_rsa_der(&private_der));
        *current = Some(Loaded { kid: kid.clone(), key: key.clone(), read_at: Instant::now() });
        Ok((kid, key))
    }
}

/// Generates a key (off the async workers: it takes a while) and stores it.
async fn new_key(app: &App) -> AppResult<String> {
    let generated = tokio::task::spawn_blocking(|| {
        let key = rsa::PrivateKey::new(&mut getrandom::SysRng, KEY_BITS)?;
        let der = key.to_pkcs1_der().map_err(rsa::Error::from)?;
        let public = key.to_public_key();
        Ok::<_, rsa::Error>((
            der.as_bytes().to_vec(),
            URL_SAFE_NO_PAD.encode(public.n_bytes()),
            URL_SAFE_NO_PAD.encode(public.e_bytes()),
        ))
    })
    .await
    .map_err(Error::internal)?
    .map_err(Error::internal)?;
    let (der, n, e) = generated;
    let kid = uuid::Uuid::now_v7().simple().to_string();
    app.store.add_signing_key(kid.clone(), &der, n, e, Utc::now()).await?;
    tracing::info!(kid, "made a new key to sign ID tokens");
    Ok(kid)
}
