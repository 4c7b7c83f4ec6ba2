//! Registration invites, for instance admins: create (checked, rate limited), list,
//! read by code, revoke.

use chrono::{DateTime, Utc};
use usher_domain::Invalid;
use usher_domain::{code::InviteCode, invite::InviteKind, secret::Secret};
use usher_storage::model::{Invite, InviteScope};

use crate::{
    Actor, App, AppResult, Reason,
    fields::{Fields, Lifetime, optional_text},
    links::RegistrationInviteSpec,
    lists::{ListRequest, Listed},
};

/// Most uses one registration invite may admit.
pub const MAX_USES: i64 = 1_000_000;
/// Longest description, in characters.
pub const MAX_DESCRIPTION: usize = 500;

const SCOPE: InviteScope = InviteScope::kind(InviteKind::Registration);

/// A registration invite as an admin asks for it (the API's JSON, the console's form).
#[derive(Debug, Clone, Default)]
pub struct NewRegistrationInvite {
    /// Up to [`MAX_DESCRIPTION`] characters, shown to whoever looks the code up.
    pub description: Option<String>,
    /// `None`: one use; `Some(None)`: unlimited; `Some(Some(n))`: 1 to [`MAX_USES`].
    pub max_uses: Option<Option<i64>>,
    /// A future time within `registration_invite_max_hours`; or give `expires_in_hours`.
    pub expires_at: Option<DateTime<Utc>>,
    /// From now; with `expires_at` also absent: never expires.
    pub expires_in: Option<Lifetime>,
    /// Where to send whoever signs up with it: a URL under a registered app's home page
    /// or redirect URIs.
    pub return_to: Option<String>,
}

impl App {
    /// Checks the request (every refusal at once) and mints a registration invite.
    pub async fn create_registration_invite(&self, actor: &Actor, input: NewRegistrationInvite) -> AppResult<Invite> {
        self.limits.invite_write(actor.admin()?.id)?;
        let now = Utc::now();
        let max_hours = self.settings.registration_invite_max_hours;
        let mut fields = Fields::default();
        let description = fields.check("description", optional_text(input.description.as_deref(), MAX_DESCRIPTION));
        let max_uses = match input.max_uses {
            None => Some(1),
            Some(None) => None,
            Some(Some(n)) if (1..=MAX_USES).contains(&n) => u32::try_from(n).ok(),
            Some(Some(_)) => {
                fields.push("max_uses", Invalid::new("invalid-max-uses-or-unlimited").with("max", MAX_USES));
                None
            }
        };
        let expires_at = match (input.expires_at, input.expires_in) {
            (Some(_), Some(_)) => {
                fields.push("expires_in_hours", Invalid::new("invalid-expiry-both"));
                None
            }
            (Some(at), None) if at <= now || at > now + chrono::Duration::hours(i64::from(max_hours)) => {
                fields.push("expires_at", Invalid::new("invalid-expires-at").with("max", max_hours));
                None
            }
            (Some(at), None) => Some(at),
            (None, Some(lifetime)) => lifetime.check(&mut fields, max_hours).map(|e| e.after(now)),
            (None, None) => None,
        };
        let return_to = match input.return_to.as_deref() {
            Some(url) => fields.check("return_to", self.app_url(url).await?),
            None => None,
        };
        fields.finish()?;
        let spec = RegistrationInviteSpec { description: description.flatten(), max_uses, expires_at, return_to };
        let invite = self.mint_registration_invite(actor, spec).await?;
        tracing::debug!(invite_id = %invite.id, "registration invite created");
        Ok(invite)
    }

    /// Registration invites, newest first; active ones unless the request asks for `all`.
    /// Registration invites, newest first; with `text`, those whose code or
    /// description holds it.
    pub async fn list_registration_invites(
        &self,
        actor: &Actor,
        request: ListRequest,
        text: Option<&str>,
    ) -> AppResult<Listed<Invite>> {
        actor.require_admin()?;
        self.invites_in(SCOPE, &request, true, text).await
    }

    /// The registration invite `code` names; anything else is `not_found`.
    pub async fn registration_invite(&self, actor: &Actor, code: &str) -> AppResult<Invite> {
        actor.require_admin()?;
        let code = InviteCode::parse(code).map_err(|_| Reason::NotFound)?;
        let invite = self.store.invite_by_secret(&Secret::Code(code)).await?;
        Ok(invite.filter(|i| i.kind == InviteKind::Registration).ok_or(Reason::NotFound)?)
    }

    /// Revokes the registration invite `code` names; it stays listed under `all`.
    pub async fn revoke_registration_invite(&self, actor: &Actor, code: &str) -> AppResult<()> {
        let invite = self.registration_invite(actor, code).await?;
        self.store.revoke_invite(SCOPE, invite.id, &actor.audit(), Utc::now()).await?;
        tracing::debug!(invite_id = %invite.id, "registration invite revoked");
        Ok(())
    }
}
