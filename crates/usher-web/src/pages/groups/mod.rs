//! `/groups/{id}`: a group's members and roles (change a role, remove someone, leave)
//! and, for its managers, its invites ([`invites`]). `POST /groups` creates a group
//! from the home page. Every action is one of the application's operations, the same
//! the API calls.

mod invites;

use axum::{extract::State, http::HeaderMap};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;
use usher_app::{groups::GroupInput, lists::ListRequest};
use usher_domain::role::Role;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    auth::Authed,
    extract::Id,
    pages::{
        self, FormRefusal, OnPage, PageResult,
        access::Viewer,
        csrf::{self, ButtonForm, CheckedForm},
    },
    views::{GroupDetail, InviteView, Paginated},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(to_home, create))
        .routes(routes!(show))
        .routes(routes!(to_group, change_role))
        .routes(routes!(confirm_remove, remove))
        .merge(invites::router())
}

fn group_path(group_id: Uuid) -> String {
    format!("/groups/{group_id}")
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewGroupForm {
    csrf: String,
    name: String,
}

/// Only the home page's form posts here.
#[utoipa::path(get, path = "/groups", tag = "pages", responses(docs::ToItsPage))]
pub async fn to_home() -> PageResult {
    Ok(pages::redirect("/"))
}

/// Creates a group (its creator becomes its top-role member) and opens its page.
#[utoipa::path(
    post,
    path = "/groups",
    tag = "pages",
    request_body(content = NewGroupForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Created: on to the group's page; not signed in: to `/login`"),
        (status = 400, description = "The name is refused"),
        (status = 403, description = "No CSRF pair"),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    CheckedForm(form): CheckedForm<NewGroupForm>,
) -> PageResult {
    let input = GroupInput { name: Some(form.name), ..GroupInput::default() };
    let created = state.create_group(&authed.actor(), input).await?;
    Ok(flash::redirect_with(&group_path(created.group.id), Flash::GroupCreated))
}

/// A group: its members and their roles; for managers, its invites and a form for new ones.
#[utoipa::path(
    get,
    path = "/groups/{group_id}",
    tag = "pages",
    params(docs::GroupPath),
    responses(
        (status = 200, description = "The group, its members, and (managers) its invites", content_type = "text/html", body = String),
        (status = 404, description = "No such group, or not a member"),
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(authed): Viewer,
    OnPage(Id(group_id)): OnPage<Id>,
) -> PageResult {
    group_page(&state, &headers, authed, group_id, FormRefusal::default(), None).await
}

/// The group page, with a refused invite form shown again when there is one.
async fn group_page(
    state: &AppState,
    headers: &HeaderMap,
    authed: Authed,
    group_id: Uuid,
    refused: FormRefusal,
    form: Option<&invites::NewInviteForm>,
) -> PageResult {
    let me = authed.user.id;
    let actor = authed.actor();
    let group = state.group(&actor, group_id).await?;
    let invites = if state.settings.roles.can_manage(&group.role) {
        Some(state.group_invites(&actor, group_id, ListRequest::default()).await?)
    } else {
        None
    };
    let (settings, roles) = (&state.settings, &state.settings.roles);
    let locale = pages::answering_in();
    let manager = invites.is_some();
    let now = Utc::now();
    let invites = invites.map(|listed| Paginated::of(listed, |i| InviteView::of_group(i, &state.settings, now)));
    // The roles this person may hand out: none above their own.
    let grantable: Vec<&Role> = roles.all().iter().filter(|r| roles.may_grant(&group.role, r)).collect();
    let detail = GroupDetail::from(&group);
    let context = context! {
        detail,
        me,
        manager,
        grantable,
        default_role => roles.default_invite_role(),
        invites,
        form,
        errors => refused.errors,
        error => refused.error,
        code_uses => pages::uses_presets(usher_domain::group::CODE_MAX_USES, false, locale),
        code_expiry => pages::expiry_presets(settings.group_code_max_hours, Some(hours(settings.group_code_default_hours)), false, locale),
        invitation_expiry => pages::expiry_presets(settings.invitation_max_hours, Some(hours(settings.invitation_default_hours)), false, locale),
    };
    Ok(pages::form_page(state, headers, refused.status, "group.html", context))
}

/// `hours` in minutes, as the presets count.
fn hours(hours: u32) -> i64 {
    i64::from(hours) * 60
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleForm {
    csrf: String,
    role: String,
}

/// Only the group page's forms post here.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/members/{user_id}/role",
    tag = "pages",
    params(docs::MemberPath),
    responses(docs::ToItsPage, docs::NoSuchPath)
)]
pub async fn to_group(OnPage(Id((group_id, _))): OnPage<Id<(Uuid, Uuid)>>) -> PageResult {
    Ok(pages::redirect(&group_path(group_id)))
}

/// Changes a member's role (managers; never above their own).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/members/{user_id}/role",
    tag = "pages",
    params(docs::MemberPath),
    request_body(content = RoleForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Changed: back to the group; not signed in: to `/login`"),
        (status = 400, description = "No such role"),
        (status = 403, description = "Not a manager, a role above one's own, or no CSRF pair"),
        (status = 404, description = "No such group or member"),
        (status = 409, description = "The group would lose its last top-role member"),
    ),
)]
pub async fn change_role(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, user_id))): OnPage<Id<(Uuid, Uuid)>>,
    CheckedForm(form): CheckedForm<RoleForm>,
) -> PageResult {
    state.change_role(&authed.actor(), group_id, user_id, &form.role).await?;
    Ok(flash::redirect_with(&group_path(group_id), Flash::RoleChanged))
}

/// Asks before removing a member (or leaving, for oneself).
#[utoipa::path(
    get,
    path = "/groups/{group_id}/members/{user_id}/remove",
    tag = "pages",
    params(docs::MemberPath),
    responses(
        (status = 200, description = "Are you sure? A button that removes", content_type = "text/html", body = String),
        (status = 404, description = "No such group"),
    ),
)]
pub async fn confirm_remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, user_id))): OnPage<Id<(Uuid, Uuid)>>,
) -> PageResult {
    let group = state.group(&authed.actor(), group_id).await?;
    let locale = pages::answering_in();
    let group_name = ("group", group.group.name.clone());
    let (heading, text, button) = if user_id == authed.user.id {
        ("confirm-leave", locale.text("confirm-leave-text", &[group_name]), "confirm-leave-button")
    } else {
        let who = group.members.iter().find(|m| m.user.id == user_id).map(|m| m.user.display_name.clone());
        let who = who.unwrap_or_else(|| locale.text("confirm-this-person", &[]));
        ("confirm-remove", locale.text("confirm-remove-text", &[("name", who), group_name]), "confirm-remove-button")
    };
    let (heading, button) = (locale.text(heading, &[]), locale.text(button, &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, &group_path(group_id)))
}

/// Removes a member (managers), or leaves the group (oneself).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/members/{user_id}/remove",
    tag = "pages",
    params(docs::MemberPath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Removed: back to the group (or home, after leaving); not signed in: to `/login`"),
        (status = 403, description = "Not a manager, someone above oneself, or no CSRF pair"),
        (status = 404, description = "No such group or member"),
        (status = 409, description = "The group would lose its last top-role member"),
    ),
)]
pub async fn remove(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, user_id))): OnPage<Id<(Uuid, Uuid)>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.remove_member(&authed.actor(), group_id, user_id).await?;
    Ok(match user_id == authed.user.id {
        true => flash::redirect_with("/", Flash::LeftGroup),
        false => flash::redirect_with(&group_path(group_id), Flash::MemberRemoved),
    })
}

csrf::protected!(NewGroupForm, RoleForm);
