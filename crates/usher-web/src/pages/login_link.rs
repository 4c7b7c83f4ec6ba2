//! `/l/{token}`: a login link's page. GET (and HEAD, and any link-preview fetch) only
//! shows whom the link signs in as; the button POSTs, and only that uses the link — so
//! a mail scanner that opens links does not burn it.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use minijinja::context;
use serde::Deserialize;
use utoipa::ToSchema;

use usher_app::{Error, Reason, error::Forbidden};

use crate::pages::docs;
use crate::pages::{PageError, PageResult};
use usher_i18n::Locale;

use crate::pages::What;
use crate::{
    AppState,
    client_ip::ClientIp,
    extract::ApiPath,
    pages::{
        self,
        csrf::{self, CheckedForm},
    },
};

/// "Continue as …": whom the link signs in as, and the button that does it.
#[utoipa::path(
    get,
    path = "/l/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The login link's token")),
    responses(
        (status = 200, description = "The button; showing it never uses the link", content_type = "text/html", body = String),
        (status = 404, description = "No such link"),
        (status = 410, description = "Expired, revoked or already used: the page says which"),
        docs::Unavailable,
    ),
)]
pub async fn show(State(state): State<AppState>, ApiPath(token): ApiPath, headers: HeaderMap) -> PageResult {
    let locale = pages::answering_in();
    let link = state.preview_login_link(&token).await.map_err(|err| refused(err, locale))?;
    let Some(user) = link.user else { return Err(pages::not_found(What::SignInLink, locale).into()) };
    let token = token.trim();
    let expires_at = link.usage.expires_at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string());
    let context = context! { name => user.display_name, username => user.username, token, expires_at };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "login_link.html", context))
}

/// The button's form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInForm {
    /// The form's CSRF token (it must match the `usher_csrf` cookie).
    csrf: String,
}

/// Uses the link: opens a session (the cookie) and goes to `/`.
#[utoipa::path(
    post,
    path = "/l/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The login link's token")),
    request_body(content = SignInForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Signed in: the session cookie is set, on to `/`"),
        (status = 403, description = "No or a wrong CSRF token, a post from another site, or a disabled account"),
        (status = 404, description = "No such link"),
        (status = 410, description = "Expired, revoked or already used: the page says which"),
        docs::TooManyAttempts,
        docs::Unavailable,
    ),
)]
pub async fn sign_in(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiPath(token): ApiPath,
    _: CheckedForm<SignInForm>,
) -> PageResult {
    let locale = pages::answering_in();
    let redeemed = state.redeem_login_link(&ip.actor(), &token, pages::web_device()).await;
    let done = redeemed.map_err(|err| refused(err, locale))?;
    Ok(pages::signed_in_redirect(&state, &done.token, "/"))
}

/// A link that cannot be used, in this page's words and the person's language.
fn refused(err: Error, locale: Locale) -> PageError {
    match err {
        Error::Refused(Reason::InviteGone(status)) => pages::gone(status, What::SignInLink, locale).into(),
        Error::Refused(Reason::InviteNotFound) => pages::not_found(What::SignInLink, locale).into(),
        Error::Refused(Reason::Forbidden(Forbidden::AccountDisabled)) => {
            pages::said_in(locale, StatusCode::FORBIDDEN, "refusal-disabled-heading", "refusal-disabled", &[], &[])
                .into()
        }
        err => err.into(),
    }
}

csrf::protected!(SignInForm);
