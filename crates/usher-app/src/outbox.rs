//! Outgoing mail and jobs, for instance admins: the outbox (failed mail above all),
//! sending a failed message again, running the cleanup now.

use chrono::Utc;
use usher_domain::Invalid;
use usher_storage::{OutboxMessage, Purged, StoreError};
use uuid::Uuid;

use crate::{
    Actor, App, AppResult, Error,
    error::NotApplicable,
    lists::{ListRequest, Listed},
};

/// The statuses a message goes through, each a filter of the outbox.
pub const STATUSES: [&str; 4] = ["queued", "sending", "sent", "failed"];

impl App {
    /// Outgoing mail, newest first; only the request's status (e.g. `failed`) if it
    /// names one.
    pub async fn list_outbox(&self, actor: &Actor, request: ListRequest) -> AppResult<Listed<OutboxMessage>> {
        actor.require_admin()?;
        let status = request.status.as_deref();
        if status.is_some_and(|s| !STATUSES.contains(&s)) {
            return Err(Error::field("status", Invalid::new("invalid-outbox-status")));
        }
        let page = request.page()?;
        let rows = self.store.list_outbox(status, page).await?;
        Ok(Listed::new(rows, page, |m| m.id))
    }

    /// Queues a failed message again: `not_found`, or `not_applicable` unless it failed.
    pub async fn retry_mail(&self, actor: &Actor, id: Uuid) -> AppResult<OutboxMessage> {
        actor.require_admin()?;
        match self.store.retry_outbox(id, &actor.audit(), Utc::now()).await {
            Ok(message) => {
                tracing::info!(outbox_id = %id, "failed email queued again");
                Ok(message)
            }
            Err(StoreError::NotFound) if self.store.outbox_message(id).await?.is_some() => {
                Err(NotApplicable::RetryUnfailedMail.into())
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Runs the cleanup job now (dead invites, expired sessions, old mail), as the
    /// schedule would.
    pub async fn run_cleanup(&self, actor: &Actor) -> AppResult<Purged> {
        actor.require_admin()?;
        Ok(usher_jobs::cleanup::run(&self.store, self.settings.retention_days, Utc::now()).await?)
    }
}
