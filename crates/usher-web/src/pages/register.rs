//! `/register?invite=CODE`: sign up, with the invite checked on the server when the page
//! opens and, with JavaScript, as it is typed (`static/register.js`, through
//! `GET /api/v1/invites/{code}`). Signs in and goes on to `next` (an application's
//! sign-in flow, say) or `/`.

use std::collections::BTreeMap;

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use usher_app::{Error, Reason, accounts::SignUp, fields::Fields, invites::Found};
use usher_domain::invite::InviteStatus;
use usher_http::language::answering_in;
use usher_i18n::Locale;

use crate::pages::PageResult;
use crate::pages::What;
use crate::pages::docs;
use crate::{
    AppState, Registration,
    client_ip::ClientIp,
    error::ApiError,
    pages::{
        self, FormRefusal,
        csrf::{self, CheckedForm},
    },
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Prefill {
    /// An invite code (or an email invitation's token) to sign up with.
    invite: Option<String>,
    /// Where to go once signed up (a path on this site, or an allowed application URL).
    next: Option<String>,
}

/// The invite as the sign-up form shows it: "valid — what it is for", or why it does
/// not work; for an email invitation, who sent it to which address (the form keeps the
/// token out of sight and the address fixed); where the invite leads once used.
#[derive(Debug, Serialize)]
struct InviteCheck {
    valid: bool,
    text: String,
    /// An email invitation's address.
    email: Option<String>,
    invited_by: Option<String>,
    group: Option<String>,
    #[serde(skip)]
    after: Option<String>,
    /// An email invitation's language: the page's too.
    #[serde(skip)]
    locale: Option<String>,
}

/// `Err`: the invite was used up, expired or was revoked — no form can succeed with it,
/// so the page says which instead (and the way on).
async fn invite_check(state: &AppState, invite: &str) -> Result<Option<InviteCheck>, InviteStatus> {
    let invite = invite.trim();
    if invite.is_empty() {
        return Ok(None);
    }
    Ok(Some(match state.preview_invite(invite).await {
        Ok(Found { invite, group, .. }) => {
            let after = state.after_invite(invite.return_to.as_deref(), invite.group_id).await.ok().flatten();
            let group = group.map(|group| group.name);
            let locale = invite.locale;
            let words = locale.as_deref().and_then(Locale::parse).unwrap_or_else(answering_in);
            let what = match (&invite.description, &group, invite.group_id) {
                (Some(description), _, _) => description.clone(),
                (None, Some(group), _) => words.text("register-check-joins", &[("group", group.clone())]),
                (None, None, Some(_)) => words.text("register-check-group", &[]),
                (None, None, None) => words.text("register-check-sign-up", &[]),
            };
            let invited_by = invite.created_by.map(|by| by.display_name);
            let text = words.text("register-check-valid", &[("what", what)]);
            InviteCheck { valid: true, text, email: invite.email, invited_by, group, after, locale }
        }
        Err(Error::Refused(Reason::InviteGone(status))) => return Err(status),
        Err(err) => {
            let text = pages::sentence(&ApiError::from(err), answering_in());
            InviteCheck { valid: false, text, email: None, invited_by: None, group: None, after: None, locale: None }
        }
    }))
}

/// The sign-up form.
#[utoipa::path(
    get,
    path = "/register",
    tag = "pages",
    security(()),
    params(Prefill),
    responses(
        (status = 200, description = "The sign-up form, the invite checked", content_type = "text/html", body = String),
        (status = 403, description = "Registration is closed"),
        (status = 410, description = "The invite was used up, expired or was revoked: the page says which, with the way to sign in"),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Prefill>, QueryRejection>,
) -> Response {
    if state.settings.registration == Registration::Closed {
        return pages::said(StatusCode::FORBIDDEN, "refusal-closed-heading", "refusal-closed", &[], &[("home", "/")]);
    }
    let (invite, next) = query.ok().map(|Query(q)| (q.invite, q.next)).unwrap_or_default();
    let invite = invite.unwrap_or_default();
    let next = pages::after_sign_in(next.as_deref(), &state.settings.forward_auth_hosts);
    let check = match invite_check(&state, &invite).await {
        Ok(check) => check,
        Err(gone) => return pages::gone(gone, What::Invite, pages::answering_in()),
    };
    let ends_at = ends_at(&state, &next, check.as_ref()).await;
    let locale = check.as_ref().and_then(|c| c.locale.clone());
    let context = context! { invite, next => &next, check, locale, errors => BTreeMap::<String, String>::new() };
    let page = pages::form_page(&state, &headers, StatusCode::OK, "register.html", context);
    pages::with_form_action_to(page, &ends_at)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignUpForm {
    csrf: String,
    username: String,
    email: String,
    password: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    invite: String,
    next: Option<String>,
}

/// Creates the account (joining the invite's group) and signs in.
#[utoipa::path(
    post,
    path = "/register",
    tag = "pages",
    security(()),
    request_body(content = SignUpForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Signed up and signed in: on to `next` (or `/`)"),
        docs::FieldRefused,
        (status = 403, description = "Registration closed or invite-only, the invitation is for another email, or no CSRF pair"),
        (status = 404, description = "No such invite: the form again"),
        (status = 409, description = "Username or email taken: the form again"),
        (status = 410, description = "The invite was used up, expired or was revoked: the page says which, with the way to sign in"),
        docs::TooManyAttempts,
        docs::Unavailable,
    ),
)]
pub async fn sign_up(
    ip: ClientIp,
    State(state): State<AppState>,
    headers: HeaderMap,
    CheckedForm(form): CheckedForm<SignUpForm>,
) -> PageResult {
    let account = SignUp {
        username: &form.username,
        email: &form.email,
        password: &form.password,
        display_name: Some(form.display_name.trim()).filter(|n| !n.is_empty()),
        invite: Some(form.invite.as_str()),
    };
    let next = pages::after_sign_in(form.next.as_deref(), &state.settings.forward_auth_hosts);
    let refused = match state.register(&ip.actor(), account, Fields::default(), pages::web_device()).await {
        Ok(done) => {
            // A way back the visitor came with (an application's sign-in) comes first;
            // else where the invite leads (its `return_to`, its group's app).
            let to = if next != "/" { next } else { pages::after_joining(done.after.as_deref(), done.joined) };
            return Ok(pages::signed_in_redirect(&state, &done.token, &to));
        }
        // Used up, expired or revoked while the form was being filled in.
        Err(Error::Refused(Reason::InviteGone(status))) => {
            return Ok(pages::gone(status, What::Invite, pages::answering_in()));
        }
        Err(refused) => ApiError::from(refused),
    };
    let Some(refusal) = FormRefusal::of(&refused) else {
        return Err(refused.into());
    };
    let check = match invite_check(&state, &form.invite).await {
        Ok(check) => check,
        Err(gone) => return Ok(pages::gone(gone, What::Invite, pages::answering_in())),
    };
    let ends_at = ends_at(&state, &next, check.as_ref()).await;
    let locale = check.as_ref().and_then(|c| c.locale.clone());
    let context = context! {
        locale,
        invite => form.invite,
        username => form.username,
        email => form.email,
        display_name => form.display_name,
        next => &next,
        check,
        errors => &refusal.errors,
        error => &refusal.error,
    };
    let page = pages::form_page(&state, &headers, refusal.status, "register.html", context);
    Ok(refusal.answer(pages::with_form_action_to(page, &ends_at)))
}

/// Where signing up ends, for the form's CSP: the way back the visitor came with, else
/// where the invite leads.
async fn ends_at(state: &AppState, next: &str, check: Option<&InviteCheck>) -> String {
    match check.and_then(|c| c.after.clone()) {
        Some(after) if next == "/" => after,
        _ => pages::leads_to(state, next).await,
    }
}

csrf::protected!(SignUpForm);
