//! `/login`: sign in with a password, then on to `next` (a path on this site).

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use minijinja::context;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use usher_app::{Error, Reason};
use usher_http::language::answering_in;

use crate::error::ApiError;
use crate::pages::docs;
use crate::pages::{FormRefusal, PageResult};
use crate::{
    AppState,
    auth::session::Caller,
    client_ip::ClientIp,
    pages::{
        self, OnPage,
        csrf::{self, CheckedForm},
    },
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Next {
    /// Where to go once signed in (a path on this site).
    next: Option<String>,
}

/// The sign-in form (or straight on to `next` when already signed in).
#[utoipa::path(
    get,
    path = "/login",
    tag = "pages",
    security(()),
    params(Next),
    responses(
        (status = 200, description = "The sign-in form", content_type = "text/html", body = String),
        (status = 303, description = "Already signed in: on to `next`"),
        docs::Unavailable,
    ),
)]
pub async fn show(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Next>, QueryRejection>,
) -> Response {
    let next =
        pages::after_sign_in(query.as_ref().ok().and_then(|q| q.next.as_deref()), &state.settings.forward_auth_hosts);
    match actor.user {
        Some(_) => pages::redirect(&next),
        None => {
            let page = pages::form_page(&state, &headers, StatusCode::OK, "login.html", context! { next => &next });
            pages::with_form_action_to(page, &pages::leads_to(&state, &next).await)
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInForm {
    csrf: String,
    /// Username or email.
    login: String,
    password: String,
    next: Option<String>,
}

/// Signs in; a wrong password shows the form again (401).
#[utoipa::path(
    post,
    path = "/login",
    tag = "pages",
    security(()),
    request_body(content = SignInForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Signed in: the session cookie is set, on to `next`"),
        (status = 401, description = "Wrong login or password: the form again"),
        (status = 403, description = "No or a wrong CSRF token, or a disabled account"),
        docs::TooManyAttempts,
        docs::Unavailable,
    ),
)]
pub async fn sign_in(
    ip: ClientIp,
    State(state): State<AppState>,
    headers: HeaderMap,
    CheckedForm(form): CheckedForm<SignInForm>,
) -> PageResult {
    let next = pages::after_sign_in(form.next.as_deref(), &state.settings.forward_auth_hosts);
    let refusal = match state.sign_in(&ip.actor(), &form.login, form.password, pages::web_device()).await {
        Ok(done) => return Ok(pages::signed_in_redirect(&state, &done.token, &next)),
        Err(Error::Refused(Reason::Unauthenticated)) => FormRefusal {
            status: StatusCode::UNAUTHORIZED,
            error: Some(answering_in().text("login-wrong", &[])),
            ..FormRefusal::default()
        },
        // Too many tries: the form stays, with when to try again (429).
        Err(err) => {
            let err = ApiError::from(err);
            FormRefusal::of(&err).filter(|refusal| refusal.retry_after.is_some()).ok_or(err)?
        }
    };
    let context = context! { next => &next, login => form.login, error => &refusal.error };
    let page = pages::form_page(&state, &headers, refusal.status, "login.html", context);
    Ok(refusal.answer(pages::with_form_action_to(page, &pages::leads_to(&state, &next).await)))
}

csrf::protected!(SignInForm);
