//! A group's invitations, for its managers: shareable codes and email invitations.
//! Every invite is looked up by (group, id): another group's id is 404 and untouched.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use serde::Deserialize;
use serde_json::{Value, json};
use usher_domain::{
    account::Email,
    code::InviteCode,
    expiry::ExpiresIn,
    group::{CODE_MAX_USES, MAX_MESSAGE},
    invite::InviteKind,
    token::Token,
};
use usher_storage::{
    Renewal, StoreError,
    model::{GroupGrant, Invite, InviteScope, NewInvite, OutgoingEmail, Secret},
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    routes::groups::Access,
    validate::{Fields, optional_text},
    views::{InviteView, ListQuery, Paginated, UserSummaryView},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups/{group_id}/invites", get(list).post(create))
        .route("/groups/{group_id}/invites/{invite_id}", get(read).delete(revoke))
        .route("/groups/{group_id}/invites/{invite_id}/resend", post(resend))
        .route("/groups/{group_id}/invites/{invite_id}/link", post(copy_link))
        .route("/groups/{group_id}/invites/{invite_id}/redemptions", get(redemptions))
}

/// The caller's access to the group, as a manager.
async fn manager(state: &AppState, authed: Authed, group_id: &str) -> ApiResult<Access> {
    let access = Access::load(state, group_id, authed).await?;
    access.require_manager(state)?;
    Ok(access)
}

/// One of this group's invites, or 404.
async fn find(state: &AppState, access: &Access, invite_id: &str) -> ApiResult<Invite> {
    let id = Uuid::parse_str(invite_id).map_err(|_| ApiError::NotFound)?;
    state.store.invite_in_scope(InviteScope::group(access.group.id), id).await?.ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize)]
struct CreateBody {
    email: Option<String>,
    role: Option<String>,
    max_uses: Option<i64>,
    expires_in_hours: Option<i64>,
    message: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(group_id): ApiPath,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    state.limits.invite_write(authed.user.id)?;
    let access = manager(&state, authed, &group_id).await?;
    let settings = &state.settings;
    let role = body.role.clone().unwrap_or_else(|| settings.roles.default_invite_role().to_owned());
    access.check_grant(&state, "role", &role)?;
    let mut fields = Fields::default();
    let email = body.email.as_deref().and_then(|e| fields.check("email", Email::parse(e)));
    let is_invitation = body.email.is_some();
    let (default_hours, max_hours) = if is_invitation {
        (settings.invitation_default_hours, settings.invitation_max_hours)
    } else {
        (settings.group_code_default_hours, settings.group_code_max_hours)
    };
    let hours = body.expires_in_hours.unwrap_or(i64::from(default_hours));
    let expires_in = fields.check("expires_in_hours", ExpiresIn::hours(hours, max_hours));
    let max_uses = match (is_invitation, body.max_uses) {
        (true, None | Some(1)) | (false, None) => Some(1),
        (true, Some(_)) => {
            fields.push("max_uses", "an email invitation is for one person");
            None
        }
        (false, Some(n)) if (1..=CODE_MAX_USES).contains(&n) => u32::try_from(n).ok(),
        (false, Some(_)) => {
            fields.push("max_uses", format!("must be a whole number from 1 to {CODE_MAX_USES}"));
            None
        }
    };
    let message = fields.check("message", optional_text(body.message.as_deref(), MAX_MESSAGE)).flatten();
    fields.finish()?;
    let (Some(expires_in), Some(max_uses)) = (expires_in, max_uses) else { unreachable!("checked above") };
    let now = Utc::now();
    let expires_at = expires_in.after(now);
    let grant = GroupGrant { group_id: access.group.id, role, email: email.clone(), message };

    let invite = match email {
        Some(email) => {
            let token = Token::generate(&mut OsRng);
            let mail =
                invitation_email(&state, &access, &grant, email.as_str(), token.expose(), expires_at, "invitation");
            let new = new_invite(
                InviteKind::EmailInvitation,
                Secret::Token(token.hash()),
                &access,
                grant,
                max_uses,
                expires_at,
            );
            let invite = state.store.create_group_invite(new, Some(mail), &access.audit, now).await?;
            InviteView::new(&invite, settings, now)
                .with_token(token.expose(), settings)
                .with_delivery(&state.store)
                .await?
        }
        None => {
            let invite = create_code(&state, &access, grant, max_uses, expires_at, now).await?;
            InviteView::new(&invite, settings, now)
        }
    };
    tracing::info!(group_id = %access.group.id, invite_id = %invite.id, kind = ?invite.kind, "group invite created");
    Ok((StatusCode::CREATED, Json(invite)))
}

fn new_invite(
    kind: InviteKind,
    secret: Secret,
    access: &Access,
    grant: GroupGrant,
    max_uses: u32,
    expires_at: DateTime<Utc>,
) -> NewInvite {
    NewInvite {
        kind,
        secret,
        user_id: None,
        description: None,
        max_uses: Some(max_uses),
        expires_at: Some(expires_at),
        created_by: Some(access.user.id),
        group: Some(grant),
    }
}

/// A group code, drawing another code on the rare collision.
async fn create_code(
    state: &AppState,
    access: &Access,
    grant: GroupGrant,
    max_uses: u32,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<Invite> {
    for _ in 0..5 {
        let secret = Secret::Code(InviteCode::generate(&mut OsRng));
        let new = new_invite(InviteKind::GroupCode, secret, access, grant.clone(), max_uses, expires_at);
        match state.store.create_group_invite(new, None, &access.audit, now).await {
            Err(StoreError::CodeTaken) => continue,
            other => return Ok(other?),
        }
    }
    Err(ApiError::internal("could not draw a free invite code"))
}

/// The outbox entry for an invitation email: everything the template shows, and the
/// accept link built from `public_url` (never from the request).
fn invitation_email(
    state: &AppState,
    access: &Access,
    grant: &GroupGrant,
    recipient: &str,
    token: &str,
    expires_at: DateTime<Utc>,
    template: &'static str,
) -> OutgoingEmail {
    OutgoingEmail {
        recipient: recipient.to_owned(),
        template,
        data: json!({
            "group_name": access.group.name,
            "inviter": access.user.display_name,
            "role": grant.role,
            "message": grant.message,
            "accept_url": state.settings.invitation_url(token),
            "expires_at": expires_at,
        }),
    }
}

async fn list(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(group_id): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<InviteView>>> {
    let access = manager(&state, authed, &group_id).await?;
    let (active, page, now) = (query.active_only(true)?, query.page()?, Utc::now());
    let rows = state.store.list_invites(InviteScope::group(access.group.id), active, page, now).await?;
    let mut list = Paginated::new(rows, page, |i| i.id, |i| InviteView::new(i, &state.settings, now));
    let mut items = Vec::with_capacity(list.items.len());
    for view in list.items {
        items.push(view.with_delivery(&state.store).await?);
    }
    list.items = items;
    Ok(Json(list))
}

async fn read(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<InviteView>> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    Ok(Json(InviteView::new(&invite, &state.settings, Utc::now()).with_delivery(&state.store).await?))
}

async fn revoke(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    state.store.revoke_invite(InviteScope::group(access.group.id), invite.id, &access.audit, Utc::now()).await?;
    tracing::info!(invite_id = %invite.id, "group invite revoked");
    Ok(StatusCode::NO_CONTENT)
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
        return Err(ApiError::NotApplicable("Only email invitations have a link to resend or copy.".into()));
    }
    let token = Token::generate(&mut OsRng);
    let renewal = if resend {
        let grant = GroupGrant {
            group_id: access.group.id,
            role: invite.role.clone().unwrap_or_default(),
            email: None,
            message: invite.message.clone(),
        };
        let expires_at = invite.usage.expires_at.unwrap_or_else(Utc::now);
        let recipient = invite.email.clone().unwrap_or_default();
        let email =
            invitation_email(state, &access, &grant, &recipient, token.expose(), expires_at, "invitation_resent");
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

async fn resend(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<InviteView>> {
    state.limits.invite_write(authed.user.id)?;
    let (invite, token) = renew(&state, authed, &group_id, &invite_id, true).await?;
    tracing::info!(invite_id = %invite.id, resend_count = invite.resend_count, "invitation resent");
    let settings = &state.settings;
    let view = InviteView::new(&invite, settings, Utc::now()).with_token(token.expose(), settings);
    Ok(Json(view.with_delivery(&state.store).await?))
}

async fn copy_link(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
) -> ApiResult<Json<Value>> {
    let (invite, token) = renew(&state, authed, &group_id, &invite_id, false).await?;
    tracing::info!(invite_id = %invite.id, "invitation link copied");
    Ok(Json(json!({"token": token.expose(), "url": state.settings.invitation_url(token.expose())})))
}

async fn redemptions(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath((group_id, invite_id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<Value>>> {
    let access = manager(&state, authed, &group_id).await?;
    let invite = find(&state, &access, &invite_id).await?;
    let page = query.page()?;
    let rows = state.store.redemptions(invite.id, page).await?;
    Ok(Json(Paginated::new(
        rows,
        page,
        |r| r.id,
        |r| json!({"user": r.user.as_ref().map(UserSummaryView::from), "redeemed_at": r.redeemed_at}),
    )))
}
