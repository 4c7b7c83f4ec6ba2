//! A relying party that is not ours — the `openidconnect` crate — signs a person in:
//! discovery, the code flow with PKCE, the ID token's signature, `nonce` and `iss`,
//! userinfo, and a refresh; then a replayed refresh token ends the chain.

use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, RefreshToken, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims},
};
use reqwest::StatusCode;
use serde_json::json;

use super::{CALLBACK, callback_params, register_app, userinfo, visit};
use crate::harness::TestApp;

on_both_backends!(a_relying_party_signs_in_with_code_and_pkce);

async fn a_relying_party_signs_in_with_code_and_pkce(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let group = app.new_group(&app.admin_token, json!({"name": "Smith Family"})).await;
    let (slug, group) = (group.slug.clone(), group.id.clone());
    let (session, user_id) = app.signed_in("alice").await;
    app.group(&app.admin_token, &group).admit(&session, "member").await;
    let http = super::no_redirects();

    let issuer = IssuerUrl::new(app.config.public_url()).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http).await.expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(rp.client_id.clone()),
        rp.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.to_owned()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("groups".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let path = &url.as_str()[url.as_str().find("/oauth2/").expect("on Usher")..];
    let answer = callback_params(&visit(&app, path, Some(&session)).await);
    assert_eq!(answer.get("state"), Some(state.secret()), "state comes back");
    assert_eq!(answer.get("iss"), Some(&app.config.public_url()), "RFC 9207: the issuer names itself");

    let tokens = client
        .exchange_code(AuthorizationCode::new(answer["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("the code is exchanged");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).expect("signature, iss, aud, nonce check out");
    assert_eq!(claims.subject().as_str(), user_id);
    assert_eq!(claims.issuer(), &issuer);
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("alice"));
    assert!(claims.auth_time().is_some());
    let header = id_token.to_string();
    let header: serde_json::Value = {
        use base64::Engine;
        let part = header.split('.').next().unwrap();
        serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    assert_eq!(header["alg"], "RS256");
    let jwks: serde_json::Value = super::no_redirects()
        .get(format!("http://{}/oauth2/jwks", app.addr))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&serde_json::Value> = jwks["keys"].as_array().unwrap().iter().map(|k| &k["kid"]).collect();
    assert!(kids.contains(&&header["kid"]), "the key id is published in the JWKS: {header} {jwks}");

    let info: CoreUserInfoClaims =
        client.user_info(tokens.access_token().clone(), None).unwrap().request_async(&http).await.expect("userinfo");
    assert_eq!(info.subject().as_str(), user_id);
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    let (_, raw) = userinfo(&app, tokens.access_token().secret()).await;
    assert_eq!(raw["groups"], json!([slug]), "{raw}");
    assert_eq!(raw["roles"], json!({slug.clone(): "member"}), "{raw}");

    let refresh = tokens.refresh_token().expect("offline_access brings a refresh token").clone();
    let refreshed = client.exchange_refresh_token(&refresh).unwrap().request_async(&http).await.expect("a refresh");
    let new_access = refreshed.access_token().clone();
    assert_eq!(userinfo(&app, new_access.secret()).await.0, StatusCode::OK);
    assert_ne!(refreshed.refresh_token().map(|r| r.secret()), Some(refresh.secret()), "it rotates");

    let replayed = RefreshToken::new(refresh.secret().clone());
    let replay = client.exchange_refresh_token(&replayed).unwrap().request_async(&http).await;
    assert!(replay.is_err(), "an old refresh token is refused");
    assert_eq!(userinfo(&app, new_access.secret()).await.0, StatusCode::UNAUTHORIZED, "and ends its chain");
    let next = refreshed.refresh_token().unwrap();
    let after = client.exchange_refresh_token(next).unwrap().request_async(&http).await;
    assert!(after.is_err(), "the newest refresh token of the chain is revoked too");
}
