//! An email invitation's link, renewed: sent again with a new token, or a new token to
//! share by hand (the copy-link fallback). The old tokens answer 410 "replaced".

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use serde::Serialize;
use usher_domain::{
    invite::InviteKind,
    mail::{Invitation, Mail},
    token::Token,
};
use usher_storage::{
    Renewal,
    model::{GroupGrant, Invite, OutgoingEmail},
};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::Access;

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::ApiPath,
    routes::group_invites::{find, manager},
    views::InviteView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(resend)).routes(routes!(copy_link))
}

/// The outbox entry for an invitation email (`kind`: first sent or resent):
/// everything the template shows, and the accept link built from `public_url` (never
/// from the request).
pub(crate) fn invitation_email(
    state: &AppState,
    access: &Access,
    grant: &GroupGrant,
    recipient: &str,
    token: &str,
    expires_at: DateTime<Utc>,
    kind: fn(Invitation) -> Mail,
) -> OutgoingEmail {
    let invitation = Invitation {
        group_name: access.group.name.clone(),
        inviter: access.user.display_name.clone(),
        role: grant.role.to_string(),
        message: grant.message.clone(),
        accept_url: state.settings.invitation_url(token),
        expires_at,
    };
    OutgoingEmail { recipient: recipient.to_owned(), mail: kind(invitation) }
}

/// Resend and copy-link: a fresh token for an active email invitation of this group.
async fn renew(
    state: &AppState,
    authed: Authed,
    group_id: &str,
    invite_id: &str,
    resend: bool,
) -> ApiResult<(Invite, Token)> {
    let access = manager(state, authed, group_id).await?;
    let invite = find(state, &access, invite_id).await?;
    if invite.kind != InviteKind::EmailInvitation {
        return Err(usher_app::error::NotApplicable::NotAnInvitation.into());
    }
    let token = Token::generate(&mut OsRng);
    let renewal = if resend {
        let grant = GroupGrant {
            group_id: access.group.id,
            role: invite.role.clone().ok_or_else(|| ApiError::internal("an email invitation without a role"))?,
            email: None,
            message: invite.message.clone(),
        };
        let expires_at = invite.usage.expires_at.unwrap_or_else(Utc::now);
        let recipient = invite.email.clone().unwrap_or_default();
        let email =
            invitation_email(state, &access, &grant, &recipient, token.expose(), expires_at, Mail::InvitationResent);
        Renewal::Resend { limit: state.settings.resend_limit, email }
    } else {
        Renewal::CopyLink
    };
    let renewed = state
        .store
        .renew_invitation_token(access.group.id, invite.id, &token.hash(), renewal, &access.audit, Utc::now())
        .await?;
    Ok((renewed, token))
}

/// Sends an email invitation again with a new token (the old ones answer 410).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/resend",
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InviteView),
        (status = 400, description = "Not an email invitation (`not_applicable`)"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
        (status = 409, description = "Resent as often as allowed (`resend_limit_reached`)"),
        (status = 410, description = "The invitation is no longer active"),
        (status = 429, description = "Too many resends by this user (`rate_limited`)"),
    ),
)]
pub(crate) async fn resend(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<InviteView>> {
    state.limits.invite_write(authed.user.id)?;
    let (invite, token) = renew(&state, authed, &group_id, &invite_id, true).await?;
    tracing::debug!(invite_id = %invite.id, resend_count = invite.resend_count, "invitation resent");
    let settings = &state.settings;
    let view = InviteView::new(&invite, settings, Utc::now()).with_token(token.expose(), settings);
    Ok(Json(view.with_delivery(&state.store).await?))
}

/// A fresh invitation link, for sharing by hand.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationLink {
    pub(crate) token: String,
    pub(crate) url: String,
}

/// A new link for an email invitation, without an email (the old ones answer 410).
#[utoipa::path(
    post,
    path = "/groups/{group_id}/invites/{invite_id}/link",
    tag = "groups",
    params(("group_id" = Uuid, Path), ("invite_id" = Uuid, Path)),
    responses(
        (status = 200, body = InvitationLink),
        (status = 400, description = "Not an email invitation (`not_applicable`)"),
        (status = 403, description = "Managers only, and never an invite granting a role above their own (`forbidden`)"),
        (status = 404, description = "No such group or invite (`not_found`)"),
        (status = 410, description = "The invitation is no longer active"),
    ),
)]
pub(crate) async fn copy_link(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<InvitationLink>> {
    let (invite, token) = renew(&state, authed, &group_id, &invite_id, false).await?;
    tracing::debug!(invite_id = %invite.id, "invitation link copied");
    let url = state.settings.invitation_url(token.expose());
    Ok(Json(InvitationLink { token: token.expose().to_owned(), url }))
}
