//! The pages over plain HTTP: what a login link's page shows, that showing it never
//! uses the link, the headers every page carries, and CSRF on its form. (The same
//! flow in a real browser: `browser/flows.rs`.)

use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use super::{browser_like, csrf_pair, form_of, page_url, session_cookie};
use crate::harness::TestApp;

on_both_backends!(
    a_login_link_page_shows_without_using_the_link,
    a_login_link_form_needs_its_csrf_pair,
    the_join_page_says_what_a_code_is_for_and_joins,
    the_sign_up_page_checks_the_invite_and_signs_in,
    the_sign_in_page_signs_in_and_goes_on,
    the_invitation_page_admits_only_its_address,
);

async fn link_state(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await.1
}

async fn a_login_link_page_shows_without_using_the_link(app: TestApp) {
    app.create_user("alice").await;
    let link = app.create_login_link("alice").await;
    let (id, token) = (link.id.as_str(), link.token.as_str());
    let client = browser_like();
    let url = page_url(&app, &format!("/l/{token}"));

    // Opened twice, fetched by a link-preview bot, and HEAD: all show the page.
    for user_agent in ["Mozilla/5.0", "Mozilla/5.0", "Slackbot-LinkExpanding 1.0"] {
        let response = client.get(&url).header(header::USER_AGENT, user_agent).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline"), "{csp}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Continue as alice"), "{html}");
        assert!(html.contains("method=\"post\""), "{html}");
    }
    let head = client.request(Method::HEAD, &url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(link_state(&app, id).await["used"], false, "showing the page used the link");

    // The button: a session cookie, and on to `/`, which greets the user.
    let page = client.get(&url).send().await.unwrap();
    let headers = page.headers().clone();
    let (csrf_cookie, csrf) = csrf_pair(&headers, &page.text().await.unwrap());
    let signed_in =
        client.post(&url).header(header::COOKIE, &csrf_cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[header::LOCATION], "/");
    let session = session_cookie(signed_in.headers()).expect("a session cookie");
    let (status, html, _, _) = form_of(&app, "/", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Hello, alice") && html.contains("Sign out"), "{html}");
    let me = client.get(format!("{}/me", app.api)).header(header::COOKIE, &session).send().await.unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["username"], "alice");
    assert_eq!(link_state(&app, id).await["used"], true);

    // Signing out needs the form's CSRF pair, ends the session and clears the cookie.
    let logout = page_url(&app, "/logout");
    let forged = client.post(&logout).header(header::COOKIE, &session).form(&[("csrf", "x")]).send().await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let cookies = format!("{session}; {csrf_cookie}");
    let out = client.post(&logout).header(header::COOKIE, &cookies).form(&[("csrf", csrf.as_str())]).send().await;
    let out = out.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let cleared = out.headers().get_all(header::SET_COOKIE).iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("usher_session=;") || v.starts_with("usher_session=\"\";") || v.contains("Max-Age=0")
    });
    assert!(cleared, "{:?}", out.headers());
    let me = client.get(format!("{}/me", app.api)).header(header::COOKIE, &session).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "the session ended");

    // Used: the page says so, with 410; posting again changes nothing.
    let again = client.get(&url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already been used"));
    let twice = client.post(&url).header(header::COOKIE, &csrf_cookie).form(&[("csrf", csrf.as_str())]).send().await;
    assert_eq!(twice.unwrap().status(), StatusCode::GONE);

    // Unknown, expired and revoked links.
    let unknown = client.get(page_url(&app, "/l/not-a-real-token")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let expired = app.create_login_link("alice").await;
    let expired_id = expired.id.as_str();
    app.execute_sql(&format!("UPDATE invites SET expires_at = 1000 WHERE id = '{expired_id}'")).await;
    let page = client.get(page_url(&app, &format!("/l/{}", expired.token.as_str()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("has expired"));
    let revoked = app.create_login_link("alice").await;
    app.remove(&format!("/admin/login-links/{}", revoked.id), Some(&app.admin_token)).await;
    let page = client.get(page_url(&app, &format!("/l/{}", revoked.token.as_str()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("was revoked"));
}

async fn a_login_link_form_needs_its_csrf_pair(app: TestApp) {
    app.create_user("bob").await;
    let link = app.create_login_link("bob").await;
    let (id, token) = (link.id.as_str(), link.token.as_str());
    let client = browser_like();
    let url = page_url(&app, &format!("/l/{token}"));
    let page = client.get(&url).send().await.unwrap();
    let headers = page.headers().clone();
    let (cookie, csrf) = csrf_pair(&headers, &page.text().await.unwrap());

    let refused = [
        // No token at all; a field without the cookie; a cookie without the field; a
        // token that is not the cookie's; the right pair sent from another site, or from
        // a sibling host of this site (under `cookie_domain` it can set the cookie).
        client.post(&url).form(&[("x", "y")]).send().await.unwrap(),
        client.post(&url).form(&[("csrf", csrf.as_str())]).send().await.unwrap(),
        client.post(&url).header(header::COOKIE, &cookie).form(&[("csrf", "")]).send().await.unwrap(),
        client.post(&url).header(header::COOKIE, &cookie).form(&[("csrf", "forged")]).send().await.unwrap(),
        client
            .post(&url)
            .header(header::COOKIE, &cookie)
            .header("sec-fetch-site", "cross-site")
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap(),
        client
            .post(&url)
            .header(header::COOKIE, &cookie)
            .header("sec-fetch-site", "same-site")
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap(),
    ];
    for response in refused {
        let status = response.status();
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::BAD_REQUEST, "{status}");
        assert!(
            response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .all(|v| !v.to_str().unwrap().contains("usher_session"))
        );
    }
    assert_eq!(link_state(&app, id).await["used"], false, "a refused post used the link");
}

async fn the_join_page_says_what_a_code_is_for_and_joins(app: TestApp) {
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let invite = app.group(&owner, &group).invite(serde_json::json!({"role": "member", "max_uses": 5})).await;
    let code = invite.code();

    // A visitor: what it is for, and the ways in.
    let (status, html, _, _) = form_of(&app, &format!("/join/{code}"), None).await;
    assert_eq!(status, StatusCode::OK);
    for text in ["Join Book club", "olga", "member", "Uses left", "Create account", "Sign in"] {
        assert!(html.contains(text), "{text} in {html}");
    }
    assert!(
        html.contains(&format!("/register?invite={code}"))
            && html.contains(&format!("/login?next=&#x2f;join&#x2f;{code}"))
    );

    // Signed in: "Join as …", which needs its CSRF pair, then joins with the code's role.
    let (joiner, joiner_id) = app.signed_in("jon").await;
    let session = format!("usher_session={joiner}");
    let (_, html, csrf_cookie, csrf) = form_of(&app, &format!("/join/{code}"), Some(&session)).await;
    assert!(html.contains("Join as jon"), "{html}");
    let url = page_url(&app, &format!("/join/{code}"));
    let forged = browser_like().post(&url).header(header::COOKIE, &session).form(&[("csrf", "x")]).send().await;
    assert_eq!(forged.unwrap().status(), StatusCode::FORBIDDEN);
    let cookies = format!("{session}; {csrf_cookie}");
    let joined =
        browser_like().post(&url).header(header::COOKIE, &cookies).form(&[("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.group(&owner, &group).roles().await.get(&joiner_id).map(String::as_str), Some("member"));
    let (_, html, _, _) = form_of(&app, &format!("/join/{code}"), Some(&session)).await;
    assert!(html.contains("already in Book club") && html.contains(&format!("href=\"&#x2f;groups&#x2f;{group}\"")));

    // Expired and revoked codes: a page that says which, with 410.
    let expired = app.group(&owner, &group).invite(serde_json::json!({})).await;
    let expired_id = expired.id.as_str();
    app.execute_sql(&format!("UPDATE invites SET expires_at = 1000 WHERE id = '{expired_id}'")).await;
    let page = browser_like().get(page_url(&app, &format!("/join/{}", expired.code()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("has expired"));
    app.group(&owner, &group).revoke(&invite.id).await;
    let page = browser_like().get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("was revoked"));
}

async fn the_sign_up_page_checks_the_invite_and_signs_in(app: TestApp) {
    let invite = app.create_invite(serde_json::json!({"description": "Book club", "max_uses": 3})).await;
    let code = invite.code();
    let (status, html, csrf_cookie, csrf) = form_of(&app, &format!("/register?invite={code}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("valid — Book club"), "{html}");
    let (_, html, _, _) = form_of(&app, "/register?invite=AAA-BBB-CCC", None).await;
    assert!(html.contains("no such invite"), "{html}");

    let url = page_url(&app, "/register");
    let post = |fields: Vec<(&'static str, String)>| {
        let (csrf_cookie, csrf) = (csrf_cookie.clone(), csrf.clone());
        let url = url.clone();
        async move {
            let mut form = fields;
            form.push(("csrf", csrf));
            browser_like().post(&url).header(header::COOKIE, csrf_cookie).form(&form).send().await.unwrap()
        }
    };
    let account = |username: &str| {
        vec![
            ("username", username.to_owned()),
            ("email", format!("{username}@example.com")),
            ("password", "correct horse battery".to_owned()),
            ("display_name", String::new()),
            ("invite", code.to_owned()),
        ]
    };
    // Refused fields come back beside their inputs, with what was typed; nothing is used.
    let mut bad = account("X");
    bad[2].1 = "short".to_owned();
    let refused = post(bad).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = refused.text().await.unwrap();
    assert!(html.contains("field-error") && html.contains("X@example.com"), "{html}");
    assert_eq!(app.invite(code).await.uses, 0);

    let created = post(account("mia")).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let session = session_cookie(created.headers()).expect("signed in");
    let me = browser_like().get(format!("{}/me", app.api)).header(header::COOKIE, &session).send().await.unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["username"], "mia");
    assert_eq!(app.invite(code).await.uses, 1);

    let taken = post(account("mia")).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    let html = taken.text().await.unwrap();
    assert!(html.contains("taken") || html.contains("already exists"), "{html}");
    // A used-up code: the page says so, with the way to sign in — no form to fill in
    // for nothing; a form posted anyway gets the same page, and nothing is made.
    let single = app.create_invite(serde_json::json!({"max_uses": 1})).await;
    let single = single.code().to_owned();
    let (status, html, _, _) = form_of(&app, &format!("/register?invite={single}"), None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let mut first = account("noa");
    first[4].1 = single.clone();
    assert_eq!(post(first).await.status(), StatusCode::SEE_OTHER);
    let page = browser_like().get(page_url(&app, &format!("/register?invite={single}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    let html = page.text().await.unwrap();
    assert!(html.contains("already been used") && html.contains("href=\"&#x2f;login\""), "{html}");
    assert!(!html.contains("name=\"password\""), "no sign-up form: {html}");
    let mut late = account("ada");
    late[4].1 = single.clone();
    let late = post(late).await;
    assert_eq!(late.status(), StatusCode::GONE);
    assert!(!late.text().await.unwrap().contains("name=\"password\""));
    assert_eq!(app.invite(&single).await.uses, 1);
}

async fn the_sign_in_page_signs_in_and_goes_on(app: TestApp) {
    let body = serde_json::json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery"});
    let (status, _) = app.post("/admin/users", Some(&app.admin_token), body).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, html, csrf_cookie, csrf) = form_of(&app, "/login?next=/join/ABC-DEF-GHJ", None).await;
    assert_eq!(status, StatusCode::OK);
    // minijinja escapes `/` as `&#x2f;`, which the browser reads back as `/`.
    assert!(html.contains("value=\"&#x2f;join&#x2f;ABC-DEF-GHJ\""), "{html}");
    let url = page_url(&app, "/login");
    let attempt = |password: &'static str, next: &'static str| {
        let (csrf_cookie, csrf, url) = (csrf_cookie.clone(), csrf.clone(), url.clone());
        async move {
            let form = [("csrf", csrf.as_str()), ("login", "PAT"), ("password", password), ("next", next)];
            browser_like().post(&url).header(header::COOKIE, csrf_cookie).form(&form).send().await.unwrap()
        }
    };
    let wrong = attempt("not the password", "/").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Wrong username"));
    // `next` stays on this site: another origin becomes `/`.
    let elsewhere = attempt("correct horse battery", "//evil.example/").await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER, "{:?}", elsewhere.headers());
    assert_eq!(elsewhere.headers()[header::LOCATION], "/");
    let signed_in = attempt("correct horse battery", "/join/ABC-DEF-GHJ").await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_in.headers()[header::LOCATION], "/join/ABC-DEF-GHJ");
    assert!(session_cookie(signed_in.headers()).is_some());
}

async fn the_invitation_page_admits_only_its_address(app: TestApp) {
    let (owner, _) = app.signed_in("olga").await;
    let group = app.create_group(&owner, "Book club").await;
    let invitation = app.group(&owner, &group).invite(serde_json::json!({"email": "mia@example.com"})).await;
    let token = invitation.token().to_owned();
    let path = format!("/invite/{token}");

    let (status, html, _, _) = form_of(&app, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("mia@example.com") && html.contains("Create account"), "{html}");
    let (_, html, _, _) = form_of(&app, &format!("/register?invite={token}"), None).await;
    assert!(html.contains("value=\"mia@example.com\" readonly"), "the invited address, fixed: {html}");
    assert!(html.contains("olga invited you to Book club"), "{html}");
    assert!(
        html.contains(&format!("type=\"hidden\" name=\"invite\" value=\"{token}\"")) && !html.contains("id=\"invite\""),
        "the token travels hidden, not as an editable code: {html}"
    );

    // Someone else, signed in: told whose it is (masked) and offered to sign out and
    // continue, not a "Join" that would fail; a join posted anyway is refused.
    let (other, _) = app.signed_in("otto").await;
    let session = format!("usher_session={other}");
    let (_, html, csrf_cookie, csrf) = form_of(&app, &path, Some(&session)).await;
    assert!(html.contains("This invitation is for m***@example.com; you are signed in as otto"), "{html}");
    assert!(html.contains("Sign out and continue") && !html.contains("Join as") && !html.contains("mia@"), "{html}");
    let cookies = format!("{session}; {csrf_cookie}");
    let refused = browser_like()
        .post(page_url(&app, &path))
        .header(header::COOKIE, &cookies)
        .form(&[("csrf", &csrf)])
        .send()
        .await;
    let refused = refused.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("another email"));

    // "Sign out and continue": signed out, back on the invitation; a `next` off this
    // site goes home instead.
    let sign_out = |next: &str| {
        let form = [("csrf", csrf.clone()), ("next", next.to_owned())];
        browser_like().post(page_url(&app, "/logout")).header(header::COOKIE, &cookies).form(&form).send()
    };
    let signed_out = sign_out(&path).await.unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    assert_eq!(signed_out.headers()[header::LOCATION], path.as_str());
    assert!(
        signed_out
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().contains("usher_session=;"))
    );
    let (other, _) = app.signed_in("otto2").await;
    let cookies = format!("usher_session={other}; {csrf_cookie}");
    let sign_out = |next: &str| {
        let form = [("csrf", csrf.clone()), ("next", next.to_owned())];
        browser_like().post(page_url(&app, "/logout")).header(header::COOKIE, &cookies).form(&form).send()
    };
    for outside in ["https://evil.example/", "//evil.example/", "/\\evil.example"] {
        let signed_out = sign_out(outside).await.unwrap();
        assert_eq!(signed_out.headers()[header::LOCATION], "/", "{outside}");
    }

    // A resend replaces the link: the old one says so, with 410.
    let invite_id = invitation.id.as_str();
    let (status, _) =
        app.post(&format!("/groups/{group}/invites/{invite_id}/resend"), Some(&owner), serde_json::json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let page = browser_like().get(page_url(&app, &path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("replaced"));
}
