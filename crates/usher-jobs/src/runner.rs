//! The job runner inside the server: one loop that delivers due mail and runs the
//! cleanup when its schedule says, until shutdown. Safe with several instances on one
//! database: mail is claimed row by row, and a cleanup run is claimed by one
//! conditional update of its schedule row.
//!
//! Idle, it leaves the database alone: each pass reads what is due and writes only to
//! claim it, then sleeps until the next message or cleanup run falls due, until mail is
//! queued (`Store::mail_wakeups`: this process, or any instance on PostgreSQL), or at
//! the latest for `poll`, a fallback for what no wake-up announced.

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use croner::Cron;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    cleanup,
    mailer::{Mailer, Pass},
};

#[derive(Debug, Clone)]
pub struct Schedule {
    pub cleanup: Cron,
    pub retention_days: u32,
    /// The longest pause between passes: a fallback, since queued mail wakes the runner
    /// and it wakes itself when a retry or a cleanup run falls due.
    pub poll: Duration,
}

impl Schedule {
    /// Parses a five-field cron expression (UTC).
    pub fn parse_cron(expression: &str) -> Result<Cron, String> {
        Cron::from_str(expression).map_err(|e| e.to_string())
    }
}

pub const CLEANUP_JOB: &str = "cleanup";

/// The pause after a pass that failed (the database is down, say), if `poll` is longer.
const AFTER_ERROR: Duration = Duration::from_secs(1);

/// Starts the runner; it stops when `shutdown` turns true, after the pass in hand.
pub fn spawn(mailer: Arc<Mailer>, schedule: Schedule, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mail_queued = mailer.store.mail_wakeups();
        loop {
            let mail = mailer.deliver_due().await.inspect_err(|err| tracing::warn!(error = %err, "outbox pass failed"));
            let cleanup = run_cleanup_if_due(&mailer, &schedule)
                .await
                .inspect_err(|err| tracing::warn!(error = %err, "cleanup failed"));
            if *shutdown.borrow() {
                break;
            }
            let pause = match (mail, cleanup) {
                (Ok(Pass::Handled(_)), _) => Duration::ZERO,
                (Ok(Pass::Idle(mail_due)), Ok(cleanup_due)) => {
                    until(mail_due.map_or(cleanup_due, |m| m.min(cleanup_due)), schedule.poll)
                }
                _ => schedule.poll.min(AFTER_ERROR),
            };
            tokio::select! {
                _ = shutdown.changed() => {}
                () = mail_queued.next() => {}
                () = tokio::time::sleep(pause) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::info!("job runner stopped");
    })
}

/// The time from now to `due`, at most `longest`.
fn until(due: DateTime<Utc>, longest: Duration) -> Duration {
    (due - Utc::now()).to_std().unwrap_or(Duration::ZERO).min(longest)
}

/// Runs the cleanup if a run is due (and this instance claims it); answers when the
/// next run falls due.
async fn run_cleanup_if_due(
    mailer: &Mailer,
    schedule: &Schedule,
) -> Result<DateTime<Utc>, Box<dyn std::error::Error + Send + Sync>> {
    let now = Utc::now();
    let next = schedule.cleanup.find_next_occurrence(&now, false)?;
    if !mailer.store.claim_job(CLEANUP_JOB, now, next, next).await? {
        return Ok(next);
    }
    let result = cleanup::run(&mailer.store, schedule.retention_days, now).await;
    let summary = match &result {
        Ok(purged) => format!("ok: {} invites, {} sessions, {} mail", purged.invites, purged.sessions, purged.mail),
        Err(err) => format!("error: {err}"),
    };
    mailer.store.finish_job(CLEANUP_JOB, Utc::now(), &summary).await?;
    result.map(|_| next).map_err(Into::into)
}
