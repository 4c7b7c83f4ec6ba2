//! The outbox worker: claim due messages, render, send, record. Temporary failures
//! retry with exponential backoff and jitter up to a cap; permanent ones fail at once.
//! A message is marked sent right after the server accepts it; the lease (longer than
//! the send timeout) keeps a second worker off it meanwhile.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};
use rand::Rng;
use usher_storage::{OutboxMessage, Store, StoreError, Unreadable};

use crate::{
    templates::Templates,
    transport::{SendError, Transport},
};

/// How hard to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Wait before the second attempt; doubles each time.
    pub base: Duration,
    pub max: Duration,
    /// Attempts before a temporary failure becomes `failed`.
    pub max_attempts: u32,
    /// How long a claimed message is left to its worker.
    pub lease: Duration,
}

impl RetryPolicy {
    /// `base · 2^(attempts-1)`, capped at `max`, ±20 % jitter so a recovering server
    /// is not hit by every message at once.
    pub fn delay(&self, attempts: u32) -> Duration {
        let doubled = self.base.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)));
        let capped = doubled.min(self.max);
        capped.mul_f64(rand::thread_rng().gen_range(0.8..1.2))
    }
}

#[derive(Debug)]
pub struct Mailer {
    pub store: Store,
    pub templates: std::sync::Arc<Templates>,
    pub transport: Transport,
    pub from: Mailbox,
    /// Right-hand side of Message-IDs: the public URL's host.
    pub host: String,
    pub retry: RetryPolicy,
}

/// Messages claimed per pass.
const BATCH: u32 = 16;

/// What a pass over the outbox did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Messages were due: this many were handled, and more may be.
    Handled(usize),
    /// Nothing was due; the next message falls due then (`None`: nothing waits).
    Idle(Option<DateTime<Utc>>),
}

impl Mailer {
    /// One pass over what is due. It reads first and claims only when something is
    /// due, so a worker with nothing to do writes nothing.
    pub async fn deliver_due(&self) -> Result<Pass, StoreError> {
        let now = Utc::now();
        match self.store.outbox_next_due().await? {
            Some(due) if due <= now => {}
            next => return Ok(Pass::Idle(next)),
        }
        let lease_until = now + chrono::Duration::from_std(self.retry.lease).unwrap_or_default();
        let claimed = self.store.claim_outbox(BATCH, now, lease_until).await?;
        let handled = claimed.len();
        for message in claimed {
            self.deliver(message).await?;
        }
        Ok(Pass::Handled(handled))
    }

    async fn deliver(&self, message: OutboxMessage) -> Result<(), StoreError> {
        let outcome = match self.build(&message) {
            Ok(email) => self.transport.send(&message.id.to_string(), email).await,
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {
                tracing::debug!(outbox_id = %message.id, template = %message.template, "email sent");
                metrics::counter!("usher_emails_total", "outcome" => "sent").increment(1);
                self.store.outbox_sent(message.id, Utc::now()).await
            }
            Err(error) if error.permanent || message.attempts >= self.retry.max_attempts => {
                tracing::warn!(outbox_id = %message.id, attempts = message.attempts, %error, "email failed");
                metrics::counter!("usher_emails_total", "outcome" => "failed").increment(1);
                self.store.outbox_failed(message.id, &error.message).await
            }
            Err(error) => {
                let next: DateTime<Utc> =
                    Utc::now() + chrono::Duration::from_std(self.retry.delay(message.attempts)).unwrap_or_default();
                tracing::warn!(outbox_id = %message.id, attempts = message.attempts, %error, "email will be retried");
                metrics::counter!("usher_emails_total", "outcome" => "retry").increment(1);
                self.store.outbox_retry_later(message.id, &error.message, next).await
            }
        }
    }

    /// The email for an outbox row, with a Message-ID stable across retries.
    fn build(&self, message: &OutboxMessage) -> Result<Message, SendError> {
        let permanent = |message: String| SendError { permanent: true, message };
        let mail = self.store.mail(message).map_err(|e| match e {
            Unreadable::Sealed(e) => {
                permanent(format!("template data: {e}; was the secret key (usher.key or secret_key) replaced?"))
            }
            Unreadable::Data { .. } => permanent(e.to_string()),
        })?;
        let rendered = self.templates.render(&mail).map_err(|e| permanent(e.to_string()))?;
        let to: Mailbox = message.recipient.parse().map_err(|e| permanent(format!("recipient: {e}")))?;
        let mut builder = Message::builder().from(self.from.clone()).to(to);
        // An address that does not parse (changed since, odd) only loses the Reply-To.
        if let Some(reply_to) = mail.reply_to().and_then(|address| address.parse::<Mailbox>().ok()) {
            builder = builder.reply_to(reply_to);
        }
        builder
            .subject(rendered.subject)
            .message_id(Some(format!("<{}@{}>", message.id, self.host)))
            .multipart(MultiPart::alternative_plain_html(rendered.text, rendered.html))
            .map_err(|e| permanent(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
            max_attempts: 5,
            lease: Duration::from_secs(60),
        };
        for (attempts, expected) in [(1, 10.0), (2, 20.0), (3, 40.0), (4, 60.0), (9, 60.0)] {
            let delay = policy.delay(attempts).as_secs_f64();
            assert!(delay >= expected * 0.8 && delay <= expected * 1.2, "{attempts}: {delay}");
        }
    }
}
