//! The job runner inside the server: one loop that delivers due mail and runs the
//! cleanup when its schedule says, until shutdown. Safe with several instances on one
//! database: mail is claimed row by row, and a cleanup run is claimed by one
//! conditional update of its schedule row.

use std::{str::FromStr, sync::Arc, time::Duration};

use chrono::Utc;
use croner::Cron;
use tokio::{sync::watch, task::JoinHandle};

use crate::{cleanup, mailer::Mailer};

#[derive(Debug, Clone)]
pub struct Schedule {
    pub cleanup: Cron,
    pub retention_days: u32,
    /// Pause between passes when there was nothing to do.
    pub poll: Duration,
}

impl Schedule {
    /// Parses a five-field cron expression (UTC).
    pub fn parse_cron(expression: &str) -> Result<Cron, String> {
        Cron::from_str(expression).map_err(|e| e.to_string())
    }
}

pub const CLEANUP_JOB: &str = "cleanup";

/// Starts the runner; it stops when `shutdown` turns true, after the pass in hand.
pub fn spawn(mailer: Arc<Mailer>, schedule: Schedule, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let busy = match mailer.deliver_due().await {
                Ok(handled) => handled > 0,
                Err(err) => {
                    tracing::warn!(error = %err, "outbox pass failed");
                    false
                }
            };
            if let Err(err) = run_cleanup_if_due(&mailer, &schedule).await {
                tracing::warn!(error = %err, "cleanup failed");
            }
            if *shutdown.borrow() {
                break;
            }
            let pause = if busy { Duration::ZERO } else { schedule.poll };
            tokio::select! {
                _ = shutdown.changed() => {}
                () = tokio::time::sleep(pause) => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        tracing::info!("job runner stopped");
    })
}

async fn run_cleanup_if_due(
    mailer: &Mailer,
    schedule: &Schedule,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let now = Utc::now();
    let next = schedule.cleanup.find_next_occurrence(&now, false)?;
    if !mailer.store.claim_job(CLEANUP_JOB, now, next, next).await? {
        return Ok(());
    }
    let result = cleanup::run(&mailer.store, schedule.retention_days, now).await;
    let summary = match &result {
        Ok(purged) => format!("ok: {} invites, {} sessions, {} mail", purged.invites, purged.sessions, purged.mail),
        Err(err) => format!("error: {err}"),
    };
    mailer.store.finish_job(CLEANUP_JOB, Utc::now(), &summary).await?;
    result.map(|_| ()).map_err(Into::into)
}
