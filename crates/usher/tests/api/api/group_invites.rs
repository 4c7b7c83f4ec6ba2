//! Group invitations: code limits, email invitations (queued mail, duplicates, the
//! right account only), registering and joining in one step, resends and copied links,
//! races, and scoping to the group.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::harness::{Backend, TestApp, assert_problem, hold_mail};

on_both_backends!(
    code_limits_are_checked_at_their_edges,
    a_tenant_invitation_registers_and_joins_in_one_step,
    thirty_racing_accepts_fill_exactly_five_slots,
    an_invitation_accepted_twice_at_once_makes_one_membership,
    another_groups_invite_ids_are_not_found,
);
// These read the queued email, so it must not be sent meanwhile.
on_both_backends!(backend: an_email_invitation_admits_only_its_address, resends_and_copied_links_supersede_the_old_token);

/// An owner and their group's id.
async fn owned_group(app: &TestApp, owner: &str) -> (String, String) {
    let (token, _) = app.signed_in(owner).await;
    let group = app.create_group(&token, &format!("{owner}'s group")).await;
    (token, group)
}

async fn code_limits_are_checked_at_their_edges(app: TestApp) {
    let (owner, group) = owned_group(&app, "lena").await;
    let path = format!("/groups/{group}/invites");
    for body in [
        json!({"max_uses": 100}),
        json!({"max_uses": 1}),
        json!({"expires_in_hours": 168}),
        json!({"expires_in_hours": 1}),
    ] {
        app.group_invite(&owner, &group, body).await;
    }
    let refused = [
        (json!({"max_uses": 0}), "max_uses"),
        (json!({"max_uses": 101}), "max_uses"),
        (json!({"max_uses": null, "expires_in_hours": 0}), "expires_in_hours"),
        (json!({"expires_in_hours": 169}), "expires_in_hours"),
        (json!({"email": "a@example.com", "expires_in_hours": 721}), "expires_in_hours"),
        (json!({"email": "a@example.com", "max_uses": 2}), "max_uses"),
        (json!({"email": "not-an-email"}), "email"),
        (json!({"message": "x".repeat(1001)}), "message"),
        (json!({"role": "emperor"}), "role"),
    ];
    for (body, field) in refused {
        let (status, problem) = app.post(&path, Some(&owner), body.clone()).await;
        assert_problem(status, &problem, StatusCode::BAD_REQUEST, "invalid_request");
        assert!(problem["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {problem}");
    }
    let (_, list) = app.get(&path, Some(&owner)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 4, "refusals created nothing");
    // Lists: active only unless asked for all.
    let used = app.group_invite(&owner, &group, json!({})).await;
    let (joiner, _) = app.signed_in("joe").await;
    assert_eq!(app.accept(&joiner, used["code"].as_str().unwrap()).await.0, StatusCode::CREATED);
    let revoked = app.group_invite(&owner, &group, json!({})).await;
    let revoke_path = format!("{path}/{}", revoked["id"].as_str().unwrap());
    assert_eq!(app.delete(&revoke_path, Some(&owner)).await.0, StatusCode::NO_CONTENT);
    let (_, active) = app.get(&path, Some(&owner)).await;
    assert_eq!(active["items"].as_array().unwrap().len(), 4);
    let (_, all) = app.get(&format!("{path}?status=all"), Some(&owner)).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    let (status, body) = app.accept(&joiner, revoked["code"].as_str().unwrap()).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_revoked");
}

async fn an_email_invitation_admits_only_its_address(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, hold_mail()).await else { return };
    let (owner, group) = owned_group(&app, "ines").await;
    let (stranger, _) = app.signed_in("stan").await;
    let (invitee, invitee_id) = app.signed_in("ivy").await;
    let body = json!({"email": "Ivy@Example.com", "role": "admin", "message": "Join us!"});
    let invitation = app.group_invite(&owner, &group, body).await;
    let token = invitation["token"].as_str().unwrap().to_owned();
    assert_eq!(invitation["kind"], "email_invitation");
    assert_eq!(invitation["url"], format!("{}/invite/{token}", app.config.public_url()));
    let id = invitation["id"].as_str().unwrap().to_owned();

    // The email waits in the outbox, carrying the accept link under public_url.
    let queued = app.store.queued_emails(id.parse().unwrap()).await.unwrap();
    assert_eq!(queued.len(), 1);
    let (recipient, template, data) = &queued[0];
    assert_eq!((recipient.as_str(), template.as_str()), ("Ivy@Example.com", "invitation"));
    assert_eq!(data["accept_url"], invitation["url"]);
    assert_eq!(
        (data["group_name"].as_str(), data["inviter"].as_str(), data["message"].as_str()),
        (Some("ines's group"), Some("ines"), Some("Join us!"))
    );

    // Listing and reading never show the token again.
    let listed = app.group_invite_state(&owner, &group, &id).await;
    assert!(listed.get("token").is_none() && listed["url"].is_null(), "{listed}");
    // One active invitation per address (any case); none for members' addresses.
    let (status, body) =
        app.post(&format!("/groups/{group}/invites"), Some(&owner), json!({"email": "IVY@example.COM"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "duplicate_invite");
    let (status, body) =
        app.post(&format!("/groups/{group}/invites"), Some(&owner), json!({"email": "ines@example.com"})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "already_member");

    let (status, public) = app.get(&format!("/invites/{token}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((public["email_hint"].as_str(), public["role"].as_str()), (Some("I***@Example.com"), Some("admin")));
    assert!(!public.to_string().contains("Ivy@"), "{public}");

    let (status, body) = app.accept(&stranger, &token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "email_mismatch");
    assert_eq!(app.group_invite_state(&owner, &group, &id).await["uses"], 0, "the refusal used nothing");
    let (status, joined) = app.accept(&invitee, &token).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(app.member_roles(&owner, &group).await.get(&invitee_id).map(String::as_str), Some("admin"));
    let (status, body) = app.accept(&invitee, &token).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");
}

async fn a_tenant_invitation_registers_and_joins_in_one_step(app: TestApp) {
    let (owner, group) = owned_group(&app, "tara").await;
    let invitation = app.group_invite(&owner, &group, json!({"email": "newadmin@example.com", "role": "admin"})).await;
    let token = invitation["token"].as_str().unwrap();
    // Another address: refused before anything is created or used.
    let wrong = json!({"username": "wrong", "email": "other@example.com", "password": "correct horse battery", "invite": token});
    let (status, body) = app.post("/auth/register", None, wrong).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "email_mismatch");
    let users_before = app.store.count_users().await.unwrap();
    let right = json!({"username": "newadmin", "email": "NewAdmin@example.com", "password": "correct horse battery", "invite": token});
    let (status, registered) = app.post("/auth/register", None, right).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(app.store.count_users().await.unwrap(), users_before + 1);
    let session = registered["session_token"].as_str().unwrap();
    let (_, me) = app.get("/me", Some(session)).await;
    assert_eq!(me["groups"][0]["role"], "admin");
    // As a group admin, the new account manages invitations straight away.
    let code = app.group_invite(session, &group, json!({"role": "member"})).await;
    assert_eq!(code["kind"], "group_code");
    // Registration is invite-only; the invitation served as the invite, and is used.
    let (status, body) = app.register("third", Some(token)).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");
}

async fn resends_and_copied_links_supersede_the_old_token(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, hold_mail()).await else { return };
    let (owner, group) = owned_group(&app, "rita").await;
    let invitation = app.group_invite(&owner, &group, json!({"email": "rob@example.com"})).await;
    let id = invitation["id"].as_str().unwrap().to_owned();
    let base = format!("/groups/{group}/invites/{id}");
    let mut tokens = vec![invitation["token"].as_str().unwrap().to_owned()];
    for n in 1..=3 {
        let (status, resent) = app.post(&format!("{base}/resend"), Some(&owner), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{resent}");
        assert_eq!(resent["resend_count"], n);
        assert!(resent["last_sent_at"].is_string());
        tokens.push(resent["token"].as_str().unwrap().to_owned());
    }
    let (status, body) = app.post(&format!("{base}/resend"), Some(&owner), json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "resend_limit_reached");
    let queued = app.store.queued_emails(id.parse().unwrap()).await.unwrap();
    assert_eq!(queued.len(), 4, "the first email and three resends");
    assert_eq!(queued[0].1, "invitation_resent");
    assert_eq!(queued[0].2["accept_url"], format!("{}/invite/{}", app.config.public_url(), tokens[3]));

    // The copy-link fallback: a new token, no mail, not counted.
    let (status, copied) = app.post(&format!("{base}/link"), Some(&owner), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{copied}");
    assert_eq!(app.store.queued_emails(id.parse().unwrap()).await.unwrap().len(), 4);
    assert_eq!(app.group_invite_state(&owner, &group, &id).await["resend_count"], 3);
    tokens.push(copied["token"].as_str().unwrap().to_owned());

    let (rob, _) = app.signed_in("rob").await;
    for old in &tokens[..tokens.len() - 1] {
        let (status, body) = app.get(&format!("/invites/{old}"), None).await;
        assert_problem(status, &body, StatusCode::GONE, "invite_superseded");
        let (status, body) = app.accept(&rob, old).await;
        assert_problem(status, &body, StatusCode::GONE, "invite_superseded");
    }
    assert_eq!(app.accept(&rob, tokens.last().unwrap()).await.0, StatusCode::CREATED);
    // Codes have no link to resend.
    let code = app.group_invite(&owner, &group, json!({})).await;
    let (status, body) = app
        .post(&format!("/groups/{group}/invites/{}/resend", code["id"].as_str().unwrap()), Some(&owner), json!({}))
        .await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");
}

async fn thirty_racing_accepts_fill_exactly_five_slots(app: TestApp) {
    let (owner, group) = owned_group(&app, "rex").await;
    let mut racers = Vec::new();
    for i in 0..30 {
        racers.push(app.signed_in(&format!("racer{i}")).await.0);
    }
    let code = app.group_invite(&owner, &group, json!({"max_uses": 5})).await;
    let code = code["code"].as_str().unwrap();
    let results = join_all(racers.iter().map(|token| app.accept(token, code))).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 5);
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_problem(*status, body, StatusCode::GONE, "invite_used_up");
    }
    assert_eq!(app.member_roles(&owner, &group).await.len(), 1 + 5);
}

async fn an_invitation_accepted_twice_at_once_makes_one_membership(app: TestApp) {
    let (owner, group) = owned_group(&app, "uma").await;
    let (first, user_id) = app.signed_in("twin").await;
    let link = app.create_login_link("twin").await;
    let (_, second) = app.redeem_login_link(link["token"].as_str().unwrap()).await;
    let second = second["session_token"].as_str().unwrap().to_owned();
    let invitation = app.group_invite(&owner, &group, json!({"email": "twin@example.com"})).await;
    let token = invitation["token"].as_str().unwrap();
    let results = join_all([app.accept(&first, token), app.accept(&second, token)]).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1, "{results:?}");
    let loser: &(StatusCode, Value) = results.iter().find(|(s, _)| *s != StatusCode::CREATED).unwrap();
    assert!(["invite_used_up", "already_member"].contains(&loser.1["code"].as_str().unwrap()), "{loser:?}");
    let roles = app.member_roles(&owner, &group).await;
    assert_eq!((roles.len(), roles.contains_key(&user_id)), (2, true));
}

async fn another_groups_invite_ids_are_not_found(app: TestApp) {
    let (owner_a, group_a) = owned_group(&app, "anna").await;
    let (owner_b, group_b) = owned_group(&app, "bert").await;
    let invitation = app.group_invite(&owner_a, &group_a, json!({"email": "x@example.com"})).await;
    let id = invitation["id"].as_str().unwrap();
    // Delivery moves on by itself (the mailer runs beside the test); the refusals must
    // leave the invitation as it was.
    let state = || async {
        let mut state = app.group_invite_state(&owner_a, &group_a, id).await;
        state.as_object_mut().map(|s| s.remove("delivery"));
        state
    };
    let before = state().await;
    for (method, suffix) in [
        (reqwest::Method::GET, ""),
        (reqwest::Method::DELETE, ""),
        (reqwest::Method::POST, "/resend"),
        (reqwest::Method::POST, "/link"),
        (reqwest::Method::GET, "/redemptions"),
    ] {
        let path = format!("/groups/{group_b}/invites/{id}{suffix}");
        let body = (method == reqwest::Method::POST).then(|| json!({}));
        let (status, problem) = app.request(method, &path, Some(&owner_b), body.as_ref()).await;
        assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");
    }
    // B's owner is not a member of A: A does not exist for them.
    let (status, problem) = app.get(&format!("/groups/{group_a}/invites/{id}"), Some(&owner_b)).await;
    assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(before, state().await, "nothing changed");
    assert_eq!(app.get(&format!("/invites/{}", invitation["token"].as_str().unwrap()), None).await.0, StatusCode::OK);
}
