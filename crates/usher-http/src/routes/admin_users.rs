//! Users, for instance admins: list, create (a password is optional: login links are
//! then the way in), read, change, delete.

use axum::{Json, extract::State, http::StatusCode};
use chrono::Utc;
use serde::Deserialize;
use usher_domain::account::{DisplayName, Email, Password, Username};
use usher_storage::model::{NewUser, User, UserPatch};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::fields::Fields;

use crate::{
    AppState,
    auth::{Admin, Authed},
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    views::{ListQuery, Paginated, UserView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, update, remove))
}

const LIST_PATH: &str = "/admin/users";
const ONE_PATH: &str = "/admin/users/{username}";

/// The user a path names, or 404.
pub async fn find_user(state: &AppState, username: &str) -> ApiResult<User> {
    state.store.user_by_username(username).await?.ok_or(ApiError::NOT_FOUND)
}

/// Every user, oldest first.
#[utoipa::path(
    get,
    path = LIST_PATH,
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<UserView>),
    ),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<UserView>>> {
    let page = query.page()?;
    let rows = state.store.list_users(page).await?;
    Ok(Json(Paginated::new(rows, page, |u| u.id, |u| UserView::from(u))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserBody {
    #[schema(pattern = "^[a-z0-9_.-]{3,32}$")]
    pub(crate) username: String,
    #[schema(format = Email, max_length = 254)]
    pub(crate) email: String,
    /// Defaults to the username.
    #[schema(min_length = 1, max_length = 100)]
    pub(crate) display_name: Option<String>,
    /// Optional: without one, login links are the way in.
    #[schema(min_length = 8, max_length = 256)]
    pub(crate) password: Option<String>,
    #[serde(default)]
    pub(crate) is_admin: bool,
}

/// Creates a user (no invite needed).
#[utoipa::path(
    post,
    path = LIST_PATH,
    tag = "admin",
    request_body = NewUserBody,
    responses(
        (status = 201, body = UserView),
        (status = 409, description = "`username_taken` or `email_taken`"),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let mut fields = Fields::default();
    let username = fields.check("username", Username::parse(&body.username));
    let email = fields.check("email", Email::parse(&body.email));
    let password = body.password.as_deref().and_then(|p| fields.check("password", Password::parse(p)));
    let display_name = match body.display_name.as_deref() {
        Some(name) => fields.check("display_name", DisplayName::parse(name)),
        None => username.as_ref().map(DisplayName::from_username),
    };
    fields.finish()?;
    let (Some(username), Some(email), Some(display_name)) = (username, email, display_name) else {
        unreachable!("every field was checked above");
    };
    let password_hash = match password {
        Some(p) => Some(usher_app::password::hash(p).await?),
        None => None,
    };
    let new = NewUser { username, email, display_name, password_hash, is_admin: body.is_admin };
    let user = state.store.create_user(new, &admin.audit(), Utc::now()).await?;
    tracing::info!(user_id = %user.id, "user created by an admin");
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// One user.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "admin",
    params(("username" = String, Path)),
    responses(
        (status = 200, body = UserView),
        (status = 404, description = "No such user (`not_found`)"),
    ),
)]
async fn read(State(state): State<AppState>, _: Admin, ApiPath(username): ApiPath) -> ApiResult<Json<UserView>> {
    Ok(Json(UserView::from(&find_user(&state, &username).await?)))
}

/// The fields to change; absent ones stay.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserUpdate {
    #[schema(format = Email, max_length = 254)]
    pub(crate) email: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub(crate) display_name: Option<String>,
    /// A new password; ends the user's sessions.
    #[schema(min_length = 8, max_length = 256)]
    pub(crate) password: Option<String>,
    pub(crate) is_admin: Option<bool>,
    /// `true` disables and ends the user's sessions; `false` enables (no session returns).
    pub(crate) disabled: Option<bool>,
}

/// Changes a user: email, name, password, admin flag, disabled. Disabling, or setting a
/// password, ends every session of the user; re-enabling brings none back.
#[utoipa::path(
    patch,
    path = ONE_PATH,
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
pub(crate) async fn update(
    State(state): State<AppState>,
    authed: Authed,
    ApiPath(username): ApiPath,
    ApiJson(body): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserView>> {
    let Admin(admin) = Admin::of(&authed)?;
    let user = find_user(&state, &username).await?;
    let mut fields = Fields::default();
    let email = body.email.as_deref().and_then(|e| fields.check("email", Email::parse(e)));
    let display_name = body.display_name.as_deref().and_then(|d| fields.check("display_name", DisplayName::parse(d)));
    let password = body.password.as_deref().and_then(|p| fields.check("password", Password::parse(p)));
    // An admin cannot lock themselves out; another admin (or `usher login-link`) can.
    if user.id == admin.user()?.id && (body.is_admin == Some(false) || body.disabled == Some(true)) {
        fields.push("is_admin", "you cannot demote or disable yourself");
    }
    fields.finish()?;
    let password_hash = match password {
        Some(p) => Some(usher_app::password::hash(p).await?),
        None => None,
    };
    let patch = UserPatch { email, display_name, password_hash, is_admin: body.is_admin, disabled: body.disabled };
    let top = state.settings.roles.top();
    let updated =
        state.store.update_user(user.id, patch, Some(&authed.token_hash), top, &authed.audit(), Utc::now()).await?;
    Ok(Json(UserView::from(&updated)))
}

/// Deletes a user, their sessions and memberships, and the groups they alone belong to.
#[utoipa::path(
    delete,
    path = ONE_PATH,
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
pub(crate) async fn remove(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(username): ApiPath,
) -> ApiResult<StatusCode> {
    let user = find_user(&state, &username).await?;
    if user.id == admin.user()?.id {
        return Err(ApiError::field("username", "you cannot delete yourself"));
    }
    state.store.delete_user(user.id, state.settings.roles.top(), &admin.audit()).await?;
    tracing::info!(user_id = %user.id, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
