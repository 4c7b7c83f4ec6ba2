//! An email invitation's link, renewed: sent again with a new token, or a new token to
//! share by hand (the copy-link fallback); the old tokens are then `invite_superseded`.
//! And the invitation email itself, first sent or resent.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::{
    invite::InviteKind,
    mail::{Invitation, Mail},
    token::Token,
};
use usher_storage::{
    Renewal,
    model::{GroupGrant, Invite, OutgoingEmail},
};
use uuid::Uuid;

use crate::{
    Access, Actor, App,
    error::{AppResult, Error, NotApplicable},
    group_invites::Minted,
};

/// A fresh link for an email invitation, to share by hand: the token and its URL,
/// shown this once.
#[derive(Debug)]
pub struct FreshLink {
    pub invite: Invite,
    pub token: Token,
    pub url: String,
}

impl App {
    /// Sends an email invitation again with a new token (managers; rate limited, and
    /// at most `resend_limit` times).
    pub async fn resend_invitation(&self, actor: &Actor, group_id: Uuid, invite_id: Uuid) -> AppResult<Minted> {
        self.limits.invite_write(actor.user()?.id)?;
        let (invite, token) = self.renew(actor, group_id, invite_id, true).await?;
        tracing::debug!(invite_id = %invite.id, resend_count = invite.resend_count, "invitation resent");
        Ok(Minted { invite: self.with_delivery(invite).await?, token: Some(token) })
    }

    /// A new link for an email invitation, without an email (managers).
    pub async fn invitation_link(&self, actor: &Actor, group_id: Uuid, invite_id: Uuid) -> AppResult<FreshLink> {
        let (invite, token) = self.renew(actor, group_id, invite_id, false).await?;
        tracing::debug!(invite_id = %invite.id, "invitation link copied");
        let url = self.settings.invitation_url(token.expose());
        Ok(FreshLink { invite, token, url })
    }

    /// Resend and copy-link: a fresh token for an active email invitation of this group.
    async fn renew(&self, actor: &Actor, group_id: Uuid, invite_id: Uuid, resend: bool) -> AppResult<(Invite, Token)> {
        let access = self.manager_access(actor, group_id).await?;
        let invite = self.find_invite(&access, invite_id).await?;
        if invite.kind != InviteKind::EmailInvitation {
            return Err(NotApplicable::NotAnInvitation.into());
        }
        let token = Token::generate(&mut OsRng);
        let renewal = if resend {
            let grant = GroupGrant {
                group_id: access.group.id,
                role: invite.role.clone().ok_or_else(|| Error::internal("an email invitation without a role"))?,
                email: None,
                message: invite.message.clone(),
                locale: invite.locale.clone(),
                reply_to: invite.reply_to.clone(),
            };
            let expires_at = invite.usage.expires_at.unwrap_or_else(Utc::now);
            let recipient = invite.email.clone().unwrap_or_default();
            let email =
                self.invitation_email(&access, &grant, &recipient, token.expose(), expires_at, Mail::InvitationResent);
            Renewal::Resend { limit: self.settings.resend_limit, email: Box::new(email) }
        } else {
            Renewal::CopyLink
        };
        let renewed = self
            .store
            .renew_invitation_token(access.group.id, invite.id, &token.hash(), renewal, &access.audit, Utc::now())
            .await?;
        Ok((renewed, token))
    }

    /// The outbox entry for an invitation email (`kind`: first sent or resent):
    /// everything the template shows, and the accept link built from `public_url`
    /// (never from a request).
    pub(crate) fn invitation_email(
        &self,
        access: &Access,
        grant: &GroupGrant,
        recipient: &str,
        token: &str,
        expires_at: DateTime<Utc>,
        kind: fn(Invitation) -> Mail,
    ) -> OutgoingEmail {
        let invitation = Invitation {
            group_name: access.group.name.clone(),
            inviter: access.user.display_name.clone(),
            role: grant.role.to_string(),
            message: grant.message.clone(),
            accept_url: self.settings.invitation_url(token),
            expires_at,
            locale: grant.locale.clone(),
            reply_to: grant.reply_to.clone(),
        };
        OutgoingEmail { recipient: recipient.to_owned(), mail: kind(invitation) }
    }
}
