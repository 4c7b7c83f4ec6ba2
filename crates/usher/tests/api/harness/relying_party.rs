//! A small application that signs its visitors in through Usher with OpenID Connect,
//! for the browser tests: `/` starts the code flow with PKCE, `/callback` exchanges the
//! code and checks the ID token with the `openidconnect` crate, then shows who signed
//! in and their groups (from userinfo). Its state lives in memory, keyed by `state`.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    extract::{Query, State},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
};
use serde_json::{Value, json};

use super::TestApp;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The application, serving on `addr` until dropped with the test.
pub struct RelyingParty {
    pub addr: SocketAddr,
    /// Its registration at Usher (`id`, `client_id`, `slug`-free).
    pub app_id: String,
}

struct Rp {
    client: Client,
    http: reqwest::Client,
    userinfo: String,
    pending: Mutex<HashMap<String, (PkceCodeVerifier, Nonce)>>,
}

impl RelyingParty {
    /// Registers the application at `usher` (with `extra` settings, e.g. `first_party`)
    /// and starts it.
    pub async fn start(usher: &TestApp, name: &str, extra: Value) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut body = json!({
            "name": name,
            "redirect_uris": [format!("http://{addr}/callback")],
            "home_url": format!("http://{addr}/"),
        });
        for (key, value) in extra.as_object().expect("an object") {
            body[key] = value.clone();
        }
        let (status, registered) = usher.post("/admin/apps", Some(&usher.admin_token), body).await;
        assert_eq!(status, reqwest::StatusCode::CREATED, "{registered}");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let issuer = IssuerUrl::new(usher.config.public_url()).unwrap();
        let metadata = CoreProviderMetadata::discover_async(issuer, &http).await.expect("discovery");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(registered["client_id"].as_str().unwrap().to_owned()),
            registered["client_secret"].as_str().map(|s| ClientSecret::new(s.to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(format!("http://{addr}/callback")).unwrap());
        let rp = Arc::new(Rp {
            client,
            http,
            userinfo: format!("{}/oauth2/userinfo", usher.config.public_url()),
            pending: Mutex::default(),
        });
        let router = Router::new().route("/", get(start)).route("/callback", get(callback)).with_state(rp);
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, app_id: registered["id"].as_str().unwrap().to_owned() }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// Not signed in here: off to Usher.
async fn start(State(rp): State<Arc<Rp>>) -> Redirect {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = rp
        .client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("groups".into()))
        .set_pkce_challenge(challenge)
        .url();
    rp.pending.lock().unwrap().insert(state.secret().clone(), (verifier, nonce));
    Redirect::to(url.as_str())
}

/// Back from Usher: the code exchanged, the ID token checked, the person shown.
async fn callback(State(rp): State<Arc<Rp>>, Query(query): Query<HashMap<String, String>>) -> Response {
    if let Some(error) = query.get("error") {
        return Html(format!("<p id=\"error\">Usher said: {error}</p>")).into_response();
    }
    let pending = query.get("state").and_then(|state| rp.pending.lock().unwrap().remove(state));
    let (Some((verifier, nonce)), Some(code)) = (pending, query.get("code")) else {
        return Html("<p id=\"error\">unknown state</p>".to_owned()).into_response();
    };
    let tokens = rp
        .client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&rp.http)
        .await
        .expect("the code is exchanged");
    let claims = tokens.id_token().expect("an ID token").claims(&rp.client.id_token_verifier(), &nonce).expect("valid");
    let username = claims.preferred_username().map(|u| u.as_str().to_owned()).unwrap_or_default();
    let info: Value = rp
        .http
        .get(&rp.userinfo)
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let groups: Vec<&str> = info["groups"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    Html(format!(
        "<!doctype html><title>Family Tree</title><p id=\"who\">Signed in as {username}</p>\
         <p id=\"groups\">Groups: {}</p>",
        groups.join(", ")
    ))
    .into_response()
}
