//! Usher's storage: the only crate that knows SQL.
//!
//! # Layout
//! - [`Store`] (in `store`): the one interface handlers call, with intention-revealing
//!   methods (`register`, `redeem_login_link`, `revoke_invite`) that each run in one
//!   transaction where more than one row changes; connecting and migrating.
//! - `backend`: which backend a URL names, its options, and each backend's migrations
//!   (a versioned folder each under `migrations/`); `engine`: the `Engine` a store
//!   runs on, connected — SQLite (`direct`) or PostgreSQL (sqlx's pool), never a mix.
//! - `writer`: the one way to write, `Store::write`: a whole transaction in a task of
//!   its own, SQLite's on the writer thread, where `batch` commits the writes that
//!   queue together (group commit, a savepoint each).
//! - `direct`: SQLite through rusqlite: read connections on the request's thread, the
//!   writer thread and its one write connection, `BEGIN IMMEDIATE` transactions, the
//!   checkpointer thread. `pg`: PostgreSQL's read connections beside sqlx's pool.
//! - `sql`: the `Conn` trait every query is written against, with its binds (`Arg`) and
//!   row types (`Record`), run by rusqlite (SQLite) or sqlx (PostgreSQL).
//! - `rows`: row types and their decoding into the [`model`] types; a row that does
//!   not decode is an error, never a default.
//! - `users`, `sessions`, `invites`, `groups`, `group_invites`, `admission`: the
//!   queries, grouped by what they serve; `outbox` (mail to send) and `cleanup`
//!   (purging, and claiming scheduled job runs) serve the background jobs;
//!   `mail_data` stores a mail as the outbox's template name and sealed data, and
//!   `wakeup` wakes the mail worker when mail is queued.
//! - `apps` (OpenID Connect's applications and consents) and `oauth` (signing keys,
//!   codes, access and refresh tokens, each exchanged in one transaction).
//! - `hot`: forward authentication's answers (who a session signs in), kept in
//!   memory on SQLite until the next commit of any process.
//! - `audit`: the audit log, written inside each audited write's transaction.
//! - `verification`: proving an account's address (links mailed on request).
//! - `api_keys`: application back-ends' keys, kept as their hash.
//!
//! Queries are written once, in SQL that both SQLite and PostgreSQL accept (`$N`
//! placeholders, `RETURNING`, `ON CONFLICT`), with binds and row types both drivers
//! take; the store picks the driver (ARCHITECTURE.md, "How one query runs").
//! Times are stored as Unix milliseconds and ids as UUIDv7 text, so the rows read the
//! same on either backend.
#![forbid(unsafe_code)]

mod admission;
mod api_keys;
mod apps;
mod audit;
mod backend;
mod batch;
mod cleanup;
mod direct;
mod engine;
mod error;
mod group_invites;
mod groups;
mod hot;
mod invites;
mod mail_data;
pub mod model;
mod oauth;
mod outbox;
mod pg;
mod rows;
mod sessions;
mod sql;
mod store;
mod users;
mod verification;
mod wakeup;
mod writer;

pub use admission::{Accepted, JOINING};
pub use audit::{AuditContext, AuditEntry, AuditFilter};
pub use backend::{Backend, SqliteDurability};
pub use cleanup::Purged;
pub use error::StoreError;
pub use group_invites::Renewal;
pub use mail_data::{TemplateData, Unreadable};
pub use outbox::{Delivery, OutboxMessage};
pub use store::{PoolUse, Store};
pub use wakeup::MailWakeups;
