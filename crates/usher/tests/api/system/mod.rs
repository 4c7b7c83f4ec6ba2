//! The server as a whole, mostly the real `usher` binary: start-up and its command line,
//! database faults, a full disk, an idle server, durability after `kill -9`, mail
//! through the outbox, cleanup, logs, metrics, dropped connections, the README's tour.

mod checkpoint;
mod cleanup;
mod disconnects;
mod disk_full;
mod durability;
mod faults;
mod idle;
mod layering;
mod logs;
mod mail;
mod metrics;
mod readme;
mod startup;
