//! The keys that sign ID tokens: made on first need, rotated with the old one kept
//! published, and — when the secret key that seals them is lost and replaced — the
//! old ones still published but a new one signing.

use rand::rngs::OsRng;
use usher_app::App;
use usher_domain::sealed::SecretKey;

use super::open;
use crate::harness::Backend;

on_both_backends!(backend: signing_keys_are_made_rotated_and_survive_a_lost_secret_key);

fn kids(jwks: &usher_app::oidc::keys::Jwks) -> Vec<String> {
    jwks.keys.iter().map(|k| k.kid.clone()).collect()
}

async fn signing_keys_are_made_rotated_and_survive_a_lost_secret_key(backend: Backend) {
    let Some((db, app)) = open(backend).await else { return };
    let first = kids(&app.jwks().await.unwrap());
    assert_eq!(first.len(), 1, "made on first need");
    assert_eq!(kids(&app.jwks().await.unwrap()), first, "and kept");

    let rotated = app.rotate_signing_key().await.unwrap();
    let published = kids(&app.jwks().await.unwrap());
    assert_eq!(published, vec![rotated.clone(), first[0].clone()], "the new one first, the old one still published");

    // `usher.key` lost: another secret key opens none of the private halves.
    let (other_key, _) = SecretKey::generate(&mut OsRng);
    let replaced = App::new(app.store.clone().with_secret_key(other_key), app.settings.as_ref().clone());
    let after = kids(&replaced.jwks().await.unwrap());
    assert_eq!(after.len(), 3, "a new key signs; the old ones stay published: {after:?}");
    assert!(after[1..].contains(&rotated) && after[1..].contains(&first[0]));
    drop(db);
}
