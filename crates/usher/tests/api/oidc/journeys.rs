//! The invited person's way into the application, through OpenID Connect: a group
//! that names an app sends whoever joins it there; an invite's `return_to` sends them
//! to the page they were invited to; and the family tree's own flow — an email
//! invitation as `contributor` ends with the invitee signed in to the app, its
//! `roles` claim saying `contributor` for the tree.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use super::{code_for, exchange, register_app, userinfo};
use crate::harness::{
    Backend, PageClient, SmtpServer, TestApp, assert_problem, cookie_pair, mail_to, set_cookie, token_in,
};

on_both_backends!(backend: an_email_invitation_as_contributor_ends_signed_in_to_the_tree_app);
on_both_backends!(
    a_group_naming_an_app_sends_whoever_joins_there,
    return_to_must_lie_under_a_registered_app,
    a_registration_invite_returns_to_the_app_after_sign_up,
);

const HOME: &str = "http://127.0.0.1:9/tree";

/// Signs up on the `/register` page with `invite`, as a browser that holds only the
/// CSRF pair; answers where it was sent and the new session.
async fn sign_up_on_the_page(app: &TestApp, username: &str, invite: &str) -> (String, String) {
    let browser = PageClient::signed_in(app, "none").await;
    let email = format!("{username}@example.com");
    let form = [
        ("csrf", browser.csrf.as_str()),
        ("username", username),
        ("email", email.as_str()),
        ("password", "correct horse battery"),
        ("invite", invite),
    ];
    let response = browser
        .request(reqwest::Method::POST, &format!("http://{}/register", app.addr))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs up");
    let location = response.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let session = cookie_pair(&set_cookie(response.headers(), "usher_session").expect("signed in"));
    (location, session.trim_start_matches("usher_session=").to_owned())
}

/// The claims of an ID token (its signature is the relying-party test's business).
fn id_token_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn an_email_invitation_as_contributor_ends_signed_in_to_the_tree_app(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, |c| {
        mail_to(smtp.url())(c);
        c.roles = vec!["custodian".into(), "contributor".into(), "viewer".into()];
        c.manage_role = "custodian".into();
    })
    .await
    else {
        return;
    };
    let rp = register_app(&app, json!({"home_url": HOME})).await;
    let tree = app.new_group(&app.admin_token, json!({"name": "Smith Tree", "app_id": rp.id})).await;
    let return_to = format!("{HOME}/trees/{}", tree.id);
    let (status, invite) = app
        .post(
            &format!("/groups/{}/invites", tree.id),
            Some(&app.admin_token),
            json!({"email": "grace@example.com", "role": "contributor", "return_to": return_to}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    assert_eq!(invite["return_to"], return_to.as_str());

    let mail = smtp.wait_for(1).await.remove(0);
    let token = token_in(&mail, &app.config.public_url());
    let (location, session) = sign_up_on_the_page(&app, "grace", &token).await;
    assert_eq!(location, return_to, "signed up and joined: on to the tree she was invited to");

    // The app, at that page, signs her in through Usher.
    let code = code_for(&app, &rp.client_id, &session, &[]).await;
    let (status, tokens) = exchange(&app, &rp, &code, &[]).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let claims = id_token_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["preferred_username"], "grace");
    assert_eq!(claims["roles"], json!({tree.slug.clone(): "contributor"}), "{claims}");
    assert_eq!(claims["groups"], json!([tree.slug]));
    let (_, info) = userinfo(&app, tokens["access_token"].as_str().unwrap()).await;
    assert_eq!(info["roles"][&tree.slug], "contributor");
}

async fn a_group_naming_an_app_sends_whoever_joins_there(app: TestApp) {
    let rp = register_app(&app, json!({"home_url": HOME})).await;
    let group = app.new_group(&app.admin_token, json!({"name": "Tree", "app_id": rp.id})).await;
    assert_eq!(group.app_id.as_deref(), Some(rp.id.as_str()));
    let code = app.group(&app.admin_token, &group.id).invite(json!({"max_uses": 5})).await;
    let code = code.code().to_owned();

    // A new account through the code: on to the app.
    let (location, _) = sign_up_on_the_page(&app, "henry", &code).await;
    assert_eq!(location, HOME);
    // An existing account joining on the landing page: the same; the page lets its
    // form lead there.
    let (session, _) = app.signed_in("iris").await;
    let browser = PageClient::signed_in(&app, &session).await;
    let page = browser.request(reqwest::Method::GET, &format!("http://{}/join/{code}", app.addr)).send().await.unwrap();
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("form-action 'self' http://127.0.0.1:9"), "{csp}");
    let joined = browser.post(&format!("/join/{code}"), &[]).await;
    assert_eq!(joined.location.as_deref(), Some(HOME));

    // Without an app, Usher's own page of the group.
    let (status, _) =
        app.patch(&format!("/groups/{}", group.id), Some(&app.admin_token), json!({"app_id": null})).await;
    assert_eq!(status, StatusCode::OK);
    let (location, _) = sign_up_on_the_page(&app, "jack", &code).await;
    assert_eq!(location, format!("/groups/{}", group.id));
    let (status, body) = app
        .patch(&format!("/groups/{}", group.id), Some(&app.admin_token), json!({"app_id": uuid::Uuid::now_v7()}))
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
}

async fn return_to_must_lie_under_a_registered_app(app: TestApp) {
    register_app(&app, json!({"home_url": HOME})).await;
    let group = app.create_group(&app.admin_token, "Tree").await;
    let path = format!("/groups/{group}/invites");
    for refused in [
        "http://127.0.0.1:9/elsewhere",
        "http://127.0.0.1:10/tree",
        "https://evil.example/tree",
        "http://127.0.0.1:9/treehouse",
        "javascript:alert(1)",
        "/tree",
    ] {
        let (status, body) = app.post(&path, Some(&app.admin_token), json!({"return_to": refused})).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(body["errors"][0]["field"], "return_to", "{refused}: {body}");
    }
    for accepted in [HOME.to_owned(), format!("{HOME}/trees/7?tab=people"), super::CALLBACK.to_owned()] {
        let (status, body) = app.post(&path, Some(&app.admin_token), json!({"return_to": accepted})).await;
        assert_eq!(status, StatusCode::CREATED, "{accepted}: {body}");
    }
}

/// A registration invite (an instance's invitee, no group) may carry `return_to` too:
/// signing up with it lands in the app.
async fn a_registration_invite_returns_to_the_app_after_sign_up(app: TestApp) {
    register_app(&app, json!({"home_url": HOME})).await;
    let welcome = format!("{HOME}/welcome");
    let (status, body) =
        app.post("/admin/invites", Some(&app.admin_token), json!({"return_to": "https://evil.example/"})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let invite = app.create_invite(json!({"return_to": welcome})).await;
    let (location, _) = sign_up_on_the_page(&app, "kate", invite.code()).await;
    assert_eq!(location, welcome);

    // The console's forms take it too: a registration invite, and a group's code.
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let refused = admin.post("/admin/invites", &[("max_uses", "1"), ("return_to", "https://evil.example/")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let created = admin.post("/admin/invites", &[("max_uses", "1"), ("return_to", &welcome)]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "created: on to its page");
    let (_, invites) = app.get("/admin/invites", Some(&app.admin_token)).await;
    assert_eq!(invites["items"][0]["return_to"], welcome.as_str(), "{invites}");
    let group = app.create_group(&app.admin_token, "Tree").await;
    let form = [("kind", "code"), ("role", "member"), ("max_uses", "2"), ("return_to", welcome.as_str())];
    let made = admin.post(&format!("/groups/{group}/invites"), &form).await;
    assert!(made.status.is_success() || made.status.is_redirection(), "{made:?}");
    let (_, invites) = app.get(&format!("/groups/{group}/invites"), Some(&app.admin_token)).await;
    assert_eq!(invites["items"][0]["return_to"], welcome.as_str(), "{invites}");
}
