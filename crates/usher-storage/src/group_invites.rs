//! What only group invitations do: replacing an email invitation's token (resend,
//! copy link) and who joined through one. (Their checks at creation run in
//! `invites.rs`, with every invite's creation.)

use chrono::{DateTime, Utc};
use usher_domain::{invite::InviteStatus, token::TokenHash};
use uuid::Uuid;

use crate::{
    Store, StoreError,
    audit::{self, AuditContext, Event},
    groups::{lock_group, page_bounds},
    model::{Invite, OutgoingEmail, Page, Redemption},
    outbox::queue_email,
    rows::{INVITE_SELECT, InviteRow, from_ms, parse_id, summary, to_ms},
    sql::Conn,
};

/// How an email invitation's token is being replaced.
#[derive(Debug, Clone)]
pub enum Renewal {
    /// A resend: counts against `limit` and queues `email` with the new link.
    Resend { limit: u32, email: Box<OutgoingEmail> },
    /// The "copy link" fallback: no mail, not counted.
    CopyLink,
}

impl Store {
    /// Gives an active email invitation of `group_id` a new token; the old one then
    /// answers "superseded". A resend also counts and queues `email`.
    pub async fn renew_invitation_token(
        &self,
        group_id: Uuid,
        invite_id: Uuid,
        new_hash: &TokenHash,
        renewal: Renewal,
        audit: &AuditContext,
        now: DateTime<Utc>,
    ) -> Result<Invite, StoreError> {
        // Sealed before the transaction (a failure to seal shows where it did before).
        let (limit, sealed) = match renewal {
            Renewal::Resend { limit, email } => (Some(limit), Some(self.seal_email(*email))),
            Renewal::CopyLink => (None, None),
        };
        let (new_hash, audit) = (new_hash.clone(), audit.clone());
        let resend = sealed.is_some();
        self.write(move |tx| {
            Box::pin(async move {
                lock_group(tx, group_id).await?;
                let sql =
                    format!("{INVITE_SELECT} WHERE i.id = $1 AND i.group_id = $2 AND i.kind = 'email_invitation'");
                let row: Option<InviteRow> = tx.fetch_optional(&sql, &[invite_id.into(), group_id.into()]).await?;
                let invite = Invite::try_from(row.ok_or(StoreError::NotFound)?)?;
                match invite.usage.status(now) {
                    InviteStatus::Active => {}
                    status => return Err(StoreError::InviteUnusable(status)),
                }
                if limit.is_some_and(|limit| invite.resend_count >= limit) {
                    return Err(StoreError::ResendLimitReached);
                }
                let email = sealed.transpose()?;
                let sql = "INSERT INTO superseded_tokens (token_hash, invite_id, superseded_at) \
                           SELECT token_hash, id, $2 FROM invites WHERE id = $1";
                tx.execute(sql, &[invite_id.into(), to_ms(now).into()]).await?;
                // A resent token is mailed (it proves the address); a copied one is not.
                let sql = "UPDATE invites SET token_hash = $2, resend_count = resend_count + $3, \
                           last_sent_at = CASE WHEN $3 = 1 THEN $4 ELSE last_sent_at END, token_mailed = $5 \
                           WHERE id = $1";
                let args = [
                    invite_id.into(),
                    new_hash.as_str().into(),
                    i64::from(resend).into(),
                    to_ms(now).into(),
                    resend.into(),
                ];
                tx.execute(sql, &args).await?;
                if let Some(email) = email {
                    queue_email(tx, Some(invite_id), &email, now).await?;
                }
                let action = if resend { "invite.resent" } else { "invite.link_copied" };
                let event = Event::new(action, "invite", invite_id).in_group(Some(group_id));
                audit::record(tx, &audit, event, now).await
            })
        })
        .await?;
        if resend {
            self.mail_queued();
        }
        self.invite_by_id(invite_id).await?.ok_or(StoreError::NotFound)
    }

    /// Who joined through an invite, oldest first.
    pub async fn redemptions(&self, invite_id: Uuid, page: Page) -> Result<Vec<Redemption>, StoreError> {
        let sql = "SELECT r.id, u.id, u.username, u.display_name, r.created_at FROM redemptions r \
                   LEFT JOIN users u ON u.id = r.user_id WHERE r.invite_id = $1 AND ($2 IS NULL OR r.id > $2) \
                   ORDER BY r.id LIMIT $3";
        type Row = (String, Option<String>, Option<String>, Option<String>, i64);
        let (after, limit) = page_bounds(Some(page));
        let rows: Vec<Row> = self.read()?.fetch_all(sql, &[invite_id.into(), after.into(), limit.into()]).await?;
        rows.into_iter()
            .map(|(redemption_id, id, username, display_name, at)| {
                Ok(Redemption {
                    id: parse_id(&redemption_id)?,
                    user: summary(id, username, display_name)?,
                    redeemed_at: from_ms(at)?,
                })
            })
            .collect()
    }

    /// Messages in the outbox for an invite (newest first): recipient, template, and
    /// the template data opened (`null` where it does not open).
    pub async fn queued_emails(&self, invite_id: Uuid) -> Result<Vec<(String, String, serde_json::Value)>, StoreError> {
        let sql = "SELECT id, recipient, template, data FROM outbox WHERE invite_id = $1 ORDER BY id DESC";
        let rows: Vec<(String, String, String, String)> = self.read()?.fetch_all(sql, &[invite_id.into()]).await?;
        Ok(rows.into_iter().map(|(id, r, t, d)| (r, t, self.open_data(&id, &d).unwrap_or_default())).collect())
    }
}
