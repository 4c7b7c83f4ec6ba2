//! A signed-in browser over plain HTTP: the session cookie, the CSRF cookie and the
//! token the pages' forms carry; redirects are shown, not followed.

use reqwest::{StatusCode, header};

use super::TestApp;

pub struct PageClient {
    client: reqwest::Client,
    base: String,
    cookies: String,
    pub csrf: String,
}

/// What a page answered: status, `Location` (for redirects) and the HTML.
#[derive(Debug)]
pub struct PageAnswer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: String,
    /// Every `Set-Cookie` line of the answer.
    pub set_cookies: Vec<String>,
}

impl PageAnswer {
    /// The `Set-Cookie` line for cookie `name`, if the answer set it.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies.iter().find(|line| line.starts_with(&format!("{name}="))).map(String::as_str)
    }
}

impl PageClient {
    /// A browser signed in with `session` (a session token), holding the CSRF pair
    /// that `/` handed it.
    pub async fn signed_in(app: &TestApp, session: &str) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let base = format!("http://{}", app.addr);
        let home = client.get(format!("{base}/")).send().await.unwrap();
        let csrf_cookie =
            cookie_pair(&set_cookie(home.headers(), "usher_csrf").expect("the home page sets the CSRF cookie"));
        let csrf = csrf_cookie.trim_start_matches("usher_csrf=").to_owned();
        Self { client, base, cookies: format!("usher_session={session}; {csrf_cookie}"), csrf }
    }

    pub async fn get(&self, path: &str) -> PageAnswer {
        let response = self.client.get(format!("{}{path}", self.base)).header(header::COOKIE, &self.cookies);
        answer(response.send().await.unwrap()).await
    }

    /// Follows a 303, as a browser does: a GET of its `Location`, bringing the cookies
    /// the redirect set (the one-time cookies a page reads; this client keeps no jar).
    pub async fn follow(&self, redirect: &PageAnswer) -> PageAnswer {
        assert_eq!(redirect.status, StatusCode::SEE_OTHER, "{}", redirect.html);
        let to = redirect.location.as_deref().expect("a redirect has a Location");
        let brought: Vec<String> =
            redirect.set_cookies.iter().map(|line| cookie_pair(line)).filter(|pair| !pair.ends_with('=')).collect();
        self.get_with(to, &brought.join("; ")).await
    }

    /// A GET with `extra` cookies (`name=value; …`) beside this browser's own.
    pub async fn get_with(&self, path: &str, extra: &str) -> PageAnswer {
        let cookies = if extra.is_empty() { self.cookies.clone() } else { format!("{}; {extra}", self.cookies) };
        let response = self.client.get(format!("{}{path}", self.base)).header(header::COOKIE, cookies);
        answer(response.send().await.unwrap()).await
    }

    /// Posts a form with its CSRF token, as the page's own form would.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> PageAnswer {
        let mut form = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        let request = self.client.post(format!("{}{path}", self.base)).header(header::COOKIE, &self.cookies);
        answer(request.form(&form).send().await.unwrap()).await
    }

    /// A raw request with this browser's cookies (for API calls made by cookie).
    pub fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url).header(header::COOKIE, &self.cookies)
    }
}

async fn answer(response: reqwest::Response) -> PageAnswer {
    let status = response.status();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
    if status != StatusCode::SEE_OTHER {
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "a page answers HTML, not {content_type}");
    }
    let set_cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect();
    PageAnswer { status, location, set_cookies, html: response.text().await.unwrap() }
}

/// The whole `Set-Cookie` line (value and attributes) a response gave for cookie `name`.
pub fn set_cookie(headers: &header::HeaderMap, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&prefix))
        .map(str::to_owned)
}

/// The `name=value` part of a `Set-Cookie` line, as a browser sends it back.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

/// The text between `start` and the next `end` in `html`, after `start`.
pub fn between<'a>(html: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = &html[html.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}
