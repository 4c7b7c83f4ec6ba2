//! Login links, for instance admins: mint one for a user (the token is shown once),
//! list them (never the token), read, revoke.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use usher_domain::{expiry::ExpiresIn, invite::InviteKind};
use usher_storage::model::{InviteScope, User};
use uuid::Uuid;

use crate::{
    AppState, actions,
    auth::Admin,
    client_ip::ClientIp,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    routes::admin_users::find_user,
    views::{ListQuery, LoginLinkView, Paginated, UserSummaryView},
};

const ALL: InviteScope = InviteScope::kind(InviteKind::LoginLink);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users/{username}/login-links", post(create).get(list_for_user))
        .route("/admin/login-links", get(list_all))
        .route("/admin/login-links/{id}", get(read).delete(revoke))
}

#[derive(Debug, Deserialize)]
struct CreateBody {
    expires_in_hours: Option<i64>,
    #[serde(default)]
    send_email: bool,
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ip: ClientIp,
    ApiPath(username): ApiPath,
    ApiJson(body): ApiJson<CreateBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    state.limits.invite_write(admin.id)?;
    let user = find_user(&state, &username).await?;
    let settings = &state.settings;
    let hours = body.expires_in_hours.unwrap_or(i64::from(settings.login_link_default_hours));
    let expires_in = ExpiresIn::hours(hours, settings.login_link_max_hours)
        .map_err(|e| ApiError::field("expires_in_hours", e.message))?;
    let now = Utc::now();
    let minted = actions::create_login_link(
        &state.store,
        settings,
        &user,
        expires_in.after(now),
        &ip.audit(Some(&admin)),
        body.send_email,
        now,
    )
    .await?;
    tracing::info!(login_link_id = %minted.link.id, user_id = %user.id, "login link created");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": minted.link.id,
            "token": minted.token.expose(),
            "url": minted.url,
            "user": UserSummaryView { id: user.id, username: user.username, display_name: user.display_name },
            "expires_at": minted.link.usage.expires_at,
        })),
    ))
}

async fn list(state: &AppState, scope: InviteScope, query: &ListQuery) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    let active = query.active_only(false)?;
    let page = query.page()?;
    let now = Utc::now();
    let rows = state.store.list_invites(scope, active, page, now).await?;
    Ok(Json(Paginated::new(rows, page, |l| l.id, |l| LoginLinkView::new(l, now))))
}

async fn list_all(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    list(&state, ALL, &query).await
}

async fn list_for_user(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(username): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    let User { id, .. } = find_user(&state, &username).await?;
    list(&state, InviteScope { user_id: Some(id), ..ALL }, &query).await
}

fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| ApiError::NotFound)
}

async fn read(State(state): State<AppState>, _: Admin, ApiPath(id): ApiPath) -> ApiResult<Json<LoginLinkView>> {
    let link = state
        .store
        .invite_by_id(parse_id(&id)?)
        .await?
        .filter(|l| l.kind == InviteKind::LoginLink)
        .ok_or(ApiError::NotFound)?;
    Ok(Json(LoginLinkView::new(&link, Utc::now())))
}

async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ip: ClientIp,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    state.store.revoke_invite(ALL, id, &ip.audit(Some(&admin)), Utc::now()).await?;
    tracing::info!(login_link_id = %id, "login link revoked");
    Ok(StatusCode::NO_CONTENT)
}
