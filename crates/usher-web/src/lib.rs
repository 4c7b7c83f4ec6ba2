//! Usher's pages, rendered on the server: sign-in, sign-up, login links, invite
//! landings, the home page, the group pages, the admin console and OpenID Connect's
//! person-facing steps (authorize, consent, logout); their templates,
//! stylesheet and scripts, CSRF protection, and refusals as pages (`PageError`). Every
//! page handler parses its form, calls application operations (`usher-app`) and
//! renders. It shares the HTTP edge (`usher-http`) with the API and never depends on it.
//!
//! # Layout
//! - [`pages`]: the router, templates, page headers, `PageError`; one module per page
//!   (`login`, `email_link`, `register`, `login_link`, `join`, `home`, `account`,
//!   `verify_email`, `oauth`), `groups/` and `admin/` (the console), `access` (who may
//!   see a page), `share` (links and QR codes), `flash` and `reveal` (what a post did,
//!   and a secret it made, shown once after its redirect), `form_values` (typed values
//!   and presets), `times`, `assets` (stylesheets, scripts), `csrf`, `refusal`.
//! - `templates/`, `static/`: embedded in the binary at build time.
#![forbid(unsafe_code)]

pub mod pages;

pub use pages::{csrf, router};
pub(crate) use usher_http::{AppState, Registration, auth, client_ip, error, extract, views};

/// Nothing at this address: a page (people follow links; programs call the API).
pub fn not_found() -> axum::response::Response {
    let home = [("home", "/")];
    pages::said(axum::http::StatusCode::NOT_FOUND, "refusal-no-page-heading", "refusal-no-page", &[], &home)
}
