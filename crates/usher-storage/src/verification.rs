//! Proving an account's address (SPEC §9): a verification link mailed on request, one
//! live per user (asking again replaces it), bound to the address it was sent to; and
//! marking the address verified, which using a mailed invitation or login link also
//! does (`admission.rs`).

use chrono::{DateTime, Utc};
use usher_domain::{account::normalize_email, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    model::{OutgoingEmail, User},
    outbox::queue_email,
    rows::{from_ms, parse_id, to_ms},
    sql::Conn,
};

impl Store {
    /// Replaces `user`'s verification link with one for `token_hash`, valid until
    /// `expires_at`, and queues `email` (which carries it), in one transaction.
    pub async fn start_email_verification(
        &self,
        user: &User,
        token_hash: &TokenHash,
        expires_at: DateTime<Utc>,
        email: OutgoingEmail,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sealed = self.seal_email(email)?;
        let (user_id, address, token_hash) = (user.id, normalize_email(&user.email), token_hash.clone());
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "INSERT INTO email_verifications (token_hash, user_id, email_normalized, created_at, expires_at) \
                           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
                           token_hash = excluded.token_hash, email_normalized = excluded.email_normalized, \
                           created_at = excluded.created_at, expires_at = excluded.expires_at";
                let args = [
                    token_hash.as_str().into(),
                    user_id.into(),
                    address.into(),
                    to_ms(now).into(),
                    to_ms(expires_at).into(),
                ];
                tx.execute(sql, &args).await?;
                queue_email(tx, None, &sealed, now).await
            })
        })
        .await?;
        self.mail_queued();
        Ok(())
    }

    /// Whether a live verification link has this token (shown before it is used).
    pub async fn verification_is_live(&self, token_hash: &TokenHash, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let sql = "SELECT CAST(1 AS BIGINT) FROM email_verifications WHERE token_hash = $1 AND expires_at > $2";
        let row: Option<(i64,)> =
            self.read()?.fetch_optional(sql, &[token_hash.as_str().into(), to_ms(now).into()]).await?;
        Ok(row.is_some())
    }

    /// Uses a verification link: the user it was sent to, whose address (if still the
    /// one it was sent to) is now verified. `None`: no live link has this token (used,
    /// expired, replaced, or never was). The link is used up either way.
    pub async fn verify_email(
        &self,
        token_hash: &TokenHash,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let (token_hash, audit) = (token_hash.clone(), audit.clone());
        self.write(move |tx| {
            Box::pin(async move {
                let sql = "DELETE FROM email_verifications WHERE token_hash = $1 AND expires_at > $2 \
                           RETURNING user_id, email_normalized";
                let used: Option<(String, String)> =
                    tx.fetch_optional(sql, &[token_hash.as_str().into(), to_ms(now).into()]).await?;
                let Some((user_id, address)) = used else { return Ok(None) };
                let user_id = parse_id(&user_id)?;
                let sql = "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3) \
                           WHERE id = $1 AND email_normalized = $2";
                let verified = tx.execute(sql, &[user_id.into(), address.into(), to_ms(now).into()]).await? > 0;
                if verified {
                    let event = Event::new("user.email_verified", "user", user_id);
                    audit::record(tx, &audit.as_actor(user_id), event, now).await?;
                }
                Ok(verified.then_some(user_id))
            })
        })
        .await
    }
}

/// Marks `user_id`'s address verified now (kept if it already was), inside the
/// caller's transaction; answers when it was.
pub(crate) async fn mark_verified(
    tx: &mut impl Conn,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, StoreError> {
    let sql = "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1 \
               RETURNING email_verified_at";
    let at: Option<(i64,)> = tx.fetch_optional(sql, &[user_id.into(), to_ms(now).into()]).await?;
    from_ms(at.ok_or(StoreError::NotFound)?.0)
}
