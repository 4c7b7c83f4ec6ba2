//! `/verify-email/{token}`: the link that proves an account's address. Opening it shows
//! a button (a mail scanner fetching the link uses nothing); the button verifies.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use minijinja::context;
use serde::Deserialize;
use utoipa::ToSchema;

use usher_app::{Error, Reason};
use usher_i18n::Locale;

use crate::pages::flash::{self, Flash};
use crate::pages::{PageError, PageResult, docs};
use crate::{
    AppState,
    auth::session::Caller,
    client_ip::ClientIp,
    extract::ApiPath,
    pages::{
        self, OnPage,
        csrf::{self, CheckedForm},
    },
};

/// The button that confirms the address.
#[utoipa::path(
    get,
    path = "/verify-email/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The verification link's token")),
    responses(
        (status = 200, description = "The button; showing it uses nothing", content_type = "text/html", body = String),
        (status = 404, description = "Used, replaced, expired or unknown: the page says so and leads on"),
        docs::TooManyAttempts,
    ),
)]
pub async fn show(
    ip: ClientIp,
    State(state): State<AppState>,
    OnPage(ApiPath(token)): OnPage<ApiPath>,
    headers: HeaderMap,
) -> PageResult {
    let locale = pages::answering_in();
    state.verification_link_is_live(&ip.actor(), &token).await.map_err(|err| refused(err, locale))?;
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "verify_email.html", context! { token => token.trim() }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyForm {
    csrf: String,
}

/// Verifies the address, then on to the account page (or home, signed out).
#[utoipa::path(
    post,
    path = "/verify-email/{token}",
    tag = "pages",
    security(()),
    params(("token" = String, Path, description = "The verification link's token")),
    request_body(content = VerifyForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Verified: on to `/account` (or `/`), which says so"),
        (status = 403, description = "No or a wrong CSRF token"),
        (status = 404, description = "Used, replaced, expired or unknown: the page says so and leads on"),
        docs::TooManyAttempts,
    ),
)]
pub async fn verify(
    ip: ClientIp,
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    OnPage(ApiPath(token)): OnPage<ApiPath>,
    _: CheckedForm<VerifyForm>,
) -> PageResult {
    let locale = pages::answering_in();
    state.verify_email(&ip.actor(), &token).await.map_err(|err| refused(err, locale))?;
    let to = if actor.user.is_some() { "/account" } else { "/" };
    Ok(flash::redirect_with(to, Flash::EmailVerified))
}

/// A link that no longer works, with the way to a new one.
fn refused(err: Error, locale: Locale) -> PageError {
    match err {
        Error::Refused(Reason::NotFound) => pages::said_in(
            locale,
            StatusCode::NOT_FOUND,
            "verify-gone",
            "verify-gone-text",
            &[],
            &[("home-your-account", "/account")],
        )
        .into(),
        err => err.into(),
    }
}

csrf::protected!(VerifyForm);
