//! API keys for application back-ends, for instance admins signed in (a key cannot
//! make, see or revoke keys): make one (shown once), list, revoke (SPEC §10.3).

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::api_keys::NewKey;

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiJson, Id},
    views::admin::ApiKeyView,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(revoke))
}

const LIST_PATH: &str = "/admin/api-keys";

/// A key to make.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiKey {
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// At least one of `users:read`, `users:write`, `groups:read`, `groups:write`,
    /// `members:read`, `members:write`, `invites:read`, `invites:write`, `audit:read`.
    #[schema(min_items = 1, example = json!(["groups:read", "members:read"]))]
    scopes: Vec<String>,
    /// The one group the key may act on; absent: every group.
    group_id: Option<Uuid>,
    /// Absent: never expires.
    #[schema(minimum = 1, maximum = 1826)]
    expires_in_days: Option<i64>,
}

/// Every key, newest first (never the keys themselves).
#[utoipa::path(get, path = LIST_PATH, tag = "admin", responses((status = 200, body = Vec<ApiKeyView>)))]
async fn list(State(state): State<AppState>, Admin(admin): Admin) -> ApiResult<Json<Vec<ApiKeyView>>> {
    let keys = state.api_keys(&admin).await?;
    Ok(Json(keys.iter().map(ApiKeyView::from).collect()))
}

/// Makes a key: `key` is in this answer only (stored as its hash).
#[utoipa::path(
    post,
    path = LIST_PATH,
    tag = "admin",
    request_body = NewApiKey,
    responses((status = 201, body = ApiKeyView)),
)]
async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewApiKey>,
) -> ApiResult<(StatusCode, Json<ApiKeyView>)> {
    let new = NewKey {
        name: body.name,
        scopes: body.scopes,
        group_id: body.group_id,
        group_slug: None,
        expires_in_days: body.expires_in_days,
    };
    let made = state.create_api_key(&admin, new).await?;
    Ok((StatusCode::CREATED, Json(ApiKeyView::from(made))))
}

/// Revokes a key: it signs nothing in from now on.
#[utoipa::path(
    delete,
    path = "/admin/api-keys/{id}",
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, description = "No such key (`not_found`)")),
)]
async fn revoke(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id<Uuid>) -> ApiResult<StatusCode> {
    state.revoke_api_key(&admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
