//! Usher as a library: what the `usher` binary runs and what the tests launch.
//!
//! # Layout
//! - [`config`]: the typed configuration (defaults → `usher.toml` → `USHER_*`).
//! - [`launch`]: open the store, migrate, first-start bootstrap, serve the API and run
//!   the background jobs until shutdown.
//! - [`http`]: the one server: the API and the pages composed, with the layers every
//!   request passes.
//! - [`secret_key`]: the key that seals queued mail at rest (config or `usher.key`).
//! - `main.rs`: the command line (clap), thin.
#![forbid(unsafe_code)]

pub mod config;
pub mod http;
pub mod launch;
pub mod secret_key;

pub use config::Config;

/// The log filter when `USHER_LOG` is not set (tracing-subscriber's `EnvFilter`
/// syntax): what a deployment runs with, hence what the benchmark measures.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";
pub use launch::{FirstStart, prepare, run, serve};
