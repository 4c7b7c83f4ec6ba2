//! The public side of an invite: look it up (shows, never consumes) and accept it
//! (joins the group with the invite's role — never a role the client sends).

use chrono::{DateTime, Utc};
use usher_domain::{
    account::addressed_elsewhere,
    invite::{InviteKind, InviteStatus},
    role::Role,
    secret::Secret,
};
use usher_storage::{
    JOINING, StoreError,
    model::{Group, Invite, InviteScope},
};
use uuid::Uuid;

use crate::{
    Actor, App,
    error::{AppResult, NotApplicable, Reason},
    lists::{ListRequest, Listed},
    metrics,
};

/// An active invite as its visitor may see it, with its group, and the visitor's
/// role in that group when they are signed in and already a member (then the invite
/// may also be one they used up, or one revoked since: they are in, not stuck).
#[derive(Debug)]
pub struct Found {
    pub invite: Invite,
    pub group: Option<Group>,
    pub member: Option<Role>,
    /// An email invitation sent to another address than the signed-in visitor's: it
    /// would refuse them.
    pub addressed_elsewhere: bool,
}

/// A membership just made by accepting an invite.
#[derive(Debug, Clone)]
pub struct Joined {
    pub group_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub invite_id: Uuid,
    /// Where to send the person now: the invite's `return_to`, or the home page of the
    /// app the group names; `None`: Usher's own pages.
    pub after: Option<String>,
}

impl App {
    /// One page of the invites in `scope`, newest first: active ones only if the
    /// request says `active`, or says nothing and `active_by_default`.
    pub(crate) async fn invites_in(
        &self,
        scope: InviteScope,
        request: &ListRequest,
        active_by_default: bool,
        text: Option<&str>,
    ) -> AppResult<Listed<Invite>> {
        let (active, page) = (request.active_only(active_by_default)?, request.page()?);
        crate::fields::check_search(text)?;
        let rows = self.store.list_invites(scope, active, text, page, Utc::now()).await?;
        Ok(Listed::new(rows, page, |i| i.id))
    }

    /// An invite by its secret (login links are not invites here) with the group it
    /// joins, read together, whatever its status; or why there is none.
    async fn invite_with_group(&self, secret: &Secret) -> AppResult<(Invite, Option<Group>)> {
        let Some((invite, group)) = self.store.invite_with_group_by_secret(secret).await? else {
            return Err(match secret {
                Secret::Token(hash) if self.store.is_superseded(hash).await? => Reason::InviteSuperseded,
                _ => Reason::InviteNotFound,
            }
            .into());
        };
        if invite.kind == InviteKind::LoginLink {
            return Err(Reason::InviteNotFound.into());
        }
        Ok((invite, group))
    }

    /// An active invite by its secret with the group it joins, or why not.
    pub(crate) async fn active_invite(&self, secret: &Secret) -> AppResult<Found> {
        let (invite, group) = self.invite_with_group(secret).await?;
        Ok(Found { invite: still_active(invite)?, group, member: None, addressed_elsewhere: false })
    }

    /// Looks an invite up by its code or token, as typed: never consumes it. To a
    /// member of its group it is found even used up, expired or revoked (their own
    /// accepted invitation, a code that filled up after they joined), with their role,
    /// so the page says where they are; to anyone else it is gone.
    pub async fn look_up_invite(&self, actor: &Actor, code_or_token: &str) -> AppResult<Found> {
        self.limits.invite_lookup(actor.ip)?;
        let (invite, group) = self.invite_with_group(&Secret::parse(code_or_token.trim())).await?;
        let (mut member, mut elsewhere) = (None, false);
        if let (Some(group), Some(user)) = (&group, &actor.user) {
            member = self.store.role_in(group.id, user.id).await?;
            elsewhere = addressed_elsewhere(invite.email.as_deref(), &user.email);
        }
        let invite = if member.is_some() { invite } else { still_active(invite)? };
        Ok(Found { invite, group, member, addressed_elsewhere: elsewhere })
    }

    /// [`App::look_up_invite`] without the look-up limit: for a page that already
    /// holds what was typed (the sign-up form shown again) and checks it once.
    pub async fn preview_invite(&self, code_or_token: &str) -> AppResult<Found> {
        self.active_invite(&Secret::parse(code_or_token.trim())).await
    }

    /// Joins the invite's group as the signed-in actor, with the invite's role (the
    /// slot taken atomically). `only`: a front that serves one kind (a group code's
    /// page) treats another kind's secret as not found. Storage decides, in the same
    /// transaction that takes the slot, why not (nothing is read beforehand).
    pub async fn accept_invite(
        &self,
        actor: &Actor,
        code_or_token: &str,
        only: Option<InviteKind>,
    ) -> AppResult<Joined> {
        self.limits.invite_lookup(actor.ip)?;
        let user = actor.user()?;
        let secret = Secret::parse(code_or_token.trim());
        let only = only.map(|kind| [kind]);
        let kinds = only.as_ref().map_or(JOINING, |only| only.as_slice());
        let now = Utc::now();
        let accepted = match self.store.accept_invite(&secret, kinds, user, &actor.audit(), now).await {
            Err(StoreError::WrongKind(InviteKind::Registration)) => {
                return Err(NotApplicable::AcceptRegistrationInvite.into());
            }
            accepted => accepted?,
        };
        tracing::debug!(group_id = %accepted.group_id, user_id = %user.id, invite_id = %accepted.invite_id, "invite accepted");
        metrics::redeemed(accepted.kind);
        let after = self.after_invite(accepted.return_to.as_deref(), Some(accepted.group_id)).await?;
        Ok(Joined {
            group_id: accepted.group_id,
            user_id: user.id,
            role: accepted.role,
            joined_at: now,
            invite_id: accepted.invite_id,
            after,
        })
    }
}

/// `invite` if it can still be used now, or why not (revoked, used up, expired).
pub(crate) fn still_active(invite: Invite) -> AppResult<Invite> {
    match invite.usage.status(Utc::now()) {
        InviteStatus::Active => Ok(invite),
        status => Err(Reason::InviteGone(status).into()),
    }
}
