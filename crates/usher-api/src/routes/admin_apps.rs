//! Applications (OpenID Connect relying parties), for instance admins: register,
//! list, read, change, delete, rotate a confidential app's secret (SPEC §10.1).

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use usher_app::apps::AppSettings;

use crate::{
    AppState,
    auth::Admin,
    error::ApiResult,
    extract::{ApiJson, ApiQuery, Id},
    views::{ListQuery, Paginated, admin::AppView},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, update, remove))
        .routes(routes!(rotate_secret))
}

const LIST_PATH: &str = "/admin/apps";
const ONE_PATH: &str = "/admin/apps/{id}";

/// An app's settings; on a change, absent ones stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AppBody {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    /// Exact URLs the app may be sent back to: https, http on a loopback address, or
    /// a private-use scheme (`com.example.app:/cb`); no fragment. 1 to 20.
    #[schema(max_items = 20)]
    redirect_uris: Option<Vec<String>>,
    /// At registration only: a public app (SPA, native) has no secret and must use
    /// PKCE. Default `false`.
    public: Option<bool>,
    /// Trusted by the instance: nobody is asked to consent. Default `false`.
    first_party: Option<bool>,
    /// Only members of these groups may sign in; `null` (the default): everyone.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<Vec<Uuid>>)]
    allowed_groups: Option<Option<Vec<Uuid>>>,
    /// Where people who join a group naming this app are sent.
    #[serde(default, deserialize_with = "crate::json::present")]
    #[schema(value_type = Option<String>)]
    home_url: Option<Option<String>>,
    /// Where RP-initiated logout may send people afterwards.
    #[schema(max_items = 20)]
    post_logout_redirect_uris: Option<Vec<String>>,
}

impl From<AppBody> for AppSettings {
    fn from(b: AppBody) -> Self {
        Self {
            name: b.name,
            redirect_uris: b.redirect_uris,
            public: b.public,
            first_party: b.first_party,
            allowed_groups: b.allowed_groups,
            home_url: b.home_url,
            post_logout_redirect_uris: b.post_logout_redirect_uris,
        }
    }
}

/// Every app, oldest first.
#[utoipa::path(get, path = LIST_PATH, tag = "admin", params(ListQuery), responses((status = 200, body = Paginated<AppView>)))]
async fn list(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<AppView>>> {
    let apps = state.list_apps(&admin, query.request()).await?;
    Ok(Json(Paginated::of(apps, |a| AppView::from(a))))
}

/// Registers an app. A confidential app's `client_secret` is in this answer only.
#[utoipa::path(
    post,
    path = LIST_PATH,
    tag = "admin",
    request_body = AppBody,
    responses(
        (status = 201, body = AppView),
        (status = 400, description = "A field refused (`invalid_request`): a redirect URI that is not https, \
            has a fragment, …"),
    ),
)]
async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<AppBody>,
) -> ApiResult<(StatusCode, Json<AppView>)> {
    let registered = state.create_app(&admin, body.into(), None).await?;
    Ok((StatusCode::CREATED, Json(AppView::from(registered))))
}

/// One app.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AppView), (status = 404, description = "No such app (`not_found`)")),
)]
async fn read(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id<Uuid>) -> ApiResult<Json<AppView>> {
    Ok(Json(AppView::from(&state.app(&admin, id).await?)))
}

/// Changes an app's settings (not whether it is public).
#[utoipa::path(
    patch,
    path = ONE_PATH,
    tag = "admin",
    params(("id" = Uuid, Path)),
    request_body = AppBody,
    responses(
        (status = 200, body = AppView),
        (status = 400, description = "A field refused (`invalid_request`)"),
        (status = 404, description = "No such app (`not_found`)"),
    ),
)]
async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Id(id): Id<Uuid>,
    ApiJson(body): ApiJson<AppBody>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(AppView::from(&state.update_app(&admin, id, body.into()).await?)))
}

/// Deletes an app: its tokens stop working, its consents are forgotten.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, description = "No such app (`not_found`)")),
)]
async fn remove(State(state): State<AppState>, Admin(admin): Admin, Id(id): Id<Uuid>) -> ApiResult<StatusCode> {
    state.delete_app(&admin, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret for a confidential app, shown this once; the old one stops working.
#[utoipa::path(
    post,
    path = "/admin/apps/{id}/secret",
    tag = "admin",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = AppView),
        (status = 400, description = "A public app has no secret (`not_applicable`)"),
        (status = 404, description = "No such app (`not_found`)"),
    ),
)]
async fn rotate_secret(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Id(id): Id<Uuid>,
) -> ApiResult<Json<AppView>> {
    Ok(Json(AppView::from(state.rotate_app_secret(&admin, id).await?)))
}
