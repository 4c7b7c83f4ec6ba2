//! `/login/email`: "Email me a sign-in link" (and "Forgot password?"): the same answer
//! whether or not an account has the address.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use minijinja::context;
use serde::Deserialize;
use utoipa::ToSchema;

use usher_http::language::Language;

use crate::pages::flash::{self, Flash};
use crate::pages::{FormRefusal, PageResult, docs};
use crate::{
    AppState,
    client_ip::ClientIp,
    pages::{
        self,
        csrf::{self, CheckedForm},
    },
};

const PAGE: &str = "/login/email";

/// The form: an email address.
#[utoipa::path(
    get,
    path = "/login/email",
    tag = "pages",
    security(()),
    responses((status = 200, description = "The form", content_type = "text/html", body = String)),
)]
pub async fn show(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "email_link.html", context! {}))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EmailLinkForm {
    csrf: String,
    email: String,
}

/// Mails a sign-in link if an account has the address, and says the same either way.
#[utoipa::path(
    post,
    path = "/login/email",
    tag = "pages",
    security(()),
    request_body(content = EmailLinkForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Back to the form, which says a link is on its way if an account has the address"),
        docs::FieldRefused,
        (status = 403, description = "No or a wrong CSRF token"),
        (status = 429, description = "Too many requests from this address or for this email: the form again"),
    ),
)]
pub async fn send(
    ip: ClientIp,
    Language(locale): Language,
    State(state): State<AppState>,
    headers: HeaderMap,
    CheckedForm(form): CheckedForm<EmailLinkForm>,
) -> PageResult {
    let refused = match state.email_sign_in_link(&ip.actor(), &form.email, locale).await {
        Ok(()) => return Ok(flash::redirect_with(PAGE, Flash::EmailLinkSent)),
        Err(err) => {
            let err = crate::error::ApiError::from(err);
            FormRefusal::of(&err).ok_or(err)?
        }
    };
    let context = context! { email => form.email, errors => &refused.errors, error => &refused.error };
    Ok(refused.answer(pages::form_page(&state, &headers, refused.status, "email_link.html", context)))
}

csrf::protected!(EmailLinkForm);
