//! Usher's tests: one binary (one link step), its modules grouped by the front they go
//! through. Every test body runs on SQLite and on PostgreSQL, against a real server on
//! a random port (or, in `app`, the application itself).
//!
//! - [`app`]: the application layer without HTTP (operations, rules, refusals).
//! - [`api`]: the JSON API, as a client program meets it.
//! - [`web`]: the pages over plain HTTP (forms, CSRF, the console, group pages).
//! - [`browser`]: the pages in a real headless Chromium.
//! - [`gate`]: the doors into applications (forward authentication, a real Caddy).
//! - [`system`]: the server as a process: start-up, faults, a full disk, idling,
//!   durability, mail, cleanup, logs, metrics, the README's tour.

#[macro_use]
mod harness;

mod api;
mod app;
mod browser;
mod gate;
mod oidc;
mod system;
mod web;
