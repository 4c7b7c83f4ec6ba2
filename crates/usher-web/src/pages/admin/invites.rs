//! Registration invites in the console: create, list, show (link, QR code), revoke
//! behind a confirmation.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;
use usher_app::lists::ListRequest;
use utoipa::ToSchema;

use usher_app::registration_invites::NewRegistrationInvite;
use usher_storage::model::Invite as RegistrationInvite;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    error::ApiError,
    extract::{ApiPath, ApiQuery},
    pages::{
        self, FormRefusal, OnPage, PageResult,
        access::AdminViewer,
        csrf::{self, ButtonForm, CheckedForm},
        share::Shared,
    },
    views::{InviteView, Paginated},
};

use super::Search;

/// The list request of an invite search: every invite, or (`show=active`) those still
/// working.
fn invites_request(search: &Search) -> ListRequest {
    let status = if search.show == "active" { "active" } else { "all" };
    ListRequest { cursor: search.cursor.clone(), ..ListRequest::first(Some(status)) }
}

/// The console's first page: a form for a new registration invite and the invites.
#[utoipa::path(
    get,
    path = "/admin",
    tag = "pages",
    params(Search),
    responses(
        (status = 200, description = "Registration invites: the new-invite form and the list", content_type = "text/html", body = String),
        (status = 400, description = "The text to find is longer than 100 characters"),
    ),
)]
pub async fn console(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiQuery(search)): OnPage<ApiQuery<Search>>,
) -> PageResult {
    console_page(&state, &headers, &viewer, search, FormRefusal::default(), None).await
}

async fn console_page(
    state: &AppState,
    headers: &HeaderMap,
    viewer: &AdminViewer,
    search: Search,
    refused: FormRefusal,
    form: Option<&NewInviteForm>,
) -> PageResult {
    let text = search.text();
    let invites = state.list_registration_invites(&viewer.actor(), invites_request(&search), text.as_deref()).await?;
    let now = Utc::now();
    let invites = Paginated::of(invites, |i| InviteView::new(i, &state.settings, now));
    let more = invites.next_cursor.as_deref().map(|cursor| search.next(cursor));
    let locale = pages::answering_in();
    let context = context! {
        section => "invites",
        invites,
        more,
        search,
        form,
        errors => refused.errors,
        error => refused.error,
        uses => pages::uses_presets(100, true, locale),
        // A week unless told otherwise, or never.
        expiry => pages::expiry_presets(state.settings.registration_invite_max_hours, Some(10_080), true, locale),
    };
    Ok(pages::form_page(state, headers, refused.status, "admin/invites.html", context))
}

#[derive(Debug, Deserialize, ToSchema, serde::Serialize)]
pub struct NewInviteForm {
    #[serde(skip_serializing)]
    csrf: String,
    #[serde(default)]
    description: String,
    /// Empty: unlimited.
    #[serde(default)]
    max_uses: String,
    /// A preset, in minutes; empty (and no hours): never expires.
    #[serde(default)]
    expires_in_minutes: String,
    /// Empty (and no preset): never expires.
    #[serde(default)]
    expires_in_hours: String,
    /// Empty: Usher's own pages after signing up.
    #[serde(default)]
    return_to: String,
}

/// Only the console's form posts here.
#[utoipa::path(get, path = "/admin/invites", tag = "pages", responses(docs::ToItsPage))]
pub async fn to_console() -> PageResult {
    Ok(pages::redirect("/admin"))
}

/// Creates a registration invite and shows it.
#[utoipa::path(
    post,
    path = "/admin/invites",
    tag = "pages",
    request_body(content = NewInviteForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Created: on to the invite's page"),
        docs::FieldRefused,
        (status = 429, description = "Too many invites created"),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    CheckedForm(form): CheckedForm<NewInviteForm>,
) -> PageResult {
    let created = async {
        let input = NewRegistrationInvite {
            description: pages::form_text(&form.description),
            // An empty field is the API's `null`: unlimited.
            max_uses: Some(pages::form_number("max_uses", &form.max_uses)?),
            expires_at: None,
            expires_in: pages::form_lifetime(&form.expires_in_minutes, &form.expires_in_hours)?,
            return_to: pages::form_text(&form.return_to),
        };
        Ok::<_, ApiError>(state.create_registration_invite(&viewer.actor(), input).await?)
    };
    let refused = match created.await {
        Ok(invite) => return Ok(flash::redirect_with(&invite_path(&invite), Flash::InviteCreated)),
        Err(err) => FormRefusal::again(err)?,
    };
    console_page(&state, &headers, &viewer, Search::default(), refused, Some(&form)).await
}

/// A registration invite's page in the console.
fn invite_path(invite: &RegistrationInvite) -> String {
    format!("/admin/invites/{}", invite.code.as_ref().map(ToString::to_string).unwrap_or_default())
}

/// One registration invite: its link to copy, its QR code, uses, status; revoke.
#[utoipa::path(
    get,
    path = "/admin/invites/{code}",
    tag = "pages",
    params(docs::CodePath),
    responses(
        (status = 200, description = "The invite, its link and QR code", content_type = "text/html", body = String),
        docs::NoRegistrationInvite,
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiPath(code)): OnPage<ApiPath>,
) -> PageResult {
    let invite = state.registration_invite(&viewer.actor(), &code).await?;
    let invite = InviteView::new(&invite, &state.settings, Utc::now());
    let shared = invite.url.as_deref().map(Shared::new);
    let context = context! { section => "invites", invite, shared };
    Ok(pages::form_page(&state, &headers, StatusCode::OK, "admin/invite.html", context))
}

/// Asks before revoking.
#[utoipa::path(
    get,
    path = "/admin/invites/{code}/revoke",
    tag = "pages",
    params(docs::CodePath),
    responses(docs::ConfirmRevoke, docs::NoRegistrationInvite,)
)]
pub async fn confirm_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: AdminViewer,
    OnPage(ApiPath(code)): OnPage<ApiPath>,
) -> PageResult {
    let invite = state.registration_invite(&viewer.actor(), &code).await?;
    let code = invite.code.as_ref().map(ToString::to_string).unwrap_or_default();
    let locale = pages::answering_in();
    let text = locale.text("admin-confirm-revoke-invite-text", &[("code", code)]);
    let (heading, button) = (locale.text("confirm-revoke-invite", &[]), locale.text("confirm-revoke-button", &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, &invite_path(&invite)))
}

/// Revokes the invite (it stays listed, as revoked).
#[utoipa::path(
    post,
    path = "/admin/invites/{code}/revoke",
    tag = "pages",
    params(docs::CodePath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Revoked: back to the invite's page"),
        docs::NoRegistrationInvite,
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: AdminViewer,
    OnPage(ApiPath(code)): OnPage<ApiPath>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.revoke_registration_invite(&viewer.actor(), &code).await?;
    Ok(flash::redirect_with(&format!("/admin/invites/{code}"), Flash::InviteRevoked))
}

csrf::protected!(NewInviteForm);
