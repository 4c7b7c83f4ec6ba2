//! Registration invites, for instance admins: create, list, read, revoke.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};
use usher_domain::{code::InviteCode, expiry::ExpiresIn, invite::InviteKind, secret::Secret};
use usher_storage::model::{Invite, InviteScope};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use usher_app::{
    fields::{Fields, optional_text},
    links::RegistrationInviteSpec,
};

use crate::{
    AppState,
    auth::Admin,
    error::{ApiError, ApiResult},
    extract::{ApiJson, ApiPath, ApiQuery},
    views::{InviteView, ListQuery, Paginated},
};

/// Most uses one registration invite may admit.
pub const MAX_USES: i64 = 1_000_000;
pub const MAX_DESCRIPTION: usize = 500;

const SCOPE: InviteScope = InviteScope::kind(InviteKind::Registration);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create)).routes(routes!(read, revoke))
}

/// Tells "absent" from "null": `max_uses` absent means one use, `null` unlimited.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegistrationInvite {
    /// Up to 500 characters, shown to whoever looks the code up.
    pub(crate) description: Option<String>,
    /// 1 to 1,000,000; absent: one use; `null`: unlimited.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000)]
    pub(crate) max_uses: Option<Option<i64>>,
    /// A future time within `registration_invite_max_hours`; or give `expires_in_hours`.
    pub(crate) expires_at: Option<DateTime<Utc>>,
    /// Hours from now; absent with `expires_at` absent: never expires.
    pub(crate) expires_in_hours: Option<i64>,
}

const LIST_PATH: &str = "/admin/invites";
const ONE_PATH: &str = "/admin/invites/{code}";

/// Creates a registration invite (a code that admits sign-ups).
#[utoipa::path(
    post,
    path = LIST_PATH,
    tag = "admin",
    request_body = NewRegistrationInvite,
    responses(
        (status = 201, body = InviteView),
        (status = 429, description = "Too many invites created by this admin (`rate_limited`)"),
    ),
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(body): ApiJson<NewRegistrationInvite>,
) -> ApiResult<(StatusCode, Json<InviteView>)> {
    state.limits.invite_write(admin.user()?.id)?;
    let now = Utc::now();
    let max_hours = state.settings.registration_invite_max_hours;
    let mut fields = Fields::default();
    let description = fields.check("description", optional_text(body.description.as_deref(), MAX_DESCRIPTION));
    let max_uses = match body.max_uses {
        None => Some(1),
        Some(None) => None,
        Some(Some(n)) if (1..=MAX_USES).contains(&n) => Some(n as u32),
        Some(Some(_)) => {
            fields.push("max_uses", format!("must be a whole number from 1 to {MAX_USES}, or null for unlimited"));
            None
        }
    };
    let expires_at = match (body.expires_at, body.expires_in_hours) {
        (Some(_), Some(_)) => {
            fields.push("expires_in_hours", "give expires_at or expires_in_hours, not both");
            None
        }
        (Some(at), None) if at <= now || at > now + chrono::Duration::hours(i64::from(max_hours)) => {
            fields.push("expires_at", format!("must be in the future, at most {max_hours} hours ahead"));
            None
        }
        (Some(at), None) => Some(at),
        (None, Some(hours)) => {
            fields.check("expires_in_hours", ExpiresIn::hours(hours, max_hours)).map(|e| e.after(now))
        }
        (None, None) => None,
    };
    fields.finish()?;
    let spec = RegistrationInviteSpec { description: description.flatten(), max_uses, expires_at };
    let invite = state.mint_registration_invite(&admin, spec).await?;
    tracing::debug!(invite_id = %invite.id, "registration invite created");
    Ok((StatusCode::CREATED, Json(InviteView::new(&invite, &state.settings, now))))
}

/// Registration invites, newest first; active ones unless `status=all`.
#[utoipa::path(
    get,
    path = LIST_PATH,
    tag = "admin",
    params(ListQuery),
    responses(
        (status = 200, body = Paginated<InviteView>),
    ),
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    _: Admin,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Json<Paginated<InviteView>>> {
    let active = query.active_only(true)?;
    let page = query.page()?;
    let now = Utc::now();
    let rows = state.store.list_invites(SCOPE, active, page, now).await?;
    Ok(Json(Paginated::new(rows, page, |i| i.id, |i| InviteView::new(i, &state.settings, now))))
}

/// The registration invite a code names; anything else is 404.
async fn find(state: &AppState, code: &str) -> ApiResult<Invite> {
    let code = InviteCode::parse(code).map_err(|_| ApiError::NOT_FOUND)?;
    state
        .store
        .invite_by_secret(&Secret::Code(code))
        .await?
        .filter(|i| i.kind == InviteKind::Registration)
        .ok_or(ApiError::NOT_FOUND)
}

/// One registration invite, by its code.
#[utoipa::path(
    get,
    path = ONE_PATH,
    tag = "admin",
    params(("code" = String, Path, description = "The invite's code")),
    responses(
        (status = 200, body = InviteView),
        (status = 404, description = "No registration invite has that code (`not_found`)"),
    ),
)]
pub(crate) async fn read(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(code): ApiPath,
) -> ApiResult<Json<InviteView>> {
    let invite = find(&state, &code).await?;
    Ok(Json(InviteView::new(&invite, &state.settings, Utc::now())))
}

/// Revokes a registration invite; it stays listed with `status=all`.
#[utoipa::path(
    delete,
    path = ONE_PATH,
    tag = "admin",
    params(("code" = String, Path, description = "The invite's code")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No registration invite has that code (`not_found`)"),
    ),
)]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiPath(code): ApiPath,
) -> ApiResult<StatusCode> {
    let invite = find(&state, &code).await?;
    state.store.revoke_invite(SCOPE, invite.id, &admin.audit(), Utc::now()).await?;
    tracing::debug!(invite_id = %invite.id, "registration invite revoked");
    Ok(StatusCode::NO_CONTENT)
}
