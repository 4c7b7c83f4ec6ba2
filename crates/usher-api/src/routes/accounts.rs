//! Accounts and sessions: register, sign in, sign out, who am I, login-link redemption.

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header::SET_COOKIE},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use usher_domain::{role::Role, token::Token};
use usher_storage::model::User;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::{accounts::SignUp, fields::Fields};

use crate::{
    AppState,
    auth::{Authed, session},
    client_ip::ClientIp,
    device::DeviceInput,
    error::ApiResult,
    extract::ApiJson,
    views::UserView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(redeem_login_link))
        .routes(routes!(me))
}

/// A new session: the user, and the session token (also set as the cookie).
#[derive(Debug, Serialize, ToSchema)]
pub struct SignedIn {
    user: UserView,
    session_token: String,
}

/// `{user, session_token}` plus the session cookie.
fn signed_in(state: &AppState, status: StatusCode, user: &User, token: &Token) -> Response {
    let body = SignedIn { user: UserView::from(user), session_token: token.expose().to_owned() };
    (status, [(SET_COOKIE, session::set_cookie(state, token))], Json(body)).into_response()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccount {
    #[schema(pattern = "^[a-z0-9_.-]{3,32}$")]
    username: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    #[schema(min_length = 8, max_length = 256)]
    password: String,
    /// Defaults to the username.
    #[schema(min_length = 1, max_length = 100)]
    display_name: Option<String>,
    /// A registration invite or group code, or an email invitation's token.
    invite: Option<String>,
    device: Option<DeviceInput>,
}

/// Creates an account and signs it in; with an invite, uses it (and joins its group).
#[utoipa::path(
    post,
    path = "/auth/register",
    tag = "auth",
    security(()),
    request_body = NewAccount,
    responses(
        (status = 201, body = SignedIn, headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 403, description = "`registration_closed`, `invite_required`, or `email_mismatch`"),
        (status = 404, description = "No such invite (`invite_not_found`)"),
        (status = 409, description = "`username_taken` or `email_taken`"),
        (status = 410, description = "`invite_expired`, `invite_revoked`, `invite_used_up` or `invite_superseded`"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn register(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewAccount>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let device = body.device.as_ref().and_then(|d| d.parse(&mut fields));
    let form = SignUp {
        username: &body.username,
        email: &body.email,
        password: &body.password,
        display_name: body.display_name.as_deref(),
        invite: body.invite.as_deref(),
    };
    let done = state.register(&ip.actor(), form, fields, device).await?;
    Ok(signed_in(&state, StatusCode::CREATED, &done.user, &done.token))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    /// Username or email.
    login: String,
    password: String,
    device: Option<DeviceInput>,
}

/// Signs in with a password.
#[utoipa::path(
    post,
    path = "/auth/login",
    tag = "auth",
    security(()),
    request_body = Credentials,
    responses(
        (status = 200, body = SignedIn, headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 401, description = "Wrong login or password (`unauthenticated`)"),
        (status = 403, description = "The account is disabled (`forbidden`)"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn login(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Credentials>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let device = body.device.as_ref().and_then(|d| d.parse(&mut fields));
    fields.finish()?;
    let done = state.sign_in(&ip.actor(), &body.login, body.password, device).await?;
    Ok(signed_in(&state, StatusCode::OK, &done.user, &done.token))
}

/// Ends this session and clears the cookie.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204, description = "Signed out")))]
async fn logout(State(state): State<AppState>, authed: Authed) -> ApiResult<Response> {
    state.sign_out(&authed.actor()).await?;
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, session::clear_cookie(&state))]).into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    user: UserView,
    groups: Vec<MyGroup>,
}

/// A group the caller belongs to, with their role.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyGroup {
    id: Uuid,
    name: String,
    #[schema(value_type = String)]
    role: Role,
}

/// The signed-in user and their groups.
#[utoipa::path(get, path = "/me", tag = "auth", responses((status = 200, body = Me)))]
async fn me(State(state): State<AppState>, authed: Authed) -> ApiResult<Json<Me>> {
    let groups = state.all_my_groups(&authed.actor()).await?;
    let groups = groups.into_iter().map(|g| MyGroup { id: g.group.id, name: g.group.name, role: g.role }).collect();
    Ok(Json(Me { user: UserView::from(&authed.user), groups }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginLinkRedemption {
    /// The token from the link (`/l/{token}`).
    token: String,
    device: DeviceInput,
}

/// The session a login link opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkSignedIn {
    user_id: Uuid,
    username: String,
    session_token: String,
}

/// Uses a login link (once) and opens a session.
#[utoipa::path(
    post,
    path = "/auth/login-link",
    tag = "auth",
    security(()),
    request_body = LoginLinkRedemption,
    responses(
        (status = 200, body = LinkSignedIn, headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 403, description = "The account is disabled (`forbidden`)"),
        (status = 404, description = "No such link (`invite_not_found`), invitation tokens and codes included"),
        (status = 410, description = "`invite_expired`, `invite_revoked` or `invite_used_up`"),
        (status = 429, description = "Too many attempts from this address (`rate_limited`)"),
    ),
)]
async fn redeem_login_link(
    ip: ClientIp,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginLinkRedemption>,
) -> ApiResult<Response> {
    let mut fields = Fields::default();
    let device = body.device.parse(&mut fields);
    fields.finish()?;
    let done = state.redeem_login_link(&ip.actor(), &body.token, device).await?;
    let (user, token) = (done.user, done.token);
    let body = LinkSignedIn { user_id: user.id, username: user.username, session_token: token.expose().to_owned() };
    Ok((StatusCode::OK, [(SET_COOKIE, session::set_cookie(&state, &token))], Json(body)).into_response())
}
