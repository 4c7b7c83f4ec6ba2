//! The typed test client: the JSON API at one address, as the admin (whose session it
//! holds) or as any session a test passes in. Helpers named after what a person does
//! assert the status that action answers and return the answer typed
//! ([`super::views`]); the raw `request`/`get`/`post` answer status and JSON for tests of
//! refusals.

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::views::{InviteView, LinkSession, LoginLinkView, Me, MintedLink, Page, SignedIn, UserView};

pub struct ApiClient {
    /// `http://127.0.0.1:port/api/v1`
    pub api: String,
    pub client: reqwest::Client,
    /// Session of the first-start admin (empty while unclaimed).
    pub admin_token: String,
}

/// Reads a JSON answer as `T`, naming the answer when it does not fit.
pub fn typed<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("an answer of the wrong shape ({e}): {value}"))
}

impl ApiClient {
    pub fn new(api: String) -> Self {
        Self::with_http(api, reqwest::Client::new())
    }

    /// A client of `api` that sends through `client` (with its own timeouts, say).
    pub fn with_http(api: String, client: reqwest::Client) -> Self {
        Self { api, client, admin_token: String::new() }
    }

    /// A client of the server at `api` whose admin signs in by the first-start link `link`.
    pub async fn signed_in_by_first_start(api: String, link: &str) -> Self {
        let mut client = Self::new(api);
        let token = link.rsplit('/').next().expect("a link ends in its token");
        client.admin_token = client.sign_in_by_link(token).await.session_token;
        client
    }

    /// One request; answers the status and the JSON body (`Value::Null` when empty).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let response = self.send(method, path, token, body).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.api));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request is answered")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, token, Some(&body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.request(Method::PATCH, path, token, Some(&body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.request(Method::DELETE, path, token, None).await
    }

    /// A request that must answer `expected`; answers its body as `T`.
    pub async fn expect<T: DeserializeOwned>(
        &self,
        expected: StatusCode,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> T {
        let (status, answer) = self.request(method.clone(), path, token, body.as_ref()).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
        typed(answer)
    }

    /// A GET that must answer 200, read as `T`.
    pub async fn read<T: DeserializeOwned>(&self, path: &str, token: Option<&str>) -> T {
        self.expect(StatusCode::OK, Method::GET, path, token, None).await
    }

    /// A DELETE that must answer 204.
    pub async fn remove(&self, path: &str, token: Option<&str>) {
        let (status, body) = self.delete(path, token).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "DELETE {path}: {body}");
    }

    /// `GET /me` as `token`'s user.
    pub async fn me(&self, token: &str) -> Me {
        self.read("/me", Some(token)).await
    }

    // ----- the admin's side -----

    /// Creates a registration invite; panics unless 201.
    pub async fn create_invite(&self, body: Value) -> InviteView {
        self.expect(StatusCode::CREATED, Method::POST, "/admin/invites", Some(&self.admin_token), Some(body)).await
    }

    /// A registration invite as the admin reads it.
    pub async fn invite(&self, code: &str) -> InviteView {
        self.read(&format!("/admin/invites/{code}"), Some(&self.admin_token)).await
    }

    /// Registration invites as the admin lists them (`query` such as `?status=all`).
    pub async fn invites(&self, query: &str) -> Page<InviteView> {
        self.read(&format!("/admin/invites{query}"), Some(&self.admin_token)).await
    }

    /// Revokes a registration invite; panics unless 204.
    pub async fn revoke_invite(&self, code: &str) {
        self.remove(&format!("/admin/invites/{code}"), Some(&self.admin_token)).await;
    }

    /// Creates a user without a password; panics unless 201.
    pub async fn create_user(&self, username: &str) -> UserView {
        let body = json!({"username": username, "email": format!("{username}@example.com")});
        self.expect(StatusCode::CREATED, Method::POST, "/admin/users", Some(&self.admin_token), Some(body)).await
    }

    /// Changes a user as the admin; panics unless 200.
    pub async fn update_user(&self, username: &str, body: Value) -> UserView {
        let path = format!("/admin/users/{username}");
        self.expect(StatusCode::OK, Method::PATCH, &path, Some(&self.admin_token), Some(body)).await
    }

    /// Mints a login link for `username`; panics unless 201.
    pub async fn create_login_link(&self, username: &str) -> MintedLink {
        self.mint_login_link(username, json!({})).await
    }

    /// Mints a login link with `body` (`expires_in_hours`, `send_email`); panics unless 201.
    pub async fn mint_login_link(&self, username: &str, body: Value) -> MintedLink {
        let path = format!("/admin/users/{username}/login-links");
        self.expect(StatusCode::CREATED, Method::POST, &path, Some(&self.admin_token), Some(body)).await
    }

    /// A login link as the admin reads it later.
    pub async fn login_link(&self, id: &str) -> LoginLinkView {
        self.read(&format!("/admin/login-links/{id}"), Some(&self.admin_token)).await
    }

    /// A user created by the admin and signed in by login link (no password hashing):
    /// answers the session token and the user's id.
    pub async fn signed_in(&self, username: &str) -> (String, String) {
        let user = self.create_user(username).await;
        let link = self.create_login_link(username).await;
        (self.sign_in_by_link(&link.token).await.session_token, user.id)
    }

    // ----- the visitor's side -----

    pub async fn register(&self, username: &str, invite: Option<&str>) -> (StatusCode, Value) {
        let body = json!({
            "username": username,
            "email": format!("{username}@example.com"),
            "password": "correct horse battery",
            "invite": invite,
        });
        self.post("/auth/register", None, body).await
    }

    /// Signs `username` up with `invite`; panics unless 201.
    pub async fn registered(&self, username: &str, invite: &str) -> SignedIn {
        let (status, body) = self.register(username, Some(invite)).await;
        assert_eq!(status, StatusCode::CREATED, "{username} signs up: {body}");
        typed(body)
    }

    /// Signs in with a password; panics unless 200.
    pub async fn log_in(&self, login: &str, password: &str) -> SignedIn {
        let body = json!({"login": login, "password": password});
        self.expect(StatusCode::OK, Method::POST, "/auth/login", None, Some(body)).await
    }

    /// [`ApiClient::register`] with owned arguments, for futures that outlive a loop.
    pub async fn register_owned(&self, username: String, invite: String) -> (StatusCode, Value) {
        self.register(&username, Some(&invite)).await
    }

    pub async fn post_owned(&self, path: &'static str, body: Value) -> (StatusCode, Value) {
        self.post(path, None, body).await
    }

    pub async fn redeem_login_link(&self, token: &str) -> (StatusCode, Value) {
        let body = json!({
            "token": token,
            "device": {"uuid": uuid::Uuid::new_v4().to_string(), "type": "cli", "name": "test"},
        });
        self.post("/auth/login-link", None, body).await
    }

    /// Redeems a login link; panics unless 200.
    pub async fn sign_in_by_link(&self, token: &str) -> LinkSession {
        let (status, session) = self.redeem_login_link(token).await;
        assert_eq!(status, StatusCode::OK, "the login link signs in: {session}");
        typed(session)
    }
}
