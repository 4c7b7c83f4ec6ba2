//! Row types as both drivers decode them, and their conversion into model types.

use chrono::{DateTime, Utc};
use usher_domain::{
    code::InviteCode,
    invite::{InviteKind, Usage},
    role::Role,
};
use uuid::Uuid;

use crate::{
    model::{Group, Invite, Member, User, UserSummary},
    sql::record,
};

pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Ids are written by us as UUID text; anything else means a corrupt row.
pub(crate) fn parse_id(text: &str) -> Uuid {
    Uuid::parse_str(text).unwrap_or_default()
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.email, u.display_name, u.password_hash, u.is_admin, u.created_at, u.disabled_at";

record! {
    pub(crate) struct UserRow {
        id: String,
        username: String,
        email: String,
        display_name: String,
        password_hash: Option<String>,
        is_admin: bool,
        created_at: i64,
        disabled_at: Option<i64>,
    }
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: parse_id(&row.id),
            username: row.username,
            email: row.email,
            display_name: row.display_name,
            password_hash: row.password_hash,
            is_admin: row.is_admin,
            created_at: from_ms(row.created_at),
            disabled_at: row.disabled_at.map(from_ms),
        }
    }
}

/// An invite with its creator and (for login links) its user joined in.
pub(crate) const INVITE_SELECT: &str = "SELECT i.id, i.kind, i.code, i.description, i.max_uses, i.uses, \
     i.expires_at, i.created_at, i.revoked_at, i.group_id, i.role, i.email, i.message, i.resend_count, i.last_sent_at, \
     c.id AS creator_id, c.username AS creator_username, c.display_name AS creator_display_name, \
     t.id AS user_id, t.username AS user_username, t.display_name AS user_display_name \
     FROM invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users t ON t.id = i.user_id";

record! {
    pub(crate) struct InviteRow {
        id: String,
        kind: String,
        code: Option<String>,
        description: Option<String>,
        max_uses: Option<i64>,
        uses: i64,
        expires_at: Option<i64>,
        created_at: i64,
        revoked_at: Option<i64>,
        group_id: Option<String>,
        role: Option<String>,
        email: Option<String>,
        message: Option<String>,
        resend_count: i64,
        last_sent_at: Option<i64>,
        creator_id: Option<String>,
        creator_username: Option<String>,
        creator_display_name: Option<String>,
        user_id: Option<String>,
        user_username: Option<String>,
        user_display_name: Option<String>,
    }
}

fn summary(id: Option<String>, username: Option<String>, display_name: Option<String>) -> Option<UserSummary> {
    Some(UserSummary { id: parse_id(&id?), username: username?, display_name: display_name? })
}

impl From<InviteRow> for Invite {
    fn from(row: InviteRow) -> Self {
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Self {
            id: parse_id(&row.id),
            kind: InviteKind::parse(&row.kind).unwrap_or(InviteKind::Registration),
            code: row.code.map(InviteCode::from_stored),
            description: row.description,
            usage: Usage {
                revoked_at: row.revoked_at.map(from_ms),
                max_uses: row.max_uses.map(count),
                uses: count(row.uses),
                expires_at: row.expires_at.map(from_ms),
            },
            created_by: summary(row.creator_id, row.creator_username, row.creator_display_name),
            created_at: from_ms(row.created_at),
            user: summary(row.user_id, row.user_username, row.user_display_name),
            group_id: row.group_id.as_deref().map(parse_id),
            role: row.role.map(Role::from_stored),
            email: row.email,
            message: row.message,
            resend_count: count(row.resend_count),
            last_sent_at: row.last_sent_at.map(from_ms),
        }
    }
}

pub(crate) const GROUP_COLUMNS: &str = "g.id, g.name, g.slug, g.description, g.external_id, g.metadata, g.created_at";

record! {
    pub(crate) struct GroupRow {
        id: String,
        name: String,
        slug: String,
        description: Option<String>,
        external_id: Option<String>,
        metadata: String,
        created_at: i64,
    }
}

impl From<GroupRow> for Group {
    fn from(row: GroupRow) -> Self {
        Self {
            id: parse_id(&row.id),
            name: row.name,
            slug: row.slug,
            description: row.description,
            external_id: row.external_id,
            metadata: serde_json::from_str(&row.metadata).unwrap_or_default(),
            created_at: from_ms(row.created_at),
        }
    }
}

record! {
    /// A membership with the member's public face joined in.
    pub(crate) struct MemberRow {
        user_id: String,
        username: String,
        display_name: String,
        role: String,
        joined_at: i64,
        invite_id: Option<String>,
    }
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Self {
        Self {
            user: UserSummary { id: parse_id(&row.user_id), username: row.username, display_name: row.display_name },
            role: Role::from_stored(row.role),
            joined_at: from_ms(row.joined_at),
            invite_id: row.invite_id.as_deref().map(parse_id),
        }
    }
}
