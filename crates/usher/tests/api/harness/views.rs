//! The JSON the API answers, as a client reads it (SPEC §4). These are the tests' own
//! types, not the server's: a field renamed or retyped on the server fails here, as it
//! would in a client program. Ids and enum-like fields stay strings, as on the wire.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// `{items, next_cursor}`: one page of a list.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A user as an admin reads it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub is_admin: bool,
    pub has_password: bool,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// `{id, username, display_name}`: who made or holds something.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct UserSummary {
    pub id: String,
    pub username: String,
    pub display_name: String,
}

/// `POST /auth/register` and `POST /auth/login`: `{user, session_token}`.
#[derive(Debug, Clone, Deserialize)]
pub struct SignedIn {
    pub user: UserView,
    pub session_token: String,
}

/// `POST /auth/login-link`: `{user_id, username, session_token}`.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkSession {
    pub user_id: String,
    pub username: String,
    pub session_token: String,
}

/// A registration invite, group code or email invitation, as its managers read it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InviteView {
    pub id: String,
    pub kind: String,
    pub code: Option<String>,
    pub url: Option<String>,
    /// An email invitation's token: shown when it is minted, never again.
    pub token: Option<String>,
    pub group_id: Option<String>,
    pub role: Option<String>,
    pub email: Option<String>,
    pub message: Option<String>,
    pub description: Option<String>,
    pub max_uses: Option<u64>,
    pub uses: u64,
    pub uses_remaining: Option<u64>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: String,
    pub created_by: Option<UserSummary>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub resend_count: u64,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// An email invitation's language (`null`: the instance's default).
    pub locale: Option<String>,
    pub reply_to_inviter: bool,
    /// The latest email of an email invitation.
    pub delivery: Option<DeliveryView>,
}

impl InviteView {
    /// The code of a registration invite or group code.
    pub fn code(&self) -> &str {
        self.code.as_deref().unwrap_or_else(|| panic!("a {} has no code", self.kind))
    }

    /// The token of an email invitation, shown when minted.
    pub fn token(&self) -> &str {
        self.token.as_deref().unwrap_or_else(|| panic!("no token on this {}", self.kind))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeliveryView {
    pub status: String,
    pub attempts: u64,
    pub last_error: Option<String>,
}

/// A freshly minted login link: `{id, token, url, user, expires_at}`, shown once.
#[derive(Debug, Clone, Deserialize)]
pub struct MintedLink {
    pub id: String,
    pub token: String,
    pub url: String,
    pub user: UserSummary,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A login link as listed or read later (never the token).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LoginLinkView {
    pub id: String,
    pub user: Option<UserSummary>,
    pub status: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub used: bool,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A group as its members read it (`role` is the caller's, where answered).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct GroupView {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    pub app_id: Option<String>,
    pub role: Option<String>,
}

/// `{user, role, joined_at, invite_id}`: one member of a group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MemberView {
    pub user: UserSummary,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub invite_id: Option<String>,
}

/// `POST /invites/{code}/accept`: the membership it made.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Membership {
    pub group_id: String,
    pub user_id: String,
    pub role: String,
    pub joined_at: DateTime<Utc>,
    pub invite_id: String,
}

/// `GET /me`: the caller and their groups.
#[derive(Debug, Clone, Deserialize)]
pub struct Me {
    pub user: UserView,
    pub groups: Vec<MyGroup>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MyGroup {
    pub id: String,
    pub name: String,
    pub role: String,
}
