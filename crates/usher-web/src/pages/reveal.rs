//! A secret shown once on the page a form post leads to (Post/Redirect/Get): a new
//! invitation link, a login link, an app's client secret. The post answers 303 with
//! the secret in a `usher_reveal` cookie — sealed with the instance's key for that
//! page and that kind of secret (`App::seal_for_browser`), scoped to the page's path,
//! HttpOnly, SameSite=Strict, two minutes — and the page shows it and clears it. So a
//! refresh re-submits nothing and shows the secret no more; the browser never holds it
//! readable; a cookie planted or moved from another page opens nowhere.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use cookie::{Cookie, SameSite, time::Duration};

use crate::{AppState, auth::session::cookie};

const REVEAL_COOKIE: &str = "usher_reveal";

/// Which kind of secret: part of what it is sealed for, so one kind never shows as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reveal {
    InvitationLink,
    LoginLink,
    ClientSecret,
    ApiKey,
}

impl Reveal {
    fn context(self, path: &str) -> String {
        let kind = match self {
            Self::InvitationLink => "invitation_link",
            Self::LoginLink => "login_link",
            Self::ClientSecret => "client_secret",
            Self::ApiKey => "api_key",
        };
        format!("reveal {kind} {path}")
    }
}

/// `redirect` (a 303 to `to`) carrying `secret`, for the page at `to` to show once.
pub fn with_secret(state: &AppState, mut redirect: Response, to: &str, kind: Reveal, secret: &str) -> Response {
    let Some(sealed) = state.seal_for_browser(&kind.context(to), secret) else {
        tracing::error!("no secret key: a new secret cannot be shown after the redirect");
        return redirect;
    };
    let set = reveal_cookie(state, to, sealed, Duration::minutes(2));
    if let Ok(set) = HeaderValue::from_str(&set) {
        redirect.headers_mut().append(header::SET_COOKIE, set);
    }
    redirect
}

/// A secret the browser brought for the page at `path`: shown on this answer, then gone.
#[derive(Debug)]
pub struct Shown {
    pub secret: String,
    cleared: Option<HeaderValue>,
}

/// The `kind` of secret sealed for `path`, if the browser brought one.
pub fn take(state: &AppState, headers: &HeaderMap, kind: Reveal, path: &str) -> Option<Shown> {
    let sealed = cookie(headers, REVEAL_COOKIE)?;
    let secret = state.open_from_browser(&kind.context(path), &sealed)?;
    let cleared = HeaderValue::from_str(&reveal_cookie(state, path, String::new(), Duration::ZERO)).ok();
    Some(Shown { secret, cleared })
}

/// `page` with the cookie cleared, if it showed a secret: a refresh shows it no more.
pub fn finish(shown: Option<Shown>, mut page: Response) -> Response {
    if let Some(cleared) = shown.and_then(|shown| shown.cleared) {
        page.headers_mut().append(header::SET_COOKIE, cleared);
    }
    page
}

fn reveal_cookie(state: &AppState, path: &str, value: String, max_age: Duration) -> String {
    Cookie::build((REVEAL_COOKIE, value))
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.public_url.starts_with("https://"))
        .max_age(max_age)
        .to_string()
}
