//! API keys in the admin console, on both backends: a key made through the form is
//! shown once on the page the form leads to (a refresh shows it no more), works
//! against the API within its scopes and its group, is listed without the key, and
//! stops working once revoked behind a confirmation; a refused form says why beside
//! each field and keeps what was typed, making nothing; only admins see the page.

use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::harness::{PageAnswer, PageClient, TestApp, between, eventually};

on_both_backends!(
    a_key_made_in_the_console_is_shown_once_works_and_is_revoked,
    a_refused_key_form_says_why_beside_each_field_and_makes_nothing,
    a_key_made_for_one_group_reaches_that_group_only,
    the_api_keys_page_is_for_admins_only,
);

const PAGE: &str = "/admin/api-keys";

/// The keys, as the API lists them to the admin.
async fn keys(app: &TestApp) -> Vec<Value> {
    let (status, list) = app.get("/admin/api-keys", Some(&app.admin_token)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().expect("a list of keys").clone()
}

/// The key a page shows, if it shows one.
fn shown_key(page: &PageAnswer) -> Option<String> {
    between(&page.html, "id=\"new-key\" class=\"mono\" value=\"", "\"").map(str::to_owned)
}

/// Makes a key through the form and follows its redirect: the page that shows it.
async fn made(admin: &PageClient, fields: &[(&str, &str)]) -> (PageAnswer, String) {
    let posted = admin.post(PAGE, fields).await;
    assert_eq!((posted.status, posted.location.as_deref()), (StatusCode::SEE_OTHER, Some(PAGE)), "{}", posted.html);
    let reveal = posted.cookie("usher_reveal").expect("the key travels in the one-time cookie");
    assert!(reveal.contains("HttpOnly") && reveal.contains("Path=/admin/api-keys"), "{reveal}");
    assert!(!reveal.contains("usk_"), "sealed, not readable: {reveal}");
    let landed = admin.follow(&posted).await;
    assert_eq!(landed.status, StatusCode::OK);
    let key = shown_key(&landed).expect("the new key, shown once");
    (landed, key)
}

async fn a_key_made_in_the_console_is_shown_once_works_and_is_revoked(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let empty = admin.get(PAGE).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.html.contains("<h1>API keys</h1>") && empty.html.contains("No API keys yet."), "{}", empty.html);
    assert!(empty.html.contains("href=\"/admin/api-keys\" aria-current=\"page\""), "its tab is the current one");
    for scope in ["users:read", "groups:read", "members:write", "invites:write", "audit:read"] {
        assert!(empty.html.contains(&format!("name=\"scopes\" value=\"{scope}\">")), "a box for {scope}");
    }
    assert!(empty.html.contains("see who belongs to a group"), "each scope said in words");
    assert!(empty.html.contains("<option value=\"90\" selected>90 days</option>"), "a quarter unless told otherwise");
    assert!(!empty.html.contains("id=\"new-key\""));

    let fields = [
        ("name", "Billing back-end"),
        ("scopes", "groups:read"),
        ("scopes", "members:read"),
        ("expires_in_days", "30"),
    ];
    let (landed, key) = made(&admin, &fields).await;
    assert!(key.starts_with("usk_") && key.len() > 40, "{key}");
    assert!(landed.html.contains("The API key was made"), "said once: {}", landed.html);
    assert!(landed.html.contains("data-copy=\"new-key\"") && landed.html.contains("/static/copy.js"), "a copy button");
    assert!(
        landed.set_cookies.iter().any(|line| line.starts_with("usher_reveal=;") && line.contains("Max-Age=0")),
        "the page clears the cookie that carried the key: {:?}",
        landed.set_cookies
    );

    // Listed, by name and scopes, never with the key; a refresh shows it no more.
    let again = admin.get(PAGE).await;
    assert!(shown_key(&again).is_none() && !again.html.contains(&key), "the key is shown once");
    assert!(!again.html.contains("The API key was made"), "the flash is said once");
    let row = between(&again.html, "<tbody>", "</tbody>").expect("a table of keys");
    assert!(row.contains("Billing back-end") && row.contains("<code>groups:read</code>"), "{row}");
    assert!(row.contains("<code>members:read</code>") && !row.contains("groups:write"), "{row}");
    assert!(row.contains("@admin") && row.contains("every group") && row.contains("in 29 days"), "{row}");
    assert_eq!(row.matches("<time").count(), 2, "made and expires; never used: {row}");
    let listed = keys(&app).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Billing back-end");
    assert!(listed[0].get("key").is_none(), "listed without the key: {}", listed[0]);
    let id = listed[0]["id"].as_str().unwrap().to_owned();

    // The key works against the API within its scopes, and its use is noted.
    let (status, groups) = app.get("/groups", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{groups}");
    let (status, _) = app.get("/admin/users", Some(&key)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "users:read was not ticked");
    let noted = || keys(&app);
    eventually("the key's use noted", noted, |keys| keys[0]["last_used_at"].is_string()).await;
    let html = admin.get(PAGE).await.html;
    let row = between(&html, "<tbody>", "</tbody>").unwrap();
    assert_eq!(row.matches("<time").count(), 3, "made, expires, last used: {row}");

    // Revoke: the confirmation changes nothing, a forged post nothing; its button revokes.
    let revoke = format!("{PAGE}/{id}/revoke");
    assert!(again.html.contains(&format!("href=\"{revoke}\"")), "a revoke button per key");
    let confirm = admin.get(&revoke).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.html.contains("<h1>Revoke this API key?</h1>"), "{}", confirm.html);
    assert!(confirm.html.contains("Billing back-end stops working at once"), "{}", confirm.html);
    assert_eq!(app.get("/groups", Some(&key)).await.0, StatusCode::OK, "asking revokes nothing");
    let forged = reqwest::Client::new()
        .post(format!("http://{}{revoke}", app.addr))
        .header(header::COOKIE, format!("usher_session={}", app.admin_token))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/groups", Some(&key)).await.0, StatusCode::OK, "a forged post revokes nothing");
    let revoked = admin.post(&revoke, &[]).await;
    assert_eq!((revoked.status, revoked.location.as_deref()), (StatusCode::SEE_OTHER, Some(PAGE)));
    let after = admin.follow(&revoked).await;
    assert!(
        after.html.contains("The API key was revoked") && after.html.contains("No API keys yet."),
        "{}",
        after.html
    );
    assert_eq!(app.get("/groups", Some(&key)).await.0, StatusCode::UNAUTHORIZED, "a revoked key signs nothing in");
    assert!(keys(&app).await.is_empty());
    assert_eq!(admin.get(&revoke).await.status, StatusCode::NOT_FOUND, "nothing left to revoke");
    assert_eq!(admin.post(&revoke, &[]).await.status, StatusCode::NOT_FOUND);

    // The audit log says it in words.
    let log = admin.get("/admin/audit?action=api_key.created").await;
    let row = between(&log.html, "<tbody>", "</tbody>").expect("a table of events");
    assert!(row.contains("made an API key") && row.contains("the API key “Billing back-end”"), "{row}");
    let log = admin.get("/admin/audit?action=api_key.revoked").await;
    let row = between(&log.html, "<tbody>", "</tbody>").expect("a table of events");
    assert!(row.contains("revoked an API key") && row.contains(&format!("?target={id}\">an API key</a>")), "{row}");
    assert!(log.html.contains(">made an API key</option>"), "the actions to search by");
}

async fn a_refused_key_form_says_why_beside_each_field_and_makes_nothing(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let long = "n".repeat(101);

    // No scope ticked and a name too long: both said, the name kept.
    let refused = admin.post(PAGE, &[("name", &long), ("expires_in_days", "365")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.html);
    assert!(refused.html.contains("<p id=\"name-error\" class=\"field-error\">must be 1 to 100 printable characters"));
    assert!(refused.html.contains("<p id=\"scopes-error\" class=\"field-error\">at least one"), "{}", refused.html);
    assert!(refused.html.contains(&format!("value=\"{long}\"")), "the name kept");
    assert!(refused.html.contains("<option value=\"365\" selected>1 year</option>"), "the lifetime kept");
    assert!(shown_key(&refused).is_none() && refused.cookie("usher_reveal").is_none());

    // An unknown group, with the rest refused too; the boxes ticked stay ticked.
    let fields =
        [("name", "Reports"), ("scopes", "audit:read"), ("scopes", "groups:admin"), ("group", "no-such-group")];
    let refused = admin.post(PAGE, &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("no group with the slug no-such-group"), "{}", refused.html);
    assert!(refused.html.contains("<p id=\"scopes-error\" class=\"field-error\">must be one of:"), "{}", refused.html);
    assert!(refused.html.contains("value=\"audit:read\" checked>"), "the box stays ticked");
    assert!(refused.html.contains("value=\"no-such-group\"") && refused.html.contains("value=\"Reports\""));

    // One group, by its slug; a lifetime within five years.
    let refused = admin.post(PAGE, &[("name", "Two"), ("scopes", "groups:read"), ("group", "a, b")]).await;
    assert!(
        refused.html.contains("<p id=\"group-error\" class=\"field-error\">no group with the slug a, b"),
        "{}",
        refused.html
    );
    let refused = admin.post(PAGE, &[("name", "Long"), ("scopes", "groups:read"), ("expires_in_days", "1827")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.html.contains("days from 1 to 1826"), "{}", refused.html);
    let refused = admin.post(PAGE, &[("name", "Soon"), ("scopes", "groups:read"), ("expires_in_days", "a week")]).await;
    assert!(refused.html.contains("must be a whole number"), "{}", refused.html);

    assert!(keys(&app).await.is_empty(), "a refused form made a key");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_keys").await, 0);

    // Never expiring, at the longest name.
    let name = "k".repeat(100);
    let (_, _) = made(&admin, &[("name", &name), ("scopes", "audit:read"), ("expires_in_days", "")]).await;
    let listed = keys(&app).await;
    assert_eq!((listed[0]["name"].as_str(), &listed[0]["expires_at"]), (Some(name.as_str()), &Value::Null));
}

async fn a_key_made_for_one_group_reaches_that_group_only(app: TestApp) {
    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let ours = app.new_group(&app.admin_token, serde_json::json!({"name": "Billing team"})).await;
    let other = app.create_group(&app.admin_token, "Elsewhere").await;
    let fields = [("name", "Team bot"), ("scopes", "groups:read"), ("group", &ours.slug), ("expires_in_days", "7")];
    let (landed, key) = made(&admin, &fields).await;
    let row = between(&landed.html, "<tbody>", "</tbody>").unwrap();
    let slug = format!("<code>{}</code>", ours.slug);
    assert!(row.contains(&slug) && !row.contains("every group"), "the group by its slug: {row}");

    let listed = keys(&app).await;
    assert_eq!(listed[0]["group_id"], ours.id.as_str());
    assert_eq!(listed[0]["group_slug"], ours.slug.as_str());
    let (status, groups) = app.get("/groups", Some(&key)).await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = groups["items"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [ours.id.as_str()], "{groups}");
    assert_eq!(app.get(&format!("/groups/{other}"), Some(&key)).await.0, StatusCode::NOT_FOUND);
}

async fn the_api_keys_page_is_for_admins_only(app: TestApp) {
    let (token, _) = app.signed_in("bob").await;
    let bob = PageClient::signed_in(&app, &token).await;
    let page = bob.get(PAGE).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.html.contains("Only instance admins") && !page.html.contains("name=\"scopes\""), "{}", page.html);
    let refused = bob.post(PAGE, &[("name", "Mine"), ("scopes", "users:write")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(keys(&app).await.is_empty(), "nobody but an admin makes a key");

    let admin = PageClient::signed_in(&app, &app.admin_token).await;
    let (_, key) = made(&admin, &[("name", "Admin's"), ("scopes", "groups:read")]).await;
    let id = keys(&app).await[0]["id"].as_str().unwrap().to_owned();
    let revoke = format!("{PAGE}/{id}/revoke");
    assert_eq!(bob.get(&revoke).await.status, StatusCode::FORBIDDEN);
    assert_eq!(bob.post(&revoke, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/groups", Some(&key)).await.0, StatusCode::OK, "still working");

    let anonymous = super::browser_like().get(super::page_url(&app, PAGE)).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers()[header::LOCATION], "/login?next=%2Fadmin%2Fapi-keys", "back here after signing in");
}
