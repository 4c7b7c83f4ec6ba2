//! A person looking after their own account in Chromium, at desktop and phone widths,
//! with mail through a real SMTP server: "Forgot password?" → a sign-in link by email
//! → a new password without the old one; proving the address from the account page;
//! signing out everywhere else.

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;

use super::flows::{click, fill, sign_in_by_link};
use crate::harness::{Backend, Browser, SmtpServer, TestApp, mail_to, token_after};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forgotten_password_is_replaced_through_a_link_by_email() {
    for (width, device) in [(1280, "desktop"), (390, "phone")] {
        let smtp = SmtpServer::start();
        let Some(app) = TestApp::spawn_with(Backend::Sqlite, mail_to(smtp.url())).await else { return };
        let Some(browser) = Browser::start(width).await else { return };
        let code = app.create_invite(json!({})).await.code().to_owned();
        app.registered("judy", &code).await;

        browser.client.goto(&format!("http://{}/login", app.addr)).await.unwrap();
        browser.client.find(Locator::LinkText("Forgot password?")).await.unwrap().click().await.unwrap();
        browser.wait_for_text("Sign in by email").await;
        fill(&browser, "email", "judy@example.com").await;
        click(&browser, "form[action='/login/email'] button[type=submit]").await;
        browser.wait_for_text("a sign-in link is on its way").await;
        let mail = smtp.wait_for(1).await.remove(0);
        let link =
            format!("{}/l/{}", app.config.public_url(), token_after(&mail, &format!("{}/l/", app.config.public_url())));
        sign_in_by_link(&browser, &link, "judy").await;

        browser.client.find(Locator::LinkText("Your account")).await.unwrap().click().await.unwrap();
        browser.wait_for_text("no need for the old password").await;
        fill(&browser, "new_password", "a brand new phrase").await;
        click(&browser, "form[action='/account/password'] button[type=submit]").await;
        browser.wait_for_text("Your password was changed.").await;
        browser.screenshot(&format!("account-{device}")).await;
        app.log_in("judy", "a brand new phrase").await;
        let (status, _) =
            app.post("/auth/login", None, json!({"login": "judy", "password": "correct horse battery"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password no longer works");
        browser.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_address_is_proven_and_other_sessions_are_ended_from_the_account_page() {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, mail_to(smtp.url())).await else { return };
    let Some(browser) = Browser::start(390).await else { return };
    app.create_user("carol").await;
    let handed = app.create_login_link("carol").await;
    let elsewhere = app.sign_in_by_link(&app.create_login_link("carol").await.token).await.session_token;
    sign_in_by_link(&browser, &handed.url, "carol").await;
    browser.client.goto(&format!("http://{}/account", app.addr)).await.unwrap();
    browser.wait_for_text("not verified").await;

    click(&browser, "form[action='/account/verification'] button").await;
    browser.wait_for_text("A verification link is on its way").await;
    let mail = smtp.wait_for(1).await.remove(0);
    let prefix = format!("{}/verify-email/", app.config.public_url());
    browser.client.goto(&format!("{prefix}{}", token_after(&mail, &prefix))).await.unwrap();
    browser.wait_for_text("Confirm your email address").await;
    assert!(!app.me(&elsewhere).await.user.email_verified, "opening the link verifies nothing");
    click(&browser, "form[action^='/verify-email/'] button").await;
    browser.wait_for_text("Your email address is verified.").await;
    assert!(app.me(&elsewhere).await.user.email_verified);

    browser.wait_for_text("Sign out everywhere else").await;
    click(&browser, "form[action='/account/sessions'] button").await;
    browser.wait_for_text("You were signed out everywhere else.").await;
    assert_eq!(app.get("/me", Some(&elsewhere)).await.0, StatusCode::UNAUTHORIZED);
    browser.wait_for_text("this one").await;
    browser.close().await;
}
