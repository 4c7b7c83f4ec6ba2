//! A person's own account over the API (SPEC §9), on both backends, with mail through
//! a real SMTP server: a sign-in link by email (the same answer for everyone, limited
//! per address), the password (other sessions end; "Forgot password?" through a
//! mailed link), proving the address (its link, or a mailed invitation or sign-in
//! link used), the sessions open and "sign out everywhere else".

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::{Backend, Me, SmtpServer, TestApp, assert_problem, mail_to, token_after, token_in, typed};

on_both_backends!(
    backend: a_sign_in_link_by_email_goes_only_to_a_real_account_and_proves_its_address,
    sign_in_links_by_email_are_limited_per_address,
    a_new_password_needs_the_old_one_and_ends_the_other_sessions,
    an_address_is_proven_by_its_link_once_and_only_while_it_is_the_accounts,
    an_invitation_proves_the_address_only_through_the_mailed_link,
);

on_both_backends!(the_sessions_are_listed_and_the_others_signed_out);

async fn with_mail(backend: Backend, configure: impl FnOnce(&mut usher::Config)) -> Option<(TestApp, SmtpServer)> {
    let smtp = SmtpServer::start();
    let mail = mail_to(smtp.url());
    let app = TestApp::spawn_with(backend, |c| {
        mail(c);
        configure(c);
    })
    .await?;
    Some((app, smtp))
}

async fn me(app: &TestApp, token: &str) -> Me {
    app.me(token).await
}

async fn a_sign_in_link_by_email_goes_only_to_a_real_account_and_proves_its_address(backend: Backend) {
    let Some((app, smtp)) = with_mail(backend, |_| {}).await else { return };
    app.create_user("carol").await;
    app.create_user("dora").await;
    app.update_user("dora", json!({"disabled": true})).await;

    let (known, known_body) = app.post("/auth/email-link", None, json!({"email": "Carol@Example.com"})).await;
    let (unknown, unknown_body) = app.post("/auth/email-link", None, json!({"email": "nobody@example.com"})).await;
    let (disabled, _) = app.post("/auth/email-link", None, json!({"email": "dora@example.com"})).await;
    assert_eq!((known, unknown, disabled), (StatusCode::ACCEPTED, StatusCode::ACCEPTED, StatusCode::ACCEPTED));
    assert_eq!(known_body, unknown_body, "the same answer whether or not the account exists");
    let (status, body) = app.post("/auth/email-link", None, json!({"email": "not an address"})).await;
    assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");

    let mail = smtp.wait_for(1).await.remove(0);
    smtp.stays_at(1).await;
    assert_eq!(mail.to, ["carol@example.com"], "only the real, enabled account gets mail");
    let token = token_after(&mail, &format!("{}/l/", app.config.public_url()));
    assert!(!me(&app, &app.admin_token).await.user.email_verified);
    let carol = app.sign_in_by_link(&token).await;
    assert_eq!(carol.username, "carol");
    assert!(me(&app, &carol.session_token).await.user.email_verified, "a mailed link proves the address");
    let (status, body) = app.redeem_login_link(&token).await;
    assert_problem(status, &body, StatusCode::GONE, "invite_used_up");

    // Asked for in Vietnamese (the browser's Accept-Language): written in Vietnamese.
    let asked = reqwest::Client::new()
        .post(format!("{}/auth/email-link", app.api))
        .header("accept-language", "vi-VN,vi;q=0.9,en;q=0.5")
        .json(&json!({"email": "carol@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let mail = smtp.wait_for(2).await.remove(1);
    let parsed = mailparse::parse_mail(mail.data.as_bytes()).unwrap();
    let subject = parsed.headers.iter().find(|h| h.get_key_ref() == "Subject").map(|h| h.get_value());
    assert_eq!(subject.as_deref(), Some("Liên kết đăng nhập của bạn"));
}

async fn sign_in_links_by_email_are_limited_per_address(backend: Backend) {
    let Some((app, _smtp)) = with_mail(backend, |c| c.rate_limit_emails_per_address_per_hour = 2).await else {
        return;
    };
    for _ in 0..2 {
        assert_eq!(app.post("/auth/email-link", None, json!({"email": "x@example.com"})).await.0, StatusCode::ACCEPTED);
    }
    let response = app
        .api_client
        .send(reqwest::Method::POST, "/auth/email-link", None, Some(&json!({"email": "X@example.com"})))
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the third for one address, however spelled");
    assert!(response.headers().contains_key("retry-after"));
    let (status, _) = app.post("/auth/email-link", None, json!({"email": "y@example.com"})).await;
    assert_eq!(status, StatusCode::ACCEPTED, "another address is not held back");
}

async fn a_new_password_needs_the_old_one_and_ends_the_other_sessions(backend: Backend) {
    let Some((app, smtp)) = with_mail(backend, |_| {}).await else { return };
    let code = app.create_invite(json!({})).await.code().to_owned();
    let first = app.registered("judy", &code).await.session_token;
    let second = app.log_in("judy", "correct horse battery").await.session_token;

    let change = async |token: &str, body: serde_json::Value| {
        app.send(reqwest::Method::PUT, "/me/password", Some(token), Some(&body)).await
    };
    let refused = change(&first, json!({"new_password": "a new secret phrase"})).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "the current password is asked for");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "current_password", "{body}");
    let wrong = change(&first, json!({"current_password": "wrong horse", "new_password": "a new secret phrase"})).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let short = change(&first, json!({"current_password": "correct horse battery", "new_password": "7 chars"})).await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST, "7 characters refused");
    assert_eq!(me(&app, &second).await.user.username, "judy", "nothing changed yet");
    let done = change(&first, json!({"current_password": "correct horse battery", "new_password": "8 chars!"})).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT, "8 characters accepted");
    assert_eq!(me(&app, &first).await.user.username, "judy", "this session stays");
    assert_eq!(app.get("/me", Some(&second)).await.0, StatusCode::UNAUTHORIZED, "the other one ended");
    assert_eq!(
        app.post("/auth/login", None, json!({"login": "judy", "password": "correct horse battery"})).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.log_in("judy", "8 chars!").await;

    // Forgot password: a session a mailed sign-in link opened may set one without the
    // old; one opened by a link an admin handed over (not mailed) may not.
    let handed = app.create_login_link("judy").await;
    let handed = app.sign_in_by_link(&handed.token).await.session_token;
    assert_eq!(change(&handed, json!({"new_password": "forgotten it all"})).await.status(), StatusCode::BAD_REQUEST);
    app.post("/auth/email-link", None, json!({"email": "judy@example.com"})).await;
    let mail = smtp.wait_for(1).await.remove(0);
    let mailed = app.sign_in_by_link(&token_after(&mail, &format!("{}/l/", app.config.public_url()))).await;
    let reset = change(&mailed.session_token, json!({"new_password": "forgotten it all"})).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    app.log_in("judy", "forgotten it all").await;

    // An account without a password sets its first one without an old one.
    let (carol, _) = app.signed_in("carol").await;
    assert_eq!(change(&carol, json!({"new_password": "carol's first"})).await.status(), StatusCode::NO_CONTENT);
    assert!(me(&app, &carol).await.user.has_password);
}

async fn an_address_is_proven_by_its_link_once_and_only_while_it_is_the_accounts(backend: Backend) {
    let Some((app, smtp)) = with_mail(backend, |_| {}).await else { return };
    let (carol, _) = app.signed_in("carol").await;
    assert_eq!(app.post("/me/email/verification", Some(&carol), json!(null)).await.0, StatusCode::ACCEPTED);
    let first = token_after(&smtp.wait_for(1).await[0], &format!("{}/verify-email/", app.config.public_url()));
    assert_eq!(app.post("/me/email/verification", Some(&carol), json!(null)).await.0, StatusCode::ACCEPTED);
    let second = token_after(&smtp.wait_for(2).await[1], &format!("{}/verify-email/", app.config.public_url()));
    let (status, body) = app.post("/auth/verify-email", None, json!({"token": first})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert!(!me(&app, &carol).await.user.email_verified, "a replaced link verifies nothing");
    let (status, body) = app.post("/auth/verify-email", None, json!({"token": "made-up"})).await;
    assert_problem(status, &body, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(app.post("/auth/verify-email", None, json!({"token": second})).await.0, StatusCode::NO_CONTENT);
    assert!(me(&app, &carol).await.user.email_verified);
    assert_eq!(app.post("/auth/verify-email", None, json!({"token": second})).await.0, StatusCode::NOT_FOUND, "once");
    assert_eq!(app.post("/me/email/verification", Some(&carol), json!(null)).await.0, StatusCode::ACCEPTED);
    smtp.stays_at(2).await;

    // A new address loses the proof; a link sent to the old one proves nothing.
    let (dora, _) = app.signed_in("dora").await;
    app.post("/me/email/verification", Some(&dora), json!(null)).await;
    let to_old = token_after(&smtp.wait_for(3).await[2], &format!("{}/verify-email/", app.config.public_url()));
    app.update_user("carol", json!({"email": "carol@elsewhere.example"})).await;
    assert!(!me(&app, &carol).await.user.email_verified, "a new address is not proven");
    app.update_user("dora", json!({"email": "dora@elsewhere.example"})).await;
    assert_eq!(app.post("/auth/verify-email", None, json!({"token": to_old})).await.0, StatusCode::NOT_FOUND);
    assert!(!me(&app, &dora).await.user.email_verified);
    assert_eq!(app.post("/me/email/verification", None, json!(null)).await.0, StatusCode::UNAUTHORIZED);
}

async fn an_invitation_proves_the_address_only_through_the_mailed_link(backend: Backend) {
    let Some((app, smtp)) = with_mail(backend, |_| {}).await else { return };
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    app.group(&owner, &group).invite(json!({"email": "mia@example.com"})).await;
    let mailed = token_in(&smtp.wait_for(1).await[0], &app.config.public_url());
    let mia = app.registered("mia", &mailed).await;
    assert!(mia.user.email_verified, "signing up through the mailed invitation proves the address");

    let copied = app.group(&owner, &group).invite(json!({"email": "ned@example.com"})).await;
    let (_, link) = app.post(&format!("/groups/{group}/invites/{}/link", copied.id), Some(&owner), json!(null)).await;
    let ned = app.registered("ned", link["token"].as_str().unwrap()).await;
    assert!(!ned.user.email_verified, "a link copied by hand proves nothing");
}

async fn the_sessions_are_listed_and_the_others_signed_out(app: TestApp) {
    let code = app.create_invite(json!({})).await.code().to_owned();
    let first = app.registered("judy", &code).await.session_token;
    let second = app.log_in("judy", "correct horse battery").await.session_token;
    let (status, list) = app.get("/me/sessions", Some(&first)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1, "{list}");
    assert!(!list.to_string().contains(&second) && !list.to_string().contains("token"), "never a token");
    assert_eq!(app.delete("/me/sessions", Some(&first)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/me", Some(&second)).await.0, StatusCode::UNAUTHORIZED);
    let (_, list) = app.get("/me/sessions", Some(&first)).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let _: Me = typed(app.get("/me", Some(&first)).await.1);
}
