//! Purging what stopped mattering, in small batches so requests are never stalled:
//! invites and login links inactive for longer than the retention, expired sessions,
//! old sent mail, expired OpenID Connect tokens and old codes. Redemptions (and,
//! later, audit events) stay.

use chrono::{DateTime, Utc};

use crate::{Store, StoreError, rows::to_ms, sql::Conn};

/// Rows removed by one batch of each kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub invites: u64,
    pub sessions: u64,
    pub mail: u64,
    /// OpenID Connect access and refresh tokens, authorization codes, and email
    /// verification links.
    pub tokens: u64,
}

impl Purged {
    pub fn total(self) -> u64 {
        self.invites + self.sessions + self.mail + self.tokens
    }

    pub fn add(&mut self, other: Self) {
        self.invites += other.invites;
        self.sessions += other.sessions;
        self.mail += other.mail;
        self.tokens += other.tokens;
    }
}

/// Invites whose activity ended before `$1`: revoked, expired, or used up with no use
/// since. Active invites never match.
const STOPPED_BEFORE: &str = "(i.revoked_at IS NOT NULL AND i.revoked_at < $1) \
     OR (i.expires_at IS NOT NULL AND i.expires_at < $1) \
     OR (i.max_uses IS NOT NULL AND i.uses >= i.max_uses AND i.created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM redemptions r WHERE r.invite_id = i.id AND r.created_at >= $1))";

impl Store {
    /// One batch of at most `batch` rows of each kind, each kind in a transaction of its
    /// own (so the writer is never held long). Call until it removes nothing.
    pub async fn purge_batch(
        &self,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        batch: u32,
    ) -> Result<Purged, StoreError> {
        let (cutoff, now, batch) = (to_ms(cutoff), to_ms(now), i64::from(batch));
        let invites_sql =
            format!("DELETE FROM invites WHERE id IN (SELECT i.id FROM invites i WHERE {STOPPED_BEFORE} LIMIT $2)");
        let invites = self.write_one(invites_sql, vec![cutoff.into(), batch.into()]).await?;
        let sql = "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions WHERE expires_at <= $1 LIMIT $2)";
        let sessions = self.write_one(sql, vec![now.into(), batch.into()]).await?;
        let sql =
            "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status = 'sent' AND sent_at < $1 LIMIT $2)";
        let mail = self.write_one(sql, vec![cutoff.into(), batch.into()]).await?;
        // Expired tokens are dead; a used refresh token is kept until it expires, so
        // that presenting it again is still recognised as a replay. Codes live a minute
        // but are kept a day, for the same reason.
        let sql = "DELETE FROM oauth_tokens WHERE token_hash IN \
                   (SELECT token_hash FROM oauth_tokens WHERE expires_at <= $1 LIMIT $2)";
        let tokens = self.write_one(sql, vec![now.into(), batch.into()]).await?;
        let sql = "DELETE FROM oauth_codes WHERE code_hash IN \
                   (SELECT code_hash FROM oauth_codes WHERE expires_at < $1 LIMIT $2)";
        let day_ago = now - 86_400_000;
        let codes = self.write_one(sql, vec![day_ago.into(), batch.into()]).await?;
        let sql = "DELETE FROM email_verifications WHERE token_hash IN \
                   (SELECT token_hash FROM email_verifications WHERE expires_at <= $1 LIMIT $2)";
        let verifications = self.write_one(sql, vec![now.into(), batch.into()]).await?;
        Ok(Purged { invites, sessions, mail, tokens: tokens + codes + verifications })
    }

    /// Claims the run of job `name` that was due at or before `now`, scheduling the next
    /// at `next`. Exactly one caller gets `true` per due run, however many instances
    /// poll (one conditional `UPDATE`, like an invite slot). A job never seen before is
    /// first scheduled at `first`. The schedule is read first: a run that is not due
    /// writes nothing.
    pub async fn claim_job(
        &self,
        name: &str,
        now: DateTime<Utc>,
        first: DateTime<Utc>,
        next: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT next_run_at FROM job_runs WHERE name = $1";
        let scheduled: Option<(i64,)> = self.read()?.fetch_optional(sql, &[name.into()]).await?;
        if scheduled.is_some_and(|(at,)| at > to_ms(now)) {
            return Ok(false);
        }
        let (name, first) = (name.to_owned(), scheduled.is_none().then_some(first));
        let claimed = self
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(first) = first {
                        let sql =
                            "INSERT INTO job_runs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING";
                        tx.execute(sql, &[(&name).into(), to_ms(first).into()]).await?;
                    }
                    let sql = "UPDATE job_runs SET next_run_at = $3, last_started_at = $2 \
                               WHERE name = $1 AND next_run_at <= $2";
                    tx.execute(sql, &[(&name).into(), to_ms(now).into(), to_ms(next).into()]).await
                })
            })
            .await?;
        Ok(claimed == 1)
    }

    /// Records how a job run ended.
    pub async fn finish_job(&self, name: &str, now: DateTime<Utc>, result: &str) -> Result<(), StoreError> {
        let sql = "UPDATE job_runs SET last_finished_at = $2, last_result = $3 WHERE name = $1";
        self.write_one(sql, vec![name.to_owned().into(), to_ms(now).into(), result.to_owned().into()]).await?;
        Ok(())
    }
}
