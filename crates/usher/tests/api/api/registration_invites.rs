//! Registration invites: creation limits, the atomic slot under a race, every way a
//! code can stop working, and registrations that fail without consuming anything.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{TestApp, assert_problem};

on_both_backends!(
    fifty_racing_registrations_fill_exactly_ten_slots,
    twenty_codes_racing_for_one_username_keep_nineteen_slots,
    dead_codes_answer_why,
    max_uses_and_expiry_are_checked_at_their_edges,
    failed_registrations_consume_nothing,
    deleting_a_user_never_gives_a_slot_back,
    lists_show_active_invites_unless_asked_for_all,
    codes_are_case_and_dash_insensitive,
    revoking_needs_an_admin_and_is_idempotent,
);

async fn fifty_racing_registrations_fill_exactly_ten_slots(app: TestApp) {
    for round in 0..3 {
        let invite = app.create_invite(json!({"max_uses": 10})).await;
        let code = invite.code();
        let attempts = (0..50).map(|i| app.register_owned(format!("racer{round}x{i}"), code.to_owned()));
        let results = join_all(attempts).await;
        let created = results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
        assert_eq!(created, 10, "round {round}: exactly max_uses registrations succeed");
        for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
            assert_problem(*status, body, StatusCode::GONE, "invite_used_up");
        }
        let invite = app.invite(code).await;
        assert_eq!(invite.uses, 10);
        assert_eq!(invite.status, "used_up");
        assert_eq!(app.store.count_users().await.unwrap(), 1 + 10 * (round + 1), "admin plus the winners");
    }
}

async fn twenty_codes_racing_for_one_username_keep_nineteen_slots(app: TestApp) {
    let mut codes = Vec::new();
    for _ in 0..20 {
        codes.push(app.create_invite(json!({"max_uses": 1})).await.code().to_owned());
    }
    let attempts = codes.iter().enumerate().map(|(i, code)| {
        let body = json!({"username": "sameone", "email": format!("same{i}@example.com"), "password": "correct horse battery", "invite": code});
        app.post_owned("/auth/register", body)
    });
    let results = join_all(attempts).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1);
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_problem(*status, body, StatusCode::CONFLICT, "username_taken");
    }
    let mut used = 0;
    for code in &codes {
        let invite = app.invite(code).await;
        used += invite.uses;
        if invite.uses == 0 {
            assert_eq!(invite.status, "active", "a losing code keeps its slot");
        }
    }
    assert_eq!(used, 1);
}

async fn dead_codes_answer_why(app: TestApp) {
    let used_up = app.create_invite(json!({"max_uses": 1})).await.code().to_owned();
    assert_eq!(app.register("first", Some(&used_up)).await.0, StatusCode::CREATED);
    let revoked = app.create_invite(json!({})).await.code().to_owned();
    assert_eq!(
        app.delete(&format!("/admin/invites/{revoked}"), Some(&app.admin_token)).await.0,
        StatusCode::NO_CONTENT
    );
    let expiring = app.create_invite(json!({"expires_at": chrono::Utc::now() + chrono::Duration::seconds(2)})).await;
    let expiring = expiring.code().to_owned();
    let (status, body) = app.get(&format!("/invites/{expiring}"), None).await;
    assert_eq!(status, StatusCode::OK, "active until it expires: {body}");
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let cases = [
        (used_up.as_str(), StatusCode::GONE, "invite_used_up"),
        (revoked.as_str(), StatusCode::GONE, "invite_revoked"),
        (expiring.as_str(), StatusCode::GONE, "invite_expired"),
        ("ABC-DEF-GHJ", StatusCode::NOT_FOUND, "invite_not_found"),
    ];
    for (i, (code, status, problem)) in cases.into_iter().enumerate() {
        let (s, body) = app.get(&format!("/invites/{code}"), None).await;
        assert_problem(s, &body, status, problem);
        let (s, body) = app.register(&format!("late{i}"), Some(code)).await;
        assert_problem(s, &body, status, problem);
    }
    for junk in ["'; DROP TABLE invites; --", &"x".repeat(500), "..%2F..%2Fetc%2Fpasswd", "%00", "\"quoted\"", "🎉"] {
        let encoded: String = url_path_escape(junk);
        let (s, body) = app.get(&format!("/invites/{encoded}"), None).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "invite_not_found");
        let (s, body) = app.register("junkuser", Some(junk)).await;
        assert_problem(s, &body, StatusCode::NOT_FOUND, "invite_not_found");
    }
}

/// Percent-escapes everything but unreserved characters.
fn url_path_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn max_uses_and_expiry_are_checked_at_their_edges(app: TestApp) {
    let token = Some(app.admin_token.as_str());
    let accepted = [
        (json!({}), Some(1)),
        (json!({"max_uses": null}), None),
        (json!({"max_uses": 1}), Some(1)),
        (json!({"max_uses": 1_000_000}), Some(1_000_000)),
    ];
    for (body, max_uses) in accepted {
        let invite = app.create_invite(body.clone()).await;
        assert_eq!(invite.max_uses, max_uses, "{body}");
    }
    let unlimited = app.create_invite(json!({"max_uses": null})).await;
    assert_eq!(unlimited.uses_remaining, None);
    assert_eq!(unlimited.expires_at, None, "no expiry given: never expires");

    let refused = [
        (json!({"max_uses": 0}), "max_uses"),
        (json!({"max_uses": -1}), "max_uses"),
        (json!({"max_uses": 1.5}), "max_uses"),
        (json!({"max_uses": "3"}), "max_uses"),
        (json!({"max_uses": 1_000_001}), "max_uses"),
        (json!({"expires_in_hours": 0}), "expires_in_hours"),
        (json!({"expires_in_hours": 8761}), "expires_in_hours"),
        (json!({"expires_in_hours": 1, "expires_at": "2099-01-01T00:00:00Z"}), "expires_in_hours"),
        (json!({"expires_at": "2001-01-01T00:00:00Z"}), "expires_at"),
        (json!({"expires_at": "tomorrow"}), "expires_at"),
        (json!({"description": "x".repeat(501)}), "description"),
    ];
    let before = app.store.count_users().await.unwrap();
    let all_before = app.invites("?status=all&limit=200").await.items;
    for (body, field) in refused {
        let (status, problem) = app.post("/admin/invites", token, body.clone()).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body} → {problem}");
    }
    assert_eq!(all_before, app.invites("?status=all&limit=200").await.items, "refusals create nothing");
    assert_eq!(before, app.store.count_users().await.unwrap());

    let week = app.create_invite(json!({"expires_in_hours": 8760, "description": "x".repeat(500)})).await;
    assert_eq!(week.status, "active");
}

async fn failed_registrations_consume_nothing(app: TestApp) {
    let code = app.create_invite(json!({"max_uses": 2})).await.code().to_owned();
    app.registered("taken", &code).await;
    // Username taken, email taken, weak password, bad username: nothing consumed.
    let attempts = [
        (
            json!({"username": "taken", "email": "other@example.com", "password": "correct horse battery", "invite": code}),
            StatusCode::CONFLICT,
            "username_taken",
        ),
        (
            json!({"username": "other", "email": "TAKEN@example.com", "password": "correct horse battery", "invite": code}),
            StatusCode::CONFLICT,
            "email_taken",
        ),
        (
            json!({"username": "other", "email": "other@example.com", "password": "short", "invite": code}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"username": "No Way", "email": "other@example.com", "password": "correct horse battery", "invite": code}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (body, status, problem) in attempts {
        let (s, answer) = app.post("/auth/register", None, body).await;
        assert_problem(s, &answer, status, problem);
    }
    let invite = app.invite(&code).await;
    assert_eq!(invite.uses, 1);
    assert_eq!(invite.uses_remaining, Some(1));
    assert_eq!(app.store.count_users().await.unwrap(), 2);
}

async fn deleting_a_user_never_gives_a_slot_back(app: TestApp) {
    let code = app.create_invite(json!({"max_uses": 1})).await.code().to_owned();
    assert_eq!(app.register("shortlived", Some(&code)).await.0, StatusCode::CREATED);
    app.remove("/admin/users/shortlived", Some(&app.admin_token)).await;
    let invite = app.invite(&code).await;
    assert_eq!((invite.uses, invite.status.as_str()), (1, "used_up"));
    let (status, body) = app.register("newcomer", Some(&code)).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");
}

async fn lists_show_active_invites_unless_asked_for_all(app: TestApp) {
    let token = Some(app.admin_token.as_str());
    let active = app.create_invite(json!({"description": "active"})).await;
    let revoked = app.create_invite(json!({"description": "revoked"})).await;
    app.revoke_invite(revoked.code()).await;
    let used = app.create_invite(json!({"max_uses": 1})).await;
    app.registered("user1", used.code()).await;

    let ids: Vec<String> = app.invites("").await.items.into_iter().map(|i| i.id).collect();
    assert_eq!(ids, [active.id]);
    assert_eq!(app.invites("?status=all").await.items.len(), 3);

    // Pagination: newest first, a cursor to the rest; limit bounded 1..=200.
    for _ in 0..3 {
        app.create_invite(json!({})).await;
    }
    let first = app.invites("?status=all&limit=4").await;
    assert_eq!(first.items.len(), 4);
    let cursor = first.next_cursor.expect("more pages");
    let second = app.invites(&format!("?status=all&limit=4&cursor={cursor}")).await;
    assert_eq!((second.items.len(), second.next_cursor), (2, None));
    assert_eq!(app.get("/admin/invites?limit=200", token).await.0, StatusCode::OK);
    for bad in ["limit=201", "limit=0", "limit=x", "cursor=nope", "status=expired"] {
        let (status, body) = app.get(&format!("/admin/invites?{bad}"), token).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

async fn codes_are_case_and_dash_insensitive(app: TestApp) {
    let invite = app.create_invite(json!({"max_uses": 3, "description": "Book club"})).await;
    let code = invite.code();
    assert!(regex_like_code(code), "{code}");
    let sloppy = code.to_lowercase().replace('-', " ");
    let (status, public) = app.get(&format!("/invites/{}", url_path_escape(&sloppy)), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(public["kind"], "registration");
    assert_eq!(public["status"], "active");
    assert_eq!(public["description"], "Book club");
    assert_eq!(public["uses_remaining"], 3);
    assert_eq!(public["inviter"]["display_name"], "admin");
    assert!(public.get("id").is_none() && public.get("code").is_none(), "no ids: {public}");
    assert_eq!(app.register("reader", Some(&code.replace('-', "").to_lowercase())).await.0, StatusCode::CREATED);
    assert_eq!(app.invite(code).await.uses, 1, "the look-up consumed nothing, the registration one");
}

fn regex_like_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    parts.len() == 3
        && parts.iter().all(|p| p.len() == 3 && p.bytes().all(|b| usher_domain::code::ALPHABET.contains(&b)))
}

async fn revoking_needs_an_admin_and_is_idempotent(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let user = app.registered("plainuser", &code).await;
    let user_token = user.session_token.as_str();
    let path = format!("/admin/invites/{code}");
    let (status, body) = app.delete(&path, Some(user_token)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.delete(&path, None).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = app.post("/admin/invites", Some(user_token), json!({})).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(app.invite(&code).await.status, "used_up");
    let other = app.create_invite(json!({"max_uses": 5})).await.code().to_owned();
    let other_path = format!("/admin/invites/{other}");
    app.remove(&other_path, Some(&app.admin_token)).await;
    let first_revoked_at = app.invite(&other).await.revoked_at;
    assert!(first_revoked_at.is_some());
    app.remove(&other_path, Some(&app.admin_token)).await;
    assert_eq!(app.invite(&other).await.revoked_at, first_revoked_at);
    let (status, body) = app.delete("/admin/invites/ABC-DEF-GHJ", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
}
