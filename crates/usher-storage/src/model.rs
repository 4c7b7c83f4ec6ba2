//! What the store hands out and takes in. Plain data; validation happened at the edge.

use chrono::{DateTime, Utc};
use usher_domain::{
    account::{DisplayName, Email, Username},
    code::InviteCode,
    device::DeviceInfo,
    invite::{InviteKind, Usage},
    mail::Mail,
    role::Role,
    secret::Secret,
    token::TokenHash,
};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    /// PHC string (argon2id); `None` for accounts that sign in by login link only.
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// The public face of a user inside other objects (`created_by`, a link's `user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
}

/// A group named in an answer: which one, in words a person knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRef {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

#[derive(Debug)]
pub struct NewUser {
    pub username: Username,
    pub email: Email,
    pub display_name: DisplayName,
    pub password_hash: Option<String>,
    pub is_admin: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub email: Option<Email>,
    pub display_name: Option<DisplayName>,
    pub password_hash: Option<String>,
    pub is_admin: Option<bool>,
    /// `Some(true)` disables (keeping the first time), `Some(false)` re-enables.
    pub disabled: Option<bool>,
}

/// A session about to start: the token's hash, and the device it is for, if any.
#[derive(Debug)]
pub struct NewSession {
    pub token_hash: TokenHash,
    pub device: Option<DeviceInfo>,
    pub expires_at: DateTime<Utc>,
}

/// One row of the invite table, of any kind.
#[derive(Debug, Clone)]
pub struct Invite {
    pub id: Uuid,
    pub kind: InviteKind,
    pub code: Option<InviteCode>,
    pub description: Option<String>,
    pub usage: Usage,
    pub created_by: Option<UserSummary>,
    pub created_at: DateTime<Utc>,
    /// Login links: the user the link signs in.
    pub user: Option<UserSummary>,
    /// Group codes and email invitations: the group, and the role joining grants.
    pub group_id: Option<Uuid>,
    pub role: Option<Role>,
    /// Email invitations: who is invited, and the inviter's message.
    pub email: Option<String>,
    pub message: Option<String>,
    pub resend_count: u32,
    pub last_sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub struct NewInvite {
    pub kind: InviteKind,
    pub secret: Secret,
    pub user_id: Option<Uuid>,
    pub description: Option<String>,
    pub max_uses: Option<u32>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    /// Group invitations only; `None` elsewhere.
    pub group: Option<GroupGrant>,
}

/// What a group invitation grants, and (email invitations) to whom.
#[derive(Debug, Clone)]
pub struct GroupGrant {
    pub group_id: Uuid,
    pub role: Role,
    pub email: Option<Email>,
    pub message: Option<String>,
}

/// An email to queue in the outbox with the change that causes it.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub recipient: String,
    pub mail: Mail,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug)]
pub struct NewGroup {
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Value,
}

/// Changes to a group; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct GroupPatch {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub user: UserSummary,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    pub invite_id: Option<Uuid>,
}

/// Who came in through an invite, and when.
#[derive(Debug, Clone)]
pub struct Redemption {
    pub id: Uuid,
    pub user: Option<UserSummary>,
    pub redeemed_at: DateTime<Utc>,
}

/// Which invites a list or a revocation may touch.
#[derive(Debug, Clone, Copy, Default)]
pub struct InviteScope {
    /// One kind only.
    pub kind: Option<InviteKind>,
    /// Login links of one user only.
    pub user_id: Option<Uuid>,
    /// One group's invitations only.
    pub group_id: Option<Uuid>,
}

impl InviteScope {
    pub const fn kind(kind: InviteKind) -> Self {
        Self { kind: Some(kind), user_id: None, group_id: None }
    }

    pub const fn group(group_id: Uuid) -> Self {
        Self { kind: None, user_id: None, group_id: Some(group_id) }
    }
}

/// Keyset pagination: newest first, `after` is the last id of the previous page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: u32,
    pub after: Option<Uuid>,
}
