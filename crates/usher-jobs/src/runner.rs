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
                // A sender dropped without a word (the server stopped some other way)
                // is a shutdown too: `changed` would answer at once forever, a busy loop.
                changed = shutdown.changed() => if changed.is_err() { break },
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
        Ok(purged) => format!(
            "ok: {} invites, {} sessions, {} mail, {} tokens",
            purged.invites, purged.sessions, purged.mail, purged.tokens
        ),
        Err(err) => format!("error: {err}"),
    };
    mailer.store.finish_job(CLEANUP_JOB, Utc::now(), &summary).await?;
    result.map(|_| next).map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use usher_storage::Store;

    use super::*;
    use crate::{mailer::RetryPolicy, templates::Templates, transport::Transport};

    #[tokio::test]
    async fn the_runner_stops_when_its_shutdown_sender_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("usher.db").display())).await.unwrap();
        store.migrate().await.unwrap();
        let mailer = Mailer {
            store,
            templates: std::sync::Arc::new(Templates::load(None, Default::default()).unwrap()),
            transport: Transport::Log { dir: PathBuf::from("unused") },
            from: "Usher <noreply@localhost>".parse().unwrap(),
            host: "localhost".into(),
            retry: RetryPolicy {
                base: Duration::from_secs(1),
                max: Duration::from_secs(1),
                max_attempts: 1,
                lease: Duration::from_secs(60),
            },
        };
        let schedule = Schedule {
            cleanup: Schedule::parse_cron("0 2 * * *").unwrap(),
            retention_days: 30,
            poll: Duration::from_millis(10),
        };
        let (stop, stopped) = watch::channel(false);
        let runner = spawn(Arc::new(mailer), schedule, stopped);
        drop(stop);
        // A liveness bound, not a measurement: a runner that spins never ends.
        let ended = tokio::time::timeout(Duration::from_secs(30), runner).await;
        assert!(ended.is_ok(), "the runner ended");
    }
}
