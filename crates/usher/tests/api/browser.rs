//! Flows in a real headless Chromium (see `harness/browser.rs`): the pages as a person
//! meets them. One backend is enough here; the HTTP-level page tests run on both.

use fantoccini::Locator;
use reqwest::StatusCode;

use crate::harness::{Backend, Browser, SmtpServer, TestApp, mail_to, token_in};

/// A login link opened twice still works; the button signs in; a forged form is refused;
/// the used link then shows the used-up page (410). Desktop and phone widths.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_login_link_signs_in_once_through_its_button() {
    for (width, device) in [(1280, "desktop"), (390, "phone")] {
        let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
        let Some(browser) = Browser::start(width).await else { return };
        app.create_user("alice").await;
        let link = app.create_login_link("alice").await;
        let (id, url) = (link["id"].as_str().unwrap().to_owned(), link["url"].as_str().unwrap().to_owned());
        assert!(url.starts_with(&format!("http://{}/l/", app.addr)), "{url}");

        // Opened twice (a mail scanner, then the person): still unused.
        for _ in 0..2 {
            browser.client.goto(&url).await.unwrap();
            browser.wait_for_text("Continue as alice").await;
        }
        let (_, state) = app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await;
        assert_eq!(state["used"], false, "opening the page used the link");
        browser.screenshot(&format!("login-link-{device}")).await;

        // The button fits the screen.
        let button = browser.client.find(Locator::Css("button[type=submit]")).await.unwrap();
        let (x, _, w, _) = button.rectangle().await.unwrap();
        assert!(x >= 0.0 && x + w <= f64::from(width), "button at {x} + {w} on a {width} px screen");

        // A form whose CSRF token was tampered with is refused, and uses nothing.
        browser.client.execute("document.querySelector('input[name=csrf]').value = 'forged';", vec![]).await.unwrap();
        button.click().await.unwrap();
        browser.wait_for_text("Please try again").await;
        let (_, state) = app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await;
        assert_eq!(state["used"], false);

        // The real button: signed in, at `/`.
        browser.client.goto(&url).await.unwrap();
        browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
        let home = format!("http://{}/", app.addr);
        browser.client.wait().for_url(&home.parse().unwrap()).await.unwrap();
        browser.wait_for_text("Hello, alice").await;
        browser.screenshot(&format!("home-{device}")).await;
        browser.client.find(Locator::Css("form.signout button")).await.unwrap().click().await.unwrap();
        browser.wait_for_text("You are not signed in").await;

        // Used: the page says so, and answers 410.
        browser.client.goto(&url).await.unwrap();
        browser.wait_for_text("already been used").await;
        browser.screenshot(&format!("link-used-{device}")).await;
        let status = app.client.get(&url).send().await.unwrap().status();
        assert_eq!(status, StatusCode::GONE);
        browser.close().await;
    }
}

/// A visitor opens `/register?invite=…`, sees the code checked as it is typed, signs
/// up, and lands signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_visitor_signs_up_with_an_invite_checked_as_typed() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start(1280).await else { return };
    let invite = app.create_invite(serde_json::json!({"description": "Book club", "max_uses": 3})).await;
    let url = invite["url"].as_str().unwrap();
    assert!(url.contains("/register?invite="), "{url}");
    browser.client.goto(url).await.unwrap();
    browser.wait_for_text("valid — Book club").await;

    // Typing: a wrong code is refused as it is typed, the right one accepted again.
    let field = browser.client.find(Locator::Id("invite")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("AAA-BBB-CCC").await.unwrap();
    browser.wait_for_text("no such invite").await;
    field.clear().await.unwrap();
    field.send_keys(invite["code"].as_str().unwrap()).await.unwrap();
    browser.wait_for_text("valid — Book club").await;
    browser.screenshot("register-desktop").await;

    for (id, value) in [("username", "mia"), ("email", "mia@example.com"), ("password", "correct horse battery")] {
        browser.client.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap();
    }
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Hello, mia").await;
    assert_eq!(app.invite(invite["code"].as_str().unwrap()).await["uses"], 1);
    browser.close().await;
}

/// A group owner's code: a second person opens `/join/{code}`, signs in from there,
/// comes back, joins, and is in the member list.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_person_signs_in_from_a_join_page_and_joins() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start(390).await else { return };
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let code = app.group_invite(&owner, &group, serde_json::json!({"role": "member"})).await;
    let body = serde_json::json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery"});
    let (status, pat) = app.post("/admin/users", Some(&app.admin_token), body).await;
    assert_eq!(status, StatusCode::CREATED);

    browser.client.goto(code["url"].as_str().unwrap()).await.unwrap();
    browser.wait_for_text("Join Book club").await;
    browser.screenshot("join-phone").await;
    browser.client.find(Locator::LinkText("Sign in")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Username or email").await;
    browser.client.find(Locator::Id("login")).await.unwrap().send_keys("pat").await.unwrap();
    browser.client.find(Locator::Id("password")).await.unwrap().send_keys("correct horse battery").await.unwrap();
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Join as pat").await;
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Book club").await;
    browser.wait_for_text("Hello, pat").await;
    let roles = app.member_roles(&owner, &group).await;
    assert_eq!(roles.get(pat["id"].as_str().unwrap()).map(String::as_str), Some("member"), "{roles:?}");
    browser.close().await;
}

/// An email invitation: the mail arrives at a real SMTP server, its link opens the
/// invitation page, sign-up comes pre-filled with the invited address, and the new
/// account is a member with the invitation's role.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_emailed_invitation_signs_up_and_joins() {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, mail_to(smtp.url())).await else { return };
    let Some(browser) = Browser::start(1280).await else { return };
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let body = serde_json::json!({"email": "mia@example.com", "role": "admin", "message": "Bring a book!"});
    app.group_invite(&owner, &group, body).await;

    let mails = smtp.wait_for(1).await;
    let link = format!("{}/invite/{}", app.config.public_url(), token_in(&mails[0], &app.config.public_url()));
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_text("Join Book club").await;
    browser.wait_for_text("Bring a book!").await;
    browser.screenshot("invitation-desktop").await;
    browser.client.find(Locator::LinkText("Create account")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("valid — joins Book club").await;
    let email = browser.client.find(Locator::Id("email")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(email.as_deref(), Some("mia@example.com"), "sign-up is pre-filled with the invited address");
    browser.client.find(Locator::Id("username")).await.unwrap().send_keys("mia").await.unwrap();
    browser.client.find(Locator::Id("password")).await.unwrap().send_keys("correct horse battery").await.unwrap();
    browser.client.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Hello, mia").await;
    browser.wait_for_text("Book club").await;
    let roles = app.member_roles(&owner, &group).await;
    assert!(roles.values().any(|role| role == "admin"), "mia joined as admin: {roles:?}");
    browser.close().await;
}
