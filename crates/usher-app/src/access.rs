//! A signed-in member's access to one group, and the role rules every action on the
//! group asks: managers manage, nobody grants or acts on a role above their own.

use std::sync::Arc;

use usher_domain::role::Role;
use usher_storage::{
    AuditContext,
    model::{Group, User},
};
use uuid::Uuid;

use crate::{
    Actor, App, Settings,
    error::{AppResult, Error, Forbidden, Reason},
};

/// A signed-in member's view of one group: the group and their role in it.
#[derive(Debug)]
pub struct Access {
    pub group: Group,
    pub role: Role,
    pub user: User,
    /// Who is acting, from where: for the audit log.
    pub audit: AuditContext,
    settings: Arc<Settings>,
}

impl App {
    /// The actor's access to `group_id`. A group the caller does not belong to is
    /// `not_found`, exactly like one that does not exist. An API key acts with the top
    /// role in any group it may reach (its scopes say what it may do there).
    pub async fn access(&self, actor: &Actor, group_id: Uuid) -> AppResult<Access> {
        let user = actor.user()?.clone();
        let role = match &actor.key {
            Some(_) if actor.may_reach(group_id) => self.settings.roles.top().clone(),
            Some(_) => return Err(Reason::NotFound.into()),
            None => self.store.role_in(group_id, user.id).await?.ok_or(Reason::NotFound)?,
        };
        let group = self.store.group(group_id).await?.ok_or(Reason::NotFound)?;
        Ok(Access { group, role, user, audit: actor.audit(), settings: self.settings.clone() })
    }

    /// [`App::access`] as one of the group's managers, or `forbidden`.
    pub async fn manager_access(&self, actor: &Actor, group_id: Uuid) -> AppResult<Access> {
        let access = self.access(actor, group_id).await?;
        access.require_manager()?;
        Ok(access)
    }
}

impl Access {
    /// `manage_role` and up, or `forbidden`.
    pub fn require_manager(&self) -> AppResult<()> {
        if self.settings.roles.can_manage(&self.role) { Ok(()) } else { Err(Forbidden::ManagersOnly.into()) }
    }

    /// Whether the caller may grant `role`, or see and act on what carries it (an
    /// invite, a member): never above their own role. Every such action asks here.
    /// `None` (an invite granting no role) ranks nowhere, like a role not configured.
    pub fn ranks_at_least(&self, role: Option<&Role>) -> bool {
        role.is_some_and(|role| self.settings.roles.may_grant(&self.role, role))
    }

    /// `forbidden` unless [`Access::ranks_at_least`] `role`.
    pub fn require_rank(&self, role: Option<&Role>) -> AppResult<()> {
        if self.ranks_at_least(role) { Ok(()) } else { Err(Forbidden::AboveOwnRole.into()) }
    }

    /// `role`, given by the caller in `field`, as a role: configured (else a field
    /// error) and not above their own (else `forbidden`).
    pub fn check_grant(&self, field: &str, role: &str) -> AppResult<Role> {
        let role = self.settings.roles.parse(role).map_err(|refused| Error::field(field, refused))?;
        self.require_rank(Some(&role))?;
        Ok(role)
    }

    /// Whether the caller holds the group's top role.
    pub fn is_top(&self) -> bool {
        *self.settings.roles.top() == self.role
    }
}
