//! Usher's third front: the doors applications use to let Usher's people in:
//! forward authentication ([`forward_auth`], SPEC §10.2) for reverse proxies (nginx
//! `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`), and OpenID Connect's
//! machine endpoints ([`oidc`], SPEC §10.1: discovery, JWKS, token, userinfo,
//! revocation, introspection; its pages — authorize, consent, logout — are in
//! `usher-web`). Thin like the other fronts: parse, call one operation of
//! `usher_app::App`, render.
#![forbid(unsafe_code)]

pub mod forward_auth;
pub mod oidc;

use usher_http::AppState;
use utoipa_axum::router::OpenApiRouter;

/// The gate's routes, at the root (not under `/api/v1`).
pub fn router() -> OpenApiRouter<AppState> {
    forward_auth::router().merge(oidc::router())
}
