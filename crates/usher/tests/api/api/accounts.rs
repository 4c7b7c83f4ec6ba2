//! Accounts and sessions: sign-in by username or email, cookies, sign-out, admin rights,
//! and the registration policy.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Backend, Me, Page, Registration, SignedIn, TestApp, UserView, assert_problem, typed};

on_both_backends!(backend: registration_policy);

on_both_backends!(
    sign_in_by_username_or_any_case_email,
    the_cookie_works_like_the_bearer_token,
    signing_out_ends_the_session,
    only_admins_reach_admin_routes,
    disabled_accounts_cannot_sign_in,
    admins_manage_users,
    disabling_a_user_or_setting_their_password_ends_their_sessions,
);

async fn sign_in_by_username_or_any_case_email(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let (status, registered) = app.register("judy", Some(&code)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(registered["user"].get("password_hash").is_none(), "{registered}");
    let registered: SignedIn = typed(registered);
    assert_eq!((registered.user.username.as_str(), registered.user.has_password), ("judy", true));
    for login in ["judy", "judy@example.com", "JUDY@Example.COM"] {
        let signed_in = app.log_in(login, "correct horse battery").await;
        assert_eq!(signed_in.user.id, registered.user.id, "{login}");
    }
    for (login, password) in
        [("judy", "wrong password"), ("nobody", "correct horse battery"), ("admin", "anything at all")]
    {
        let (status, body) = app.post("/auth/login", None, json!({"login": login, "password": password})).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
}

async fn the_cookie_works_like_the_bearer_token(app: TestApp) {
    let response = app
        .send(
            reqwest::Method::POST,
            "/auth/register",
            None,
            Some(&json!({
                "username": "kim", "email": "kim@example.com", "password": "correct horse battery",
                "invite": app.create_invite(json!({})).await.code(),
                "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "web", "name": "Firefox"},
            })),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag: {cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = app.client.get(format!("{}/me", app.api)).header("cookie", &pair).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Me = typed(me.json().await.unwrap());
    assert_eq!((me.user.username.as_str(), me.groups.len()), ("kim", 0));
}

async fn signing_out_ends_the_session(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let token = app.registered("leo", &code).await.session_token;
    let token = token.as_str();
    let response = app.send(reqwest::Method::POST, "/auth/logout", Some(token), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (status, body) = app.get("/me", Some(token)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = app.post("/auth/logout", None, json!({})).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn only_admins_reach_admin_routes(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let (_, body) = app.register("mallory", Some(&code)).await;
    let user = body["session_token"].as_str().unwrap().to_owned();
    let routes = [
        (reqwest::Method::GET, "/admin/invites"),
        (reqwest::Method::POST, "/admin/invites"),
        (reqwest::Method::GET, "/admin/users"),
        (reqwest::Method::POST, "/admin/users"),
        (reqwest::Method::GET, "/admin/users/admin"),
        (reqwest::Method::DELETE, "/admin/users/admin"),
        (reqwest::Method::POST, "/admin/users/mallory/login-links"),
        (reqwest::Method::GET, "/admin/login-links"),
    ];
    for (method, path) in routes {
        let body = (method == reqwest::Method::POST).then(|| json!({}));
        let (status, problem) = app.request(method.clone(), path, Some(&user), body.as_ref()).await;
        assert_problem(status, &problem, StatusCode::FORBIDDEN, "forbidden");
        let (status, problem) = app.request(method.clone(), path, None, body.as_ref()).await;
        assert_problem(status, &problem, StatusCode::UNAUTHORIZED, "unauthenticated");
        let (status, problem) = app.request(method, path, Some("not-a-session"), body.as_ref()).await;
        assert_problem(status, &problem, StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    assert_eq!(app.store.count_users().await.unwrap(), 2, "nothing was created or deleted");
}

async fn disabled_accounts_cannot_sign_in(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let session = app.registered("nina", &code).await.session_token;
    let link = app.create_login_link("nina").await.token;
    assert!(app.update_user("nina", json!({"disabled": true})).await.disabled_at.is_some());
    let (status, body) = app.get("/me", Some(&session)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) =
        app.post("/auth/login", None, json!({"login": "nina", "password": "correct horse battery"})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.redeem_login_link(&link).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.update_user("nina", json!({"disabled": false})).await.disabled_at, None);
    app.sign_in_by_link(&link).await; // the refused redemption used nothing
}

async fn admins_manage_users(app: TestApp) {
    let token = Some(app.admin_token.as_str());
    let user = app.create_user("oscar").await;
    assert!(!user.has_password);
    let (status, body) =
        app.post("/admin/users", token, json!({"username": "oscar", "email": "other@example.com"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "username_taken");
    let (status, body) =
        app.post("/admin/users", token, json!({"username": "oscar2", "email": "OSCAR@example.com"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "email_taken");
    let (status, body) = app.post("/admin/users", token, json!({"username": "x", "email": "bad"})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "every bad field is named: {body}");
    let patched = app.update_user("oscar", json!({"display_name": "Oscar O.", "password": "a new password"})).await;
    assert_eq!((patched.display_name.as_str(), patched.has_password), ("Oscar O.", true));
    assert_eq!(app.log_in("oscar", "a new password").await.user, patched);
    let list: Page<UserView> = app.read("/admin/users", token).await;
    assert_eq!(
        list.items.iter().map(|u| u.username.as_str()).collect::<BTreeSet<_>>(),
        BTreeSet::from(["admin", "oscar"])
    );
    let (status, body) = app.delete("/admin/users/admin", token).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let (status, body) = app.patch("/admin/users/admin", token, json!({"is_admin": false})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
}

/// The registration policy, on both backends, in one test per backend.
async fn registration_policy(backend: Backend) {
    for (policy, with_invite, without_invite) in [
        (Registration::Open, StatusCode::CREATED, StatusCode::CREATED),
        (Registration::InviteOnly, StatusCode::CREATED, StatusCode::FORBIDDEN),
        (Registration::Closed, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
    ] {
        let Some(app) = TestApp::spawn_with(backend, |c| c.registration = policy).await else {
            return;
        };
        let code = app.create_invite(json!({})).await.code().to_owned();
        let (status, body) = app.register("withcode", Some(&code)).await;
        assert_eq!(status, with_invite, "{policy:?} with an invite: {body}");
        let (status, body) = app.register("withoutcode", None).await;
        assert_eq!(status, without_invite, "{policy:?} without: {body}");
        let expected_code = match policy {
            Registration::Closed => Some("registration_closed"),
            Registration::InviteOnly => Some("invite_required"),
            Registration::Open => None,
        };
        if let Some(code) = expected_code {
            assert_eq!(body["code"], code);
        }
        let invite = app.invite(&code).await;
        assert_eq!(invite.uses, u64::from(with_invite == StatusCode::CREATED), "{policy:?}");
    }
}

/// Disabling ends every session for good (re-enabling brings none back), and so does an
/// admin's setting of a new password.
async fn disabling_a_user_or_setting_their_password_ends_their_sessions(app: TestApp) {
    let patch = async |body| app.update_user("rita", body).await;
    let link_session = async |username| app.sign_in_by_link(&app.create_login_link(username).await.token).await;
    let (first, id) = app.signed_in("rita").await;
    let second = link_session("rita").await.session_token;
    patch(json!({"disabled": true})).await;
    assert_eq!(app.store.count_sessions(id.parse().unwrap()).await.unwrap(), 0, "deleted, not hidden");
    patch(json!({"disabled": false})).await;
    for session in [&first, &second] {
        let (status, body) = app.get("/me", Some(session)).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    let fresh = link_session("rita").await.session_token;
    assert_eq!(app.me(&fresh).await.user.id, id);
    assert!(patch(json!({"password": "a brand new password"})).await.has_password);
    let (status, body) = app.get("/me", Some(&fresh)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    app.log_in("rita", "a brand new password").await; // the new password works

    // An admin setting their own password stays signed in where they did it; their
    // other sessions end.
    let other = link_session("admin").await.session_token;
    app.update_user("admin", json!({"password": "the admin's new password"})).await;
    assert_eq!(app.me(&app.admin_token).await.user.username, "admin", "the caller's session stays");
    let (status, body) = app.get("/me", Some(&other)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}
