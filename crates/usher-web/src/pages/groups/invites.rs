//! A group's invites, for its managers: create a code or an email invitation, show one
//! (its link to copy and QR code, delivery, who joined through it), resend, a fresh
//! link to share by hand (the copy-link fallback), revoke behind a confirmation.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
};
use chrono::Utc;
use minijinja::context;
use serde::{Deserialize, Serialize};
use usher_app::{group_invites::NewInvite, lists::ListRequest};
use usher_domain::Invalid;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::pages::docs;
use crate::pages::flash::{self, Flash};
use crate::{
    AppState,
    error::ApiError,
    extract::Id,
    pages::{
        self, FormRefusal, OnPage, PageResult,
        access::Viewer,
        csrf::{self, ButtonForm, CheckedForm},
        reveal::{self, Reveal},
        share::Shared,
    },
    views::{InviteView, Paginated, RedemptionView},
};

use super::{group_page, group_path};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(to_group, create))
        .routes(routes!(show))
        .routes(routes!(to_invite_from_resend, resend))
        .routes(routes!(to_invite_from_link, new_link))
        .routes(routes!(confirm_revoke, revoke))
}

fn invite_path(group_id: Uuid, invite_id: Uuid) -> String {
    format!("/groups/{group_id}/invites/{invite_id}")
}

/// The two invite forms of the group page.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewInviteForm {
    #[serde(skip_serializing)]
    csrf: String,
    /// `code` (a shareable code) or `email` (an invitation mailed to one person).
    kind: String,
    #[serde(default)]
    email: String,
    role: String,
    /// Codes: empty is one use.
    #[serde(default)]
    max_uses: String,
    /// A preset, in minutes; empty: `expires_in_hours`.
    #[serde(default)]
    expires_in_minutes: String,
    /// Empty: the default for the kind.
    #[serde(default)]
    expires_in_hours: String,
    #[serde(default)]
    message: String,
    /// Empty: Usher's own pages (or the group's app) after joining.
    #[serde(default)]
    return_to: String,
    /// Email invitations: the email's language (empty: the instance's).
    #[serde(default)]
    locale: String,
    /// Email invitations, present (a checked box): replies go to the inviter.
    reply_to_inviter: Option<String>,
}

impl NewInviteForm {
    /// The invite this form asks for.
    fn invite(&self) -> Result<NewInvite, ApiError> {
        let email = match (self.kind.as_str(), pages::form_text(&self.email)) {
            ("email", None) => return Err(ApiError::field("email", Invalid::new("invalid-email-needed"))),
            ("email", email) => email,
            ("code", _) => None,
            _ => return Err(ApiError::field("kind", Invalid::new("invalid-invite-kind"))),
        };
        Ok(NewInvite {
            email,
            role: Some(self.role.clone()),
            max_uses: pages::form_number("max_uses", &self.max_uses)?,
            expires_in: pages::form_lifetime(&self.expires_in_minutes, &self.expires_in_hours)?,
            message: pages::form_text(&self.message),
            return_to: pages::form_text(&self.return_to),
            locale: pages::form_text(&self.locale),
            reply_to_inviter: self.reply_to_inviter.is_some(),
        })
    }
}

/// Only the group page's forms post here.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites",
    tag = "pages",
    params(docs::GroupPath),
    responses(docs::ToItsPage, docs::NoSuchPath)
)]
pub async fn to_group(OnPage(Id(group_id)): OnPage<Id>) -> PageResult {
    Ok(pages::redirect(&group_path(group_id)))
}

/// Creates a code or an email invitation and goes on to its page; an invitation's
/// link is shown there once (to share by hand if the email does not arrive).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites",
    tag = "pages",
    params(docs::GroupPath),
    request_body(content = NewInviteForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Created: on to its page (an invitation's link shown there once); not signed in: to `/login`"),
        (status = 400, description = "A field is refused: the group page again, each refusal beside its field"),
        (status = 403, description = "Not a manager, a role above one's own, or no CSRF pair"),
        (status = 404, description = "No such group, or not a member"),
        (status = 409, description = "Already invited or already a member: the group page again"),
        (status = 429, description = "Too many invites created"),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(authed): Viewer,
    OnPage(Id(group_id)): OnPage<Id>,
    CheckedForm(form): CheckedForm<NewInviteForm>,
) -> PageResult {
    let created =
        async { Ok::<_, ApiError>(state.create_group_invite(&authed.actor(), group_id, form.invite()?).await?) };
    let minted = match created.await {
        Ok(minted) => minted,
        Err(err) => {
            let refused = FormRefusal::again(err)?;
            return group_page(&state, &headers, authed, group_id, refused, Some(&form)).await;
        }
    };
    let to = invite_path(group_id, minted.invite.invite.id);
    Ok(match &minted.token {
        Some(token) => {
            let sent = flash::redirect_with(&to, Flash::InvitationSent);
            let url = state.settings.invitation_url(token.expose());
            reveal::with_secret(&state, sent, &to, Reveal::InvitationLink, &url)
        }
        None => flash::redirect_with(&to, Flash::InviteCreated),
    })
}

/// One invite of the group: for a code its link and QR code; for an email invitation
/// its delivery, resend and a fresh link; who joined through it.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}",
    tag = "pages",
    params(docs::InvitePath),
    responses(
        (status = 200, description = "The invite, its link (an invitation's only once, after it was minted), who joined through it", content_type = "text/html", body = String),
        (status = 403, description = "Not one of the group's managers"),
        docs::NoGroupInvite,
    ),
)]
pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>,
) -> PageResult {
    let actor = authed.actor();
    // The group's name only: `Access` is one look-up, where the group's read also
    // lists every member.
    let group = state.access(&actor, group_id).await?.group;
    let invite = state.group_invite(&actor, group_id, invite_id).await?;
    let list = ListRequest { limit: Some(200), ..ListRequest::default() };
    let joined = state.redemptions(&actor, group_id, invite_id, list).await?;
    let invite = InviteView::of_group(&invite, &state.settings, Utc::now());
    let joined = Paginated::of(joined, |r| RedemptionView::from(r));
    // A code's link can be shown any time; an invitation's only once, just minted.
    let minted = reveal::take(&state, &headers, Reveal::InvitationLink, &invite_path(group_id, invite_id));
    let fresh = minted.as_ref().map(|shown| Shared::new(&shown.secret));
    let shared = match (&fresh, invite.code.is_some(), invite.url.as_deref()) {
        (None, true, Some(url)) => Some(Shared::new(url)),
        _ => None,
    };
    let context = context! {
        group => context! { id => group_id, name => group.name },
        invite,
        joined,
        shared,
        fresh,
        resend_limit => state.settings.resend_limit,
    };
    Ok(reveal::finish(minted, pages::form_page(&state, &headers, StatusCode::OK, "group_invite.html", context)))
}

/// Only the invite page's buttons post here.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}/resend",
    tag = "pages",
    params(docs::InvitePath),
    responses(docs::ToItsPage, docs::NoSuchPath)
)]
pub async fn to_invite_from_resend(OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>) -> PageResult {
    Ok(pages::redirect(&invite_path(group_id, invite_id)))
}

/// Only the invite page's buttons post here.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}/link",
    tag = "pages",
    params(docs::InvitePath),
    responses(docs::ToItsPage, docs::NoSuchPath)
)]
pub async fn to_invite_from_link(OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>) -> PageResult {
    Ok(pages::redirect(&invite_path(group_id, invite_id)))
}

/// Sends an email invitation again (with a new link; the old ones stop working).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/resend",
    tag = "pages",
    params(docs::InvitePath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Queued: back to the invite; not signed in: to `/login`"),
        (status = 400, description = "Not an email invitation"),
        docs::NotManager,
        docs::NoGroupInvite,
        (status = 409, description = "Resent as often as allowed"),
        (status = 410, description = "The invitation is no longer active"),
        (status = 429, description = "Too many resends"),
    ),
)]
pub async fn resend(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.resend_invitation(&authed.actor(), group_id, invite_id).await?;
    Ok(flash::redirect_with(&invite_path(group_id, invite_id), Flash::InvitationResent))
}

/// A fresh link for an email invitation, to share by hand (the old ones stop working).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/link",
    tag = "pages",
    params(docs::InvitePath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "On to the invite's page, the new link shown there once"),
        (status = 400, description = "Not an email invitation"),
        docs::NotManager,
        docs::NoGroupInvite,
        (status = 410, description = "The invitation is no longer active"),
    ),
)]
pub async fn new_link(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    let link = state.invitation_link(&authed.actor(), group_id, invite_id).await?;
    let to = invite_path(group_id, invite_id);
    Ok(reveal::with_secret(&state, pages::redirect(&to), &to, Reveal::InvitationLink, &link.url))
}

/// Asks before revoking.
#[utoipa::path(
    get,
    path = "/groups/{group_id}/invites/{invite_id}/revoke",
    tag = "pages",
    params(docs::InvitePath),
    responses(docs::ConfirmRevoke, docs::NoGroupInvite)
)]
pub async fn confirm_revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    _: Viewer,
    OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>,
) -> PageResult {
    let locale = pages::answering_in();
    let [heading, text, button] =
        ["confirm-revoke-invite", "confirm-revoke-invite-text", "confirm-revoke-button"].map(|id| locale.text(id, &[]));
    Ok(pages::confirm(&state, &headers, &heading, &text, &button, &invite_path(group_id, invite_id)))
}

/// Revokes the invite.
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/revoke",
    tag = "pages",
    params(docs::InvitePath),
    request_body(content = ButtonForm, content_type = docs::FORM),
    responses(
        (status = 303, description = "Revoked: back to the group; not signed in: to `/login`"),
        docs::NotManager,
        docs::NoGroupInvite,
    ),
)]
pub async fn revoke(
    State(state): State<AppState>,
    Viewer(authed): Viewer,
    OnPage(Id((group_id, invite_id))): OnPage<Id<(Uuid, Uuid)>>,
    _: CheckedForm<ButtonForm>,
) -> PageResult {
    state.revoke_group_invite(&authed.actor(), group_id, invite_id).await?;
    Ok(flash::redirect_with(&group_path(group_id), Flash::InviteRevoked))
}

csrf::protected!(NewInviteForm);
