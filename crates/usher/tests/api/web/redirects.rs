//! `/login?next=`: whatever an attacker puts in `next`, the `Location` Usher answers
//! after sign-in (GET when already signed in, POST after the password) stays on this
//! site. Browsers drop tabs and newlines and read `\` as `/`, so `/\t/evil.example`
//! would be `//evil.example`: another host.

use reqwest::{StatusCode, header};

use crate::harness::{TestApp, cookie_pair, set_cookie};

on_both_backends!(sign_in_never_redirects_off_site);

/// `next` values, as the server receives them (after the query or form is decoded),
/// that a browser could read as another origin.
const BYPASSES: &[&str] = &[
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/.//evil.example",
    "/..//evil.example",
    "http://evil.example/",
    "https:evil.example",
    "http:/evil.example",
    "javascript:alert(1)",
    "/\u{FF0F}evil.example",
    "/\u{2215}evil.example",
    "/\u{2044}evil.example",
    "/\u{a0}/evil.example",
    "evil.example",
];

fn browser_like() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn sign_in_never_redirects_off_site(app: TestApp) {
    let base = format!("http://{}", app.addr);
    let (session, _) = app.signed_in("sam").await;
    let session = format!("usher_session={session}");
    let body = serde_json::json!({"username": "pat", "email": "pat@example.com", "password": "correct horse battery"});
    assert_eq!(app.post("/admin/users", Some(&app.admin_token), body).await.0, StatusCode::CREATED);
    let form = browser_like().get(format!("{base}/login")).send().await.unwrap();
    let csrf_cookie = cookie_pair(&set_cookie(form.headers(), "usher_csrf").expect("the form sets its cookie"));
    let csrf = csrf_cookie.trim_start_matches("usher_csrf=").to_owned();

    // Signed in already: GET goes straight on; signing in: POST goes on.
    let get = |url: reqwest::Url| {
        let request = browser_like().get(url).header(header::COOKIE, &session);
        async move { request.send().await.unwrap() }
    };
    let post = |next: &str| {
        let fields = [("csrf", csrf.as_str()), ("login", "pat"), ("password", "correct horse battery"), ("next", next)];
        let request = browser_like().post(format!("{base}/login")).header(header::COOKIE, &csrf_cookie).form(&fields);
        async move { request.send().await.unwrap() }
    };
    let location = |response: &reqwest::Response| {
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{:?}", response.headers());
        response.headers()[header::LOCATION].to_str().unwrap().to_owned()
    };

    // The issue's own request, as typed into a browser's address bar.
    let typed = |query: &str| reqwest::Url::parse(&format!("{base}/login?{query}")).unwrap();
    let with_next = |next: &str| reqwest::Url::parse_with_params(&format!("{base}/login"), [("next", next)]).unwrap();
    assert_eq!(location(&get(typed("next=/%09/evil.example")).await), "/");
    assert_eq!(location(&get(typed("next=%2F%2Fevil.example")).await), "/");
    for next in BYPASSES {
        assert_eq!(location(&get(with_next(next)).await), "/", "GET with next={next:?}");
        assert_eq!(location(&post(next).await), "/", "POST with next={next:?}");
    }
    // A path on this site still goes on, query and all.
    let good = "/join/ABC-DEF-GHJ?from=mail";
    assert_eq!(location(&get(with_next(good)).await), good);
    assert_eq!(location(&post(good).await), good);
}
