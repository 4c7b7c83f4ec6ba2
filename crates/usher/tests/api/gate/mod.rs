//! The doors into applications: forward authentication as a reverse proxy asks it
//! (`forward_auth.rs`), and through real proxies in front of an application — Caddy's
//! `forward_auth` and nginx's `auth_request`, configured as the README shows
//! (`proxies.rs`).

mod forward_auth;
mod proxies;
