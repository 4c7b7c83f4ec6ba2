//! Usher's background work, run inside the server.
//!
//! # Layout
//! - [`runner`]: the loop started by `usher serve`: deliver due mail, run the cleanup
//!   on schedule, stop on shutdown.
//! - [`mailer`]: the outbox worker (claim, render, send, retry with backoff).
//! - [`templates`]: the email templates (minijinja), shipped and overridable.
//! - [`transport`]: `log` and SMTP (lettre).
//! - [`cleanup`]: purging in batches.
#![forbid(unsafe_code)]

pub mod cleanup;
pub mod mailer;
pub mod runner;
pub mod templates;
pub mod transport;
