//! `/`: a signed-in person's groups, or a welcome; `/logout` ends the session.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use minijinja::context;
use serde::Deserialize;
use usher_http::next::local_path;
use utoipa::ToSchema;

use crate::pages::PageResult;
use crate::pages::docs;
use crate::{
    AppState,
    auth::session::{self, Caller},
    pages::{
        self, OnPage,
        csrf::{CheckedForm, protected},
    },
};

/// The signed-in person's groups, or a welcome.
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    security(()),
    responses(
        (status = 200, description = "The signed-in person's groups, or a welcome", content_type = "text/html", body = String),
        docs::Unavailable,
    ),
)]
pub async fn show(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> PageResult {
    let groups = state.all_my_groups(&actor).await?;
    let groups: Vec<_> =
        groups.into_iter().map(|g| context! { id => g.group.id, name => g.group.name, role => g.role }).collect();
    let user = actor.user;
    let user =
        user.map(|u| context! { display_name => u.display_name, username => u.username, is_admin => u.is_admin });
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "home.html", context! { user, groups }))
}

/// Only the sign-out button posts here: opening the address signs nobody out.
#[utoipa::path(get, path = "/logout", tag = "pages", security(()), responses(docs::ToItsPage))]
pub async fn to_home() -> PageResult {
    Ok(pages::redirect("/"))
}

/// Ends this browser's session and clears its cookie, then on to `next` (a path on
/// this site: "Sign out and continue" on an invitation for someone else) or `/`.
#[utoipa::path(
    post,
    path = "/logout",
    tag = "pages",
    security(()),
    request_body(content = SignOutForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Signed out: the cookie is cleared, on to `next` or `/`"),
        docs::Unavailable,
    ),
)]
pub async fn sign_out(
    OnPage(Caller(actor)): OnPage<Caller>,
    State(state): State<AppState>,
    CheckedForm(form): CheckedForm<SignOutForm>,
) -> PageResult {
    state.sign_out(&actor).await?;
    let mut response = pages::redirect(&local_path(form.next.as_deref()));
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(&state));
    Ok(response)
}

/// The sign-out button's form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignOutForm {
    csrf: String,
    /// Where to go once signed out: a path on this site (anything else is `/`).
    next: Option<String>,
}

protected!(SignOutForm);
