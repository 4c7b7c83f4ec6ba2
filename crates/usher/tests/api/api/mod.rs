//! The JSON API under `/api/v1`, through the harness's typed client (`harness/client.rs`).

mod accounts;
mod api_keys;
mod audit;
mod errors;
mod group_invites;
mod groups;
mod login_links;
mod openapi;
mod own_account;
mod permissions;
mod rate_limits;
mod registration_invites;
mod secrets;
