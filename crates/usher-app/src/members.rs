//! A group's members: list them, change a role (managers, never above their own), and
//! remove someone (managers) or leave (oneself). A group keeps a top-role member.

use usher_domain::role::Role;
use usher_storage::model::Member;
use uuid::Uuid;

use crate::{
    Access, Actor, App,
    error::{AppResult, Reason},
    lists::{ListRequest, Listed},
};

impl App {
    /// A group's members, with roles and the invite each joined through.
    pub async fn members(&self, actor: &Actor, group_id: Uuid, list: ListRequest) -> AppResult<Listed<Member>> {
        let access = self.access(actor, group_id).await?;
        let page = list.page()?;
        let rows = self.store.members(access.group.id, Some(page)).await?;
        Ok(Listed::new(rows, page, |m| m.user.id))
    }

    /// Gives a member `role` (managers; the member's role and the new one never above
    /// the caller's). Answers the role given.
    pub async fn change_role(&self, actor: &Actor, group_id: Uuid, user_id: Uuid, role: &str) -> AppResult<Role> {
        let access = self.manager_access(actor, group_id).await?;
        self.target_member(&access, user_id).await?;
        let role = access.check_grant("role", role)?;
        let top = self.settings.roles.top();
        self.store.change_membership(access.group.id, user_id, Some(&role), top, &access.audit).await?;
        tracing::info!(group_id = %access.group.id, %user_id, "member role changed");
        Ok(role)
    }

    /// Removes a member (managers), or leaves the group (oneself).
    pub async fn remove_member(&self, actor: &Actor, group_id: Uuid, user_id: Uuid) -> AppResult<()> {
        let access = self.access(actor, group_id).await?;
        self.target_member(&access, user_id).await?;
        if user_id != access.user.id {
            // Removing someone else is for managers (`target_member` refused anyone above).
            access.require_manager()?;
        }
        let top = self.settings.roles.top();
        self.store.change_membership(access.group.id, user_id, None, top, &access.audit).await?;
        tracing::info!(group_id = %access.group.id, %user_id, "member removed");
        Ok(())
    }

    /// The member to act on: `not_found` for none, `forbidden` for one above the caller
    /// (oneself never is).
    async fn target_member(&self, access: &Access, user_id: Uuid) -> AppResult<()> {
        let role = self.store.role_in(access.group.id, user_id).await?.ok_or(Reason::NotFound)?;
        access.require_rank(Some(&role))
    }
}
