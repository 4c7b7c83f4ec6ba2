//! A group's invites, for its managers: create a shareable code or an email
//! invitation (which queues the email), list, read, revoke, and who joined through
//! one. Every invite is looked up by (group, id): another group's id is `not_found`,
//! and one granting a role above the caller's is `forbidden`.

use chrono::{DateTime, Utc};
use rand::rngs::OsRng;
use usher_domain::Invalid;
use usher_domain::{
    account::Email,
    code::InviteCode,
    group::{CODE_MAX_USES, MAX_MESSAGE},
    invite::InviteKind,
    mail::Mail,
    secret::Secret,
    token::Token,
};
use usher_i18n::Locale;
use usher_storage::{
    Delivery, StoreError,
    model::{self, GroupGrant, Invite, InviteScope, Redemption},
};
use uuid::Uuid;

use crate::{
    Access, Actor, App,
    error::{AppResult, Error, Reason},
    fields::{Fields, Lifetime, optional_text},
    lists::{ListRequest, Listed},
};

/// A group code (no `email`) or an email invitation (`email`), as a front sends it.
#[derive(Debug, Clone, Default)]
pub struct NewInvite {
    /// Invite this address by email (one person, one use).
    pub email: Option<String>,
    /// The role granted; defaults to the configured default invite role.
    pub role: Option<String>,
    /// Codes only: 1 to 100 (default 1).
    pub max_uses: Option<i64>,
    /// Default and limit depend on the kind (settings).
    pub expires_in: Option<Lifetime>,
    /// A personal note for the invitation email.
    pub message: Option<String>,
    /// Where to send whoever uses it: a URL under a registered app's home page or
    /// redirect URIs.
    pub return_to: Option<String>,
    /// Email invitations: the language of its mail (`en`, `vi`); default the instance's.
    pub locale: Option<String>,
    /// Email invitations: replies to the mail go to the inviter's address.
    pub reply_to_inviter: bool,
}

/// One of a group's invites, with its latest email's delivery (email invitations).
#[derive(Debug, Clone)]
pub struct GroupInvite {
    pub invite: Invite,
    pub delivery: Option<Delivery>,
}

/// An invite just created, or an invitation just sent again: with an email
/// invitation's token, shown this once.
#[derive(Debug)]
pub struct Minted {
    pub invite: GroupInvite,
    pub token: Option<Token>,
}

impl App {
    /// Creates a group code, or an email invitation and its email (managers; never a
    /// role above the caller's).
    pub async fn create_group_invite(&self, actor: &Actor, group_id: Uuid, new: NewInvite) -> AppResult<Minted> {
        self.limits.invite_write(actor.user()?.id)?;
        let access = self.manager_access(actor, group_id).await?;
        let settings = &self.settings;
        let role = new.role.as_deref().unwrap_or(settings.roles.default_invite_role().as_str());
        let role = access.check_grant("role", role)?;
        let mut fields = Fields::default();
        let email = new.email.as_deref().and_then(|e| fields.check("email", Email::parse(e)));
        let is_invitation = new.email.is_some();
        let (default_hours, max_hours) = if is_invitation {
            (settings.invitation_default_hours, settings.invitation_max_hours)
        } else {
            (settings.group_code_default_hours, settings.group_code_max_hours)
        };
        let lifetime = new.expires_in.unwrap_or(Lifetime::Hours(i64::from(default_hours)));
        let expires_in = lifetime.check(&mut fields, max_hours);
        let max_uses = match (is_invitation, new.max_uses) {
            (true, None | Some(1)) | (false, None) => Some(1),
            (true, Some(_)) => {
                fields.push("max_uses", Invalid::new("invalid-one-person"));
                None
            }
            (false, Some(n)) if (1..=CODE_MAX_USES).contains(&n) => u32::try_from(n).ok(),
            (false, Some(_)) => {
                fields.push("max_uses", Invalid::new("invalid-max-uses").with("max", CODE_MAX_USES));
                None
            }
        };
        let message = fields.check("message", optional_text(new.message.as_deref(), MAX_MESSAGE)).flatten();
        let return_to = match new.return_to.as_deref() {
            Some(url) => fields.check("return_to", self.app_url(url).await?),
            None => None,
        };
        let locale = match new.locale.as_deref().map(|tag| (tag, Locale::parse(tag))) {
            None => None,
            Some((_, Some(locale))) => Some(locale.tag().to_owned()),
            Some((_, None)) => {
                let shipped: Vec<_> = Locale::ALL.iter().map(|l| l.tag()).collect();
                fields.push("locale", Invalid::new("invalid-one-of").with("list", shipped.join(", ")));
                None
            }
        };
        if !is_invitation && (locale.is_some() || new.reply_to_inviter) {
            fields.push(
                if locale.is_some() { "locale" } else { "reply_to_inviter" },
                Invalid::new("invalid-email-invitations-only"),
            );
        }
        fields.finish()?;
        let (Some(expires_in), Some(max_uses)) = (expires_in, max_uses) else { unreachable!("checked above") };
        let now = Utc::now();
        let expires_at = expires_in.after(now);
        let reply_to = new.reply_to_inviter.then(|| access.user.email.clone());
        let grant = GroupGrant { group_id: access.group.id, role, email: email.clone(), message, locale, reply_to };
        let terms = Terms { max_uses, expires_at, return_to };

        let minted = match email {
            Some(email) => {
                let token = Token::generate(&mut OsRng);
                let mail = self.invitation_email(
                    &access,
                    &grant,
                    email.as_str(),
                    token.expose(),
                    expires_at,
                    Mail::Invitation,
                );
                let secret = Secret::Token(token.hash());
                let row = new_row(InviteKind::EmailInvitation, secret, &access, grant, &terms);
                let invite = self.store.create_invite(row, Some(mail), &access.audit, now).await?;
                Minted { invite: self.with_delivery(invite).await?, token: Some(token) }
            }
            None => {
                let invite = self.create_code(&access, grant, &terms, now).await?;
                Minted { invite: GroupInvite { invite, delivery: None }, token: None }
            }
        };
        let invite = &minted.invite.invite;
        tracing::debug!(group_id = %access.group.id, invite_id = %invite.id, kind = ?invite.kind, "group invite created");
        Ok(minted)
    }

    /// A group code, drawing another code on the rare collision.
    async fn create_code(
        &self,
        access: &Access,
        grant: GroupGrant,
        terms: &Terms,
        now: DateTime<Utc>,
    ) -> AppResult<Invite> {
        for _ in 0..5 {
            let secret = Secret::Code(InviteCode::generate(&mut OsRng));
            let row = new_row(InviteKind::GroupCode, secret, access, grant.clone(), terms);
            match self.store.create_invite(row, None, &access.audit, now).await {
                Err(StoreError::CodeTaken) => continue,
                other => return Ok(other?),
            }
        }
        Err(Error::internal("could not draw a free invite code"))
    }

    /// The group's invites, newest first; active ones unless `status` is `all`; none
    /// granting a role above the caller's (managers).
    pub async fn group_invites(
        &self,
        actor: &Actor,
        group_id: Uuid,
        list: ListRequest,
    ) -> AppResult<Listed<GroupInvite>> {
        let access = self.manager_access(actor, group_id).await?;
        // Invites above the caller's role are not theirs to see (a code's link is its
        // secret); the cursor still follows the rows read, so a page may come back short.
        let listed = self
            .invites_in(InviteScope::group(access.group.id), &list, true, None)
            .await?
            .retain(|i| access.ranks_at_least(i.role.as_ref()));
        let ids: Vec<Uuid> =
            listed.items.iter().filter(|i| i.kind == InviteKind::EmailInvitation).map(|i| i.id).collect();
        let mut deliveries = self.store.deliveries(&ids).await?;
        let items = listed
            .items
            .into_iter()
            .map(|invite| GroupInvite { delivery: deliveries.remove(&invite.id), invite })
            .collect();
        Ok(Listed { items, next_cursor: listed.next_cursor })
    }

    /// One of the group's invites (managers).
    pub async fn group_invite(&self, actor: &Actor, group_id: Uuid, invite_id: Uuid) -> AppResult<GroupInvite> {
        let access = self.manager_access(actor, group_id).await?;
        let invite = self.find_invite(&access, invite_id).await?;
        self.with_delivery(invite).await
    }

    /// Revokes one of the group's invites (managers).
    pub async fn revoke_group_invite(&self, actor: &Actor, group_id: Uuid, invite_id: Uuid) -> AppResult<()> {
        let access = self.manager_access(actor, group_id).await?;
        let invite = self.find_invite(&access, invite_id).await?;
        self.store.revoke_invite(InviteScope::group(access.group.id), invite.id, &access.audit, Utc::now()).await?;
        tracing::debug!(invite_id = %invite.id, "group invite revoked");
        Ok(())
    }

    /// Who joined through one of the group's invites, and when (managers).
    pub async fn redemptions(
        &self,
        actor: &Actor,
        group_id: Uuid,
        invite_id: Uuid,
        list: ListRequest,
    ) -> AppResult<Listed<Redemption>> {
        let access = self.manager_access(actor, group_id).await?;
        let invite = self.find_invite(&access, invite_id).await?;
        let page = list.page()?;
        let rows = self.store.redemptions(invite.id, page).await?;
        Ok(Listed::new(rows, page, |r| r.id))
    }

    /// One of this group's invites, for every action on one (read, redemptions, revoke,
    /// resend, copy link): `not_found` for another group's, `forbidden` for one granting
    /// a role above the caller's — what they may not create, they may not renew, read
    /// or take the link of.
    pub(crate) async fn find_invite(&self, access: &Access, invite_id: Uuid) -> AppResult<Invite> {
        let scope = InviteScope::group(access.group.id);
        let invite = self.store.invite_in_scope(scope, invite_id).await?.ok_or(Reason::NotFound)?;
        access.require_rank(invite.role.as_ref())?;
        Ok(invite)
    }

    /// `invite` with its latest email's delivery, for email invitations.
    pub(crate) async fn with_delivery(&self, invite: Invite) -> AppResult<GroupInvite> {
        let delivery = match invite.kind {
            InviteKind::EmailInvitation => self.store.delivery(invite.id).await?,
            _ => None,
        };
        Ok(GroupInvite { invite, delivery })
    }
}

/// How a new group invite may be used: how often, until when, and where it leads.
struct Terms {
    max_uses: u32,
    expires_at: DateTime<Utc>,
    return_to: Option<String>,
}

/// The row of a new group invite created by the caller.
fn new_row(kind: InviteKind, secret: Secret, access: &Access, grant: GroupGrant, terms: &Terms) -> model::NewInvite {
    model::NewInvite {
        kind,
        secret,
        user_id: None,
        description: None,
        max_uses: Some(terms.max_uses),
        expires_at: Some(terms.expires_at),
        created_by: Some(access.user.id),
        group: Some(grant),
        return_to: terms.return_to.clone(),
    }
}
