//! Attacks on the flow: redirect URIs not registered exactly, codes replayed, late,
//! stolen by another app or sent without their PKCE verifier, refresh tokens
//! replayed, and secrets looked for at rest.

use reqwest::{StatusCode, header};
use serde_json::json;

use super::{CALLBACK, authorize_path, callback_params, code_for, exchange, post_form, register_app, userinfo, visit};
use crate::harness::TestApp;

on_both_backends!(
    unknown_apps_and_redirect_uris_get_a_page_never_a_redirect,
    other_mistakes_go_back_to_the_app_with_state_and_iss,
    a_code_works_once_and_its_replay_revokes_its_tokens,
    a_code_lives_a_minute_at_most,
    public_apps_need_pkce_and_the_right_verifier,
    a_code_is_bound_to_its_app_redirect_uri_and_secret,
    a_replayed_refresh_token_revokes_the_chain,
    tokens_and_secrets_are_not_readable_at_rest,
    introspection_and_revocation_answer_each_app_for_its_own_tokens,
    the_cleanup_purges_expired_tokens_and_old_codes,
    nul_characters_are_refused_not_stored,
);

async fn unknown_apps_and_redirect_uris_get_a_page_never_a_redirect(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let wrong = [
        authorize_path("no-such-app", &[]),
        authorize_path(&rp.client_id, &[]).replace("%2Fcallback", "%2Fcallback%2Fother"),
        authorize_path(&rp.client_id, &[]).replace("%2Fcallback", "%2Fcallback%3Fx%3D1"),
        authorize_path(&rp.client_id, &[]).replace("http%3A%2F%2F127.0.0.1%3A9", "http%3A%2F%2Fevil.example"),
        authorize_path(&rp.client_id, &[]).replace("redirect_uri=", "redirect_uri=x&r="),
    ];
    for path in wrong {
        for session in [None, Some(session.as_str())] {
            let response = visit(&app, &path, session).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
            assert!(response.headers().get(header::LOCATION).is_none(), "no redirect for {path}");
            assert!(response.text().await.unwrap().contains("Cannot sign you in"));
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_codes").await, 0, "no code was made");
}

async fn other_mistakes_go_back_to_the_app_with_state_and_iss(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let cases: [(&[(&str, &str)], &str); 6] = [
        (&[("response_type", "token")], "unsupported_response_type"),
        (&[("scope", "profile email")], "invalid_scope"),
        (
            &[("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "plain")],
            "invalid_request",
        ),
        (&[("request", "eyJhbGciOiJub25lIn0.e30.")], "request_not_supported"),
        (&[("max_age", "-1")], "invalid_request"),
        (&[("prompt", "none login")], "invalid_request"),
    ];
    for (params, error) in cases {
        let path = authorize_path(&rp.client_id, params);
        let answer = callback_params(&visit(&app, &path, Some(&session)).await);
        assert_eq!(answer.get("error").map(String::as_str), Some(error), "{params:?}: {answer:?}");
        assert_eq!(answer.get("state").map(String::as_str), Some("af0ifjsldkj"));
        assert_eq!(answer.get("iss"), Some(&app.config.public_url()));
        assert!(!answer.contains_key("code"));
    }
    // Not signed in, and told not to show a page.
    let answer = callback_params(&visit(&app, &authorize_path(&rp.client_id, &[("prompt", "none")]), None).await);
    assert_eq!(answer.get("error").map(String::as_str), Some("login_required"));
}

async fn a_code_works_once_and_its_replay_revokes_its_tokens(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (status, tokens) = exchange(&app, &rp, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(userinfo(&app, access).await.0, StatusCode::OK);

    let (status, replay) = exchange(&app, &rp, &code, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(replay["error"], "invalid_grant", "{replay}");
    assert!(replay.get("access_token").is_none());
    assert_eq!(userinfo(&app, access).await.0, StatusCode::UNAUTHORIZED, "the first exchange's tokens are revoked");
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let (status, body) = post_form(&app, "token", &form, Some((&rp.client_id, rp.secret.as_deref().unwrap()))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
}

async fn a_code_lives_a_minute_at_most(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let before = chrono::Utc::now().timestamp_millis();
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let latest = app.count("SELECT MAX(expires_at) FROM oauth_codes").await;
    assert!(latest <= chrono::Utc::now().timestamp_millis() + 60_000 && latest >= before + 59_000, "{latest}");
    // A minute later:
    app.execute_sql(&format!("UPDATE oauth_codes SET expires_at = {}", chrono::Utc::now().timestamp_millis() - 1))
        .await;
    let (status, body) = exchange(&app, &rp, &code, &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_tokens").await, 0);
}

async fn public_apps_need_pkce_and_the_right_verifier(app: TestApp) {
    let rp = register_app(&app, json!({"public": true})).await;
    assert!(rp.secret.is_none(), "a public app has no secret");
    let (session, _) = app.signed_in("alice").await;
    let answer = callback_params(&visit(&app, &authorize_path(&rp.client_id, &[]), Some(&session)).await);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request"), "PKCE required: {answer:?}");

    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge =
        [("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256")];
    let code = code_for(&app, &rp.client_id, &session, &challenge).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("client_id", rp.client_id.as_str()),
    ];
    let wrong_verifier = "x".repeat(43);
    for extra in [vec![], vec![("code_verifier", wrong_verifier.as_str())], vec![("code_verifier", "short")]] {
        let mut form = base.to_vec();
        form.extend(extra.clone());
        let (status, body) = post_form(&app, "token", &form, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{extra:?}: {body}"
        );
    }
    let mut form = base.to_vec();
    form.push(("code_verifier", verifier));
    let (status, body) = post_form(&app, "token", &form, None).await;
    assert_eq!(status, StatusCode::OK, "the right verifier: {body}");
    assert!(body["id_token"].is_string());
}

async fn a_code_is_bound_to_its_app_redirect_uri_and_secret(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let other = register_app(&app, json!({"name": "Other"})).await;
    let (session, _) = app.signed_in("alice").await;
    let code = code_for(&app, &rp.client_id, &session, &[]).await;

    let (status, body) = exchange(&app, &other, &code, &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "another app");
    let wrong_secret = super::RegisteredApp { secret: Some("not-the-secret".into()), ..rp.clone() };
    let (status, body) = exchange(&app, &wrong_secret, &code, &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let form =
        [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", "http://127.0.0.1:9/other")];
    let (status, body) = post_form(&app, "token", &form, Some((&rp.client_id, rp.secret.as_deref().unwrap()))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "another URI");
    let (status, body) =
        exchange(&app, &rp, &code, &[("code_verifier", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant")),
        "a verifier for no challenge"
    );
    // None of that used the code up.
    let (status, body) = exchange(&app, &rp, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Both ways of authenticating at once, and a secret-less confidential app, are refused.
    let secret = rp.secret.as_deref().unwrap();
    let form = [("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_secret", secret)];
    let (status, body) = post_form(&app, "token", &form, Some((&rp.client_id, secret))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    let form = [("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", rp.client_id.as_str())];
    let (status, body) = post_form(&app, "token", &form, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
}

async fn a_replayed_refresh_token_revokes_the_chain(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (_, first) = exchange(&app, &rp, &code, &[]).await;
    let refresh = |token: String| refresh(&app, &rp, token);
    let (status, second) = refresh(first["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let (status, third) = refresh(second["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    assert_eq!(userinfo(&app, third["access_token"].as_str().unwrap()).await.0, StatusCode::OK);

    let (status, replay) = refresh(first["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!((status, replay["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    assert_eq!(userinfo(&app, third["access_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(third["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the newest refresh token of the chain is revoked");
    // Another grant of the same person is untouched.
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    assert_eq!(exchange(&app, &rp, &code, &[]).await.0, StatusCode::OK);
}

/// A refresh at the token endpoint, as the confidential app `rp`.
async fn refresh(app: &TestApp, rp: &super::RegisteredApp, token: String) -> (reqwest::StatusCode, serde_json::Value) {
    let credentials = Some((rp.client_id.as_str(), rp.secret.as_deref().unwrap()));
    post_form(app, "token", &[("grant_type", "refresh_token"), ("refresh_token", &token)], credentials).await
}

async fn tokens_and_secrets_are_not_readable_at_rest(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (_, tokens) = exchange(&app, &rp, &code, &[]).await;
    let second_code = code_for(&app, &rp.client_id, &session, &[]).await;
    let contents = app.database_contents().await;
    let secrets = [
        rp.secret.clone().unwrap(),
        code,
        second_code,
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    ];
    for secret in &secrets {
        assert!(!contents.windows(secret.len()).any(|w| w == secret.as_bytes()), "a secret is readable at rest");
    }
    let keys = app.count("SELECT COUNT(*) FROM signing_keys").await;
    assert_eq!(keys, 1);
    let sealed = app.count("SELECT COUNT(*) FROM signing_keys WHERE private_key LIKE 'v1.%'").await;
    assert_eq!(sealed, 1, "the signing key's private half is sealed");
}

async fn introspection_and_revocation_answer_each_app_for_its_own_tokens(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let other = register_app(&app, json!({"name": "Other"})).await;
    let (session, user_id) = app.signed_in("alice").await;
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (_, tokens) = exchange(&app, &rp, &code, &[]).await;
    let access = tokens["access_token"].as_str().unwrap();
    let ours = Some((rp.client_id.as_str(), rp.secret.as_deref().unwrap()));
    let theirs = Some((other.client_id.as_str(), other.secret.as_deref().unwrap()));

    let (status, answer) = post_form(&app, "introspect", &[("token", access)], ours).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["active"], true, "{answer}");
    assert_eq!(answer["sub"], user_id);
    assert_eq!(answer["client_id"], rp.client_id);
    assert_eq!(post_form(&app, "introspect", &[("token", access)], theirs).await.1, json!({"active": false}));
    assert_eq!(post_form(&app, "introspect", &[("token", access)], None).await.0, StatusCode::UNAUTHORIZED);
    let public = register_app(&app, json!({"public": true})).await;
    let form = [("token", access), ("client_id", public.client_id.as_str())];
    assert_eq!(post_form(&app, "introspect", &form, None).await.0, StatusCode::UNAUTHORIZED, "public apps may not ask");

    // Another app cannot revoke it; an unknown token is no error.
    assert_eq!(post_form(&app, "revoke", &[("token", access)], theirs).await.0, StatusCode::OK);
    assert_eq!(userinfo(&app, access).await.0, StatusCode::OK);
    assert_eq!(post_form(&app, "revoke", &[("token", "unknown")], ours).await.0, StatusCode::OK);
    // Revoking the refresh token ends the grant.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(post_form(&app, "revoke", &[("token", refresh)], ours).await.0, StatusCode::OK);
    assert_eq!(userinfo(&app, access).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(post_form(&app, "introspect", &[("token", access)], ours).await.1, json!({"active": false}));
}

async fn the_cleanup_purges_expired_tokens_and_old_codes(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    for _ in 0..2 {
        let code = code_for(&app, &rp.client_id, &session, &[]).await;
        exchange(&app, &rp, &code, &[]).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_tokens").await, 4, "two grants, access and refresh each");
    let long_ago = chrono::Utc::now().timestamp_millis() - 40 * 24 * 3600 * 1000;
    app.execute_sql(&format!("UPDATE oauth_tokens SET expires_at = {long_ago} WHERE kind = 'access'")).await;
    app.execute_sql(&format!("UPDATE oauth_codes SET expires_at = {long_ago}")).await;
    let (status, purged) = app.post("/admin/jobs/cleanup", Some(&app.admin_token), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{purged}");
    assert_eq!(purged["tokens"], 4, "two access tokens and two codes: {purged}");
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_tokens WHERE kind = 'refresh'").await, 2, "live ones stay");
}

/// A NUL character fits no stored text (PostgreSQL refuses it outright): wherever one
/// arrives — a query, a form, the Basic credentials — it is refused as malformed,
/// never a 500.
async fn nul_characters_are_refused_not_stored(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (session, _) = app.signed_in("alice").await;
    for params in [[("client_id", "a\0b")], [("nonce", "n\0")], [("state", "s\0")]] {
        let path = if params[0].0 == "client_id" {
            authorize_path("a\0b", &[])
        } else {
            authorize_path(&rp.client_id, &params)
        };
        let response = visit(&app, &path, Some(&session)).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{params:?}");
    }
    let logout = "/oauth2/logout?client_id=a%00b&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye";
    assert_eq!(visit(&app, logout, None).await.status(), StatusCode::BAD_REQUEST);
    let form = [("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "a\0b")];
    let (status, body) = post_form(&app, "token", &form, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let (status, _) = post_form(&app, "introspect", &[("token", "x")], Some(("a\0b", "secret"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let secret = rp.secret.as_deref().unwrap();
    let form = [("grant_type", "authorization_code"), ("code", "x"), ("redirect_uri", "http://a\0b/")];
    let (status, body) = post_form(&app, "token", &form, Some((&rp.client_id, secret))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_codes").await, 0);
}
