//! OpenID Connect's pages (SPEC §10.1): `/oauth2/authorize` (sign in inside the flow,
//! consent, back to the app), `/oauth2/consent` (the consent form's answer) and
//! `/oauth2/logout` (RP-initiated logout, confirmed by the person). An unknown app
//! or redirect URI gets a page here, never a redirect.

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, Uri, header},
    response::Response,
};
use minijinja::context;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use usher_app::oidc::{
    authorize::{AuthorizeParams, AuthorizeRequest, Step, Unanswerable, Visitor},
    logout::LogoutParams,
};
use usher_http::language::answering_in;

use crate::pages::{PageResult, docs};
use crate::{
    AppState,
    auth::session::{self, Caller},
    pages::{
        self, OnPage,
        csrf::{self, CheckedForm},
    },
};

/// An authorization request's parameters, for the OpenAPI document (the handlers
/// read them as the application's `AuthorizeParams`, whatever else comes along).
#[derive(Debug, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(dead_code, reason = "the OpenAPI document's; the handlers read the application's `AuthorizeParams`")]
pub struct AuthorizeFields {
    client_id: String,
    /// Exactly one the app registered.
    redirect_uri: String,
    /// `code`.
    response_type: String,
    /// Space-separated, with `openid`: `profile`, `email`, `groups`, `offline_access`.
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    /// PKCE: base64url of SHA-256 of the verifier (required for public apps).
    code_challenge: Option<String>,
    /// `S256`.
    code_challenge_method: Option<String>,
    /// `none`, `login` or `consent`.
    prompt: Option<String>,
    max_age: Option<i64>,
}

/// The authorization endpoint: the code flow with PKCE.
#[utoipa::path(
    get,
    path = "/oauth2/authorize",
    tag = "pages",
    security(()),
    params(AuthorizeFields),
    responses(
        (status = 200, description = "The consent page", content_type = "text/html", body = String),
        (status = 303, description = "To the sign-in page (coming back here), or back to the app with `code`, \
            `state` and `iss` — or with `error`"),
        (status = 400, description = "Unknown app or redirect URI: a page, no redirect"),
        docs::Unavailable,
    ),
)]
pub async fn authorize(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    authorize_at(&state, &actor, &headers, &uri).await
}

/// The authorization endpoint by POST (OpenID Connect Core §3.1.2.1): the same
/// parameters, as a form.
#[utoipa::path(
    post,
    path = "/oauth2/authorize",
    tag = "pages",
    security(()),
    request_body(content = AuthorizeFields, content_type = docs::FORM, description = "The parameters of the GET, as a form"),
    responses(
        (status = 200, description = "The consent page", content_type = "text/html", body = String),
        (status = 303, description = "As the GET"),
        (status = 400, description = "Unknown app or redirect URI, or not a form: a page, no redirect"),
        docs::Unavailable,
    ),
)]
pub async fn authorize_form(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> PageResult {
    let uri = std::str::from_utf8(&body).ok().and_then(|form| format!("/oauth2/authorize?{form}").parse::<Uri>().ok());
    match uri {
        Some(uri) => authorize_at(&state, &actor, &headers, &uri).await,
        None => Ok(pages::said(StatusCode::BAD_REQUEST, SIGN_IN_REFUSED, "refusal-sign-in-bad", &[], &[])),
    }
}

/// An authorization request (its parameters in `uri`'s query) answered for `actor`.
async fn authorize_at(state: &AppState, actor: &usher_app::Actor, headers: &HeaderMap, uri: &Uri) -> PageResult {
    let request = match checked(state, uri).await {
        Ok(request) => request,
        Err(page) => return page,
    };
    let visitor = visitor(actor);
    match state.authorize(&request, visitor).await? {
        Step::SignIn { again, return_to } => {
            let mut response = pages::redirect(&pages::sign_in_then(&return_to));
            if again {
                state.sign_out(actor).await?;
                response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(state));
            }
            Ok(response)
        }
        Step::Consent => Ok(consent_page(state, headers, &request)),
        Step::Redirect(to) => Ok(pages::redirect(&to)),
    }
}

/// An authorization request from a query string, checked; a page when it cannot be
/// answered at the app.
async fn checked(state: &AppState, uri: &Uri) -> Result<AuthorizeRequest, PageResult> {
    let Ok(Query(params)) = Query::<AuthorizeParams>::try_from_uri(uri) else {
        return Err(Ok(pages::said(StatusCode::BAD_REQUEST, SIGN_IN_REFUSED, "refusal-sign-in-malformed", &[], &[])));
    };
    match state.authorization_request(params).await {
        Ok(request) => Ok(request),
        Err(Unanswerable::Page(text)) => Err(Ok(cannot_answer(SIGN_IN_REFUSED, text))),
        Err(Unanswerable::Redirect(to)) => Err(Ok(pages::redirect(&to))),
        Err(Unanswerable::Failed(err)) => Err(Err(err.into())),
    }
}

const SIGN_IN_REFUSED: &str = "refusal-sign-in-heading";
const SIGN_OUT_REFUSED: &str = "refusal-sign-out-heading";

/// An application's request that cannot be answered at the application: the page says
/// so in the person's language, and why in the words for its developers.
fn cannot_answer(heading: &str, detail: String) -> Response {
    pages::said(StatusCode::BAD_REQUEST, heading, "refusal-app-request", &[("detail", detail)], &[])
}

fn visitor(actor: &usher_app::Actor) -> Option<Visitor<'_>> {
    match (&actor.user, &actor.session) {
        (Some(user), Some(session)) => Some(Visitor { user, session }),
        _ => None,
    }
}

fn consent_page(state: &AppState, headers: &HeaderMap, request: &AuthorizeRequest) -> Response {
    // Each scope in the page's language (`consent-<scope>`); a test checks them all.
    let shared: Vec<_> =
        request.shared().into_iter().map(|(scope, _)| format!("consent-{}", scope.replace('_', "-"))).collect();
    let context = context! { app => request.app.name, shared, request => request.query() };
    let page = pages::form_page(state, headers, StatusCode::OK, "consent.html", context);
    pages::with_form_action_to(page, &request.redirect_uri)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConsentForm {
    csrf: String,
    /// The authorization request, as its query string.
    request: String,
    /// `allow` or `deny`.
    decision: String,
}

/// The consent page's answer: back to the app with a code, or with `access_denied`.
#[utoipa::path(
    post,
    path = "/oauth2/consent",
    tag = "pages",
    security(()),
    request_body(content = ConsentForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Back to the app: `code` (allowed) or `error=access_denied`; to the sign-in \
            page when the session ended meanwhile"),
        (status = 400, description = "The request is no longer one Usher answers at the app"),
        (status = 403, description = "No or a wrong CSRF pair"),
    ),
)]
pub async fn consent(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    CheckedForm(form): CheckedForm<ConsentForm>,
) -> PageResult {
    let Ok(uri) = format!("/oauth2/authorize?{}", form.request).parse::<Uri>() else {
        return Ok(pages::said(StatusCode::BAD_REQUEST, SIGN_IN_REFUSED, "refusal-sign-in-bad", &[], &[]));
    };
    let request = match checked(&state, &uri).await {
        Ok(request) => request,
        Err(page) => return page,
    };
    let Some(visitor) = visitor(&actor) else {
        return Ok(pages::redirect(&pages::sign_in_then(&request.return_to())));
    };
    Ok(pages::redirect(&state.consent(&request, visitor, form.decision == "allow").await?))
}

csrf::protected!(ConsentForm);

/// RP-initiated logout: asks the person to confirm (a link elsewhere cannot sign
/// them out), then ends the session and goes to the app's registered
/// `post_logout_redirect_uri` (with `state`) or Usher's home.
#[utoipa::path(
    get,
    path = "/oauth2/logout",
    tag = "pages",
    security(()),
    params(("id_token_hint" = Option<String>, Query), ("client_id" = Option<String>, Query),
        ("post_logout_redirect_uri" = Option<String>, Query), ("state" = Option<String>, Query)),
    responses(
        (status = 200, description = "\"Sign out?\"", content_type = "text/html", body = String),
        (status = 303, description = "Not signed in: straight to where the app asked"),
        (status = 400, description = "A redirect URI the app did not register, or an ID token Usher did not sign"),
    ),
)]
pub async fn logout(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> PageResult {
    let target = match logout_target(&state, &uri).await {
        Ok(target) => target,
        Err(page) => return page,
    };
    if actor.user.is_none() {
        return Ok(pages::redirect(&target));
    }
    let said = |id| answering_in().text(id, &[]);
    let (heading, text, button) = (said("sign-out-heading"), said("sign-out-text"), said("sign-out-button"));
    let page = pages::confirm(&state, &headers, &heading, &text, &button, "/");
    Ok(pages::with_form_action_to(page, &target))
}

/// The confirmed sign-out.
#[utoipa::path(
    post,
    path = "/oauth2/logout",
    tag = "pages",
    security(()),
    request_body(content = csrf::ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Signed out: on to the app's `post_logout_redirect_uri` or `/`"),
        (status = 400, description = "As GET"),
        (status = 403, description = "No or a wrong CSRF pair"),
    ),
)]
pub async fn logout_confirmed(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    uri: Uri,
    _: CheckedForm<csrf::ButtonForm>,
) -> PageResult {
    let target = match logout_target(&state, &uri).await {
        Ok(target) => target,
        Err(page) => return page,
    };
    state.sign_out(&actor).await?;
    let mut response = pages::redirect(&target);
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(&state));
    Ok(response)
}

/// Where a logout request sends the person once signed out (`/` when it names no
/// place); a page when it asks for a place the app did not register.
async fn logout_target(state: &AppState, uri: &Uri) -> Result<String, PageResult> {
    let Ok(Query(params)) = Query::<LogoutParams>::try_from_uri(uri) else {
        return Err(Ok(pages::said(StatusCode::BAD_REQUEST, SIGN_OUT_REFUSED, "refusal-sign-out-malformed", &[], &[])));
    };
    match state.logout_target(&params).await {
        Ok(target) => Ok(target.unwrap_or_else(|| "/".to_owned())),
        Err(Unanswerable::Page(text) | Unanswerable::Redirect(text)) => Err(Ok(cannot_answer(SIGN_OUT_REFUSED, text))),
        Err(Unanswerable::Failed(err)) => Err(Err(err.into())),
    }
}

/// Where a sign-in that goes on to `next` ends: for an authorization request, the
/// app's redirect URI (the sign-in form's CSP must let its redirects lead there);
/// otherwise `next` itself.
pub async fn leads_to(state: &AppState, next: &str) -> String {
    if next.starts_with("/oauth2/authorize?")
        && let Ok(uri) = next.parse::<Uri>()
        && let Ok(request) = checked(state, &uri).await
    {
        return request.redirect_uri;
    }
    next.to_owned()
}
