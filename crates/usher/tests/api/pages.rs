//! The pages over plain HTTP: what a login link's page shows, that showing it never
//! uses the link, the headers every page carries, and CSRF on its form. (The same
//! flow in a real browser: `browser.rs`.)

use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::harness::TestApp;

on_both_backends!(a_login_link_page_shows_without_using_the_link, a_login_link_form_needs_its_csrf_pair);

/// A client that shows redirects instead of following them.
fn browser_like() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn page_url(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.addr)
}

async fn link_state(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/admin/login-links/{id}"), Some(&app.admin_token)).await.1
}

/// The `usher_csrf` cookie a page set, and the token its form carries.
fn csrf_pair(response_headers: &header::HeaderMap, html: &str) -> (String, String) {
    let cookie = response_headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("usher_csrf="))
        .expect("the page sets the CSRF cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let field = html.split("name=\"csrf\" value=\"").nth(1).expect("the form has a CSRF field");
    (cookie, field.split('"').next().unwrap().to_owned())
}

async fn a_login_link_page_shows_without_using_the_link(app: TestApp) {
    app.create_user("alice").await;
    let link = app.create_login_link("alice").await;
    let (id, token) = (link["id"].as_str().unwrap(), link["token"].as_str().unwrap());
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
    let session = signed_in
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("usher_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let home = client.get(page_url(&app, "/")).header(header::COOKIE, &session).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("Hello, alice"));
    let me = client.get(format!("{}/me", app.api)).header(header::COOKIE, &session).send().await.unwrap();
    assert_eq!(me.json::<Value>().await.unwrap()["user"]["username"], "alice");
    assert_eq!(link_state(&app, id).await["used"], true);

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
    let expired_id = expired["id"].as_str().unwrap();
    app.execute_sql(&format!("UPDATE invites SET expires_at = 1000 WHERE id = '{expired_id}'")).await;
    let page = client.get(page_url(&app, &format!("/l/{}", expired["token"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("has expired"));
    let revoked = app.create_login_link("alice").await;
    app.delete(&format!("/admin/login-links/{}", revoked["id"].as_str().unwrap()), Some(&app.admin_token)).await;
    let page = client.get(page_url(&app, &format!("/l/{}", revoked["token"].as_str().unwrap()))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    assert!(page.text().await.unwrap().contains("was revoked"));
}

async fn a_login_link_form_needs_its_csrf_pair(app: TestApp) {
    app.create_user("bob").await;
    let link = app.create_login_link("bob").await;
    let (id, token) = (link["id"].as_str().unwrap(), link["token"].as_str().unwrap());
    let client = browser_like();
    let url = page_url(&app, &format!("/l/{token}"));
    let page = client.get(&url).send().await.unwrap();
    let headers = page.headers().clone();
    let (cookie, csrf) = csrf_pair(&headers, &page.text().await.unwrap());

    let refused = [
        // No token at all; a field without the cookie; a cookie without the field; a
        // token that is not the cookie's; the right pair sent from another site.
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
