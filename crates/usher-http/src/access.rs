//! A signed-in member's access to one group, and the role rules every action on the
//! group asks: managers manage, nobody grants or acts on a role above their own.

use usher_domain::role::Role;
use usher_storage::{
    AuditContext,
    model::{Group, User},
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::Authed,
    error::{ApiError, ApiResult},
};

/// A signed-in member's view of one group: the group and their role in it.
#[derive(Debug)]
pub struct Access {
    pub group: Group,
    pub role: Role,
    pub user: User,
    /// Who is acting, from where: for the audit log.
    pub audit: AuditContext,
}

impl Access {
    /// The caller's access to `group_id`. A group the caller does not belong to is 404,
    /// exactly like one that does not exist.
    pub async fn load(state: &AppState, group_id: &str, authed: Authed) -> ApiResult<Self> {
        let audit = authed.audit();
        let user = authed.user;
        let id = Uuid::parse_str(group_id).map_err(|_| ApiError::NotFound)?;
        let role = state.store.role_in(id, user.id).await?.ok_or(ApiError::NotFound)?;
        let group = state.store.group(id).await?.ok_or(ApiError::NotFound)?;
        Ok(Self { group, role, user, audit })
    }

    /// `manage_role` and up, or 403.
    pub fn require_manager(&self, state: &AppState) -> ApiResult<()> {
        if state.settings.roles.can_manage(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Only the group's managers may do this."))
        }
    }

    /// Whether the caller may grant `role`, or see and act on what carries it (an
    /// invite, a member): never above their own role. Every such action asks here.
    /// `None` (an invite granting no role) ranks nowhere, like a role not configured.
    pub fn ranks_at_least(&self, state: &AppState, role: Option<&Role>) -> bool {
        role.is_some_and(|role| state.settings.roles.may_grant(&self.role, role))
    }

    /// 403 unless [`Access::ranks_at_least`] `role`.
    pub fn require_rank(&self, state: &AppState, role: Option<&Role>) -> ApiResult<()> {
        if self.ranks_at_least(state, role) {
            Ok(())
        } else {
            Err(ApiError::forbidden("Nobody may grant, or act on, a role above their own."))
        }
    }

    /// `role`, given by the caller, as a role: configured (else a field error on
    /// `field`) and not above their own (else 403).
    pub fn check_grant(&self, state: &AppState, field: &str, role: &str) -> ApiResult<Role> {
        let role = state.settings.roles.parse(role).map_err(|refused| ApiError::field(field, refused.message))?;
        self.require_rank(state, Some(&role))?;
        Ok(role)
    }
}
