//! Accounts and sessions: sign-in by username or email, cookies, sign-out, admin rights,
//! and the registration policy.

use reqwest::StatusCode;
use serde_json::json;
use usher_http::Registration;

use crate::harness::{Backend, TestApp, assert_problem};

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
    let code = app.create_invite(json!({})).await["code"].as_str().unwrap().to_owned();
    let (status, registered) = app.register("judy", Some(&code)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(registered["user"]["username"], "judy");
    assert!(registered["user"].get("password_hash").is_none());
    for login in ["judy", "judy@example.com", "JUDY@Example.COM"] {
        let (status, body) =
            app.post("/auth/login", None, json!({"login": login, "password": "correct horse battery"})).await;
        assert_eq!(status, StatusCode::OK, "{login}: {body}");
        assert_eq!(body["user"]["username"], "judy");
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
                "invite": app.create_invite(json!({})).await["code"],
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
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["user"]["username"], "kim");
    assert_eq!(me["groups"], json!([]));
}

async fn signing_out_ends_the_session(app: TestApp) {
    let code = app.create_invite(json!({})).await["code"].as_str().unwrap().to_owned();
    let (_, body) = app.register("leo", Some(&code)).await;
    let token = body["session_token"].as_str().unwrap();
    let response = app.send(reqwest::Method::POST, "/auth/logout", Some(token), None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let (status, body) = app.get("/me", Some(token)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = app.post("/auth/logout", None, json!({})).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}

async fn only_admins_reach_admin_routes(app: TestApp) {
    let code = app.create_invite(json!({})).await["code"].as_str().unwrap().to_owned();
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
    let code = app.create_invite(json!({})).await["code"].as_str().unwrap().to_owned();
    let (_, body) = app.register("nina", Some(&code)).await;
    let session = body["session_token"].as_str().unwrap().to_owned();
    let link = app.create_login_link("nina").await["token"].as_str().unwrap().to_owned();
    let (status, user) = app
        .request(reqwest::Method::PATCH, "/admin/users/nina", Some(&app.admin_token), Some(&json!({"disabled": true})))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(user["disabled_at"].is_string());
    let (status, body) = app.get("/me", Some(&session)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) =
        app.post("/auth/login", None, json!({"login": "nina", "password": "correct horse battery"})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.redeem_login_link(&link).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    app.request(reqwest::Method::PATCH, "/admin/users/nina", Some(&app.admin_token), Some(&json!({"disabled": false})))
        .await;
    assert_eq!(app.redeem_login_link(&link).await.0, StatusCode::OK, "the refused redemption used nothing");
}

async fn admins_manage_users(app: TestApp) {
    let token = Some(app.admin_token.as_str());
    let user = app.create_user("oscar").await;
    assert_eq!(user["has_password"], false);
    let (status, body) =
        app.post("/admin/users", token, json!({"username": "oscar", "email": "other@example.com"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "username_taken");
    let (status, body) =
        app.post("/admin/users", token, json!({"username": "oscar2", "email": "OSCAR@example.com"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "email_taken");
    let (status, body) = app.post("/admin/users", token, json!({"username": "x", "email": "bad"})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(body["errors"].as_array().unwrap().len(), 2, "every bad field is named: {body}");
    let (status, patched) = app
        .request(
            reqwest::Method::PATCH,
            "/admin/users/oscar",
            token,
            Some(&json!({"display_name": "Oscar O.", "password": "a new password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!((patched["display_name"].as_str(), patched["has_password"].as_bool()), (Some("Oscar O."), Some(true)));
    let (status, _) = app.post("/auth/login", None, json!({"login": "oscar", "password": "a new password"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = app.get("/admin/users", token).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (status, body) = app.delete("/admin/users/admin", token).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    let (status, body) =
        app.request(reqwest::Method::PATCH, "/admin/users/admin", token, Some(&json!({"is_admin": false}))).await;
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
        let code = app.create_invite(json!({})).await["code"].as_str().unwrap().to_owned();
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
        assert_eq!(invite["uses"], u64::from(with_invite == StatusCode::CREATED), "{policy:?}");
    }
}

/// Disabling ends every session for good (re-enabling brings none back), and so does an
/// admin's setting of a new password.
async fn disabling_a_user_or_setting_their_password_ends_their_sessions(app: TestApp) {
    let patch = async |body: serde_json::Value| {
        let (status, user) =
            app.request(reqwest::Method::PATCH, "/admin/users/rita", Some(&app.admin_token), Some(&body)).await;
        assert_eq!(status, StatusCode::OK, "{user}");
    };
    let (first, id) = app.signed_in("rita").await;
    let second = app.redeem_login_link(app.create_login_link("rita").await["token"].as_str().unwrap()).await.1;
    let second = second["session_token"].as_str().unwrap().to_owned();
    patch(json!({"disabled": true})).await;
    assert_eq!(app.store.count_sessions(id.parse().unwrap()).await.unwrap(), 0, "deleted, not hidden");
    patch(json!({"disabled": false})).await;
    for session in [&first, &second] {
        let (status, body) = app.get("/me", Some(session)).await;
        assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    }

    let (status, fresh) = app.redeem_login_link(app.create_login_link("rita").await["token"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let fresh = fresh["session_token"].as_str().unwrap();
    assert_eq!(app.get("/me", Some(fresh)).await.0, StatusCode::OK);
    patch(json!({"password": "a brand new password"})).await;
    let (status, body) = app.get("/me", Some(fresh)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let login = json!({"login": "rita", "password": "a brand new password"});
    assert_eq!(app.post("/auth/login", None, login).await.0, StatusCode::OK, "the new password works");

    // An admin setting their own password stays signed in where they did it; their
    // other sessions end.
    let other = app.redeem_login_link(app.create_login_link("admin").await["token"].as_str().unwrap()).await.1;
    let other = other["session_token"].as_str().unwrap().to_owned();
    let body = json!({"password": "the admin's new password"});
    let (status, user) =
        app.request(reqwest::Method::PATCH, "/admin/users/admin", Some(&app.admin_token), Some(&body)).await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(app.get("/me", Some(&app.admin_token)).await.0, StatusCode::OK, "the caller's session stays");
    let (status, body) = app.get("/me", Some(&other)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
}
