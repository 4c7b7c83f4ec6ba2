//! CSRF protection for forms: a double-submit token. A random value lives in the
//! `usher_csrf` cookie (HttpOnly, SameSite=Strict, Secure under https) and in a hidden
//! field of every form; a POST is honoured only when both are present and equal, and
//! never when the browser says it came from another origin (`Sec-Fetch-Site` other
//! than `same-origin` or `none`). Another site can neither read the cookie nor set it;
//! a sibling host of the same site (an application under `cookie_domain`) can set a
//! cookie for the whole domain, and so could forge the pair but for that header.

use axum::{
    Form,
    body::Body,
    extract::{FromRequest, Request},
    http::{HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use cookie::{Cookie, SameSite};
use rand::rngs::OsRng;
use serde::{Deserialize, de::DeserializeOwned};
use usher_domain::token::{Token, TokenHash};
use utoipa::ToSchema;

use crate::{
    auth::session::{self, Credential},
    error::ApiError,
    extract::{MAX_BODY, has_encoded_nul},
};

pub const CSRF_COOKIE: &str = "usher_csrf";
/// The header that carries the token on API calls made with the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The token a form carries, and the cookie to set when the browser has none yet.
#[derive(Debug)]
pub struct FormToken {
    pub value: String,
    pub set_cookie: Option<HeaderValue>,
}

impl FormToken {
    /// The browser's token, or a fresh one (and its cookie).
    pub fn for_form(headers: &HeaderMap, secure: bool) -> Self {
        match cookie_value(headers) {
            Some(value) => Self { value, set_cookie: None },
            None => {
                let value = Token::generate(&mut OsRng).expose().to_owned();
                let cookie = Cookie::build((CSRF_COOKIE, value.clone()))
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Strict)
                    .secure(secure)
                    .build();
                let set_cookie = HeaderValue::from_str(&cookie.to_string()).ok();
                Self { value, set_cookie }
            }
        }
    }
}

/// Whether a form post carries the browser's own token and does not come from another origin.
pub fn verify(headers: &HeaderMap, submitted: &str) -> bool {
    let foreign = headers.get("sec-fetch-site").is_some_and(|v| !matches!(v.as_bytes(), b"same-origin" | b"none"));
    let Some(expected) = cookie_value(headers) else { return false };
    // Comparing digests keeps the comparison's timing independent of the secret.
    !foreign && !submitted.is_empty() && TokenHash::of(submitted) == TokenHash::of(&expected)
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    session::cookie(headers, CSRF_COOKIE).filter(|value| !value.is_empty())
}

/// Cookie-authenticated unsafe calls to the API must come from Usher's own pages: they
/// carry the form token in `X-CSRF-Token` (pages expose it in
/// `<meta name="usher-csrf">`), compared like a form's. Calls signed in by a bearer
/// token are exempt: another site cannot make a browser send one. Whether the cookie
/// is what signs a call in is [`Credential::of`]'s decision, the session reader's own,
/// so another `Authorization` (a proxy's `Basic`) exempts nothing.
/// (A `tower_http::validate_request` check: run in place, with no boxed copy of the
/// route per request as `axum::middleware::from_fn` makes; its signature is theirs.)
#[expect(clippy::result_large_err, reason = "tower-http's ValidateRequest answers a whole Response")]
pub fn guard_api(req: &mut Request) -> Result<(), Response> {
    let headers = req.headers();
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_cookie = matches!(Credential::of(headers), Some(Credential::Cookie(_)));
    if unsafe_method && by_cookie && usher_http::is_api(req.uri().path()) {
        let submitted = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !verify(headers, submitted) {
            let detail = "A request signed in by cookie needs the X-CSRF-Token header (or use a bearer token).";
            return Err(ApiError::CrossSite(detail).into_response());
        }
    }
    Ok(())
}

/// A form that carries the CSRF field.
pub trait Protected {
    fn csrf(&self) -> &str;
}

/// A posted form whose CSRF pair checked out. A malformed form is answered with a 400
/// page, a missing or wrong pair with a 403 page.
#[derive(Debug)]
pub struct CheckedForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Protected> FromRequest<S> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let refused = |text: &str| super::said(StatusCode::BAD_REQUEST, "refusal-form-heading", text, &[], &[]);
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY).await else {
            return Err(refused("refusal-form-unreadable"));
        };
        if has_encoded_nul(&bytes) {
            return Err(refused("refusal-form-nul"));
        }
        let headers = parts.headers.clone();
        let Ok(Form(form)) = Form::<T>::from_request(Request::from_parts(parts, Body::from(bytes)), state).await else {
            return Err(refused("refusal-form-unreadable"));
        };
        if verify(&headers, form.csrf()) { Ok(Self(form)) } else { Err(super::csrf_refused()) }
    }
}

/// Implements [`Protected`] for forms with a `csrf: String` field.
macro_rules! protected {
    ($($form:ty),* $(,)?) => {$(
        impl $crate::pages::csrf::Protected for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}
pub(crate) use protected;

/// A form that is only a button: it carries its CSRF token and nothing else.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ButtonForm {
    csrf: String,
}

protected!(ButtonForm);
