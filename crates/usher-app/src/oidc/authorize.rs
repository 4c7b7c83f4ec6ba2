//! The authorization endpoint's decisions: whether a request may be answered at the
//! app at all (an unknown app or redirect URI gets a page at Usher, never a
//! redirect), then — for the person visiting — sign in, consent, or back to the app
//! with a code or an error.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    oauth::{Scope, Scopes, is_s256_challenge},
    token::{Token, TokenHash},
};
use usher_storage::model::{ClientApp, NewCode, User};

use crate::{App, AppResult};

use super::{CODE_TTL, OAuthError, carries_nul};

/// Longest `nonce` kept with a code (it is stored until the code is exchanged).
pub const MAX_NONCE_LEN: usize = 512;
/// Longest `state` passed back (never stored).
pub const MAX_STATE_LEN: usize = 2048;
/// Why someone outside an app's `allowed_groups` is sent back with `access_denied`.
pub(crate) const NOT_ALLOWED: &str = "this account is not in a group allowed to use the application";

/// An authorization request's parameters, as sent.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub response_mode: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
}

/// What `prompt` asks for (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Sign in or consent only when needed.
    Default,
    /// Never show a page: answer `login_required` / `consent_required` instead.
    None,
    /// Sign in again, even when signed in.
    Login,
    /// Ask for consent again (first-party apps are still not asked).
    Consent,
}

/// A request checked far enough that errors go back to the app.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    pub app: ClientApp,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub prompt: Prompt,
    pub max_age: Option<i64>,
    /// As sent, to come back to after signing in.
    params: AuthorizeParams,
}

/// Why a request is not answered with a redirect to the app.
#[derive(Debug)]
pub enum Unanswerable {
    /// No such app, or a redirect URI it did not register: a page at Usher.
    Page(String),
    /// Anything else wrong: back to the app with the error.
    Redirect(String),
    Failed(crate::Error),
}

impl From<crate::Error> for Unanswerable {
    fn from(err: crate::Error) -> Self {
        Self::Failed(err)
    }
}

impl From<usher_storage::StoreError> for Unanswerable {
    fn from(err: usher_storage::StoreError) -> Self {
        Self::Failed(err.into())
    }
}

/// What the person visiting goes through next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Sign in, then come back to `return_to` (this request, without `prompt` and
    /// `max_age`, which the new sign-in satisfies). `again`: end the current session
    /// first (`prompt=login`, or it began longer than `max_age` ago).
    SignIn { again: bool, return_to: String },
    /// Ask whether the app may have the scopes.
    Consent,
    /// Back to the app (a code, or an error).
    Redirect(String),
}

/// Who is visiting: the user and the session they came with.
#[derive(Debug, Clone, Copy)]
pub struct Visitor<'a> {
    pub user: &'a User,
    pub session: &'a TokenHash,
}

impl App {
    /// Checks an authorization request. The app and the redirect URI first: until
    /// both are known, nothing is sent anywhere.
    pub async fn authorization_request(&self, params: AuthorizeParams) -> Result<AuthorizeRequest, Unanswerable> {
        if params.has_nul() {
            return Err(Unanswerable::Page("The sign-in request is malformed: it carries a NUL character.".into()));
        }
        let client_id = params.client_id.as_deref().unwrap_or_default();
        let Some(app) = self.store.app_by_client_id(client_id).await? else {
            return Err(Unanswerable::Page("The application that sent you here is not registered with Usher.".into()));
        };
        let Some(redirect_uri) = params.redirect_uri.clone().filter(|uri| app.redirect_uris.contains(uri)) else {
            return Err(Unanswerable::Page(format!(
                "{} asked to send you back to an address it has not registered, so Usher will not send you there.",
                app.name
            )));
        };
        let state = params.state.clone().filter(|s| !s.is_empty());
        let refuse = |error: OAuthError| {
            Unanswerable::Redirect(self.redirect_with_error(&redirect_uri, &error, state.as_deref()))
        };
        if state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN) {
            return Err(refuse(OAuthError::invalid_request(format!("`state` is longer than {MAX_STATE_LEN} bytes"))));
        }
        if params.request.is_some() {
            return Err(refuse(OAuthError::new("request_not_supported", "request objects are not supported")));
        }
        if params.request_uri.is_some() {
            return Err(refuse(OAuthError::new("request_uri_not_supported", "request_uri is not supported")));
        }
        if params.response_mode.as_deref().is_some_and(|mode| mode != "query") {
            return Err(refuse(OAuthError::invalid_request("only response_mode=query is supported")));
        }
        if params.response_type.as_deref() != Some("code") {
            let error = OAuthError::new("unsupported_response_type", "only the authorization code flow (`code`)");
            return Err(refuse(error));
        }
        let scopes = Scopes::parse(params.scope.as_deref().unwrap_or_default())
            .map_err(|e| refuse(OAuthError::new("invalid_scope", crate::error::in_english(&e))))?;
        let nonce = params.nonce.clone().filter(|n| !n.is_empty());
        if nonce.as_ref().is_some_and(|n| n.len() > MAX_NONCE_LEN) {
            return Err(refuse(OAuthError::invalid_request(format!("`nonce` is longer than {MAX_NONCE_LEN} bytes"))));
        }
        let code_challenge = match (params.code_challenge.as_deref(), params.code_challenge_method.as_deref()) {
            (None, None) if app.public => {
                return Err(refuse(OAuthError::invalid_request("a public app must use PKCE (code_challenge, S256)")));
            }
            (None, None) => None,
            (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => Some(challenge.to_owned()),
            (Some(_), Some("S256")) => {
                return Err(refuse(OAuthError::invalid_request("`code_challenge` is not an S256 challenge")));
            }
            (Some(_), None | Some(_)) | (None, Some(_)) => {
                return Err(refuse(OAuthError::invalid_request(
                    "PKCE needs `code_challenge` with `code_challenge_method=S256` (plain is not accepted)",
                )));
            }
        };
        let prompt = parse_prompt(params.prompt.as_deref()).map_err(refuse)?;
        let max_age = match params.max_age.as_deref() {
            None => None,
            Some(text) => match text.parse::<i64>() {
                Ok(secs) if secs >= 0 => Some(secs),
                _ => return Err(refuse(OAuthError::invalid_request("`max_age` must be a number of seconds"))),
            },
        };
        Ok(AuthorizeRequest { app, redirect_uri, scopes, state, nonce, code_challenge, prompt, max_age, params })
    }

    /// What the visitor goes through next.
    pub async fn authorize(&self, request: &AuthorizeRequest, visitor: Option<Visitor<'_>>) -> AppResult<Step> {
        let back = |error, description| Step::Redirect(self.back_with_error(request, error, description));
        let Some(visitor) = visitor else {
            if request.prompt == Prompt::None {
                return Ok(back("login_required", "the person is not signed in"));
            }
            return Ok(Step::SignIn { again: false, return_to: request.return_to() });
        };
        let auth_time = self.store.session_started(visitor.session).await?.unwrap_or_else(Utc::now);
        let too_old = request.max_age.is_some_and(|max| (Utc::now() - auth_time).num_seconds() > max);
        if request.prompt == Prompt::Login || too_old {
            if request.prompt == Prompt::None {
                return Ok(back("login_required", "the sign-in is older than max_age"));
            }
            return Ok(Step::SignIn { again: true, return_to: request.return_to() });
        }
        if !self.may_use(&request.app, visitor.user).await? {
            return Ok(back("access_denied", NOT_ALLOWED));
        }
        if !request.app.first_party {
            let given = self.store.consent(visitor.user.id, request.app.id).await?;
            let covered = given.is_some_and(|given| request.scopes.is_subset(&Scopes::from_stored(&given)));
            if !covered || request.prompt == Prompt::Consent {
                if request.prompt == Prompt::None {
                    return Ok(back(
                        "consent_required",
                        "the person has not agreed to share this with the application",
                    ));
                }
                return Ok(Step::Consent);
            }
        }
        Ok(Step::Redirect(self.issue_code(request, visitor.user, auth_time).await?))
    }

    /// The visitor's answer on the consent page: a code, or `access_denied`.
    pub async fn consent(&self, request: &AuthorizeRequest, visitor: Visitor<'_>, allow: bool) -> AppResult<String> {
        if !allow {
            return Ok(self.back_with_error(request, "access_denied", "the person declined"));
        }
        if !self.may_use(&request.app, visitor.user).await? {
            return Ok(self.back_with_error(request, "access_denied", NOT_ALLOWED));
        }
        self.store.grant_consent(visitor.user.id, request.app.id, request.scopes.to_string(), Utc::now()).await?;
        let auth_time = self.store.session_started(visitor.session).await?.unwrap_or_else(Utc::now);
        self.issue_code(request, visitor.user, auth_time).await
    }

    /// Whether `user` may sign in to `app`: anyone, or a member of one of its groups.
    pub(crate) async fn may_use(&self, app: &ClientApp, user: &User) -> AppResult<bool> {
        let Some(allowed) = &app.allowed_groups else { return Ok(true) };
        let groups = self.store.groups_of(user.id, None, None).await?;
        Ok(groups.iter().any(|(group, _)| allowed.contains(&group.id)))
    }

    async fn issue_code(&self, request: &AuthorizeRequest, user: &User, auth_time: DateTime<Utc>) -> AppResult<String> {
        if self.limits.app_sign_in(user.id).is_err() {
            let why = "too many sign-ins from this account; try again shortly";
            return Ok(self.back_with_error(request, "temporarily_unavailable", why));
        }
        let code = Token::generate(&mut OsRng);
        let now = Utc::now();
        let new = NewCode {
            code_hash: code.hash(),
            app_id: request.app.id,
            user_id: user.id,
            redirect_uri: request.redirect_uri.clone(),
            scope: request.scopes.to_string(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            auth_time,
            expires_at: now + CODE_TTL,
        };
        self.store.add_code(new).await?;
        let mut pairs = vec![("code", code.expose())];
        pairs.extend(request.state.as_deref().map(|s| ("state", s)));
        pairs.push(("iss", &self.settings.public_url));
        Ok(with_query(&request.redirect_uri, &pairs))
    }

    /// Back to the app that sent `request`, with the OAuth error `error`.
    fn back_with_error(&self, request: &AuthorizeRequest, error: &'static str, description: &str) -> String {
        self.redirect_with_error(&request.redirect_uri, &OAuthError::new(error, description), request.state.as_deref())
    }

    /// `redirect_uri` with an error, `state` and `iss` (RFC 9207) added.
    fn redirect_with_error(&self, redirect_uri: &str, error: &OAuthError, state: Option<&str>) -> String {
        let mut pairs = vec![("error", error.error), ("error_description", error.description.as_str())];
        pairs.extend(state.map(|s| ("state", s)));
        pairs.push(("iss", &self.settings.public_url));
        with_query(redirect_uri, &pairs)
    }
}

impl AuthorizeParams {
    /// Whether a parameter carries a NUL character (see [`carries_nul`]).
    fn has_nul(&self) -> bool {
        let Self {
            client_id,
            redirect_uri,
            response_type,
            scope,
            state,
            nonce,
            code_challenge,
            code_challenge_method,
            prompt,
            max_age,
            response_mode,
            request,
            request_uri,
        } = self;
        carries_nul([
            client_id,
            redirect_uri,
            response_type,
            scope,
            state,
            nonce,
            code_challenge,
            code_challenge_method,
            prompt,
            max_age,
            response_mode,
            request,
            request_uri,
        ])
    }
}

impl AuthorizeRequest {
    /// The authorization URL (a path on Usher) to come back to after signing in,
    /// without `prompt` and `max_age`: the sign-in that follows satisfies them.
    pub fn return_to(&self) -> String {
        let params = AuthorizeParams { prompt: None, max_age: None, ..self.params.clone() };
        format!("/oauth2/authorize?{}", to_query(&params))
    }

    /// The request as a query string, for the consent form to post back.
    pub fn query(&self) -> String {
        to_query(&self.params)
    }

    /// The scopes the consent page lists, each with what it shares.
    pub fn shared(&self) -> Vec<(&'static str, &'static str)> {
        self.scopes
            .iter()
            .map(|scope| match scope {
                Scope::OpenId => ("openid", "who you are on this site (an id that never changes)"),
                Scope::Profile => ("profile", "your username and name"),
                Scope::Email => ("email", "your email address"),
                Scope::Groups => ("groups", "the groups you are in and your role in each"),
                Scope::OfflineAccess => ("offline_access", "staying signed in to it while you are away"),
            })
            .collect()
    }
}

fn parse_prompt(text: Option<&str>) -> Result<Prompt, OAuthError> {
    let Some(text) = text.filter(|t| !t.is_empty()) else { return Ok(Prompt::Default) };
    let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
    if words.contains(&"none") && words.len() > 1 {
        return Err(OAuthError::invalid_request("`prompt=none` cannot be combined with other values"));
    }
    Ok(if words.contains(&"none") {
        Prompt::None
    } else if words.contains(&"login") {
        Prompt::Login
    } else if words.contains(&"consent") {
        Prompt::Consent
    } else {
        Prompt::Default
    })
}

fn to_query(params: &AuthorizeParams) -> String {
    let value = serde_json::to_value(params).unwrap_or_default();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let serde_json::Value::Object(map) = value {
        for (name, value) in map {
            if let serde_json::Value::String(value) = value {
                query.append_pair(&name, &value);
            }
        }
    }
    query.finish()
}

/// `url` with `pairs` added to its query.
fn with_query(url: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(url) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(pairs);
            url.to_string()
        }
        // Registered URIs are checked URLs; this is not reached.
        Err(_) => url.to_owned(),
    }
}
