//! `GET /auth/verify` as nginx, Caddy and Traefik call it: who the session cookie
//! signs in, group and role requirements, the way to sign in and back, and the sign-in
//! page sending people back only to `forward_auth_hosts`.

use reqwest::{Method, StatusCode, header};
use serde_json::json;

use crate::harness::{Backend, TestApp, assert_problem};

on_both_backends!(
    backend: the_session_cookie_admits_with_the_visitors_headers,
    group_and_role_requirements_admit_only_who_they_name,
    without_a_session_the_way_leads_to_sign_in_and_back_to_a_listed_host,
    the_sign_in_page_sends_people_back_only_to_listed_hosts,
    the_session_cookie_covers_the_cookie_domain,
);

/// The hosts of the applications in these tests.
const APP_HOST: &str = "app.example.com";

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, |config| {
        config.forward_auth_hosts = vec![APP_HOST.into(), "*.apps.example.com".into()]
    })
    .await
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// `GET /auth/verify{query}` with `headers` (name, value), as a proxy sends it.
async fn verify(app: &TestApp, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    verify_with(app, Method::GET, query, headers).await
}

async fn verify_with(app: &TestApp, method: Method, query: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = no_redirects().request(method, format!("http://{}/auth/verify{query}", app.addr));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("answered")
}

fn cookie(token: &str) -> String {
    format!("theme=dark; usher_session={token}")
}

fn header_of<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().expect("text"))
}

async fn problem_of(response: reqwest::Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    assert_eq!(header_of(&response, "content-type"), Some("application/problem+json"));
    (status, response.json().await.expect("problem+json"))
}

async fn the_session_cookie_admits_with_the_visitors_headers(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let (olive, olive_id) = app.signed_in("olive").await;
    let family = app.new_group(&olive, json!({"name": "The Smiths", "slug": "smiths"})).await;
    app.new_group(&olive, json!({"name": "Book club", "slug": "books"})).await;
    let olive_cookie = cookie(&olive);

    for method in [Method::GET, Method::HEAD] {
        let admitted = verify_with(&app, method.clone(), "", &[("cookie", &olive_cookie)]).await;
        assert_eq!(admitted.status(), StatusCode::OK, "{method}");
        let me = app.me(&olive).await;
        assert_eq!(header_of(&admitted, "x-usher-user"), Some("olive"));
        assert_eq!(header_of(&admitted, "x-usher-user-id"), Some(olive_id.as_str()));
        assert_eq!(header_of(&admitted, "x-usher-email"), Some(me.user.email.as_str()));
        assert_eq!(header_of(&admitted, "x-usher-groups"), Some("books,smiths"));
        assert_eq!(header_of(&admitted, "x-usher-role"), None, "no group asked for, no role");
        assert_eq!(header_of(&admitted, "cache-control"), Some("no-store"));
    }
    assert_eq!(family.slug, "smiths");

    // Only the cookie signs in: an `Authorization` header is the application's own.
    let (status, body) = problem_of(verify(&app, "", &[("authorization", &format!("Bearer {olive}"))]).await).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");
    let (status, body) = problem_of(verify(&app, "", &[("cookie", "usher_session=forged")]).await).await;
    assert_problem(status, &body, StatusCode::UNAUTHORIZED, "unauthenticated");

    // A signed-out session, and a disabled account, are let in no more.
    let (gus, _) = app.signed_in("gus").await;
    assert_eq!(verify(&app, "", &[("cookie", &cookie(&gus))]).await.status(), StatusCode::OK);
    assert_eq!(app.post("/auth/logout", Some(&gus), json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(verify(&app, "", &[("cookie", &cookie(&gus))]).await.status(), StatusCode::UNAUTHORIZED);
    app.update_user("olive", json!({"disabled": true})).await;
    assert_eq!(verify(&app, "", &[("cookie", &olive_cookie)]).await.status(), StatusCode::UNAUTHORIZED);
}

async fn group_and_role_requirements_admit_only_who_they_name(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let (olive, _) = app.signed_in("olive").await;
    let family = app.new_group(&olive, json!({"name": "The Smiths", "slug": "smiths"})).await;
    let (gus, _) = app.signed_in("gus").await;
    let code = app.group(&olive, &family.id).invite(json!({})).await;
    app.join(&gus, code.code()).await;
    let (stranger, _) = app.signed_in("stranger").await;

    let status_of = |token: &str, query: &str| {
        let cookie = cookie(token);
        let query = query.to_owned();
        let app = &app;
        async move { verify(app, &query, &[("cookie", &cookie)]).await }
    };
    let owner = status_of(&olive, "?group=smiths&role=admin").await;
    assert_eq!((owner.status(), header_of(&owner, "x-usher-role")), (StatusCode::OK, Some("owner")));
    let member = status_of(&gus, "?group=smiths").await;
    assert_eq!((member.status(), header_of(&member, "x-usher-role")), (StatusCode::OK, Some("member")));
    assert_eq!(status_of(&gus, "?group=smiths&role=member").await.status(), StatusCode::OK);
    assert_eq!(status_of(&gus, "?group=smiths&role=viewer").await.status(), StatusCode::OK);

    // Below the role, outside the group, or a group that does not exist: 403 alike.
    for (token, query) in [(&gus, "?group=smiths&role=admin"), (&stranger, "?group=smiths"), (&olive, "?group=nope")] {
        let (status, body) = problem_of(status_of(token, query).await).await;
        assert_problem(status, &body, StatusCode::FORBIDDEN, "forbidden");
    }
    // A proxy configured with a role that does not exist, or a role without a group,
    // is told so rather than let everyone through.
    for query in ["?group=smiths&role=boss", "?role=admin"] {
        let (status, body) = problem_of(status_of(&olive, query).await).await;
        assert_problem(status, &body, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(body["errors"][0]["field"], "role", "{body}");
    }
    // No session is 401 before any requirement is judged.
    assert_eq!(verify(&app, "?group=smiths", &[]).await.status(), StatusCode::UNAUTHORIZED);
}

async fn without_a_session_the_way_leads_to_sign_in_and_back_to_a_listed_host(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let public = app.config.public_url();
    let sign_in = |next: &str| format!("{public}/login?next={}", urlencode(next));

    // nginx: 401, and where to send the person in `Location`.
    let forwarded =
        [("x-forwarded-proto", "https"), ("x-forwarded-host", APP_HOST), ("x-forwarded-uri", "/photos?y=2025&z=1")];
    let refused = verify(&app, "", &forwarded).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header_of(&refused, "location"), Some(sign_in("https://app.example.com/photos?y=2025&z=1").as_str()));
    // Caddy, Traefik: `redirect=1` makes it a redirect.
    let redirected = verify(&app, "?redirect=1&group=smiths", &forwarded).await;
    assert_eq!(redirected.status(), StatusCode::FOUND);
    assert_eq!(header_of(&redirected, "location"), Some(sign_in("https://app.example.com/photos?y=2025&z=1").as_str()));
    let original = [("x-original-url", "http://x.apps.example.com:8081/a%20b")];
    let redirected = verify(&app, "?redirect=1", &original).await;
    assert_eq!(header_of(&redirected, "location"), Some(sign_in("http://x.apps.example.com:8081/a%20b").as_str()));

    // Anything that is not a listed host comes back to Usher's home, never elsewhere.
    let smuggled = [
        vec![("x-forwarded-host", "evil.example")],
        vec![("x-forwarded-host", APP_HOST), ("x-forwarded-uri", "@evil.example/")],
        vec![("x-forwarded-host", "app.example.com.evil.example")],
        vec![("x-forwarded-proto", "javascript"), ("x-forwarded-host", APP_HOST)],
        vec![("x-original-url", "https://evil.example/")],
        vec![("x-original-url", "https://app.example.com@evil.example/")],
        vec![("x-original-url", "//app.example.com/")],
        vec![],
    ];
    for headers in smuggled {
        let redirected = verify(&app, "?redirect=1", &headers).await;
        assert_eq!(redirected.status(), StatusCode::FOUND);
        assert_eq!(header_of(&redirected, "location"), Some(sign_in("/").as_str()), "{headers:?}");
    }
}

async fn the_sign_in_page_sends_people_back_only_to_listed_hosts(backend: Backend) {
    let Some(app) = spawn(backend).await else { return };
    let (olive, _) = app.signed_in("olive").await;
    let page = |next: &str| format!("http://{}/login?next={}", app.addr, urlencode(next));
    let signed_in = no_redirects().get(page("https://app.example.com/photos")).header(header::COOKIE, cookie(&olive));
    let response = signed_in.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(header_of(&response, "location"), Some("https://app.example.com/photos"));
    for next in ["https://evil.example/", "https://app.example.com@evil.example/", "https://app.example.com"] {
        let response = no_redirects().get(page(next)).header(header::COOKIE, cookie(&olive)).send().await.unwrap();
        assert_eq!(header_of(&response, "location"), Some("/"), "{next}");
    }
    // The form carries the way back through signing in, and the page lets its form
    // lead there (a browser holds the answer's redirect to `form-action`); no further.
    let form = no_redirects().get(page("https://x.apps.example.com/p")).send().await.unwrap();
    let csp = header_of(&form, "content-security-policy").unwrap().to_owned();
    assert!(csp.contains("form-action 'self' https://x.apps.example.com;"), "{csp}");
    let local = no_redirects().get(page("/groups")).send().await.unwrap();
    assert!(header_of(&local, "content-security-policy").unwrap().contains("form-action 'self';"));
    let refused = no_redirects().get(page("https://evil.example/")).send().await.unwrap();
    assert!(header_of(&refused, "content-security-policy").unwrap().contains("form-action 'self';"));
    // (The template escapes `/` as `&#x2f;`.)
    let html = form.text().await.unwrap().replace("&#x2f;", "/");
    assert!(html.contains("name=\"next\" value=\"https://x.apps.example.com/p\""), "{html}");
}

async fn the_session_cookie_covers_the_cookie_domain(backend: Backend) {
    let Some(app) = TestApp::spawn_with(backend, |config| {
        config.public_url = Some("http://usher.example.test".into());
        config.cookie_domain = Some("example.test".into());
    })
    .await
    else {
        return;
    };
    app.create_user("olive").await;
    let link = app.create_login_link("olive").await;
    let device = json!({"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "test"});
    let body = json!({"token": link.token, "device": device});
    let response = app.send(Method::POST, "/auth/login-link", None, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let set_cookie = header_of(&response, "set-cookie").expect("a session cookie").to_owned();
    assert!(set_cookie.starts_with("usher_session=") && set_cookie.contains("Domain=example.test"), "{set_cookie}");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
