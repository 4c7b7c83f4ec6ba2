//! Users in the console: create (without a password: login links are their way in),
//! disable or enable, delete behind a confirmation; mint a login link for one (shown
//! once, with its QR code) and revoke active links.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use minijinja::context;
use serde::{Deserialize, Serialize};
use usher_storage::model::UserFilter;
use utoipa::ToSchema;
use uuid::Uuid;

use usher_app::{
    lists::ListRequest,
    login_links::NewLoginLink,
    users::{AccountChanges, NewAccount},
};

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    extract::{ApiPath, ApiQuery, Id},
    pages::{
        self, FormRefusal, OnPage, PageResult,
        access::AdminViewer,
        csrf::{self, ButtonForm, CheckedForm},
        reveal::{self, Reveal},
        share::Shared,
    },
    views::{LoginLinkView, Paginated, UserView, admin as admin_views},
};

use super::Search;

const USERS: &str = "/admin/users";

/// Which users a search asks for.
fn user_filter(search: &Search) -> UserFilter {
    let (disabled, admin) = match search.show.as_str() {
        "admins" => (None, Some(true)),
        "disabled" => (Some(true), None),
        "enabled" => (Some(false), None),
        _ => (None, None),
    };
    UserFilter { text: search.text(), disabled, admin }
}

/// Users (searched), a form for a new one, and the active login links.
#[utoipa::path(
    get,
    path = "/admin/users",
    tag = "pages",
    params(Search),
    responses(
        (status = 200, description = "Users, the new-user form, active login links", content_type = "text/html", body = String),
        (status = 400, description = "The text to find is longer than 100 characters"),
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(search)): OnPage<ApiQuery<Search>>,
) -> PageResult {
    users_page(&state, &headers, &viewer, search, FormRefusal::default(), None).await
}

async fn users_page(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &AdminViewer,
    search: Search,
    refused: FormRefusal,
    form: Option<&NewUserForm>,
) -> PageResult {
    let actor = viewer.actor();
    let request = ListRequest { cursor: search.cursor.clone(), ..ListRequest::default() };
    let filter = user_filter(&search);
    let (users, links) = tokio::join!(
        state.list_users(&actor, request, &filter),
        state.list_login_links(&actor, ListRequest::first(Some("active"))),
    );
    let (users, links) = (Paginated::of(users?, |r| UserView::from(r)), admin_views::login_links(links?));
    let more = users.next_cursor.as_deref().map(|cursor| search.next(cursor));
    let context = context! {
        section => "users",
        users,
        more,
        search,
        links,
        me => viewer.0.user.id,
        form,
        errors => refused.errors,
        error => refused.error,
        link_hours => state.settings.login_link_default_hours,
    };
    Ok(pages::form_page(state, headers, refused.status, "admin/users.html", context))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewUserForm {
    #[serde(skip_serializing)]
    csrf: String,
    username: String,
    email: String,
    /// Empty: the username.
    #[serde(default)]
    display_name: String,
}

/// Creates a user without a password.
#[utoipa::path(
    post,
    path = "/admin/users",
    tag = "pages",
    request_body(content = NewUserForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Created: back to the users"),
        docs::FieldRefused,
        (status = 409, description = "Username or email taken: the form again"),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    CheckedForm(form): CheckedForm<NewUserForm>,
) -> PageResult {
    let input = NewAccount {
        username: form.username.trim().to_owned(),
        email: form.email.trim().to_owned(),
        display_name: pages::form_text(&form.display_name),
        password: None,
        is_admin: false,
    };
    let refused = match state.add_user(&viewer.actor(), input).await {
        Ok(_) => return Ok(flash::redirect_with(USERS, Flash::UserCreated)),
        Err(err) => FormRefusal::again(err)?,
    };
    users_page(&state, &headers, &viewer, Search::default(), refused, Some(&form)).await
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DisableForm {
    csrf: String,
    /// `true` disables (and ends the user's sessions), `false` enables.
    disabled: bool,
}

/// Only the users page's buttons post here.
#[utoipa::path(
    get,
    path = "/admin/users/{username}/disabled",
    tag = "pages",
    params(docs::UserPath),
    responses(docs::ToItsPage)
)]
pub async fn to_users_from_disabled() -> PageResult {
    Ok(pages::redirect(USERS))
}

/// Disables or enables a user.
#[utoipa::path(
    post,
    path = "/admin/users/{username}/disabled",
    tag = "pages",
    params(docs::UserPath),
    request_body(content = DisableForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Done: back to the users"),
        (status = 400, description = "An admin cannot disable themselves"),
        docs::NoUser,
        (status = 409, description = "The only top-role member of a group: the page names the groups"),
    ),
)]
pub async fn set_disabled(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(ApiPath(username)): OnPage<ApiPath>,
    CheckedForm(form): CheckedForm<DisableForm>,
) -> PageResult {
    let changes = AccountChanges { disabled: Some(form.disabled), ..AccountChanges::default() };
    state.update_user(&viewer.actor(), &username, changes).await?;
    Ok(flash::redirect_with(USERS, if form.disabled { Flash::UserDisabled } else { Flash::UserEnabled }))
}

/// Asks before deleting a user.
#[utoipa::path(
    get,
    path = "/admin/users/{username}/delete",
    tag = "pages",
    params(docs::UserPath),
    responses(
        (status = 200, description = "Are you sure? A button that deletes", content_type = "text/html", body = String),
        docs::NoUser,
    ),
)]
pub async fn confirm_delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiPath(username)): OnPage<ApiPath>,
) -> PageResult {
    let user = state.user_named(&viewer.actor(), &username).await?;
    let locale = pages::answering_in();
    let who = format!("{} (@{})", user.display_name, user.username);
    let text = locale.text("admin-confirm-delete-user-text", &[("name", who)]);
    let (heading, button) = (locale.text("admin-confirm-delete-user", &[]), locale.text("admin-delete", &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, USERS))
}

/// Deletes a user.
#[utoipa::path(
    post,
    path = "/admin/users/{username}/delete",
    tag = "pages",
    params(docs::UserPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Deleted: back to the users"),
        (status = 400, description = "An admin cannot delete themselves"),
        docs::NoUser,
        (status = 409, description = "The only top-role member of a group: the page names the groups"),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(ApiPath(username)): OnPage<ApiPath>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.delete_user(&viewer.actor(), &username).await?;
    Ok(flash::redirect_with(USERS, Flash::UserDeleted))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLinkForm {
    csrf: String,
    /// Empty: `login_link_default_hours`.
    #[serde(default)]
    expires_in_hours: String,
    /// A preset, in minutes.
    #[serde(default)]
    expires_in_minutes: String,
    /// Present (a checked box): also email the link to the user.
    send_email: Option<String>,
}

/// The form for a sign-in link: how long it lasts, and whether to email it.
#[utoipa::path(
    get,
    path = "/admin/users/{username}/login-link",
    tag = "pages",
    params(docs::UserPath),
    responses(
        (status = 200, description = "The form: lifetime, send by email", content_type = "text/html", body = String),
        docs::NoUser,
    ),
)]
pub async fn new_login_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiPath(username)): OnPage<ApiPath>,
) -> PageResult {
    let user = UserView::from(&state.user_named(&viewer.actor(), &username).await?);
    let settings = &state.settings;
    let context = context! {
        section => "users",
        user,
        expiry => pages::expiry_presets(
            settings.login_link_max_hours,
            Some(i64::from(settings.login_link_default_hours) * 60),
            false,
            pages::answering_in(),
        ),
    };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/new_login_link.html", context))
}

/// Mints a login link for a user and goes on to its page, which shows it this once.
#[utoipa::path(
    post,
    path = "/admin/users/{username}/login-link",
    tag = "pages",
    params(docs::UserPath),
    request_body(content = NewLinkForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Minted: on to the link's page, which shows it once"),
        (status = 400, description = "A field is refused"),
        docs::NoUser,
        (status = 429, description = "Too many links created"),
    ),
)]
pub async fn create_login_link(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(ApiPath(username)): OnPage<ApiPath>,
    CheckedForm(form): CheckedForm<NewLinkForm>,
) -> PageResult {
    let input = NewLoginLink {
        expires_in: pages::form_lifetime(&form.expires_in_minutes, &form.expires_in_hours)?,
        send_email: form.send_email.is_some(),
    };
    let minted = state.create_login_link(&viewer.actor(), &username, input).await?;
    let to = login_link_path(minted.link.id);
    Ok(reveal::with_secret(&state, pages::redirect(&to), &to, Reveal::LoginLink, &minted.url))
}

fn login_link_path(id: Uuid) -> String {
    format!("/admin/login-links/{id}")
}

/// A login link: whom it signs in, until when, its status; the link itself (with its
/// QR code) only on the page its minting led to.
#[utoipa::path(
    get,
    path = "/admin/login-links/{id}",
    tag = "pages",
    params(docs::IdPath),
    responses(
        (status = 200, description = "The link's facts; the link itself once, just after it was minted", content_type = "text/html", body = String),
        (status = 404, description = "No such login link"),
    ),
)]
pub async fn show_login_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
) -> PageResult {
    let link = state.login_link(&viewer.actor(), id).await?;
    let link = LoginLinkView::new(&link, Utc::now());
    let minted = reveal::take(&state, &headers, Reveal::LoginLink, &login_link_path(id));
    let shared = minted.as_ref().map(|shown| Shared::new(&shown.secret));
    let context = context! { section => "users", link, shared };
    Ok(reveal::finish(minted, pages::form_page(&state, &headers, StatusCode::OK, "admin/login_link.html", context)))
}

/// Asks before revoking a login link.
#[utoipa::path(
    get,
    path = "/admin/login-links/{id}/revoke",
    tag = "pages",
    params(docs::IdPath),
    responses(docs::ConfirmRevoke,)
)]
pub async fn confirm_revoke_link(State(state): State<AppState>, headers: HeaderMap, _: AdminViewer) -> PageResult {
    let locale = pages::answering_in();
    let said = |id: &str| locale.text(id, &[]);
    let (heading, text) = (said("admin-confirm-revoke-link"), said("admin-confirm-revoke-link-text"));
    Ok(pages::confirm(&state, &headers, &heading, &text, &said("confirm-revoke-button"), USERS))
}

/// Revokes a login link.
#[utoipa::path(
    post,
    path = "/admin/login-links/{id}/revoke",
    tag = "pages",
    params(docs::IdPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Revoked: back to the users"),
        (status = 404, description = "No such login link"),
    ),
)]
pub async fn revoke_link(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(Id(id)): OnPage<Id<Uuid>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.revoke_login_link(&viewer.actor(), id).await?;
    Ok(flash::redirect_with(USERS, Flash::LoginLinkRevoked))
}

csrf::protected!(NewUserForm, DisableForm, NewLinkForm);
