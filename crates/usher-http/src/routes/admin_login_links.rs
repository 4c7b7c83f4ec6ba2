//! Login links, for instance admins: mint one for a user (the token is shown once),
//! list them (never the token), read, revoke.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use usher_domain::{expiry::ExpiresIn, invite::InviteKind};
use usher_storage::model::{InviteScope, User};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Admin,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    routes::admin_users::find_user,
    views::{ListQuery, LoginLinkView, Paginated, UserSummaryView},
};

const ALL: InviteScope = InviteScope::kind(InviteKind::LoginLink);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list_for_user)).routes(routes!(list_all)).routes(routes!(read, revoke))
}

const USER_PATH: &str = "/admin/users/{username}/login-links";
const ONE_PATH: &str = "/admin/login-links/{id}";

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLoginLink {
    /// Hours until it expires (default `login_link_default_hours`).
    pub(crate) expires_in_hours: Option<i64>,
    /// Also email the link to the user.
    #[serde(default)]
    pub(crate) send_email: bool,
}

/// A minted login link: the token and URL are shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct MintedLoginLink {
    pub(crate) id: Uuid,
    pub(crate) token: String,
    pub(crate) url: String,
    pub(crate) user: UserSummaryView,
    pub(crate) expires_at: Option<DateTime<Utc>>,
}

/// Mints a one-time login link for a user.
#[utoipa::path(
    post,
    path = USER_PATH,
    tag = "admin",
    params(("username" = String, Path)),
    request_body = NewLoginLink,
    responses(
        (status = 201, body = MintedLoginLink),
        (status = 404, description = "No such user (`not_found`)"),
        (status = 429, description = "Too many links created by this admin (`rate_limited`)"),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
    ApiJson(body): ApiJson<NewLoginLink>,
) -> ApiResult<(StatusCode, Json<MintedLoginLink>)> {
    state.limits.invite_write(admin.user()?.id)?;
    let user = find_user(&state, &username).await?;
    let settings = &state.settings;
    let hours = body.expires_in_hours.unwrap_or(i64::from(settings.login_link_default_hours));
    let expires_in = ExpiresIn::hours(hours, settings.login_link_max_hours)
        .map_err(|e| ApiError::field("expires_in_hours", e.message))?;
    let now = Utc::now();
    let minted = state.mint_login_link(&admin, &user, expires_in.after(now), body.send_email).await?;
    tracing::info!(login_link_id = %minted.link.id, user_id = %user.id, "login link created");
    Ok((
        StatusCode::CREATED,
        Json(MintedLoginLink {
            id: minted.link.id,
            token: minted.token.expose().to_owned(),
            url: minted.url,
            user: UserSummaryView { id: user.id, username: user.username, display_name: user.display_name },
            expires_at: minted.link.usage.expires_at,
        }),
    ))
}

async fn list(state: &AppState, scope: InviteScope, query: &ListQuery) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    let active = query.active_only(false)?;
    let page = query.page()?;
    let now = Utc::now();
    let rows = state.store.list_invites(scope, active, page, now).await?;
    Ok(Json(Paginated::new(rows, page, |l| l.id, |l| LoginLinkView::new(l, now))))
}

/// Every login link, newest first (never a token); `status=active` for usable ones.
#[utoipa::path(
    get,
    path = "/admin/login-links",
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<LoginLinkView>),
    ),
)]
pub(crate) async fn list_all(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    list(&state, ALL, &query).await
}

/// One user's login links, newest first.
#[utoipa::path(
    get,
    path = USER_PATH,
    tag = "admin",
    params(("username" = String, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<LoginLinkView>),
        (status = 404, description = "No such user (`not_found`)"),
    ),
)]
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
    Uuid::parse_str(id).map_err(|_| ApiError::NOT_FOUND)
}

/// One login link.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = LoginLinkView),
        (status = 404, description = "No such login link (`not_found`)"),
    ),
)]
async fn read(State(state): State<AppState>, _: Admin, ApiPath(id): ApiPath) -> ApiResult<Json<LoginLinkView>> {
    let link = state
        .store
        .invite_by_id(parse_id(&id)?)
        .await?
        .filter(|l| l.kind == InviteKind::LoginLink)
        .ok_or(ApiError::NOT_FOUND)?;
    Ok(Json(LoginLinkView::new(&link, Utc::now())))
}

/// Revokes a login link.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such login link (`not_found`)"),
    ),
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(id): ApiPath,
) -> ApiResult<StatusCode> {
    let id = parse_id(&id)?;
    state.store.revoke_invite(ALL, id, &admin.audit(), Utc::now()).await?;
    tracing::info!(login_link_id = %id, "login link revoked");
    Ok(StatusCode::NO_CONTENT)
}
