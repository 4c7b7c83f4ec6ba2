//! The audit log: the whole instance's for admins, one group's for its managers.

use chrono::{DateTime, Utc};
use usher_storage::{AuditEntry, AuditFilter};
use uuid::Uuid;

use crate::{
    Actor, App, AppResult,
    lists::{ListRequest, Listed},
};

/// The filters of an audit query, as the caller typed them; empty ones are ignored.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// An action name, e.g. `invite.created`.
    pub action: Option<String>,
    /// A user id or a username (one nobody has matches nothing).
    pub actor: Option<String>,
    /// The target's id (an invite, user or group id).
    pub target: Option<String>,
    /// From this time (inclusive).
    pub since: Option<DateTime<Utc>>,
    /// Up to this time (inclusive).
    pub until: Option<DateTime<Utc>>,
    /// The page (its `status` is ignored).
    pub list: ListRequest,
}

impl App {
    /// The instance's audit log, newest first, for an admin.
    pub async fn audit_log(&self, actor: &Actor, query: AuditQuery) -> AppResult<Listed<AuditEntry>> {
        actor.require_admin()?;
        self.audit_in(query, None).await
    }

    /// One group's audit log, newest first, for its managers.
    pub async fn group_audit_log(
        &self,
        actor: &Actor,
        group_id: Uuid,
        query: AuditQuery,
    ) -> AppResult<Listed<AuditEntry>> {
        let access = self.manager_access(actor, group_id).await?;
        self.audit_in(query, Some(access.group.id)).await
    }

    async fn audit_in(&self, query: AuditQuery, group_id: Option<Uuid>) -> AppResult<Listed<AuditEntry>> {
        let page = ListRequest { status: None, ..query.list }.page()?;
        let actor_id = match query.actor.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(actor) => match Uuid::parse_str(actor) {
                Ok(id) => Some(id),
                // A username; one nobody has matches nothing.
                Err(_) => Some(self.store.user_by_username(actor).await?.map_or(Uuid::nil(), |u| u.id)),
            },
        };
        let filter = AuditFilter {
            action: query.action.filter(|a| !a.is_empty()),
            actor_id,
            target_id: query.target.filter(|t| !t.is_empty()),
            group_id,
            since: query.since,
            until: query.until,
        };
        let rows = self.store.list_audit(&filter, page).await?;
        Ok(Listed::new(rows, page, |e| e.id))
    }
}
