//! The pages after something happened: an invitation reopened by its member, refusal
//! pages with a way on, a rate limit that keeps the form, and an action's confirmation
//! shown once (Post/Redirect/Get).

use reqwest::{StatusCode, header};

use super::{browser_like, form_of, page_url};
use crate::harness::{Backend, TestApp, cookie_pair, set_cookie};

on_both_backends!(
    an_invitation_reopened_by_its_member_leads_in,
    refusal_pages_say_what_happened_and_lead_on,
    an_action_says_what_it_did_once_on_the_page_it_leads_to,
);

on_both_backends!(backend: over_the_limit_the_sign_in_and_sign_up_forms_stay);

/// Reopening an invitation one has used (or a code that filled up since) says where one
/// is, with the way in; to anyone else it is still gone.
async fn an_invitation_reopened_by_its_member_leads_in(app: TestApp) {
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let invitation = app.group(&owner, &group).invite(serde_json::json!({"email": "mia@example.com"})).await;
    let path = format!("/invite/{}", invitation.token());
    let (mia, _) = app.signed_in("mia").await;
    let session = format!("usher_session={mia}");
    let (_, html, csrf_cookie, csrf) = form_of(&app, &path, Some(&session)).await;
    assert!(html.contains("Join as mia"), "{html}");
    let cookies = format!("{session}; {csrf_cookie}");
    let joined = browser_like()
        .post(page_url(&app, &path))
        .header(header::COOKIE, &cookies)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);

    let (status, html, _, _) = form_of(&app, &path, Some(&session)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("You&#x27;re already in Book club") || html.contains("You're already in Book club"),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"&#x2f;groups&#x2f;{group}\"")) && html.contains(">Open<"), "{html}");
    let page = browser_like().get(page_url(&app, &path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE, "to anyone else, used");
    let (other, _) = app.signed_in("otto").await;
    let page = browser_like()
        .get(page_url(&app, &path))
        .header(header::COOKIE, format!("usher_session={other}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::GONE, "to someone signed in but not a member, used");
}

/// Over the sign-in limit the page is the form again — what was typed kept, when to
/// try again said, 429 with `Retry-After` — not a dead end; sign-up the same.
async fn over_the_limit_the_sign_in_and_sign_up_forms_stay(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |c| c.rate_limit_auth_per_minute = 2).await else { return };
    let (_, _, csrf_cookie, csrf) = form_of(&app, "/login", None).await;
    let post = |path: &'static str, form: Vec<(&'static str, &'static str)>| {
        let (csrf_cookie, csrf, url) = (csrf_cookie.clone(), csrf.clone(), page_url(&app, path));
        async move {
            let mut form: Vec<(&str, String)> = form.into_iter().map(|(k, v)| (k, v.to_owned())).collect();
            form.push(("csrf", csrf));
            browser_like().post(&url).header(header::COOKIE, csrf_cookie).form(&form).send().await.unwrap()
        }
    };
    let wrong = vec![("login", "pat"), ("password", "not the password"), ("next", "/")];
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let answer = post("/login", wrong.clone()).await;
        statuses.push(answer.status());
        last = Some(answer);
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED, "{statuses:?}");
    let limited = last.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    let html = limited.text().await.unwrap();
    assert!(html.contains("value=\"pat\"") && html.contains("name=\"password\""), "the form, kept: {html}");
    assert!(html.contains("Too many"), "{html}");

    let sign_up = vec![
        ("username", "newcomer"),
        ("email", "newcomer@example.com"),
        ("password", "correct horse battery"),
        ("display_name", ""),
        ("invite", ""),
    ];
    let limited = post("/register", sign_up).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    let html = limited.text().await.unwrap();
    assert!(html.contains("value=\"newcomer\"") && html.contains("Too many"), "the form, kept: {html}");
}

/// A refusal page names what happened in its heading and offers the way on.
async fn refusal_pages_say_what_happened_and_lead_on(app: TestApp) {
    let (status, html, _, _) = form_of(&app, "/join/AAA-BBB-CCC", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>Not found</h1>") && html.contains("href=\"&#x2f;\">Home</a>"), "{html}");
    let (someone, _) = app.signed_in("sam").await;
    let (status, html, _, _) = form_of(&app, "/admin", Some(&format!("usher_session={someone}"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("<h1>Not allowed</h1>") && html.contains("href=\"&#x2f;\">Home</a>"), "{html}");
}

/// Post/Redirect/Get with a flash: the redirect after an action carries its fixed
/// message, the page it leads to says it once and clears it; a cookie naming no message
/// of ours shows nothing.
async fn an_action_says_what_it_did_once_on_the_page_it_leads_to(app: TestApp) {
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let code = app.group(&owner, &group).invite(serde_json::json!({"max_uses": 5})).await;
    let (member, member_id) = app.signed_in("pat").await;
    app.join(&member, code.code()).await;
    let session = format!("usher_session={owner}");
    let (_, _, csrf_cookie, csrf) = form_of(&app, &format!("/groups/{group}"), Some(&session)).await;
    let cookies = format!("{session}; {csrf_cookie}");
    let changed = browser_like()
        .post(page_url(&app, &format!("/groups/{group}/members/{member_id}/role")))
        .header(header::COOKIE, &cookies)
        .form(&[("csrf", csrf.as_str()), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    let flash = cookie_pair(&set_cookie(changed.headers(), "usher_flash").expect("the redirect carries what was done"));
    let group_page = page_url(&app, &format!("/groups/{group}"));
    let shown = browser_like().get(&group_page).header(header::COOKIE, format!("{cookies}; {flash}")).send().await;
    let shown = shown.unwrap();
    let cleared = set_cookie(shown.headers(), "usher_flash").expect("cleared once shown");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(shown.text().await.unwrap().contains("The role was changed."));
    for forged in ["usher_flash=%3Cscript%3E", "usher_flash=You+won"] {
        let page = browser_like().get(&group_page).header(header::COOKIE, format!("{cookies}; {forged}")).send().await;
        let html = page.unwrap().text().await.unwrap();
        assert!(!html.contains("class=\"flash\""), "{forged}: {html}");
    }
}

on_both_backends!(backend: the_pages_wear_the_instances_name_logo_and_colour);

/// `instance_name`, `logo_url` and `accent_color` reach the pages: the name in titles,
/// the logo in the header (its origin allowed by the CSP, nothing else), the colour
/// in `brand.css`.
async fn the_pages_wear_the_instances_name_logo_and_colour(backend: Backend) {
    let configure = |c: &mut usher::Config| {
        c.instance_name = "Gia phả".into();
        c.logo_url = Some("https://cdn.example.com/logo.png".into());
        c.accent_color = "#B03A2E".into();
    };
    let Some(app) = TestApp::spawn_with(backend, configure).await else { return };
    let response = browser_like().get(page_url(&app, "/login")).send().await.unwrap();
    let csp = response.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(csp.contains("img-src 'self' data: https://cdn.example.com;"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "nothing else loosened: {csp}");
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>Sign in · Gia phả</title>"), "{html}");
    assert!(html.contains("alt=\"Gia phả\"") && html.contains("logo.png"), "{html}");
    let css = browser_like().get(page_url(&app, "/static/brand.css")).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("--accent: #b03a2e"), "{css}");
}
