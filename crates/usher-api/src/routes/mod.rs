//! Routes, one module per resource, each with its own `router()`.

pub mod accounts;
pub mod admin_api_keys;
pub mod admin_apps;
pub mod admin_invites;
pub mod admin_login_links;
pub mod admin_outbox;
pub mod admin_users;
pub mod audit;
pub mod group_invites;
pub mod groups;
pub mod health;
pub mod invitation_links;
pub mod own_account;
pub mod public_invites;

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Everything under `/api/v1`.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(accounts::router())
        .merge(own_account::router())
        .merge(public_invites::router())
        .merge(admin_api_keys::router())
        .merge(admin_apps::router())
        .merge(admin_invites::router())
        .merge(admin_login_links::router())
        .merge(admin_outbox::router())
        .merge(admin_users::router())
        .merge(audit::router())
        .merge(groups::router())
        .merge(group_invites::router())
        .merge(invitation_links::router())
}
