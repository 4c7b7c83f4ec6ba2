//! Usher's storage: the only crate that knows SQL.
//!
//! # Layout
//! - [`Store`] (in `store`): the one interface handlers call, with intention-revealing
//!   methods (`register`, `redeem_login_link`, `revoke_invite`) that each run in one
//!   transaction where more than one row changes.
//! - `backend`: the two backends, SQLite and PostgreSQL: connecting, migrations (each
//!   backend has its own versioned folder under `migrations/`), write transactions, and
//!   the `dispatch!` macro that runs sqlx code on whichever pool is live.
//! - `users`, `sessions`, `invites`, `groups`, `group_invites`, `admission`: the
//!   queries, grouped by what they serve; `outbox` (mail to send) and `cleanup`
//!   (purging, and claiming scheduled job runs) serve the background jobs;
//!   `mail_data` stores a mail as the outbox's template name and sealed data, and `wakeup` wakes the
//!   mail worker when mail is queued.
//! - `audit`: the audit log, written inside each audited write's transaction.
//! - `sql`: the `Conn` trait every query is written against, run by sqlx (either
//!   backend) or rusqlite; `direct`: SQLite called directly on a SQLite file (reads on
//!   the request's thread, the hot write transactions' one connection); `writer`: the
//!   thread those transactions run on.
//! - `rows`: row types and their conversion into the [`model`] types.
//!
//! Queries are written once, in SQL that both SQLite and PostgreSQL accept (`$N`
//! placeholders, `RETURNING`, `ON CONFLICT`), with binds and row types every driver
//! takes; the store picks the driver (ARCHITECTURE.md, "How one query runs").
//! Times are stored as Unix milliseconds and ids as UUIDv7 text, so the rows read the
//! same on either backend.
#![forbid(unsafe_code)]

#[macro_use]
mod backend;
mod admission;
mod audit;
mod cleanup;
mod direct;
mod error;
mod group_invites;
mod groups;
mod invites;
mod mail_data;
pub mod model;
mod outbox;
mod rows;
mod sessions;
mod sql;
mod store;
mod users;
mod wakeup;
mod writer;

pub use audit::{AuditContext, AuditEntry, AuditFilter};
pub use backend::{Backend, SqliteDurability};
pub use cleanup::Purged;
pub use error::StoreError;
pub use group_invites::Renewal;
pub use mail_data::{TemplateData, Unreadable};
pub use outbox::{Delivery, OutboxMessage};
pub use store::{PoolUse, Store};
pub use wakeup::MailWakeups;
