//! The audit log (SPEC §3): every listed action leaves one event, written with the
//! action, by whom and from where, never with a token or a password.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{TestApp, assert_problem};

on_both_backends!(a_full_flow_leaves_an_audit_trail_without_secrets, a_group_audit_shows_that_group_to_its_managers);

async fn audit(app: &TestApp, query: &str) -> Vec<Value> {
    let (status, page) = app.get(&format!("/admin/audit?limit=200{query}"), Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn actions(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["action"].as_str().unwrap()).collect()
}

async fn a_full_flow_leaves_an_audit_trail_without_secrets(app: TestApp) {
    let mut secrets: Vec<String> =
        vec![app.admin_token.clone(), "correct horse battery".into(), "wrong password".into()];

    // Registration invite → sign-up → sign-in, a failed sign-in.
    let code = app.create_invite(json!({"max_uses": 2})).await.code().to_owned();
    let registered = app.registered("rita", &code).await;
    secrets.push(registered.session_token);
    let rita_id = registered.user.id;
    let rita = app.log_in("rita", "correct horse battery").await.session_token;
    secrets.push(rita.clone());
    let (status, _) = app.post("/auth/login", None, json!({"login": "rita", "password": "wrong password"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // A login link, created and redeemed.
    app.create_user("lou").await;
    let link = app.create_login_link("lou").await;
    secrets.push(link.token.clone());
    let lou = app.sign_in_by_link(&link.token).await;
    let lou_id = lou.user_id;
    let lou = lou.session_token;
    secrets.push(lou.clone());

    // A group: a code accepted, an email invitation resent and its link copied, a role
    // changed, a member removed, an invite revoked.
    let group = app.create_group(&rita, "Audited").await;
    let audited = app.group(&rita, &group);
    audited.admit(&lou, "member").await;
    let invitation = audited.invite(json!({"email": "ivy@example.com"})).await;
    secrets.push(invitation.token().to_owned());
    let invitation_id = invitation.id.as_str();
    secrets.push(audited.resend(invitation_id).await.token().to_owned());
    let link_path = audited.path(&format!("/invites/{invitation_id}/link"));
    let copied: Value = app.expect(StatusCode::OK, Method::POST, &link_path, Some(&rita), Some(json!({}))).await;
    secrets.push(copied["token"].as_str().expect("a new token").to_owned());
    assert_eq!(app.group(&rita, &group).set_role(&lou_id, "viewer").await.0, StatusCode::OK);
    let (status, _) = app.delete(&format!("/groups/{group}/members/{lou_id}"), Some(&rita)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.delete(&format!("/admin/invites/{code}"), Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let events = audit(&app, "").await;
    let seen = actions(&events);
    for action in [
        "invite.created",
        "user.registered",
        "user.login",
        "user.login_failed",
        "user.created",
        "login_link.created",
        "login_link.redeemed",
        "group.created",
        "invite.accepted",
        "invite.resent",
        "invite.link_copied",
        "member.role_changed",
        "member.removed",
        "invite.revoked",
    ] {
        assert!(seen.contains(&action), "{action} missing from {seen:?}");
    }
    let text = serde_json::to_string(&events).unwrap();
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "an audit event holds a secret: {secret}");
    }
    // The first start's admin and login link are the system's; the rest came over HTTP.
    let (http, first_start) = events.split_at(events.len() - 2);
    assert_eq!(actions(first_start), ["login_link.created", "user.created"]);
    assert!(first_start.iter().all(|e| e["actor_id"].is_null() && e["client_ip"].is_null()));
    for event in http {
        assert_eq!(event["client_ip"], "127.0.0.1", "{event}");
    }

    // Who did it: the sign-up acts as the new account, a sign-in failure names it.
    let registered = events.iter().find(|e| e["action"] == "user.registered").unwrap();
    assert_eq!(registered["actor_id"], rita_id.as_str());
    assert_eq!(registered["actor_username"], "rita");
    assert_eq!(registered["target_id"], rita_id.as_str());
    let failed = events.iter().find(|e| e["action"] == "user.login_failed").unwrap();
    assert_eq!(failed["details"]["login"], "rita");
    let accepted = events.iter().find(|e| e["action"] == "invite.accepted").unwrap();
    assert_eq!(accepted["actor_id"], lou_id.as_str());
    assert_eq!(accepted["group_id"], group.as_str());
    assert_eq!(accepted["details"]["role"], "member");

    // Filters: action, actor (id or username), target, time, and pagination.
    assert_eq!(actions(&audit(&app, "&action=invite.resent").await), ["invite.resent"], "the one resend");
    let by_rita = audit(&app, "&actor=rita").await;
    assert!(by_rita.iter().all(|e| e["actor_id"] == rita_id.as_str()), "{by_rita:?}");
    for action in ["user.registered", "group.created", "invite.resent", "member.removed"] {
        assert!(actions(&by_rita).contains(&action), "{action} by rita: {:?}", actions(&by_rita));
    }
    assert_eq!(audit(&app, &format!("&actor={rita_id}")).await, by_rita);
    let on_invitation = audit(&app, &format!("&target={invitation_id}")).await;
    assert_eq!(actions(&on_invitation), ["invite.link_copied", "invite.resent", "invite.created"]);
    assert!(audit(&app, "&since=2999-01-01T00:00:00Z").await.is_empty());
    assert_eq!(audit(&app, "&until=2999-01-01T00:00:00Z").await.len(), events.len());
    let (_, first) = app.get("/admin/audit?limit=2", Some(&app.admin_token)).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = app.get(&format!("/admin/audit?limit=2&cursor={cursor}"), Some(&app.admin_token)).await;
    assert_eq!(second["items"][0]["id"], events[2]["id"], "pages continue where the last ended");

    // Only admins read it; a bad filter is a 400.
    let (status, body) = app.get("/admin/audit", Some(&rita)).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    let (status, body) = app.get("/admin/audit?since=yesterday", Some(&app.admin_token)).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
}

async fn a_group_audit_shows_that_group_to_its_managers(app: TestApp) {
    let (owner, _) = app.signed_in("owner").await;
    let (member, _) = app.signed_in("member").await;
    let group = app.create_group(&owner, "Mine").await;
    let other = app.create_group(&owner, "Other").await;
    let code = app.group(&owner, &group).invite(json!({"role": "member"})).await;
    app.group(&owner, &other).invite(json!({"role": "member"})).await;
    assert_eq!(app.accept(&member, code.code()).await.0, StatusCode::CREATED);

    let (status, page) = app.get(&format!("/groups/{group}/audit"), Some(&owner)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let events = page["items"].as_array().unwrap();
    assert_eq!(actions(events), ["invite.accepted", "invite.created", "group.created"]);
    assert!(events.iter().all(|e| e["group_id"] == group.as_str()));

    let (status, body) = app.request(Method::GET, &format!("/groups/{group}/audit"), Some(&member), None).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
}
