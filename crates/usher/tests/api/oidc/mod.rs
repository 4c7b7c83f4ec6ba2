//! The OpenID Connect provider (SPEC §10.1): an independent relying party (the
//! `openidconnect` crate) signing people in (`relying_party.rs`); the flow's rules
//! and attacks on it — redirect URIs, codes, PKCE, refresh tokens, secrets at rest
//! (`security.rs`); apps as admins register them (`apps.rs`); consent, allowed
//! groups, prompt and logout (`flow.rs`); the invited person's way into the app —
//! a group's app, an invite's `return_to`, the family tree's invitation (`journeys.rs`).

mod apps;
mod flow;
mod journeys;
mod relying_party;
mod security;

use std::collections::HashMap;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::harness::TestApp;

/// Where the test apps are sent back to. Nothing listens there: the tests read the
/// redirect instead of following it.
pub const CALLBACK: &str = "http://127.0.0.1:9/callback";

/// A registered app: its client id and, for a confidential one, its secret.
#[derive(Debug, Clone)]
pub struct RegisteredApp {
    pub id: String,
    pub client_id: String,
    pub secret: Option<String>,
}

/// Registers an app with `CALLBACK` and whatever `extra` sets (as the admin).
pub async fn register_app(app: &TestApp, extra: Value) -> RegisteredApp {
    let mut body = json!({"name": "Family Tree", "redirect_uris": [CALLBACK], "first_party": true});
    for (key, value) in extra.as_object().expect("an object") {
        body[key] = value.clone();
    }
    let (status, answer) = app.post("/admin/apps", Some(&app.admin_token), body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    RegisteredApp {
        id: answer["id"].as_str().unwrap().to_owned(),
        client_id: answer["client_id"].as_str().unwrap().to_owned(),
        secret: answer["client_secret"].as_str().map(str::to_owned),
    }
}

/// A client that shows redirects instead of following them.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// `GET {path}` on Usher as a browser signed in with `session` (or not).
pub async fn visit(app: &TestApp, path: &str, session: Option<&str>) -> reqwest::Response {
    let mut request = no_redirects().get(format!("http://{}{path}", app.addr));
    if let Some(session) = session {
        request = request.header(header::COOKIE, format!("usher_session={session}"));
    }
    request.send().await.expect("answered")
}

/// The authorization request of `client_id` back to `CALLBACK`, `params` replacing
/// or adding to the usual ones (an empty value leaves one out).
pub fn authorize_path(client_id: &str, params: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("client_id", client_id),
        ("redirect_uri", CALLBACK),
        ("response_type", "code"),
        ("scope", "openid profile email groups offline_access"),
        ("state", "af0ifjsldkj"),
        ("nonce", "n-0S6_WzA2Mj"),
    ];
    for (name, value) in params {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name, value));
    }
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(pairs.into_iter().filter(|(_, v)| !v.is_empty()));
    format!("/oauth2/authorize?{}", query.finish())
}

/// A path's query, as name → value.
pub fn query_of(path: &str) -> HashMap<String, String> {
    url::Url::parse(&format!("http://x{path}")).unwrap().query_pairs().into_owned().collect()
}

/// The query of a redirect to `CALLBACK`; panics on any other answer.
pub fn callback_params(response: &reqwest::Response) -> HashMap<String, String> {
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "a redirect");
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with(&format!("{CALLBACK}?")), "back to the app: {location}");
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

/// A code for `session` at a first-party app (no consent page), with `params` added.
pub async fn code_for(app: &TestApp, client_id: &str, session: &str, params: &[(&str, &str)]) -> String {
    let response = visit(app, &authorize_path(client_id, params), Some(session)).await;
    let params = callback_params(&response);
    params.get("code").unwrap_or_else(|| panic!("a code: {params:?}")).clone()
}

/// `POST /oauth2/{endpoint}` with a form, the client by HTTP Basic when `basic`.
pub async fn post_form(
    app: &TestApp,
    endpoint: &str,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut request = no_redirects().post(format!("http://{}/oauth2/{endpoint}", app.addr)).form(form);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("answered");
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Exchanges a code at the token endpoint for a confidential app.
pub async fn exchange(app: &TestApp, rp: &RegisteredApp, code: &str, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![("grant_type", "authorization_code"), ("code", code), ("redirect_uri", CALLBACK)];
    form.extend_from_slice(extra);
    post_form(app, "token", &form, rp.secret.as_deref().map(|s| (rp.client_id.as_str(), s))).await
}

/// Userinfo's answer for an access token.
pub async fn userinfo(app: &TestApp, access_token: &str) -> (StatusCode, Value) {
    let response = no_redirects()
        .get(format!("http://{}/oauth2/userinfo", app.addr))
        .bearer_auth(access_token)
        .send()
        .await
        .expect("answered");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}
