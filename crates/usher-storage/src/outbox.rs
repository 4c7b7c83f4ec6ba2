//! The outbox: mail written with the change that causes it, claimed by whichever
//! worker gets there first, sent once, retried with backoff, failed for admins to see.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    Backend, Store, StoreError,
    audit::{self, AuditContext, Event},
    mail_data::{CLEARED, SealedEmail, TemplateData},
    model::Page,
    rows::{decode, decode_all, from_ms, parse_count, parse_id, parse_opt_id, to_ms},
    sql::{self, Arg, Conn, record},
};

/// One outgoing message.
#[derive(Debug, Clone)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub recipient: String,
    pub template: String,
    /// What the template shows, sealed ([`Store::template_data`] opens it). Cleared
    /// once sent: an invitation's carries its token.
    pub data: TemplateData,
    pub invite_id: Option<Uuid>,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, recipient, template, data, invite_id, status, attempts, next_attempt_at, last_error, created_at, sent_at";

record! {
    struct Row {
        id: String,
        recipient: String,
        template: String,
        data: String,
        invite_id: Option<String>,
        status: String,
        attempts: i64,
        next_attempt_at: i64,
        last_error: Option<String>,
        created_at: i64,
        sent_at: Option<i64>,
    }
}

impl TryFrom<Row> for OutboxMessage {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        Ok(Self {
            id: parse_id(&r.id)?,
            recipient: r.recipient,
            template: r.template,
            data: TemplateData(r.data),
            invite_id: parse_opt_id(r.invite_id.as_deref())?,
            status: r.status,
            attempts: parse_count(r.attempts)?,
            next_attempt_at: from_ms(r.next_attempt_at)?,
            last_error: r.last_error,
            created_at: from_ms(r.created_at)?,
            sent_at: r.sent_at.map(from_ms).transpose()?,
        })
    }
}

/// The latest email of an invite, as the invite object's `delivery` shows it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

impl Store {
    /// When the next message falls due: the earliest next attempt of a queued one, or
    /// the earliest lease that runs out on one being sent (its worker may have died).
    /// A read, so a worker with nothing to do writes nothing.
    pub async fn outbox_next_due(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT MIN(due) FROM (SELECT MIN(next_attempt_at) AS due FROM outbox WHERE status = 'queued' \
                   UNION ALL SELECT MIN(locked_until) AS due FROM outbox WHERE status = 'sending') AS d";
        let due: Option<(Option<i64>,)> = self.read()?.fetch_optional(sql, &[]).await?;
        due.and_then(|(at,)| at).map(from_ms).transpose()
    }

    /// Claims up to `limit` messages that are due (queued and due, or `sending` under a
    /// lease that ran out: a worker that died), marking them `sending` under a lease
    /// until `lease_until`. One statement: two workers never claim the same row
    /// (PostgreSQL skips rows another worker has locked; SQLite has one writer).
    pub async fn claim_outbox(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>, StoreError> {
        let skip_locked = match self.backend() {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_until = $2 \
             WHERE id IN (SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= $1) \
             OR (status = 'sending' AND locked_until <= $1) ORDER BY next_attempt_at LIMIT $3 {skip_locked}) \
             RETURNING {COLUMNS}"
        );
        let args = [to_ms(now).into(), to_ms(lease_until).into(), i64::from(limit).into()];
        let rows: Vec<Row> = self.write(move |tx| Box::pin(async move { tx.fetch_all(&sql, &args).await })).await?;
        decode_all(rows)
    }

    /// Marks a claimed message sent and forgets its template data (which may carry a
    /// token the email has now delivered).
    pub async fn outbox_sent(&self, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "UPDATE outbox SET status = 'sent', sent_at = $2, data = $3, locked_until = NULL, last_error = NULL \
                   WHERE id = $1 AND status = 'sending'";
        self.write_one(sql, vec![id.into(), to_ms(now).into(), CLEARED.into()]).await?;
        Ok(())
    }

    /// A temporary failure: back to `queued`, next try at `next_attempt_at`.
    pub async fn outbox_retry_later(
        &self,
        id: Uuid,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE outbox SET status = 'queued', next_attempt_at = $2, last_error = $3, locked_until = NULL \
                   WHERE id = $1 AND status = 'sending'";
        self.write_one(sql, vec![id.into(), to_ms(next_attempt_at).into(), error.to_owned().into()]).await?;
        Ok(())
    }

    /// A permanent failure (or too many temporary ones): `failed`, for an admin to see.
    pub async fn outbox_failed(&self, id: Uuid, error: &str) -> Result<(), StoreError> {
        let sql = "UPDATE outbox SET status = 'failed', last_error = $2, locked_until = NULL WHERE id = $1 AND status = 'sending'";
        self.write_one(sql, vec![id.into(), error.to_owned().into()]).await?;
        Ok(())
    }

    /// Messages, newest first, optionally of one status.
    pub async fn list_outbox(&self, status: Option<&str>, page: Page) -> Result<Vec<OutboxMessage>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM outbox WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        );
        let args = [status.into(), page.after.into(), i64::from(page.limit).into()];
        let rows: Vec<Row> = self.read()?.fetch_all(&sql, &args).await?;
        decode_all(rows)
    }

    pub async fn outbox_message(&self, id: Uuid) -> Result<Option<OutboxMessage>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE id = $1");
        let row: Option<Row> = self.read()?.fetch_optional(&sql, &[id.into()]).await?;
        decode(row)
    }

    /// Puts a failed message back in the queue, due now. `NotFound` unless it failed.
    pub async fn retry_outbox(
        &self,
        id: Uuid,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<OutboxMessage, StoreError> {
        let sql = "UPDATE outbox SET status = 'queued', next_attempt_at = $2, attempts = 0 WHERE id = $1 AND status = 'failed'";
        let audit = audit.clone();
        self.write(move |tx| {
            Box::pin(async move {
                if tx.execute(sql, &[id.into(), to_ms(now).into()]).await? == 0 {
                    return Err(StoreError::NotFound);
                }
                audit::record(tx, &audit, Event::new("email.retried", "outbox", id), now).await
            })
        })
        .await?;
        self.mail_queued();
        self.outbox_message(id).await?.ok_or(StoreError::NotFound)
    }

    /// The latest email of an invite.
    pub async fn delivery(&self, invite_id: Uuid) -> Result<Option<Delivery>, StoreError> {
        Ok(self.deliveries(&[invite_id]).await?.remove(&invite_id))
    }

    /// The latest email's delivery of each of `invite_ids` that has one, in one query.
    pub async fn deliveries(&self, invite_ids: &[Uuid]) -> Result<HashMap<Uuid, Delivery>, StoreError> {
        if invite_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let placeholders: Vec<String> = (1..=invite_ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!(
            "SELECT o.invite_id, o.status, o.attempts, o.last_error FROM outbox o \
             WHERE o.invite_id IN ({}) \
             AND o.id = (SELECT MAX(p.id) FROM outbox p WHERE p.invite_id = o.invite_id)",
            placeholders.join(", ")
        );
        let args: Vec<Arg> = invite_ids.iter().map(|&id| id.into()).collect();
        let rows: Vec<(String, String, i64, Option<String>)> = self.read()?.fetch_all(&sql, &args).await?;
        rows.into_iter()
            .map(|(invite_id, status, attempts, last_error)| {
                Ok((parse_id(&invite_id)?, Delivery { status, attempts: parse_count(attempts)?, last_error }))
            })
            .collect()
    }

    /// Messages by status, for tests and metrics.
    pub async fn count_outbox(&self, status: &str) -> Result<i64, StoreError> {
        sql::count(&mut self.read()?, "SELECT COUNT(*) FROM outbox WHERE status = $1", &[status.into()]).await
    }
}

/// Writes an email, sealed beforehand (`Store::seal_email`), to the outbox inside the
/// caller's transaction; the delivery worker sends it later (the caller wakes it with
/// `Store::mail_queued` after the commit).
pub(crate) async fn queue_email(
    tx: &mut impl Conn,
    invite_id: Option<Uuid>,
    email: &SealedEmail,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sql = "INSERT INTO outbox (id, recipient, template, data, invite_id, status, attempts, next_attempt_at, created_at) \
               VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $6)";
    let args = [
        email.id.into(),
        (&email.recipient).into(),
        email.template.into(),
        (&email.data).into(),
        invite_id.into(),
        to_ms(now).into(),
    ];
    tx.execute(sql, &args).await?;
    Ok(())
}
