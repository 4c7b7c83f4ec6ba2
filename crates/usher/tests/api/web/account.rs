//! The account page and the sign-in-by-email page over HTTP, on both backends: what
//! they show, their forms' refusals beside the fields, and what each form did, said
//! once after its redirect.

use reqwest::StatusCode;
use serde_json::json;

use super::{browser_like, form_of, page_url};
use crate::harness::{Backend, PageClient, SmtpServer, TestApp, cookie_pair, mail_to, set_cookie, token_after};

on_both_backends!(backend: the_account_page_changes_the_password_and_proves_the_address);
on_both_backends!(the_sign_in_by_email_page_says_the_same_for_everyone);

async fn the_account_page_changes_the_password_and_proves_the_address(backend: Backend) {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(backend, mail_to(smtp.url())).await else { return };
    let response = browser_like().get(page_url(&app, "/account")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "signed out: to sign in first");
    assert_eq!(response.headers()["location"], "/login?next=%2Faccount");

    let code = app.create_invite(json!({})).await.code().to_owned();
    let judy = app.registered("judy", &code).await.session_token;
    let other = app.log_in("judy", "correct horse battery").await.session_token;
    let browser = PageClient::signed_in(&app, &judy).await;
    let page = browser.get("/account").await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in ["judy@example.com", "not verified", "Current password", "this one", "Sign out everywhere else"] {
        assert!(page.html.contains(shown), "the page shows {shown:?}: {}", page.html);
    }

    let wrong =
        browser.post("/account/password", &[("current_password", "nope"), ("new_password", "long enough")]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.html.contains("is not your password"), "beside its field: {}", wrong.html);
    let done = browser
        .post("/account/password", &[("current_password", "correct horse battery"), ("new_password", "long enough")])
        .await;
    assert_eq!((done.status, done.location.as_deref()), (StatusCode::SEE_OTHER, Some("/account")));
    assert!(browser.follow(&done).await.html.contains("Your password was changed."));
    assert_eq!(app.get("/me", Some(&other)).await.0, StatusCode::UNAUTHORIZED, "the other session ended");

    let sent = browser.post("/account/verification", &[]).await;
    assert!(browser.follow(&sent).await.html.contains("A verification link is on its way"));
    let prefix = format!("{}/verify-email/", app.config.public_url());
    let token = token_after(&smtp.wait_for(1).await[0], &prefix);
    let path = format!("/verify-email/{token}");
    let (status, html, csrf_cookie, csrf) = form_of(&app, &path, None).await;
    assert!(status == StatusCode::OK && html.contains("Confirm my address"), "{html}");
    assert!(!app.me(&judy).await.user.email_verified, "showing the page verifies nothing");
    let verified = browser_like()
        .post(page_url(&app, &path))
        .header("cookie", &csrf_cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), StatusCode::SEE_OTHER);
    assert_eq!(verified.headers()["location"], "/", "signed out: home, which says so");
    assert!(
        set_cookie(verified.headers(), "usher_flash").is_some_and(|c| cookie_pair(&c) == "usher_flash=email_verified")
    );
    assert!(app.me(&judy).await.user.email_verified);
    let (status, html, _, _) = form_of(&app, &path, None).await;
    assert!(status == StatusCode::NOT_FOUND && html.contains("This link no longer works"), "used: {html}");
    assert!(browser.get("/account").await.html.contains("verified"));
}

async fn the_sign_in_by_email_page_says_the_same_for_everyone(app: TestApp) {
    app.create_user("carol").await;
    let browser = PageClient::signed_in(&app, "no-session").await;
    let refused = browser.post("/login/email", &[("email", "not an address")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.html.contains("class=\"field-error\"") && refused.html.contains("not an address"),
        "{}",
        refused.html
    );
    let mut answers = Vec::new();
    for email in ["carol@example.com", "nobody@example.com"] {
        let sent = browser.post("/login/email", &[("email", email)]).await;
        assert_eq!((sent.status, sent.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login/email")));
        answers.push(browser.follow(&sent).await.html);
    }
    assert_eq!(answers[0], answers[1], "the same page for an account and for nobody");
    assert!(answers[0].contains("If an account has that address"));
    assert!(browser.get("/login").await.html.contains("Forgot password?"));
}
