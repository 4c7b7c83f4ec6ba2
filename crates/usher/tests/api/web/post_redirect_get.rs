//! Post/Redirect/Get on every page (issue 18, item 5): a form post that succeeds
//! answers 303, so a refresh re-submits nothing; what it did is said once on the page
//! it leads to; a secret it made (an invitation link, a login link, a client secret)
//! is shown there once, carried sealed; and opening a form's address leads to its
//! page without doing anything.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::harness::{PageClient, TestApp, cookie_pair};

on_both_backends!(
    a_form_address_opened_directly_leads_to_its_page_and_does_nothing,
    every_console_action_redirects_and_says_what_it_did,
    a_sealed_secret_opens_only_for_its_page_and_kind,
);

/// A GET of every address only a form posts to: 303 to the page that holds the form,
/// and nothing changed (no invite made, nobody signed out, disabled or given a link).
async fn a_form_address_opened_directly_leads_to_its_page_and_does_nothing(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let group = app.create_group(&app.admin_token, "Smiths").await;
    let invitation = app.group(&app.admin_token, &group).invite(json!({"email": "ann@example.com"})).await;
    let invite = format!("/groups/{group}/invites/{}", invitation.id);
    let (_, bob_id) = app.signed_in("bob").await;
    let before = app.count("SELECT COUNT(*) FROM invites").await;
    let mail = Uuid::now_v7();
    for (path, page) in [
        ("/logout".to_owned(), "/".to_owned()),
        ("/groups".to_owned(), "/".to_owned()),
        (format!("/groups/{group}/invites"), format!("/groups/{group}")),
        (format!("/groups/{group}/members/{bob_id}/role"), format!("/groups/{group}")),
        (format!("{invite}/resend"), invite.clone()),
        (format!("{invite}/link"), invite.clone()),
        ("/admin/invites".to_owned(), "/admin".to_owned()),
        ("/admin/users/bob/disabled".to_owned(), "/admin/users".to_owned()),
        ("/account/password".to_owned(), "/account".to_owned()),
        ("/account/verification".to_owned(), "/account".to_owned()),
        ("/account/sessions".to_owned(), "/account".to_owned()),
        (format!("/admin/mail/{mail}/retry"), "/admin/mail".to_owned()),
    ] {
        let opened = admin.get(&path).await;
        assert_eq!((opened.status, opened.location.as_deref()), (StatusCode::SEE_OTHER, Some(page.as_str())), "{path}");
        assert!(opened.set_cookies.is_empty(), "{path} set {:?}", opened.set_cookies);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM invites").await, before, "no invite or link made");
    let form = admin.get("/admin/users/bob/login-link").await;
    assert!(form.status == StatusCode::OK && form.html.contains("Make the link"), "a sign-in link's own form");
    assert_eq!(app.count("SELECT COUNT(*) FROM invites").await, before, "showing that form makes nothing");
    let state = app.group(&app.admin_token, &group).invite_state(&invitation.id.to_string()).await;
    assert_eq!((state.resend_count, state.status.as_str()), (0, "active"), "not resent, not renewed");
    assert_eq!(app.me(&app.admin_token).await.user.username, "admin", "opening /logout signs nobody out");
    let (_, bob) = app.get("/admin/users/bob", Some(&app.admin_token)).await;
    assert_eq!(bob["disabled_at"], serde_json::Value::Null, "{bob}");
    assert_eq!(admin.get("/groups/not-an-id/invites").await.status, StatusCode::NOT_FOUND);
}

/// Each console and group action answers 303 and the page it leads to says what it
/// did, once; a refresh of that page says nothing and does nothing again.
async fn every_console_action_redirects_and_says_what_it_did(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let said = async |posted: crate::harness::PageAnswer, text: &str| {
        let to = posted.location.clone().unwrap_or_else(|| panic!("{text}: {}", posted.html));
        let landed = admin.follow(&posted).await;
        assert_eq!(landed.status, StatusCode::OK, "{to}: {}", landed.html);
        assert!(landed.html.contains(text), "{to} says {text:?}: {}", landed.html);
        assert!(!admin.get(&to).await.html.contains(text), "{to} says it once");
        to
    };

    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    let created = admin.post("/admin/users", &[("username", "carol"), ("email", "carol@example.com")]).await;
    said(created, "The user was created.").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before + 1, "one user, however often refreshed");
    said(admin.post("/admin/users/carol/disabled", &[("disabled", "true")]).await, "The user was disabled").await;
    said(admin.post("/admin/users/carol/disabled", &[("disabled", "false")]).await, "The user was enabled.").await;
    let invite = admin.post("/admin/invites", &[("description", "Cousins"), ("max_uses", "5")]).await;
    let invite = said(invite, "The invite was created").await;
    said(admin.post(&format!("{invite}/revoke"), &[]).await, "The invite was revoked").await;
    let link = app.create_login_link("carol").await;
    let revoked = admin.post(&format!("/admin/login-links/{}/revoke", link.id), &[]).await;
    said(revoked, "The sign-in link was revoked.").await;

    let group = said(admin.post("/groups", &[("name", "Smiths")]).await, "You are its owner.").await;
    let code = admin.post(&format!("{group}/invites"), &[("kind", "code"), ("role", "member")]).await;
    said(code, "The invite was created: share its link.").await;
    let sent = admin
        .post(&format!("{group}/invites"), &[("kind", "email"), ("email", "dan@example.com"), ("role", "member")])
        .await;
    said(sent, "its email queued").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM invites WHERE email = 'dan@example.com'").await, 1);

    said(admin.post("/admin/users/carol/delete", &[]).await, "The user was deleted.").await;
}

/// The sealed cookie that carries a new secret opens only on the page it was made for
/// and as its own kind; altered, it shows nothing (and the page still answers).
async fn a_sealed_secret_opens_only_for_its_page_and_kind(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    app.create_user("carol").await;
    let minted = admin.post("/admin/users/carol/login-link", &[]).await;
    let link_page = minted.location.clone().unwrap();
    let sealed = cookie_pair(minted.cookie("usher_reveal").expect("the link travels sealed"));

    let other = admin.post("/admin/users/carol/login-link", &[]).await;
    let other_page = other.location.clone().unwrap();
    let moved = admin.get_with(&other_page, &sealed).await;
    assert!(moved.status == StatusCode::OK && !moved.html.contains("share-url"), "another link's page: nothing");

    let group = app.create_group(&app.admin_token, "Smiths").await;
    let invitation = app.group(&app.admin_token, &group).invite(json!({"email": "ann@example.com"})).await;
    let invite_page = format!("/groups/{group}/invites/{}", invitation.id);
    let as_invitation = admin.get_with(&invite_page, &sealed).await;
    assert!(as_invitation.status == StatusCode::OK && !as_invitation.html.contains("share-url"), "another kind");

    let mut altered = sealed.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let bent = admin.get_with(&link_page, &altered).await;
    assert!(bent.status == StatusCode::OK && !bent.html.contains("share-url"), "altered: nothing");

    let shown = admin.get_with(&link_page, &sealed).await;
    assert!(shown.html.contains("share-url"), "its own page shows it: {}", shown.html);
}
