//! Every page, populated (long names, addresses and links included), in Chromium: none
//! scrolls sideways on a 390 px phone (the members' and users' tables become cards),
//! and axe-core finds no serious or critical accessibility violation on any of them,
//! at desktop and phone widths; every field's border and focus ring keeps 3:1 against
//! what is around it (WCAG 1.4.11, which axe does not check).

use reqwest::StatusCode;

use super::flows::sign_in_by_link;
use crate::harness::{Backend, Browser, TestApp, axe_source};

/// The pages to visit: signed out, then signed in as the admin (after `sign_in`).
struct Pages {
    signed_out: Vec<String>,
    signed_in: Vec<String>,
    /// The admin's sign-in link.
    sign_in: String,
}

/// Fills an instance with everything its pages show, long values included.
async fn populate(app: &TestApp) -> Pages {
    let admin = app.admin_token.clone();
    let group = app.create_group(&admin, "The Smiths of Upper Wolverhampton and District").await;
    let code = app.group(&admin, &group).invite(serde_json::json!({"role": "member", "max_uses": 5})).await;
    let long_email = "a.rather.long.address.for.someone@family-archive.subdomain.example.com";
    let invitation = app
        .group(&admin, &group)
        .invite(serde_json::json!({"email": long_email, "message": "Come and add your branch of the tree!"}))
        .await;
    let mut members = Vec::new();
    for name in ["pat", "bartholomew.fitzgerald-smythe"] {
        let (token, id) = app.signed_in(name).await;
        app.join(&token, code.code()).await;
        members.push(id);
    }
    let registration =
        app.create_invite(serde_json::json!({"description": "Autumn sign-ups for the whole extended family"})).await;
    let link = app.create_login_link("pat").await;
    let body = serde_json::json!({
        "name": "Family tree",
        "redirect_uris": ["https://family-tree.apps.example.com/auth/openid-connect/callback/with/a/long/path"],
        "home_url": "https://family-tree.apps.example.com/",
    });
    let (status, registered) = app.post("/admin/apps", Some(&admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    let app_id = registered["id"].as_str().unwrap().to_owned();
    let scopes = ["users:read", "groups:read", "members:read", "members:write", "invites:write", "audit:read"];
    let body = serde_json::json!({
        "name": "The family archive's nightly export to the long-term storage back-end",
        "scopes": scopes,
        "group_id": group,
        "expires_in_days": 365,
    });
    let (status, key) = app.post("/admin/api-keys", Some(&admin), body).await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let key_id = key["id"].as_str().unwrap().to_owned();
    let signed_out = vec![
        "/".to_owned(),
        "/login".to_owned(),
        "/login/email".to_owned(),
        format!("/register?invite={}", invitation.token()),
        format!("/join/{}", code.code()),
        format!("/invite/{}", invitation.token()),
        link.url.trim_start_matches(&format!("http://{}", app.addr)).to_owned(),
        "/nothing-here".to_owned(),
    ];
    let signed_in = vec![
        "/".to_owned(),
        format!("/groups/{group}"),
        format!("/groups/{group}/invites/{}", code.id),
        format!("/groups/{group}/invites/{}", invitation.id),
        format!("/groups/{group}/invites/{}/revoke", code.id),
        format!("/groups/{group}/members/{}/remove", members[1]),
        "/account".to_owned(),
        "/admin".to_owned(),
        "/admin/users".to_owned(),
        format!("/admin/invites/{}", registration.code()),
        format!("/admin/invites/{}/revoke", registration.code()),
        format!("/admin/login-links/{}", link.id),
        format!("/admin/login-links/{}/revoke", link.id),
        "/admin/users/bartholomew.fitzgerald-smythe/delete".to_owned(),
        "/admin/users/bartholomew.fitzgerald-smythe/login-link".to_owned(),
        "/admin/mail".to_owned(),
        "/admin/mail/previews".to_owned(),
        "/admin/mail/previews?locale=vi".to_owned(),
        "/admin/audit".to_owned(),
        "/admin/apps".to_owned(),
        format!("/admin/apps/{app_id}"),
        format!("/admin/apps/{app_id}/secret"),
        format!("/admin/apps/{app_id}/delete"),
        "/admin/api-keys".to_owned(),
        format!("/admin/api-keys/{key_id}/revoke"),
        format!("/join/{}", code.code()),
        format!("/invite/{}", invitation.token()),
    ];
    Pages { signed_out, signed_in, sign_in: app.create_login_link("admin").await.url }
}

/// Visits every page of `pages` in `browser` (signing in between), calling `check`.
async fn visit<F: AsyncFn(&Browser, &str)>(app: &TestApp, browser: &Browser, pages: &Pages, check: F) {
    for path in &pages.signed_out {
        browser.client.goto(&format!("http://{}{path}", app.addr)).await.unwrap();
        check(browser, path).await;
    }
    sign_in_by_link(browser, &pages.sign_in, "admin").await;
    for path in &pages.signed_in {
        browser.client.goto(&format!("http://{}{path}", app.addr)).await.unwrap();
        check(browser, path).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_page_scrolls_sideways_on_a_phone() {
    let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
    let Some(browser) = Browser::start(390).await else { return };
    let pages = populate(&app).await;
    let fits = async |browser: &Browser, path: &str| {
        let widths = browser
            .client
            .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];", vec![])
            .await
            .unwrap();
        let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        if scroll > client {
            // Name what sticks out, for whoever mends it.
            let wide = "return [...document.querySelectorAll('body *')].filter(e => \
                e.getBoundingClientRect().right > document.documentElement.clientWidth \
                || e.scrollWidth > e.clientWidth + 1) \
                .map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '/' + e.clientWidth);";
            let wide = browser.client.execute(wide, vec![]).await.unwrap();
            panic!("{path} scrolls sideways on a phone: {scroll} px in {client}; too wide: {wide}");
        }
    };
    visit(&app, &browser, &pages, fits).await;
    let group = pages.signed_in[1].clone();
    browser.client.goto(&format!("http://{}{group}", app.addr)).await.unwrap();
    browser.screenshot("group-members-phone").await;
    browser.client.goto(&format!("http://{}/admin/users", app.addr)).await.unwrap();
    browser.screenshot("admin-users-phone").await;
    browser.client.goto(&format!("http://{}/admin/api-keys", app.addr)).await.unwrap();
    browser.screenshot("admin-api-keys-phone").await;
    // An invitation email in Vietnamese, as a phone's mail client shows it.
    browser.client.goto(&format!("http://{}/admin/mail/previews/invitation?locale=vi", app.addr)).await.unwrap();
    browser.wait_for_text("Nhận lời mời").await;
    browser.screenshot("mail-invitation-vi-phone").await;
    browser.close().await;
}

/// What a field's outline must keep against its surroundings: its border, and its
/// focus ring once focused; the failures, one line each.
const NON_TEXT_CONTRAST: &str = "
    const rgb = c => c.match(/[\\d.]+/g).map(Number);
    const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    const around = el => { for (let e = el.parentElement; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0) return c; }
        return [255, 255, 255]; };
    const bad = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]), select, textarea')) {
        if (!el.offsetParent) continue;
        const name = el.id || el.name, bg = around(el);
        const border = ratio(rgb(getComputedStyle(el).borderTopColor), bg);
        if (border < 3) bad.push(name + ' border ' + border.toFixed(2) + ':1');
        el.focus();
        const focused = getComputedStyle(el);
        const ring = ratio(rgb(focused.outlineColor), bg);
        if (focused.outlineStyle === 'none' || ring < 3) bad.push(name + ' focus ring ' + ring.toFixed(2) + ':1');
        el.blur();
    }
    return bad;";

/// axe-core (npm, run in the page) on every page at 1280 and 390 px: no violation of
/// serious or critical impact (contrast, names of controls, labels, landmarks, …);
/// and fields' borders and focus rings at 3:1 at least.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_page_passes_axe_at_desktop_and_phone() {
    let Some(axe) = axe_source() else { return };
    for width in [1280, 390] {
        let Some(app) = TestApp::spawn(Backend::Sqlite).await else { return };
        let Some(browser) = Browser::start(width).await else { return };
        let pages = populate(&app).await;
        let found = std::sync::Mutex::new(Vec::new());
        let audit = async |browser: &Browser, path: &str| {
            for violation in browser.axe_violations(&axe).await {
                found.lock().unwrap().push(format!("{path} at {width} px: {violation}"));
            }
            let faint = browser.client.execute(NON_TEXT_CONTRAST, vec![]).await.unwrap();
            for field in faint.as_array().unwrap() {
                found.lock().unwrap().push(format!("{path} at {width} px: {}", field.as_str().unwrap()));
            }
        };
        visit(&app, &browser, &pages, audit).await;
        let found = found.into_inner().unwrap();
        assert!(found.is_empty(), "serious or critical accessibility violations:\n{}", found.join("\n"));
        browser.close().await;
    }
}
