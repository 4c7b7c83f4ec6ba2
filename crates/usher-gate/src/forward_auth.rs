//! `GET /auth/verify`: a reverse proxy asks, before each request to an application,
//! whether the visitor's session cookie signs someone in who may reach that route.
//!
//! 200 with the visitor in `X-Usher-*` headers (the proxy copies them to the
//! application); 401 without a session — 302 to Usher's sign-in page with
//! `?redirect=1` (Caddy, Traefik), and for nginx, whose `auth_request` only passes on
//! 2xx, 401 and 403, a `Location` on the 401 to send the person to; 403 outside the
//! route's group or below its role. The way back after signing in is the original URL
//! the proxy reports, only on a host of `forward_auth_hosts`.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use usher_app::{Reason, forward_auth::Admitted};
use usher_http::{
    AppState,
    auth::session::{SESSION_COOKIE, cookie},
    error::ApiError,
    extract::ApiQuery,
    next,
};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(verify))
}

/// The user's name, id and email, and the slugs of their groups, comma-separated.
pub const USER: HeaderName = HeaderName::from_static("x-usher-user");
pub const USER_ID: HeaderName = HeaderName::from_static("x-usher-user-id");
pub const EMAIL: HeaderName = HeaderName::from_static("x-usher-email");
pub const GROUPS: HeaderName = HeaderName::from_static("x-usher-groups");
/// Their role in the group the route requires (only when it requires one).
pub const ROLE: HeaderName = HeaderName::from_static("x-usher-role");

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Requirement {
    /// The slug of a group the visitor must be a member of.
    group: Option<String>,
    /// With `group`: the role (or one above it) the visitor must hold there.
    role: Option<String>,
    /// `1`: answer a visitor without a session with a redirect to the sign-in page
    /// (Caddy, Traefik) instead of 401.
    redirect: Option<String>,
}

/// Who the visitor is, for a reverse proxy (forward authentication).
#[utoipa::path(
    get,
    path = "/auth/verify",
    tag = "forward-auth",
    security(("session_cookie" = [])),
    params(Requirement),
    responses(
        (status = 200, description = "Signed in and admitted: `X-Usher-User`, `X-Usher-User-Id`, `X-Usher-Email`, \
            `X-Usher-Groups` (comma-separated slugs) and, with `group`, `X-Usher-Role`"),
        (status = 302, description = "`redirect=1` and no session: to the sign-in page, coming back to the \
            original URL (`X-Original-URL`, or `X-Forwarded-Proto`/`-Host`/`-Uri`) when its host is one of \
            `forward_auth_hosts`"),
        (status = 400, description = "`role` is not a configured role, or comes without `group` (`invalid_request`)"),
        (status = 401, description = "No live session in the `usher_session` cookie (`unauthenticated`); \
            `Location`: where to sign in"),
        (status = 403, description = "Not a member of `group`, or below `role` (`forbidden`)"),
    ),
)]
async fn verify(State(state): State<AppState>, headers: HeaderMap, ApiQuery(query): ApiQuery<Requirement>) -> Response {
    let requirement = match state.forward_requirement(query.group.as_deref(), query.role.as_deref()) {
        Ok(requirement) => requirement,
        Err(err) => return ApiError::from(err).into_response(),
    };
    // The cookie only: an `Authorization` header on the way to an application is the
    // application's own (its API tokens, a Basic login), not Usher's.
    match state.verify_forward(cookie(&headers, SESSION_COOKIE).as_deref(), &requirement).await {
        Ok(admitted) => (StatusCode::OK, identity(&admitted)).into_response(),
        Err(usher_app::Error::Refused(Reason::Unauthenticated)) => {
            let sign_in = sign_in_url(&state, &headers);
            if query.redirect.as_deref().is_some_and(|r| r == "1" || r == "true") {
                (StatusCode::FOUND, [(header::LOCATION, sign_in)]).into_response()
            } else {
                let mut response = ApiError::UNAUTHENTICATED.into_response();
                response.headers_mut().insert(header::LOCATION, sign_in);
                response
            }
        }
        Err(err) => ApiError::from(err).into_response(),
    }
}

/// The headers that tell the application who is visiting. A value a header cannot
/// carry (a control character) is left out rather than sent mangled.
fn identity(admitted: &Admitted) -> HeaderMap {
    let holder = &admitted.holder;
    let groups: Vec<&str> = holder.groups().map(|(slug, _)| slug).collect();
    let values = [
        (USER, holder.username.to_string()),
        (USER_ID, holder.user_id.to_string()),
        (EMAIL, holder.email.to_string()),
        (GROUPS, groups.join(",")),
    ]
    .into_iter()
    .chain(admitted.role.as_ref().map(|role| (ROLE, role.to_string())));
    let mut headers = HeaderMap::new();
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(name, value);
        }
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
}

/// Usher's sign-in page, coming back to the URL the proxy reports when its host is
/// one of `forward_auth_hosts` (else to Usher's home: never to a host not listed).
fn sign_in_url(state: &AppState, headers: &HeaderMap) -> HeaderValue {
    let settings = &state.settings;
    let back = original_url(headers).and_then(|url| next::return_url(&url, &settings.forward_auth_hosts));
    let url = next::sign_in_url(&settings.public_url, back.as_deref().unwrap_or("/"));
    HeaderValue::from_str(&url).unwrap_or_else(|_| HeaderValue::from_static("/login"))
}

/// The URL the visitor asked the proxy for: `X-Original-URL` (nginx, as configured
/// in the README), else `X-Forwarded-Proto` + `X-Forwarded-Host` + `X-Forwarded-Uri`
/// (Caddy, Traefik).
fn original_url(headers: &HeaderMap) -> Option<String> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(url) = text("x-original-url") {
        return Some(url.to_owned());
    }
    // A chain of proxies lists one value each, the first being the visitor's.
    let first = |name: &str| text(name).and_then(|v| v.split(',').next()).map(str::trim);
    let host = first("x-forwarded-host")?;
    let proto = first("x-forwarded-proto").unwrap_or("http");
    let uri = text("x-forwarded-uri").unwrap_or("/");
    Some(format!("{proto}://{host}{uri}"))
}
