//! Login links: minted by an admin, shown once, redeemed once, and gone with their user.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};
use usher_domain::{invite::InviteKind, secret::Secret, token::TokenHash};
use usher_storage::model::InviteScope;

use crate::harness::{LinkSession, LoginLinkView, Page, TestApp, assert_problem, typed};

on_both_backends!(
    twenty_racing_redemptions_make_one_session,
    a_link_signs_its_user_in_on_a_device,
    dead_links_answer_why,
    secrets_are_honoured_only_by_their_own_route,
    lists_never_show_the_token,
    deleting_a_user_removes_sessions_devices_and_links,
    expiry_is_bounded,
);

async fn twenty_racing_redemptions_make_one_session(app: TestApp) {
    let user = app.create_user("racer").await;
    let user_id = user.id.parse().unwrap();
    for _ in 0..3 {
        let token = app.create_login_link("racer").await.token;
        let before = app.store.count_sessions(user_id).await.unwrap();
        let results = join_all((0..20).map(|_| app.redeem_login_link(&token))).await;
        assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::OK).count(), 1);
        for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::OK) {
            assert_problem(*status, body, StatusCode::GONE, "invite_used_up");
        }
        assert_eq!(app.store.count_sessions(user_id).await.unwrap(), before + 1, "exactly one new session");
    }
}

async fn a_link_signs_its_user_in_on_a_device(app: TestApp) {
    app.create_user("carol").await;
    let link = app.create_login_link("carol").await;
    let token = link.token.as_str();
    assert_eq!(link.url, format!("{}/l/{token}", app.config.public_url()));
    assert_eq!(link.user.username, "carol");
    assert!(token.len() >= 43, "256 bits of base64url");
    let body = json!({
        "token": token,
        "device": {"uuid": "0192F0A4-1B2C-7D3E-8F40-123456789ABC", "type": "ios", "name": "Carol's phone", "os_info": "iOS 19"},
    });
    let response = app.send(reqwest::Method::POST, "/auth/login-link", None, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("usher_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let answer: LinkSession = typed(response.json().await.unwrap());
    assert_eq!((answer.username.as_str(), &answer.user_id), ("carol", &link.user.id));
    assert_eq!(app.me(&answer.session_token).await.user.username, "carol");
    let listed = app.login_link(&link.id).await;
    assert_eq!((listed.status.as_str(), listed.used), ("used_up", true));
    // A device is required and checked.
    let (status, body) = app
        .post("/auth/login-link", None, json!({"token": token, "device": {"uuid": "x", "type": "ios", "name": "n"}}))
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(body["errors"][0]["field"], "device.uuid");
    let (status, body) = app.post("/auth/login-link", None, json!({"token": token})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(body["errors"][0]["field"], "device");
}

async fn dead_links_answer_why(app: TestApp) {
    app.create_user("dave").await;
    let used = app.create_login_link("dave").await.token;
    app.sign_in_by_link(&used).await;
    let revoked = app.create_login_link("dave").await;
    app.remove(&format!("/admin/login-links/{}", revoked.id), Some(&app.admin_token)).await;
    assert_eq!(app.login_link(&revoked.id).await.status, "revoked");

    // The API only mints links in whole hours: this one's hour ended a second ago.
    let expired = app.create_login_link("dave").await;
    let a_second_ago = chrono::Utc::now().timestamp_millis() - 1_000;
    app.execute_sql(&format!("UPDATE invites SET expires_at = {a_second_ago} WHERE id = '{}'", expired.id)).await;
    assert_eq!(app.login_link(&expired.id).await.status, "expired");

    let cases = [
        (used.as_str(), StatusCode::GONE, "invite_used_up"),
        (revoked.token.as_str(), StatusCode::GONE, "invite_revoked"),
        (expired.token.as_str(), StatusCode::GONE, "invite_expired"),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", StatusCode::NOT_FOUND, "invite_not_found"),
        ("", StatusCode::NOT_FOUND, "invite_not_found"),
        ("' OR 1=1 --", StatusCode::NOT_FOUND, "invite_not_found"),
    ];
    for (token, status, problem) in cases {
        let (s, body) = app.redeem_login_link(token).await;
        assert_problem(s, &body, status, problem);
    }
    let junk = "z".repeat(500);
    let (s, body) = app.redeem_login_link(&junk).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "invite_not_found");
}

async fn secrets_are_honoured_only_by_their_own_route(app: TestApp) {
    app.create_user("erin").await;
    let link = app.create_login_link("erin").await.token;
    let (status, body) = app.get(&format!("/invites/{link}"), None).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "invite_not_found");
    let (status, body) = app.register("thief", Some(&link)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "invite_not_found");
    let code = app.create_invite(json!({})).await.code().to_owned();
    let (status, body) = app.redeem_login_link(&code).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "invite_not_found");
    // None of that used anything up.
    app.sign_in_by_link(&link).await;
    assert_eq!(app.invite(&code).await.uses, 0);
}

async fn lists_never_show_the_token(app: TestApp) {
    app.create_user("frank").await;
    app.create_user("grace").await;
    let frank = app.create_login_link("frank").await;
    app.create_login_link("grace").await;
    let token = frank.token.as_str();
    let admin = Some(app.admin_token.as_str());
    let all: Value = app.read("/admin/login-links", admin).await;
    // Both new links plus the admin's own first-start link.
    assert_eq!(typed::<Page<LoginLinkView>>(all.clone()).items.len(), 3);
    let franks: Value = app.read("/admin/users/frank/login-links", admin).await;
    let listed = typed::<Page<LoginLinkView>>(franks.clone()).items;
    assert_eq!(listed.iter().map(|l| &l.id).collect::<Vec<_>>(), [&frank.id]);
    let one: Value = app.read(&format!("/admin/login-links/{}", frank.id), admin).await;
    for listing in [&all, &franks, &one] {
        let text = listing.to_string();
        assert!(!text.contains(token) && !text.contains("token"), "{text}");
    }
    let (status, body) = app.get("/admin/users/nobody/login-links", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = app.get("/admin/login-links/not-an-id", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

async fn deleting_a_user_removes_sessions_devices_and_links(app: TestApp) {
    let user = app.create_user("heidi").await;
    let user_id = user.id.parse().unwrap();
    let first = app.create_login_link("heidi").await.token;
    let session = app.sign_in_by_link(&first).await.session_token;
    let pending = app.create_login_link("heidi").await.token;
    assert_eq!(app.get("/me", Some(&session)).await.0, StatusCode::OK);

    app.remove("/admin/users/heidi", Some(&app.admin_token)).await;
    let (status, body) = app.get("/me", Some(&session)).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = app.redeem_login_link(&pending).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "invite_not_found");
    assert_eq!(app.store.count_sessions(user_id).await.unwrap(), 0);
    let scope = InviteScope { user_id: Some(user_id), ..InviteScope::kind(InviteKind::LoginLink) };
    let links = app
        .store
        .list_invites(scope, false, None, usher_storage::model::Page { limit: 10, after: None }, chrono::Utc::now())
        .await
        .unwrap();
    assert!(links.is_empty());
    assert!(app.store.invite_by_secret(&Secret::Token(TokenHash::of(&pending))).await.unwrap().is_none());
    // The audit log keeps the trail (by id); nothing else remembers the user.
    let deleted: Value =
        app.read(&format!("/admin/audit?action=user.deleted&target={user_id}"), Some(&app.admin_token)).await;
    assert_eq!(deleted["items"].as_array().unwrap().len(), 1, "{deleted}");
    if app.backend == crate::harness::Backend::Postgres {
        app.execute_sql("DELETE FROM audit_events").await;
        let contents = String::from_utf8_lossy(&app.database_contents().await).into_owned();
        assert!(!contents.contains(&user_id.to_string()), "no row outside the audit log mentions the deleted user");
    }
    let (status, body) = app.delete("/admin/users/heidi", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}

async fn expiry_is_bounded(app: TestApp) {
    app.create_user("ivan").await;
    let token = Some(app.admin_token.as_str());
    let default = app.create_login_link("ivan").await;
    let expires = default.expires_at.expect("a login link expires");
    let hours = (expires - chrono::Utc::now()).num_minutes();
    assert!((235..=240).contains(&hours), "default 4 h, got {hours} min");
    let week = app.mint_login_link("ivan", json!({"expires_in_hours": 168})).await;
    let hours = (week.expires_at.expect("a login link expires") - chrono::Utc::now()).num_minutes();
    assert!((167 * 60..=168 * 60).contains(&hours), "a week, got {hours} min");
    for bad in [json!({"expires_in_hours": 0}), json!({"expires_in_hours": 169}), json!({"expires_in_hours": "1"})] {
        let (status, body) = app.post("/admin/users/ivan/login-links", token, bad).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(body["errors"][0]["field"], "expires_in_hours");
    }
    let (status, body) = app.post("/admin/users/nobody/login-links", token, json!({})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}
