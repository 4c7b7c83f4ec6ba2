//! Post/Redirect/Get as a person meets it, in Chromium at desktop and phone widths: a
//! refresh after "Send invitation", "Create code" or a new sign-in link sends nothing
//! again and shows the one-time link no more; a form's address opened by hand lands on
//! its page.

use fantoccini::Locator;

use super::flows::{click, fill, sign_in_by_link};
use crate::harness::{Backend, Browser, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refresh_after_a_form_post_sends_nothing_again() {
    for width in [1280, 390] {
        let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
        let Some(browser) = Browser::start(width).await else { return };
        app.create_user("olga").await;
        let link = app.create_login_link("olga").await;
        sign_in_by_link(&browser, &link.url, "olga").await;
        fill(&browser, "group-name", "Book club").await;
        click(&browser, "form[action='/groups'] button[type=submit]").await;
        browser.wait_for_text("You are its owner.").await;
        let group_page = browser.client.current_url().await.unwrap();
        let invites = async || app.count("SELECT COUNT(*) FROM invites WHERE kind <> 'login_link'").await;

        // An email invitation: its page shows the link once; a refresh shows it no more
        // and sends nothing.
        fill(&browser, "invite-email", "dave@example.com").await;
        click(&browser, "form:has(input[name=kind][value=email]) button[type=submit]").await;
        browser.wait_for_text("shown only now").await;
        assert!(browser.client.find(Locator::Id("share-url")).await.is_ok(), "the link, once");
        let invite_page = browser.client.current_url().await.unwrap();
        assert!(invite_page.path().contains("/invites/"), "on the invite's own page: {invite_page}");
        browser.client.refresh().await.unwrap();
        browser.wait_for_text("Invitation for dave@example.com").await;
        assert!(browser.client.find(Locator::Id("share-url")).await.is_err(), "a refresh hides the link");
        assert_eq!(browser.client.current_url().await.unwrap(), invite_page, "no error page, no re-send");
        assert_eq!(invites().await, 1);

        // A code, refreshed twice: still one code.
        browser.client.goto(group_page.as_str()).await.unwrap();
        click(&browser, "form:has(input[name=kind][value=code]) button[type=submit]").await;
        browser.wait_for_text("The invite was created").await;
        browser.client.refresh().await.unwrap();
        browser.client.refresh().await.unwrap();
        browser.wait_for_text("Join link").await;
        assert_eq!(invites().await, 2);

        // The form's address typed by hand: the group page, not an error.
        browser.client.goto(&format!("{group_page}/invites")).await.unwrap();
        browser.wait_for_text("Invite people").await;
        assert_eq!(browser.client.current_url().await.unwrap(), group_page);
        assert_eq!(invites().await, 2);
        browser.close().await;
    }
}
