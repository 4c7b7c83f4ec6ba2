//! Sessions at the edge: minting a token, reading it back from `Authorization:
//! Bearer` or the `usher_session` cookie ([`Credential`]), and the cookie itself.

use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};

use cookie::{Cookie, SameSite};
use usher_domain::{api_key, token::Token};
use usher_storage::{AuditContext, model::User};

use usher_app::Actor;

use super::scopes;
use crate::{AppState, client_ip::ClientIp, error::ApiError};

pub const SESSION_COOKIE: &str = "usher_session";

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, Secure under https.
pub fn set_cookie(state: &AppState, token: &Token) -> HeaderValue {
    let max_age = cookie::time::Duration::seconds(state.settings.session_ttl.num_seconds());
    cookie_header(state, token.expose(), max_age)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(state: &AppState) -> HeaderValue {
    cookie_header(state, "", cookie::time::Duration::ZERO)
}

/// With `cookie_domain` set, the cookie goes to that domain and every host below it
/// (the applications behind forward authentication); else to this host alone.
fn cookie_header(state: &AppState, value: &str, max_age: cookie::time::Duration) -> HeaderValue {
    let mut cookie = Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.public_url.starts_with("https://"))
        .max_age(max_age)
        .build();
    if let Some(domain) = &state.settings.cookie_domain {
        cookie.set_domain(domain.clone());
    }
    HeaderValue::from_str(&cookie.to_string()).expect("cookie is valid header text")
}

/// The session token a request presents, and how: what signs the request in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <token>`: a browser never attaches one on its own.
    Bearer(String),
    /// The `usher_session` cookie, which a browser sends with any request, forged ones
    /// too: unsafe API calls signed in by it need the CSRF header (`csrf::guard_api`).
    Cookie(String),
}

impl Credential {
    /// The one decision of what signs a request in, for the session reader and the CSRF
    /// guard alike: a bearer token when `Authorization` carries one, else the cookie.
    /// Any other `Authorization` (a proxy's `Basic`, say) signs nobody in.
    pub fn of(headers: &HeaderMap) -> Option<Self> {
        match bearer(headers) {
            Some(token) => Some(Self::Bearer(token)),
            None => cookie(headers, SESSION_COOKIE).map(Self::Cookie),
        }
    }

    fn token(&self) -> &str {
        match self {
            Self::Bearer(token) | Self::Cookie(token) => token,
        }
    }
}

/// The token of an `Authorization: Bearer …` header (the scheme in any case).
pub fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .map(str::to_owned)
}

/// The value of the request's cookie `name`, if it sent one.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A signed-in caller (by a session, or an API key acting for its admin).
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: User,
    actor: Actor,
}

impl Authed {
    /// The audit context of this caller's actions.
    pub fn audit(&self) -> AuditContext {
        self.actor.audit()
    }

    /// The application's view of this caller.
    pub fn actor(&self) -> Actor {
        self.actor.clone()
    }
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Caller(actor) = Caller::from_request_parts(parts, state).await?;
        let Some(user) = actor.user.clone() else { return Err(ApiError::UNAUTHENTICATED) };
        Ok(Self { user, actor })
    }
}

/// A signed-in instance admin, as the application's actor. Checked before the body is
/// read, so a non-admin learns nothing from how a body would have been judged.
#[derive(Debug)]
pub struct Admin(pub Actor);

impl Admin {
    /// The admin behind a signed-in caller, or 403.
    pub fn of(authed: &Authed) -> Result<Self, ApiError> {
        let actor = authed.actor();
        actor.admin()?;
        Ok(Self(actor))
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Self::of(&Authed::from_request_parts(parts, state).await?)
    }
}

/// Whoever is calling, signed in or not, as the application's actor: for routes and
/// pages that serve visitors too.
#[derive(Debug)]
pub struct Caller(pub Actor);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ClientIp(ip) = ClientIp::of(parts, &state.settings.trusted_proxies);
        let actor = match Credential::of(&parts.headers) {
            // A key counts only as a bearer token, and only on the routes its scopes name.
            Some(Credential::Bearer(token)) if api_key::is_key(&token) => {
                let actor = state.key_actor(&token, ip).await?;
                if let Some(key) = &actor.key {
                    scopes::require(parts, key)?;
                }
                actor
            }
            credential => state.actor(credential.as_ref().map(Credential::token), ip).await?,
        };
        Ok(Self(actor))
    }
}
