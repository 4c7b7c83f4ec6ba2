//! Usher's HTTP edge, shared by its fronts (`usher-api`, `usher-web`, `usher-gate`): who is calling
//! and from where, how a refusal maps to a status and a SPEC code, the extractors both
//! fronts use, the request metrics, and the views of domain values (JSON for the API,
//! template context for the pages). No route of its own but `/metrics`; the fronts
//! are composed into one router by the `usher` crate.
//!
//! # Layout
//! - [`error`]: `ApiError`, an application refusal or an HTTP-only failure, its
//!   status and code (`reason_status`, the one map from `Reason`), and problem+json.
//! - [`extract`]: query, path and [`extract::Id`] extractors (rejections problem+json).
//! - [`auth`]: the session a request carries (bearer or cookie) as the application's
//!   `Actor` (`Caller`, `Authed`, `Admin`), and the session cookie.
//! - [`client_ip`]: the caller's address (trusted proxies); [`language`]: the shipped
//!   language its `Accept-Language` prefers.
//! - [`next`]: where the sign-in page may send a person afterwards (`next=`).
//! - [`metrics`]: Prometheus metrics, the middleware that counts requests, `/metrics`.
//! - [`views`]: the shapes of domain values both fronts render, and pagination.
#![forbid(unsafe_code)]

pub mod auth;
pub mod client_ip;
pub mod error;
pub mod extract;
pub mod language;
pub mod metrics;
pub mod next;
pub mod views;

pub use usher_app::{Registration, Settings};

/// What every handler can reach: the application.
pub type AppState = usher_app::App;

/// Whether `path` is the API's (answers problem+json) rather than a page's.
pub fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}
