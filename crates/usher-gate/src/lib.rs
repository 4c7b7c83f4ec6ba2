//! Usher's third front: the doors applications use to let Usher's people in. Today
//! forward authentication ([`forward_auth`], SPEC §10.2) for reverse proxies (nginx
//! `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`); OpenID Connect
//! (SPEC §10.1) comes next. Thin like the other fronts: parse, call one operation of
//! `usher_app::App`, render.
#![forbid(unsafe_code)]

pub mod forward_auth;

use usher_http::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The gate's routes, at the root (SPEC §9: `/auth/verify` is not under `/api/v1`).
pub fn router() -> OpenApiRouter<AppState> {
    forward_auth::router()
}
