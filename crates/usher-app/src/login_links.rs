//! Login links, for instance admins: mint one for a user (checked, rate limited), list
//! them (all, or one user's), read, revoke.

use chrono::Utc;
use usher_domain::invite::InviteKind;
use usher_storage::model::{Invite, InviteScope};
use uuid::Uuid;

use crate::{
    Actor, App, AppResult, Reason,
    fields::{Fields, Lifetime},
    links::MintedLink,
    lists::{ListRequest, Listed},
};

const ALL: InviteScope = InviteScope::kind(InviteKind::LoginLink);

/// A login link as an admin asks for it (the API's JSON, the console's form).
#[derive(Debug, Clone, Copy, Default)]
pub struct NewLoginLink {
    /// Until it expires (default `login_link_default_hours`).
    pub expires_in: Option<Lifetime>,
    /// Also email the link to the user.
    pub send_email: bool,
}

impl App {
    /// Mints a login link for the user named `username`; the token is shown this once.
    pub async fn create_login_link(&self, actor: &Actor, username: &str, input: NewLoginLink) -> AppResult<MintedLink> {
        self.limits.invite_write(actor.admin()?.id)?;
        let user = self.user_named(actor, username).await?;
        let settings = &self.settings;
        let lifetime = input.expires_in.unwrap_or(Lifetime::Hours(i64::from(settings.login_link_default_hours)));
        let mut fields = Fields::default();
        let expires_in = lifetime.check(&mut fields, settings.login_link_max_hours);
        fields.finish()?;
        let Some(expires_in) = expires_in else { unreachable!("checked above") };
        let minted = self.mint_login_link(actor, &user, expires_in.after(Utc::now()), input.send_email).await?;
        tracing::info!(login_link_id = %minted.link.id, user_id = %user.id, "login link created");
        Ok(minted)
    }

    /// Every login link, newest first; the usable ones only when the request asks for
    /// `active`.
    pub async fn list_login_links(&self, actor: &Actor, request: ListRequest) -> AppResult<Listed<Invite>> {
        actor.require_admin()?;
        self.invites_in(ALL, &request, false, None).await
    }

    /// The login links of the user named `username`, newest first.
    pub async fn list_login_links_of(
        &self,
        actor: &Actor,
        username: &str,
        request: ListRequest,
    ) -> AppResult<Listed<Invite>> {
        let user = self.user_named(actor, username).await?;
        self.invites_in(InviteScope { user_id: Some(user.id), ..ALL }, &request, false, None).await
    }

    /// One login link, or `not_found`.
    pub async fn login_link(&self, actor: &Actor, id: Uuid) -> AppResult<Invite> {
        actor.require_admin()?;
        let link = self.store.invite_by_id(id).await?;
        Ok(link.filter(|l| l.kind == InviteKind::LoginLink).ok_or(Reason::NotFound)?)
    }

    /// Revokes a login link, or `not_found`.
    pub async fn revoke_login_link(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        actor.require_admin()?;
        self.store.revoke_invite(ALL, id, &actor.audit(), Utc::now()).await?;
        tracing::info!(login_link_id = %id, "login link revoked");
        Ok(())
    }
}
