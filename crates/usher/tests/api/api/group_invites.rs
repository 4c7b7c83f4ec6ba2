//! Group invitations: code limits, email invitations (queued mail, duplicates, the
//! right account only), registering and joining in one step, resends and copied links,
//! races, and scoping to the group.

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::{Backend, SignedIn, TestApp, assert_problem, hold_mail, typed};

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
    let lena = app.group(&owner, &group);
    for body in [
        json!({"max_uses": 100}),
        json!({"max_uses": 1}),
        json!({"expires_in_hours": 168}),
        json!({"expires_in_hours": 1}),
    ] {
        lena.invite(body).await;
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
    assert_eq!(lena.invites("").await.items.len(), 4, "refusals created nothing");
    // Lists: active only unless asked for all.
    let used = lena.invite(json!({})).await;
    let (joiner, _) = app.signed_in("joe").await;
    app.join(&joiner, used.code()).await;
    let revoked = lena.invite(json!({})).await;
    lena.revoke(&revoked.id).await;
    assert_eq!(lena.invites("").await.items.len(), 4);
    let all = lena.invites("?status=all").await.items;
    assert_eq!(all.len(), 6);
    assert_eq!(all.iter().filter(|i| i.status == "active").count(), 4, "{all:?}");
    let (status, body) = app.accept(&joiner, revoked.code()).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_revoked");
}

async fn an_email_invitation_admits_only_its_address(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, hold_mail()).await else { return };
    let (owner, group) = owned_group(&app, "ines").await;
    let (stranger, _) = app.signed_in("stan").await;
    let (invitee, invitee_id) = app.signed_in("ivy").await;
    let body = json!({"email": "Ivy@Example.com", "role": "admin", "message": "Join us!"});
    let invitation = app.group(&owner, &group).invite(body).await;
    let token = invitation.token().to_owned();
    assert_eq!(invitation.kind, "email_invitation");
    assert_eq!(invitation.url, Some(format!("{}/invite/{token}", app.config.public_url())));
    let id = invitation.id.clone();

    // The email waits in the outbox, carrying the accept link under public_url.
    let queued = app.store.queued_emails(id.parse().unwrap()).await.unwrap();
    assert_eq!(queued.len(), 1);
    let (recipient, template, data) = &queued[0];
    assert_eq!((recipient.as_str(), template.as_str()), ("Ivy@Example.com", "invitation"));
    assert_eq!(data["accept_url"].as_str(), invitation.url.as_deref());
    assert_eq!(
        (data["group_name"].as_str(), data["inviter"].as_str(), data["message"].as_str()),
        (Some("ines's group"), Some("ines"), Some("Join us!"))
    );

    // Listing and reading never show the token again.
    let listed: Value = app.read(&format!("/groups/{group}/invites/{id}"), Some(&owner)).await;
    assert!(listed.get("token").is_none() && listed["url"].is_null(), "{listed}");
    let in_list = app.group(&owner, &group).invites("").await.items;
    assert!(in_list.iter().all(|i| i.token.is_none() && i.url.is_none()) && in_list.len() == 1, "{in_list:?}");
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
    // The group is read with the invitation (one statement), by its token's hash too.
    assert_eq!(public["group"], json!({"name": "ines's group", "description": null}));
    assert!(!public.to_string().contains("Ivy@"), "{public}");

    let (status, body) = app.accept(&stranger, &token).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "email_mismatch");
    assert_eq!(app.group(&owner, &group).invite_state(&id).await.uses, 0, "the refusal used nothing");
    assert_eq!(app.join(&invitee, &token).await.role, "admin");
    assert_eq!(app.group(&owner, &group).roles().await.get(&invitee_id).map(String::as_str), Some("admin"));
    let (status, body) = app.accept(&invitee, &token).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");
}

async fn a_tenant_invitation_registers_and_joins_in_one_step(app: TestApp) {
    let (owner, group) = owned_group(&app, "tara").await;
    let invitation = app.group(&owner, &group).invite(json!({"email": "newadmin@example.com", "role": "admin"})).await;
    let token = invitation.token();
    // Another address: refused before anything is created or used.
    let wrong = json!({"username": "wrong", "email": "other@example.com", "password": "correct horse battery", "invite": token});
    let (status, body) = app.post("/auth/register", None, wrong).await;
    assert_problem(status, &body, StatusCode::FORBIDDEN, "email_mismatch");
    let users_before = app.store.count_users().await.unwrap();
    let right = json!({"username": "newadmin", "email": "NewAdmin@example.com", "password": "correct horse battery", "invite": token});
    let (status, registered) = app.post("/auth/register", None, right).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(app.store.count_users().await.unwrap(), users_before + 1);
    let registered: SignedIn = typed(registered);
    let session = registered.session_token.as_str();
    let me = app.me(session).await;
    assert_eq!(me.groups.iter().map(|g| (&g.id, g.role.as_str())).collect::<Vec<_>>(), [(&group, "admin")]);
    // As a group admin, the new account manages invitations straight away.
    let code = app.group(session, &group).invite(json!({"role": "member"})).await;
    assert_eq!(code.kind, "group_code");
    // Registration is invite-only; the invitation served as the invite, and is used.
    let (status, body) = app.register("third", Some(token)).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");
}

async fn resends_and_copied_links_supersede_the_old_token(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, hold_mail()).await else { return };
    let (owner, group) = owned_group(&app, "rita").await;
    let invitation = app.group(&owner, &group).invite(json!({"email": "rob@example.com"})).await;
    let id = invitation.id.clone();
    let base = format!("/groups/{group}/invites/{id}");
    let mut tokens = vec![invitation.token().to_owned()];
    for n in 1..=3 {
        let resent = app.group(&owner, &group).resend(&id).await;
        assert_eq!(resent.resend_count, n);
        assert!(resent.last_sent_at.is_some());
        tokens.push(resent.token().to_owned());
    }
    let (status, body) = app.post(&format!("{base}/resend"), Some(&owner), json!({})).await;
    assert_problem(status, &body, StatusCode::CONFLICT, "resend_limit_reached");
    let queued = app.store.queued_emails(id.parse().unwrap()).await.unwrap();
    assert_eq!(queued.len(), 4, "the first email and three resends");
    assert_eq!(queued[0].1, "invitation_resent");
    assert_eq!(queued[0].2["accept_url"], format!("{}/invite/{}", app.config.public_url(), tokens[3]));

    // The copy-link fallback: a new token, no mail, not counted.
    let copied: Value =
        app.expect(StatusCode::OK, Method::POST, &format!("{base}/link"), Some(&owner), Some(json!({}))).await;
    assert_eq!(app.store.queued_emails(id.parse().unwrap()).await.unwrap().len(), 4);
    assert_eq!(app.group(&owner, &group).invite_state(&id).await.resend_count, 3);
    tokens.push(copied["token"].as_str().expect("a new token").to_owned());

    let (rob, _) = app.signed_in("rob").await;
    for old in &tokens[..tokens.len() - 1] {
        let (status, body) = app.get(&format!("/invites/{old}"), None).await;
        assert_problem(status, &body, StatusCode::GONE, "invite_superseded");
        let (status, body) = app.accept(&rob, old).await;
        assert_problem(status, &body, StatusCode::GONE, "invite_superseded");
    }
    app.join(&rob, tokens.last().unwrap()).await;
    // Codes have no link to resend.
    let code = app.group(&owner, &group).invite(json!({})).await;
    let (status, body) =
        app.post(&format!("/groups/{group}/invites/{}/resend", code.id), Some(&owner), json!({})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "not_applicable");
}

async fn thirty_racing_accepts_fill_exactly_five_slots(app: TestApp) {
    let (owner, group) = owned_group(&app, "rex").await;
    let mut racers = Vec::new();
    for i in 0..30 {
        racers.push(app.signed_in(&format!("racer{i}")).await.0);
    }
    let code = app.group(&owner, &group).invite(json!({"max_uses": 5})).await;
    let code = code.code();
    let results = join_all(racers.iter().map(|token| app.accept(token, code))).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 5);
    for (status, body) in results.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_problem(*status, body, StatusCode::GONE, "invite_used_up");
    }
    assert_eq!(app.group(&owner, &group).roles().await.len(), 1 + 5);
}

async fn an_invitation_accepted_twice_at_once_makes_one_membership(app: TestApp) {
    let (owner, group) = owned_group(&app, "uma").await;
    let (first, user_id) = app.signed_in("twin").await;
    let link = app.create_login_link("twin").await;
    let second = app.sign_in_by_link(&link.token).await.session_token;
    let invitation = app.group(&owner, &group).invite(json!({"email": "twin@example.com"})).await;
    let token = invitation.token();
    let results = join_all([app.accept(&first, token), app.accept(&second, token)]).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == StatusCode::CREATED).count(), 1, "{results:?}");
    let loser: &(StatusCode, Value) = results.iter().find(|(s, _)| *s != StatusCode::CREATED).unwrap();
    assert!(["invite_used_up", "already_member"].contains(&loser.1["code"].as_str().unwrap()), "{loser:?}");
    let roles = app.group(&owner, &group).roles().await;
    assert_eq!((roles.len(), roles.contains_key(&user_id)), (2, true));
}

async fn another_groups_invite_ids_are_not_found(app: TestApp) {
    let (owner_a, group_a) = owned_group(&app, "anna").await;
    let (owner_b, group_b) = owned_group(&app, "bert").await;
    let invitation = app.group(&owner_a, &group_a).invite(json!({"email": "x@example.com"})).await;
    let id = invitation.id.as_str();
    // Delivery moves on by itself (the mailer runs beside the test); the refusals must
    // leave the invitation as it was.
    let state = || async {
        let mut state: Value = app.read(&format!("/groups/{group_a}/invites/{id}"), Some(&owner_a)).await;
        state.as_object_mut().map(|s| s.remove("delivery"));
        state
    };
    let before = state().await;
    for (method, suffix) in [
        (Method::GET, ""),
        (Method::DELETE, ""),
        (Method::POST, "/resend"),
        (Method::POST, "/link"),
        (Method::GET, "/redemptions"),
    ] {
        let path = format!("/groups/{group_b}/invites/{id}{suffix}");
        let body = (method == Method::POST).then(|| json!({}));
        let (status, problem) = app.request(method, &path, Some(&owner_b), body.as_ref()).await;
        assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");
    }
    // B's owner is not a member of A: A does not exist for them.
    let (status, problem) = app.get(&format!("/groups/{group_a}/invites/{id}"), Some(&owner_b)).await;
    assert_problem(status, &problem, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(before, state().await, "nothing changed");
    assert_eq!(app.get(&format!("/invites/{}", invitation.token()), None).await.0, StatusCode::OK);
}
