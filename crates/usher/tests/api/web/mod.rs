//! The pages over plain HTTP: what they show, their forms and CSRF, the admin console
//! and a group's pages, sign-in redirects, the pages after something happened; and
//! the helpers they share (a client that shows redirects, a page's CSRF pair).

mod account;
mod console;
mod console_api_keys;
mod console_languages;
mod feedback;
mod group_pages;
mod languages;
mod pages;
mod post_redirect_get;
mod redirects;

use reqwest::{StatusCode, header};

use crate::harness::{TestApp, cookie_pair, set_cookie};

/// A client that shows redirects instead of following them.
pub fn browser_like() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub fn page_url(app: &TestApp, path: &str) -> String {
    format!("http://{}{path}", app.addr)
}

/// The form's CSRF pair from the page at `path` (fetched with `cookie`, if any).
pub async fn form_of(app: &TestApp, path: &str, cookie: Option<&str>) -> (StatusCode, String, String, String) {
    let mut request = browser_like().get(page_url(app, path));
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let html = response.text().await.unwrap();
    // Pages without a form (a visitor's join page) carry no pair.
    let (csrf_cookie, csrf) =
        if html.contains("name=\"csrf\"") { csrf_pair(&headers, &html) } else { Default::default() };
    (status, html, csrf_cookie, csrf)
}

/// The session cookie a response set.
pub fn session_cookie(headers: &header::HeaderMap) -> Option<String> {
    set_cookie(headers, "usher_session").as_deref().map(cookie_pair)
}

/// The `usher_csrf` cookie a page set, and the token its form carries.
pub fn csrf_pair(response_headers: &header::HeaderMap, html: &str) -> (String, String) {
    let cookie = set_cookie(response_headers, "usher_csrf").expect("the page sets the CSRF cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let cookie = cookie_pair(&cookie);
    let field = html.split("name=\"csrf\" value=\"").nth(1).expect("the form has a CSRF field");
    (cookie, field.split('"').next().unwrap().to_owned())
}
