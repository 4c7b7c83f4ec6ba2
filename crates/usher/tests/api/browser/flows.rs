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
        let (id, url) = (link.id.as_str().to_owned(), link.url.clone());
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

/// Signs `browser` in through a login link's page ("Continue as …") and waits for `/`.
pub(super) async fn sign_in_by_link(browser: &Browser, url: &str, name: &str) {
    browser.client.goto(url).await.unwrap();
    browser.wait_for_text(&format!("Continue as {name}")).await;
    click(browser, "button[type=submit]").await;
    browser.wait_for_text(&format!("Hello, {name}")).await;
}

pub(super) async fn click(browser: &Browser, css: &str) {
    browser.client.find(Locator::Css(css)).await.unwrap().click().await.unwrap();
}

pub(super) async fn fill(browser: &Browser, id: &str, value: &str) {
    let field = browser.client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Presses the page's "Copy link" button, waits until it says so, and answers the link.
async fn copy_link(browser: &Browser) -> String {
    click(browser, "button[data-copy]").await;
    browser.wait_for_text("Copied").await;
    let field = browser.client.find(Locator::Id("share-url")).await.unwrap();
    field.prop("value").await.unwrap().expect("the link")
}

/// (1) The first-start login link signs the admin in; in the console they create a
/// registration invite and copy its link; a visitor opens it, sees the code checked
/// (and a wrong one refused) as it is typed, signs up and lands signed in; the console
/// then counts the use.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_first_admin_invites_a_visitor_from_the_console() {
    let Some(app) = TestApp::spawn_unclaimed(Backend::Sqlite).await else { return };
    let Some(admin) = Browser::start(1280).await else { return };
    sign_in_by_link(&admin, app.first_start_link.as_deref().unwrap(), "admin").await;
    admin.client.find(Locator::LinkText("Admin console")).await.unwrap().click().await.unwrap();
    admin.wait_for_text("Registration invites").await;
    fill(&admin, "description", "Book club").await;
    admin.client.find(Locator::Css("#max_uses option[value='5']")).await.unwrap().click().await.unwrap();
    click(&admin, "form[action='/admin/invites'] button[type=submit]").await;
    admin.wait_for_text("Sign-up link").await;
    admin.client.find(Locator::Css("svg.qr")).await.expect("a QR code of the link");
    admin.screenshot("admin-invite-desktop").await;
    let invite_page = admin.client.current_url().await.unwrap();
    let url = copy_link(&admin).await;
    assert!(url.starts_with(&format!("http://{}/register?invite=", app.addr)), "{url}");
    let code = url.rsplit('=').next().unwrap().to_owned();
    admin.client.goto(&format!("http://{}/admin", app.addr)).await.unwrap();
    admin.wait_for_text("0 of 5").await;
    admin.screenshot("admin-console-desktop").await;

    let Some(visitor) = Browser::start(390).await else { return };
    visitor.client.goto(&url).await.unwrap();
    visitor.wait_for_text("valid — Book club").await;
    // Typing: a wrong code is refused as it is typed, the right one accepted again.
    fill(&visitor, "invite", "AAA-BBB-CCC").await;
    visitor.wait_for_text("no such invite").await;
    fill(&visitor, "invite", &code).await;
    visitor.wait_for_text("valid — Book club").await;
    visitor.screenshot("register-phone").await;
    for (id, value) in [("username", "mia"), ("email", "mia@example.com"), ("password", "correct horse battery")] {
        fill(&visitor, id, value).await;
    }
    click(&visitor, "button[type=submit]").await;
    visitor.wait_for_text("Hello, mia").await;

    admin.client.goto(invite_page.as_str()).await.unwrap();
    admin.wait_for_text("1 of 5").await;
    visitor.close().await;

    // The admin mints a sign-in link for themselves and opens it on a phone (as one would
    // by scanning its QR code): the console works at 390 px.
    admin.client.find(Locator::LinkText("Users")).await.unwrap().click().await.unwrap();
    admin.wait_for_text("Everyone").await;
    click(&admin, "a[aria-label='Sign-in link for admin']").await;
    admin.wait_for_text("Works for").await;
    click(&admin, "form[action='/admin/users/admin/login-link'] button[type=submit]").await;
    admin.wait_for_text("shown only now").await;
    let phone_link = copy_link(&admin).await;
    let Some(phone) = Browser::start(390).await else { return };
    sign_in_by_link(&phone, &phone_link, "admin").await;
    phone.client.goto(&format!("http://{}/admin", app.addr)).await.unwrap();
    phone.wait_for_text("Book club").await;
    let button = phone.client.find(Locator::Css("form[action='/admin/invites'] button")).await.unwrap();
    let (x, _, w, _) = button.rectangle().await.unwrap();
    assert!(x >= 0.0 && x + w <= 390.0, "the create button at {x} + {w} on a 390 px screen");
    phone.screenshot("admin-console-phone").await;
    phone.close().await;
    admin.close().await;
}

/// (2) A group owner creates a group and a code on its page and copies the link; a
/// second person opens `/join/{code}`, signs in from there, comes back, joins, and
/// appears in the member list the owner sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_group_owner_shares_a_code_and_sees_the_new_member() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(owner) = Browser::start(1280).await else { return };
    app.create_user("olga").await;
    let link = app.create_login_link("olga").await;
    sign_in_by_link(&owner, &link.url, "olga").await;
    fill(&owner, "group-name", "Book club").await;
    click(&owner, "form[action='/groups'] button[type=submit]").await;
    owner.wait_for_text("Share a code").await;
    let group_page = owner.client.current_url().await.unwrap();
    click(&owner, "form:has(input[name=kind][value=code]) button[type=submit]").await;
    owner.wait_for_text("Join link").await;
    let url = copy_link(&owner).await;
    assert!(url.starts_with(&format!("http://{}/join/", app.addr)), "{url}");
    owner.screenshot("group-code-desktop").await;

    let body = serde_json::json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery"});
    let (status, _) = app.post("/admin/users", Some(&app.admin_token), body).await;
    assert_eq!(status, StatusCode::CREATED);
    let Some(browser) = Browser::start(390).await else { return };
    browser.client.goto(&url).await.unwrap();
    browser.wait_for_text("Join Book club").await;
    browser.screenshot("join-phone").await;
    browser.client.find(Locator::LinkText("Sign in")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("Username or email").await;
    fill(&browser, "login", "pat").await;
    fill(&browser, "password", "correct horse battery").await;
    click(&browser, "button[type=submit]").await;
    browser.wait_for_text("Join as pat").await;
    click(&browser, "button[type=submit]").await;
    // Joined: straight to the group, which says so (once).
    browser.wait_for_text("You joined the group.").await;
    browser.wait_for_text("You are member").await;
    browser.wait_for_text("Members").await;
    browser.screenshot("group-phone").await;

    owner.client.goto(group_page.as_str()).await.unwrap();
    owner.wait_for_text("@pat").await;
    let members = owner.client.find(Locator::Id("members")).await.unwrap().text().await.unwrap();
    assert!(members.contains("pat @pat") && members.contains("through an invite"), "{members}");
    owner.screenshot("group-desktop").await;
    browser.close().await;
    owner.close().await;
}

/// (3) An email invitation created on the group page: the mail arrives at a real SMTP
/// server, its link opens the invitation page, sign-up comes pre-filled with the
/// invited address, and the new account is a member with the invitation's role.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_emailed_invitation_signs_up_and_joins() {
    let smtp = SmtpServer::start();
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, mail_to(smtp.url())).await else { return };
    let Some(owner) = Browser::start(1280).await else { return };
    let (owner_token, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner_token, "Book club").await;
    let link = app.create_login_link("olga").await;
    sign_in_by_link(&owner, &link.url, "olga").await;
    owner.client.goto(&format!("http://{}/groups/{group}", app.addr)).await.unwrap();
    owner.wait_for_text("Invite by email").await;
    fill(&owner, "invite-email", "mia@example.com").await;
    click(&owner, "#invite-role option[value=admin]").await;
    fill(&owner, "invite-message", "Bring a book!").await;
    click(&owner, "form:has(input[name=kind][value=email]) button[type=submit]").await;
    owner.wait_for_text("Invitation for mia@example.com").await;
    owner.wait_for_text("shown only now").await;
    owner.screenshot("group-invitation-desktop").await;

    let Some(browser) = Browser::start(1280).await else { return };
    let mails = smtp.wait_for(1).await;
    let link = format!("{}/invite/{}", app.config.public_url(), token_in(&mails[0], &app.config.public_url()));

    // Someone else, signed in on this computer, opens mia's link: told whose it is,
    // and offered to sign out and continue (not a "Join" that would fail).
    let Some(other) = Browser::start(1280).await else { return };
    app.create_user("otto").await;
    sign_in_by_link(&other, &app.create_login_link("otto").await.url, "otto").await;
    other.client.goto(&link).await.unwrap();
    other.wait_for_text("This invitation is for m***@example.com; you are signed in as otto").await;
    other.screenshot("invitation-wrong-account-desktop").await;
    click(&other, "form[action='/logout'] button[type=submit]").await;
    other.client.wait().for_url(&link.parse().unwrap()).await.unwrap();
    other.wait_for_text("Create account").await;
    other.close().await;

    browser.client.goto(&link).await.unwrap();
    browser.wait_for_text("Join Book club").await;
    browser.wait_for_text("Bring a book!").await;
    browser.screenshot("invitation-desktop").await;
    browser.client.find(Locator::LinkText("Create account")).await.unwrap().click().await.unwrap();
    browser.wait_for_text("olga invited you to Book club").await;
    let email = browser.client.find(Locator::Id("email")).await.unwrap();
    assert_eq!(email.prop("value").await.unwrap().as_deref(), Some("mia@example.com"), "the invited address");
    assert_eq!(email.prop("readOnly").await.unwrap().as_deref(), Some("true"), "and it is fixed");
    assert!(browser.client.find(Locator::Id("invite")).await.is_err(), "the token is not shown as a code");
    browser.wait_for_text("Not you?").await;
    browser.screenshot("register-invitation-desktop").await;
    fill(&browser, "username", "mia").await;
    fill(&browser, "password", "correct horse battery").await;
    click(&browser, "button[type=submit]").await;
    // Signed up through a group's invitation: straight to the group.
    let group_page = format!("http://{}/groups/{group}", app.addr);
    browser.client.wait().for_url(&group_page.parse().unwrap()).await.unwrap();
    browser.wait_for_text("You are admin").await;
    let roles = app.group(&owner_token, &group).roles().await;
    assert!(roles.values().any(|role| role == "admin"), "mia joined as admin: {roles:?}");

    // Reopened once used: where she is, and the way in.
    browser.client.goto(&link).await.unwrap();
    browser.wait_for_text("You're already in Book club").await;
    browser.screenshot("invitation-already-in-desktop").await;
    browser.client.find(Locator::LinkText("Open")).await.unwrap().click().await.unwrap();
    browser.client.wait().for_url(&group_page.parse().unwrap()).await.unwrap();
    browser.close().await;
    owner.close().await;
}

/// A sign-up link whose code was used up (or revoked): the page says which and offers
/// the way to sign in, instead of a form that cannot succeed; on a phone too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_dead_sign_up_link_says_why_and_leads_to_sign_in() {
    for (width, device) in [(1280, "desktop"), (390, "phone")] {
        let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
        let Some(browser) = Browser::start(width).await else { return };
        let code = app.create_invite(serde_json::json!({"max_uses": 1})).await.code().to_owned();
        let (status, _) = app.register("noa", Some(&code)).await;
        assert_eq!(status, StatusCode::CREATED);
        browser.client.goto(&format!("http://{}/register?invite={code}", app.addr)).await.unwrap();
        browser.wait_for_text("already been used").await;
        assert!(browser.client.find(Locator::Id("password")).await.is_err(), "no sign-up form");
        browser.screenshot(&format!("register-used-{device}")).await;
        let sign_in = browser.client.find(Locator::LinkText("Sign in")).await.unwrap();
        let (x, _, w, _) = sign_in.rectangle().await.unwrap();
        assert!(x >= 0.0 && x + w <= f64::from(width), "the way on fits a {width} px screen");
        sign_in.click().await.unwrap();
        let login = format!("http://{}/login", app.addr);
        browser.client.wait().for_url(&login.parse().unwrap()).await.unwrap();
        browser.close().await;
    }
}
