//! Into an application through OpenID Connect, in a real Chromium: the application (a
//! small relying party, `harness/relying_party.rs`) sends a person to Usher, who signs
//! in, consents and lands back in it with their claims; and a group code link leads
//! through sign-up straight into the application the group names.

use fantoccini::Locator;
use serde_json::json;

use crate::harness::{Backend, Browser, RelyingParty, TestApp};

/// Types `value` into the field with id `id`.
async fn fill(browser: &Browser, id: &str, value: &str) {
    browser.client.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap();
}

async fn click(browser: &Browser, css: &str) {
    browser.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_app_signs_a_person_in_through_sign_in_and_consent() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start(1280).await else { return };
    let rp = RelyingParty::start(&app, "Tree Viewer", json!({"first_party": false})).await;
    let body = json!({"username": "carol", "email": "carol@example.com", "password": "correct horse battery"});
    assert_eq!(app.post("/admin/users", Some(&app.admin_token), body).await.0, reqwest::StatusCode::CREATED);

    browser.client.goto(&rp.url()).await.unwrap();
    browser.wait_for_text("Username or email").await;
    fill(&browser, "login", "carol").await;
    fill(&browser, "password", "correct horse battery").await;
    click(&browser, "button[type=submit]").await;
    browser.wait_for_text("Allow Tree Viewer to know who you are?").await;
    // What it asks for, in words (each scope a message of the page's language).
    browser.wait_for_text("your username and name").await;
    browser.wait_for_text("the groups you are in and your role in each").await;
    browser.screenshot("consent").await;
    click(&browser, "button[value=allow]").await;
    browser.wait_for_text("Signed in as carol").await;

    // Asked once: the next sign-in goes straight through.
    browser.client.goto(&rp.url()).await.unwrap();
    browser.wait_for_text("Signed in as carol").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_code_link_leads_through_sign_up_into_the_app() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start(390).await else { return };
    let rp = RelyingParty::start(&app, "Family Tree", json!({"first_party": true})).await;
    let group = app.new_group(&app.admin_token, json!({"name": "Smith Tree", "app_id": rp.app_id})).await;
    let code = app.group(&app.admin_token, &group.id).invite(json!({"max_uses": 5})).await;

    browser.client.goto(code.url.as_deref().expect("a code's link")).await.unwrap();
    browser.wait_for_text("Join Smith Tree").await;
    click(&browser, "a.button.primary").await;
    browser.wait_for_text("Create your account").await;
    fill(&browser, "username", "dana").await;
    fill(&browser, "email", "dana@example.com").await;
    fill(&browser, "password", "correct horse battery").await;
    click(&browser, "button[type=submit]").await;
    browser.wait_for_text("Signed in as dana").await;
    browser.wait_for_text(&format!("Groups: {}", group.slug)).await;
    browser.screenshot("joined-into-the-app").await;
    browser.close().await;
}
