//! Users, for instance admins: list, create (a password is optional: login links are
//! then the way in), read, change, delete.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::users::{AccountChanges, NewAccount};
use usher_storage::model::UserFilter;

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiJson, ApiPath, ApiQuery},
    views::{ListQuery, Paginated, UserView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, update, remove))
}

const LIST_PATH: &str = "/admin/users";
const ONE_PATH: &str = "/admin/users/{username}";

/// Every user, oldest first.
#[utoipa::path(
    get,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:read"])),
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<UserView>),
    ),
)]
async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<UserView>>> {
    let users = state.list_users(&admin, query.request(), &UserFilter::default()).await?;
    Ok(Json(Paginated::of(users, |r| UserView::from(r))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserBody {
    #[schema(pattern = "^[a-z0-9_.-]{3,32}$")]
    username: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// Defaults to the username.
    #[schema(min_length = 1, max_length = 100)]
    display_name: Option<String>,
    /// Optional: without one, login links are the way in.
    #[schema(min_length = 8, max_length = 256)]
    password: Option<String>,
    #[serde(default)]
    is_admin: bool,
}

impl From<NewUserBody> for NewAccount {
    fn from(b: NewUserBody) -> Self {
        Self {
            username: b.username,
            email: b.email,
            display_name: b.display_name,
            password: b.password,
            is_admin: b.is_admin,
        }
    }
}

/// Creates a user (no invite needed).
#[utoipa::path(
    post,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:write"])),
    tag = "admin",
    request_body = NewUserBody,
    responses(
        (status = 201, body = UserView),
        (status = 409, description = "`username_taken` or `email_taken`"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let user = state.add_user(&admin, body.into()).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// One user.
#[utoipa::path(
    get,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:read"])),
    tag = "admin",
    params(("username" = String, Path)),
    responses(
        (status = 200, body = UserView),
        (status = 404, description = "No such user (`not_found`)"),
    ),
)]
async fn read(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(&state.user_named(&admin, &username).await?)))
}

/// The fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserUpdate {
    #[schema(format = Email, max_length = 254)]
    email: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    display_name: Option<String>,
    /// A new password; ends the user's sessions.
    #[schema(min_length = 8, max_length = 256)]
    password: Option<String>,
    is_admin: Option<bool>,
    /// `true` disables and ends the user's sessions; `false` enables (no session returns).
    disabled: Option<bool>,
}

impl From<UserUpdate> for AccountChanges {
    fn from(b: UserUpdate) -> Self {
        Self {
            email: b.email,
            display_name: b.display_name,
            password: b.password,
            is_admin: b.is_admin,
            disabled: b.disabled,
        }
    }
}

/// Changes a user: email, name, password, admin flag, disabled. Disabling, or setting a
/// password, ends every session of the user; re-enabling brings none back.
#[utoipa::path(
    patch,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:write"])),
    tag = "admin",
    params(("username" = String, Path)),
    request_body = UserUpdate,
    responses(
        (status = 200, body = UserView),
        (status = 404, description = "No such user (`not_found`)"),
        (status = 409, description = "`email_taken`; `last_owner` when disabling the only top-role member of a group \
            others belong to (the problem's `groups` names each)"),
    ),
)]
async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(&state.update_user(&admin, &username, body.into()).await?)))
}

/// Deletes a user, their sessions and memberships, and the groups they alone belong to.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["users:write"])),
    tag = "admin",
    params(("username" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "An admin cannot delete themselves (`invalid_request`)"),
        (status = 404, description = "No such user (`not_found`)"),
        (status = 409, description = "The only top-role member of a group others belong to (`last_owner`; the \
            problem's `groups` names each)"),
    ),
)]
async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
) -> ApiResult<StatusCode> {
    state.delete_user(&admin, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}
