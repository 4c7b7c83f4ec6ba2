//! Rate limits (SPEC §8): per client IP on the public routes, per user on invite
//! creation and resends; over the limit, 429 `rate_limited` with `Retry-After`.

use std::time::Duration;

use reqwest::{Method, StatusCode, header::RETRY_AFTER};
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, assert_problem};

on_both_backends!(backend: look_ups_are_limited_per_client_ip, invite_creation_and_resends_are_limited_per_user);

/// GET `path` with an optional `X-Forwarded-For`; answers status, body, Retry-After.
async fn look_up(app: &TestApp, code: &str, forwarded_for: Option<&str>) -> (StatusCode, Value, Option<u64>) {
    let mut request = app.client.get(format!("{}/invites/{code}", app.api));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.unwrap();
    let retry_after = response.headers().get(RETRY_AFTER).map(|v| v.to_str().unwrap().parse().unwrap());
    (response.status(), response.json().await.unwrap(), retry_after)
}

/// A well-formed code that names no invite.
fn random_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    (0..9).map(|_| ALPHABET[rand::random::<usize>() % ALPHABET.len()] as char).collect()
}

/// Look-ups per client IP: a burst of the minute's allowance, then 429 until a token
/// comes back. The allowance (6 a minute, one back every 10 s) refills so slowly that
/// none comes back while the test sends its few requests.
async fn look_ups_are_limited_per_client_ip(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| {
        c.rate_limit_invites_per_minute = 6;
        c.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await
    else {
        return;
    };
    let valid = app.create_invite(json!({"max_uses": 5})).await.code().to_owned();
    let client = Some("198.51.100.7");

    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(look_up(&app, &random_code(), client).await);
    }
    let (answered, limited) = answers.split_at(6);
    for (status, body, _) in answered {
        assert_problem(*status, body, StatusCode::NOT_FOUND, "invite_not_found");
    }
    for (status, body, retry_after) in limited {
        assert_problem(*status, body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert!(
            retry_after.is_some_and(|s| (1..=10).contains(&s)),
            "Retry-After within a token's 10 s: {retry_after:?}"
        );
    }

    let (status, body, retry_after) = look_up(&app, &valid, client).await;
    assert_problem(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Another client behind the same trusted proxy has its own allowance.
    let (status, _, _) = look_up(&app, &valid, Some("198.51.100.8")).await;
    assert_eq!(status, StatusCode::OK);

    tokio::time::sleep(Duration::from_secs(retry_after.unwrap())).await;
    let (status, body, _) = look_up(&app, &valid, client).await;
    assert_eq!(status, StatusCode::OK, "allowed again after Retry-After: {body}");
    assert_eq!(body["uses_remaining"], 5, "look-ups never consumed the invite");
}

async fn invite_creation_and_resends_are_limited_per_user(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.rate_limit_invite_writes_per_minute = 5).await else {
        return;
    };
    // The admin's budget: one login link (for the owner) and four invites.
    let (owner, _) = app.signed_in("owner").await;
    for _ in 0..4 {
        app.create_invite(json!({"max_uses": 1})).await;
    }
    let response = app
        .client
        .post(format!("{}/admin/invites", app.api))
        .bearer_auth(&app.admin_token)
        .json(&json!({"max_uses": 1}))
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key(RETRY_AFTER));
    let (status, body) = (response.status(), response.json::<Value>().await.unwrap());
    assert_problem(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(app.invites("").await.items.len(), 4, "the refused creation made nothing");

    // The owner has their own five: two invitations and three resends.
    let group = app.create_group(&owner, "Limits").await;
    let limits = app.group(&owner, &group);
    let first = limits.invite(json!({"email": "a@example.com"})).await;
    let second = limits.invite(json!({"email": "b@example.com"})).await;
    for _ in 0..3 {
        limits.resend(&first.id).await;
    }
    let (status, body) = limits.request(Method::POST, &format!("/invites/{}/resend", second.id), Some(json!({}))).await;
    assert_problem(status, &body, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let state = limits.invite_state(&second.id).await;
    assert_eq!(state.resend_count, 0, "the refused resend changed nothing");
}
