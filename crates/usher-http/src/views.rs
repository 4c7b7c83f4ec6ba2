//! The JSON the API answers with. Built from storage models; nothing secret leaves
//! through these types (no password hashes, no token hashes).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use usher_domain::{
    invite::{InviteKind, InviteStatus},
    role::Role,
};
use usher_storage::{
    Delivery,
    model::{Group, Invite, Member, Page, Redemption, User, UserSummary},
};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use usher_app::{
    group_invites::{GroupInvite, Minted},
    groups::GroupWithMembers,
    lists::{ListRequest, Listed},
};

use crate::{Settings, error::ApiError};

pub mod admin;
pub mod schema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub has_password: bool,
    /// The address was proven (a verification link, or a mailed invitation or sign-in
    /// link used); a new address is not.
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            username: u.username.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            is_admin: u.is_admin,
            has_password: u.password_hash.is_some(),
            email_verified: u.email_verified_at.is_some(),
            created_at: u.created_at,
            disabled_at: u.disabled_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummaryView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

impl From<&UserSummary> for UserSummaryView {
    fn from(u: &UserSummary) -> Self {
        Self { id: u.id, username: u.username.clone(), display_name: u.display_name.clone() }
    }
}

/// The invite object of SPEC §4.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteView {
    pub id: Uuid,
    #[schema(schema_with = schema::invite_kind)]
    pub kind: InviteKind,
    pub code: Option<String>,
    /// Codes: always. Email invitations: only with the token, which exists once.
    pub url: Option<String>,
    /// Email invitations, in the answer that minted it only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub group_id: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
    pub email: Option<String>,
    pub message: Option<String>,
    pub description: Option<String>,
    pub max_uses: Option<u32>,
    pub uses: u32,
    pub uses_remaining: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
    #[schema(schema_with = schema::invite_status)]
    pub status: InviteStatus,
    pub created_by: Option<UserSummaryView>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub resend_count: u32,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// Where whoever uses it is sent afterwards.
    pub return_to: Option<String>,
    /// Email invitations: the language of its email (`null`: the instance's default).
    pub locale: Option<String>,
    /// Email invitations: replies to its email go to the inviter.
    pub reply_to_inviter: bool,
    /// Email invitations: the latest email's delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self { status: d.status, attempts: d.attempts, last_error: d.last_error }
    }
}

impl InviteView {
    pub fn new(invite: &Invite, settings: &Settings, now: DateTime<Utc>) -> Self {
        let code = invite.code.as_ref().map(ToString::to_string);
        Self {
            id: invite.id,
            kind: invite.kind,
            url: code.as_deref().map(|c| match invite.kind {
                InviteKind::GroupCode => settings.join_url(c),
                _ => settings.registration_url(c),
            }),
            token: None,
            group_id: invite.group_id,
            role: invite.role.clone(),
            email: invite.email.clone(),
            message: invite.message.clone(),
            code,
            description: invite.description.clone(),
            max_uses: invite.usage.max_uses,
            uses: invite.usage.uses,
            uses_remaining: invite.usage.uses_remaining(),
            expires_at: invite.usage.expires_at,
            status: invite.usage.status(now),
            created_by: invite.created_by.as_ref().map(UserSummaryView::from),
            created_at: invite.created_at,
            revoked_at: invite.usage.revoked_at,
            resend_count: invite.resend_count,
            last_sent_at: invite.last_sent_at,
            return_to: invite.return_to.clone(),
            locale: invite.locale.clone(),
            reply_to_inviter: invite.reply_to.is_some(),
            delivery: None,
        }
    }

    /// One of a group's invites, with its latest email's delivery.
    pub fn of_group(invite: &GroupInvite, settings: &Settings, now: DateTime<Utc>) -> Self {
        let mut view = Self::new(&invite.invite, settings, now);
        view.delivery = invite.delivery.clone().map(DeliveryView::from);
        view
    }

    /// An invite just created, or an invitation just sent again: with an email
    /// invitation's token, shown this once.
    pub fn minted(minted: &Minted, settings: &Settings, now: DateTime<Utc>) -> Self {
        let view = Self::of_group(&minted.invite, settings, now);
        match &minted.token {
            Some(token) => view.with_token(token.expose(), settings),
            None => view,
        }
    }

    /// With the plain token of an email invitation, shown this once.
    pub fn with_token(mut self, token: &str, settings: &Settings) -> Self {
        self.url = Some(settings.invitation_url(token));
        self.token = Some(token.to_owned());
        self
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// The app whoever joins is sent on to.
    pub app_id: Option<Uuid>,
    /// The caller's role, where the caller is a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub role: Option<Role>,
}

impl GroupView {
    pub fn new(group: &Group, role: Option<&Role>) -> Self {
        Self {
            id: group.id,
            name: group.name.clone(),
            slug: group.slug.clone(),
            description: group.description.clone(),
            external_id: group.external_id.clone(),
            metadata: group.metadata.clone(),
            created_at: group.created_at,
            app_id: group.app_id,
            role: role.cloned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user: UserSummaryView,
    #[schema(value_type = String)]
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub invite_id: Option<Uuid>,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        Self {
            user: UserSummaryView::from(&m.user),
            role: m.role.clone(),
            joined_at: m.joined_at,
            invite_id: m.invite_id,
        }
    }
}

/// A group with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupView,
    pub members: Vec<MemberView>,
}

impl From<&GroupWithMembers> for GroupDetail {
    fn from(g: &GroupWithMembers) -> Self {
        Self {
            group: GroupView::new(&g.group, Some(&g.role)),
            members: g.members.iter().map(MemberView::from).collect(),
        }
    }
}

/// Who joined through an invite, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionView {
    /// `null` once the user is deleted.
    pub user: Option<UserSummaryView>,
    pub redeemed_at: DateTime<Utc>,
}

impl From<&Redemption> for RedemptionView {
    fn from(r: &Redemption) -> Self {
        Self { user: r.user.as_ref().map(UserSummaryView::from), redeemed_at: r.redeemed_at }
    }
}

/// A login link as listed: everything but the token, which exists only at creation.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoginLinkView {
    pub id: Uuid,
    pub user: Option<UserSummaryView>,
    #[schema(schema_with = schema::invite_status)]
    pub status: InviteStatus,
    pub expires_at: Option<DateTime<Utc>>,
    pub used: bool,
    pub created_by: Option<UserSummaryView>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl LoginLinkView {
    pub fn new(link: &Invite, now: DateTime<Utc>) -> Self {
        Self {
            id: link.id,
            user: link.user.as_ref().map(UserSummaryView::from),
            status: link.usage.status(now),
            expires_at: link.usage.expires_at,
            used: link.usage.uses > 0,
            created_by: link.created_by.as_ref().map(UserSummaryView::from),
            created_at: link.created_at,
            revoked_at: link.usage.revoked_at,
        }
    }
}

/// `?status=&limit=&cursor=` of every list: `limit` defaults to 50, at most 200; the
/// cursor is the last id seen; `status` is `active` or `all` where a list filters.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Which rows: `active` or `all` for invites and login links; `queued`, `sending`,
    /// `sent` or `failed` for the outbox. Other lists ignore it.
    pub status: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<Uuid>)]
    pub cursor: Option<String>,
}

impl ListQuery {
    /// What the application's list operations take.
    pub fn request(self) -> ListRequest {
        ListRequest { status: self.status, limit: self.limit, cursor: self.cursor }
    }

    /// Whether to leave out invites that are no longer active.
    pub fn active_only(&self, default_active: bool) -> Result<bool, ApiError> {
        Ok(self.clone().request().active_only(default_active)?)
    }

    pub fn page(&self) -> Result<Page, ApiError> {
        Ok(self.clone().request().page()?)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    /// The `cursor` of the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Paginated<T> {
    /// One page from the application, each row as its view.
    pub fn of<R>(listed: Listed<R>, view: impl Fn(&R) -> T) -> Self {
        Self { items: listed.items.iter().map(view).collect(), next_cursor: listed.next_cursor.map(|c| c.to_string()) }
    }

    /// `rows` fetched with [`ListQuery::page`] (one extra); `id` names each row's cursor.
    pub fn new<R>(mut rows: Vec<R>, page: Page, id: impl Fn(&R) -> Uuid, view: impl Fn(&R) -> T) -> Self {
        let limit = page.limit as usize - 1;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Self { items: rows.iter().map(view).collect(), next_cursor }
    }
}
