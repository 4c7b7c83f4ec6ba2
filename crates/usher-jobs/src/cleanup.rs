//! The cleanup job: purge in batches until nothing is left, pausing between batches
//! so requests keep being answered.

use std::time::Duration;

use chrono::{DateTime, Utc};
use usher_storage::{Purged, Store, StoreError};

/// Rows of each kind per batch.
const BATCH: u32 = 500;

/// Purges what stopped being active more than `retention_days` before `now`.
pub async fn run(store: &Store, retention_days: u32, now: DateTime<Utc>) -> Result<Purged, StoreError> {
    let started = std::time::Instant::now();
    let result = purge(store, retention_days, now).await;
    let outcome = if result.is_ok() { "ok" } else { "error" };
    metrics::counter!("usher_job_runs_total", "job" => "cleanup", "outcome" => outcome).increment(1);
    metrics::histogram!("usher_job_duration_seconds", "job" => "cleanup").record(started.elapsed().as_secs_f64());
    result
}

async fn purge(store: &Store, retention_days: u32, now: DateTime<Utc>) -> Result<Purged, StoreError> {
    let cutoff = now - chrono::Duration::days(i64::from(retention_days));
    let mut total = Purged::default();
    loop {
        let batch = store.purge_batch(cutoff, now, BATCH).await?;
        total.add(batch);
        if batch.total() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tracing::info!(
        invites = total.invites,
        sessions = total.sessions,
        mail = total.mail,
        tokens = total.tokens,
        "cleanup done"
    );
    Ok(total)
}
