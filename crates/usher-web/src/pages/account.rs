//! `/account`: a person's own account (SPEC §9) — name and address (verified or not,
//! with a button that mails a verification link), the password, and where they are
//! signed in, with "Sign out everywhere else". Each form is one `own_account`
//! operation and redirects back here, saying what it did.

use axum::{extract::State, http::HeaderMap};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::pages::flash::{self, Flash};
use crate::pages::{FormRefusal, PageResult, docs};
use crate::{
    AppState,
    auth::Authed,
    pages::{
        self,
        access::Viewer,
        csrf::{self, ButtonForm, CheckedForm},
    },
    views::UserView,
};
use usher_http::language::Language;

const ACCOUNT: &str = "/account";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(show))
        .routes(routes!(to_account_from_password, change_password))
        .routes(routes!(to_account_from_verification, send_verification))
        .routes(routes!(to_account_from_sessions, sign_out_elsewhere))
}

/// The account page.
#[utoipa::path(
    get,
    path = "/account",
    tag = "pages",
    responses(
        (status = 200, description = "Name, address, password form, sessions", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: to `/login`, and back here after"),
    ),
)]
pub async fn show(State(state): State<AppState>, headers: HeaderMap, Viewer(authed): Viewer) -> PageResult {
    account_page(&state, &headers, &authed, FormRefusal::default()).await
}

async fn account_page(state: &AppState, headers: &HeaderMap, authed: &Authed, refused: FormRefusal) -> PageResult {
    let actor = authed.actor();
    let sessions: Vec<_> = state
        .my_sessions(&actor)
        .await?
        .into_iter()
        .map(|s| {
            context! { device => s.device, os_info => s.os_info, current => s.current,
            created_at => s.created_at.to_rfc3339(), expires_at => s.expires_at.to_rfc3339() }
        })
        .collect();
    let may_reset = state.may_reset_password(&actor).await?;
    let context = context! {
        user => UserView::from(&authed.user),
        sessions,
        may_reset,
        errors => refused.errors,
        error => refused.error,
    };
    Ok(refused.answer(pages::form_page(state, headers, refused.status, "account.html", context)))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PasswordForm {
    #[serde(skip_serializing)]
    csrf: String,
    /// Asked for when the account has a password (not just after a sign-in link).
    #[serde(default, skip_serializing)]
    current_password: String,
    #[serde(skip_serializing)]
    new_password: String,
}

/// Only the account page's forms post here.
#[utoipa::path(get, path = "/account/password", tag = "pages", responses(docs::ToItsPage))]
pub async fn to_account_from_password() -> PageResult {
    Ok(pages::redirect(ACCOUNT))
}

/// Sets a new password; every other session ends.
#[utoipa::path(
    post,
    path = "/account/password",
    tag = "pages",
    request_body(content = PasswordForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Changed: back to the account page, which says so; not signed in: to `/login`"),
        (status = 400, description = "The current password is wrong or missing, or the new one too short: the page again"),
        (status = 403, description = "No or a wrong CSRF token"),
        docs::TooManyAttempts,
    ),
)]
pub async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(authed): Viewer,
    CheckedForm(form): CheckedForm<PasswordForm>,
) -> PageResult {
    let current = Some(form.current_password.as_str());
    let refused = match state.change_password(&authed.actor(), current, &form.new_password).await {
        Ok(()) => return Ok(flash::redirect_with(ACCOUNT, Flash::PasswordChanged)),
        Err(err) => {
            let err = crate::error::ApiError::from(err);
            FormRefusal::of(&err).ok_or(err)?
        }
    };
    account_page(&state, &headers, &authed, refused).await
}

/// Only the account page's button posts here.
#[utoipa::path(get, path = "/account/verification", tag = "pages", responses(docs::ToItsPage))]
pub async fn to_account_from_verification() -> PageResult {
    Ok(pages::redirect(ACCOUNT))
}

/// Mails a verification link to the account's address.
#[utoipa::path(
    post,
    path = "/account/verification",
    tag = "pages",
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Sent: back to the account page, which says so; not signed in: to `/login`"),
        (status = 403, description = "No or a wrong CSRF token"),
        (status = 429, description = "Too many for this address"),
    ),
)]
pub async fn send_verification(
    State(state): State<AppState>,
    Language(locale): Language,
    Viewer(authed): Viewer,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.request_email_verification(&authed.actor(), locale).await?;
    Ok(flash::redirect_with(ACCOUNT, Flash::VerificationSent))
}

/// Only the account page's button posts here.
#[utoipa::path(get, path = "/account/sessions", tag = "pages", responses(docs::ToItsPage))]
pub async fn to_account_from_sessions() -> PageResult {
    Ok(pages::redirect(ACCOUNT))
}

/// Ends every session of the account but this browser's.
#[utoipa::path(
    post,
    path = "/account/sessions",
    tag = "pages",
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Done: back to the account page, which says so; not signed in: to `/login`"),
        (status = 403, description = "No or a wrong CSRF token"),
    ),
)]
pub async fn sign_out_elsewhere(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.sign_out_elsewhere(&authed.actor()).await?;
    Ok(flash::redirect_with(ACCOUNT, Flash::SignedOutElsewhere))
}

csrf::protected!(PasswordForm);
