//! Usher's API tests: one binary (one link step) with a module per area. Every test
//! body runs against a real server on a random port, on SQLite and on PostgreSQL.

#[macro_use]
mod harness;

mod accounts;
mod audit;
mod browser;
mod cleanup;
mod console;
mod disconnects;
mod disk_full;
mod durability;
mod errors;
mod faults;
mod group_invites;
mod group_pages;
mod groups;
mod idle;
mod login_links;
mod logs;
mod mail;
mod metrics;
mod openapi;
mod pages;
mod permissions;
mod rate_limits;
mod readme;
mod redirects;
mod registration_invites;
mod secrets;
mod startup;
