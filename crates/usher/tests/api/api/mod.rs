//! The JSON API under `/api/v1`, as a client program meets it.

mod accounts;
mod audit;
mod errors;
mod group_invites;
mod groups;
mod login_links;
mod openapi;
mod permissions;
mod rate_limits;
mod registration_invites;
mod secrets;
