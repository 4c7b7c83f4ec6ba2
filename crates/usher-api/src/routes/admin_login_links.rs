//! Login links, for instance admins: mint one for a user (the token is shown once),
//! list them (never the token), read, revoke.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::{fields::Lifetime, login_links as app};

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiJson, ApiPath, ApiQuery, Id},
    views::{
        ListQuery, LoginLinkView, Paginated,
        admin::{self as admin_views, MintedLoginLink},
    },
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create, list_for_user)).routes(routes!(list_all)).routes(routes!(read, revoke))
}

const USER_PATH: &str = "/admin/users/{username}/login-links";
const ONE_PATH: &str = "/admin/login-links/{id}";

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLoginLink {
    /// Hours until it expires (default `login_link_default_hours`).
    expires_in_hours: Option<i64>,
    /// Also email the link to the user.
    #[serde(default)]
    send_email: bool,
}

impl From<NewLoginLink> for app::NewLoginLink {
    fn from(b: NewLoginLink) -> Self {
        Self { expires_in: b.expires_in_hours.map(Lifetime::Hours), send_email: b.send_email }
    }
}

/// Mints a one-time login link for a user.
#[utoipa::path(
    post,
    path = USER_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:write"])),
    tag = "admin",
    params(("username" = String, Path)),
    request_body = NewLoginLink,
    responses(
        (status = 201, body = MintedLoginLink),
        (status = 404, description = "No such user (`not_found`)"),
        (status = 429, description = "Too many links created by this admin (`rate_limited`)"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
    ApiJson(body): ApiJson<NewLoginLink>,
) -> ApiResult<(StatusCode, Json<MintedLoginLink>)> {
    let minted = state.create_login_link(&admin, &username, body.into()).await?;
    Ok((StatusCode::CREATED, Json(MintedLoginLink::from(minted))))
}

/// Every login link, newest first (never a token); `status=active` for usable ones.
#[utoipa::path(
    get,
    path = "/admin/login-links",
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:read"])),
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<LoginLinkView>),
    ),
)]
async fn list_all(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    Ok(Json(admin_views::login_links(state.list_login_links(&admin, query.request()).await?)))
}

/// One user's login links, newest first.
#[utoipa::path(
    get,
    path = USER_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:read"])),
    tag = "admin",
    params(("username" = String, Path), ListQuery),
    responses(
        (status = 200, body = Paginated<LoginLinkView>),
        (status = 404, description = "No such user (`not_found`)"),
    ),
)]
async fn list_for_user(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<LoginLinkView>>> {
    Ok(Json(admin_views::login_links(state.list_login_links_of(&admin, &username, query.request()).await?)))
}

/// One login link.
#[utoipa::path(
    get,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:read"])),
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = LoginLinkView),
        (status = 404, description = "No such login link (`not_found`)"),
    ),
)]
async fn read(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id) -> ApiResult<Json<LoginLinkView>> {
    let link = state.login_link(&admin, id).await?;
    Ok(Json(LoginLinkView::new(&link, Utc::now())))
}

/// Revokes a login link.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:write"])),
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such login link (`not_found`)"),
    ),
)]
async fn revoke(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id) -> ApiResult<StatusCode> {
    state.revoke_login_link(&admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
