//! Registration invites, for instance admins: create, list, read, revoke.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::{fields::Lifetime, registration_invites as app};

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiJson, ApiPath, ApiQuery},
    views::{InviteView, ListQuery, Paginated},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, revoke))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegistrationInvite {
    /// Up to 500 characters, shown to whoever looks the code up.
    description: Option<String>,
    /// 1 to 1,000,000; absent: one use; `null`: unlimited.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000)]
    max_uses: Option<Option<i64>>,
    /// A future time within `registration_invite_max_hours`; or give `expires_in_hours`.
    expires_at: Option<DateTime<Utc>>,
    /// Hours from now; absent with `expires_at` absent: never expires.
    expires_in_hours: Option<i64>,
    /// Where to send whoever signs up with it: a URL under a registered app's
    /// `home_url` or redirect URIs.
    return_to: Option<String>,
}

impl From<NewRegistrationInvite> for app::NewRegistrationInvite {
    fn from(b: NewRegistrationInvite) -> Self {
        Self {
            description: b.description,
            max_uses: b.max_uses,
            expires_at: b.expires_at,
            expires_in: b.expires_in_hours.map(Lifetime::Hours),
            return_to: b.return_to,
        }
    }
}

const LIST_PATH: &str = "/admin/invites";
const ONE_PATH: &str = "/admin/invites/{code}";

/// Creates a registration invite (a code that admits sign-ups).
#[utoipa::path(
    post,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "admin",
    request_body = NewRegistrationInvite,
    responses(
        (status = 201, body = InviteView),
        (status = 429, description = "Too many invites created by this admin (`rate_limited`)"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewRegistrationInvite>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    let invite = state.create_registration_invite(&admin, body.into()).await?;
    Ok((StatusCode::CREATED, Json(InviteView::new(&invite, &state.settings, Utc::now()))))
}

/// Registration invites, newest first; active ones unless `status=all`.
#[utoipa::path(
    get,
    path = LIST_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:read"])),
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<InviteView>),
    ),
)]
async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<InviteView>>> {
    let invites = state.list_registration_invites(&admin, query.request(), None).await?;
    let now = Utc::now();
    Ok(Json(Paginated::of(invites, |i| InviteView::new(i, &state.settings, now))))
}

/// One registration invite, by its code.
#[utoipa::path(
    get,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:read"])),
    tag = "admin",
    params(("code" = String, Path, description = "The invite's code")),
    responses(
        (status = 200, body = InviteView),
        (status = 404, description = "No registration invite has that code (`not_found`)"),
    ),
)]
async fn read(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(code): ApiPath,
) -> ApiResult<Json<InviteView>> {
    let invite = state.registration_invite(&admin, &code).await?;
    Ok(Json(InviteView::new(&invite, &state.settings, Utc::now())))
}

/// Revokes a registration invite; it stays listed with `status=all`.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    security(("session_token" = []), ("session_cookie" = []), ("api_key" = ["invites:write"])),
    tag = "admin",
    params(("code" = String, Path, description = "The invite's code")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No registration invite has that code (`not_found`)"),
    ),
)]
async fn revoke(State(state): State<AppState>, Admin(admin): Admin, ApiPath(code): ApiPath) -> ApiResult<StatusCode> {
    state.revoke_registration_invite(&admin, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}
