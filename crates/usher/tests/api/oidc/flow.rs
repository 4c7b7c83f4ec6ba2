//! The person's side of the flow: signing in inside it and coming back, consent
//! (once per app and scope set), apps limited to some groups, `prompt`, and
//! RP-initiated logout.

use reqwest::{StatusCode, header};
use serde_json::json;

use super::{CALLBACK, authorize_path, callback_params, code_for, register_app, visit};
use crate::harness::{Backend, PageClient, TestApp, between, cookie_pair, set_cookie};

on_both_backends!(
    consent_is_asked_once_per_app_and_scope_set,
    people_outside_the_allowed_groups_are_sent_back_with_access_denied,
    signing_in_inside_the_flow_comes_back_to_the_app,
    logout_sends_people_only_where_the_app_registered,
);
on_both_backends!(backend: app_sign_ins_are_limited_per_account);

/// The value of a hidden form field, as the browser would post it.
fn hidden(html: &str, name: &str) -> String {
    let escaped = between(html, &format!("name=\"{name}\" value=\""), "\"").expect("the field");
    escaped
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn consent_is_asked_once_per_app_and_scope_set(app: TestApp) {
    let rp = register_app(&app, json!({"first_party": false, "name": "Tree Viewer"})).await;
    let (session, _) = app.signed_in("alice").await;
    let browser = PageClient::signed_in(&app, &session).await;
    let basic = [("scope", "openid profile")];

    let page = browser.get(&authorize_path(&rp.client_id, &basic)).await;
    assert_eq!(page.status, StatusCode::OK, "{page:?}");
    assert!(page.html.contains("Tree Viewer") && page.html.contains("your username and name"), "{}", page.html);
    let request = hidden(&page.html, "request");
    let denied = browser.post("/oauth2/consent", &[("request", &request), ("decision", "deny")]).await;
    let denied = url::Url::parse(denied.location.as_deref().unwrap()).unwrap();
    assert!(denied.as_str().starts_with(CALLBACK));
    assert!(denied.query_pairs().any(|(k, v)| k == "error" && v == "access_denied"), "{denied}");
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_consents").await, 0, "declining records nothing");

    let allowed = browser.post("/oauth2/consent", &[("request", &request), ("decision", "allow")]).await;
    let allowed = url::Url::parse(allowed.location.as_deref().unwrap()).unwrap();
    assert!(allowed.query_pairs().any(|(k, _)| k == "code"), "{allowed}");

    // Asked once: the same scopes, or fewer, go straight back.
    code_for(&app, &rp.client_id, &session, &basic).await;
    code_for(&app, &rp.client_id, &session, &[("scope", "openid")]).await;
    // More scopes, or `prompt=consent`, ask again.
    assert_eq!(browser.get(&authorize_path(&rp.client_id, &[("scope", "openid email")])).await.status, StatusCode::OK);
    let again =
        browser.get(&authorize_path(&rp.client_id, &[("scope", "openid profile"), ("prompt", "consent")])).await;
    assert_eq!(again.status, StatusCode::OK);
    let silent =
        visit(&app, &authorize_path(&rp.client_id, &[("scope", "openid email"), ("prompt", "none")]), Some(&session))
            .await;
    assert_eq!(callback_params(&silent).get("error").map(String::as_str), Some("consent_required"));
    // The request may come as a form too (OpenID Connect Core §3.1.2.1).
    let query = super::authorize_path(&rp.client_id, &basic).split_once('?').unwrap().1.to_owned();
    let posted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("http://{}/oauth2/authorize", app.addr))
        .header(header::COOKIE, format!("usher_session={session}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(query)
        .send()
        .await
        .unwrap();
    assert!(callback_params(&posted).contains_key("code"), "consent given: straight back with a code");
    // The consent form cannot be posted without the CSRF pair.
    let forged = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("http://{}/oauth2/consent", app.addr))
        .header(header::COOKIE, format!("usher_session={session}"))
        .form(&[("csrf", "forged"), ("request", request.as_str()), ("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

async fn people_outside_the_allowed_groups_are_sent_back_with_access_denied(app: TestApp) {
    let group = app.create_group(&app.admin_token, "Smith Family").await;
    let rp = register_app(&app, json!({"allowed_groups": [group]})).await;
    let (alice, _) = app.signed_in("alice").await;
    let (bob, _) = app.signed_in("bob").await;
    app.group(&app.admin_token, &group).admit(&bob, "viewer").await;

    let answer = callback_params(&visit(&app, &authorize_path(&rp.client_id, &[]), Some(&alice)).await);
    assert_eq!(answer.get("error").map(String::as_str), Some("access_denied"), "{answer:?}");
    assert!(!answer.contains_key("code"));
    let code = code_for(&app, &rp.client_id, &bob, &[]).await;
    let (_, tokens) = super::exchange(&app, &rp, &code, &[]).await;

    // Bob leaves the group: his refresh token gets no more tokens, and is revoked.
    let bob_id = app.me(&bob).await.user.id;
    let (status, _) = app.delete(&format!("/groups/{group}/members/{bob_id}"), Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let credentials = Some((rp.client_id.as_str(), rp.secret.as_deref().unwrap()));
    let form = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().unwrap())];
    let (status, body) = super::post_form(&app, "token", &form, credentials).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "{body}");
    assert_eq!(super::userinfo(&app, tokens["access_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);

    let unknown = uuid::Uuid::now_v7().to_string();
    let (status, body) = app
        .post(
            "/admin/apps",
            Some(&app.admin_token),
            json!({"name": "X", "redirect_uris": [CALLBACK], "allowed_groups": [unknown]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "an unknown group: {body}");
}

async fn signing_in_inside_the_flow_comes_back_to_the_app(app: TestApp) {
    let rp = register_app(&app, json!({})).await;
    let (status, _) = app
        .post(
            "/admin/users",
            Some(&app.admin_token),
            json!({"username": "carol", "email": "carol@example.com", "password": "correct horse battery"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let path = authorize_path(&rp.client_id, &[]);

    let response = visit(&app, &path, None).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let login = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let next = super::query_of(&login)["next"].clone();
    assert!(next.starts_with("/oauth2/authorize?"), "{next}");
    assert_eq!(super::query_of(&next), super::query_of(&path), "the sign-in page comes back to the request");

    let page = visit(&app, &login, None).await;
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("form-action 'self' http://127.0.0.1:9"), "the form may end at the app: {csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("I have an invite") && html.contains("/register?next="), "sign-up keeps the way back");

    let browser = PageClient::signed_in(&app, "none").await;
    let form =
        [("csrf", browser.csrf.as_str()), ("login", "carol"), ("password", "correct horse battery"), ("next", &next)];
    let signed_in =
        browser.request(reqwest::Method::POST, &format!("http://{}/login", app.addr)).form(&form).send().await.unwrap();
    assert_eq!(signed_in.headers()[header::LOCATION].to_str().unwrap(), next, "on to the request");
    let cookie = cookie_pair(&set_cookie(signed_in.headers(), "usher_session").expect("signed in"));
    let carol = cookie.trim_start_matches("usher_session=");
    let answer = callback_params(&visit(&app, &next, Some(carol)).await);
    assert!(answer.contains_key("code"), "and back in the app: {answer:?}");

    // `prompt=login` signs the person out and back in; the return drops the prompt.
    let (session, _) = app.signed_in("dave").await;
    let response = visit(&app, &authorize_path(&rp.client_id, &[("prompt", "login")]), Some(&session)).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("/login?next=") && !location.contains("prompt"), "{location}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'dave'").await,
        0
    );
    // A `max_age` the session is older than does the same; a young enough one does not.
    let (session, _) = app.signed_in("erin").await;
    code_for(&app, &rp.client_id, &session, &[("max_age", "3600")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = visit(&app, &authorize_path(&rp.client_id, &[("max_age", "0")]), Some(&session)).await;
    assert!(response.headers()[header::LOCATION].to_str().unwrap().starts_with("/login?next="));
}

async fn logout_sends_people_only_where_the_app_registered(app: TestApp) {
    let rp = register_app(&app, json!({"post_logout_redirect_uris": ["http://127.0.0.1:9/bye"]})).await;
    let (session, _) = app.signed_in("alice").await;
    let browser = PageClient::signed_in(&app, &session).await;
    let path = format!(
        "/oauth2/logout?client_id={}&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye&state=s1",
        rp.client_id
    );

    let page = browser.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "asked first: a link elsewhere cannot sign anyone out");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 2, "the admin's and alice's");
    let done = browser.post(&path, &[]).await;
    assert_eq!(done.location.as_deref(), Some("http://127.0.0.1:9/bye?state=s1"));
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1, "alice's session ended");

    for wrong in [
        format!("/oauth2/logout?client_id={}&post_logout_redirect_uri=http%3A%2F%2Fevil.example%2F", rp.client_id),
        "/oauth2/logout?post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye".to_owned(),
        "/oauth2/logout?id_token_hint=not.a.token&post_logout_redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fbye".to_owned(),
    ] {
        let response = visit(&app, &wrong, None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{wrong}");
        assert!(response.headers().get(header::LOCATION).is_none());
    }
    // Not signed in: straight there.
    let response = visit(&app, &path, None).await;
    assert_eq!(response.headers()[header::LOCATION].to_str().unwrap(), "http://127.0.0.1:9/bye?state=s1");
}

/// Each sign-in to an app leaves a code row for a day: an account gets
/// `rate_limit_app_sign_ins_per_minute` of them, then the app hears
/// `temporarily_unavailable`; another account is not held back.
async fn app_sign_ins_are_limited_per_account(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.rate_limit_app_sign_ins_per_minute = 3).await else { return };
    let rp = register_app(&app, json!({})).await;
    let (alice, _) = app.signed_in("alice").await;
    let (bob, _) = app.signed_in("bob").await;
    for _ in 0..3 {
        code_for(&app, &rp.client_id, &alice, &[]).await;
    }
    let answer = callback_params(&visit(&app, &authorize_path(&rp.client_id, &[]), Some(&alice)).await);
    assert_eq!(answer.get("error").map(String::as_str), Some("temporarily_unavailable"), "{answer:?}");
    assert_eq!(answer.get("state").map(String::as_str), Some("af0ifjsldkj"));
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_codes").await, 3);
    code_for(&app, &rp.client_id, &bob, &[]).await;
}
